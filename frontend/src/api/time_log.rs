//! Time and person-day packages: a ticket's time entries, an account's
//! packages, the time reports (and their CSV) and the portal's balance.

use gloo_net::http::Method;
use shared::filters::ToQuery;
use shared::time_log::{
    AccountPackages, Package, PackageReport, PackageReportParams, PackageRequest, PortalTime,
    TimeEntry, TimeEntryRequest, TimeReport, TimeReportParams,
};

use super::client::{call, decode, json, ApiErr};

pub async fn entries(ticket_id: i64) -> Result<Vec<TimeEntry>, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/tickets/{ticket_id}/time-entries"),
            None,
        )
        .await?,
    )
}

pub async fn log(ticket_id: i64, req: &TimeEntryRequest) -> Result<TimeEntry, ApiErr> {
    decode(
        &call(
            Method::POST,
            format!("/tickets/{ticket_id}/time-entries"),
            json(req)?,
        )
        .await?,
    )
}

pub async fn update_entry(id: i64, req: &TimeEntryRequest) -> Result<TimeEntry, ApiErr> {
    decode(&call(Method::PUT, format!("/time-entries/{id}"), json(req)?).await?)
}

pub async fn delete_entry(id: i64) -> Result<(), ApiErr> {
    call(Method::DELETE, format!("/time-entries/{id}"), None).await?;
    Ok(())
}

pub async fn packages(account_id: i64) -> Result<AccountPackages, ApiErr> {
    decode(
        &call(
            Method::GET,
            format!("/accounts/{account_id}/packages"),
            None,
        )
        .await?,
    )
}

pub async fn create_package(account_id: i64, req: &PackageRequest) -> Result<Package, ApiErr> {
    decode(
        &call(
            Method::POST,
            format!("/accounts/{account_id}/packages"),
            json(req)?,
        )
        .await?,
    )
}

pub async fn update_package(id: i64, req: &PackageRequest) -> Result<Package, ApiErr> {
    decode(&call(Method::PUT, format!("/packages/{id}"), json(req)?).await?)
}

pub async fn delete_package(id: i64) -> Result<(), ApiErr> {
    call(Method::DELETE, format!("/packages/{id}"), None).await?;
    Ok(())
}

fn query(q: &impl ToQuery) -> String {
    let text = q.to_query();
    if text.is_empty() {
        text
    } else {
        format!("?{text}")
    }
}

/// 403 for engineers.
pub async fn time_report(params: &TimeReportParams) -> Result<TimeReport, ApiErr> {
    decode(&call(Method::GET, format!("/reports/time{}", query(params)), None).await?)
}

pub async fn package_report() -> Result<PackageReport, ApiErr> {
    decode(&call(Method::GET, "/reports/packages".into(), None).await?)
}

/// Saves the time report's CSV.
pub async fn time_csv(params: &TimeReportParams) -> Result<(), ApiErr> {
    let mut p = params.clone();
    p.format = Some("csv".into());
    let group = p.group.clone().unwrap_or_else(|| "account".into());
    super::attachments::download_file(
        &format!("/reports/time{}", query(&p)),
        &format!("time-by-{group}.csv"),
    )
    .await
}

/// Saves the package balances' CSV.
pub async fn package_csv() -> Result<(), ApiErr> {
    let p = PackageReportParams {
        format: Some("csv".into()),
    };
    super::attachments::download_file(&format!("/reports/packages{}", query(&p)), "packages.csv")
        .await
}

pub async fn portal_time() -> Result<PortalTime, ApiErr> {
    decode(&call(Method::GET, "/portal/time".into(), None).await?)
}
