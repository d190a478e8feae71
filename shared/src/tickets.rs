//! Service tickets, service agreements and SLA policies.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::ErpModule;

string_enum!(
    /// What a ticket is about.
    TicketCategory {
        Question => "question",
        HowTo => "how_to",
        DataError => "data_error",
        Bug => "bug",
        MasterDataChange => "master_data_change",
        ChangeRequest => "change_request",
        Complaint => "complaint",
    }
);

string_enum!(
    /// `p1` is the most urgent.
    TicketPriority {
        P1 => "p1",
        P2 => "p2",
        P3 => "p3",
        P4 => "p4",
    }
);

string_enum!(
    /// Where a ticket is in its life; `closed` is final.
    TicketStatus {
        New => "new",
        Open => "open",
        PendingCustomer => "pending_customer",
        AwaitingApproval => "awaiting_approval",
        Blocked => "blocked",
        Resolved => "resolved",
        Closed => "closed",
    }
);

impl TicketStatus {
    /// The SLA clock stands still in these statuses.
    pub fn pauses_sla(self) -> bool {
        matches!(
            self,
            TicketStatus::PendingCustomer | TicketStatus::AwaitingApproval | TicketStatus::Blocked
        )
    }

    /// Whether staff may move a ticket from `self` to `to` by an update.
    /// `blocked` is entered and left through blockers, `awaiting_approval`
    /// through approvals, so neither is a manual target.
    pub fn transition(self, to: TicketStatus) -> Result<(), String> {
        use TicketStatus::*;
        if self == to {
            return Ok(());
        }
        let allowed: &[TicketStatus] = match self {
            New => &[Open, PendingCustomer, Resolved, Closed],
            Open => &[PendingCustomer, Resolved, Closed],
            PendingCustomer => &[Open, Resolved, Closed],
            AwaitingApproval => &[],
            Blocked => &[],
            Resolved => &[Open, Closed],
            Closed => &[],
        };
        if allowed.contains(&to) {
            return Ok(());
        }
        Err(match (self, to) {
            (Closed, _) => "a closed ticket is final; open a new ticket instead".to_string(),
            (AwaitingApproval, _) => {
                "the ticket awaits approval; a manager approves or rejects it".to_string()
            }
            (Blocked, _) => {
                "the ticket is blocked; it reopens when its blockers are resolved".to_string()
            }
            (_, Blocked) => "a ticket becomes blocked by adding a blocker".to_string(),
            (_, AwaitingApproval) => {
                "only master-data changes await approval, from their creation".to_string()
            }
            (from, to) => format!("a ticket cannot go from {from} to {to}"),
        })
    }
}

/// Tier 1: the module owner; tier 2: ERP system engineers; tier 3: the manager.
pub const MAX_TIER: i32 = 3;
/// Longest ticket subject, in characters.
pub const MAX_SUBJECT: usize = 200;
/// Longest ticket description or comment body, in characters.
pub const MAX_BODY: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: i64,
    /// Human-readable, per workspace.
    pub number: i64,
    pub account_id: i64,
    pub requester_user_id: Option<i64>,
    pub created_by_user_id: i64,
    pub module: ErpModule,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub status: TicketStatus,
    pub tier: i32,
    pub assignee_id: Option<i64>,
    pub subject: String,
    pub description: String,
    /// The service level whose SLA policy set the due times.
    pub service_level: String,
    pub first_response_due_at: DateTime<Utc>,
    pub resolution_due_at: DateTime<Utc>,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// `true` while the SLA clock is paused.
    pub sla_paused: bool,
    pub first_response_breached_at: Option<DateTime<Utc>>,
    pub resolution_breached_at: Option<DateTime<Utc>>,
    pub csat_rating: Option<i32>,
    pub csat_comment: Option<String>,
    pub kb_suggestions_shown: bool,
    pub kb_article_opened: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The closed ticket this one follows up (a late reply by mail).
    #[serde(default)]
    pub follow_up_of: Option<i64>,
    /// The ticket this duplicate was merged into (it is closed).
    #[serde(default)]
    pub merged_into_id: Option<i64>,
    /// Logged although the account's agreement does not cover it (no
    /// agreement in force, or its level excludes tickets or this channel).
    /// Such a ticket has no SLA: its due times are [`no_sla_due`] and it is
    /// never breached.
    #[serde(default)]
    pub outside_agreement: bool,
    /// The installation the ticket is about, and the version it ran when
    /// the ticket was opened (kept as it was: a later upgrade leaves it).
    #[serde(default)]
    pub installation_id: Option<i64>,
    #[serde(default)]
    pub installed_version: Option<String>,
}

