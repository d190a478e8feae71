//! The survey invitation, in Chinese and English: it goes to contacts,
//! whose language is not known.

use super::Letter;

/// The e-mail with the one-time link; `question` in Chinese and English.
pub fn invitation(
    workspace: &str,
    contact: &str,
    survey: &str,
    (question_zh, question_en): (&str, &str),
    link: &str,
) -> Letter {
    Letter {
        subject: format!("{workspace} 邀请您参与调查 / Survey: {survey}"),
        greeting: format!("{contact}，您好： / Hello {contact},"),
        paragraphs: vec![
            question_zh.to_string(),
            question_en.to_string(),
            "请用 0–10 分作答（0 = 完全不可能，10 = 非常可能），并可留下意见。 / Answer on a scale of 0–10 (0 = not at all likely, 10 = extremely likely) and leave a comment if you like.".into(),
        ],
        quote: None,
        link: Some(("回答调查 / Answer the survey".into(), link.to_string())),
        footer: Some(
            "此链接只能使用一次，无需登录。 / The link works once and needs no login.".into(),
        ),
    }
}
