//! `steward seed-work`: the "my work" and playbook benchmark's data on top
//! of the bench workspace — a CSM owning `accounts` accounts with `tasks`
//! open tasks spread from ten days overdue to a month ahead, and two days
//! of health snapshots for every account (today a tenth red and a tenth
//! yellow after a green yesterday), so a playbook sweep has drops to find.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait as _, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use shared::tasks::{TaskPriority, TaskSource, TaskState, TaskType};
use shared::Role;

use super::super::{BENCH_ADMIN, BENCH_CSM, BENCH_PASSWORD};
use crate::auth::password;
use crate::db::Db;
use crate::entity::{accounts, health_snapshots, tasks, users};

const BATCH: usize = 500;

pub async fn work(db: &Db, owned: usize, open_tasks: usize) -> anyhow::Result<()> {
    let admin = users::Entity::find()
        .filter(users::Column::Email.eq(BENCH_ADMIN))
        .one(&db.read)
        .await?
        .ok_or_else(|| anyhow::anyhow!("run `steward seed-bench` first"))?;
    let ws = admin.workspace_id;
    let now = Utc::now();
    let csm = match users::Entity::find()
        .filter(users::Column::Email.eq(BENCH_CSM))
        .one(&db.read)
        .await?
    {
        Some(u) => u.id,
        None => {
            let hash = password::hash(BENCH_PASSWORD.to_string()).await?;
            users::ActiveModel {
                workspace_id: Set(ws),
                name: Set("Bench CSM".into()),
                email: Set(BENCH_CSM.into()),
                role: Set(Role::Csm.as_str().into()),
                password_hash: Set(Some(hash)),
                active: Set(true),
                created_at: Set(now),
                email_verified_at: Set(Some(now)),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&db.write)
            .await?
            .id
        }
    };
    let ids: Vec<i64> = accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Id)
        .filter(accounts::Column::WorkspaceId.eq(ws))
        .order_by_asc(accounts::Column::Id)
        .into_tuple()
        .all(&db.read)
        .await?;
    let mine: Vec<i64> = ids.iter().copied().take(owned).collect();
    for chunk in mine.chunks(BATCH) {
        accounts::Entity::update_many()
            .col_expr(accounts::Column::OwnerId, Some(csm).into())
            .filter(accounts::Column::Id.is_in(chunk.to_vec()))
            .exec(&db.write)
            .await?;
    }
    let have = tasks::Entity::find()
        .filter(tasks::Column::AssigneeId.eq(csm))
        .count(&db.read)
        .await? as usize;
    let types = TaskType::ALL;
    let mut rows = Vec::new();
    for n in have..open_tasks {
        let Some(account) = mine.get(n % mine.len().max(1)).copied() else {
            break;
        };
        // From ten days overdue to thirty days ahead, a few hours apart.
        let due = now + Duration::hours((n as i64 * 7) % (40 * 24) - 10 * 24);
        rows.push(tasks::ActiveModel {
            workspace_id: Set(ws),
            account_id: Set(account),
            assignee_id: Set(csm),
            title: Set(format!("回访第 {n} 项")),
            task_type: Set(types[n % types.len()].as_str().into()),
            priority: Set(if n % 5 == 0 {
                TaskPriority::High
            } else {
                TaskPriority::Normal
            }
            .as_str()
            .into()),
            status: Set(TaskState::Open.as_str().into()),
            due_at: Set(due),
            source: Set(TaskSource::Manual.as_str().into()),
            created_by: Set(Some(admin.id)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        if rows.len() == BATCH {
            tasks::Entity::insert_many(std::mem::take(&mut rows))
                .exec(&db.write)
                .await?;
        }
    }
    if !rows.is_empty() {
        tasks::Entity::insert_many(rows).exec(&db.write).await?;
    }
    let today = now.date_naive();
    let snapshots = health_snapshots::Entity::find()
        .filter(health_snapshots::Column::WorkspaceId.eq(ws))
        .filter(health_snapshots::Column::Day.eq(today))
        .count(&db.read)
        .await?;
    if snapshots == 0 {
        for chunk in ids.chunks(BATCH) {
            let txn = db.write.begin().await?;
            let mut batch = Vec::with_capacity(chunk.len() * 2);
            for &id in chunk {
                let (score, band) = match id % 10 {
                    0 => (30, "red"),
                    1 => (55, "yellow"),
                    _ => (82, "green"),
                };
                for (day, score, band) in [
                    (today - Duration::days(1), 85, "green"),
                    (today, score, band),
                ] {
                    batch.push(health_snapshots::ActiveModel {
                        workspace_id: Set(ws),
                        account_id: Set(id),
                        day: Set(day),
                        score: Set(score),
                        band: Set(band.into()),
                        computed_score: Set(score),
                        overridden: Set(false),
                        weakest: Set(None),
                        components: Set("[]".into()),
                        computed_at: Set(now),
                        ..Default::default()
                    });
                }
            }
            health_snapshots::Entity::insert_many(batch)
                .exec(&txn)
                .await?;
            txn.commit().await?;
        }
    }
    let _ = db.write.execute_unprepared("ANALYZE").await;
    println!(
        "{BENCH_CSM} owns {} accounts with {open_tasks} open tasks; health snapshots for {} accounts",
        mine.len(),
        ids.len()
    );
    Ok(())
}
