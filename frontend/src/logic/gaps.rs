//! Logic of the pages that closed the gaps of issue 16: the workspace's
//! contract list and the audit log (their URL filters), a licence's
//! expiry, the onboarding template editor's draft, and the rows of an
//! account's training coverage. Tested on the host.

use chrono::NaiveDate;
use serde_json::Value;
use shared::contracts::ContractStatus;
use shared::onboarding::{TaskKind, TemplateRequest, TemplateTask};
use shared::training::TrainingCoverage;
use shared::{ErpModule, FieldErrors, Role};

use super::query::{get_param, non_blank, QueryString};

/// The filters of `/contracts` (in the URL).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ContractListFilter {
    pub owner_id: Option<i64>,
    pub status: Option<ContractStatus>,
    pub ends_from: Option<NaiveDate>,
    pub ends_to: Option<NaiveDate>,
    pub account_id: Option<i64>,
}

impl ContractListFilter {
    pub fn is_unfiltered(&self) -> bool {
        *self == ContractListFilter::default()
    }

    /// Malformed values are ignored.
    pub fn from_search(search: &str) -> Self {
        let num = |k| get_param(search, k).and_then(|v| v.trim().parse().ok());
        let day = |k| get_param(search, k).and_then(|v| v.trim().parse().ok());
        ContractListFilter {
            owner_id: num("owner_id"),
            status: get_param(search, "status").and_then(|v| v.trim().parse().ok()),
            ends_from: day("ends_from"),
            ends_to: day("ends_to"),
            account_id: num("account_id"),
        }
    }

    pub fn href(&self) -> String {
        let q = QueryString::new()
            .push_opt("owner_id", self.owner_id)
            .push_opt("status", self.status.map(|s| s.as_str()))
            .push_opt("ends_from", self.ends_from)
            .push_opt("ends_to", self.ends_to)
            .push_opt("account_id", self.account_id)
            .build();
        format!("/contracts{q}")
    }

    /// The API's filter.
    pub fn filter(&self) -> shared::filters::ContractFilter {
        shared::filters::ContractFilter {
            account_id: self.account_id,
            owner_id: self.owner_id,
            status: self.status,
            ends_from: self.ends_from,
            ends_to: self.ends_to,
        }
    }

    /// Running contracts ending within `days` of `today`: the renewals to
    /// work on next.
    pub fn ending_within(today: NaiveDate, days: i64) -> Self {
        ContractListFilter {
            status: Some(ContractStatus::Running),
            ends_from: Some(today),
            ends_to: Some(today + chrono::Duration::days(days)),
            ..Default::default()
        }
    }
}

/// The filters of `/audit` (in the URL).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AuditUrlFilter {
    pub entity_type: Option<String>,
    /// The record id box as typed (`entity_id` once it is a number).
    pub record: String,
    pub actor_id: Option<i64>,
    pub action: Option<String>,
}

/// The kinds of record the audit page offers in its filter (others still
/// show, by their wire name).
pub const AUDIT_ENTITY_TYPES: &[&str] = &[
    "account",
    "contact",
    "user",
    "contract",
    "renewal",
    "agreement",
    "license",
    "ticket",
    "onboarding_template",
    "onboarding_plan",
    "training",
    "approval",
    "workspace",
];

/// The actions the audit page offers in its filter.
pub const AUDIT_ACTIONS: &[&str] = &["create", "update", "delete", "archive", "restore"];

impl AuditUrlFilter {
    pub fn is_unfiltered(&self) -> bool {
        self.entity_type.is_none()
            && self.entity_id().is_none()
            && self.actor_id.is_none()
            && self.action.is_none()
    }

    pub fn from_search(search: &str) -> Self {
        let text = |k| get_param(search, k).and_then(|v| non_blank(&v));
        let num = |k| get_param(search, k).and_then(|v| v.trim().parse().ok());
        AuditUrlFilter {
            entity_type: text("entity_type"),
            record: get_param(search, "entity_id")
                .map(|v| v.trim().to_string())
                .filter(|v| v.parse::<i64>().is_ok())
                .unwrap_or_default(),
            actor_id: num("actor_id"),
            action: text("action"),
        }
    }

