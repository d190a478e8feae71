//! The sweep: for every active playbook, the accounts its trigger holds
//! for that meet its conditions, have no run for this occurrence and none
//! within the cooldown — each gets a run, the run's tasks, a timeline
//! entry and (if asked) a mail to the account's owner, in one transaction.
//!
//! Exactly once: the run is inserted under a unique (playbook, account,
//! occurrence) key with `ON CONFLICT DO NOTHING`; a sweep that loses the
//! race (another replica, a second job) inserts nothing and makes no
//! tasks. The sweep also ends runs whose tasks are all closed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use shared::macros::{pick_body, render};
use shared::playbooks::{
    AssigneeRole, Playbook, PlaybookConditions, PlaybookEmail, PlaybookTrigger, RunStatus,
    SweepReport,
};
use shared::tasks::{TaskPriority, TaskSource, TaskState, TaskType};
use shared::texts::{Msg, T};
use shared::timeline::TimelineKind;
use shared::{Locale, Role};

use super::triggers::{self, Hit};
use super::{cooldown_start, to_api, RECOVERY_DAYS};
use crate::db::sql::Sql;
use crate::domain::accounts::timeline::{self, NewEvent};
use crate::domain::common::{calendar, modules_from_db};
use crate::domain::tasks::{create_in, NewTask};
use crate::entity::{playbook_runs, playbooks, users};
use crate::error::AppResult;
use crate::mail::letters::tasks::playbook_fired;
use crate::state::AppState;

/// What the sweep knows of an account.
struct AccountFacts {
    name: String,
    segment: Option<String>,
    stage: String,
    modules: String,
    owner_id: Option<i64>,
    archived: bool,
}

/// The workspace's active staff, for assigning by role.
struct Staff {
    /// id → (role, mail locale, name, e-mail).
    people: HashMap<i64, (Role, Locale, String, String)>,
    first_manager: Option<i64>,
    first_admin: Option<i64>,
    module_owners: shared::tickets::ModuleOwners,
}

impl Staff {
    async fn load<C: ConnectionTrait>(conn: &C, ws: i64) -> AppResult<Staff> {
        let staff: Vec<&str> = Role::STAFF.iter().map(|r| r.as_str()).collect();
        let rows = users::Entity::find()
            .filter(users::Column::WorkspaceId.eq(ws))
            .filter(users::Column::Active.eq(true))
            .filter(users::Column::Role.is_in(staff))
            .order_by_asc(users::Column::Id)
            .all(conn)
            .await?;
        let mut people = HashMap::new();
        let (mut first_manager, mut first_admin) = (None, None);
        for u in rows {
            let role: Role = u.role.parse().unwrap_or(Role::Engineer);
            if role == Role::Manager && first_manager.is_none() {
                first_manager = Some(u.id);
            }
            if role == Role::Admin && first_admin.is_none() {
                first_admin = Some(u.id);
            }
            people.insert(
                u.id,
                (role, u.mail_locale(), u.name.clone(), u.email.clone()),
            );
        }
        Ok(Staff {
            people,
            first_manager,
            first_admin,
            module_owners: crate::domain::tickets::sla::module_owners(conn, ws).await?,
        })
    }

    fn active(&self, id: Option<i64>) -> Option<i64> {
        id.filter(|id| self.people.contains_key(id))
    }

    fn manager(&self) -> Option<i64> {
        self.first_manager.or(self.first_admin)
    }

    /// Who a step goes to; `None` only in a workspace without any active
    /// manager or admin (which cannot happen while it has an admin).
    fn assignee(
        &self,
        role: AssigneeRole,
        module: Option<shared::ErpModule>,
        owner: Option<i64>,
    ) -> Option<i64> {
        let owner = self.active(owner).or_else(|| self.manager());
        match role {
            AssigneeRole::AccountOwner => owner,
            AssigneeRole::Manager => self.manager(),
            AssigneeRole::ModuleOwner => module
                .and_then(|m| self.active(self.module_owners.get(&m).copied()))
                .or(owner),
        }
    }

