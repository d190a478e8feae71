//! Which accounts a trigger holds for now, each with the occurrence that
//! names this firing (`band:red:2027-03-10`, `renewal:42`). A playbook
//! fires once per account and occurrence; the cooldown keeps triggers
//! whose occurrence moves every day (a score drop, a silence) from firing
//! daily.
//!
//! Each trigger is one set-based statement over one workspace, never a
//! query per account: a sweep reads a 100,000-account workspace in a few
//! statements. Event-like triggers (tickets, breaches, answers) look back
//! a bounded window, so an old event does not fire a new playbook.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, Value};
use shared::health::HealthBand;
use shared::playbooks::PlaybookTrigger;
use shared::tickets::TicketPriority;
use shared::timeline::TimelineKind;
use shared::training::TrainingStatus;

use crate::db::sql::Sql;
use crate::db::Db;
use crate::domain::common::modules_from_db;
use crate::error::AppResult;

/// Tickets, breaches and answers older than this do not fire playbooks.
pub const EVENT_WINDOW_DAYS: i64 = 7;
/// The window of a score drop.
pub const DROP_WINDOW_DAYS: i64 = 30;
/// An account younger than this has no training gap yet.
pub const TRAINING_GRACE_DAYS: i64 = 30;

/// An account the trigger holds for, and the occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub account_id: i64,
    pub occurrence: String,
    /// The renewal, ticket, plan, licence or answer behind it.
    pub subject_id: Option<i64>,
}

async fn rows<C: ConnectionTrait>(
    conn: &C,
    sql: Sql,
    occurrence: impl Fn(&sea_orm::QueryResult) -> AppResult<String>,
) -> AppResult<Vec<Hit>> {
    let mut hits = Vec::new();
    for row in conn.query_all(sql.statement()).await? {
        let subject_id: Option<i64> = row.try_get("", "id").ok();
        hits.push(Hit {
            account_id: row.try_get("", "account_id")?,
            occurrence: occurrence(&row)?,
            subject_id,
        });
    }
    Ok(hits)
}

fn id_of(row: &sea_orm::QueryResult, prefix: &str) -> AppResult<String> {
    let id: i64 = row.try_get("", "id")?;
    Ok(format!("{prefix}:{id}"))
}

/// The accounts `trigger` (with `threshold`) holds for in workspace `ws`,
/// or whether it holds for the account `only` (evaluation on an event).
pub async fn hits(
    db: &Db,
    ws: i64,
    trigger: PlaybookTrigger,
    threshold: Option<i64>,
    today: NaiveDate,
    now: DateTime<Utc>,
    only: Option<i64>,
) -> AppResult<Vec<Hit>> {
    let mut hits = hits_of(db, ws, trigger, threshold, today, now, only).await?;
    // The statements below narrow to `only` where it saves work; this
    // catches the ones that do not.
    if let Some(account) = only {
        hits.retain(|h| h.account_id == account);
    }
    Ok(hits)
}

/// `AND <column> = only`, when evaluating one account.
fn narrow(sql: &mut Sql, column: &str, only: Option<i64>) {
    if let Some(account) = only {
        sql.push(" AND ").push(column).push(" = ").bind(account);
    }
}

