//! Benchmark data beyond accounts (`steward seed-bench --tickets N
//! --articles N --contracts N`): a ticket history and a knowledge base big
//! enough to measure the queue, KB search and the SLA monitor against, and
//! a contract book for the renewal and health jobs and the dashboard
//! (`contracts`).
//!
//! The data is what a workspace looks like after years of use: most tickets
//! resolved or closed, a tenth open, a few new, waiting on the customer or
//! blocked; old open tickets already marked breached (the monitor runs every
//! minute), and the newest few just past their first-response target, so
//! the first monitor run has real work to do.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use shared::kb::FaqEntry;
use shared::tickets::{TicketCategory, TicketPriority, TicketStatus};
use shared::ErpModule;

use crate::db::Db;
use crate::domain::common::business_time::BusinessCalendar;
use crate::domain::tickets::sla_figures;
use crate::entity::{accounts, kb_articles, ticket_counters, tickets};

const BATCH: usize = 500;

/// The status of the `i`-th ticket, by share of all tickets.
fn status_of(i: usize) -> TicketStatus {
    match i % 100 {
        0..=9 => TicketStatus::Open,
        10..=12 => TicketStatus::New,
        13..=14 => TicketStatus::PendingCustomer,
        15..=49 => TicketStatus::Resolved,
        _ => TicketStatus::Closed,
    }
}

const SUBJECTS: &[&str] = &[
    "月末结账时凭证无法过账",
    "销售订单审核后库存未扣减",
    "采购入库单价与发票不一致",
    "生产领料单无法保存",
    "工资表导出格式错乱",
    "应收账款账龄分析报表数据不对",
    "物料编码重复，需要合并",
    "仓库盘点差异无法调整",
    "客户信用额度超限仍可下单",
    "BOM 变更后成本未重新计算",
];

/// Adds `count` tickets to the workspace, spread over its accounts, one a
/// minute back from now — or, with `spread`, evenly over its last `days`
/// days, assigned round-robin to its `engineers` and spread over the
/// service levels, one in fifty outside agreement (the service report's
/// benchmark).
pub async fn tickets(
    db: &Db,
    workspace_id: i64,
    user_id: i64,
    count: usize,
    spread: Option<Spread>,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let calendar = crate::domain::common::calendar::business_calendar(&db.read, workspace_id)
        .await
        .map_err(|e| anyhow::anyhow!("the bench calendar: {e:?}"))?;
    let account_ids: Vec<i64> = accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Id)
        .filter(accounts::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(accounts::Column::Id)
        .into_tuple()
        .all(&db.read)
        .await?;
    anyhow::ensure!(!account_ids.is_empty(), "seed accounts before tickets");
    let start = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(workspace_id))
        .count(&db.read)
        .await? as usize;
    let modules = ErpModule::ALL;
    let priorities = [
        TicketPriority::P1,
        TicketPriority::P2,
        TicketPriority::P3,
        TicketPriority::P4,
    ];
    let categories = TicketCategory::ALL;
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let rows: Vec<tickets::ActiveModel> = (0..n)
            .map(|k| {
                let i = start + done + k;
                let created = match &spread {
                    None => now - Duration::minutes((start + count - i) as i64),
                    Some(s) => {
                        let span = i64::from(s.days) * 86_400_000;
                        now - Duration::milliseconds(
                            span * ((start + count - i) as i64) / (count.max(1) as i64),
                        )
                    }
                };
                let assignee = match &spread {
                    Some(s) if !s.engineers.is_empty() => s.engineers[i % s.engineers.len()],
                    _ => user_id,
                };
                let mut row = ticket_row(workspace_id, assignee, i, created, now, |i| {
                    (
                        account_ids[i % account_ids.len()],
                        modules[i % modules.len()],
                        priorities[(i / 7) % 4],
                        categories[(i / 3) % categories.len()],
                    )
                });
                row.created_by_user_id = Set(user_id);
                // Every row sets the same columns (one multi-row INSERT).
                row.outside_agreement = Set(spread.is_some() && i % 50 == 7);
                if spread.is_some() {
                    row.service_level = Set(LEVELS[(i / 11) % LEVELS.len()].into());
                }
                with_figures(&calendar, row)
            })
            .collect();
        let txn = db.write.begin().await?;
        tickets::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        done += n;
        if done.is_multiple_of(100_000) {
            println!("  {done} tickets");
        }
    }
    // New tickets continue the numbering.
    let last = (start + count) as i64;
    ticket_counters::Entity::insert(ticket_counters::ActiveModel {
        workspace_id: Set(workspace_id),
        last_number: Set(last),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(ticket_counters::Column::WorkspaceId)
            .value(ticket_counters::Column::LastNumber, Expr::value(last))
            .to_owned(),
    )
    .exec_without_returning(&db.write)
    .await?;
    Ok(())
}

type Pick = (i64, ErpModule, TicketPriority, TicketCategory);

/// How `seed-bench --ticket-days` spreads tickets.
#[derive(Debug, Clone, Default)]
pub struct Spread {
    pub days: u32,
    pub engineers: Vec<i64>,
}

const LEVELS: [&str; 3] = ["gold", "silver", "bronze"];

