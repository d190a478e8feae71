//! `steward seed-bench`: a workspace of many accounts (and tickets,
//! articles, contracts), for the load benchmarks.

pub mod contracts;
pub mod history;
pub mod work;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait as _, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use shared::{LifecycleStage, Role, DEFAULT_CUSTOMER_CODE_PATTERN};

use super::{BENCH_ADMIN, BENCH_MANAGER, BENCH_PASSWORD, BENCH_PORTAL};
use crate::auth::password;
use crate::db::Db;
use crate::entity::{accounts, contacts, users, workspaces};

/// How much `seed-bench` adds.
#[derive(Debug, Clone, Copy, Default)]
pub struct BenchSize {
    pub accounts: usize,
    pub tickets: usize,
    pub articles: usize,
    pub contracts: usize,
    /// Spread the tickets over this many last days, over 20 engineers and
    /// every service level (the service report's benchmark); else one a
    /// minute back from now, all the admin's.
    pub ticket_days: Option<u32>,
}

pub async fn bench(db: &Db, size: BenchSize) -> anyhow::Result<()> {
    let BenchSize {
        accounts: count,
        tickets,
        articles,
        contracts,
        ticket_days,
    } = size;
    let now = Utc::now();
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(BENCH_ADMIN))
        .one(&db.read)
        .await?;
    let (workspace_id, owner_ids) = match existing {
        Some(admin) => {
            println!("bench workspace exists; adding {count} accounts");
            (admin.workspace_id, vec![admin.id])
        }
        None => {
            let hash = password::hash(BENCH_PASSWORD.to_string()).await?;
            let ws = workspaces::ActiveModel {
                name: Set("Bench".into()),
                customer_code_pattern: Set(DEFAULT_CUSTOMER_CODE_PATTERN.into()),
                created_at: Set(now),
                verified_at: Set(Some(now)),
                ..Default::default()
            }
            .insert(&db.write)
            .await?;
            crate::domain::tickets::service_levels::seed_defaults(&db.write, ws.id).await?;
            let admin = users::ActiveModel {
                workspace_id: Set(ws.id),
                name: Set("Bench Admin".into()),
                email: Set(BENCH_ADMIN.into()),
                role: Set(Role::Admin.as_str().into()),
                password_hash: Set(Some(hash)),
                active: Set(true),
                created_at: Set(now),
                email_verified_at: Set(Some(now)),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&db.write)
            .await?;
            (ws.id, vec![admin.id])
        }
    };
    let start = accounts::Entity::find()
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .count(&db.read)
        .await? as usize;
    let cities = [
        "深圳", "广州", "东莞", "佛山", "苏州", "杭州", "宁波", "青岛", "成都", "重庆",
    ];
    let trades = [
        "电子", "机械", "化工", "五金", "日化", "纺织", "医药", "物流", "食品", "建材",
    ];
    let stages = LifecycleStage::ALL;
    let batch = 500;
    let mut done = 0;
    while done < count {
        let txn = db.write.begin().await?;
        let n = batch.min(count - done);
        let rows: Vec<accounts::ActiveModel> = (0..n)
            .map(|k| {
                let i = start + done + k;
                let name = format!(
                    "{}市{}{}有限公司 {}",
                    cities[i % cities.len()],
                    trades[(i / 10) % trades.len()],
                    ["科技", "实业", "制造", "贸易"][(i / 100) % 4],
                    i
                );
                let code = format!("{:08}", i + 1);
                accounts::ActiveModel {
                    workspace_id: Set(workspace_id),
                    search_key: Set(format!("{} {}", name.to_lowercase(), code)),
                    name: Set(name),
                    code: Set(code),
                    industry: Set(Some(trades[(i / 10) % trades.len()].into())),
                    segment: Set(None),
                    owner_id: Set(Some(owner_ids[0])),
                    stage: Set(stages[i % stages.len()].as_str().into()),
                    stage_entered_at: Set(now),
                    modules: Set("sales,finance".into()),
                    archived: Set(false),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                    ..Default::default()
                }
            })
            .collect();
        accounts::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        done += n;
    }
    if tickets > 0 {
        println!("seeding {tickets} tickets…");
        let spread = match ticket_days {
            Some(days) => Some(history::Spread {
                days,
                engineers: bench_engineers(db, workspace_id, 20).await?,
            }),
            None => None,
        };
        history::tickets(db, workspace_id, owner_ids[0], tickets, spread).await?;
        println!("building the service report's rollup…");
        let started = std::time::Instant::now();
        crate::domain::tickets::service_rollup::rebuild(db, workspace_id).await?;
        println!("  built in {:.1} s", started.elapsed().as_secs_f64());
    }
    if articles > 0 {
        println!("seeding {articles} knowledge-base articles…");
        history::articles(db, workspace_id, owner_ids[0], articles).await?;
    }
    if contracts > 0 {
        println!("seeding {contracts} contracts…");
        let manager = bench_manager(db, workspace_id).await?;
        let s = contracts::seed(
            db,
            workspace_id,
            owner_ids[0],
            &[manager],
            contracts,
            Utc::now(),
        )
        .await?;
        println!(
            "  {} contracts ({} of them renewals' next contracts), {} renewals, {} reminder-log rows; \
             today's renewal-reminders run should open {} renewals and queue {} reminders and {} escalations",
            s.contracts,
            s.successors,
            s.renewals,
            s.reminder_log,
            s.renewals_to_open,
            s.reminders_due_today,
            s.escalations_due_today
        );
    }
    if db.backend() == sea_orm::DatabaseBackend::Postgres {
        // What autovacuum would leave after a bulk load (a server may run
        // with autovacuum off, and it takes its time): the planner's
        // statistics, without which it believes the tables hold a few
        // hundred rows, and the visibility map, without which every
        // index-only scan of a list reads the table's pages too (the queue
        // ran at half its speed on a database seeded twenty minutes before).
        println!("vacuuming and analysing the tables…");
        db.write.execute_unprepared("VACUUM (ANALYZE)").await?;
    }
    bench_portal_user(db, workspace_id).await?;
    println!(
        "bench workspace: {} accounts in total; sign in as {BENCH_ADMIN} / {BENCH_PASSWORD} \
         (the portal: {BENCH_PORTAL})",
        start + count
    );
    Ok(())
}

