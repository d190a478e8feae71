//! `/dashboard` and `/reports`: the dashboard, the reports, and their CSV
//! exports (fetched with the session's token, then saved by the browser).

use gloo_net::http::Method;
use shared::reports::{Dashboard, KpiReport, RenewalReport};

use super::client::{call, decode, ApiErr};
use crate::logic::charts::ReportQuery;

pub async fn dashboard() -> Result<Dashboard, ApiErr> {
    decode(&call(Method::GET, "/dashboard".into(), None).await?)
}

/// 403 for engineers: the report is about contract values.
pub async fn renewals(q: &ReportQuery) -> Result<RenewalReport, ApiErr> {
    let path = format!("/reports/renewals{}", q.renewals_query(false));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn kpi(q: &ReportQuery) -> Result<KpiReport, ApiErr> {
    let path = format!("/reports/kpi{}", q.kpi_query(false));
    decode(&call(Method::GET, path, None).await?)
}

/// Saves the renewal report's CSV (one line per contract due).
pub async fn renewals_csv(q: &ReportQuery) -> Result<(), ApiErr> {
    let path = format!("/reports/renewals{}", q.renewals_query(true));
    super::attachments::download_file(&path, &q.file_name("renewals")).await
}

/// Saves the KPI report's CSV (one line per person).
pub async fn kpi_csv(q: &ReportQuery) -> Result<(), ApiErr> {
    let path = format!("/reports/kpi{}", q.kpi_query(true));
    super::attachments::download_file(&path, &q.file_name("kpi")).await
}

/// The service report (`/reports/service`): 403 for CSMs.
pub async fn service(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<shared::service_report::ServiceReport, ApiErr> {
    let path = format!("/reports/service?from={from}&to={to}");
    decode(&call(Method::GET, path, None).await?)
}

/// Saves the service report's per-ticket CSV (its SLA times).
pub async fn service_csv(from: chrono::NaiveDate, to: chrono::NaiveDate) -> Result<(), ApiErr> {
    let path = format!("/reports/service?from={from}&to={to}&format=csv");
    super::attachments::download_file(&path, &format!("service-{from}-{to}.csv")).await
}
