//! The ticket side of the demo: module owners, the manual (操作手册) of
//! public and internal articles, and tickets in every state with a
//! conversation, so the queue, the ticket page and the portal have
//! something true-to-life to show. The story's own tickets (breaches,
//! near-breaches, rated ones) are in `seed::tickets`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use shared::tickets::{TicketCategory, TicketPriority, TicketStatus};
use shared::ErpModule;

use crate::domain::kb;

use crate::domain::tickets::sla;
use crate::entity::{kb_articles, ticket_comments, ticket_counters, tickets, workspaces};
use crate::error::AppResult;

/// Who is who in the demo workspace.
pub struct Cast {
    pub workspace_id: i64,
    pub admin_id: i64,
    pub manager_id: i64,
    pub csm_ids: Vec<i64>,
    pub engineer_ids: Vec<i64>,
    /// Accounts in creation order; the first is the portal user's.
    pub account_ids: Vec<i64>,
    pub portal_user_id: Option<i64>,
}

/// (account index, module, category, priority, status, subject, description, hours ago)
type DemoTicket = (
    usize,
    ErpModule,
    TicketCategory,
    TicketPriority,
    TicketStatus,
    &'static str,
    &'static str,
    i64,
);

const TICKETS: &[DemoTicket] = &[
    (
        0,
        ErpModule::Finance,
        TicketCategory::Bug,
        TicketPriority::P1,
        TicketStatus::Open,
        "月末结账提示存在未过账凭证",
        "结账时系统提示有 3 张未过账凭证，但凭证查询中找不到。",
        5,
    ),
    (
        0,
        ErpModule::Sales,
        TicketCategory::HowTo,
        TicketPriority::P3,
        TicketStatus::Resolved,
        "已审核的销售订单如何修改数量",
        "客户要求把订单 SO-2026-118 的数量从 200 改为 180。",
        52,
    ),
    (
        1,
        ErpModule::Inventory,
        TicketCategory::DataError,
        TicketPriority::P2,
        TicketStatus::New,
        "物料编码重复，需要合并",
        "同一物料被录入了两个编码：100102003 和 100102030。",
        2,
    ),
    (
        2,
        ErpModule::Purchasing,
        TicketCategory::Bug,
        TicketPriority::P2,
        TicketStatus::PendingCustomer,
        "采购入库单价与发票不一致",
        "入库单价 12.50，发票 12.80，钩稽时报错。",
        30,
    ),
    (
        3,
        ErpModule::Production,
        TicketCategory::HowTo,
        TicketPriority::P3,
        TicketStatus::Open,
        "BOM 变更后产品成本没有变化",
        "上周修改了 BOM 用量，本月成本计算结果仍是旧的。",
        20,
    ),
    (
        4,
        ErpModule::Planning,
        TicketCategory::Question,
        TicketPriority::P4,
        TicketStatus::Closed,
        "物料需求计划运算结果为空",
        "运行 MRP 后没有生成任何计划订单。",
        240,
    ),
    (
        5,
        ErpModule::System,
        TicketCategory::Complaint,
        TicketPriority::P2,
        TicketStatus::Open,
        "远程支持多次未按约定时间响应",
        "本周两次预约远程支持都推迟了，影响月末结账。",
        8,
    ),
];