/// A portal login (customer_admin) for a contact of the first account,
/// created on first use: the benchmarks replay the portal's requests with
/// it. (Through the API a portal login is always invited by e-mail.)
async fn bench_portal_user(db: &Db, workspace_id: i64) -> anyhow::Result<()> {
    let exists = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(users::Column::Email.eq(BENCH_PORTAL))
        .one(&db.read)
        .await?
        .is_some();
    let first_account = accounts::Entity::find()
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(accounts::Column::Id)
        .one(&db.read)
        .await?;
    let (false, Some(account)) = (exists, first_account) else {
        return Ok(());
    };
    let now = Utc::now();
    let hash = password::hash(BENCH_PASSWORD.to_string()).await?;
    let txn = db.write.begin().await?;
    let user = users::ActiveModel {
        workspace_id: Set(workspace_id),
        name: Set("王芳".into()),
        email: Set(BENCH_PORTAL.into()),
        role: Set(Role::CustomerAdmin.as_str().into()),
        password_hash: Set(Some(hash)),
        active: Set(true),
        created_at: Set(now),
        email_verified_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    contacts::ActiveModel {
        workspace_id: Set(workspace_id),
        account_id: Set(account.id),
        name: Set("王芳".into()),
        email: Set(Some(BENCH_PORTAL.into())),
        modules: Set("finance".into()),
        portal_user_id: Set(Some(user.id)),
        archived: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The bench workspace's manager, created on first use.
async fn bench_manager(db: &Db, workspace_id: i64) -> anyhow::Result<i64> {
    if let Some(user) = users::Entity::find()
        .filter(users::Column::Email.eq(BENCH_MANAGER))
        .one(&db.read)
        .await?
    {
        return Ok(user.id);
    }
    let now = Utc::now();
    let hash = password::hash(BENCH_PASSWORD.to_string()).await?;
    let user = users::ActiveModel {
        workspace_id: Set(workspace_id),
        name: Set("Bench Manager".into()),
        email: Set(BENCH_MANAGER.into()),
        role: Set(Role::Manager.as_str().into()),
        password_hash: Set(Some(hash)),
        active: Set(true),
        created_at: Set(now),
        email_verified_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db.write)
    .await?;
    Ok(user.id)
}

/// `n` engineers of the bench workspace (bench-engineer-K@steward.local),
/// created on first use.
async fn bench_engineers(db: &Db, workspace_id: i64, n: usize) -> anyhow::Result<Vec<i64>> {
    let now = Utc::now();
    let hash = password::hash(BENCH_PASSWORD.to_string()).await?;
    let mut ids = Vec::with_capacity(n);
    for k in 1..=n {
        let email = format!("bench-engineer-{k}@steward.local");
        if let Some(user) = users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(&db.read)
            .await?
        {
            ids.push(user.id);
            continue;
        }
        let user = users::ActiveModel {
            workspace_id: Set(workspace_id),
            name: Set(format!("工程师 {k:02}")),
            email: Set(email),
            role: Set(Role::Engineer.as_str().into()),
            password_hash: Set(Some(hash.clone())),
            active: Set(true),
            created_at: Set(now),
            email_verified_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db.write)
        .await?;
        ids.push(user.id);
    }
    Ok(ids)
}
