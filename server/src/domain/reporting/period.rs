//! The period a report covers (`from`/`to`, by default the current year in
//! the workspace's time zone) and the answer it asks for (JSON or CSV).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use shared::contracts::DEFAULT_CURRENCY;

use crate::auth::StaffActor;
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// The longest period a report covers.
const MAX_PERIOD_DAYS: i64 = 3660;

pub use shared::filters::ReportParams;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// Which answer a report request asks for.
pub trait ReportFormat {
    /// `json` (default) or `csv`; 422 otherwise.
    fn format(&self) -> AppResult<Format>;
}

impl ReportFormat for ReportParams {
    fn format(&self) -> AppResult<Format> {
        match self.format.as_deref() {
            None | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some(_) => Err(AppError::field("format", "must be json or csv")),
        }
    }
}

/// The period and the workspace's time zone.
pub(crate) struct Period {
    pub(crate) from: NaiveDate,
    pub(crate) to: NaiveDate,
    /// `[start, end)` instants of the period in the workspace's time zone.
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
}

pub(crate) async fn period(
    db: &Db,
    actor: &StaffActor,
    p: &ReportParams,
    now: DateTime<Utc>,
) -> AppResult<Period> {
    // Every report reads the same parameters; a bad one is refused even
    // where the report does not use it.
    currency_param(p)?;
    let tz = crate::domain::common::calendar::time_zone(&db.read, actor.workspace_id).await?;
    let today = now.with_timezone(&tz).date_naive();
    let year = today.year();
    let from = p
        .from
        .or_else(|| NaiveDate::from_ymd_opt(year, 1, 1))
        .unwrap_or(today);
    let to =
        p.to.or_else(|| NaiveDate::from_ymd_opt(year, 12, 31))
            .unwrap_or(today);
    if to < from {
        return Err(AppError::field("to", "must not be before from"));
    }
    if (to - from).num_days() > MAX_PERIOD_DAYS {
        return Err(AppError::field(
            "to",
            format!("the period may span at most {MAX_PERIOD_DAYS} days"),
        ));
    }
    let instant = |d: NaiveDate| -> AppResult<DateTime<Utc>> {
        let local = d
            .and_hms_opt(0, 0, 0)
            .ok_or_else(|| AppError::field("from", "is out of range"))?;
        tz.from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| AppError::field("from", "is out of range"))
    };
    let after_to = to
        .checked_add_signed(Duration::days(1))
        .ok_or_else(|| AppError::field("to", "is out of range"))?;
    Ok(Period {
        from,
        to,
        start: instant(from)?,
        end: instant(after_to)?,
    })
}

/// The `currency` parameter (default `CNY`); 422 unless three upper-case letters.
pub(crate) fn currency_param(p: &ReportParams) -> AppResult<String> {
    let currency = p
        .currency
        .clone()
        .unwrap_or_else(|| DEFAULT_CURRENCY.to_string());
    if !shared::contracts::valid_currency(&currency) {
        return Err(AppError::field(
            "currency",
            "must be three upper-case letters, e.g. CNY",
        ));
    }
    Ok(currency)
}
