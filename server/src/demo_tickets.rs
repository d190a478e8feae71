//! The ticket side of `steward seed-demo`: module owners, a small manual of
//! public and internal articles, and tickets in every state with a
//! conversation, so the queue, the ticket page and the portal have
//! something true-to-life to show.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use shared::kb::FaqEntry;
use shared::tickets::{TicketCategory, TicketPriority, TicketStatus};
use shared::ErpModule;

use crate::domain::{kb, sla};
use crate::entity::{kb_articles, ticket_comments, ticket_counters, tickets, workspaces};

/// Who is who in the demo workspace.
pub struct Cast {
    pub workspace_id: i64,
    pub admin_id: i64,
    pub csm_ids: Vec<i64>,
    pub engineer_ids: Vec<i64>,
    /// Accounts in creation order; the first is the portal user's.
    pub account_ids: Vec<i64>,
    pub portal_user_id: Option<i64>,
}

const ARTICLES: &[(ErpModule, bool, &str, &str)] = &[
    (
        ErpModule::Finance,
        true,
        "月末结账前的检查清单",
        "## 结账前\n\n1. 所有凭证已**审核**并**过账**。\n2. 往来款项已对账。\n3. 固定资产已计提折旧。\n\n## 常见错误\n\n- 提示“存在未过账凭证”：在凭证查询中筛选未过账凭证，审核后过账。",
    ),
    (
        ErpModule::Sales,
        true,
        "已审核的销售订单如何修改",
        "已审核的单据不能直接修改：先由主管**反审核**，修改后重新提交审核。\n\n下游已生成出库单时，需先删除下游单据。",
    ),
    (
        ErpModule::Inventory,
        true,
        "物料编码规则：为什么只能用数字",
        "物料编码统一使用数字，按“大类-小类-流水号”分段，例如 `1001-02-0035`。\n\n编码一经使用不能修改，录入前请先查询是否已存在。",
    ),
    (
        ErpModule::Purchasing,
        true,
        "采购入库单价与发票不一致的处理",
        "以发票价格为准做**采购发票钩稽**，差额由系统自动生成入库成本调整单。",
    ),
    (
        ErpModule::Production,
        true,
        "BOM 变更后成本没有重新计算",
        "BOM 变更需要审核生效，之后在成本模块执行“成本还原”，再重新计算产品成本。",
    ),
    (
        ErpModule::Finance,
        false,
        "内部：客户要求修改已结账期间的处理口径",
        "已结账期间原则上不反结账。确需处理时由经理审批，工程师远程操作并记录。",
    ),
];

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

pub async fn seed<C: ConnectionTrait>(
    conn: &C,
    cast: &Cast,
    now: DateTime<Utc>,
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

    for (module, public, title, body) in ARTICLES {
        let faq: Vec<FaqEntry> = Vec::new();
        let mut article = kb_articles::ActiveModel {
            workspace_id: Set(cast.workspace_id),
            module: Set(module.as_str().into()),
            title: Set((*title).into()),
            body: Set((*body).into()),
            visibility: Set(if *public { "public" } else { "internal" }.into()),
            faq: Set("[]".into()),
            status: Set("published".into()),
            source_ticket_id: Set(None),
            author_id: Set(cast.admin_id),
            created_at: Set(now - Duration::days(30)),
            updated_at: Set(now - Duration::days(30)),
            version: Set(1),
            ..Default::default()
        };
        kb::set_search_columns(&mut article, title, body, &faq);
        article.insert(conn).await?;
    }

    for (n, (account, module, category, priority, status, subject, description, hours)) in
        TICKETS.iter().enumerate()
    {
        let Some(account_id) = cast.account_ids.get(*account).copied() else {
            continue;
        };
        let created = now - Duration::hours(*hours);
        let targets =
            sla::targets_for(conn, cast.workspace_id, account_id, *priority, created).await?;
        let assignee = owners.get(module).copied();
        let requester = (*account == 0).then_some(cast.portal_user_id).flatten();
        let done = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
        let answered = *status != TicketStatus::New;
        let ticket = tickets::ActiveModel {
            workspace_id: Set(cast.workspace_id),
            number: Set(n as i64 + 1),
            account_id: Set(account_id),
            requester_user_id: Set(requester),
            created_by_user_id: Set(requester.unwrap_or(cast.admin_id)),
            module: Set(module.as_str().into()),
            category: Set(category.as_str().into()),
            priority: Set(priority.as_str().into()),
            status: Set(status.as_str().into()),
            tier: Set(if *category == TicketCategory::Complaint {
                3
            } else {
                1
            }),
            assignee_id: Set(assignee),
            subject: Set((*subject).into()),
            description: Set((*description).into()),
            service_level: Set(targets.level.clone()),
            first_response_due_at: Set(targets.first_response_due_at),
            resolution_due_at: Set(targets.resolution_due_at),
            first_responded_at: Set(answered.then(|| created + Duration::minutes(40))),
            resolved_at: Set(done.then(|| created + Duration::hours(6))),
            closed_at: Set((*status == TicketStatus::Closed).then(|| created + Duration::days(8))),
            paused_since: Set(
                (*status == TicketStatus::PendingCustomer).then(|| created + Duration::hours(2))
            ),
            first_response_breached_at: Set(None),
            resolution_breached_at: Set(None),
            csat_rating: Set((*status == TicketStatus::Closed).then_some(5)),
            csat_comment: Set(None),
            csat_at: Set((*status == TicketStatus::Closed).then(|| created + Duration::days(1))),
            kb_suggestions_shown: Set(requester.is_some()),
            kb_article_opened: Set(false),
            created_at: Set(created),
            updated_at: Set(created + Duration::hours(1)),
            version: Set(1),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        if !answered {
            continue;
        }
        let staff = assignee.unwrap_or(cast.admin_id);
        let mut conversation = vec![(
            staff,
            false,
            "您好，已收到，正在远程查看您的账套，请稍候。".to_string(),
            40,
        )];
        conversation.push((
            staff,
            true,
            "内部：该客户上月也出现过同类问题，注意检查基础资料。".to_string(),
            70,
        ));
        if let Some(customer) = requester {
            conversation.push((customer, false, "好的，谢谢，等您消息。".to_string(), 90));
        }
        for (author, internal, body, minutes) in conversation {
            ticket_comments::ActiveModel {
                workspace_id: Set(cast.workspace_id),
                ticket_id: Set(ticket.id),
                author_user_id: Set(author),
                body: Set(body),
                internal: Set(internal),
                created_at: Set(created + Duration::minutes(minutes)),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
    }
    ticket_counters::Entity::insert(ticket_counters::ActiveModel {
        workspace_id: Set(cast.workspace_id),
        last_number: Set(TICKETS.len() as i64),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}
