//! The renewal totals kept on write (`renewal_sums`), so that the totals of
//! the pipeline read a few hundred summary rows instead of every renewal of
//! the workspace joined to its contract.
//!
//! One row per workspace, stage, contract currency and due day (`grain` 0),
//! and again per due month (`grain` 1, `bucket` = the month's first day):
//! how many renewals, and the sums of their contracts' annual values, their
//! forecasts and their upsells. "Due by D" reads the whole months before
//! D's month and the days of D's month up to D.
//!
//! Every write that changes what a renewal contributes — opening one, its
//! stage, forecast or upsell, its contract's end, currency or value — calls
//! [`change`] in its own transaction with the contribution before and
//! after, so the sums stay exact whichever replica writes. Bulk loaders
//! that insert renewals directly call [`rebuild`] afterwards.
//!
//! Amounts are kept as `cents / 10⁹` and `cents % 10⁹` (truncating, as SQL
//! does), whose sums cannot overflow 64 bits whatever the number of
//! renewals; the reader joins them in `i128`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::db::sql::Sql;
use crate::entity::{contracts, renewals};
use crate::error::AppResult;

/// Amounts are split at this power of ten.
const SPLIT: i64 = 1_000_000_000;
const DAY: i16 = 0;
const MONTH: i16 = 1;

/// What one renewal adds to the sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Share {
    pub due_on: NaiveDate,
    pub stage: String,
    pub currency: String,
    pub value: i64,
    pub forecast: i64,
    pub upsell: i64,
}

impl Share {
    /// The renewal's share, with its contract's currency and value.
    pub fn of(renewal: &renewals::Model, contract: &contracts::Model) -> Share {
        Share {
            due_on: renewal.due_on,
            stage: renewal.stage.clone(),
            currency: contract.currency.clone(),
            value: contract.annual_value_cents,
            forecast: renewal.forecast_cents,
            upsell: renewal.upsell_cents,
        }
    }
}

/// A change of one summary row, each amount as its two parts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Delta {
    n: i64,
    parts: [i64; 6],
}

impl Delta {
    fn add(&mut self, share: &Share, sign: i64) {
        self.n += sign;
        for (i, cents) in [share.value, share.forecast, share.upsell]
            .into_iter()
            .enumerate()
        {
            self.parts[2 * i] += sign * (cents / SPLIT);
            self.parts[2 * i + 1] += sign * (cents % SPLIT);
        }
    }
}

fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Moves the workspace's sums from the renewal's share `before` to its
/// share `after` (`None`: it did not exist, or no longer counts). Rows are
/// written in key order, so concurrent writers lock them in one order.
pub(crate) async fn change<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    before: Option<&Share>,
    after: Option<&Share>,
) -> AppResult<()> {
    if before == after {
        return Ok(());
    }
    let mut deltas: BTreeMap<(i16, NaiveDate, String, String), Delta> = BTreeMap::new();
    for (share, sign) in [(before, -1), (after, 1)] {
        let Some(share) = share else { continue };
        for (grain, bucket) in [(DAY, share.due_on), (MONTH, month_of(share.due_on))] {
            deltas
                .entry((grain, bucket, share.stage.clone(), share.currency.clone()))
                .or_default()
                .add(share, sign);
        }
    }
    let backend = conn.get_database_backend();
    for ((grain, bucket, stage, currency), d) in deltas {
        if d == Delta::default() {
            continue;
        }
        let mut sql = Sql::new(backend);
        sql.push(
            "INSERT INTO renewal_sums (workspace_id, grain, bucket, stage, currency, n, \
             value_hi, value_lo, forecast_hi, forecast_lo, upsell_hi, upsell_lo) VALUES (",
        )
        .bind(workspace_id)
        .push(", ")
        .bind(grain)
        .push(", ")
        .bind(bucket)
        .push(", ")
        .bind(stage.clone())
        .push(", ")
        .bind(currency.clone())
        .push(", ")
        .bind(d.n);
        for part in d.parts {
            sql.push(", ").bind(part);
        }
        sql.push(
            ") ON CONFLICT (workspace_id, grain, bucket, stage, currency) DO UPDATE SET \
             n = renewal_sums.n + excluded.n, \
             value_hi = renewal_sums.value_hi + excluded.value_hi, \
             value_lo = renewal_sums.value_lo + excluded.value_lo, \
             forecast_hi = renewal_sums.forecast_hi + excluded.forecast_hi, \
             forecast_lo = renewal_sums.forecast_lo + excluded.forecast_lo, \
             upsell_hi = renewal_sums.upsell_hi + excluded.upsell_hi, \
             upsell_lo = renewal_sums.upsell_lo + excluded.upsell_lo",
        );
        conn.execute(sql.statement()).await?;
        if d.n < 0 {
            // The last renewal of the row left it.
            let mut sql = Sql::new(backend);
            sql.push("DELETE FROM renewal_sums WHERE workspace_id = ")
                .bind(workspace_id)
                .push(" AND grain = ")
                .bind(grain)
                .push(" AND bucket = ")
                .bind(bucket)
                .push(" AND stage = ")
                .bind(stage)
                .push(" AND currency = ")
                .bind(currency)
                .push(" AND n = 0");
            conn.execute(sql.statement()).await?;
        }
    }
    Ok(())
}

