//! How mail about a ticket names it, so a reply finds its way back: the
//! subject carries the tag `[#<number>]`, every message refers to the
//! ticket's thread root `<ticket-ID@host>` (`In-Reply-To`, `References`)
//! and keeps its own Message-ID with the ticket in the outbox, and replies
//! go to the workspace's support address (its first enabled mail channel).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::mail_channels;

/// `subject [#number]`, unless the subject carries the tag already.
pub fn tagged_subject(subject: &str, number: i64) -> String {
    let tag = format!("[#{number}]");
    if subject.contains(&tag) {
        subject.to_string()
    } else {
        format!("{subject} {tag}")
    }
}

/// The ticket numbers a subject names with `[#n]`, in order.
pub fn subject_tags(subject: &str) -> Vec<i64> {
    let mut found = Vec::new();
    let mut rest = subject;
    while let Some(at) = rest.find("[#") {
        rest = &rest[at + 2..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && rest[digits.len()..].starts_with(']') {
            if let Ok(n) = digits.parse() {
                found.push(n);
            }
        }
    }
    found
}

/// The ticket id of a thread root `<ticket-ID@host>` made for `host`.
pub fn ticket_of_root(message_id: &str, host: &str) -> Option<i64> {
    let inner = message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let (local, domain) = inner.split_once('@')?;
    if !domain.eq_ignore_ascii_case(host) {
        return None;
    }
    local.strip_prefix("ticket-")?.parse().ok()
}

/// The address replies to the workspace's ticket mail should go to.
pub async fn reply_address<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
) -> Result<Option<String>, sea_orm::DbErr> {
    mail_channels::Entity::find()
        .select_only()
        .column(mail_channels::Column::Address)
        .filter(mail_channels::Column::WorkspaceId.eq(workspace_id))
        .filter(mail_channels::Column::Enabled.eq(true))
        .order_by_asc(mail_channels::Column::Id)
        .into_tuple()
        .one(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_tagged_once_and_tags_are_read_back() {
        assert_eq!(
            tagged_subject("工单 #12 已创建", 12),
            "工单 #12 已创建 [#12]"
        );
        assert_eq!(tagged_subject("Re: x [#12]", 12), "Re: x [#12]");
        assert_eq!(subject_tags("回复：工单 #12 已创建 [#12]"), vec![12]);
        assert_eq!(subject_tags("RE: [#7] and [#x] [#] [#9"), vec![7]);
        assert!(subject_tags("#12").is_empty());
    }

    #[test]
    fn thread_roots_name_our_host_only() {
        assert_eq!(
            ticket_of_root("<ticket-42@cs.example.com>", "cs.example.com"),
            Some(42)
        );
        assert_eq!(
            ticket_of_root("<ticket-42@evil.example>", "cs.example.com"),
            None
        );
        assert_eq!(
            ticket_of_root("<abc@cs.example.com>", "cs.example.com"),
            None
        );
    }
}
