//! Authorised service centres (授权服务中心, `/service-centres`): a vendor
//! workspace invites a partner workspace by a link its admin accepts,
//! assigns it accounts (the centre serves its own linked copy of each), and
//! sees per-centre roll-ups; a centre escalates a tier-3 ticket to the
//! vendor as a linked ticket carrying the public conversation and what it
//! chooses to share. Also staff certifications per module (持证上岗) and the
//! routing setting that assigns only certified engineers.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::ErpModule;

/// Longest centre name on an invitation.
pub const MAX_CENTRE_NAME: usize = 120;
/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 14;
/// Certifications expiring within this many days remind the admins (once).
pub const CERTIFICATION_REMINDER_DAYS: i64 = 30;
/// Longest certificate number.
pub const MAX_CERTIFICATE_NO: usize = 60;

string_enum!(
    /// Where a vendor ↔ centre link is.
    CentreStatus {
        Invited => "invited",
        Active => "active",
        Revoked => "revoked",
        Expired => "expired",
    }
);

string_enum!(
    /// What a centre may share with the vendor beyond the subject, the
    /// module and the public conversation (which always go).
    SharedField {
        Description => "description",
        Category => "category",
        Priority => "priority",
    }
);

string_enum!(
    /// Which side of a linked ticket the reader is on.
    BridgeSide {
        Centre => "centre",
        Vendor => "vendor",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCentreInvitation {
    /// The centre's name as the vendor knows it (e.g. 华南授权服务中心).
    pub name: String,
}

/// Figures of one centre over the vendor's accounts it serves; nothing else
/// of the centre's data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CentreRollup {
    pub accounts: i64,
    pub open_tickets: i64,
    /// Share (0–100) of the last 90 days' resolved tickets resolved within
    /// their SLA; `null` without any.
    pub sla_attainment_pct: Option<f64>,
    /// Average satisfaction (1–5) of the last 90 days; `null` without any.
    pub csat_avg: Option<f64>,
    /// Share (0–100) of the accounts' decided renewals that renewed.
    pub renewal_rate_pct: Option<f64>,
}

/// A centre as its vendor sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceCentre {
    pub id: i64,
    pub name: String,
    /// The centre workspace's own name, once accepted.
    pub workspace_name: Option<String>,
    pub status: CentreStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The acceptance link; only in the answer that creates the invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_link: Option<String>,
    pub rollup: CentreRollup,
}

/// What an invitation link shows before it is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationPreview {
    pub vendor_name: String,
    pub centre_name: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptCentreInvitation {
    pub token: String,
}

/// A vendor that authorised the reader's workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VendorLink {
    pub id: i64,
    pub vendor_name: String,
    pub status: CentreStatus,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub accounts: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignAccountRequest {
    pub account_id: i64,
}

/// A vendor account assigned to a centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CentreAccount {
    pub id: i64,
    /// The vendor's account (its id in the vendor's workspace).
    pub vendor_account_id: i64,
    pub name: String,
    pub customer_code: String,
    pub assigned_at: DateTime<Utc>,
    pub unassigned_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EscalateToVendorRequest {
    pub reason: String,
    /// Fields shared beyond the subject, module and public conversation.
    #[serde(default)]
    pub share_fields: Vec<SharedField>,
    /// Public attachments of the ticket to share.
    #[serde(default)]
    pub share_attachment_ids: Vec<i64>,
}

/// The linked ticket on the other side, as the reader may know it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketBridge {
    /// The reader's side.
    pub side: BridgeSide,
    /// The other workspace's name.
    pub counterpart: String,
    /// The linked ticket's number in the other workspace.
    pub counterpart_number: i64,
    pub shared_fields: Vec<SharedField>,
    pub shared_attachments: i64,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// A staff member's certification for a module, with its expiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certification {
    pub id: i64,
    pub user_id: i64,
    pub module: ErpModule,
    pub certificate_no: String,
    pub expires_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificationRequest {
    pub module: ErpModule,
    #[serde(default)]
    pub certificate_no: String,
    pub expires_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingSettings {
    /// Routing and escalation assign only engineers certified (and not
    /// expired) for the ticket's module.
    pub certified_only: bool,
}

/// The `reason` of a status change that came from the linked ticket on the
/// other side (vendor ↔ centre).
pub const REASON_LINKED: &str = "linked_ticket";