async fn hits_of(
    db: &Db,
    ws: i64,
    trigger: PlaybookTrigger,
    threshold: Option<i64>,
    today: NaiveDate,
    now: DateTime<Utc>,
    only: Option<i64>,
) -> AppResult<Vec<Hit>> {
    let conn = &db.read;
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    let n = threshold.unwrap_or(0);
    let since = now - Duration::days(EVENT_WINDOW_DAYS);
    match trigger {
        PlaybookTrigger::HealthBandDrop | PlaybookTrigger::HealthScoreDrop => {
            let Some(day) =
                crate::domain::reporting::dashboard::latest_health_day(conn, ws, today).await?
            else {
                return Ok(Vec::new());
            };
            if trigger == PlaybookTrigger::HealthBandDrop {
                // Worse than the account's snapshot before: green → yellow
                // or red, yellow → red.
                sql.push(
                    "SELECT s.account_id AS account_id, s.band AS band FROM health_snapshots s \
                     JOIN health_snapshots p ON p.account_id = s.account_id AND p.day = \
                     (SELECT MAX(q.day) FROM health_snapshots q WHERE q.account_id = s.account_id \
                     AND q.day < s.day) WHERE s.workspace_id = ",
                )
                .bind(ws)
                .push(" AND s.day = ")
                .bind(day);
                narrow(&mut sql, "s.account_id", only);
                sql.push(" AND s.band <> ")
                    .bind(HealthBand::Green.as_str())
                    .push(" AND (p.band = ")
                    .bind(HealthBand::Green.as_str())
                    .push(" OR (p.band = ")
                    .bind(HealthBand::Yellow.as_str())
                    .push(" AND s.band = ")
                    .bind(HealthBand::Red.as_str())
                    .push("))");
                rows(conn, sql, |r| {
                    let band: String = r.try_get("", "band")?;
                    Ok(format!("band:{band}:{day}"))
                })
                .await
            } else {
                sql.push(
                    "SELECT s.account_id AS account_id FROM health_snapshots s \
                     WHERE s.workspace_id = ",
                )
                .bind(ws)
                .push(" AND s.day = ")
                .bind(day);
                narrow(&mut sql, "s.account_id", only);
                sql.push(" AND s.score + ")
                    .bind(n)
                    .push(
                        " <= (SELECT MAX(q.score) FROM health_snapshots q \
                     WHERE q.account_id = s.account_id AND q.day >= ",
                    )
                    .bind(day - Duration::days(DROP_WINDOW_DAYS))
                    .push(" AND q.day < s.day)");
                rows(conn, sql, |_| Ok(format!("drop:{day}"))).await
            }
        }
        PlaybookTrigger::RenewalDue => {
            sql.push("SELECT r.id AS id, r.account_id AS account_id FROM renewals r WHERE r.workspace_id = ")
                .bind(ws)
                .push(" AND r.stage = ")
                .bind(shared::contracts::RenewalStage::Upcoming.as_str())
                .push(" AND r.closed_at IS NULL AND r.due_on >= ")
                .bind(today)
                .push(" AND r.due_on <= ")
                .bind(today + Duration::days(n));
            narrow(&mut sql, "r.account_id", only);
            rows(conn, sql, |r| id_of(r, "renewal")).await
        }
        PlaybookTrigger::OnboardingBehind => {
            crate::domain::onboarding::settle(db, ws, today, now).await?;
            sql.push(
                "SELECT p.id AS id, p.account_id AS account_id, a.onboarding_rank AS rank \
                 FROM onboarding_plans p JOIN accounts a ON a.id = p.account_id \
                 WHERE p.workspace_id = ",
            )
            .bind(ws)
            .push(" AND a.stage = 'onboarding' AND a.archived = ")
            .bind(false)
            .push(" AND a.onboarding_rank IN (")
            .bind_list([
                crate::domain::onboarding::RANK_STUCK,
                crate::domain::onboarding::RANK_BEHIND,
            ])
            .push(")");
            rows(conn, sql, |r| {
                let id: i64 = r.try_get("", "id")?;
                let rank: i32 = r.try_get("", "rank")?;
                let status = if rank == crate::domain::onboarding::RANK_STUCK {
                    "stuck"
                } else {
                    "behind"
                };
                Ok(format!("onboarding:{id}:{status}"))
            })
            .await
        }
        PlaybookTrigger::P1Ticket => {
            sql.push("SELECT t.id AS id, t.account_id AS account_id FROM tickets t WHERE t.workspace_id = ")
                .bind(ws)
                .push(" AND t.priority = ")
                .bind(TicketPriority::P1.as_str())
                .push(" AND t.created_at >= ")
                .bind(since);
            narrow(&mut sql, "t.account_id", only);
            rows(conn, sql, |r| id_of(r, "ticket")).await
        }
        PlaybookTrigger::SlaBreach => {
            sql.push("SELECT t.id AS id, t.account_id AS account_id FROM tickets t WHERE t.workspace_id = ")
                .bind(ws)
                .push(" AND (t.first_response_breached_at >= ")
                .bind(since)
                .push(" OR t.resolution_breached_at >= ")
                .bind(since)
                .push(")");
            narrow(&mut sql, "t.account_id", only);
            rows(conn, sql, |r| id_of(r, "breach")).await
        }
        PlaybookTrigger::NpsDetractor => {
            sql.push(
                "SELECT r.id AS id, r.account_id AS account_id FROM survey_recipients r \
                 WHERE r.workspace_id = ",
            )
            .bind(ws)
            .push(" AND r.score IS NOT NULL AND r.score <= 6 AND r.responded_at >= ")
            .bind(now - Duration::days(30));
            narrow(&mut sql, "r.account_id", only);
            rows(conn, sql, |r| id_of(r, "nps")).await
        }
        PlaybookTrigger::NoTouchpoint => {
            let cutoff = now - Duration::days(n);
            sql.push(
                "SELECT a.id AS account_id, a.created_at AS created_at, \
                 (SELECT MAX(e.occurred_at) FROM account_events e WHERE e.account_id = a.id \
                 AND e.kind IN (",
            )
            // The timeline's touchpoint rule (`TimelineKind::TOUCHPOINTS`).
            .bind_list(TimelineKind::TOUCHPOINTS.iter().map(|k| k.as_str()))
            .push(")) AS last_at FROM accounts a WHERE a.workspace_id = ")
            .bind(ws)
            .push(" AND a.archived = ")
            .bind(false)
            .push(" AND a.created_at < ")
            .bind(cutoff);
            narrow(&mut sql, "a.id", only);
            let mut hits = Vec::new();
            for row in conn.query_all(sql.statement()).await? {
                let last: Option<DateTime<Utc>> = row.try_get("", "last_at")?;
                if last.is_some_and(|at| at >= cutoff) {
                    continue;
                }
                let since: DateTime<Utc> = match last {
                    Some(at) => at,
                    None => row.try_get("", "created_at")?,
                };
                hits.push(Hit {
                    account_id: row.try_get("", "account_id")?,
                    occurrence: format!("quiet:{}", since.date_naive()),
                    subject_id: None,
                });
            }
            Ok(hits)
        }
        PlaybookTrigger::LicenseExpiring => {
            sql.push(
                "SELECT l.id AS id, l.account_id AS account_id, l.expires_on AS expires_on \
                 FROM licenses l WHERE l.workspace_id = ",
            )
            .bind(ws)
            .push(" AND l.expires_on >= ")
            .bind(today)
            .push(" AND l.expires_on <= ")
            .bind(today + Duration::days(n));
            narrow(&mut sql, "l.account_id", only);
            rows(conn, sql, |r| {
                let id: i64 = r.try_get("", "id")?;
                let on: NaiveDate = r.try_get("", "expires_on")?;
                Ok(format!("license:{id}:{on}"))
            })
            .await
        }
        PlaybookTrigger::AgreementExpiring => {
            sql.push(
                "SELECT g.id AS id, g.account_id AS account_id, g.ends_on AS ends_on \
                 FROM service_agreements g WHERE g.workspace_id = ",
            )
            .bind(ws)
            .push(" AND g.ends_on >= ")
            .bind(today)
            .push(" AND g.ends_on <= ")
            .bind(today + Duration::days(n));
            narrow(&mut sql, "g.account_id", only);
            rows(conn, sql, |r| {
                let id: i64 = r.try_get("", "id")?;
                let on: NaiveDate = r.try_get("", "ends_on")?;
                Ok(format!("agreement:{id}:{on}"))
            })
            .await
        }
        PlaybookTrigger::UsageDrop => usage_drops(conn, ws, n, now).await,
        PlaybookTrigger::TrainingGap => training_gaps(conn, ws, now).await,
    }
}

