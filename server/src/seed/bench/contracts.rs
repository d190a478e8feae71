//! Benchmark contracts (`steward seed-bench --contracts N`): what the
//! contract book of a vendor looks like on an ordinary day, relative to
//! today, so the `renewal-reminders` and `health-scores` jobs and the
//! dashboard have their real daily work.
//!
//! - Ends spread evenly from 90 days ago to two years ahead (one- to
//!   three-year terms, all started by today); values between 18,000 and
//!   498,000 in exact cents, most rounded to hundreds, one in twenty in USD.
//! - Every contract inside the renewal horizon (up to 90 days past its
//!   end) has its renewal, the stage more advanced the closer the end;
//!   those at the horizon's edge today have none yet, as the daily job
//!   opens them. Renewed ones have their next contract (counted in N).
//! - The reminder log holds what earlier days sent: every offset and
//!   escalation whose day is before today. So today's run queues exactly
//!   the reminders whose offset day is today — about 4 × N / 820 — plus the
//!   escalations of the renewals reaching that point still `upcoming`.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::contracts::{RenewalStage, DEFAULT_CHURN_REASONS};

use crate::db::Db;
use crate::domain::renewals::reminder_run::{DUE_SOON, ESCALATION, NOBODY, REMINDER};
use crate::entity::{accounts, contracts, reminder_log, renewals};

/// Contracts per transaction (14 columns each).
const BATCH: usize = 500;
/// Ends fall from this many days ago …
const PAST_DAYS: i64 = 90;
/// … to this many days ahead.
const AHEAD_DAYS: i64 = 730;

/// What was written, for the seeding's summary and the benchmark's checks.
#[derive(Debug, Default)]
pub struct Seeded {
    pub contracts: usize,
    pub successors: usize,
    pub renewals: usize,
    pub reminder_log: usize,
    /// Reminder mails today's `renewal-reminders` run should queue.
    pub reminders_due_today: usize,
    /// Escalation mails it should queue.
    pub escalations_due_today: usize,
    /// Renewals it should open (contracts reaching the horizon today).
    pub renewals_to_open: usize,
}

/// A well-mixed 64-bit hash of `i` (SplitMix64), so the fields of the
/// `i`-th contract look independent of each other and of its account.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One contract as planned, before it becomes rows.
struct Plan {
    id: i64,
    account_id: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    cents: i64,
    currency: &'static str,
    auto_renew: bool,
    notice_days: i32,
    previous: Option<i64>,
}

/// The renewal stage of a contract ending in `ends_in` days, from a roll
/// of 0–99: the nearer (or further past) the end, the further along.
fn stage_of(ends_in: i64, roll: u64) -> RenewalStage {
    use RenewalStage::*;
    match ends_in {
        i64::MIN..=-1 => match roll {
            0..=59 => Renewed,
            60..=79 => Churned,
            80..=89 => Committed,
            _ => InNegotiation,
        },
        0..=29 => match roll {
            0..=24 => Upcoming,
            25..=59 => InNegotiation,
            60..=84 => Committed,
            _ => Renewed,
        },
        30..=89 => match roll {
            0..=54 => Upcoming,
            55..=84 => InNegotiation,
            85..=94 => Committed,
            _ => Renewed,
        },
        _ => match roll {
            0..=84 => Upcoming,
            85..=96 => InNegotiation,
            _ => Committed,
        },
    }
}

fn probability(stage: RenewalStage) -> i32 {
    match stage {
        RenewalStage::Upcoming => 50,
        RenewalStage::InNegotiation => 60,
        RenewalStage::Committed => 90,
        RenewalStage::Renewed => 100,
        RenewalStage::Churned => 0,
    }
}

/// `cents × percent / 100`, rounded to whole hundreds of the currency.
fn scaled(cents: i64, percent: i64) -> i64 {
    (cents * percent / 100 / 10_000).max(1) * 10_000
}

