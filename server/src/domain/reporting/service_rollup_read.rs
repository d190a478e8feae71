//! The service report's figures read from the rollup (`service_rollup`):
//! the whole months of the period from the month rows, the days of a
//! partial first or last month from the day rows, and the backlog open
//! when the period starts from the rows before it. Every count is the sum
//! of the tickets' shares and every distribution is exact, so the figures
//! are those computed from the tickets.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use sea_orm::ConnectionTrait;

use super::service::{Parts, Scope};
use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::tickets::service_rollup::{
    decode, month_of, CLOSED_UNRESOLVED, COUNTS, DAY, MONTH, OPENED, RESOLVED,
};
use crate::error::AppResult;

/// The month of the period a day is in.
fn month_index(s: &Scope, day: NaiveDate) -> Option<usize> {
    let i = (day.year() - s.from.year()) * 12 + day.month() as i32 - s.from.month() as i32;
    usize::try_from(i).ok().filter(|i| *i < s.months.len())
}

fn last_of_month(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first)
}

/// The rows that make up the period: (grain, first day, last day, sign).
/// Whole months are their month rows; a partial first or last month is
/// its days, or, when it covers more days than it leaves out, its month
/// row less the days left out (fewer rows to read).
fn ranges(s: &Scope) -> Vec<(i16, NaiveDate, NaiveDate, i64)> {
    let mut out = Vec::new();
    let mut whole: Option<(NaiveDate, NaiveDate)> = None;
    let mut first = month_of(s.from);
    while first <= s.to {
        let last = last_of_month(first);
        let (a, b) = (first.max(s.from), last.min(s.to));
        if a == first && b == last {
            whole = Some((whole.map_or(first, |w| w.0), first));
        } else {
            let covered = (b - a).num_days() + 1;
            let month = (last - first).num_days() + 1;
            if covered > month - covered {
                out.push((MONTH, first, first, 1));
                if let Some(before) = a.pred_opt().filter(|_| a > first) {
                    out.push((DAY, first, before, -1));
                }
                if let Some(after) = b.succ_opt().filter(|_| b < last) {
                    out.push((DAY, after, last, -1));
                }
            } else {
                out.push((DAY, a, b, 1));
            }
        }
        match last.succ_opt() {
            Some(next) => first = next,
            None => break,
        }
    }
    if let Some((a, b)) = whole {
        out.push((MONTH, a, b, 1));
    }
    out
}

fn select(s: &Scope, db: &Db, grain: i16, from: NaiveDate, to: NaiveDate) -> Sql {
    let mut sql = Sql::new(db.read.get_database_backend());
    sql.push(&format!(
        "SELECT day, module, service_level, assignee_id, {}, fr_hist, res_hist \
         FROM service_rollup WHERE workspace_id = ",
        COUNTS.join(", ")
    ))
    .bind(s.workspace_id)
    .push(" AND grain = ")
    .bind(grain)
    .push(" AND day >= ")
    .bind(from)
    .push(" AND day <= ")
    .bind(to);
    s.push_filters(&mut sql);
    sql
}

/// Tickets open when the period starts: opened before it, less those
/// resolved or closed unresolved before it.
async fn open_before(db: &Db, s: &Scope) -> AppResult<i128> {
    let m0 = month_of(s.from);
    let mut open = 0i128;
    let mut parts = vec![(MONTH, None, m0)];
    if m0 < s.from {
        parts.push((DAY, Some(m0), s.from));
    }
    for (grain, from, before) in parts {
        let mut sql = Sql::new(db.read.get_database_backend());
        sql.push(
            "SELECT CAST(COALESCE(SUM(opened - resolved - closed_unresolved), 0) AS BIGINT) AS n \
             FROM service_rollup WHERE workspace_id = ",
        )
        .bind(s.workspace_id)
        .push(" AND grain = ")
        .bind(grain)
        .push(" AND day < ")
        .bind(before);
        if let Some(from) = from {
            sql.push(" AND day >= ").bind(from);
        }
        s.push_filters(&mut sql);
        if let Some(row) = db.read.query_one(sql.statement()).await? {
            open += i128::from(row.try_get::<i64>("", "n")?);
        }
    }
    Ok(open)
}

/// A month's distribution being summed: minutes below [`DENSE`] by index.
#[derive(Default, Clone)]
struct Hist {
    dense: Vec<i64>,
    sparse: HashMap<i64, i64>,
}

const DENSE: i64 = 1 << 16;

impl Hist {
    fn add(&mut self, minutes: i64, n: i64) {
        if (0..DENSE).contains(&minutes) {
            let i = minutes as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, 0);
            }
            self.dense[i] += n;
        } else {
            *self.sparse.entry(minutes).or_default() += n;
        }
    }

    fn sorted(self) -> Vec<(i64, u64)> {
        let mut v: Vec<(i64, u64)> = self
            .dense
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(m, n)| (m as i64, *n as u64))
            .collect();
        let mut rest: Vec<(i64, u64)> = self
            .sparse
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(m, n)| (m, n as u64))
            .collect();
        rest.sort_unstable();
        v.extend(rest);
        v
    }
}

fn plus(into: &mut [i64; 12], c: &[i64; 12]) {
    for (a, b) in into.iter_mut().zip(c) {
        *a += b;
    }
}

