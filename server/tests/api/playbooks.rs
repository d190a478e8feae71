//! Playbooks (issue 15): triggers firing once per account and occurrence
//! and not twice (the clock injected), the cooldown, conditions,
//! cancellation closing the run's tasks, the built-in library, the report,
//! two sweeps at once firing once, the role rules and workspaces kept
//! apart.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use server::entity::{health_snapshots, playbook_runs, tasks};

use crate::helpers::*;

/// 10:00 in Shanghai on 10 March 2027.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 10, 2, 0, 0).unwrap()
}

fn step(zh: &str, en: &str, assignee: &str, offset: i64) -> Value {
    json!({"title_zh": zh, "title_en": en, "task_type": "call", "priority": "high",
           "day_offset": offset, "assignee": assignee})
}

async fn new_playbook(app: &TestApp, token: &str, playbook: Value) -> Value {
    let response = app.post("/api/v1/playbooks", token, playbook).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn sweep(app: &TestApp) -> Value {
    server::jobs::run(&app.app_state, "playbooks")
        .await
        .unwrap()
        .summary
}

async fn runs_of(app: &TestApp, account: &Value) -> Vec<playbook_runs::Model> {
    playbook_runs::Entity::find()
        .filter(playbook_runs::Column::AccountId.eq(account["id"].as_i64().unwrap()))
        .all(&app.app_state.db.write)
        .await
        .unwrap()
}

async fn tasks_of(app: &TestApp, account: &Value) -> Vec<tasks::Model> {
    tasks::Entity::find()
        .filter(tasks::Column::AccountId.eq(account["id"].as_i64().unwrap()))
        .all(&app.app_state.db.write)
        .await
        .unwrap()
}

async fn snapshot(app: &TestApp, account: &Value, day: NaiveDate, score: i32, band: &str) {
    let stored = server::entity::accounts::Entity::find_by_id(account["id"].as_i64().unwrap())
        .one(&app.app_state.db.write)
        .await
        .unwrap()
        .unwrap();
    health_snapshots::ActiveModel {
        workspace_id: Set(stored.workspace_id),
        account_id: Set(account["id"].as_i64().unwrap()),
        day: Set(day),
        score: Set(score),
        band: Set(band.into()),
        computed_score: Set(score),
        overridden: Set(false),
        weakest: Set(None),
        components: Set("[]".into()),
        computed_at: Set(t0()),
        ..Default::default()
    }
    .insert(&app.app_state.db.write)
    .await
    .unwrap();
}

async fn owned_account(
    app: &TestApp,
    admin: &Session,
    owner: &Session,
    name: &str,
    code: &str,
) -> Value {
    let account = app.create_account(&admin.token, name, code).await;
    body(
        app.patch(
            &format!("/api/v1/accounts/{}", account["id"]),
            &admin.token,
            json!({"owner_id": owner.id()}),
        )
        .await,
    )
    .await
}

#[actix_web::test]
async fn a_health_drop_fires_once_per_occurrence_and_the_owner_gets_the_tasks() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "pb-admin@x.cn").await;
    let manager = app.staff(&admin, "manager", "pb-mgr@x.cn").await;
    let csm = app.staff(&admin, "csm", "pb-csm@x.cn").await;
    let falling = owned_account(&app, &admin, &csm, "转红客户", "100301").await;
    let steady = owned_account(&app, &admin, &csm, "一直红的客户", "100302").await;
    new_playbook(
        &app,
        &manager.token,
        json!({"name": "健康度转红", "trigger": "health_band_drop", "notify_owner": true,
               "steps": [step("电话了解问题", "Call", "account_owner", 0),
                         step("复核挽回计划", "Review", "manager", 7)]}),
    )
    .await;
    let today = NaiveDate::from_ymd_opt(2027, 3, 10).unwrap();
    let yesterday = today.pred_opt().unwrap();
    snapshot(&app, &falling, yesterday, 80, "green").await;
    snapshot(&app, &falling, today, 35, "red").await;
    snapshot(&app, &steady, yesterday, 30, "red").await;
    snapshot(&app, &steady, today, 28, "red").await;

    let first = sweep(&app).await;
    assert_eq!(first["fired"], 1, "{first}");
    assert_eq!(first["tasks"], 2);
    let runs = runs_of(&app, &falling).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].occurrence, "band:red:2027-03-10");
    assert!(
        runs_of(&app, &steady).await.is_empty(),
        "red before is no drop"
    );
    let made = tasks_of(&app, &falling).await;
    let by = |who: &Session| made.iter().filter(|t| t.assignee_id == who.id()).count();
    assert_eq!((by(&csm), by(&manager)), (1, 1));
    assert!(made
        .iter()
        .all(|t| t.source == "playbook" && t.playbook_run_id == Some(runs[0].id)));
    assert_eq!(
        made.iter()
            .find(|t| t.assignee_id == csm.id())
            .unwrap()
            .title,
        "电话了解问题"
    );
    // The owner is told once; the timeline says what fired.
    let mail = app.mail.wait_for("pb-csm@x.cn").await;
    let subject = mail.header("Subject").unwrap_or_default();
    assert!(subject.contains("健康度转红"), "{subject}");
    let timeline = body(
        app.get(
            &format!("/api/v1/accounts/{}/timeline", falling["id"]),
            &csm.token,
        )
        .await,
    )
    .await;
    assert_eq!(timeline["items"][0]["kind"], "playbook_run");

    // Again the same day, and the next day with the band still red: nothing.
    assert_eq!(sweep(&app).await["fired"], 0);
    app.clock.as_ref().unwrap().set(t0() + Duration::days(1));
    snapshot(&app, &falling, today.succ_opt().unwrap(), 33, "red").await;
    assert_eq!(sweep(&app).await["fired"], 0);
    assert_eq!(runs_of(&app, &falling).await.len(), 1);
    assert_eq!(tasks_of(&app, &falling).await.len(), 2);

    // The CSM sees it on "my work" and completes it; the run ends when
    // its tasks are closed.
    let mine = body(app.get("/api/v1/my-work", &csm.token).await).await;
    let task = &mine["overdue"][0];
    assert_eq!(task["source"], "playbook", "{mine}");
    body(
        app.post(
            &format!("/api/v1/tasks/{}/complete", task["id"]),
            &csm.token,
            json!({}),
        )
        .await,
    )
    .await;
    let manager_task = made.iter().find(|t| t.assignee_id == manager.id()).unwrap();
    body(
        app.post(
            &format!("/api/v1/tasks/{}/skip", manager_task.id),
            &manager.token,
            json!({"reason": "客户已恢复"}),
        )
        .await,
    )
    .await;
    assert_eq!(sweep(&app).await["completed"], 1);
    let history = body(
        app.get(
            &format!("/api/v1/playbook-runs?account_id={}", falling["id"]),
            &csm.token,
        )
        .await,
    )
    .await;
    assert_eq!(history["items"][0]["status"], "completed");
    assert_eq!(history["items"][0]["tasks_open"], 0);
}

