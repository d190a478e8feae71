//! Operations: `/healthz`, `/readyz`, `/metrics`, and the JSON 404 of
//! unknown API routes.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::metrics::Metrics;
use crate::readiness::{NotReady, Readiness};
use crate::state::AppState;

/// Liveness: 200 while the process runs. No database round trip, so an
/// orchestrator does not restart replicas because the database is away.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: 200 when every check passes (the database, and any added
/// to [`Readiness`]); 503 in the error shape naming the failing check
/// (`shutdown` once SIGTERM arrived) otherwise.
pub async fn readyz(
    state: web::Data<AppState>,
    readiness: web::Data<Arc<Readiness>>,
) -> HttpResponse {
    match readiness.check(&state).await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Err(NotReady { check, reason }) => HttpResponse::ServiceUnavailable()
            .insert_header((actix_web::http::header::RETRY_AFTER, "1"))
            .json(json!({"error": shared::error::ApiError {
                fields: [(check.clone(), reason.clone())].into(),
                ..shared::error::ApiError::plain(
                    shared::error::ErrorCode::Unavailable,
                    format!("not ready: {check}: {reason}"),
                )
            }})),
    }
}

/// Prometheus text exposition of request counts and latencies. With
/// `metrics_token` configured, only for `Authorization: Bearer <token>`.
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, AppError> {
    if let Some(expected) = state.config.metrics_token.as_deref() {
        let given = crate::auth::extract::bearer(&req).unwrap_or_default();
        // Compared in constant time: the token is a secret.
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(AppError::Unauthorized(
                "send Authorization: Bearer <the metrics token>".into(),
            ));
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render()))
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
