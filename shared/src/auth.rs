//! Sign-up, login, refresh and invitations.

use serde::{Deserialize, Serialize};

use crate::users::User;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupRequest {
    pub workspace_name: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// An address may have a login in more than one workspace; with the
    /// same password in several, this says which one (else the oldest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInviteRequest {
    /// The one-time token from the invitation link.
    pub token: String,
    pub password: String,
}

/// Answer of signup, login, refresh and accept-invite. The refresh token
/// travels only in the HttpOnly `steward_refresh` cookie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    pub access_token: String,
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: User,
}

/// `GET /api/v1/me`: the signed-in user and their workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: User,
    pub workspace: Workspace,
    /// For portal users: the account their contact belongs to.
    pub account_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workspace {
    pub id: i64,
    pub name: String,
    /// Whether the address it was signed up with is confirmed. Until it
    /// is, the workspace sends no mail (invitations and surveys are
    /// refused; notifications wait in the outbox).
    #[serde(default = "confirmed")]
    pub email_verified: bool,
}

fn confirmed() -> bool {
    true
}

/// `POST /api/v1/auth/verify-email`: confirms a sign-up address with the
/// token from the e-mailed link.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyEmailRequest {
    pub token: String,
}

/// `POST /api/v1/me/password`: the signed-in user changes their password;
/// their other sessions end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// `POST /api/v1/auth/password-reset`: e-mails a one-time reset link if the
/// address has a login. The answer is the same either way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    pub email: String,
}

/// `POST /api/v1/auth/password-reset/confirm`: sets a new password with the
/// link's token; every session of the user ends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetConfirm {
    /// The one-time token from the reset link.
    pub token: String,
    pub password: String,
}

/// `PATCH /api/v1/me`: what signed-in users change about themselves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// The language of the app and of the e-mails sent to this user.
    pub locale: Option<crate::Locale>,
    /// Staff: receive the daily digest of due tasks at 08:30 in the
    /// workspace's time zone.
    #[serde(default)]
    pub digest_opt_in: Option<bool>,
}