/// Appends the `SELECT` of the sums of a workspace's renewals per bucket
/// of `grain`.
fn summing(sql: &mut Sql, backend: DatabaseBackend, grain: i16, workspace_id: i64) {
    let bucket = match (grain, backend) {
        (DAY, _) => "r.due_on",
        (_, DatabaseBackend::Postgres) => "CAST(date_trunc('month', r.due_on) AS DATE)",
        _ => "date(r.due_on, 'start of month')",
    };
    sql.push(&format!(
        "SELECT r.workspace_id, {grain}, {bucket}, r.stage, c.currency, COUNT(*), \
         SUM(c.annual_value_cents / {SPLIT}), SUM(c.annual_value_cents % {SPLIT}), \
         SUM(r.forecast_cents / {SPLIT}), SUM(r.forecast_cents % {SPLIT}), \
         SUM(r.upsell_cents / {SPLIT}), SUM(r.upsell_cents % {SPLIT}) \
         FROM renewals r JOIN contracts c ON c.id = r.contract_id WHERE r.workspace_id = "
    ))
    .bind(workspace_id)
    .push(&format!(
        " GROUP BY r.workspace_id, {bucket}, r.stage, c.currency"
    ));
}

/// Computes a workspace's sums again from its renewals (after a bulk load
/// that wrote renewals directly).
pub(crate) async fn rebuild<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<()> {
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("DELETE FROM renewal_sums WHERE workspace_id = ")
        .bind(workspace_id);
    conn.execute(sql.statement()).await?;
    for grain in [DAY, MONTH] {
        let mut sql = Sql::new(backend);
        sql.push(
            "INSERT INTO renewal_sums (workspace_id, grain, bucket, stage, currency, n, \
             value_hi, value_lo, forecast_hi, forecast_lo, upsell_hi, upsell_lo) ",
        );
        summing(&mut sql, backend, grain, workspace_id);
        conn.execute(sql.statement()).await?;
    }
    Ok(())
}

/// Count and exact sums of the renewals of one stage in one currency.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Sum {
    pub count: i64,
    pub value: i128,
    pub forecast: i128,
    pub upsell: i128,
}

