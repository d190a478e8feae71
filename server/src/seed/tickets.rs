//! The story's tickets, as they stand today: the still picture's few
//! (placed on accounts whose chapter fits them), tickets that missed their
//! SLA targets days ago and are still open (the SLA monitor records the
//! breaches when the story ends), tickets whose next target falls within
//! the next hours of business time, and one closed, rated ticket per
//! customer, its rating following the account's mood.

use chrono::{DateTime, Duration, Utc};
use sea_orm::EntityTrait;
use shared::tickets::{TicketCategory, TicketPriority, TicketStatus};
use shared::ErpModule;

use super::story::{chapter, Arc, Mood, Story};
use crate::domain::common::business_time::BusinessTime;
use crate::domain::common::modules_from_db;
use crate::domain::tickets::sla;
use crate::entity::accounts;
use crate::seed::demo_tickets::{base_tickets, insert, set_counter, Spec};

/// Which account (index) each of the picture's tickets belongs to here.
const HOME: [usize; 6] = [0, 2, 23, 4, 8, 9];

/// When a ticket came in.
#[derive(Clone, Copy)]
enum Came {
    DaysAgo(i64),
    /// So that its first response is due this many business minutes from now.
    FirstResponseDueIn(i64),
    /// So that its resolution is due this many business minutes from now.
    ResolutionDueIn(i64),
}

type Open = (
    usize,
    ErpModule,
    TicketCategory,
    TicketPriority,
    TicketStatus,
    &'static str,
    &'static str,
    Came,
);

const OPEN: &[Open] = &[
    (
        0,
        ErpModule::Finance,
        TicketCategory::Bug,
        TicketPriority::P2,
        TicketStatus::New,
        "固定资产卡片无法计提折旧",
        "本月计提折旧时提示“卡片已被锁定”，财务无法结账。",
        Came::DaysAgo(4),
    ),
    (
        9,
        ErpModule::Finance,
        TicketCategory::DataError,
        TicketPriority::P1,
        TicketStatus::Open,
        "月结后资产负债表不平",
        "十一月结账后资产负债表借贷差 1,280.00 元，凭证已全部过账。",
        Came::DaysAgo(3),
    ),
    (
        9,
        ErpModule::Inventory,
        TicketCategory::Bug,
        TicketPriority::P2,
        TicketStatus::New,
        "仓存盘点单审核时报错",
        "盘点单审核提示“库存数量不足”，无法生成盘盈盘亏单。",
        Came::DaysAgo(2),
    ),
    (
        23,
        ErpModule::Production,
        TicketCategory::Bug,
        TicketPriority::P2,
        TicketStatus::Open,
        "生产任务单下达后无法领料",
        "任务单已下达，领料工作台里查不到对应的投料单。",
        Came::DaysAgo(10),
    ),
    (
        23,
        ErpModule::Production,
        TicketCategory::DataError,
        TicketPriority::P1,
        TicketStatus::Open,
        "本月产品成本计算结果异常",
        "成本计算后部分产品单位成本为负数，财务无法出具成本报表。",
        Came::DaysAgo(1),
    ),
    (
        22,
        ErpModule::System,
        TicketCategory::Bug,
        TicketPriority::P2,
        TicketStatus::Open,
        "加密锁远程注册失败",
        "插上加密锁进行远程注册，提示“注册码无效”。",
        Came::DaysAgo(9),
    ),
    (
        1,
        ErpModule::Sales,
        TicketCategory::Bug,
        TicketPriority::P2,
        TicketStatus::New,
        "销售出库单无法审核",
        "出库单审核时提示“信用额度不足”，但客户信用额度还有余量。",
        Came::FirstResponseDueIn(75),
    ),
    (
        14,
        ErpModule::Planning,
        TicketCategory::Bug,
        TicketPriority::P1,
        TicketStatus::Open,
        "MRP 运算报错：物料清单循环嵌套",
        "运行 MRP 时报“BOM 循环嵌套”，新品 BOM 刚审核。",
        Came::ResolutionDueIn(150),
    ),
    (
        19,
        ErpModule::Purchasing,
        TicketCategory::Question,
        TicketPriority::P3,
        TicketStatus::New,
        "采购订单如何批量关闭",
        "有 200 多张已入库的采购订单需要关闭，能否批量处理？",
        Came::FirstResponseDueIn(200),
    ),
    (
        13,
        ErpModule::Finance,
        TicketCategory::HowTo,
        TicketPriority::P3,
        TicketStatus::Open,
        "应收款核销后账龄报表未更新",
        "核销了上月的收款单，账龄分析表仍显示逾期。",
        Came::ResolutionDueIn(220),
    ),
];

