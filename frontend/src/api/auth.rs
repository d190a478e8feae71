//! `/signup`, `/auth` and `/me`: signing up, in and out, invitations,
//! passwords, e-mail verification, and the signed-in user.

use gloo_net::http::Method;
use shared::auth::{
    AcceptInviteRequest, AuthResponse, ChangePasswordRequest, LoginRequest, PasswordResetConfirm,
    PasswordResetRequest, SignupRequest,
};

use super::client::{adopt, call, decode, end_session, exchange, json, ApiErr, Call};

/// Sign-up, sign-in, invitation and refresh all answer an `AuthResponse`,
/// whose token becomes the session's.
async fn sign_in_with(call: Result<Call, ApiErr>) -> Result<AuthResponse, ApiErr> {
    let auth: AuthResponse = decode(&exchange(call?, false).await?)?;
    adopt(&auth);
    Ok(auth)
}

pub async fn signup(req: &SignupRequest) -> Result<AuthResponse, ApiErr> {
    sign_in_with(Call::new(Method::POST, "/signup").json(req)).await
}

pub async fn login(req: &LoginRequest) -> Result<AuthResponse, ApiErr> {
    sign_in_with(Call::new(Method::POST, "/auth/login").json(req)).await
}

pub async fn accept_invite(req: &AcceptInviteRequest) -> Result<AuthResponse, ApiErr> {
    sign_in_with(Call::new(Method::POST, "/auth/accept-invite").json(req)).await
}

/// Asks for a reset link; the server answers the same whether or not the
/// address has a login.
pub async fn request_password_reset(req: &PasswordResetRequest) -> Result<(), ApiErr> {
    exchange(
        Call::new(Method::POST, "/auth/password-reset").json(req)?,
        false,
    )
    .await
    .map(drop)
}

/// Confirms a sign-up address with the token of its e-mailed link.
pub async fn verify_email(req: &shared::auth::VerifyEmailRequest) -> Result<(), ApiErr> {
    exchange(
        Call::new(Method::POST, "/auth/verify-email").json(req)?,
        false,
    )
    .await
    .map(drop)
}

/// Sets a new password with a reset link's token (no session is started:
/// the user signs in with the new password).
pub async fn confirm_password_reset(req: &PasswordResetConfirm) -> Result<(), ApiErr> {
    exchange(
        Call::new(Method::POST, "/auth/password-reset/confirm").json(req)?,
        false,
    )
    .await
    .map(drop)
}

/// Ends the session on the server (the token stops working at once) and
/// here. Local sign-out happens even if the server cannot be reached.
pub async fn logout() {
    let _ = exchange(Call::new(Method::POST, "/auth/logout"), false).await;
    end_session();
}

/// Records the signed-in user's language (`zh-CN` or `en`), which their
/// e-mail follows.
pub async fn set_locale(tag: &str) -> Result<(), ApiErr> {
    let body = serde_json::json!({ "locale": tag });
    call(Method::PATCH, "/me".into(), json(&body)?)
        .await
        .map(drop)
}

/// The signed-in user and their workspace.
pub async fn me() -> Result<shared::auth::Me, ApiErr> {
    decode(&call(Method::GET, "/me".into(), None).await?)
}

/// Other workspaces where the signed-in user's address has a login.
pub async fn other_workspaces() -> Result<Vec<shared::auth::Workspace>, ApiErr> {
    decode(&call(Method::GET, "/me/workspaces".into(), None).await?)
}

/// Mails the admin a new link confirming the workspace's sign-up address.
pub async fn resend_verification() -> Result<(), ApiErr> {
    call(Method::POST, "/me/email-verification".into(), None)
        .await
        .map(drop)
}

/// Changes the signed-in user's password; their other sessions end.
pub async fn change_password(req: &ChangePasswordRequest) -> Result<(), ApiErr> {
    call(Method::POST, "/me/password".into(), json(req)?)
        .await
        .map(drop)
}