    fn locale(&self, id: i64) -> Locale {
        self.people.get(&id).map(|p| p.1).unwrap_or(Locale::DEFAULT)
    }
}

async fn account_facts<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    only: Option<i64>,
) -> AppResult<HashMap<i64, AccountFacts>> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "SELECT id, name, segment, stage, modules, owner_id, archived FROM accounts WHERE workspace_id = ",
    )
    .bind(ws);
    if let Some(account) = only {
        sql.push(" AND id = ").bind(account);
    }
    let mut out = HashMap::new();
    for row in conn.query_all(sql.statement()).await? {
        out.insert(
            row.try_get::<i64>("", "id")?,
            AccountFacts {
                name: row.try_get("", "name")?,
                segment: row.try_get("", "segment")?,
                stage: row.try_get("", "stage")?,
                modules: row.try_get("", "modules")?,
                owner_id: row.try_get("", "owner_id")?,
                archived: row.try_get("", "archived")?,
            },
        );
    }
    Ok(out)
}

/// Annual value of the contracts running `today`, per account.
async fn running_values<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    today: NaiveDate,
    only: Option<i64>,
) -> AppResult<HashMap<i64, i64>> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "SELECT account_id, SUM(annual_value_cents) AS total FROM contracts WHERE workspace_id = ",
    )
    .bind(ws);
    if let Some(account) = only {
        sql.push(" AND account_id = ").bind(account);
    }
    sql.push(" AND starts_on <= ")
        .bind(today)
        .push(" AND ends_on >= ")
        .bind(today)
        .push(" GROUP BY account_id");
    let mut out = HashMap::new();
    for row in conn.query_all(sql.statement()).await? {
        let total: Option<i64> = row.try_get("", "total").ok();
        out.insert(row.try_get::<i64>("", "account_id")?, total.unwrap_or(0));
    }
    Ok(out)
}

fn meets(c: &PlaybookConditions, a: &AccountFacts, value: Option<i64>) -> bool {
    if a.archived {
        return false;
    }
    if c.segment
        .as_deref()
        .is_some_and(|s| a.segment.as_deref() != Some(s))
    {
        return false;
    }
    if c.stage.is_some_and(|s| s.as_str() != a.stage) {
        return false;
    }
    if c.owner_id.is_some() && c.owner_id != a.owner_id {
        return false;
    }
    if !c.modules.is_empty() {
        let has = modules_from_db(&a.modules);
        if !c.modules.iter().all(|m| has.contains(m)) {
            return false;
        }
    }
    let value = value.unwrap_or(0);
    if c.min_annual_value_cents.is_some_and(|min| value < min) {
        return false;
    }
    if c.max_annual_value_cents.is_some_and(|max| value > max) {
        return false;
    }
    true
}