#[actix_web::test]
async fn the_cooldown_holds_back_a_new_occurrence_and_conditions_choose_accounts() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "cool-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "cool-csm@x.cn").await;
    let finance = owned_account(&app, &admin, &csm, "财务客户", "100303").await;
    body(
        app.patch(
            &format!("/api/v1/accounts/{}", finance["id"]),
            &admin.token,
            json!({"modules": ["finance", "sales"]}),
        )
        .await,
    )
    .await;
    let other = owned_account(&app, &admin, &csm, "仓存客户", "100304").await;
    body(
        app.patch(
            &format!("/api/v1/accounts/{}", other["id"]),
            &admin.token,
            json!({"modules": ["inventory"]}),
        )
        .await,
    )
    .await;
    let book = new_playbook(
        &app,
        &admin.token,
        json!({"name": "月末结账前支持", "trigger": "p1_ticket", "cooldown_days": 5,
               "conditions": {"modules": ["finance"]},
               "steps": [step("处理结账问题", "Fix the close", "account_owner", 0)]}),
    )
    .await;
    let p1 = |account: &Value, subject: &str| {
        json!({"account_id": account["id"], "module": "finance", "category": "bug",
               "priority": "p1", "subject": subject})
    };
    for account in [&finance, &other] {
        body(
            app.post("/api/v1/tickets", &admin.token, p1(account, "结账报错"))
                .await,
        )
        .await;
    }
    // Fired as the tickets were opened, for the finance account only.
    assert_eq!(runs_of(&app, &finance).await.len(), 1);
    assert!(runs_of(&app, &other).await.is_empty());
    assert_eq!(sweep(&app).await["fired"], 0);

    // A second P1 two days later: within the cooldown.
    app.clock.as_ref().unwrap().set(t0() + Duration::days(2));
    body(
        app.post("/api/v1/tickets", &admin.token, p1(&finance, "又一个 P1"))
            .await,
    )
    .await;
    assert_eq!(sweep(&app).await["fired"], 0);
    // After the cooldown, the waiting occurrence fires.
    app.clock.as_ref().unwrap().set(t0() + Duration::days(6));
    assert_eq!(sweep(&app).await["fired"], 1);
    assert_eq!(runs_of(&app, &finance).await.len(), 2);
    // Switched off, it fires no more.
    let current = body(
        app.get(&format!("/api/v1/playbooks/{}", book["id"]), &admin.token)
            .await,
    )
    .await;
    assert_eq!(current["version"], 1);
    body(
        app.patch(
            &format!("/api/v1/playbooks/{}", book["id"]),
            &admin.token,
            json!({"active": false}),
        )
        .await,
    )
    .await;
    app.clock.as_ref().unwrap().set(t0() + Duration::days(12));
    body(
        app.post("/api/v1/tickets", &admin.token, p1(&finance, "第三个 P1"))
            .await,
    )
    .await;
    assert_eq!(sweep(&app).await["fired"], 0);
}

