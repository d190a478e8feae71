//! Maker-checker approvals (录入 → 审核): a change that takes effect only
//! when a manager or admin other than its maker approves it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;

string_enum!(
    ApprovalStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub id: i64,
    /// What would change, e.g. `ticket_master_data`.
    pub kind: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub maker_id: i64,
    pub summary: String,
    pub status: ApprovalStatus,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRequest {
    /// Required when rejecting.
    #[serde(default)]
    pub comment: Option<String>,
}
