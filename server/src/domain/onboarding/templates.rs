//! Onboarding templates: ordered tasks with a stage, a due offset from the
//! plan's start, an owner role and an optional module. Every workspace has
//! the built-in default (the seed's "after purchase" steps, in Chinese and
//! English), which admins copy to make their own.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use shared::onboarding::{OnboardingTemplate, TaskKind, TemplateRequest, TemplateTask};
use shared::validation::{self, Collector};
use shared::{ErpModule, Role};

use crate::auth::StaffActor;
use crate::db::Db;
use crate::domain::common::audit::{self, Change};
use crate::entity::onboarding_templates;
use crate::error::{AppError, AppResult};

const BUILTIN_KEY: &str = "default";
const MAX_TASKS: usize = 300;
const MAX_OFFSET_DAYS: i32 = 3650;

fn module_en(module: ErpModule) -> &'static str {
    match module {
        ErpModule::System => "System settings",
        ErpModule::Sales => "Sales",
        ErpModule::Purchasing => "Purchasing",
        ErpModule::Inventory => "Inventory",
        ErpModule::Production => "Production",
        ErpModule::Planning => "Planning",
        ErpModule::Finance => "Finance",
    }
}

/// What master-data set-up means per module (the seed: coding rules first;
/// customers, suppliers, materials — material codes digits only — and BOM).
fn master_data(module: ErpModule) -> (&'static str, &'static str) {
    match module {
        ErpModule::System => (
            "系统设置：编码原则、用户与权限",
            "System settings: coding rules, users and permissions",
        ),
        ErpModule::Sales => (
            "销售基础资料：客户编码原则、客户档案、价格与信用控制",
            "Sales master data: customer coding rules, customers, prices and credit control",
        ),
        ErpModule::Purchasing => (
            "采购基础资料：供应商编码原则、供应商档案、付款条件",
            "Purchasing master data: supplier coding rules, suppliers, payment terms",
        ),
        ErpModule::Inventory => (
            "仓存基础资料：物料代码（只能输入数字）、仓库",
            "Inventory master data: material codes (digits only), warehouses",
        ),
        ErpModule::Production => (
            "车间生产基础资料：物料清单（BOM）",
            "Production master data: bills of materials (BOM)",
        ),
        ErpModule::Planning => (
            "计划基础资料：计划参数、安全库存",
            "Planning master data: planning parameters, safety stock",
        ),
        ErpModule::Finance => (
            "财务基础资料：会计科目、币别、期初余额",
            "Finance master data: chart of accounts, currencies, opening balances",
        ),
    }
}

fn task(
    stage: &str,
    zh: impl Into<String>,
    en: impl Into<String>,
    offset_days: i32,
    owner_role: Role,
    module: Option<ErpModule>,
    kind: TaskKind,
) -> TemplateTask {
    TemplateTask {
        stage: stage.into(),
        title_zh: zh.into(),
        title_en: en.into(),
        offset_days,
        owner_role,
        module,
        kind,
    }
}

/// The built-in default template's tasks, in order.
pub fn default_tasks() -> Vec<TemplateTask> {
    use TaskKind::*;
    let mut tasks = vec![
        task(
            "preparation",
            "项目启动会",
            "Project kick-off",
            0,
            Role::Csm,
            None,
            General,
        ),
        task(
            "preparation",
            "核对包装清单",
            "Check the packing list",
            1,
            Role::Csm,
            None,
            General,
        ),
        task(
            "preparation",
            "安装金蝶软件",
            "Install the software",
            3,
            Role::Engineer,
            None,
            General,
        ),
        task(
            "preparation",
            "产品远程注册（加密锁）",
            "Register the licence remotely (dongle)",
            5,
            Role::Engineer,
            None,
            LicenseRegistration,
        ),
        task(
            "preparation",
            "签订维护服务协议",
            "Sign the maintenance service agreement",
            7,
            Role::Csm,
            None,
            ServiceAgreement,
        ),
    ];
    for &m in ErpModule::ALL {
        let (zh, en) = master_data(m);
        tasks.push(task(
            "master_data",
            zh,
            en,
            14,
            Role::Engineer,
            Some(m),
            General,
        ));
    }
    for &m in ErpModule::ALL {
        tasks.push(task(
            "training",
            format!("{}模块关键用户培训", m.zh_name()),
            format!("{} key-user training", module_en(m)),
            21,
            Role::Csm,
            Some(m),
            General,
        ));
    }
    for &m in ErpModule::ALL {
        tasks.push(task(
            "go_live",
            format!("{}模块上线", m.zh_name()),
            format!("{} go-live", module_en(m)),
            30,
            Role::Csm,
            Some(m),
            GoLive,
        ));
    }
    tasks.push(task(
        "month_end",
        "首次月末结账",
        "First month-end close",
        60,
        Role::Engineer,
        Some(ErpModule::Finance),
        General,
    ));
    tasks
}