/// Accounts older than the grace period with a module they use that no
/// held (not cancelled, begun) training covered.
async fn training_gaps<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    now: DateTime<Utc>,
) -> AppResult<Vec<Hit>> {
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT a.id AS account_id, a.modules AS modules FROM accounts a WHERE a.workspace_id = ",
    )
    .bind(ws)
    .push(" AND a.archived = ")
    .bind(false)
    .push(" AND a.modules <> '' AND a.created_at < ")
    .bind(now - Duration::days(TRAINING_GRACE_DAYS));
    let accounts = conn.query_all(sql.statement()).await?;
    let mut trained = Sql::new(backend);
    trained
        .push("SELECT DISTINCT t.account_id AS account_id, t.module AS module FROM trainings t WHERE t.workspace_id = ")
        .bind(ws)
        .push(" AND t.status <> ")
        .bind(TrainingStatus::Cancelled.as_str())
        .push(" AND t.starts_at <= ")
        .bind(Value::from(now));
    let mut covered = std::collections::HashSet::new();
    for row in conn.query_all(trained.statement()).await? {
        let account: i64 = row.try_get("", "account_id")?;
        let module: String = row.try_get("", "module")?;
        covered.insert((account, module));
    }
    let mut hits = Vec::new();
    for row in accounts {
        let account_id: i64 = row.try_get("", "account_id")?;
        let modules: String = row.try_get("", "modules")?;
        for module in modules_from_db(&modules) {
            if !covered.contains(&(account_id, module.as_str().to_string())) {
                hits.push(Hit {
                    account_id,
                    occurrence: format!("training:{}", module.as_str()),
                    subject_id: None,
                });
            }
        }
    }
    Ok(hits)
}

/// Accounts whose usage events of the last seven days are at least `n`%
/// fewer than those of the seven days before (which had some). One
/// occurrence per ISO week, so a slump that lasts fires once a week at most
/// (and the cooldown spaces them further).
async fn usage_drops<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    n: i64,
    now: DateTime<Utc>,
) -> AppResult<Vec<Hit>> {
    let week_ago = now - Duration::days(7);
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "SELECT account_id, \
         COALESCE(SUM(CASE WHEN occurred_at >= ",
    )
    .bind(week_ago)
    .push(" THEN 1 ELSE 0 END), 0) AS recent, COALESCE(SUM(CASE WHEN occurred_at < ")
    .bind(week_ago)
    .push(" THEN 1 ELSE 0 END), 0) AS before FROM usage_events WHERE workspace_id = ")
    .bind(ws)
    .push(" AND occurred_at >= ")
    .bind(now - Duration::days(14))
    .push(" AND occurred_at < ")
    .bind(now)
    .push(" GROUP BY account_id");
    let week = now.date_naive().iso_week();
    let mut hits = Vec::new();
    for row in conn.query_all(sql.statement()).await? {
        let recent: i64 = row.try_get("", "recent")?;
        let before: i64 = row.try_get("", "before")?;
        if before > 0 && recent * 100 <= before * (100 - n) {
            hits.push(Hit {
                account_id: row.try_get("", "account_id")?,
                occurrence: format!("usage:{}-W{:02}", week.year(), week.week()),
                subject_id: None,
            });
        }
    }
    Ok(hits)
}
