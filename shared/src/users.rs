//! Staff and portal users of a workspace.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Locale, Role};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// `false` once deactivated: the user can no longer sign in.
    pub active: bool,
    /// `true` while an invitation has not been accepted.
    pub invited: bool,
    /// The language the user chose for the app and for e-mail; none yet
    /// means Chinese.
    #[serde(default)]
    pub locale: Option<Locale>,
    /// Whether they get the daily e-mail digest of their tasks (staff).
    #[serde(default)]
    pub digest_opt_in: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    pub name: String,
    pub email: String,
    /// The user is e-mailed an invitation with a one-time link and sets
    /// their own password: nobody sets a password for someone else.
    pub role: Role,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateUserRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    /// `false` deactivates the user and ends all their sessions.
    #[serde(default)]
    pub active: Option<bool>,
}
