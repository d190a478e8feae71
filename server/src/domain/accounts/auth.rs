//! Sign-up, login, token refresh (rotating, with reuse detection), logout,
//! invitations, and turning a verified access token into an `Actor`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::auth::{
    AcceptInviteRequest, AuthResponse, ChangePasswordRequest, LoginRequest, Me,
    PasswordResetConfirm, PasswordResetRequest, SignupRequest, UpdateMeRequest, VerifyEmailRequest,
    Workspace,
};
use shared::texts::{Msg, T};
use shared::{validation, Role, DEFAULT_CUSTOMER_CODE_PATTERN};

use crate::auth::jwt::Claims;
use crate::auth::session_cache::LiveSession;
use crate::auth::tokens::{hash_token, random_token};
use crate::auth::{password, Actor};
use crate::db::Db;
use crate::domain::accounts::users::to_api_user;
use crate::domain::common::audit::{self, Change};
use crate::entity::{
    accounts, contacts, email_verifications, password_resets, refresh_tokens, sessions, users,
    workspaces,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A successful sign-in: the JSON answer and the refresh token for the cookie.
pub struct SignedIn {
    pub response: AuthResponse,
    pub refresh_token: String,
}

fn invalid_credentials() -> AppError {
    AppError::Unauthorized("wrong e-mail or password".into())
}

/// A new workspace and its admin. The answer is the same whatever the
/// address: addresses are unique within a workspace, not across them, so
/// sign-up tells nobody whether another tenant uses one. The address is
/// not trusted until the e-mailed link confirms it: until then the
/// workspace sends no mail but that link.
pub async fn signup(state: &AppState, req: SignupRequest) -> AppResult<SignedIn> {
    validation::signup(&req).map_err(AppError::validation)?;
    let email = validation::normalize_email(&req.email);
    let hash = password::hash(req.password).await?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let workspace = workspaces::ActiveModel {
        name: Set(req.workspace_name.trim().to_string()),
        customer_code_pattern: Set(DEFAULT_CUSTOMER_CODE_PATTERN.to_string()),
        created_at: Set(now),
        verified_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::domain::common::service_levels::seed_new_workspace(&txn, workspace.id).await?;
    let user = users::ActiveModel {
        workspace_id: Set(workspace.id),
        name: Set(req.name.trim().to_string()),
        email: Set(email),
        role: Set(Role::Admin.as_str().into()),
        password_hash: Set(Some(hash)),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        email_verified_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let api_user = to_api_user(&user)?;
    audit::record(
        &txn,
        Change {
            workspace_id: workspace.id,
            actor_id: Some(user.id),
            action: "signup",
            entity_type: "user",
            entity_id: user.id,
            before: None,
            after: Some(&api_user),
        },
        now,
    )
    .await?;
    queue_verification(state, &txn, &user, &workspace.name, now).await?;
    let signed_in = start_session(state, &txn, &user, now).await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(signed_in)
}

/// How long a link that confirms a sign-up address works.
const VERIFY_LINK_HOURS: i64 = 72;

/// Queues the link that confirms `user`'s address.
async fn queue_verification<C: ConnectionTrait>(
    state: &AppState,
    conn: &C,
    user: &users::Model,
    workspace_name: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let token = random_token(32);
    email_verifications::Entity::insert(email_verifications::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(VERIFY_LINK_HOURS)),
        used_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    let link = format!(
        "{}/verify-email?token={}",
        state.config.public_url.trim_end_matches('/'),
        token
    );
    state
        .mailer
        .enqueue(
            conn,
            crate::mail::letters::accounts::email_verification(
                user.workspace_id,
                &user.email,
                &user.name,
                workspace_name,
                &link,
                VERIFY_LINK_HOURS,
            ),
            now,
        )
        .await?;
    Ok(())
}

/// A new confirmation link is not mailed to the same user more often.
const VERIFY_MAIL_INTERVAL_MINUTES: i64 = 2;

/// Mails the signed-in admin a new link confirming their workspace's
/// address (the first one expired or went astray). Answers the same
/// whether or not a mail went out (at most one per two minutes).
pub async fn resend_verification(state: &AppState, actor: &Actor) -> AppResult<()> {
    if actor.role != Role::Admin {
        return Err(AppError::forbidden());
    }
    let workspace = workspaces::Entity::find_by_id(actor.workspace_id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    if workspace.verified_at.is_some() {
        return Err(AppError::conflict_on("email", T::AddressConfirmed));
    }
    let user = users::Entity::find_by_id(actor.user_id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let recent = email_verifications::Entity::find()
        .filter(email_verifications::Column::UserId.eq(user.id))
        .filter(
            email_verifications::Column::CreatedAt
                .gt(now - Duration::minutes(VERIFY_MAIL_INTERVAL_MINUTES)),
        )
        .one(&txn)
        .await?;
    if recent.is_none() {
        queue_verification(state, &txn, &user, &workspace.name, now).await?;
    }
    txn.commit().await?;
    state.mailer.kick();
    Ok(())
}

/// Confirms an address with the token of its e-mailed link: the login now
/// counts as reading its mail, and its workspace may send mail (what it
/// queued meanwhile goes out).
pub async fn verify_email(state: &AppState, req: VerifyEmailRequest) -> AppResult<()> {
    let invalid = || AppError::field("token", T::VerifyLinkInvalid);
    if req.token.is_empty() || req.token.len() > 200 {
        return Err(invalid());
    }
    let now = state.clock.now();
    let link = email_verifications::Entity::find()
        .filter(email_verifications::Column::TokenHash.eq(hash_token(&req.token)))
        .one(&state.db.read)
        .await?
        .ok_or_else(invalid)?;
    if link.used_at.is_some() || link.expires_at <= now {
        return Err(invalid());
    }
    let user = users::Entity::find_by_id(link.user_id)
        .one(&state.db.read)
        .await?
        .filter(|u| u.active)
        .ok_or_else(invalid)?;
    let txn = state.db.write.begin().await?;
    let used = email_verifications::Entity::update_many()
        .col_expr(email_verifications::Column::UsedAt, Expr::value(now))
        .filter(email_verifications::Column::UserId.eq(user.id))
        .filter(email_verifications::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected == 0 {
        return Err(invalid());
    }
    users::Entity::update_many()
        .col_expr(users::Column::EmailVerifiedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .filter(users::Column::EmailVerifiedAt.is_null())
        .exec(&txn)
        .await?;
    workspaces::Entity::update_many()
        .col_expr(workspaces::Column::VerifiedAt, Expr::value(now))
        .filter(workspaces::Column::Id.eq(user.workspace_id))
        .filter(workspaces::Column::VerifiedAt.is_null())
        .exec(&txn)
        .await?;
    crate::mail::release_held(&txn, user.workspace_id).await?;
    let api_user = to_api_user(&user)?;
    audit::record(
        &txn,
        Change {
            workspace_id: user.workspace_id,
            actor_id: Some(user.id),
            action: "verify_email",
            entity_type: "user",
            entity_id: user.id,
            before: None,
            after: Some(&api_user),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(())
}

/// The other workspaces where the signed-in user's address has a login they
/// may switch to (signing in there with that login's password). Both
/// logins must have proved they read the address's mail, so a stranger who
/// signed up with someone else's address learns no workspace's name.
pub async fn other_workspaces(db: &Db, actor: &Actor) -> AppResult<Vec<Workspace>> {
    let me = users::Entity::find_by_id(actor.user_id)
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    if me.email_verified_at.is_none() {
        return Ok(vec![]);
    }
    let logins = users::Entity::find()
        .filter(users::Column::Email.eq(&me.email))
        .filter(users::Column::Id.ne(me.id))
        .filter(users::Column::EmailVerifiedAt.is_not_null())
        .order_by_asc(users::Column::Id)
        .limit(LOGINS_PER_ADDRESS)
        .all(&db.read)
        .await?;
    let mut out = Vec::new();
    for login in logins {
        if !may_sign_in(&db.read, &login).await? {
            continue;
        }
        if let Some(ws) = workspaces::Entity::find_by_id(login.workspace_id)
            .one(&db.read)
            .await?
        {
            out.push(Workspace {
                id: ws.id,
                name: ws.name,
                email_verified: ws.verified_at.is_some(),
            });
        }
    }
    Ok(out)
}

/// The most logins one address is tried against at sign-in (an address
/// may have one in several workspaces). Logins that proved they read the
/// address's mail come first, so sign-ups by strangers typing someone
/// else's address cannot crowd out the real ones.
const LOGINS_PER_ADDRESS: u64 = 5;

/// The logins of an address, confirmed ones first, then the oldest.
async fn logins_of<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    workspace_id: Option<i64>,
) -> AppResult<Vec<users::Model>> {
    if email.is_empty() || email.len() > 254 {
        return Ok(vec![]);
    }
    let mut query = users::Entity::find().filter(users::Column::Email.eq(email));
    if let Some(ws) = workspace_id {
        query = query.filter(users::Column::WorkspaceId.eq(ws));
    }
    Ok(query
        .order_by_asc(Expr::col(users::Column::EmailVerifiedAt).is_null())
        .order_by_asc(users::Column::Id)
        .limit(LOGINS_PER_ADDRESS)
        .all(conn)
        .await?)
}

pub async fn login(
    state: &AppState,
    client_ip: std::net::IpAddr,
    req: LoginRequest,
) -> AppResult<SignedIn> {
    let email = validation::normalize_email(&req.email);
    // Counted before the password is verified: parallel guesses cannot all
    // pass the check while the first ones are still hashing.
    let attempt = state
        .throttle
        .begin_login(client_ip, &email)
        .map_err(AppError::rate_limited)?;
    let candidates = logins_of(&state.db.read, &email, req.workspace_id).await?;
    let mut signed_in_as = None;
    if candidates.is_empty() {
        // The same work as for an address with a login.
        password::verify(req.password, None).await?;
    } else {
        for user in candidates {
            if password::verify(req.password.clone(), user.password_hash.clone()).await?
                && may_sign_in(&state.db.read, &user).await?
            {
                signed_in_as = Some(user);
                break;
            }
        }
    }
    let Some(user) = signed_in_as else {
        return Err(invalid_credentials());
    };
    attempt.succeeded();
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let signed_in = start_session(state, &txn, &user, now).await?;
    txn.commit().await?;
    Ok(signed_in)
}

async fn start_session<C: ConnectionTrait>(
    state: &AppState,
    conn: &C,
    user: &users::Model,
    now: DateTime<Utc>,
) -> AppResult<SignedIn> {
    let session = sessions::ActiveModel {
        workspace_id: Set(user.workspace_id),
        user_id: Set(user.id),
        created_at: Set(now),
        expires_at: Set(now
            + Duration::days(
                state
                    .config
                    .refresh_token_ttl_days
                    .min(state.config.session_max_days),
            )),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let refresh_token = issue_refresh_token(conn, session.id, now).await?;
    Ok(SignedIn {
        response: auth_response(state, user, session.id, now)?,
        refresh_token,
    })
}

async fn issue_refresh_token<C: ConnectionTrait>(
    conn: &C,
    session_id: i64,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let token = random_token(32);
    refresh_tokens::Entity::insert(refresh_tokens::ActiveModel {
        session_id: Set(session_id),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        used_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(token)
}

fn auth_response(
    state: &AppState,
    user: &users::Model,
    session_id: i64,
    now: DateTime<Utc>,
) -> AppResult<AuthResponse> {
    let api_user = to_api_user(user)?;
    let access_token =
        state
            .jwt
            .issue(user.id, user.workspace_id, api_user.role, session_id, now)?;
    Ok(AuthResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.ttl_secs,
        user: api_user,
    })
}

fn session_expired() -> AppError {
    AppError::Unauthorized("your session has ended; sign in again".into())
}

/// Exchanges a refresh token for a new access token and a new refresh token.
/// A refresh token works once: presenting a used one again means it was
/// copied, so the whole session is revoked.
pub async fn refresh(state: &AppState, presented: Option<String>) -> AppResult<SignedIn> {
    let presented = presented
        .filter(|t| !t.is_empty())
        .ok_or_else(session_expired)?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let token = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash_token(&presented)))
        .one(&txn)
        .await?
        .ok_or_else(session_expired)?;
    let (session, user) = sessions::Entity::find_by_id(token.session_id)
        .find_also_related(users::Entity)
        .one(&txn)
        .await?
        .ok_or_else(session_expired)?;
    let user = user.ok_or_else(session_expired)?;
    if token.used_at.is_some() {
        tracing::warn!(
            session_id = session.id,
            "refresh token reused; revoking the session"
        );
        revoke_session(&txn, session.id, now).await?;
        txn.commit().await?;
        state.db.sessions.invalidate();
        return Err(session_expired());
    }
    let too_old = session.created_at + Duration::days(state.config.session_max_days) <= now;
    if session.revoked_at.is_some()
        || session.expires_at <= now
        || too_old
        || !may_sign_in(&txn, &user).await?
    {
        return Err(session_expired());
    }
    let marked = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(token.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        return Err(session_expired());
    }
    // Activity extends the session, never past its absolute end.
    let expires_at = (now + Duration::days(state.config.refresh_token_ttl_days))
        .min(session.created_at + Duration::days(state.config.session_max_days));
    sessions::Entity::update_many()
        .col_expr(sessions::Column::ExpiresAt, Expr::value(expires_at))
        .filter(sessions::Column::Id.eq(session.id))
        .exec(&txn)
        .await?;
    let refresh_token = issue_refresh_token(&txn, session.id, now).await?;
    let response = auth_response(state, &user, session.id, now)?;
    txn.commit().await?;
    Ok(SignedIn {
        response,
        refresh_token,
    })
}

pub async fn revoke_session<C: ConnectionTrait>(
    conn: &C,
    session_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (deactivation).
pub async fn revoke_user_sessions<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    revoke_sessions_of(conn, vec![user_id], None, now).await
}

/// Ends the live sessions of `users`, all but `keep` (the caller's own).
async fn revoke_sessions_of<C: ConnectionTrait>(
    conn: &C,
    users: Vec<i64>,
    keep: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    let mut update = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .filter(sessions::Column::UserId.is_in(users))
        .filter(sessions::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(sessions::Column::Id.ne(keep));
    }
    update.exec(conn).await?;
    Ok(())
}

pub async fn logout(state: &AppState, actor: &Actor) -> AppResult<()> {
    revoke_session(&state.db.write, actor.session_id, state.clock.now()).await?;
    state.db.sessions.invalidate();
    Ok(())
}

/// Logout by refresh cookie alone (an expired access token must not keep a
/// user from signing out).
pub async fn logout_by_refresh_token(state: &AppState, presented: &str) -> AppResult<()> {
    if let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash_token(presented)))
        .one(&state.db.read)
        .await?
    {
        revoke_session(&state.db.write, token.session_id, state.clock.now()).await?;
        state.db.sessions.invalidate();
    }
    Ok(())
}

/// The shared checks of a one-time link that sets a password: a token of a
/// plausible length (else `invalid`) and a password the rules accept.
fn check_link(token: &str, password: &str, invalid: impl Fn() -> AppError) -> AppResult<()> {
    if token.is_empty() || token.len() > 200 {
        return Err(invalid());
    }
    validation::password(password)
        .map_err(|reason| AppError::field("password", reason.message_en()))
}

pub async fn accept_invite(state: &AppState, req: AcceptInviteRequest) -> AppResult<SignedIn> {
    let invalid = || AppError::field("token", "this invitation link is invalid, used or expired");
    check_link(&req.token, &req.password, invalid)?;
    let now = state.clock.now();
    let user = users::Entity::find()
        .filter(users::Column::InviteTokenHash.eq(hash_token(&req.token)))
        .one(&state.db.read)
        .await?
        .ok_or_else(invalid)?;
    if !user.active || user.invite_expires_at.is_none_or(|at| at <= now) {
        return Err(invalid());
    }
    let hash = password::hash(req.password).await?;
    let txn = state.db.write.begin().await?;
    // The invitation reached its address: the login reads its mail.
    let accepted = users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::EmailVerifiedAt, Expr::value(now))
        .col_expr(
            users::Column::InviteTokenHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            users::Column::InviteExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .filter(users::Column::InviteTokenHash.is_not_null())
        .exec(&txn)
        .await?;
    if accepted.rows_affected != 1 {
        return Err(invalid());
    }
    let user = users::Entity::find_by_id(user.id)
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    let api_user = to_api_user(&user)?;
    audit::record(
        &txn,
        Change {
            workspace_id: user.workspace_id,
            actor_id: Some(user.id),
            action: "accept_invite",
            entity_type: "user",
            entity_id: user.id,
            before: None,
            after: Some(&api_user),
        },
        now,
    )
    .await?;
    let signed_in = start_session(state, &txn, &user, now).await?;
    txn.commit().await?;
    Ok(signed_in)
}

/// The actor behind a verified access token, provided its session is live
/// and its user active. The role comes from the database, so a role change
/// applies at once.
pub async fn actor_from_claims(db: &Db, claims: &Claims, now: DateTime<Utc>) -> AppResult<Actor> {
    let user_id: i64 = claims.sub.parse().map_err(|_| session_expired())?;
    if let Some(live) = db.sessions.get(claims.sid, now) {
        if live.user_id != user_id || live.workspace_id != claims.ws {
            return Err(session_expired());
        }
        return Ok(Actor {
            user_id,
            workspace_id: live.workspace_id,
            role: live.role,
            session_id: claims.sid,
        });
    }
    let generation = db.sessions.generation();
    let (session, user) = sessions::Entity::find_by_id(claims.sid)
        .find_also_related(users::Entity)
        .one(&db.read)
        .await?
        .ok_or_else(session_expired)?;
    let user = user.ok_or_else(session_expired)?;
    if session.user_id != user_id
        || session.workspace_id != claims.ws
        || session.revoked_at.is_some()
        || session.expires_at <= now
        || !user.active
    {
        return Err(session_expired());
    }
    let role: Role = user.role.parse().map_err(|_| session_expired())?;
    db.sessions.put(
        session.id,
        LiveSession {
            user_id,
            workspace_id: user.workspace_id,
            role,
            expires_at: session.expires_at,
        },
        generation,
    );
    Ok(Actor {
        user_id,
        workspace_id: user.workspace_id,
        role,
        session_id: session.id,
    })
}

/// What any signed-in user (staff or portal) changes about themselves: for
/// now the language of the app and of their e-mail.
pub async fn update_me(state: &AppState, actor: &Actor, req: UpdateMeRequest) -> AppResult<Me> {
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let existing = users::Entity::find_by_id(actor.user_id)
        .filter(users::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = to_api_user(&existing)?;
    let mut model: users::ActiveModel = existing.into();
    if let Some(locale) = req.locale {
        model.locale = Set(Some(locale.as_str().to_string()));
    }
    if let Some(opt_in) = req.digest_opt_in {
        if !actor.role.is_staff() {
            return Err(AppError::field(
                "digest_opt_in",
                Msg::new(T::DigestStaffOnly),
            ));
        }
        model.digest_opt_in = Set(opt_in);
    }
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    let after = to_api_user(&updated)?;
    if after != before {
        audit::record(
            &txn,
            Change {
                workspace_id: actor.workspace_id,
                actor_id: Some(actor.user_id),
                action: "update",
                entity_type: "user",
                entity_id: actor.user_id,
                before: Some(&before),
                after: Some(&after),
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    me(&state.db, actor).await
}

pub async fn me(db: &Db, actor: &Actor) -> AppResult<Me> {
    let user = users::Entity::find_by_id(actor.user_id)
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let workspace = workspaces::Entity::find_by_id(actor.workspace_id)
        .one(&db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let account_id = if actor.role.is_portal() {
        crate::domain::common::portal::contact_of_login(&db.read, actor.workspace_id, actor.user_id)
            .await?
            .map(|c| c.account_id)
    } else {
        None
    };
    Ok(Me {
        user: to_api_user(&user)?,
        workspace: Workspace {
            id: workspace.id,
            name: workspace.name,
            email_verified: workspace.verified_at.is_some(),
        },
        account_id,
    })
}

/// Whether a user may hold a session: active, and for a portal user, their
/// contact and its account are not archived (archiving either ends the
/// portal's sessions at once; this keeps new ones from starting).
async fn may_sign_in<C: ConnectionTrait>(conn: &C, user: &users::Model) -> AppResult<bool> {
    if !user.active {
        return Ok(false);
    }
    if !user.role.parse::<Role>().is_ok_and(Role::is_portal) {
        return Ok(true);
    }
    let Some(contact) =
        crate::domain::common::portal::contact_of_login(conn, user.workspace_id, user.id).await?
    else {
        return Ok(false);
    };
    if contact.archived {
        return Ok(false);
    }
    let account_archived = accounts::Entity::find_by_id(contact.account_id)
        .one(conn)
        .await?
        .is_none_or(|account| account.archived);
    Ok(!account_archived)
}

/// Ends the sessions of every portal login of an account's contacts (the
/// account was archived).
pub async fn revoke_portal_sessions_of_account<C: ConnectionTrait>(
    conn: &C,
    account_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let users: Vec<Option<i64>> = contacts::Entity::find()
        .select_only()
        .column(contacts::Column::PortalUserId)
        .filter(contacts::Column::AccountId.eq(account_id))
        .filter(contacts::Column::PortalUserId.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    revoke_sessions_of(conn, users.into_iter().flatten().collect(), None, now).await
}

fn not_current_password() -> AppError {
    AppError::field("current_password", "is not your current password")
}

/// Changes the signed-in user's password. The current one is checked (and
/// counted by the login limiter, so this is no side door for guessing);
/// every other session of the user ends.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    client_ip: std::net::IpAddr,
    req: ChangePasswordRequest,
) -> AppResult<()> {
    let user = users::Entity::find_by_id(actor.user_id)
        .filter(users::Column::WorkspaceId.eq(actor.workspace_id))
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    validation::password(&req.new_password)
        .map_err(|reason| AppError::field("new_password", reason.message_en()))?;
    if req.new_password == req.current_password {
        return Err(AppError::field(
            "new_password",
            "must differ from the current password",
        ));
    }
    let attempt = state
        .throttle
        .begin_login(client_ip, &user.email)
        .map_err(AppError::rate_limited)?;
    if !password::verify(req.current_password, user.password_hash.clone()).await? {
        return Err(not_current_password());
    }
    attempt.succeeded();
    let hash = password::hash(req.new_password).await?;
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    revoke_sessions_of(&txn, vec![user.id], Some(actor.session_id), now).await?;
    let api_user = to_api_user(&user)?;
    audit::record(
        &txn,
        Change {
            workspace_id: user.workspace_id,
            actor_id: Some(user.id),
            action: "change_password",
            entity_type: "user",
            entity_id: user.id,
            before: None,
            after: Some(&api_user),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.db.sessions.invalidate();
    Ok(())
}

/// A new reset link is not mailed to the same user more often than this.
const RESET_MAIL_INTERVAL_MINUTES: i64 = 2;

/// Mails a one-time reset link when the address belongs to a login that
/// may sign in. The caller answers the same whether or not it does, so the
/// answer tells nobody which addresses have logins.
pub async fn request_password_reset(state: &AppState, req: PasswordResetRequest) -> AppResult<()> {
    let email = validation::normalize_email(&req.email);
    validation::email(&email).map_err(|reason| AppError::field("email", reason.message_en()))?;
    // An address may have a login in several workspaces: each gets its own
    // link, and the mail names the workspace.
    let mut sent = false;
    for user in logins_of(&state.db.read, &email, None).await? {
        sent |= mail_reset_link(state, &user).await?;
    }
    if sent {
        state.mailer.kick();
    }
    Ok(())
}

/// Queues a reset link for `user` unless they may not sign in or were sent
/// one in the last minutes. Returns whether a mail was queued.
async fn mail_reset_link(state: &AppState, user: &users::Model) -> AppResult<bool> {
    if !may_sign_in(&state.db.read, user).await? {
        return Ok(false);
    }
    let now = state.clock.now();
    let txn = state.db.write.begin().await?;
    let recent = password_resets::Entity::find()
        .filter(password_resets::Column::UserId.eq(user.id))
        .filter(
            password_resets::Column::CreatedAt
                .gt(now - Duration::minutes(RESET_MAIL_INTERVAL_MINUTES)),
        )
        .one(&txn)
        .await?;
    if recent.is_some() {
        return Ok(false);
    }
    let workspace = workspaces::Entity::find_by_id(user.workspace_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let token = random_token(32);
    let ttl = state.config.password_reset_ttl_minutes.max(1);
    password_resets::Entity::insert(password_resets::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(ttl)),
        used_at: Set(None),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    let link = format!(
        "{}/reset-password?token={}",
        state.config.public_url.trim_end_matches('/'),
        token
    );
    state
        .mailer
        .enqueue(
            &txn,
            crate::mail::letters::accounts::password_reset(
                user.workspace_id,
                &user.email,
                &user.name,
                &workspace.name,
                &link,
                ttl,
            ),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// Sets a new password with a reset link's token. The token works once;
/// every session of the user ends (whoever knew the old password is out).
pub async fn confirm_password_reset(state: &AppState, req: PasswordResetConfirm) -> AppResult<()> {
    let invalid = || AppError::field("token", "this reset link is invalid, used or expired");
    check_link(&req.token, &req.password, invalid)?;
    let now = state.clock.now();
    let reset = password_resets::Entity::find()
        .filter(password_resets::Column::TokenHash.eq(hash_token(&req.token)))
        .one(&state.db.read)
        .await?
        .ok_or_else(invalid)?;
    if reset.used_at.is_some() || reset.expires_at <= now {
        return Err(invalid());
    }
    let user = users::Entity::find_by_id(reset.user_id)
        .one(&state.db.read)
        .await?
        .ok_or_else(invalid)?;
    if !may_sign_in(&state.db.read, &user).await? {
        return Err(invalid());
    }
    let hash = password::hash(req.password).await?;
    let txn = state.db.write.begin().await?;
    let used = password_resets::Entity::update_many()
        .col_expr(password_resets::Column::UsedAt, Expr::value(now))
        .filter(password_resets::Column::Id.eq(reset.id))
        .filter(password_resets::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(invalid());
    }
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::EmailVerifiedAt, Expr::value(now))
        .col_expr(
            users::Column::InviteTokenHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            users::Column::InviteExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    // Other links of the same user die with this one.
    password_resets::Entity::update_many()
        .col_expr(password_resets::Column::UsedAt, Expr::value(now))
        .filter(password_resets::Column::UserId.eq(user.id))
        .filter(password_resets::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    revoke_user_sessions(&txn, user.id, now).await?;
    let api_user = to_api_user(&user)?;
    audit::record(
        &txn,
        Change {
            workspace_id: user.workspace_id,
            actor_id: Some(user.id),
            action: "reset_password",
            entity_type: "user",
            entity_id: user.id,
            before: None,
            after: Some(&api_user),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.db.sessions.invalidate();
    Ok(())
}
