//! The text of account e-mails. An invitation is bilingual (Chinese first):
//! we do not know the reader's language before they sign in.

use super::Letter;
use crate::mail::OutgoingMail;

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

/// A password reset link, in the user's language when they chose one
/// (bilingual otherwise, like an invitation).
pub fn password_reset(
    workspace_id: i64,
    to: &str,
    name: &str,
    workspace_name: &str,
    link: &str,
    valid_minutes: i64,
) -> OutgoingMail {
    Letter {
        subject: format!("重置您在 {workspace_name} 的 Steward 密码 / Reset your Steward password for {workspace_name}"),
        greeting: format!("{name}，您好 / Hello {name},"),
        paragraphs: vec![
            format!(
                "有人为此邮箱申请了重置 Steward 密码。请打开下面的链接设置新密码（{valid_minutes} 分钟内有效，只能使用一次）。如果不是您本人申请，请忽略此邮件，您的密码不会改变。"
            ),
            format!(
                "Someone asked to reset the Steward password of this address. Open this link to \
                 set a new one (valid for {valid_minutes} minutes, usable once). If it was not \
                 you, ignore this e-mail: your password stays as it is."
            ),
        ],
        link: Some(("设置新密码 / Set a new password".into(), link.to_string())),
        ..Letter::default()
    }
    .own_address_mail(workspace_id, to)
}

/// The link that confirms a sign-up address. Anyone can type any address
/// into the sign-up form, so the mail says what happens if it was not the
/// reader: nothing, the workspace stays unable to send mail.
pub fn email_verification(
    workspace_id: i64,
    to: &str,
    name: &str,
    workspace_name: &str,
    link: &str,
    valid_hours: i64,
) -> OutgoingMail {
    Letter {
        subject: "请确认您的邮箱地址 / Confirm your e-mail address for Steward".into(),
        greeting: format!("{name}，您好 / Hello {name},"),
        paragraphs: vec![
            format!(
                "有人用此邮箱在 Steward 创建了工作区「{workspace_name}」。如果是您本人，请打开下面的链接确认邮箱（{valid_hours} 小时内有效）；确认之前，该工作区不会发出任何邮件。如果不是您，请忽略此邮件。"
            ),
            format!(
                "Someone created the Steward workspace \"{workspace_name}\" with this address. If it \
                 was you, open this link to confirm it (valid for {valid_hours} hours); until then \
                 the workspace sends no e-mail. If it was not you, ignore this message."
            ),
        ],
        link: Some(("确认邮箱 / Confirm the address".into(), link.to_string())),
        ..Letter::default()
    }
    .own_address_mail(workspace_id, to)
}