/// Adds `count` contracts (successors of renewed ones included) to the
/// workspace's accounts, with their renewals and reminder log. `owner_id`
/// owns the accounts; `manager_ids` are the workspace's managers (who get
/// escalations).
pub async fn seed(
    db: &Db,
    workspace_id: i64,
    owner_id: i64,
    manager_ids: &[i64],
    count: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<Seeded> {
    let account_ids: Vec<i64> = accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Id)
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(accounts::Column::Id)
        .into_tuple()
        .all(&db.read)
        .await?;
    anyhow::ensure!(!account_ids.is_empty(), "seed accounts before contracts");
    let today = crate::domain::common::calendar::today(&db.read, workspace_id, now).await?;
    let settings = crate::domain::renewals::reminders::load(&db.read, workspace_id).await?;
    let horizon = i64::from(settings.renewal_horizon_days);
    let escalation = i64::from(settings.escalation_days);
    // Ids are given here so a renewal can name its next contract and a
    // successor its predecessor without reading them back.
    let last_id: Option<i64> = contracts::Entity::find()
        .select_only()
        .column_as(contracts::Column::Id.max(), "m")
        .into_tuple::<Option<i64>>()
        .one(&db.read)
        .await?
        .flatten();
    let first_id = last_id.unwrap_or(0) + 1;
    let existing: u64 = contracts::Entity::find()
        .filter(contracts::Column::WorkspaceId.eq(workspace_id))
        .select_only()
        .column_as(contracts::Column::Id.count(), "n")
        .into_tuple::<i64>()
        .one(&db.read)
        .await?
        .map_or(0, |n| n as u64);

    let mut seeded = Seeded::default();
    let mut next_id = first_id;
    let mut k = existing;
    while seeded.contracts < count {
        let mut plans: Vec<Plan> = Vec::new();
        let mut renewal_rows: Vec<renewals::ActiveModel> = Vec::new();
        let mut log_rows: Vec<reminder_log::ActiveModel> = Vec::new();
        while plans.len() < BATCH && seeded.contracts < count {
            let h = mix(k);
            let account_id = account_ids[(k % account_ids.len() as u64) as usize];
            k += 1;
            let ends_in = (h % (PAST_DAYS + AHEAD_DAYS + 1) as u64) as i64 - PAST_DAYS;
            let ends_on = today + Duration::days(ends_in);
            let years = (ends_in.max(0) / 365 + 1) as u32 + ((h >> 16) % 2) as u32;
            let starts_on = ends_on - Months::new(12 * years) + Duration::days(1);
            let mut cents = 1_800_000 + ((h >> 24) % 48_000_000) as i64;
            if !(h >> 8).is_multiple_of(5) {
                cents = cents / 10_000 * 10_000;
            }
            let usd = (h >> 40).is_multiple_of(20);
            if usd {
                cents /= 7;
            }
            let id = next_id;
            next_id += 1;
            plans.push(Plan {
                id,
                account_id,
                starts_on,
                ends_on,
                cents,
                currency: if usd { "USD" } else { "CNY" },
                auto_renew: (h >> 12).is_multiple_of(3),
                notice_days: [30, 60, 90][((h >> 14) % 3) as usize],
                previous: None,
            });
            seeded.contracts += 1;
            if ends_in >= horizon {
                if ends_in == horizon {
                    seeded.renewals_to_open += 1;
                }
                continue;
            }

            let roll = (h >> 32) % 100;
            let mut stage = stage_of(ends_in, roll);
            let upsell = if roll.is_multiple_of(3) {
                cents / 10
            } else {
                0
            };
            // A renewed contract needs room for its successor.
            if stage == RenewalStage::Renewed && seeded.contracts >= count {
                stage = RenewalStage::Committed;
            }
            let mut next_contract = None;
            if stage == RenewalStage::Renewed {
                let successor = next_id;
                next_id += 1;
                // 85–124 % of the old value: downgrades and expansions.
                let value = scaled(cents, 85 + ((h >> 44) % 40) as i64);
                plans.push(Plan {
                    id: successor,
                    account_id,
                    starts_on: ends_on + Duration::days(1),
                    ends_on: ends_on + Months::new(12),
                    cents: value,
                    currency: if usd { "USD" } else { "CNY" },
                    auto_renew: (h >> 12).is_multiple_of(3),
                    notice_days: 30,
                    previous: Some(id),
                });
                seeded.contracts += 1;
                seeded.successors += 1;
                next_contract = Some((successor, value));
            }
            let closed = matches!(stage, RenewalStage::Renewed | RenewalStage::Churned);
            let forecast = match stage {
                RenewalStage::Renewed => next_contract.map_or(cents, |(_, v)| v),
                RenewalStage::InNegotiation => scaled(cents, 90 + ((h >> 50) % 21) as i64),
                _ => cents + upsell,
            };
            let opened_at = now - Duration::days((horizon - ends_in).clamp(0, horizon));
            renewal_rows.push(renewals::ActiveModel {
                workspace_id: Set(workspace_id),
                contract_id: Set(id),
                account_id: Set(account_id),
                due_on: Set(ends_on),
                stage: Set(stage.as_str().into()),
                forecast_cents: Set(forecast),
                probability: Set(probability(stage)),
                upsell_cents: Set(upsell),
                churn_reason: Set((stage == RenewalStage::Churned).then(|| {
                    DEFAULT_CHURN_REASONS[((h >> 52) as usize) % DEFAULT_CHURN_REASONS.len()]
                        .to_string()
                })),
                next_contract_id: Set(next_contract.map(|(id, _)| id)),
                closed_at: Set(closed.then(|| now - Duration::days((-ends_in).max(1)))),
                created_at: Set(opened_at),
                updated_at: Set(opened_at),
                version: Set(1),
                ..Default::default()
            });
            seeded.renewals += 1;

            // What earlier days sent, and what today's run will send.
            if !stage.is_open() || ends_in < 0 {
                continue;
            }
            let mut log = |kind: &str, offset: i32, recipient: i64| {
                log_rows.push(reminder_log::ActiveModel {
                    workspace_id: Set(workspace_id),
                    contract_id: Set(id),
                    kind: Set(kind.to_string()),
                    offset_days: Set(offset),
                    recipient_id: Set(recipient),
                    created_at: Set(now - Duration::days(i64::from(offset) - ends_in)),
                    ..Default::default()
                });
            };
            for offset in &settings.offsets_days {
                let o = i64::from(*offset);
                if o > ends_in {
                    log(REMINDER, *offset, owner_id);
                    log(DUE_SOON, *offset, NOBODY);
                } else if o == ends_in {
                    seeded.reminders_due_today += 1;
                }
            }
            if stage == RenewalStage::Upcoming {
                for manager in manager_ids {
                    if escalation > ends_in {
                        log(ESCALATION, settings.escalation_days, *manager);
                    } else if escalation == ends_in {
                        seeded.escalations_due_today += 1;
                    }
                }
            }
        }
        seeded.reminder_log += log_rows.len();
        let contract_rows: Vec<contracts::ActiveModel> = plans
            .into_iter()
            .map(|p| contracts::ActiveModel {
                id: Set(p.id),
                workspace_id: Set(workspace_id),
                account_id: Set(p.account_id),
                starts_on: Set(p.starts_on),
                ends_on: Set(p.ends_on),
                annual_value_cents: Set(p.cents),
                currency: Set(p.currency.into()),
                auto_renew: Set(p.auto_renew),
                notice_days: Set(p.notice_days),
                previous_contract_id: Set(p.previous),
                number: Set(None),
                created_by: Set(owner_id),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            })
            .collect();
        let txn = db.write.begin().await?;
        contracts::Entity::insert_many(contract_rows)
            .exec_without_returning(&txn)
            .await?;
        if !renewal_rows.is_empty() {
            renewals::Entity::insert_many(renewal_rows)
                .exec_without_returning(&txn)
                .await?;
        }
        // Seven columns a row: 1,000 rows stay under every parameter limit.
        for chunk in log_rows.chunks(1000) {
            reminder_log::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    // PostgreSQL's sequence did not see the explicit ids.
    if db.write.get_database_backend() == DatabaseBackend::Postgres {
        db.write
            .execute_unprepared(
                "SELECT setval(pg_get_serial_sequence('contracts', 'id'), \
                 (SELECT MAX(id) FROM contracts))",
            )
            .await?;
    }
    // Accounts with an open renewal are in the renewal stage.
    let open: Vec<&str> = RenewalStage::OPEN.iter().map(|s| s.as_str()).collect();
    let renewing = sea_orm::sea_query::Query::select()
        .column(renewals::Column::AccountId)
        .from(renewals::Entity)
        .and_where(renewals::Column::WorkspaceId.eq(workspace_id))
        .and_where(renewals::Column::Stage.is_in(open))
        .to_owned();
    accounts::Entity::update_many()
        .col_expr(
            accounts::Column::Stage,
            Expr::value(shared::LifecycleStage::Renewal.as_str()),
        )
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .filter(accounts::Column::Id.in_subquery(renewing))
        .exec(&db.write)
        .await?;
    // The renewals went in directly: their totals are summed once.
    crate::domain::renewals::sums::rebuild(&db.write, workspace_id).await?;
    Ok(seeded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_advance_towards_the_end() {
        let share = |ends_in: i64, stage: RenewalStage| {
            (0..100)
                .filter(|roll| stage_of(ends_in, *roll) == stage)
                .count()
        };
        assert_eq!(share(-10, RenewalStage::Renewed), 60);
        assert_eq!(share(-10, RenewalStage::Upcoming), 0);
        assert_eq!(share(10, RenewalStage::Upcoming), 25);
        assert_eq!(share(60, RenewalStage::Upcoming), 55);
        assert_eq!(share(120, RenewalStage::Upcoming), 85);
        assert_eq!(share(120, RenewalStage::Renewed), 0);
    }

    #[test]
    fn scaled_values_are_whole_hundreds() {
        assert_eq!(scaled(12_345_678, 100), 12_340_000);
        assert_eq!(scaled(10_000_000, 110), 11_000_000);
        assert_eq!(scaled(5_000, 50), 10_000);
    }
}