/// Runs every active playbook (of one workspace, or all) once.
pub async fn sweep(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> AppResult<SweepReport> {
    let mut report = evaluate(state, now, workspace, None, None).await?;
    report.completed = complete_runs(state, now, workspace).await?;
    Ok(report)
}

/// Runs the active playbooks of these triggers (of one workspace, or all)
/// once: the SLA monitor calls it for breaches right after marking them.
pub async fn sweep_triggers(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
    triggers: &[PlaybookTrigger],
) -> AppResult<SweepReport> {
    evaluate(state, now, workspace, Some(triggers), None).await
}

/// Evaluates the active playbooks of `trigger` for one account right after
/// the write that may have made it hold (a P1 ticket opened, a detractor's
/// answer), so the tasks are there at once rather than at the next sweep.
/// Called after that write committed; the minute sweep stays the safety
/// net, so a failure here is logged and never the caller's error. Firing is
/// exactly once either way (the run's unique key).
pub async fn on_event(state: &AppState, ws: i64, account_id: i64, trigger: PlaybookTrigger) {
    let now = state.clock.now();
    if let Err(e) = evaluate(state, now, Some(ws), Some(&[trigger]), Some(account_id)).await {
        tracing::warn!(workspace = ws, account = account_id, trigger = trigger.as_str(), error = %e, "playbook evaluation on event failed; the sweep will retry");
    }
}

/// The active playbooks of `workspace` (or all) and `triggers` (or all),
/// for one account (`only`) or every account.
async fn evaluate(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
    triggers: Option<&[PlaybookTrigger]>,
    only: Option<i64>,
) -> AppResult<SweepReport> {
    let mut query = playbooks::Entity::find()
        .filter(playbooks::Column::Active.eq(true))
        .order_by_asc(playbooks::Column::WorkspaceId)
        .order_by_asc(playbooks::Column::Id);
    if let Some(ws) = workspace {
        query = query.filter(playbooks::Column::WorkspaceId.eq(ws));
    }
    if let Some(triggers) = triggers {
        query = query.filter(playbooks::Column::Trigger.is_in(triggers.iter().map(|t| t.as_str())));
    }
    let books = query.all(&state.db.read).await?;
    let mut report = SweepReport::default();
    let mut by_ws: Vec<(i64, Vec<Playbook>)> = Vec::new();
    for b in &books {
        let api = to_api(b)?;
        match by_ws.last_mut() {
            Some((ws, list)) if *ws == b.workspace_id => list.push(api),
            _ => by_ws.push((b.workspace_id, vec![api])),
        }
    }
    for (ws, list) in by_ws {
        sweep_workspace(state, ws, list, now, only, &mut report).await?;
    }
    Ok(report)
}

async fn sweep_workspace(
    state: &AppState,
    ws: i64,
    list: Vec<Playbook>,
    now: DateTime<Utc>,
    only: Option<i64>,
    report: &mut SweepReport,
) -> AppResult<()> {
    let conn = &state.db.read;
    let today = calendar::today(conn, ws, now).await?;
    let mut facts: Option<HashMap<i64, AccountFacts>> = None;
    let mut values: Option<HashMap<i64, i64>> = None;
    let mut staff: Option<Staff> = None;
    for book in list {
        report.playbooks += 1;
        let hits = triggers::hits(
            &state.db,
            ws,
            book.trigger,
            book.threshold,
            today,
            now,
            only,
        )
        .await?;
        if hits.is_empty() {
            continue;
        }
        if facts.is_none() {
            facts = Some(account_facts(conn, ws, only).await?);
        }
        let c = &book.conditions;
        if (c.min_annual_value_cents.is_some() || c.max_annual_value_cents.is_some())
            && values.is_none()
        {
            values = Some(running_values(conn, ws, today, only).await?);
        }
        let facts_ref = facts.as_ref();
        // What already ran: the same occurrence never again, any run within
        // the cooldown blocks a new one.
        let cooldown_from = cooldown_start(now, book.cooldown_days);
        let mut seen: HashSet<(i64, String)> = HashSet::new();
        let mut cooling: HashSet<i64> = HashSet::new();
        let mut runs = playbook_runs::Entity::find()
            .select_only()
            .column(playbook_runs::Column::AccountId)
            .column(playbook_runs::Column::Occurrence)
            .column(playbook_runs::Column::StartedAt)
            .filter(playbook_runs::Column::PlaybookId.eq(book.id));
        if let Some(account) = only {
            runs = runs.filter(playbook_runs::Column::AccountId.eq(account));
        }
        for (account, occurrence, started) in runs
            .into_tuple::<(i64, String, DateTime<Utc>)>()
            .all(conn)
            .await?
        {
            if started >= cooldown_from {
                cooling.insert(account);
            }
            seen.insert((account, occurrence));
        }
        let mut due: Vec<Hit> = Vec::new();
        for hit in hits {
            if cooling.contains(&hit.account_id)
                || seen.contains(&(hit.account_id, hit.occurrence.clone()))
            {
                continue;
            }
            let Some(account) = facts_ref.and_then(|f| f.get(&hit.account_id)) else {
                continue;
            };
            let value = values
                .as_ref()
                .and_then(|v| v.get(&hit.account_id).copied());
            if !meets(c, account, value) {
                continue;
            }
            // One run per account per sweep, even if several occurrences hold.
            cooling.insert(hit.account_id);
            due.push(hit);
        }
        if due.is_empty() {
            continue;
        }
        if staff.is_none() {
            staff = Some(Staff::load(conn, ws).await?);
        }
        let (Some(staff), Some(facts)) = (staff.as_ref(), facts_ref) else {
            continue;
        };
        for hit in due {
            let Some(account) = facts.get(&hit.account_id) else {
                continue;
            };
            if let Some(tasks) = fire(state, ws, &book, &hit, account, staff, today, now).await? {
                report.fired += 1;
                report.tasks += tasks;
            }
        }
    }
    Ok(())
}

/// Fires `book` for one account; `None` if another sweep fired it first.
#[allow(clippy::too_many_arguments)]
async fn fire(
    state: &AppState,
    ws: i64,
    book: &Playbook,
    hit: &Hit,
    account: &AccountFacts,
    staff: &Staff,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<Option<u64>> {
    let txn = state.db.write.begin().await?;
    let inserted = playbook_runs::Entity::insert(playbook_runs::ActiveModel {
        workspace_id: Set(ws),
        playbook_id: Set(book.id),
        account_id: Set(hit.account_id),
        trigger: Set(book.trigger.as_str().into()),
        occurrence: Set(hit.occurrence.clone()),
        subject_id: Set(hit.subject_id),
        started_on: Set(today),
        outcome_by: Set(today + Duration::days(RECOVERY_DAYS)),
        status: Set(RunStatus::Active.as_str().into()),
        started_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            playbook_runs::Column::PlaybookId,
            playbook_runs::Column::AccountId,
            playbook_runs::Column::Occurrence,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let Some(run) = playbook_runs::Entity::find()
        .filter(playbook_runs::Column::PlaybookId.eq(book.id))
        .filter(playbook_runs::Column::AccountId.eq(hit.account_id))
        .filter(playbook_runs::Column::Occurrence.eq(hit.occurrence.clone()))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    let mut made = 0;
    for step in &book.steps {
        let Some(assignee) = staff.assignee(step.assignee, step.module, account.owner_id) else {
            continue;
        };
        let (title, note) = match staff.locale(assignee) {
            Locale::ZhCn => (&step.title_zh, &step.note_zh),
            Locale::En => (&step.title_en, &step.note_en),
        };
        create_in(
            &txn,
            NewTask {
                workspace_id: ws,
                account_id: hit.account_id,
                assignee_id: assignee,
                title: title.clone(),
                note: (!note.trim().is_empty()).then(|| note.clone()),
                task_type: step.task_type,
                priority: step.priority,
                due_at: now + Duration::days(step.day_offset),
                source: TaskSource::Playbook,
                playbook_run_id: Some(run.id),
                link: None,
                created_by: None,
                draft: None,
            },
            now,
        )
        .await?;
        made += 1;
    }
    if let Some(template) = &book.customer_email {
        if let Some(assignee) = staff.assignee(AssigneeRole::AccountOwner, None, account.owner_id) {
            let agent = staff
                .people
                .get(&assignee)
                .map(|p| p.2.clone())
                .unwrap_or_default();
            let draft =
                draft_mail(&txn, ws, hit.account_id, &account.name, &agent, template).await?;
            let title = Msg::new(T::TaskReviewEmail)
                .with("subject", &draft.1)
                .render(staff.locale(assignee))
                .unwrap_or_default();
            create_in(
                &txn,
                NewTask {
                    workspace_id: ws,
                    account_id: hit.account_id,
                    assignee_id: assignee,
                    title: title.chars().take(shared::tasks::MAX_TITLE).collect(),
                    note: None,
                    task_type: TaskType::Email,
                    priority: TaskPriority::Normal,
                    due_at: now,
                    source: TaskSource::Playbook,
                    playbook_run_id: Some(run.id),
                    link: None,
                    created_by: None,
                    draft: Some(draft),
                },
                now,
            )
            .await?;
            made += 1;
        }
    }
    timeline::record(
        &txn,
        NewEvent {
            workspace_id: ws,
            account_id: hit.account_id,
            kind: TimelineKind::PlaybookRun,
            occurred_at: now,
            actor_id: None,
            summary: book.name.clone(),
            body: None,
            entity: Some(("playbook_run", run.id)),
        },
        now,
    )
    .await?;
    if book.notify_owner {
        if let Some(owner) = staff.active(account.owner_id) {
            if let Some((_, locale, name, email)) = staff.people.get(&owner) {
                let link = format!(
                    "{}/accounts/{}",
                    state.config.public_url.trim_end_matches('/'),
                    hit.account_id
                );
                let mail = playbook_fired(name, *locale, &book.name, &account.name, made, link)
                    .into_mail(
                        Some(ws),
                        email.clone(),
                        Some(format!("playbook-run:{}", run.id)),
                    );
                state.mailer.enqueue(&txn, mail, now).await?;
            }
        }
    }
    txn.commit().await?;
    if book.notify_owner {
        state.mailer.kick();
    }
    Ok(Some(made))
}

/// A playbook's customer mail for one account, ready for its owner to
/// review: addressed to the account's customer admin (else its first
/// active contact with an e-mail address), in that person's language (the
/// other text when that one is blank), placeholders filled in. A
/// placeholder without a value (no contact) is left empty.
async fn draft_mail<C: ConnectionTrait>(
    conn: &C,
    ws: i64,
    account_id: i64,
    account_name: &str,
    agent: &str,
    template: &PlaybookEmail,
) -> AppResult<(Option<i64>, String, String)> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "SELECT c.id AS id, c.name AS name, u.locale AS locale FROM contacts c \
         LEFT JOIN users u ON u.id = c.portal_user_id WHERE c.workspace_id = ",
    )
    .bind(ws)
    .push(" AND c.account_id = ")
    .bind(account_id)
    .push(" AND c.archived = ")
    .bind(false)
    .push(" AND c.email IS NOT NULL ORDER BY CASE WHEN u.role = ")
    .bind(Role::CustomerAdmin.as_str())
    .push(" THEN 0 ELSE 1 END, c.id LIMIT 1");
    let contact = match conn.query_one(sql.statement()).await? {
        Some(row) => {
            let locale: Option<String> = row.try_get("", "locale")?;
            Some((
                row.try_get::<i64>("", "id")?,
                row.try_get::<String>("", "name")?,
                locale
                    .and_then(|l| l.parse::<Locale>().ok())
                    .unwrap_or(Locale::DEFAULT),
            ))
        }
        None => None,
    };
    let lang = contact.as_ref().map(|c| c.2).unwrap_or(Locale::DEFAULT);
    let (body, lang) = pick_body(&template.body_zh, &template.body_en, lang);
    let subject = match lang {
        Locale::ZhCn => &template.subject_zh,
        Locale::En => &template.subject_en,
    };
    let value = |name: &str| match name {
        "contact.name" => contact.as_ref().map(|c| c.1.clone()),
        "account.name" => Some(account_name.to_string()),
        "agent.name" => Some(agent.to_string()),
        _ => None,
    };
    let (subject, _) = render(subject, value);
    let (body, _) = render(body, value);
    Ok((contact.map(|c| c.0), subject, body))
}

/// Ends active runs whose tasks are all closed.
async fn complete_runs(
    state: &AppState,
    now: DateTime<Utc>,
    workspace: Option<i64>,
) -> AppResult<u64> {
    let mut sql = Sql::new(state.db.write.get_database_backend());
    sql.push("UPDATE playbook_runs SET status = ")
        .bind(RunStatus::Completed.as_str())
        .push(", ended_at = ")
        .bind(now)
        .push(" WHERE status = ")
        .bind(RunStatus::Active.as_str())
        // The runs with an open task, read once (not a lookup per run, which
        // a planner with stale statistics turned into a scan per run: 47 s
        // over 20,000 runs).
        .push(" AND id NOT IN (SELECT playbook_run_id FROM tasks WHERE playbook_run_id IS NOT NULL AND status = ")
        .bind(TaskState::Open.as_str())
        .push(")");
    if let Some(ws) = workspace {
        sql.push(" AND workspace_id = ").bind(ws);
    }
    Ok(state
        .db
        .write
        .execute(sql.statement())
        .await?
        .rows_affected())
}
