//! `/renewals` and `/settings/reminders`: the renewal pipeline and the
//! reminder settings. Amounts stay the API's decimal strings.

use gloo_net::http::Method;
use shared::contracts::{
    ReminderSettings, RenewOutcome, RenewRequest, Renewal, RenewalTotals, UpdateReminderSettings,
    UpdateRenewalRequest,
};
use shared::Page;

use super::client::{call, decode, json, ApiErr};
use crate::logic::renewals::RenewalQuery;

/// Renewals per page of the pipeline, as every list pages ("load more"
/// reads the next; the totals above come from `/renewals/totals`).
pub const PAGE: u64 = 50;

pub async fn list(q: &RenewalQuery, cursor: Option<&str>) -> Result<Page<Renewal>, ApiErr> {
    let path = format!("/renewals{}", q.api_query(PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn totals(q: &RenewalQuery) -> Result<RenewalTotals, ApiErr> {
    let path = format!("/renewals/totals{}", q.totals_query());
    decode(&call(Method::GET, path, None).await?)
}

pub async fn update(id: i64, req: &UpdateRenewalRequest) -> Result<Renewal, ApiErr> {
    decode(&call(Method::PATCH, format!("/renewals/{id}"), json(req)?).await?)
}

/// Renews: creates the next contract and marks the renewal `renewed`.
pub async fn renew(id: i64, req: &RenewRequest) -> Result<RenewOutcome, ApiErr> {
    decode(&call(Method::POST, format!("/renewals/{id}/renew"), json(req)?).await?)
}

pub async fn reminder_settings() -> Result<ReminderSettings, ApiErr> {
    decode(&call(Method::GET, "/settings/reminders".into(), None).await?)
}

pub async fn update_reminder_settings(
    req: &UpdateReminderSettings,
) -> Result<ReminderSettings, ApiErr> {
    decode(&call(Method::PUT, "/settings/reminders".into(), json(req)?).await?)
}