    pub fn href(&self) -> String {
        let q = QueryString::new()
            .push_opt("entity_type", self.entity_type.as_deref())
            .push_opt("entity_id", self.entity_id())
            .push_opt("actor_id", self.actor_id)
            .push_opt("action", self.action.as_deref())
            .build();
        format!("/audit{q}")
    }

    /// The record id, once the box holds a number.
    pub fn entity_id(&self) -> Option<i64> {
        self.record.trim().parse().ok()
    }

    pub fn filter(&self) -> shared::filters::AuditFilter {
        shared::filters::AuditFilter {
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id(),
            actor_id: self.actor_id,
            action: self.action.clone(),
        }
    }
}

/// One field an audit entry changed: its name, the value before and after
/// (as short text; `None` where the side has no such field).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Bookkeeping fields every record carries; a change of only these says
/// nothing to a reader.
const QUIET_FIELDS: &[&str] = &["updated_at", "version", "created_at"];

fn short(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    };
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(119).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// What an entry changed, field by field, in the order of the record's
/// fields: every field of a created or deleted record (one side absent),
/// the differing ones of an update. Values that are not objects are one
/// change named `value`.
pub fn field_changes(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let as_object = |v: Option<&Value>| v.and_then(Value::as_object).cloned();
    match (as_object(before), as_object(after)) {
        (None, None) => {
            if before == after {
                Vec::new()
            } else {
                vec![FieldChange {
                    field: "value".into(),
                    before: before.map(short),
                    after: after.map(short),
                }]
            }
        }
        (b, a) => {
            let b = b.unwrap_or_default();
            let a = a.unwrap_or_default();
            let mut names: Vec<&String> = b.keys().collect();
            for k in a.keys() {
                if !b.contains_key(k) {
                    names.push(k);
                }
            }
            names
                .into_iter()
                .filter(|k| !QUIET_FIELDS.contains(&k.as_str()))
                .filter(|k| b.get(*k) != a.get(*k))
                .map(|k| FieldChange {
                    field: k.clone(),
                    before: b.get(k).map(short),
                    after: a.get(k).map(short),
                })
                .collect()
        }
    }
}

/// Where a licence's expiry stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// No expiry: a perpetual licence.
    Never,
    /// Expired this many days ago (0: yesterday was its last day… or today
    /// is past it by less than a day).
    Expired(i64),
    /// Runs out within [`EXPIRY_SOON_DAYS`]: this many days left (0: today).
    Soon(i64),
    /// Further away.
    Later(i64),
}

/// A licence expiring within this many days is flagged.
pub const EXPIRY_SOON_DAYS: i64 = 60;

/// A licence valid through `expires_on` (its last day), on `today`.
pub fn licence_expiry(expires_on: Option<NaiveDate>, today: NaiveDate) -> Expiry {
    match expires_on {
        None => Expiry::Never,
        Some(last) => {
            let left = (last - today).num_days();
            if left < 0 {
                Expiry::Expired(-left)
            } else if left <= EXPIRY_SOON_DAYS {
                Expiry::Soon(left)
            } else {
                Expiry::Later(left)
            }
        }
    }
}

/// A task of the template editor as its inputs hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDraft {
    pub stage: String,
    pub title_zh: String,
    pub title_en: String,
    pub offset_days: String,
    pub owner_role: Role,
    pub module: Option<ErpModule>,
    pub kind: TaskKind,
}

impl TaskDraft {
    pub fn blank(stage: &str, offset_days: i32) -> Self {
        TaskDraft {
            stage: stage.to_string(),
            title_zh: String::new(),
            title_en: String::new(),
            offset_days: offset_days.to_string(),
            owner_role: Role::Csm,
            module: None,
            kind: TaskKind::General,
        }
    }

    pub fn of(t: &TemplateTask) -> Self {
        TaskDraft {
            stage: t.stage.clone(),
            title_zh: t.title_zh.clone(),
            title_en: t.title_en.clone(),
            offset_days: t.offset_days.to_string(),
            owner_role: t.owner_role,
            module: t.module,
            kind: t.kind,
        }
    }
}

