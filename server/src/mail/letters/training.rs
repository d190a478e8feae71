//! A training session's invitation, update and cancellation, in the
//! language of the contact's portal login.

use shared::Locale;

use super::{greeting, pick, Letter};

/// Which of a session's mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Invite,
    Update,
    Cancel,
}

/// What a training mail says about the session.
pub struct Session<'a> {
    pub topic: &'a str,
    /// The customer's name.
    pub account: &'a str,
    pub trainer: &'a str,
    /// Start and end in the workspace's time zone, as written.
    pub time: &'a str,
    /// The room, or else the online link.
    pub place: Option<&'a str>,
    pub cancel_reason: Option<&'a str>,
}

pub fn letter(notice: Notice, s: &Session<'_>, name: &str, locale: Locale) -> Letter {
    let Session {
        topic,
        account,
        trainer,
        time,
        place,
        cancel_reason,
    } = *s;
    let subject = match notice {
        Notice::Invite => pick(
            locale,
            format!("培训邀请：{topic}"),
            format!("Training invitation: {topic}"),
        ),
        Notice::Update => pick(
            locale,
            format!("培训已更新：{topic}"),
            format!("Training updated: {topic}"),
        ),
        Notice::Cancel => pick(
            locale,
            format!("培训已取消：{topic}"),
            format!("Training cancelled: {topic}"),
        ),
    };
    let lead = match notice {
        Notice::Invite => pick(
            locale,
            format!("诚邀您参加以下培训：{account}「{topic}」"),
            format!("You are invited to this training: {account} \"{topic}\""),
        ),
        Notice::Update => pick(
            locale,
            format!("以下培训的安排已更新：{account}「{topic}」"),
            format!("This training has changed: {account} \"{topic}\""),
        ),
        Notice::Cancel => pick(
            locale,
            format!("以下培训已取消：{account}「{topic}」"),
            format!("This training is cancelled: {account} \"{topic}\""),
        ),
    };
    let mut paragraphs = vec![
        lead,
        pick(locale, format!("时间：{time}"), format!("When: {time}")),
    ];
    if let Some(place) = place {
        paragraphs.push(pick(
            locale,
            format!("地点：{place}"),
            format!("Where: {place}"),
        ));
    }
    paragraphs.push(pick(
        locale,
        format!("讲师：{trainer}"),
        format!("Trainer: {trainer}"),
    ));
    if notice == Notice::Cancel {
        if let Some(reason) = cancel_reason {
            paragraphs.push(pick(
                locale,
                format!("原因：{reason}"),
                format!("Reason: {reason}"),
            ));
        }
    } else {
        paragraphs.push(
            pick(
                locale,
                "附件中的日历文件（.ics）可将培训加入您的日历。",
                "The attached calendar file (.ics) adds it to your calendar.",
            )
            .to_string(),
        );
    }
    Letter {
        subject,
        greeting: greeting(name, locale),
        paragraphs,
        ..Letter::default()
    }
}