#[actix_web::test]
async fn a_cancelled_run_closes_its_open_tasks_and_the_report_counts_runs() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "cancel-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "cancel-csm@x.cn").await;
    let stranger = app.staff(&admin, "csm", "cancel-other@x.cn").await;
    let account = owned_account(&app, &admin, &csm, "续约客户", "100305").await;
    let response = app
        .post(
            "/api/v1/contracts",
            &admin.token,
            json!({"account_id": account["id"], "starts_on": "2026-05-01",
                   "ends_on": "2027-04-30", "annual_value": "12000.00"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    new_playbook(
        &app,
        &admin.token,
        json!({"name": "续费前90天", "trigger": "renewal_due", "threshold": 90,
               "steps": [step("回顾使用情况", "Review usage", "account_owner", 0),
                         step("约续约会议", "Book the meeting", "account_owner", 7)]}),
    )
    .await;
    assert_eq!(sweep(&app).await["fired"], 1);
    let run = &runs_of(&app, &account).await[0];
    assert!(run.occurrence.starts_with("renewal:"), "{}", run.occurrence);

    let path = format!("/api/v1/playbook-runs/{}/cancel", run.id);
    let response = app
        .post(&path, &stranger.token, json!({"reason": "不相关"}))
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app.post(&path, &csm.token, json!({"reason": " "})).await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let cancelled = body(
        app.post(&path, &csm.token, json!({"reason": "客户已提前续约"}))
            .await,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["tasks_open"], 0);
    let closed = tasks_of(&app, &account).await;
    assert!(closed
        .iter()
        .all(|t| t.status == "skipped" && t.skip_reason.as_deref() == Some("客户已提前续约")));
    let again = app
        .post(&path, &csm.token, json!({"reason": "再取消"}))
        .await;
    assert_error(again, StatusCode::CONFLICT, "conflict").await;
    // The same renewal does not fire it again.
    assert_eq!(sweep(&app).await["fired"], 0);

    let report = body(app.get("/api/v1/playbooks/report", &admin.token).await).await;
    assert_eq!(report[0]["fired"], 1, "{report}");
    assert_eq!(report[0]["cancelled"], 1);
    assert_eq!(report[0]["renewed"], 0);
}

#[actix_web::test]
async fn two_sweeps_at_once_fire_once() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "race-admin@x.cn").await;
    let mut accounts = Vec::new();
    for n in 0..5 {
        accounts.push(
            app.create_account(&admin.token, &format!("客户{n}"), &format!("10031{n}"))
                .await,
        );
    }
    for account in &accounts {
        body(
            app.post(
                "/api/v1/tickets",
                &admin.token,
                json!({"account_id": account["id"], "module": "finance", "category": "bug",
                       "priority": "p1", "subject": "系统无法登录"}),
            )
            .await,
        )
        .await;
    }
    // Made after the tickets, so only the sweeps can fire it.
    new_playbook(
        &app,
        &admin.token,
        json!({"name": "P1", "trigger": "p1_ticket",
               "steps": [step("处理", "Handle", "account_owner", 0)]}),
    )
    .await;
    let url = app.app_state.config.database_url();
    let second = spawn_app_at_with(t0(), |c| c.database_url = Some(url)).await;
    let (a, b) = tokio::join!(
        server::jobs::run(&app.app_state, "playbooks"),
        server::jobs::run(&second.app_state, "playbooks"),
    );
    let fired = a.unwrap().summary["fired"].as_u64().unwrap()
        + b.unwrap().summary["fired"].as_u64().unwrap();
    assert_eq!(fired, 5);
    for account in &accounts {
        assert_eq!(runs_of(&app, account).await.len(), 1);
        assert_eq!(tasks_of(&app, account).await.len(), 1);
    }
}