/// The largest due offset the server takes (ten years).
pub const MAX_OFFSET_DAYS: i32 = 3650;
/// The most tasks a template may have.
pub const MAX_TEMPLATE_TASKS: usize = 300;

/// A new task after the last one: same stage, due a week later.
pub fn add_task(tasks: &mut Vec<TaskDraft>) {
    let (stage, offset) = tasks
        .last()
        .map(|t| {
            (
                t.stage.clone(),
                t.offset_days.trim().parse::<i32>().unwrap_or(0) + 7,
            )
        })
        .unwrap_or_default();
    tasks.push(TaskDraft::blank(&stage, offset.min(MAX_OFFSET_DAYS)));
}

/// Moves task `index` one place up (`up`) or down; out of range: nothing.
pub fn move_task(tasks: &mut [TaskDraft], index: usize, up: bool) {
    let other = if up {
        index.checked_sub(1)
    } else {
        Some(index + 1)
    };
    if let Some(other) = other.filter(|o| *o < tasks.len() && index < tasks.len()) {
        tasks.swap(index, other);
    }
}

/// The request of a draft, or the fields to correct, named as the server
/// names them (`tasks[2].offset_days`) so its answer lands on the same
/// inputs.
pub fn template_request(
    name: &str,
    description: &str,
    tasks: &[TaskDraft],
) -> Result<TemplateRequest, FieldErrors> {
    use shared::texts::{Msg, T};
    let mut fields = FieldErrors::new();
    if name.trim().is_empty() {
        fields.insert("name".into(), T::Required.en().into());
    }
    if tasks.is_empty() || tasks.len() > MAX_TEMPLATE_TASKS {
        fields.insert(
            "tasks".into(),
            Msg::new(T::TasksCount).with("max", MAX_TEMPLATE_TASKS).en(),
        );
    }
    let mut out = Vec::with_capacity(tasks.len());
    for (i, t) in tasks.iter().enumerate() {
        let f = |name: &str| format!("tasks[{i}].{name}");
        if t.stage.trim().is_empty() {
            fields.insert(f("stage"), T::Required.en().into());
        }
        if t.title_zh.trim().is_empty() && t.title_en.trim().is_empty() {
            fields.insert(f("title_zh"), T::TaskTitle.en().into());
        }
        let offset = t.offset_days.trim().parse::<i32>().ok();
        match offset {
            Some(d) if (0..=MAX_OFFSET_DAYS).contains(&d) => {}
            _ => {
                fields.insert(
                    f("offset_days"),
                    Msg::new(T::Between)
                        .with("min", 0)
                        .with("max", MAX_OFFSET_DAYS)
                        .en(),
                );
            }
        }
        out.push(TemplateTask {
            stage: t.stage.trim().to_string(),
            title_zh: t.title_zh.trim().to_string(),
            title_en: t.title_en.trim().to_string(),
            offset_days: offset.unwrap_or(0),
            owner_role: t.owner_role,
            module: t.module,
            kind: t.kind,
        });
    }
    if fields.is_empty() {
        Ok(TemplateRequest {
            name: name.trim().to_string(),
            description: description.trim().to_string(),
            tasks: out,
        })
    } else {
        Err(fields)
    }
}

/// One module's line of the coverage panel.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    pub module: ErpModule,
    pub trained: i32,
    pub responsible: i32,
    /// `trained` of `responsible` in %, rounded down; `None` without anyone
    /// responsible.
    pub percent: Option<i32>,
    /// Names of the responsible contacts still to train.
    pub untrained: Vec<String>,
}

