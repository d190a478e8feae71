//! Operations: `/healthz`, `/metrics`, and the JSON 404 of unknown API routes.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::metrics::Metrics;
use crate::state::AppState;

/// 200 when the database answers, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok().json(json!({"status": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"status": "database unavailable"}))
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