/// The row with its service figures (`sla_figures`), as the live code
/// would have kept them.
fn with_figures(calendar: &BusinessCalendar, row: tickets::ActiveModel) -> tickets::ActiveModel {
    let value = |v: &sea_orm::ActiveValue<Option<DateTime<Utc>>>| match v {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => *v,
        sea_orm::ActiveValue::NotSet => None,
    };
    let at = |v: &sea_orm::ActiveValue<DateTime<Utc>>| match v {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => Some(*v),
        sea_orm::ActiveValue::NotSet => None,
    };
    let (Some(created), Some(first_due), Some(resolution_due)) = (
        at(&row.created_at),
        at(&row.first_response_due_at),
        at(&row.resolution_due_at),
    ) else {
        return row;
    };
    let outside = matches!(row.outside_agreement, sea_orm::ActiveValue::Set(true));
    let responded = value(&row.first_responded_at);
    let resolved = value(&row.resolved_at);
    let mut row = row;
    row.first_response_minutes = Set(responded.map(|r| sla_figures::minutes(calendar, created, r)));
    row.resolution_minutes = Set(resolved.map(|r| sla_figures::minutes(calendar, created, r)));
    row.first_response_met = Set(sla_figures::outcome(
        outside,
        responded,
        first_due,
        value(&row.first_response_breached_at),
    ));
    row.resolution_met = Set(sla_figures::outcome(
        outside,
        resolved,
        resolution_due,
        value(&row.resolution_breached_at),
    ));
    row
}

fn ticket_row(
    workspace_id: i64,
    user_id: i64,
    i: usize,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
    pick: impl Fn(usize) -> Pick,
) -> tickets::ActiveModel {
    let (account_id, module, priority, category) = pick(i);
    let status = status_of(i);
    let first_due = created + Duration::hours(2);
    let resolution_due = created + Duration::hours(18);
    let done = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
    let resolved_at = done.then(|| created + Duration::hours(4 + (i % 20) as i64));
    let responded = done || status == TicketStatus::PendingCustomer || i.is_multiple_of(2);
    let paused = status == TicketStatus::PendingCustomer;
    // Running tickets past a target were marked by earlier monitor runs,
    // except the newest ones, which the next run will find.
    let marked =
        |due: DateTime<Utc>| (!done && !paused && due < now - Duration::hours(1)).then_some(due);
    let subject = SUBJECTS[i % SUBJECTS.len()];
    tickets::ActiveModel {
        workspace_id: Set(workspace_id),
        number: Set(i as i64 + 1),
        account_id: Set(account_id),
        requester_user_id: Set(None),
        created_by_user_id: Set(user_id),
        module: Set(module.as_str().into()),
        category: Set(category.as_str().into()),
        priority: Set(priority.as_str().into()),
        status: Set(status.as_str().into()),
        tier: Set(1),
        assignee_id: Set(Some(user_id)),
        subject: Set(format!("{subject}（{}）", i + 1)),
        description: Set(format!(
            "{subject}。操作步骤：进入{}模块，按手册第 {} 章操作后系统提示错误，请协助处理。",
            module.as_str(),
            i % 12 + 1
        )),
        service_level: Set("bronze".into()),
        first_response_due_at: Set(first_due),
        resolution_due_at: Set(resolution_due),
        first_responded_at: Set(responded.then(|| created + Duration::minutes(30))),
        resolved_at: Set(resolved_at),
        closed_at: Set((status == TicketStatus::Closed).then(|| created + Duration::days(8))),
        paused_since: Set(paused.then_some(created + Duration::minutes(30))),
        first_response_breached_at: Set(if responded { None } else { marked(first_due) }),
        resolution_breached_at: Set(marked(resolution_due)),
        csat_rating: Set(done.then_some((i % 5) as i32 + 1)),
        csat_comment: Set(None),
        csat_at: Set(resolved_at),
        kb_suggestions_shown: Set(i.is_multiple_of(3)),
        kb_article_opened: Set(i.is_multiple_of(9)),
        created_at: Set(created),
        updated_at: Set(resolved_at.unwrap_or(created)),
        version: Set(1),
        ..Default::default()
    }
}

/// Adds `count` published articles (four in five public): the vendor's
/// manual (`domain::kb::manual`) over and over, each copy numbered, so
/// sentence searches meet realistic text and realistic word overlap.
pub async fn articles(
    db: &Db,
    workspace_id: i64,
    author_id: i64,
    count: usize,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let manual = crate::domain::kb::manual::manual()?;
    anyhow::ensure!(!manual.is_empty(), "the manual has no articles");
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let rows: Vec<kb_articles::ActiveModel> = (done..done + n)
            .map(|i| {
                let source = &manual[i % manual.len()];
                let title = format!("{}（第 {} 篇）", source.title, i + 1);
                let body = format!("{}\n\n编号 {i}", source.body);
                let faq: Vec<FaqEntry> = source.faq.clone();
                let mut article = kb_articles::ActiveModel {
                    workspace_id: Set(workspace_id),
                    module: Set(source.module.as_str().into()),
                    title: Set(title.clone()),
                    body: Set(body.clone()),
                    visibility: Set(if i % 5 == 4 { "internal" } else { "public" }.into()),
                    faq: Set(serde_json::to_string(&faq).unwrap_or_else(|_| "[]".into())),
                    status: Set("published".into()),
                    source_ticket_id: Set(None),
                    author_id: Set(author_id),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                    ..Default::default()
                };
                crate::domain::kb::set_search_columns(&mut article, &title, &body, &faq);
                article
            })
            .collect();
        let txn = db.write.begin().await?;
        kb_articles::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        done += n;
    }
    Ok(())
}