/// The panel's rows: modules with nobody trained first (the gaps), then by
/// coverage, lowest first; modules without anyone responsible last.
pub fn coverage_rows(c: &TrainingCoverage) -> Vec<CoverageRow> {
    let mut rows: Vec<CoverageRow> = c
        .modules
        .iter()
        .map(|m| CoverageRow {
            module: m.module,
            trained: m.trained,
            responsible: m.responsible,
            percent: (m.responsible > 0).then(|| m.trained * 100 / m.responsible),
            untrained: m
                .contacts
                .iter()
                .filter(|c| !c.completed)
                .map(|c| c.name.clone())
                .collect(),
        })
        .collect();
    rows.sort_by_key(|r| (r.percent.is_none(), r.percent.unwrap_or(0), r.module as u8));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shared::training::{ContactTraining, ModuleCoverage};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn contract_filters_round_trip_through_the_url() {
        let f = ContractListFilter {
            owner_id: Some(3),
            status: Some(ContractStatus::Running),
            ends_from: Some(day("2027-01-01")),
            ends_to: Some(day("2027-03-31")),
            account_id: None,
        };
        let href = f.href();
        assert_eq!(
            href,
            "/contracts?owner_id=3&status=running&ends_from=2027-01-01&ends_to=2027-03-31"
        );
        let search = href.trim_start_matches("/contracts");
        assert_eq!(ContractListFilter::from_search(search), f);
        assert!(!f.is_unfiltered());
        let api = shared::filters::list_query(&f.filter(), Some(50), None);
        assert_eq!(
            api,
            "?owner_id=3&status=running&ends_from=2027-01-01&ends_to=2027-03-31&limit=50"
        );
        // Malformed values are dropped, the rest kept.
        let odd = ContractListFilter::from_search("?status=expired&owner_id=x&ends_to=2027-02-30");
        assert!(odd.is_unfiltered(), "{odd:?}");
        assert_eq!(ContractListFilter::default().href(), "/contracts");
        let soon = ContractListFilter::ending_within(day("2027-01-01"), 90);
        assert_eq!(soon.ends_to, Some(day("2027-04-01")));
        assert_eq!(soon.status, Some(ContractStatus::Running));
    }

    #[test]
    fn audit_filters_round_trip_and_blank_means_unset() {
        let f = AuditUrlFilter {
            entity_type: Some("contact".into()),
            record: "9".into(),
            actor_id: Some(2),
            action: Some("archive".into()),
        };
        let href = f.href();
        assert_eq!(
            href,
            "/audit?entity_type=contact&entity_id=9&actor_id=2&action=archive"
        );
        assert_eq!(
            AuditUrlFilter::from_search(href.trim_start_matches("/audit")),
            f
        );
        assert!(AuditUrlFilter::from_search("?entity_type=+&action=&entity_id=x").is_unfiltered());
        // Half-typed ids never reach the server.
        let typing = AuditUrlFilter {
            record: "12a".into(),
            ..Default::default()
        };
        assert!(typing.is_unfiltered());
        assert_eq!(typing.href(), "/audit");
        assert_eq!(
            shared::filters::list_query(&f.filter(), None, None),
            "?entity_type=contact&entity_id=9&actor_id=2&action=archive"
        );
    }

    #[test]
    fn an_update_shows_only_the_fields_it_changed() {
        let before = json!({"name": "华强", "phone": null, "version": 1, "modules": ["sales"]});
        let after =
            json!({"name": "华强电子", "phone": "+86 1", "version": 2, "modules": ["sales"]});
        let changes = field_changes(Some(&before), Some(&after));
        assert_eq!(
            changes,
            vec![
                FieldChange {
                    field: "name".into(),
                    before: Some("华强".into()),
                    after: Some("华强电子".into())
                },
                FieldChange {
                    field: "phone".into(),
                    before: Some("—".into()),
                    after: Some("+86 1".into())
                },
            ]
        );
        // A creation lists every field once, without a "before".
        let created = field_changes(None, Some(&json!({"name": "A", "archived": false})));
        assert_eq!(created.len(), 2);
        assert!(created.iter().all(|c| c.before.is_none()));
        // Scalars and nothing at all.
        assert_eq!(field_changes(None, None), vec![]);
        assert_eq!(
            field_changes(Some(&json!(1)), Some(&json!(2)))[0].field,
            "value"
        );
        let long = "长".repeat(300);
        let cut = field_changes(None, Some(&json!({ "body": long })));
        assert_eq!(cut[0].after.as_ref().unwrap().chars().count(), 120);
    }

    #[test]
    fn licence_expiry_is_flagged_sixty_days_ahead() {
        let today = day("2027-03-17");
        assert_eq!(licence_expiry(None, today), Expiry::Never);
        assert_eq!(
            licence_expiry(Some(day("2027-03-16")), today),
            Expiry::Expired(1)
        );
        assert_eq!(licence_expiry(Some(today), today), Expiry::Soon(0));
        assert_eq!(
            licence_expiry(Some(day("2027-05-16")), today),
            Expiry::Soon(60)
        );
        assert_eq!(
            licence_expiry(Some(day("2027-05-17")), today),
            Expiry::Later(61)
        );
    }

    fn draft(stage: &str, zh: &str, offset: &str) -> TaskDraft {
        TaskDraft {
            title_zh: zh.into(),
            offset_days: offset.into(),
            ..TaskDraft::blank(stage, 0)
        }
    }

    #[test]
    fn the_template_draft_becomes_a_request_or_names_its_faults() {
        let tasks = vec![
            draft(" 准备 ", " 核对包装清单 ", "0"),
            draft("培训", "财务培训", "14"),
        ];
        let req = template_request(" 标准实施 ", "", &tasks).unwrap();
        assert_eq!(req.name, "标准实施");
        assert_eq!(req.tasks[0].stage, "准备");
        assert_eq!(req.tasks[0].title_zh, "核对包装清单");
        assert_eq!(req.tasks[1].offset_days, 14);

        let bad = vec![draft("", "", "x"), draft("培训", "财务培训", "4000")];
        let fields = template_request("", "", &bad).unwrap_err();
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            vec![
                "name",
                "tasks[0].offset_days",
                "tasks[0].stage",
                "tasks[0].title_zh",
                "tasks[1].offset_days"
            ]
        );
        assert!(template_request("空", "", &[])
            .unwrap_err()
            .contains_key("tasks"));
    }

    #[test]
    fn tasks_are_added_after_the_last_and_moved_within_bounds() {
        let mut tasks = vec![draft("准备", "一", "3")];
        add_task(&mut tasks);
        assert_eq!(tasks[1].stage, "准备");
        assert_eq!(tasks[1].offset_days, "10");
        tasks[1].title_zh = "二".into();
        move_task(&mut tasks, 1, true);
        assert_eq!(tasks[0].title_zh, "二");
        move_task(&mut tasks, 0, true);
        move_task(&mut tasks, 1, false);
        move_task(&mut tasks, 7, false);
        assert_eq!(tasks[0].title_zh, "二");
        assert_eq!(tasks[1].title_zh, "一");
        let mut none = Vec::new();
        add_task(&mut none);
        assert_eq!(none[0].offset_days, "0");
    }

    #[test]
    fn coverage_rows_put_the_gaps_first() {
        let contact = |name: &str, completed| ContactTraining {
            contact_id: 1,
            name: name.into(),
            completed,
        };
        let c = TrainingCoverage {
            account_id: 1,
            pass_mark: 60,
            responsible_contacts: 3,
            trained_contacts: 1,
            coverage: Some(33),
            modules: vec![
                ModuleCoverage {
                    module: ErpModule::Finance,
                    responsible: 2,
                    trained: 1,
                    contacts: vec![contact("张伟", true), contact("王芳", false)],
                },
                ModuleCoverage {
                    module: ErpModule::Sales,
                    responsible: 0,
                    trained: 0,
                    contacts: vec![],
                },
                ModuleCoverage {
                    module: ErpModule::Inventory,
                    responsible: 1,
                    trained: 0,
                    contacts: vec![contact("刘洋", false)],
                },
            ],
        };
        let rows = coverage_rows(&c);
        let order: Vec<ErpModule> = rows.iter().map(|r| r.module).collect();
        assert_eq!(
            order,
            vec![ErpModule::Inventory, ErpModule::Finance, ErpModule::Sales]
        );
        assert_eq!(rows[1].percent, Some(50));
        assert_eq!(rows[1].untrained, vec!["王芳".to_string()]);
        assert_eq!(rows[2].percent, None);
    }
}
