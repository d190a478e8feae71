//! Request extractors. `Actor` is any signed-in user with a live session;
//! `StaffActor` and `PortalActor` narrow it to the vendor's staff or to a
//! customer's portal users. Domain functions take the narrow type, so a staff
//! operation cannot be reached by a portal user, whatever the handler does.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use shared::Role;

use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub workspace_id: i64,
    pub role: Role,
    pub session_id: i64,
}

impl Actor {
    /// 403 unless the actor has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
}

/// A signed-in member of the vendor's staff (`admin`, `manager`, `csm`, `engineer`).
#[derive(Debug, Clone, Copy)]
pub struct StaffActor(Actor);

/// A signed-in portal user (`customer_admin`, `customer`).
#[derive(Debug, Clone, Copy)]
pub struct PortalActor(Actor);

impl StaffActor {
    pub fn try_from_actor(actor: Actor) -> Result<Self, AppError> {
        if actor.role.is_staff() {
            Ok(StaffActor(actor))
        } else {
            Err(AppError::Forbidden(
                "this area is for the vendor's staff; use the customer portal".into(),
            ))
        }
    }
}

impl PortalActor {
    pub fn try_from_actor(actor: Actor) -> Result<Self, AppError> {
        if actor.role.is_portal() {
            Ok(PortalActor(actor))
        } else {
            Err(AppError::Forbidden(
                "the portal is for customers' users".into(),
            ))
        }
    }
}

impl Deref for StaffActor {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.0
    }
}

impl Deref for PortalActor {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.0
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in
/// any case).
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
        Some(token.trim().to_string())
    } else {
        None
    }
}

impl FromRequest for Actor {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no state")))?;
            let token = token.ok_or_else(|| {
                AppError::Unauthorized("sign in first: send Authorization: Bearer <token>".into())
            })?;
            let claims = state.jwt.verify(&token)?;
            crate::domain::accounts::auth::actor_from_claims(&state.db, &claims, state.clock.now())
                .await
        })
    }
}

impl FromRequest for StaffActor {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let actor = Actor::from_request(req, payload);
        Box::pin(async move { StaffActor::try_from_actor(actor.await?) })
    }
}

impl FromRequest for PortalActor {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let actor = Actor::from_request(req, payload);
        Box::pin(async move { PortalActor::try_from_actor(actor.await?) })
    }
}

/// The client's address as the rate limits see it: the connection's peer,
/// or behind a trusted proxy the address it forwarded for
/// (`STEWARD_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl ClientIp {
    pub fn of(req: &HttpRequest) -> ClientIp {
        let peer = req.peer_addr().map(|a| a.ip());
        let unknown = std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return ClientIp(peer.unwrap_or(unknown));
        };
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .collect();
        ClientIp(
            state
                .throttle
                .client_ip(peer, &forwarded)
                .unwrap_or(unknown),
        )
    }
}

impl FromRequest for ClientIp {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(ClientIp::of(req)))
    }
}
