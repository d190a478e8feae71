//! Operations: `/healthz`, `/metrics`, and the JSON 404 of unknown API routes.

use actix_web::{web, HttpResponse};
use serde_json::json;

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

/// Prometheus text exposition of request counts and latencies.
pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
