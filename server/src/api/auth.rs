//! `/signup`, `/auth/*`, `/me`.

use super::body::Json;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use shared::auth::{
    AcceptInviteRequest, AuthResponse, ChangePasswordRequest, LoginRequest, Me,
    PasswordResetConfirm, PasswordResetRequest, SignupRequest, UpdateMeRequest, VerifyEmailRequest,
    Workspace,
};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::rate_limit::Public;
use crate::auth::{Actor, ClientIp};
use crate::domain::accounts::auth::{self as domain, SignedIn};
use crate::error::AppResult;
use crate::state::AppState;

pub const REFRESH_COOKIE: &str = "steward_refresh";
const COOKIE_PATH: &str = "/api/v1/auth";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(signup)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(accept_invite)
        .service(me)
        .service(update_me)
        .service(change_password)
        .service(request_password_reset)
        .service(confirm_password_reset)
        .service(verify_email)
        .service(resend_verification)
        .service(other_workspaces);
}

fn refresh_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, token)
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.public_url.starts_with("https://"))
        .max_age(CookieDuration::days(state.config.refresh_token_ttl_days))
        .finish()
}

fn cleared_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(REFRESH_COOKIE, "")
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    cookie
}

fn signed_in(state: &AppState, status: actix_web::http::StatusCode, s: SignedIn) -> HttpResponse {
    HttpResponse::build(status)
        .cookie(refresh_cookie(state, s.refresh_token))
        .insert_header(("Cache-Control", "no-store"))
        .json(s.response)
}

/// Creates a workspace and its first admin, and signs them in. The answer
/// is the same for any address (another workspace may use it too), and a
/// link confirming the address is e-mailed: until it is opened the
/// workspace sends no other mail.
#[utoipa::path(
    tag = "auth",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "Workspace and admin created", body = AuthResponse),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Too many sign-ups from this address; see Retry-After", body = ErrorBody),
    )
)]
#[post("/signup")]
async fn signup(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Json<SignupRequest>,
) -> AppResult<HttpResponse> {
    state.throttle.admit(Public::Signup, ip.0)?;
    let s = domain::signup(&state, body.into_inner()).await?;
    Ok(signed_in(&state, actix_web::http::StatusCode::CREATED, s))
}

/// Signs in with e-mail and password; sets the HttpOnly refresh cookie.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = AuthResponse),
        (status = 401, description = "Wrong e-mail or password", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
    )
)]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let s = domain::login(&state, ip.0, body.into_inner()).await?;
    Ok(signed_in(&state, actix_web::http::StatusCode::OK, s))
}

/// Exchanges the refresh cookie for a new access token (and a new cookie).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = AuthResponse),
        (status = 401, description = "No live session", body = ErrorBody),
    )
)]
#[post("/auth/refresh")]
async fn refresh(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let token = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string());
    match domain::refresh(&state, token).await {
        Ok(s) => Ok(signed_in(&state, actix_web::http::StatusCode::OK, s)),
        Err(e) => {
            let mut response = actix_web::ResponseError::error_response(&e);
            response.add_cookie(&cleared_cookie()).ok();
            Ok(response)
        }
    }
}

/// Ends the session: the access token stops working at once.
#[utoipa::path(
    tag = "auth",
    responses((status = 204, description = "Signed out")),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: Option<Actor>,
) -> AppResult<HttpResponse> {
    if let Some(actor) = actor {
        domain::logout(&state, &actor).await?;
    }
    if let Some(cookie) = req.cookie(REFRESH_COOKIE) {
        domain::logout_by_refresh_token(&state, cookie.value()).await?;
    }
    Ok(HttpResponse::NoContent().cookie(cleared_cookie()).finish())
}

/// Sets the password of an invited user with the one-time token of their link.
#[utoipa::path(
    tag = "auth",
    request_body = AcceptInviteRequest,
    responses(
        (status = 200, body = AuthResponse),
        (status = 422, description = "Invalid, used or expired token, or weak password", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
    )
)]
#[post("/auth/accept-invite")]
async fn accept_invite(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Json<AcceptInviteRequest>,
) -> AppResult<HttpResponse> {
    state.throttle.admit(Public::TokenLink, ip.0)?;
    let s = domain::accept_invite(&state, body.into_inner()).await?;
    Ok(signed_in(&state, actix_web::http::StatusCode::OK, s))
}