async fn rows(db: &Db, s: &Scope) -> AppResult<Parts> {
    let n = s.months.len();
    let mut months = vec![[0i64; 12]; n];
    let mut by_module: BTreeMap<String, [i64; 12]> = BTreeMap::new();
    let mut by_level: BTreeMap<String, [i64; 12]> = BTreeMap::new();
    let mut by_engineer: BTreeMap<Option<i64>, [i64; 12]> = BTreeMap::new();
    let mut first: Vec<Hist> = vec![Hist::default(); n];
    let mut resolution: Vec<Hist> = vec![Hist::default(); n];
    for (grain, from, to, sign) in ranges(s) {
        let sql = select(s, db, grain, from, to);
        for row in db.read.query_all(sql.statement()).await? {
            let day: NaiveDate = row.try_get("", "day")?;
            let Some(m) = month_index(s, day) else {
                continue;
            };
            let mut c = [0i64; 12];
            for (i, name) in COUNTS.iter().enumerate() {
                c[i] = sign * row.try_get::<i64>("", name)?;
            }
            plus(&mut months[m], &c);
            if c[OPENED] == 0 {
                continue;
            }
            let module: String = row.try_get("", "module")?;
            let level: String = row.try_get("", "service_level")?;
            let assignee: i64 = row.try_get("", "assignee_id")?;
            plus(by_module.entry(module).or_default(), &c);
            plus(by_level.entry(level).or_default(), &c);
            plus(
                by_engineer
                    .entry((assignee != 0).then_some(assignee))
                    .or_default(),
                &c,
            );
            let fr: Vec<u8> = row.try_get("", "fr_hist")?;
            decode(&fr, |minutes, k| {
                first[m].add(minutes, sign * i64::try_from(k).unwrap_or(0))
            });
            let res: Vec<u8> = row.try_get("", "res_hist")?;
            decode(&res, |minutes, k| {
                resolution[m].add(minutes, sign * i64::try_from(k).unwrap_or(0))
            });
        }
    }
    let mut p = Parts::new(s);
    let mut total = [0i64; 12];
    for (m, c) in months.iter().enumerate() {
        plus(&mut total, c);
        p.by_month[m].add_counts(c);
        p.backlog.0[m] = u64::try_from(c[RESOLVED] + c[CLOSED_UNRESOLVED]).unwrap_or(0);
    }
    p.total.add_counts(&total);
    // A group is there when tickets were opened in it.
    let opened = |c: &[i64; 12]| c[OPENED] > 0;
    for (k, c) in by_module.into_iter().filter(|(_, c)| opened(c)) {
        p.by_module.entry(k).or_default().add_counts(&c);
    }
    for (k, c) in by_level.into_iter().filter(|(_, c)| opened(c)) {
        p.by_level.entry(k).or_default().add_counts(&c);
    }
    for (k, c) in by_engineer.into_iter().filter(|(_, c)| opened(c)) {
        p.by_engineer.entry(k).or_default().add_counts(&c);
    }
    p.first = first.into_iter().map(Hist::sorted).collect();
    p.resolution = resolution.into_iter().map(Hist::sorted).collect();
    Ok(p)
}

/// The report's parts from the rollup.
pub(super) async fn parts(db: &Db, s: &Scope) -> AppResult<Parts> {
    let (mut p, before) = tokio::try_join!(rows(db, s), open_before(db, s))?;
    p.backlog.1 = before;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn whole_months_and_partial_days() {
        let at = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let mut s = Scope {
            workspace_id: 1,
            from: d(2026, 12, 6),
            to: d(2027, 12, 5),
            start: at,
            end: at,
            months: vec![("x".into(), at, at); 13],
            module: None,
            level: None,
            assignee_id: None,
            own: false,
            tz: chrono_tz::Asia::Shanghai,
        };
        // 6–31 December: the month less its first five days; 1–5
        // December of the next year: those days.
        assert_eq!(
            ranges(&s),
            [
                (MONTH, d(2026, 12, 1), d(2026, 12, 1), 1),
                (DAY, d(2026, 12, 1), d(2026, 12, 5), -1),
                (DAY, d(2027, 12, 1), d(2027, 12, 5), 1),
                (MONTH, d(2027, 1, 1), d(2027, 11, 1), 1),
            ]
        );
        assert_eq!(month_index(&s, d(2027, 12, 3)), Some(12));
        assert_eq!(month_index(&s, d(2026, 12, 6)), Some(0));
        s.from = d(2027, 1, 1);
        s.to = d(2027, 12, 31);
        s.months.truncate(12);
        assert_eq!(ranges(&s), [(MONTH, d(2027, 1, 1), d(2027, 12, 1), 1)]);
        s.from = d(2027, 3, 2);
        s.to = d(2027, 3, 30);
        s.months.truncate(1);
        assert_eq!(
            ranges(&s),
            [
                (MONTH, d(2027, 3, 1), d(2027, 3, 1), 1),
                (DAY, d(2027, 3, 1), d(2027, 3, 1), -1),
                (DAY, d(2027, 3, 31), d(2027, 3, 31), -1),
            ]
        );
        s.from = d(2027, 3, 20);
        assert_eq!(ranges(&s), [(DAY, d(2027, 3, 20), d(2027, 3, 30), 1)]);
    }
}
