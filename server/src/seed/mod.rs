//! `steward seed-demo` (a realistic demo workspace that tells a story, see
//! [`story`]) and `steward seed-bench` (many accounts, for the load
//! benchmark, see [`bench`]).

mod activities;
pub mod bench;
pub mod demo_contracts;
pub mod demo_tickets;
mod health;
mod onboarding;
mod story;
mod tickets;
mod usage;

use chrono::{DateTime, Duration, Utc};
use sea_orm::TransactionTrait;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use shared::{ErpModule, LifecycleStage, Role, DEFAULT_CUSTOMER_CODE_PATTERN};

pub use bench::{bench, BenchSize};

use crate::auth::password;
use crate::db::Db;
use crate::domain::common::modules_to_db;
use crate::entity::{accounts, contacts, users, workspaces};
use crate::state::AppState;

pub const DEMO_PASSWORD: &str = "steward-demo-2026";
pub const DEMO_ADMIN: &str = "admin@demo.steward.local";
pub const DEMO_MANAGER: &str = "manager@demo.steward.local";
pub const BENCH_ADMIN: &str = "bench@steward.local";
/// The bench workspace's manager (created with the contracts; escalations
/// go to managers, and the dashboard benchmark signs in as one).
pub const BENCH_MANAGER: &str = "bench-manager@steward.local";
/// The bench workspace's portal login (customer_admin of its first account).
pub const BENCH_PORTAL: &str = "portal-bench@steward.local";
pub const BENCH_PASSWORD: &str = "steward-bench-2026";
/// The CSM of the "my work" benchmark (`steward seed-work`).
pub const BENCH_CSM: &str = "csm-bench@steward.local";

const COMPANIES: &[(&str, &str, &str)] = &[
    ("深圳市华强电子有限公司", "电子制造", "大型"),
    ("广州白云日化股份有限公司", "日化", "中型"),
    ("东莞市长安五金制品厂", "五金", "小型"),
    ("佛山市顺德家电集团", "家电", "大型"),
    ("苏州工业园区精密机械有限公司", "机械", "中型"),
    ("杭州西湖茶业有限公司", "食品饮料", "小型"),
    ("宁波港通物流有限公司", "物流", "中型"),
    ("青岛海湾化工有限公司", "化工", "大型"),
    ("成都天府医药有限公司", "医药", "中型"),
    ("重庆山城汽车配件有限公司", "汽车配件", "中型"),
    ("武汉光谷光电科技有限公司", "光电", "中型"),
    ("天津滨海新材料有限公司", "新材料", "大型"),
    ("厦门鹭岛服装有限公司", "服装", "小型"),
    ("福州闽江建材有限公司", "建材", "小型"),
    ("长沙湘江工程机械有限公司", "工程机械", "大型"),
    ("郑州中原粮油有限公司", "粮油", "中型"),
    ("济南泉城纺织有限公司", "纺织", "中型"),
    ("合肥科大智能装备有限公司", "智能装备", "中型"),
    ("南京金陵印刷有限公司", "印刷", "小型"),
    ("西安秦川电气有限公司", "电气", "中型"),
    ("昆明滇池花卉有限公司", "农业", "小型"),
    ("沈阳北方重工配件厂", "重工", "大型"),
    ("大连星海水产有限公司", "水产", "小型"),
    ("温州瓯江鞋业有限公司", "鞋业", "小型"),
    ("无锡太湖精密铸造有限公司", "铸造", "中型"),
    ("中山市小榄灯饰有限公司", "灯饰", "小型"),
    ("珠海横琴医疗器械有限公司", "医疗器械", "中型"),
    ("南昌赣江家具有限公司", "家具", "小型"),
    (
        "Shenzhen Pearl River Components Ltd.",
        "Electronics",
        "Enterprise",
    ),
    ("Suzhou Lakeside Packaging Co.", "Packaging", "Mid-market"),
];

const PEOPLE: &[(&str, &str)] = &[
    ("张伟", "财务主管"),
    ("王芳", "销售主管"),
    ("李娜", "采购主管"),
    ("刘洋", "仓储部长"),
    ("陈静", "生产主管"),
    ("杨磊", "计划员"),
    ("赵敏", "ERP 系统工程师"),
    ("黄强", "客户档案员"),
];

