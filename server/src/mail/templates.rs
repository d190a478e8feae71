//! The text of account e-mails. An invitation is bilingual (Chinese first):
//! we do not know the reader's language before they sign in.

use super::{Letter, OutgoingMail};

pub fn invitation(
    workspace_id: i64,
    to: &str,
    invitee_name: &str,
    workspace_name: &str,
    link: &str,
    valid_hours: i64,
) -> OutgoingMail {
    Letter {
        subject: format!("邀请您加入 {workspace_name} 的 Steward / You are invited to Steward"),
        greeting: format!("{invitee_name}，您好 / Hello {invitee_name},"),
        paragraphs: vec![
            format!(
                "{workspace_name} 邀请您使用 Steward。请打开下面的链接设置密码（{valid_hours} 小时内有效，只能使用一次）。"
            ),
            format!(
                "{workspace_name} has invited you to Steward. Open this link to set your password \
                 (valid for {valid_hours} hours, usable once)."
            ),
        ],
        link: Some(("设置密码 / Set your password".into(), link.to_string())),
        ..Letter::default()
    }
    .into_mail(Some(workspace_id), to.to_string(), None)
}
