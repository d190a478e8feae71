//! `/visits`, `/accounts/{id}/visit-entitlement` and `/portal/visits`:
//! on-site visits (上门服务).

use gloo_net::http::Method;
use shared::visits::{
    DispatchVisit, PortalVisit, RequestVisit, SignReport, Visit, VisitEntitlement, VisitFilter,
    WriteReport,
};
use shared::Page;

use super::client::{call, decode, json, ApiErr};
use shared::filters::list_query;

/// Visits starting in `[from, to)` (RFC 3339), soonest first.
pub async fn list(from: &str, to: &str) -> Result<Page<Visit>, ApiErr> {
    let instant = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let filter = VisitFilter {
        from: instant(from),
        to: instant(to),
        ..VisitFilter::default()
    };
    let query = list_query(&filter, Some(super::MAX_PAGE), None);
    decode(&call(Method::GET, format!("/visits{query}"), None).await?)
}

/// The visits requested from a ticket.
pub async fn of_ticket(ticket_id: i64) -> Result<Page<Visit>, ApiErr> {
    let filter = VisitFilter {
        ticket_id: Some(ticket_id),
        ..VisitFilter::default()
    };
    let query = list_query(&filter, Some(super::MAX_PAGE), None);
    decode(&call(Method::GET, format!("/visits{query}"), None).await?)
}

/// The account's visits, in start order.
pub async fn of_account(account_id: i64) -> Result<Page<Visit>, ApiErr> {
    let filter = VisitFilter {
        account_id: Some(account_id),
        ..VisitFilter::default()
    };
    let query = list_query(&filter, Some(super::MAX_PAGE), None);
    decode(&call(Method::GET, format!("/visits{query}"), None).await?)
}

pub async fn get(id: i64) -> Result<Visit, ApiErr> {
    decode(&call(Method::GET, format!("/visits/{id}"), None).await?)
}

pub async fn request(req: &RequestVisit) -> Result<Visit, ApiErr> {
    decode(&call(Method::POST, "/visits".into(), json(req)?).await?)
}

pub async fn dispatch(id: i64, req: &DispatchVisit) -> Result<Visit, ApiErr> {
    decode(&call(Method::POST, format!("/visits/{id}/dispatch"), json(req)?).await?)
}

/// `step`: `check-in`, `check-out` or `cancel`.
pub async fn step(id: i64, step: &str) -> Result<Visit, ApiErr> {
    decode(&call(Method::POST, format!("/visits/{id}/{step}"), None).await?)
}

pub async fn report(id: i64, req: &WriteReport) -> Result<Visit, ApiErr> {
    decode(&call(Method::PUT, format!("/visits/{id}/report"), json(req)?).await?)
}

pub async fn entitlement(
    account_id: i64,
    on: chrono::NaiveDate,
) -> Result<VisitEntitlement, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/accounts/{account_id}/visit-entitlement?on={on}"),
            None,
        )
        .await?,
    )
}

pub async fn portal_list() -> Result<Page<PortalVisit>, ApiErr> {
    decode(&call(Method::GET, "/portal/visits".into(), None).await?)
}

pub async fn portal_get(id: i64) -> Result<PortalVisit, ApiErr> {
    decode(&call(Method::GET, format!("/portal/visits/{id}"), None).await?)
}

pub async fn portal_sign(id: i64, req: &SignReport) -> Result<PortalVisit, ApiErr> {
    decode(
        &call(
            Method::POST,
            format!("/portal/visits/{id}/sign"),
            json(req)?,
        )
        .await?,
    )
}