/// The signed-in user, their workspace and (portal users) their account.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/me")]
async fn me(state: web::Data<AppState>, actor: Actor) -> AppResult<web::Json<Me>> {
    Ok(web::Json(domain::me(&state.db, &actor).await?))
}

/// Changes the signed-in user's own preferences (the language of the app
/// and of their e-mail); staff and portal users alike.
#[utoipa::path(
    tag = "auth",
    request_body = UpdateMeRequest,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/me")]
async fn update_me(
    state: web::Data<AppState>,
    actor: Actor,
    body: Json<UpdateMeRequest>,
) -> AppResult<web::Json<Me>> {
    Ok(web::Json(
        domain::update_me(&state, &actor, body.into_inner()).await?,
    ))
}

/// Changes the signed-in user's password (the current one is required);
/// the user's other sessions end, this one stays.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; other sessions ended"),
        (status = 401, body = ErrorBody),
        (status = 422, description = "Wrong current password, or a weak new one", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords; see Retry-After", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/me/password")]
async fn change_password(
    state: web::Data<AppState>,
    actor: Actor,
    ip: ClientIp,
    body: Json<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    domain::change_password(&state, &actor, ip.0, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Asks for a password reset link by e-mail. The answer is 202 whether or
/// not the address has a login, so it reveals none.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address has a login, a link is on its way"),
        (status = 422, description = "Not an e-mail address", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
    )
)]
#[post("/auth/password-reset")]
async fn request_password_reset(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Json<PasswordResetRequest>,
) -> AppResult<HttpResponse> {
    state.throttle.admit(Public::TokenLink, ip.0)?;
    domain::request_password_reset(&state, body.into_inner()).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Sets a new password with the one-time token of a reset link; every
/// session of the user ends. Then sign in with the new password.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "Password set"),
        (status = 422, description = "Invalid, used or expired link, or a weak password", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
    )
)]
#[post("/auth/password-reset/confirm")]
async fn confirm_password_reset(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Json<PasswordResetConfirm>,
) -> AppResult<HttpResponse> {
    state.throttle.admit(Public::TokenLink, ip.0)?;
    domain::confirm_password_reset(&state, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Confirms a sign-up address with the one-time token of the e-mailed
/// link. The workspace may then send mail; what it queued meanwhile goes
/// out.
#[utoipa::path(
    tag = "auth",
    request_body = VerifyEmailRequest,
    responses(
        (status = 204, description = "Confirmed"),
        (status = 422, description = "Invalid, used or expired link", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = ErrorBody),
    )
)]
#[post("/auth/verify-email")]
async fn verify_email(
    state: web::Data<AppState>,
    ip: ClientIp,
    body: Json<VerifyEmailRequest>,
) -> AppResult<HttpResponse> {
    state.throttle.admit(Public::TokenLink, ip.0)?;
    domain::verify_email(&state, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mails the signed-in admin a new link confirming their workspace's
/// sign-up address (at most one every two minutes; the answer is the same).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 202, description = "A new link is on its way"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only an admin confirms the workspace's address", body = ErrorBody),
        (status = 409, description = "The address is confirmed already", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/me/email-verification")]
async fn resend_verification(state: web::Data<AppState>, actor: Actor) -> AppResult<HttpResponse> {
    domain::resend_verification(&state, &actor).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// The other workspaces where the signed-in user's address has a login to
/// switch to (sign in there with that login's password). Only logins that
/// confirmed the address count, on both sides.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = Vec<Workspace>),
        (status = 401, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/me/workspaces")]
async fn other_workspaces(
    state: web::Data<AppState>,
    actor: Actor,
) -> AppResult<web::Json<Vec<Workspace>>> {
    Ok(web::Json(
        domain::other_workspaces(&state.db, &actor).await?,
    ))
}