#[actix_web::test]
async fn admins_and_managers_keep_playbooks_and_the_library_installs_once() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "lib-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "lib-csm@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "lib-eng@x.cn").await;
    let installed = body(
        app.post("/api/v1/playbooks/library", &admin.token, json!({}))
            .await,
    )
    .await;
    assert_eq!(installed.as_array().unwrap().len(), 7);
    let names: Vec<&str> = installed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("培训覆盖不足")),
        "{names:?}"
    );
    let again = body(
        app.post("/api/v1/playbooks/library", &admin.token, json!({}))
            .await,
    )
    .await;
    assert_eq!(again, installed, "installing twice adds nothing");

    let first = installed[0]["id"].clone();
    for who in [&csm, &engineer] {
        for response in [
            app.get("/api/v1/playbooks", &who.token).await,
            app.get(&format!("/api/v1/playbooks/{first}"), &who.token)
                .await,
            app.post("/api/v1/playbooks/library", &who.token, json!({}))
                .await,
            app.patch(
                &format!("/api/v1/playbooks/{first}"),
                &who.token,
                json!({"active": false}),
            )
            .await,
            app.get("/api/v1/playbooks/report", &who.token).await,
        ] {
            assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
    // Bad playbooks are refused and change nothing.
    for (playbook, field) in [
        (
            json!({"name": "x", "trigger": "renewal_due", "steps": [step("a", "b", "account_owner", 0)]}),
            "threshold",
        ),
        (
            json!({"name": "x", "trigger": "p1_ticket", "steps": []}),
            "steps",
        ),
        (
            json!({"name": "x", "trigger": "p1_ticket", "steps": [step("a", "b", "module_owner", 0)]}),
            "steps[0].module",
        ),
        (
            json!({"name": " ", "trigger": "p1_ticket", "steps": [step("a", "b", "account_owner", 0)]}),
            "name",
        ),
    ] {
        let response = app.post("/api/v1/playbooks", &admin.token, playbook).await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{error}");
    }
    let response = app
        .post(
            "/api/v1/playbooks",
            &admin.token,
            json!({"name": "x", "trigger": "moon_phase", "steps": []}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list = body(app.get("/api/v1/playbooks?limit=200", &admin.token).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 7);

    // Another workspace sees none of it.
    let other = app.signup("Other", "lib-other@x.cn").await;
    assert_error(
        app.get(&format!("/api/v1/playbooks/{first}"), &other.token)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let response = app
        .patch(
            &format!("/api/v1/playbooks/{first}"),
            &other.token,
            json!({"active": false}),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let theirs = body(app.get("/api/v1/playbooks", &other.token).await).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    let response = app
        .post(
            "/api/v1/playbook-runs/1/cancel",
            &other.token,
            json!({"reason": "x"}),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

/// Each playbook's occurrences for `account`.
async fn occurrences(app: &TestApp, account: &Value) -> Vec<String> {
    let mut found: Vec<String> = runs_of(app, account)
        .await
        .into_iter()
        .map(|r| r.occurrence)
        .collect();
    found.sort();
    found
}

#[actix_web::test]
async fn score_drops_breaches_silences_expiring_licences_and_training_gaps_fire_once() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "more-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "more-csm@x.cn").await;
    let clock = app.clock.as_ref().unwrap();
    let account = owned_account(&app, &admin, &csm, "各种触发的客户", "100320").await;
    body(
        app.patch(
            &format!("/api/v1/accounts/{}", account["id"]),
            &admin.token,
            json!({"modules": ["finance"]}),
        )
        .await,
    )
    .await;
    for (trigger, threshold) in [
        ("health_score_drop", Some(20)),
        ("sla_breach", None),
        ("no_touchpoint", Some(10)),
        ("license_expiring", Some(30)),
        ("training_gap", None),
    ] {
        new_playbook(
            &app,
            &admin.token,
            json!({"name": trigger, "trigger": trigger, "threshold": threshold,
                   "cooldown_days": 0,
                   "steps": [step("跟进", "Follow up", "account_owner", 0)]}),
        )
        .await;
    }
    // Nothing holds on day one: the account is new, healthy and licensed
    // for a year.
    let response = app
        .post(
            &format!("/api/v1/accounts/{}/licenses", account["id"]),
            &admin.token,
            json!({"edition": "K/3 WISE", "modules": ["finance"], "seats": 10,
                   "dongle_serial": "DG-0001", "expires_on": "2027-05-01"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let ticket = body(
        app.post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account["id"], "module": "finance", "category": "bug",
                   "priority": "p3", "subject": "凭证打印格式"}),
        )
        .await,
    )
    .await;
    assert_eq!(sweep(&app).await["fired"], 0);

    // 35 days on: a silence of 35 days, a module never trained, the
    // licence within 30 days of its end, a missed SLA, a score 25 down.
    let later = t0() + Duration::days(35);
    clock.set(later);
    let csm = app.login_ok("more-csm@x.cn").await;
    server::entity::tickets::Entity::update_many()
        .col_expr(
            server::entity::tickets::Column::ResolutionBreachedAt,
            sea_orm::sea_query::Expr::value(Some(later - Duration::hours(1))),
        )
        .filter(server::entity::tickets::Column::Id.eq(ticket["id"].as_i64().unwrap()))
        .exec(&app.app_state.db.write)
        .await
        .unwrap();
    let day = NaiveDate::from_ymd_opt(2027, 4, 14).unwrap();
    snapshot(&app, &account, day - Duration::days(10), 90, "green").await;
    snapshot(&app, &account, day, 65, "yellow").await;
    let first = sweep(&app).await;
    assert_eq!(
        first["fired"],
        5,
        "{first}: {:?}",
        occurrences(&app, &account).await
    );
    let ticket_id = ticket["id"].as_i64().unwrap();
    let created = t0().date_naive();
    let license_id = runs_of(&app, &account)
        .await
        .iter()
        .find(|r| r.trigger == "license_expiring")
        .and_then(|r| r.subject_id)
        .unwrap();
    assert_eq!(
        occurrences(&app, &account).await,
        [
            format!("breach:{ticket_id}"),
            format!("drop:{day}"),
            format!("license:{license_id}:2027-05-01"),
            format!("quiet:{created}"),
            "training:finance".to_string(),
        ]
    );
    // Held again, nothing fires again.
    assert_eq!(sweep(&app).await["fired"], 0);
    assert_eq!(tasks_of(&app, &account).await.len(), 5);

    // A call ends the silence; a new silence is a new occurrence.
    body(
        app.post(
            &format!("/api/v1/accounts/{}/activities", account["id"]),
            &csm.token,
            json!({"kind": "call", "summary": "电话回访"}),
        )
        .await,
    )
    .await;
    clock.set(later + Duration::days(5));
    assert_eq!(sweep(&app).await["fired"], 0, "five days is no silence");
    clock.set(later + Duration::days(11));
    assert_eq!(sweep(&app).await["fired"], 1);
    let quiet: Vec<String> = occurrences(&app, &account)
        .await
        .into_iter()
        .filter(|o| o.starts_with("quiet:"))
        .collect();
    assert_eq!(
        quiet,
        [
            format!("quiet:{created}"),
            format!("quiet:{}", later.date_naive())
        ]
    );
}

#[actix_web::test]
async fn usage_slumps_and_expiring_agreements_fire_once() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "usage-admin@x.cn").await;
    let busy = app.create_account(&admin.token, "用得少了", "100330").await;
    let steady = app.create_account(&admin.token, "一直在用", "100331").await;
    for (trigger, threshold) in [("usage_drop", 50), ("agreement_expiring", 30)] {
        new_playbook(
            &app,
            &admin.token,
            json!({"name": trigger, "trigger": trigger, "threshold": threshold,
                   "steps": [step("跟进", "Follow up", "account_owner", 0)]}),
        )
        .await;
    }
    let response = app
        .post(
            &format!("/api/v1/accounts/{}/agreements", steady["id"]),
            &admin.token,
            json!({"level": "gold", "starts_on": "2026-04-01", "ends_on": "2027-03-31"}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let key = body(
        app.post("/api/v1/api-keys", &admin.token, json!({"name": "ERP"}))
            .await,
    )
    .await;
    let secret = key["secret"].as_str().unwrap().to_string();
    // The week before: ten events each; the last week: two for one, nine
    // for the other.
    let mut events = Vec::new();
    for (account, recent) in [(&busy, 2), (&steady, 9)] {
        for n in 0..10 {
            events.push(json!({"account_id": account["id"], "user_ref": format!("u{n}"),
                               "module": "finance", "occurred_at": t0() - Duration::days(10) + Duration::hours(n)}));
        }
        for n in 0..recent {
            events.push(json!({"account_id": account["id"], "user_ref": format!("u{n}"),
                               "module": "finance", "occurred_at": t0() - Duration::days(2) + Duration::hours(n)}));
        }
    }
    let response = app
        .client
        .post(app.url("/api/v1/usage-events"))
        .header("X-Api-Key", &secret)
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );

    assert_eq!(sweep(&app).await["fired"], 2);
    assert_eq!(occurrences(&app, &busy).await, ["usage:2027-W10"]);
    let agreement = occurrences(&app, &steady).await;
    assert_eq!(agreement.len(), 1, "no usage slump, an expiring agreement");
    assert!(agreement[0].starts_with("agreement:") && agreement[0].ends_with(":2027-03-31"));
    assert_eq!(sweep(&app).await["fired"], 0);
}

#[actix_web::test]
async fn onboarding_falling_behind_and_a_detractor_fire_once() {
    // 10:00 in Shanghai on 1 March 2027, the day the plan starts.
    let start = Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap();
    let app = spawn_app_at(start).await;
    let admin = app.signup("W", "late-admin@x.cn").await;
    let late = app
        .create_account(&admin.token, "上线落后的客户", "100340")
        .await;
    let unhappy = app
        .create_account(&admin.token, "不满意的客户", "100341")
        .await;
    for trigger in ["onboarding_behind", "nps_detractor"] {
        new_playbook(
            &app,
            &admin.token,
            json!({"name": trigger, "trigger": trigger,
                   "steps": [step("跟进", "Follow up", "account_owner", 0)]}),
        )
        .await;
    }
    let response = app
        .post(
            &format!("/api/v1/accounts/{}/onboarding", late["id"]),
            &admin.token,
            json!({"starts_on": "2027-03-01"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let plan = body(
        app.get(
            &format!("/api/v1/accounts/{}/onboarding", late["id"]),
            &admin.token,
        )
        .await,
    )
    .await;
    let mut contacts = Vec::new();
    for (n, name) in ["张伟", "王芳"].iter().enumerate() {
        let c = app
            .create_contact(
                &admin.token,
                unhappy["id"].as_i64().unwrap(),
                name,
                &format!("late-c{n}@x.cn"),
            )
            .await;
        contacts.push(c["id"].as_i64().unwrap());
    }
    // On track, nobody answered: nothing.
    assert_eq!(sweep(&app).await["fired"], 0);

    // One contact says 3, the other 9.
    body(
        app.post(
            "/api/v1/surveys",
            &admin.token,
            json!({"name": "NPS", "question_zh": "您有多大可能推荐我们？",
                   "question_en": "How likely are you to recommend us?", "contact_ids": contacts}),
        )
        .await,
    )
    .await;
    for (n, score) in [(0, 3), (1, 9)] {
        let mail = app.mail.wait_for(&format!("late-c{n}@x.cn")).await;
        let token = crate::surveys::token_in(&mail);
        let response = crate::surveys::answer(&app, &token, json!({"score": score})).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    // The detractor's answer fired its playbook as it was written, before
    // any sweep.
    let detractor = occurrences(&app, &unhappy).await;
    assert_eq!(detractor.len(), 1, "one answer of 0–6: {detractor:?}");
    assert!(detractor[0].starts_with("nps:"));
    // Four days on, the plan's first tasks are late: behind.
    app.clock
        .as_ref()
        .unwrap()
        .set(Utc.with_ymd_and_hms(2027, 3, 5, 2, 0, 0).unwrap());
    assert_eq!(sweep(&app).await["fired"], 1);
    assert_eq!(
        occurrences(&app, &late).await,
        [format!("onboarding:{}:behind", plan["id"])]
    );
    assert_eq!(occurrences(&app, &unhappy).await, detractor);
    assert_eq!(sweep(&app).await["fired"], 0);
}

#[actix_web::test]
async fn a_p1_ticket_a_raise_to_p1_and_a_missed_target_fire_as_they_happen() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "event-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "event-csm@x.cn").await;
    let account = owned_account(&app, &admin, &csm, "出事的客户", "100350").await;
    for trigger in ["p1_ticket", "sla_breach"] {
        new_playbook(
            &app,
            &admin.token,
            json!({"name": trigger, "trigger": trigger, "cooldown_days": 0,
                   "steps": [step("跟进", "Follow up", "account_owner", 0)]}),
        )
        .await;
    }
    let ticket = |priority: &str, subject: &str| {
        json!({"account_id": account["id"], "module": "finance", "category": "bug",
               "priority": priority, "subject": subject})
    };
    // A P1 opened: its playbook has fired when the request returns.
    let p1 = body(
        app.post(
            "/api/v1/tickets",
            &admin.token,
            ticket("p1", "月末无法结账"),
        )
        .await,
    )
    .await;
    assert_eq!(
        occurrences(&app, &account).await,
        [format!("ticket:{}", p1["id"])]
    );
    assert_eq!(tasks_of(&app, &account).await.len(), 1);
    // A P3 raised to P1 fires too; a P3 staying P3 does not.
    let p3 = body(
        app.post("/api/v1/tickets", &admin.token, ticket("p3", "报表字体"))
            .await,
    )
    .await;
    assert_eq!(occurrences(&app, &account).await.len(), 1);
    // (A minute on: a cooldown of 0 still spaces runs by a moment.)
    app.clock.as_ref().unwrap().set(t0() + Duration::minutes(1));
    let response = app
        .patch(
            &format!("/api/v1/tickets/{}", p3["id"]),
            &admin.token,
            json!({"priority": "p1"}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let mut expected = vec![
        format!("ticket:{}", p1["id"]),
        format!("ticket:{}", p3["id"]),
    ];
    expected.sort();
    assert_eq!(occurrences(&app, &account).await, expected);
    // The sweep finds them fired already.
    assert_eq!(sweep(&app).await["fired"], 0);

    // Three days on the P1's targets are missed: the SLA monitor that marks
    // the breach fires the breach playbook in the same run.
    app.clock.as_ref().unwrap().set(t0() + Duration::days(3));
    let monitor = server::jobs::run(&app.app_state, "sla-monitor")
        .await
        .unwrap()
        .summary;
    assert!(
        monitor["playbooks"]["fired"].as_u64().unwrap() >= 1,
        "{monitor}"
    );
    let breaches: Vec<String> = occurrences(&app, &account)
        .await
        .into_iter()
        .filter(|o| o.starts_with("breach:"))
        .collect();
    // One run per account at a time: one of the two late P1s.
    assert_eq!(breaches.len(), 1, "{breaches:?}");
    assert!(
        [
            format!("breach:{}", p1["id"]),
            format!("breach:{}", p3["id"])
        ]
        .contains(&breaches[0]),
        "{breaches:?}"
    );
    assert_eq!(sweep(&app).await["fired"], 0);
}

async fn task_of(app: &TestApp, token: &str, id: i64) -> Value {
    body(app.get(&format!("/api/v1/tasks/{id}"), token).await).await
}

#[actix_web::test]
async fn a_drafted_customer_mail_is_reviewed_and_sent_once() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "draft-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "draft-csm@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "draft-eng@x.cn").await;
    let (account, portal) = app.portal_user(&admin, "draft-boss@x.cn", "100360").await;
    // Ownership, a second contact without a login, and the customer
    // admin reading English.
    body(
        app.patch(
            &format!("/api/v1/accounts/{}", account["id"]),
            &admin.token,
            json!({"owner_id": csm.id()}),
        )
        .await,
    )
    .await;
    let clerk = app
        .create_contact(
            &admin.token,
            account["id"].as_i64().unwrap(),
            "李娜",
            "draft-clerk@x.cn",
        )
        .await;
    let boss = body(
        app.get(
            &format!("/api/v1/accounts/{}/contacts", account["id"]),
            &admin.token,
        )
        .await,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "draft-boss@x.cn")
        .cloned()
        .unwrap();
    let response = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", boss["id"]),
            &admin.token,
            json!({"role": "customer_admin"}),
        )
        .await;
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    body(
        app.patch("/api/v1/me", &portal.token, json!({"locale": "en"}))
            .await,
    )
    .await;

    // A placeholder a customer mail cannot fill is refused, naming the
    // allowed ones.
    let mut playbook = json!({"name": "P1 回访", "trigger": "p1_ticket",
        "steps": [step("跟进", "Follow up", "account_owner", 0)],
        "customer_email": {"subject_zh": "关于工单", "body_zh": "工单 {{ticket.number}}"}});
    let error = assert_error(
        app.post("/api/v1/playbooks", &admin.token, playbook.clone())
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        error["fields"]["customer_email.body_zh"]
            .as_str()
            .unwrap()
            .contains("{{contact.name}}"),
        "{error}"
    );
    playbook["customer_email"] = json!({
        "subject_zh": "关于{{account.name}}的工单", "body_zh": "{{contact.name}}您好，我是{{agent.name}}。",
        "subject_en": "About the ticket of {{account.name}}",
        "body_en": "Dear {{contact.name}}, this is {{agent.name}}."});
    let created = new_playbook(&app, &admin.token, playbook).await;
    assert_eq!(
        created["customer_email"]["subject_en"],
        "About the ticket of {{account.name}}"
    );

    body(
        app.post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account["id"], "module": "finance", "category": "bug",
                   "priority": "p1", "subject": "无法结账"}),
        )
        .await,
    )
    .await;
    let made = tasks_of(&app, &account).await;
    assert_eq!(made.len(), 2, "the step and the mail to review");
    let draft_task = made.iter().find(|t| t.draft_subject.is_some()).unwrap();
    let step_task = made.iter().find(|t| t.draft_subject.is_none()).unwrap();
    assert_eq!(draft_task.assignee_id, csm.id());
    assert_eq!(draft_task.task_type, "email");
    let task = task_of(&app, &csm.token, draft_task.id).await;
    let draft = &task["email_draft"];
    // To the customer admin, in her language, the names filled in.
    assert_eq!(draft["contact_id"], boss["id"]);
    assert_eq!(draft["subject"], "About the ticket of 客户公司");
    let csm_name = body(app.get("/api/v1/me", &csm.token).await).await["user"]["name"].clone();
    assert_eq!(
        draft["body"],
        format!("Dear 张伟, this is {}.", csm_name.as_str().unwrap())
    );
    assert_eq!(draft["sent_at"], Value::Null);
    // Nothing went to the customer yet.
    let outbox = || async {
        server::entity::email_outbox::Entity::find()
            .filter(
                server::entity::email_outbox::Column::DedupeKey
                    .eq(format!("task-email:{}", draft_task.id)),
            )
            .all(&app.app_state.db.write)
            .await
            .unwrap()
    };
    assert!(outbox().await.is_empty());

    let send = |contact: &Value, subject: &str| json!({"contact_id": contact["id"], "subject": subject, "body": "Dear 张伟,\n\nWe are on it.\n\ndraft-csm"});
    let path = format!("/api/v1/tasks/{}/send-email", draft_task.id);
    // Not the engineer's task; a contact of another account, a blank
    // subject: refused, nothing sent.
    assert_error(
        app.post(&path, &engineer.token, send(&boss, "Re")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (other, _) = app.portal_user(&admin, "draft-other@x.cn", "100361").await;
    let other_contact = body(
        app.get(
            &format!("/api/v1/accounts/{}/contacts", other["id"]),
            &admin.token,
        )
        .await,
    )
    .await["items"][0]
        .clone();
    assert!(other_contact["id"].is_i64(), "{other_contact}");
    let error = assert_error(
        app.post(&path, &csm.token, send(&other_contact, "Re"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["contact_id"].is_string(), "{error}");
    assert_error(
        app.post(&path, &csm.token, send(&boss, "  ")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A task without a draft has nothing to send.
    assert_error(
        app.post(
            &format!("/api/v1/tasks/{}/send-email", step_task.id),
            &csm.token,
            send(&boss, "Re"),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // Another workspace does not see the task.
    let stranger = app.signup("Other", "draft-stranger@x.cn").await;
    assert_error(
        app.post(&path, &stranger.token, send(&boss, "Re")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert!(outbox().await.is_empty());
    assert_eq!(
        task_of(&app, &csm.token, draft_task.id).await["status"],
        "open"
    );

    // The CSM edits the subject and sends it to the clerk instead.
    let sent = body(
        app.post(&path, &csm.token, send(&clerk, "Your ticket: we are on it"))
            .await,
    )
    .await;
    assert_eq!(sent["status"], "done");
    assert_eq!(sent["email_draft"]["sent_to"], "draft-clerk@x.cn");
    assert_eq!(sent["email_draft"]["subject"], "Your ticket: we are on it");
    let mail = app.mail.wait_for("draft-clerk@x.cn").await;
    assert!(mail.body().contains("We are on it"), "{}", mail.body());
    // Sent once: a second send is refused and queues nothing.
    assert_error(
        app.post(&path, &csm.token, send(&clerk, "again")).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(outbox().await.len(), 1);
    // The timeline shows the mail and the task done.
    let timeline = body(
        app.get(
            &format!("/api/v1/accounts/{}/timeline", account["id"]),
            &csm.token,
        )
        .await,
    )
    .await;
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"email_sent") && kinds.contains(&"task_completed"),
        "{kinds:?}"
    );

    // Removing the mail from the playbook: later runs draft none.
    let updated = body(
        app.patch(
            &format!("/api/v1/playbooks/{}", created["id"]),
            &admin.token,
            json!({"customer_email": null}),
        )
        .await,
    )
    .await;
    assert_eq!(updated["customer_email"], Value::Null);
}
