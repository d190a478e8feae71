//! Merging a duplicate ticket into another, linking tickets (related, or a
//! "problem" parent with its children), and resolving a parent's children
//! with one public reply.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::tickets::{TicketStatus, MAX_BODY};
use crate::validation::{self, Collector};

/// `POST /api/v1/tickets/{id}/merge`: the ticket `{id}` (the duplicate) is
/// merged into `into_ticket_id` (the target).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeTicketRequest {
    /// The ticket that takes over the conversation (`into` is accepted too).
    #[serde(alias = "into")]
    pub into_ticket_id: i64,
}

/// What a merge did: the closed duplicate and the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeOutcome {
    pub merged: crate::tickets::Ticket,
    pub into: crate::tickets::Ticket,
    /// Comments moved from the duplicate to the target.
    pub comments_moved: i64,
    /// Attachments moved from the duplicate to the target.
    pub attachments_moved: i64,
}

string_enum!(
    /// What the other ticket of a link is to this one: `related` (both
    /// ways), `parent` (the other is this one's problem ticket) or `child`
    /// (the other is one of this one's children).
    LinkKind {
        Related => "related",
        Parent => "parent",
        Child => "child",
    }
);

impl LinkKind {
    /// The same link seen from the other ticket.
    pub fn reversed(self) -> LinkKind {
        match self {
            LinkKind::Related => LinkKind::Related,
            LinkKind::Parent => LinkKind::Child,
            LinkKind::Child => LinkKind::Parent,
        }
    }
}

/// `POST /api/v1/tickets/{id}/links`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddLinkRequest {
    /// The other ticket.
    pub ticket_id: i64,
    /// What the other ticket is to this one.
    pub kind: LinkKind,
}

/// A link as `GET /api/v1/tickets/{id}/links` lists it: the other ticket
/// and what it is to this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketLink {
    pub kind: LinkKind,
    pub ticket: TicketRef,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

/// Another ticket, briefly (a link's end, a picker's candidate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketRef {
    pub id: i64,
    pub number: i64,
    pub subject: String,
    pub status: TicketStatus,
    pub account_id: i64,
    /// Set when the ticket was merged into another.
    #[serde(default)]
    pub merged_into_id: Option<i64>,
}

/// Whether a status counts as done (no longer worked on).
pub fn is_done(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::Resolved | TicketStatus::Closed)
}

impl TicketLink {
    /// A child that still needs work: what "resolve children" acts on.
    pub fn is_open_child(&self) -> bool {
        self.kind == LinkKind::Child && !is_done(self.ticket.status)
    }
}

string_enum!(
    /// What a candidate is looked for: a merge target (same account, not
    /// closed) or a link's other end (any ticket of the workspace).
    CandidatePurpose {
        Merge => "merge",
        Link => "link",
    }
);

/// `GET /api/v1/tickets/{id}/link-candidates`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct CandidateQuery {
    /// A ticket number (`42` or `#42`) or words of the subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// `merge` (default `link`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<CandidatePurpose>,
}

impl crate::filters::ToQuery for CandidateQuery {}

/// The most candidates a picker is offered.
pub const MAX_CANDIDATES: u64 = 20;
/// The longest search text of the picker.
pub const MAX_CANDIDATE_QUERY: usize = 200;

/// `POST /api/v1/tickets/{id}/resolve-children`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolveChildrenRequest {
    /// The public reply each open child receives before it is resolved.
    pub reply: String,
}

impl ResolveChildrenRequest {
    pub fn validate(&self) -> Result<(), crate::FieldErrors> {
        let mut c = Collector::default();
        c.check("reply", validation::required_text(&self.reply, MAX_BODY));
        c.finish()
    }
}

/// One child of a "resolve children" request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChildOutcome {
    pub ticket_id: i64,
    pub number: i64,
    /// The child's status afterwards.
    pub status: TicketStatus,
    /// Why it was not resolved (a skipped child).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What "resolve children" did: children replied to and resolved, and
/// those whose state did not allow it (left as they were).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolveChildrenOutcome {
    pub resolved: Vec<ChildOutcome>,
    pub skipped: Vec<ChildOutcome>,
}

/// A picker's text as a ticket number: `42`, `#42`, `＃42`.
pub fn ticket_number_of(q: &str) -> Option<i64> {
    let q = q.trim();
    let digits = q
        .strip_prefix('#')
        .or_else(|| q.strip_prefix('＃'))
        .unwrap_or(q)
        .trim();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_the_other_way_from_the_other_ticket() {
        for kind in LinkKind::ALL {
            assert_eq!(kind.reversed().reversed(), *kind);
        }
        assert_eq!(LinkKind::Parent.reversed(), LinkKind::Child);
        assert_eq!(LinkKind::Related.reversed(), LinkKind::Related);
    }

    #[test]
    fn the_merge_request_takes_into_as_well() {
        let a: MergeTicketRequest = serde_json::from_str(r#"{"into_ticket_id": 7}"#).unwrap();
        let b: MergeTicketRequest = serde_json::from_str(r#"{"into": 7}"#).unwrap();
        assert_eq!(a, b);
        assert!(serde_json::from_str::<MergeTicketRequest>("{}").is_err());
    }

    #[test]
    fn numbers_are_read_with_or_without_the_hash() {
        assert_eq!(ticket_number_of("42"), Some(42));
        assert_eq!(ticket_number_of(" #42 "), Some(42));
        assert_eq!(ticket_number_of("＃7"), Some(7));
        assert_eq!(ticket_number_of("#"), None);
        assert_eq!(ticket_number_of("0"), None);
        assert_eq!(ticket_number_of("报表 42"), None);
        assert_eq!(ticket_number_of("99999999999999999999999"), None);
    }

    #[test]
    fn a_reply_is_required_and_bounded() {
        let ok = ResolveChildrenRequest {
            reply: "已修复".into(),
        };
        assert!(ok.validate().is_ok());
        let empty = ResolveChildrenRequest { reply: "  ".into() };
        assert!(empty.validate().unwrap_err().contains_key("reply"));
        let long = ResolveChildrenRequest {
            reply: "x".repeat(MAX_BODY + 1),
        };
        assert!(long.validate().is_err());
    }
}