pub fn to_api(m: &onboarding_templates::Model) -> OnboardingTemplate {
    OnboardingTemplate {
        id: m.id,
        name: m.name.clone(),
        description: m.description.clone(),
        builtin: m.builtin_key.is_some(),
        tasks: serde_json::from_str(&m.tasks).unwrap_or_default(),
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn tasks_json(tasks: &[TemplateTask]) -> AppResult<String> {
    serde_json::to_string(tasks).map_err(|e| AppError::Internal(e.into()))
}

/// The workspace's built-in template, created on first use.
pub async fn ensure_builtin(
    db: &Db,
    workspace_id: i64,
    now: DateTime<Utc>,
) -> AppResult<onboarding_templates::Model> {
    if let Some(found) = find_builtin(&db.write, workspace_id).await? {
        return Ok(found);
    }
    let inserted = onboarding_templates::ActiveModel {
        workspace_id: Set(workspace_id),
        name: Set("标准实施计划 Standard onboarding".into()),
        description: Set(
            "购买金蝶软件后：核对包装清单、安装、远程注册、签订维护服务协议；\
             然后每个模块：基础资料、关键用户培训、上线。\n\
             After purchase: packing list, installation, remote registration, service \
             agreement; then per licensed module: master data, key-user training, go-live."
                .into(),
        ),
        builtin_key: Set(Some(BUILTIN_KEY.into())),
        tasks: Set(tasks_json(&default_tasks())?),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&db.write)
    .await;
    match inserted {
        Ok(model) => Ok(model),
        // Another request created it first.
        Err(err) => find_builtin(&db.write, workspace_id)
            .await?
            .ok_or_else(|| err.into()),
    }
}

async fn find_builtin<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
) -> AppResult<Option<onboarding_templates::Model>> {
    Ok(onboarding_templates::Entity::find()
        .filter(onboarding_templates::Column::WorkspaceId.eq(workspace_id))
        .filter(onboarding_templates::Column::BuiltinKey.eq(BUILTIN_KEY))
        .one(conn)
        .await?)
}

pub async fn find_in_workspace<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<onboarding_templates::Model> {
    onboarding_templates::Entity::find_by_id(id)
        .filter(onboarding_templates::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn list(
    db: &Db,
    actor: &StaffActor,
    now: DateTime<Utc>,
) -> AppResult<Vec<OnboardingTemplate>> {
    ensure_builtin(db, actor.workspace_id, now).await?;
    let rows = onboarding_templates::Entity::find()
        .filter(onboarding_templates::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_asc(onboarding_templates::Column::Id)
        .all(&db.write)
        .await?;
    Ok(rows.iter().map(to_api).collect())
}

pub async fn get(db: &Db, actor: &StaffActor, id: i64) -> AppResult<OnboardingTemplate> {
    Ok(to_api(
        &find_in_workspace(&db.read, actor.workspace_id, id).await?,
    ))
}

fn validate(req: &TemplateRequest) -> AppResult<()> {
    let mut c = Collector::default();
    c.check(
        "name",
        validation::required_text(&req.name, validation::MAX_NAME_LEN),
    )
    .check(
        "description",
        validation::optional_text(&req.description, 20_000),
    );
    if req.tasks.is_empty() || req.tasks.len() > MAX_TASKS {
        c.fields.insert(
            "tasks".into(),
            format!("must have between 1 and {MAX_TASKS} tasks"),
        );
    }
    for (i, t) in req.tasks.iter().enumerate() {
        let f = |name: &str| format!("tasks[{i}].{name}");
        c.check(&f("stage"), validation::required_text(&t.stage, 60))
            .check(
                &f("title_zh"),
                validation::optional_text(&t.title_zh, validation::MAX_SHORT_TEXT_LEN),
            )
            .check(
                &f("title_en"),
                validation::optional_text(&t.title_en, validation::MAX_SHORT_TEXT_LEN),
            );
        if t.title_zh.trim().is_empty() && t.title_en.trim().is_empty() {
            c.fields.insert(
                f("title_zh"),
                "a task needs a title in Chinese or English".into(),
            );
        }
        if !(0..=MAX_OFFSET_DAYS).contains(&t.offset_days) {
            c.fields.insert(
                f("offset_days"),
                format!("must be between 0 and {MAX_OFFSET_DAYS}"),
            );
        }
        if !t.owner_role.is_staff() {
            c.fields
                .insert(f("owner_role"), "must be a staff role".into());
        }
    }
    c.finish().map_err(AppError::validation)
}

/// Trims titles and fills a missing one with the other language's.
fn normalized(tasks: Vec<TemplateTask>) -> Vec<TemplateTask> {
    tasks
        .into_iter()
        .map(|mut t| {
            t.stage = t.stage.trim().to_string();
            t.title_zh = t.title_zh.trim().to_string();
            t.title_en = t.title_en.trim().to_string();
            if t.title_zh.is_empty() {
                t.title_zh = t.title_en.clone();
            }
            if t.title_en.is_empty() {
                t.title_en = t.title_zh.clone();
            }
            t
        })
        .collect()
}

async fn audit_change<C: ConnectionTrait>(
    conn: &C,
    actor: &StaffActor,
    action: &str,
    before: Option<&OnboardingTemplate>,
    after: &OnboardingTemplate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    audit::record(
        conn,
        Change {
            workspace_id: actor.workspace_id,
            actor_id: Some(actor.user_id),
            action,
            entity_type: "onboarding_template",
            entity_id: after.id,
            before,
            after: Some(after),
        },
        now,
    )
    .await
}

pub async fn create(
    db: &Db,
    actor: &StaffActor,
    req: TemplateRequest,
    now: DateTime<Utc>,
) -> AppResult<OnboardingTemplate> {
    actor.require(&[Role::Admin])?;
    validate(&req)?;
    let txn = db.write.begin().await?;
    let model = onboarding_templates::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        name: Set(req.name.trim().to_string()),
        description: Set(req.description.trim().to_string()),
        builtin_key: Set(None),
        tasks: Set(tasks_json(&normalized(req.tasks))?),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let template = to_api(&model);
    audit_change(&txn, actor, "create", None, &template, now).await?;
    txn.commit().await?;
    Ok(template)
}

pub async fn update(
    db: &Db,
    actor: &StaffActor,
    id: i64,
    req: TemplateRequest,
    now: DateTime<Utc>,
) -> AppResult<OnboardingTemplate> {
    let txn = db.write.begin().await?;
    let existing = find_in_workspace(&txn, actor.workspace_id, id).await?;
    actor.require(&[Role::Admin])?;
    if existing.builtin_key.is_some() {
        return Err(AppError::conflict_on(
            "id",
            "the built-in template cannot be changed; copy it into a new template instead",
        ));
    }
    validate(&req)?;
    let before = to_api(&existing);
    let mut model: onboarding_templates::ActiveModel = existing.clone().into();
    model.name = Set(req.name.trim().to_string());
    model.description = Set(req.description.trim().to_string());
    model.tasks = Set(tasks_json(&normalized(req.tasks))?);
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let after = to_api(&model.update(&txn).await?);
    audit_change(&txn, actor, "update", Some(&before), &after, now).await?;
    txn.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_template_follows_the_seed() {
        let tasks = default_tasks();
        let titles: Vec<&str> = tasks.iter().map(|t| t.title_zh.as_str()).collect();
        let pos = |s: &str| titles.iter().position(|t| t.contains(s)).unwrap();
        assert!(pos("核对包装清单") < pos("安装"));
        assert!(pos("安装") < pos("远程注册"));
        assert!(pos("远程注册") < pos("签订维护服务协议"));
        for m in ErpModule::ALL {
            let of_module = tasks.iter().filter(|t| t.module == Some(*m)).count();
            let expected = if *m == ErpModule::Finance { 4 } else { 3 };
            assert_eq!(of_module, expected, "{m}");
        }
        assert!(tasks.iter().all(|t| !t.title_en.is_empty()));
        assert!(validate(&TemplateRequest {
            name: "copy".into(),
            description: String::new(),
            tasks,
        })
        .is_ok());
    }
}