const RATED: &[(&str, &str)] = &[
    (
        "凭证过账后如何修改",
        "已过账的凭证发现摘要写错了，怎样修改？",
    ),
    (
        "销售订单关闭后如何重新打开",
        "误关闭了一张销售订单，需要继续发货。",
    ),
    (
        "采购价格表如何批量导入",
        "供应商调价，有 300 个物料的价格要更新。",
    ),
    ("仓库调拨单打印格式调整", "调拨单打印时想增加批号一栏。"),
];

/// When to create a ticket so that its target is due `minutes` business
/// minutes from now: the latest creation time that is not later.
async fn created_for(
    story: &Story<'_>,
    account_id: i64,
    priority: TicketPriority,
    first_response: bool,
    minutes: i64,
) -> anyhow::Result<DateTime<Utc>> {
    let conn = &story.state.db.read;
    let ws = story.cast.workspace_id;
    let now = story.now;
    let calendar = crate::domain::common::calendar::business_calendar(conn, ws).await?;
    let wanted = calendar.add_business_minutes(now, minutes)?;
    let targets = sla::targets_for(conn, ws, account_id, priority, now).await?;
    let target = if first_response {
        targets.first_response_due_at
    } else {
        targets.resolution_due_at
    };
    let length = calendar.business_minutes_between(now, target)?;
    let (mut lo, mut hi) = (wanted - Duration::days(60), wanted);
    while hi - lo > Duration::seconds(30) {
        let mid = lo + (hi - lo) / 2;
        if calendar.add_business_minutes(mid, length)? <= wanted {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo.min(now - Duration::minutes(1)))
}

pub(super) async fn seed(story: &Story<'_>) -> anyhow::Result<()> {
    let cast = story.cast;
    let conn = &story.state.db.write;
    let now = story.now;
    let mut specs = base_tickets(cast, now, |i| HOME.get(i).copied().unwrap_or(i));
    for (i, module, category, priority, status, subject, description, came) in OPEN {
        let account_id = story.account(*i)?;
        let created = match *came {
            Came::DaysAgo(d) => story.at(d, 10, 15),
            Came::FirstResponseDueIn(m) => {
                created_for(story, account_id, *priority, true, m).await?
            }
            Came::ResolutionDueIn(m) => created_for(story, account_id, *priority, false, m).await?,
        };
        let responded = (*status != TicketStatus::New)
            .then(|| (created + Duration::minutes(20)).min(now - Duration::minutes(1)));
        specs.push(Spec {
            account_id,
            requester: (*i == 0).then_some(cast.portal_user_id).flatten(),
            module: *module,
            category: *category,
            priority: *priority,
            status: *status,
            subject,
            description,
            created,
            responded,
            resolved: None,
            closed: None,
            csat: None,
        });
    }
    // One closed, rated ticket per customer of some standing.
    for i in 0..cast.account_ids.len() {
        let c = chapter(i);
        if c.arc.is_onboarding() {
            continue;
        }
        let account_id = story.account(i)?;
        let modules = match accounts::Entity::find_by_id(account_id).one(conn).await? {
            Some(a) => modules_from_db(&a.modules),
            None => continue,
        };
        let ago = match c.arc {
            Arc::Churned(_) => c.closed + 15,
            _ => 10 + (i as i64 * 7) % 60,
        };
        let (rating, comment) = match c.mood {
            Mood::Thriving => (5, "工程师很专业，问题当天解决。"),
            Mood::Steady | Mood::Recovering => (4, "解决了，但等待时间有点长。"),
            Mood::Slipping => (2, "解决得一般，反复沟通了几次。"),
            Mood::AtRisk => (1, "响应太慢，影响了月末结账。"),
        };
        let created = story.at(ago, 9, 40);
        let (subject, description) = RATED[i % RATED.len()];
        specs.push(Spec {
            account_id,
            requester: (i == 0).then_some(cast.portal_user_id).flatten(),
            module: modules
                .get(i % modules.len().max(1))
                .copied()
                .unwrap_or(ErpModule::Finance),
            category: TicketCategory::HowTo,
            priority: TicketPriority::P3,
            status: TicketStatus::Closed,
            subject,
            description,
            created,
            responded: Some(created + Duration::minutes(35)),
            resolved: Some(created + Duration::hours(5)),
            closed: Some(created + Duration::days(3)),
            csat: Some((rating, Some(comment))),
        });
    }
    specs.sort_by_key(|s| s.created);
    let mut number = 0;
    for spec in &specs {
        number += 1;
        insert(conn, cast, spec, number).await?;
    }
    set_counter(conn, cast.workspace_id, number).await
}
