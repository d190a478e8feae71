//! `/reports/renewals` and `/reports/kpi` (staff; CSV with `?format=csv`),
//! and `/dashboard`.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use shared::reports::{Dashboard, KpiReport, RenewalReport};
use shared::service_report::{ServiceReport, ServiceReportParams};
use shared::ErrorBody;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::StaffActor;
use crate::domain::reporting::dashboard;
use crate::domain::reporting::kpi::{kpi_csv, kpi_snapshot};
use crate::domain::reporting::period::{Format, ReportFormat, ReportParams};
use crate::domain::reporting::renewal_report::{renewals_csv, renewals_snapshot};
use crate::domain::reporting::service;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(renewal_report)
        .service(kpi_report)
        .service(service_report)
        .service(get_dashboard);
}

/// A CSV download: UTF-8 with a BOM, as an attachment.
pub(crate) fn csv_response(name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// Renewals whose contract ends within `[from, to]` (default: this
/// calendar year) in one currency: renewal rate by count and by value,
/// gross and net revenue retention, months with value against forecast,
/// churn reasons. Rates are percentages with two decimals as strings;
/// money is exact decimal strings. Admins and managers see the workspace,
/// a CSM their own accounts; engineers are refused. `?format=csv` answers
/// one line per contract due in the period.
#[utoipa::path(
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, content(
            (RenewalReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/reports/renewals")]
async fn renewal_report(
    state: web::Data<AppState>,
    actor: StaffActor,
    params: web::Query<ReportParams>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    match params.format()? {
        Format::Json => {
            Ok(HttpResponse::Ok().json(renewals_snapshot(&state, &actor, &params).await?))
        }
        Format::Csv => {
            let body = renewals_csv(&state.db, &actor, &params, now).await?;
            Ok(csv_response("renewals.csv", body))
        }
    }
}

/// Per active CSM and engineer over `[from, to]`: accounts owned, renewal
/// rate, tickets resolved, SLA compliance, median first response. Admins
/// and managers see every row; a CSM or engineer their own. A big
/// workspace's figures come from a snapshot up to 30 seconds old
/// (`computed_at`).
#[utoipa::path(
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, content(
            (KpiReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/reports/kpi")]
async fn kpi_report(
    state: web::Data<AppState>,
    actor: StaffActor,
    params: web::Query<ReportParams>,
) -> AppResult<HttpResponse> {
    let format = params.format()?;
    let report = kpi_snapshot(&state, &actor, &params).await?;
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(report),
        Format::Csv => csv_response("kpi.csv", kpi_csv(&report)),
    })
}

/// The service report over the tickets opened in `[from, to]` (default:
/// this calendar year; at most 24 months): SLA attainment of first
/// response and resolution (met / breached / pending; tickets outside
/// agreement in none, counted apart), median and p90 business-hour times,
/// the backlog per month and CSAT, by month, module, service level and
/// engineer (no per-centre breakdown: tickets record no centre). Admins
/// and managers see the workspace, an engineer their own tickets, CSMs are
/// refused. `?format=csv` streams one line per ticket with its SLA times.
#[utoipa::path(
    tag = "reports",
    params(ServiceReportParams),
    responses(
        (status = 200, content(
            (ServiceReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/reports/service")]
async fn service_report(
    state: web::Data<AppState>,
    actor: StaffActor,
    params: web::Query<ServiceReportParams>,
) -> AppResult<HttpResponse> {
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(AppError::field("format", "must be json or csv")),
    };
    let now = state.clock.now();
    let scope = service::scope(&state.db, &actor, &params, now).await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(service::report(&state.db, &scope, now).await?));
    }
    let stream = service::csv_stream(state.db.clone(), scope).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"service.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(stream))
}

/// The caller's portfolio (every account for admins, managers and
/// engineers; a CSM's own accounts): accounts by stage, open renewals due
/// in 30/60/90 days with value and forecast, open tickets by module and
/// breaches, onboarding behind/stuck, NPS of the last 90 days, accounts
/// by health band and the ARR of red accounts (latest snapshots). Big
/// portfolios are served from a cache up to 30 seconds old
/// (`computed_at`).
#[utoipa::path(
    tag = "reports",
    responses(
        (status = 200, body = Dashboard),
        (status = 403, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[get("/dashboard")]
async fn get_dashboard(
    state: web::Data<AppState>,
    actor: StaffActor,
) -> AppResult<web::Json<Dashboard>> {
    Ok(web::Json(dashboard::get(&state, &actor).await?))
}