const PERSON_MODULES: &[&[ErpModule]] = &[
    &[ErpModule::Finance],
    &[ErpModule::Sales],
    &[ErpModule::Purchasing],
    &[ErpModule::Inventory],
    &[ErpModule::Production],
    &[ErpModule::Planning],
    &[ErpModule::System],
    &[ErpModule::Sales],
];

/// The demo workspace as a still picture: staff, accounts in every stage,
/// contacts, a portal user, a few tickets and the manual, without contracts
/// or history (the browser tests start from it).
pub async fn demo(db: &Db) -> anyhow::Result<()> {
    let now = Utc::now();
    if let Some(cast) = demo_workspace(db, now, Opening::Picture).await? {
        demo_tickets::seed(&db.write, &cast, now).await?;
        crate::domain::tickets::sla_figures::backfill(db, Some(cast.workspace_id)).await?;
        crate::domain::tickets::service_rollup::rebuild(db, cast.workspace_id).await?;
        print_logins();
    }
    Ok(())
}

/// `steward seed-demo`: the demo workspace with months of history up to
/// the state's clock (see [`story`]): licences, onboarding, contracts and
/// closed renewals, trainings, touchpoints, surveys, usage, tickets with
/// SLA breaches, and daily health snapshots. Running it again leaves an
/// existing demo workspace alone.
pub async fn demo_story(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now();
    let started = std::time::Instant::now();
    if let Some(cast) = demo_workspace(&state.db, now, Opening::Story).await? {
        story::tell(state, &cast, now).await?;
        crate::domain::tickets::sla_figures::backfill(&state.db, Some(cast.workspace_id)).await?;
        crate::domain::tickets::service_rollup::rebuild(&state.db, cast.workspace_id).await?;
        print_logins();
        println!("  (seeded in {:.1} s)", started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// How the accounts begin.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opening {
    /// Each already in its lifecycle stage, as of today.
    Picture,
    /// Each in `onboarding` on the day it joined; the story moves it on.
    Story,
}

fn print_logins() {
    println!("Demo workspace ready: {} accounts.", COMPANIES.len());
    println!("Sign in at your STEWARD_PUBLIC_URL (default http://127.0.0.1:8080) with password {DEMO_PASSWORD} as:");
    for (name, email, role) in STAFF {
        println!("  {role:<9} {email}  ({name})");
    }
    println!(
        "  portal    portal@demo.steward.local  (customer_admin of {})",
        COMPANIES[0].0
    );
}

const STAFF: &[(&str, &str, Role)] = &[
    ("周建国", DEMO_ADMIN, Role::Admin),
    ("吴丽华", DEMO_MANAGER, Role::Manager),
    ("郑晓明", "csm1@demo.steward.local", Role::Csm),
    ("孙悦", "csm2@demo.steward.local", Role::Csm),
    ("Emily Chen", "csm3@demo.steward.local", Role::Csm),
    ("马骏", "engineer1@demo.steward.local", Role::Engineer),
    ("林涛", "engineer2@demo.steward.local", Role::Engineer),
];

/// The demo workspace, unless it exists already (then `None`).
async fn demo_workspace(
    db: &Db,
    now: DateTime<Utc>,
    opening: Opening,
) -> anyhow::Result<Option<demo_tickets::Cast>> {
    if users::Entity::find()
        .filter(users::Column::Email.eq(DEMO_ADMIN))
        .one(&db.read)
        .await?
        .is_some()
    {
        println!("The demo workspace exists already. Sign in as {DEMO_ADMIN} / {DEMO_PASSWORD}");
        return Ok(None);
    }
    let hash = password::hash(DEMO_PASSWORD.to_string()).await?;
    let founded = match opening {
        Opening::Picture => now,
        Opening::Story => now - Duration::days(story::HISTORY_DAYS),
    };
    let txn = db.write.begin().await?;
    let ws = workspaces::ActiveModel {
        name: Set("金蝶华南授权服务中心 (Demo)".into()),
        customer_code_pattern: Set(DEFAULT_CUSTOMER_CODE_PATTERN.into()),
        created_at: Set(founded),
        verified_at: Set(Some(founded)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::domain::tickets::service_levels::seed_defaults(&txn, ws.id).await?;
    let staff = STAFF;
    let mut csm_ids = Vec::new();
    let mut engineer_ids = Vec::new();
    let mut admin_id = 0;
    let mut manager_id = 0;
    for (name, email, role) in staff {
        let user = users::ActiveModel {
            workspace_id: Set(ws.id),
            name: Set((*name).into()),
            email: Set((*email).into()),
            role: Set(role.as_str().into()),
            password_hash: Set(Some(hash.clone())),
            active: Set(true),
            created_at: Set(founded),
            email_verified_at: Set(Some(founded)),
            updated_at: Set(founded),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        match role {
            Role::Csm => csm_ids.push(user.id),
            Role::Engineer => engineer_ids.push(user.id),
            Role::Admin => admin_id = user.id,
            Role::Manager => manager_id = user.id,
            _ => {}
        }
    }
    let stages = [
        LifecycleStage::Onboarding,
        LifecycleStage::Adoption,
        LifecycleStage::Adoption,
        LifecycleStage::Renewal,
        LifecycleStage::Renewed,
        LifecycleStage::Churned,
    ];
    let mut portal_contact = None;
    let mut account_ids = Vec::new();
    for (i, (name, industry, segment)) in COMPANIES.iter().enumerate() {
        let code = format!("{:06}", 100_101 + i);
        let modules: Vec<ErpModule> = ErpModule::ALL
            .iter()
            .copied()
            .filter(|m| !(i + *m as usize).is_multiple_of(3) || *m == ErpModule::Finance)
            .collect();
        let (stage, entered) = match opening {
            Opening::Picture => (
                stages[i % stages.len()],
                now - Duration::days(((i * 17) % 200) as i64),
            ),
            Opening::Story => (LifecycleStage::Onboarding, story::joined(i, now)),
        };
        let account = accounts::ActiveModel {
            workspace_id: Set(ws.id),
            search_key: Set(format!("{} {}", name.to_lowercase(), code)),
            name: Set((*name).into()),
            code: Set(code),
            industry: Set(Some((*industry).into())),
            segment: Set(Some((*segment).into())),
            owner_id: Set(Some(csm_ids[i % csm_ids.len()])),
            stage: Set(stage.as_str().into()),
            stage_entered_at: Set(entered),
            modules: Set(modules_to_db(&modules)),
            archived: Set(false),
            created_at: Set(entered),
            updated_at: Set(entered),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        account_ids.push(account.id);
        for j in 0..3 {
            let p = (i + j * 3) % PEOPLE.len();
            let (person, title) = PEOPLE[p];
            let contact = contacts::ActiveModel {
                workspace_id: Set(ws.id),
                account_id: Set(account.id),
                name: Set(person.into()),
                // A reserved domain: the story's past mails reach nobody.
                email: Set(Some(format!(
                    "c{}-{}@customer{}.example.com",
                    i + 1,
                    j + 1,
                    i + 1
                ))),
                phone: Set(Some(format!("+86 138 {:04} {:04}", 1000 + i, 2000 + j))),
                title: Set(Some(title.into())),
                modules: Set(modules_to_db(PERSON_MODULES[p])),
                portal_user_id: Set(None),
                archived: Set(false),
                created_at: Set(entered),
                updated_at: Set(entered),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            if i == 0 && j == 0 {
                portal_contact = Some(contact);
            }
        }
    }
    let mut portal_user_id = None;
    if let Some(contact) = portal_contact {
        let email = "portal@demo.steward.local";
        let user = users::ActiveModel {
            workspace_id: Set(ws.id),
            name: Set(contact.name.clone()),
            email: Set(email.into()),
            role: Set(Role::CustomerAdmin.as_str().into()),
            password_hash: Set(Some(hash.clone())),
            active: Set(true),
            created_at: Set(now),
            email_verified_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut c: contacts::ActiveModel = contact.into();
        c.portal_user_id = Set(Some(user.id));
        c.email = Set(Some(email.into()));
        c.update(&txn).await?;
        portal_user_id = Some(user.id);
    }
    txn.commit().await?;
    Ok(Some(demo_tickets::Cast {
        workspace_id: ws.id,
        admin_id,
        manager_id,
        csm_ids,
        engineer_ids,
        account_ids,
        portal_user_id,
    }))
}
