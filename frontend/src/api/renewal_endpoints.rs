//! Contracts, renewals and the reminder settings: one function per
//! endpoint. Amounts stay the API's decimal strings.

use gloo_net::http::Method;
use shared::contracts::{
    Contract, CreateContractRequest, ReminderSettings, RenewOutcome, RenewRequest, Renewal,
    RenewalTotals, UpdateContractRequest, UpdateReminderSettings, UpdateRenewalRequest,
};
use shared::Page;

use super::{call, decode, exchange, json, tagged, ApiErr, Call, Tagged};
use crate::logic::query::QueryString;
use crate::logic::renewals::RenewalQuery;

/// Renewals per page of the pipeline, as every list pages ("load more"
/// reads the next; the totals above come from `/renewals/totals`).
pub const RENEWALS_PAGE: u64 = 50;

/// The account's contracts, newest first (up to 200).
pub async fn list_contracts(account_id: i64) -> Result<Vec<Contract>, ApiErr> {
    let query = QueryString::new()
        .push("account_id", account_id)
        .push("limit", super::MAX_PAGE)
        .build();
    decode::<Page<Contract>>(&call(Method::GET, format!("/contracts{query}"), None).await?)
        .map(|p| p.items)
}

pub async fn get_contract(id: i64) -> Result<Tagged<Contract>, ApiErr> {
    tagged(call(Method::GET, format!("/contracts/{id}"), None).await?)
}

pub async fn create_contract(req: &CreateContractRequest) -> Result<Contract, ApiErr> {
    decode(&call(Method::POST, "/contracts".into(), json(req)?).await?)
}

/// A new `annual_value` answers 202 with `pending_approval` set: the value
/// changes once another manager or admin approves.
pub async fn update_contract(
    id: i64,
    req: &UpdateContractRequest,
    etag: Option<&str>,
) -> Result<Contract, ApiErr> {
    let call = Call::new(Method::PATCH, format!("/contracts/{id}"))
        .json(req)?
        .if_match(etag);
    decode(&exchange(call, true).await?)
}

pub async fn list_renewals(
    q: &RenewalQuery,
    cursor: Option<&str>,
) -> Result<Page<Renewal>, ApiErr> {
    let path = format!("/renewals{}", q.api_query(RENEWALS_PAGE, cursor));
    decode(&call(Method::GET, path, None).await?)
}

pub async fn renewal_totals(q: &RenewalQuery) -> Result<RenewalTotals, ApiErr> {
    let path = format!("/renewals/totals{}", q.totals_query());
    decode(&call(Method::GET, path, None).await?)
}

pub async fn update_renewal(id: i64, req: &UpdateRenewalRequest) -> Result<Renewal, ApiErr> {
    decode(&call(Method::PATCH, format!("/renewals/{id}"), json(req)?).await?)
}

/// Renews: creates the next contract and marks the renewal `renewed`.
pub async fn renew_renewal(id: i64, req: &RenewRequest) -> Result<RenewOutcome, ApiErr> {
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