/// Module owners (tier-1 routing) and the manual.
pub async fn setup<C: ConnectionTrait>(
    conn: &C,
    cast: &Cast,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    // Module owners: CSMs for the business modules, an engineer for system.
    let mut owners = std::collections::BTreeMap::new();
    for (i, module) in ErpModule::ALL.iter().enumerate() {
        let owner = if *module == ErpModule::System {
            cast.engineer_ids.first().copied()
        } else {
            cast.csm_ids.get(i % cast.csm_ids.len().max(1)).copied()
        };
        if let Some(owner) = owner {
            owners.insert(*module, owner);
        }
    }
    workspaces::Entity::update(workspaces::ActiveModel {
        id: Set(cast.workspace_id),
        module_owners: Set(Some(serde_json::to_string(&owners)?)),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    // The manual (操作手册): seeded here, and only here, for both the
    // still picture and the story.
    seed_articles(conn, cast, at).await?;
    Ok(())
}

/// The vendor's operating manual (`server/data/kb_manual.json`, the one
/// the search relevance test answers from), published at `at`.
async fn seed_articles<C: ConnectionTrait>(
    conn: &C,
    cast: &Cast,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    for entry in kb::manual::manual()? {
        let mut article = kb_articles::ActiveModel {
            workspace_id: Set(cast.workspace_id),
            module: Set(entry.module.as_str().into()),
            title: Set(entry.title.clone()),
            body: Set(entry.body.clone()),
            visibility: Set(entry.visibility.as_str().into()),
            faq: Set(serde_json::to_string(&entry.faq)?),
            status: Set("published".into()),
            source_ticket_id: Set(None),
            author_id: Set(cast.admin_id),
            created_at: Set(at),
            updated_at: Set(at),
            version: Set(1),
            ..Default::default()
        };
        kb::set_search_columns(&mut article, &entry.title, &entry.body, &entry.faq);
        article.insert(conn).await?;
    }
    Ok(())
}

/// The still picture's tickets: module owners, the manual and [`TICKETS`].
pub async fn seed<C: ConnectionTrait>(
    conn: &C,
    cast: &Cast,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    setup(conn, cast, now - Duration::days(30)).await?;
    let mut number = 0;
    for spec in base_tickets(cast, now, |i| i) {
        number += 1;
        insert(conn, cast, &spec, number).await?;
    }
    set_counter(conn, cast.workspace_id, number).await
}

/// The base tickets with `home` mapping their account index to the demo's.
pub(crate) fn base_tickets(
    cast: &Cast,
    now: DateTime<Utc>,
    home: impl Fn(usize) -> usize,
) -> Vec<Spec> {
    let mut out = Vec::new();
    for (account, module, category, priority, status, subject, description, hours) in TICKETS {
        let index = home(*account);
        let Some(account_id) = cast.account_ids.get(index).copied() else {
            continue;
        };
        let created = now - Duration::hours(*hours);
        let done = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
        let closed = *status == TicketStatus::Closed;
        out.push(Spec {
            account_id,
            requester: (index == 0).then_some(cast.portal_user_id).flatten(),
            module: *module,
            category: *category,
            priority: *priority,
            status: *status,
            subject,
            description,
            created,
            responded: (*status != TicketStatus::New).then(|| created + Duration::minutes(40)),
            resolved: done.then(|| created + Duration::hours(6)),
            closed: closed.then(|| created + Duration::days(8)),
            csat: closed.then_some((5, None)),
        });
    }
    out
}

/// One ticket to insert, as it stands today.
pub(crate) struct Spec {
    pub account_id: i64,
    pub requester: Option<i64>,
    pub module: ErpModule,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub status: TicketStatus,
    pub subject: &'static str,
    pub description: &'static str,
    pub created: DateTime<Utc>,
    pub responded: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
    /// Rating and comment, given a day after the resolution.
    pub csat: Option<(i32, Option<&'static str>)>,
}

/// Inserts a ticket as number `number`, routed to the module's owner, with
/// the SLA targets of its creation time and a short conversation.
pub(crate) async fn insert<C: ConnectionTrait>(
    conn: &C,
    cast: &Cast,
    t: &Spec,
    number: i64,
) -> AppResult<tickets::Model> {
    let targets =
        sla::targets_for(conn, cast.workspace_id, t.account_id, t.priority, t.created).await?;
    let owners = sla::module_owners(conn, cast.workspace_id).await?;
    let assignee = owners.get(&t.module).copied();
    let ticket = tickets::ActiveModel {
        workspace_id: Set(cast.workspace_id),
        number: Set(number),
        account_id: Set(t.account_id),
        requester_user_id: Set(t.requester),
        created_by_user_id: Set(t.requester.unwrap_or(cast.admin_id)),
        module: Set(t.module.as_str().into()),
        category: Set(t.category.as_str().into()),
        priority: Set(t.priority.as_str().into()),
        status: Set(t.status.as_str().into()),
        tier: Set(if t.category == TicketCategory::Complaint {
            3
        } else {
            1
        }),
        assignee_id: Set(assignee),
        subject: Set(t.subject.into()),
        description: Set(t.description.into()),
        service_level: Set(targets.level.clone()),
        first_response_due_at: Set(targets.first_response_due_at),
        resolution_due_at: Set(targets.resolution_due_at),
        first_responded_at: Set(t.responded),
        resolved_at: Set(t.resolved),
        closed_at: Set(t.closed),
        paused_since: Set(
            (t.status == TicketStatus::PendingCustomer).then(|| t.created + Duration::hours(2))
        ),
        first_response_breached_at: Set(None),
        resolution_breached_at: Set(None),
        csat_rating: Set(t.csat.map(|(r, _)| r)),
        csat_comment: Set(t.csat.and_then(|(_, c)| c).map(str::to_string)),
        csat_at: Set(t.csat.and(t.resolved).map(|at| at + Duration::days(1))),
        kb_suggestions_shown: Set(t.requester.is_some()),
        kb_article_opened: Set(false),
        created_at: Set(t.created),
        updated_at: Set(t.resolved.or(t.responded).unwrap_or(t.created)),
        version: Set(1),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let Some(responded) = t.responded else {
        return Ok(ticket);
    };
    let staff = assignee.unwrap_or(cast.admin_id);
    let mut conversation = vec![(
        staff,
        false,
        "您好，已收到，正在远程查看您的账套，请稍候。",
        responded,
    )];
    conversation.push((
        staff,
        true,
        "内部：该客户上月也出现过同类问题，注意检查基础资料。",
        responded + Duration::minutes(30),
    ));
    if let Some(customer) = t.requester {
        conversation.push((
            customer,
            false,
            "好的，谢谢，等您消息。",
            responded + Duration::minutes(50),
        ));
    }
    if let Some(resolved) = t.resolved {
        conversation.push((staff, false, "已处理完毕，请您确认。", resolved));
    }
    for (author, internal, body, at) in conversation {
        ticket_comments::ActiveModel {
            workspace_id: Set(cast.workspace_id),
            ticket_id: Set(ticket.id),
            author_user_id: Set(author),
            body: Set(body.into()),
            internal: Set(internal),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(ticket)
}

/// Numbering continues after the demo's tickets.
pub(crate) async fn set_counter<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    last: i64,
) -> anyhow::Result<()> {
    let existing = ticket_counters::Entity::find()
        .filter(ticket_counters::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?;
    if existing.is_some() {
        ticket_counters::Entity::update_many()
            .col_expr(
                ticket_counters::Column::LastNumber,
                sea_orm::sea_query::Expr::value(last),
            )
            .filter(ticket_counters::Column::WorkspaceId.eq(workspace_id))
            .exec(conn)
            .await?;
    } else {
        ticket_counters::Entity::insert(ticket_counters::ActiveModel {
            workspace_id: Set(workspace_id),
            last_number: Set(last),
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}