/// The sums per (currency, stage) of the rows the statement selects:
/// `currency`, `stage`, `n` and the six amount parts `vh` … `ul`.
pub(crate) async fn collect<C: ConnectionTrait>(
    conn: &C,
    sql: Sql,
    into: &mut BTreeMap<(String, String), Sum>,
) -> AppResult<()> {
    for row in conn.query_all(sql.statement()).await? {
        let get = |name: &str| -> AppResult<i64> {
            Ok(row.try_get::<Option<i64>>("", name)?.unwrap_or(0))
        };
        let join = |hi: &str, lo: &str| -> AppResult<i128> {
            Ok(i128::from(get(hi)?) * i128::from(SPLIT) + i128::from(get(lo)?))
        };
        let currency: String = row.try_get("", "currency")?;
        let stage: String = row.try_get("", "stage")?;
        let sum = into.entry((currency, stage)).or_default();
        sum.count += get("n")?;
        sum.value += join("vh", "vl")?;
        sum.forecast += join("fh", "fl")?;
        sum.upsell += join("uh", "ul")?;
    }
    Ok(())
}

/// The columns [`collect`] reads, summed over `renewal_sums`.
const SUMMED: &str = "currency, stage, CAST(SUM(n) AS BIGINT) AS n, \
     CAST(SUM(value_hi) AS BIGINT) AS vh, CAST(SUM(value_lo) AS BIGINT) AS vl, \
     CAST(SUM(forecast_hi) AS BIGINT) AS fh, CAST(SUM(forecast_lo) AS BIGINT) AS fl, \
     CAST(SUM(upsell_hi) AS BIGINT) AS uh, CAST(SUM(upsell_lo) AS BIGINT) AS ul";

/// The workspace's totals per (currency, stage) of the renewals of `stage`
/// (any) due by `until` (any time), from the summary rows: the months
/// before `until`'s month, then its days up to `until`.
pub(crate) async fn read<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    stage: Option<&str>,
    until: Option<NaiveDate>,
) -> AppResult<BTreeMap<(String, String), Sum>> {
    let backend = conn.get_database_backend();
    let mut sums = BTreeMap::new();
    let select = |grain: i16, range: &dyn Fn(&mut Sql)| {
        let mut sql = Sql::new(backend);
        sql.push(&format!(
            "SELECT {SUMMED} FROM renewal_sums WHERE workspace_id = "
        ))
        .bind(workspace_id)
        .push(" AND grain = ")
        .bind(grain);
        range(&mut sql);
        if let Some(stage) = stage {
            sql.push(" AND stage = ").bind(stage.to_string());
        }
        sql.push(" GROUP BY currency, stage");
        sql
    };
    match until {
        None => collect(conn, select(MONTH, &|_| {}), &mut sums).await?,
        Some(until) => {
            let month = month_of(until);
            let months = select(MONTH, &|sql| {
                sql.push(" AND bucket < ").bind(month);
            });
            collect(conn, months, &mut sums).await?;
            let days = select(DAY, &|sql| {
                sql.push(" AND bucket >= ")
                    .bind(month)
                    .push(" AND bucket <= ")
                    .bind(until);
            });
            collect(conn, days, &mut sums).await?;
        }
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(value: i64) -> Share {
        Share {
            due_on: NaiveDate::from_ymd_opt(2027, 3, 15).unwrap(),
            stage: "upcoming".into(),
            currency: "CNY".into(),
            value,
            forecast: value,
            upsell: 0,
        }
    }

    #[test]
    fn parts_join_back_to_the_amount_at_any_sign_and_size() {
        for cents in [
            0,
            1,
            999_999_999,
            1_000_000_000,
            99_999_999_999_999,
            -5,
            -1_000_000_001,
        ] {
            let mut d = Delta::default();
            d.add(&share(cents), 1);
            let joined = i128::from(d.parts[0]) * i128::from(SPLIT) + i128::from(d.parts[1]);
            assert_eq!(joined, i128::from(cents), "{cents}");
        }
        // Adding and taking away the same share leaves nothing.
        let mut d = Delta::default();
        d.add(&share(123_456_789_012), 1);
        d.add(&share(123_456_789_012), -1);
        assert_eq!(d, Delta::default());
    }

    #[test]
    fn a_month_bucket_is_its_first_day() {
        let d = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(month_of(d), NaiveDate::from_ymd_opt(2028, 2, 1).unwrap());
    }
}
