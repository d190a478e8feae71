//! The text of the e-mails Steward sends, in Chinese and English (one mail
//! carries both: we do not know the reader's language before they sign in).

use super::OutgoingMail;

pub fn invitation(
    workspace_id: i64,
    to: &str,
    invitee_name: &str,
    workspace_name: &str,
    link: &str,
    valid_hours: i64,
) -> OutgoingMail {
    OutgoingMail {
        workspace_id: Some(workspace_id),
        to: to.to_string(),
        subject: format!("邀请您加入 {workspace_name} 的 Steward / You are invited to Steward"),
        body_text: format!(
            "{invitee_name}，您好：\n\n\
             {workspace_name} 邀请您使用 Steward。请打开下面的链接设置密码（{valid_hours} 小时内有效，只能使用一次）：\n\
             {link}\n\n\
             Hello {invitee_name},\n\n\
             {workspace_name} has invited you to Steward. Open this link to set your password \
             (valid for {valid_hours} hours, usable once):\n{link}\n"
        ),
        dedupe_key: None,
    }
}