/// The due times of a ticket without SLA targets (outside agreement): far
/// beyond any real target, so no clock ever breaches it.
pub fn no_sla_due() -> DateTime<Utc> {
    DateTime::from_timestamp(7_258_118_400, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// What the portal shows of a ticket: no tier, assignee or service level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalTicket {
    pub id: i64,
    pub number: i64,
    pub requester_user_id: Option<i64>,
    pub module: ErpModule,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub status: TicketStatus,
    pub subject: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The rating the requester gave, once resolved.
    pub csat_rating: Option<i32>,
    /// The ticket of the same account this one was merged into.
    #[serde(default)]
    pub merged_into_id: Option<i64>,
    /// That ticket's number (`#N`).
    #[serde(default)]
    pub merged_into_number: Option<i64>,
    /// The company (account) the ticket is of; the portal shows it when a
    /// `customer_admin` sees the tickets of their whole group.
    #[serde(default)]
    pub account_id: i64,
    #[serde(default)]
    pub account_name: String,
    /// True for a ticket of another company of the user's group: it is
    /// read, and its own company's users reply, rate and attach.
    #[serde(default)]
    pub read_only: bool,
}

/// `POST /api/v1/portal/tickets/{id}/satisfaction`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SatisfactionRequest {
    /// 1 (very unhappy) to 5 (very happy).
    pub rating: i32,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: i64,
    pub ticket_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: i64,
    pub created_at: DateTime<Utc>,
    /// For the staff only (never in the portal).
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateTicketRequest {
    pub account_id: i64,
    pub module: ErpModule,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    /// The portal user who asked, if any.
    #[serde(default)]
    pub requester_user_id: Option<i64>,
    /// An installation of the account; the ticket keeps its version.
    #[serde(default)]
    pub installation_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalCreateTicketRequest {
    pub module: ErpModule,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    /// The portal showed knowledge-base suggestions while the ticket was typed.
    #[serde(default)]
    pub kb_suggestions_shown: bool,
    /// The customer opened one of them.
    #[serde(default)]
    pub kb_article_opened: bool,
    /// One of the customer's own account's installations (422 for any
    /// other); the ticket keeps the version it runs now.
    #[serde(default)]
    pub installation_id: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateTicketRequest {
    #[serde(default)]
    pub status: Option<TicketStatus>,
    #[serde(default)]
    pub priority: Option<TicketPriority>,
    #[serde(default)]
    pub module: Option<ErpModule>,
    #[serde(default)]
    pub subject: Option<String>,
    /// `null` unassigns.
    #[serde(
        default,
        with = "crate::accounts::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub assignee_id: Option<Option<i64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddBlockerRequest {
    /// The ticket that must be resolved first (usually a `data_error`).
    pub blocked_by: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EscalateRequest {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: i64,
    pub ticket_id: i64,
    pub author_user_id: i64,
    pub author_name: String,
    pub body: String,
    /// Internal notes are for staff only.
    pub internal: bool,
    pub created_at: DateTime<Utc>,
    /// `email` when it came by mail, `web` when written in Steward.
    #[serde(default = "web")]
    pub via: String,
    /// The received mail it came from (staff: `/inbound-messages/{id}`).
    #[serde(default)]
    pub inbound_message_id: Option<i64>,
}

fn web() -> String {
    "web".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCommentRequest {
    pub body: String,
    /// Staff only; portal comments are always public.
    #[serde(default)]
    pub internal: bool,
}

/// One entry of a ticket's timeline: who, when, and what changed
/// ([`TicketChange`], on the wire as `kind` and `detail`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketEvent {
    pub id: i64,
    pub actor_id: Option<i64>,
    #[serde(flatten)]
    pub change: TicketChange,
    pub at: DateTime<Utc>,
}

/// What a timeline entry records, per `kind`, with its `detail`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum TicketChange {
    /// Opened, routed to `assignee_id` at `tier` under the account's
    /// service level.
    Created {
        assignee_id: Option<i64>,
        tier: i32,
        service_level: String,
    },
    /// A status change; `reason` when the system made it
    /// ([`REASON_UNBLOCKED`]), `comment` when an approval decided it.
    Status {
        from: TicketStatus,
        to: TicketStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// A new assignee (`None`: unassigned).
    Assigned { from: Option<i64>, to: Option<i64> },
    Escalated {
        from_tier: i32,
        to_tier: i32,
        reason: String,
        assignee_id: Option<i64>,
    },
    /// A reply or an internal note.
    Comment { comment_id: i64, internal: bool },
    /// The requester's satisfaction rating, 1–5.
    Rated { rating: i32 },
    /// An SLA target was missed.
    SlaBreach { target: SlaTarget },
    /// Now waits for another ticket.
    Blocked {
        blocked_by: i64,
        blocked_by_number: i64,
    },
    /// Staff removed a blocker by hand.
    UnblockedManually { blocked_by: i64 },
    /// A knowledge-base draft was written from this ticket.
    KbArticle { article_id: i64 },
    /// A manager approved the master-data change the ticket asked for.
    Approved {
        from: TicketStatus,
        to: TicketStatus,
        comment: Option<String>,
    },
    /// A manager rejected it (or its maker withdrew it).
    Rejected {
        from: TicketStatus,
        to: TicketStatus,
        comment: Option<String>,
    },
    /// This duplicate was merged into `into` (and closed); its comments
    /// and attachments moved there.
    Merged {
        into: i64,
        into_number: i64,
        comments: i64,
        attachments: i64,
    },
    /// The duplicate `from` was merged into this ticket.
    MergedIn {
        from: i64,
        from_number: i64,
        comments: i64,
        attachments: i64,
    },
    /// A link to another ticket; `kind` is what that ticket is to this one.
    Linked {
        ticket_id: i64,
        number: i64,
        kind: crate::ticket_links::LinkKind,
    },
    /// A link to another ticket was removed.
    Unlinked {
        ticket_id: i64,
        number: i64,
        kind: crate::ticket_links::LinkKind,
    },
}

/// `reason` of the status change the last resolved blocker causes.
pub const REASON_UNBLOCKED: &str = "every blocker is resolved";
/// `reason` of the status change that closes a merged duplicate.
pub const REASON_MERGED: &str = "merged into another ticket";

string_enum!(
    /// Which SLA target a breach missed.
    SlaTarget {
        FirstResponse => "first_response",
        Resolution => "resolution",
    }
);

impl TicketChange {
    /// The `kind` on the wire (and in storage).
    pub fn kind(&self) -> &'static str {
        match self {
            TicketChange::Created { .. } => "created",
            TicketChange::Status { .. } => "status",
            TicketChange::Assigned { .. } => "assigned",
            TicketChange::Escalated { .. } => "escalated",
            TicketChange::Comment { .. } => "comment",
            TicketChange::Rated { .. } => "rated",
            TicketChange::SlaBreach { .. } => "sla_breach",
            TicketChange::Blocked { .. } => "blocked",
            TicketChange::UnblockedManually { .. } => "unblocked_manually",
            TicketChange::KbArticle { .. } => "kb_article",
            TicketChange::Approved { .. } => "approved",
            TicketChange::Rejected { .. } => "rejected",
            TicketChange::Merged { .. } => "merged",
            TicketChange::MergedIn { .. } => "merged_in",
            TicketChange::Linked { .. } => "linked",
            TicketChange::Unlinked { .. } => "unlinked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceAgreement {
    pub id: i64,
    pub account_id: i64,
    /// `gold`, `silver`, `bronze` or a level the workspace named.
    pub level: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub signed_on: Option<NaiveDate>,
    pub service_content: String,
    pub complaint_procedure: String,
    /// How service is delivered (服务流程): whom to call, escalation, hours.
    #[serde(default)]
    pub service_process: String,
    /// The contract it belongs to: renewing that contract renews it.
    #[serde(default)]
    pub contract_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementRequest {
    pub level: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
    #[serde(default)]
    pub service_content: String,
    #[serde(default)]
    pub complaint_procedure: String,
    #[serde(default)]
    pub service_process: String,
    /// The account's contract it belongs to (optional).
    #[serde(default)]
    pub contract_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaPolicy {
    pub level: String,
    pub priority: TicketPriority,
    /// Business minutes.
    pub first_response_minutes: i32,
    /// Business minutes.
    pub resolution_minutes: i32,
}

/// The longest SLA target, in business minutes (a year of minutes).
pub const MAX_SLA_MINUTES: i32 = 525_600;

/// Why a pair of SLA targets is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaTargetError {
    /// Not between 1 and [`MAX_SLA_MINUTES`].
    OutOfRange,
    /// The first response would be due after the resolution.
    FirstAfterResolution,
}

impl SlaTargetError {
    pub fn message_en(self) -> String {
        match self {
            SlaTargetError::OutOfRange => {
                format!("targets must be between 1 and {MAX_SLA_MINUTES} minutes")
            }
            SlaTargetError::FirstAfterResolution => {
                "first response must not be later than resolution".into()
            }
        }
    }
}

/// One level × priority's targets: both within range, and the first
/// response no later than the resolution (a first-response target longer
/// than the resolution target is a typo, never a policy). The server's
/// `PUT /sla-policies` and the SPA's grid both apply it.
pub fn check_sla_targets(
    first_response_minutes: i32,
    resolution_minutes: i32,
) -> Result<(), SlaTargetError> {
    let range = 1..=MAX_SLA_MINUTES;
    if !range.contains(&first_response_minutes) || !range.contains(&resolution_minutes) {
        return Err(SlaTargetError::OutOfRange);
    }
    if first_response_minutes > resolution_minutes {
        return Err(SlaTargetError::FirstAfterResolution);
    }
    Ok(())
}

/// `GET/PUT /api/v1/sla-policies`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaPolicies {
    /// The level for accounts without an active agreement.
    pub default_level: String,
    pub policies: Vec<SlaPolicy>,
}

/// The workspace's defaults: gold, silver, bronze × p1–p4 (business minutes).
pub fn default_sla_policies() -> SlaPolicies {
    let table: [(&str, [(i32, i32); 4]); 3] = [
        ("gold", [(30, 240), (60, 540), (120, 1080), (240, 2700)]),
        ("silver", [(60, 540), (120, 1080), (240, 2160), (480, 4320)]),
        (
            "bronze",
            [(120, 1080), (240, 2160), (480, 4320), (960, 8640)],
        ),
    ];
    let priorities = [
        TicketPriority::P1,
        TicketPriority::P2,
        TicketPriority::P3,
        TicketPriority::P4,
    ];
    SlaPolicies {
        default_level: "bronze".into(),
        policies: table
            .iter()
            .flat_map(|(level, targets)| {
                priorities
                    .iter()
                    .zip(targets.iter())
                    .map(|(p, (first, resolve))| SlaPolicy {
                        level: level.to_string(),
                        priority: *p,
                        first_response_minutes: *first,
                        resolution_minutes: *resolve,
                    })
            })
            .collect(),
    }
}

/// `GET/PUT /api/v1/settings/module-owners`: tier-1 routing.
pub type ModuleOwners = BTreeMap<ErpModule, i64>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_is_final_and_special_states_are_not_manual_targets() {
        use TicketStatus::*;
        for to in TicketStatus::ALL {
            if *to != Closed {
                assert!(Closed.transition(*to).is_err());
            }
        }
        assert!(Open.transition(Blocked).is_err());
        assert!(New.transition(AwaitingApproval).is_err());
        assert!(Blocked.transition(Open).is_err());
        assert!(Resolved.transition(Open).is_ok());
        assert!(PendingCustomer.transition(Resolved).is_ok());
        assert!(Open.transition(Open).is_ok());
    }

    #[test]
    fn defaults_cover_every_level_and_priority_and_tighten_with_urgency() {
        let d = default_sla_policies();
        assert_eq!(d.policies.len(), 12);
        for level in ["gold", "silver", "bronze"] {
            let mut targets: Vec<_> = d.policies.iter().filter(|p| p.level == level).collect();
            targets.sort_by_key(|p| p.priority);
            assert!(targets
                .windows(2)
                .all(|w| w[0].resolution_minutes < w[1].resolution_minutes));
            assert!(targets
                .iter()
                .all(|p| p.first_response_minutes < p.resolution_minutes));
        }
    }

    #[test]
    fn first_response_may_not_outlast_resolution() {
        assert_eq!(check_sla_targets(30, 240), Ok(()));
        assert_eq!(check_sla_targets(240, 240), Ok(()));
        assert_eq!(
            check_sla_targets(480, 240),
            Err(SlaTargetError::FirstAfterResolution)
        );
        assert_eq!(check_sla_targets(0, 240), Err(SlaTargetError::OutOfRange));
        assert_eq!(
            check_sla_targets(30, MAX_SLA_MINUTES + 1),
            Err(SlaTargetError::OutOfRange)
        );
        for p in default_sla_policies().policies {
            assert_eq!(
                check_sla_targets(p.first_response_minutes, p.resolution_minutes),
                Ok(())
            );
        }
    }

    #[test]
    fn a_timeline_entry_travels_as_kind_and_detail() {
        let event = TicketEvent {
            id: 3,
            actor_id: Some(4),
            change: TicketChange::Status {
                from: TicketStatus::New,
                to: TicketStatus::Open,
                reason: None,
                comment: None,
            },
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        };
        let wire = serde_json::to_value(&event).unwrap();
        assert_eq!(wire["kind"], "status");
        assert_eq!(
            wire["detail"],
            serde_json::json!({"from": "new", "to": "open"})
        );
        let back: TicketEvent = serde_json::from_value(wire).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn each_change_names_the_kind_it_is_written_as() {
        let changes = [
            TicketChange::Created {
                assignee_id: None,
                tier: 1,
                service_level: "gold".into(),
            },
            TicketChange::Assigned {
                from: None,
                to: Some(2),
            },
            TicketChange::Escalated {
                from_tier: 1,
                to_tier: 2,
                reason: "急".into(),
                assignee_id: None,
            },
            TicketChange::Comment {
                comment_id: 1,
                internal: true,
            },
            TicketChange::Rated { rating: 5 },
            TicketChange::SlaBreach {
                target: SlaTarget::Resolution,
            },
            TicketChange::Blocked {
                blocked_by: 1,
                blocked_by_number: 7,
            },
            TicketChange::UnblockedManually { blocked_by: 1 },
            TicketChange::KbArticle { article_id: 9 },
            TicketChange::Approved {
                from: TicketStatus::AwaitingApproval,
                to: TicketStatus::Open,
                comment: None,
            },
            TicketChange::Rejected {
                from: TicketStatus::AwaitingApproval,
                to: TicketStatus::Open,
                comment: Some("no".into()),
            },
            TicketChange::Merged {
                into: 2,
                into_number: 5,
                comments: 3,
                attachments: 1,
            },
            TicketChange::MergedIn {
                from: 1,
                from_number: 4,
                comments: 3,
                attachments: 1,
            },
            TicketChange::Linked {
                ticket_id: 2,
                number: 5,
                kind: crate::ticket_links::LinkKind::Parent,
            },
            TicketChange::Unlinked {
                ticket_id: 2,
                number: 5,
                kind: crate::ticket_links::LinkKind::Related,
            },
        ];
        for change in changes {
            let wire = serde_json::to_value(&change).unwrap();
            assert_eq!(wire["kind"], change.kind(), "{change:?}");
            assert!(wire["detail"].is_object(), "{change:?}");
        }
        let unknown = serde_json::json!({"kind": "teleported", "detail": {}});
        assert!(serde_json::from_value::<TicketChange>(unknown).is_err());
    }
}
