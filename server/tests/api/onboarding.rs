//! Licences and onboarding: the default plan, due dates, progress and status
//! against an injected clock, task preconditions, go-live, roles and tenancy.

use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// Monday 2027-03-01 10:00 in Shanghai.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap()
}

async fn json_of(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn add_license(app: &TestApp, token: &str, account_id: i64, body: Value) -> Value {
    let response = app
        .post(
            &format!("/api/v1/accounts/{account_id}/licenses"),
            token,
            body,
        )
        .await;
    json_of(response, StatusCode::CREATED).await
}

fn license_body(serial: &str) -> Value {
    json!({"edition": "K/3 WISE 标准版", "modules": ["sales", "finance"], "seats": 10,
           "dongle_serial": serial, "expires_on": "2028-02-29"})
}

async fn start_plan(app: &TestApp, token: &str, account_id: i64, starts_on: &str) -> Value {
    let response = app
        .post(
            &format!("/api/v1/accounts/{account_id}/onboarding"),
            token,
            json!({"starts_on": starts_on}),
        )
        .await;
    json_of(response, StatusCode::CREATED).await
}

async fn plan(app: &TestApp, token: &str, account_id: i64) -> Value {
    let response = app
        .get(&format!("/api/v1/accounts/{account_id}/onboarding"), token)
        .await;
    json_of(response, StatusCode::OK).await
}

fn task_by_kind<'a>(plan: &'a Value, kind: &str) -> &'a Value {
    plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} task"))
}

fn task_titled<'a>(plan: &'a Value, zh: &str) -> &'a Value {
    plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title_zh"].as_str().unwrap().contains(zh))
        .unwrap_or_else(|| panic!("no task titled {zh}"))
}

async fn set_status(app: &TestApp, token: &str, task: &Value, body: Value) -> reqwest::Response {
    app.patch(
        &format!("/api/v1/onboarding/tasks/{}", task["id"]),
        token,
        body,
    )
    .await
}

async fn done(app: &TestApp, token: &str, task: &Value) -> Value {
    json_of(
        set_status(app, token, task, json!({"status": "done"})).await,
        StatusCode::OK,
    )
    .await
}

#[actix_web::test]
async fn the_default_plan_follows_the_seed_for_the_licensed_modules() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "plan@x.cn").await;
    // The account licenses sales and finance; a licence adds production.
    let account = app.create_account(&admin.token, "华南机械", "1001").await;
    let id = account["id"].as_i64().unwrap();
    let mut body = license_body("KD-0001");
    body["modules"] = json!(["production"]);
    add_license(&app, &admin.token, id, body).await;

    let p = start_plan(&app, &admin.token, id, "2027-03-01").await;
    let tasks = p["tasks"].as_array().unwrap();
    // 5 preparation steps, 3 per module (sales, finance, production), month-end close.
    assert_eq!(tasks.len(), 5 + 3 * 3 + 1, "{tasks:#?}");
    let titles: Vec<&str> = tasks
        .iter()
        .map(|t| t["title_zh"].as_str().unwrap())
        .collect();
    assert!(titles[1].contains("核对包装清单"), "{titles:?}");
    assert!(titles[2].contains("安装"));
    assert!(titles[3].contains("远程注册"));
    assert!(titles[4].contains("签订维护服务协议"));
    assert_eq!(
        task_by_kind(&p, "license_registration")["title_zh"],
        titles[3]
    );
    assert_eq!(task_by_kind(&p, "service_agreement")["title_zh"], titles[4]);
    assert!(tasks
        .iter()
        .all(|t| !t["title_en"].as_str().unwrap().is_empty()));
    let modules: Vec<&str> = tasks.iter().filter_map(|t| t["module"].as_str()).collect();
    assert!(modules
        .iter()
        .all(|m| ["sales", "finance", "production"].contains(m)));
    assert!(task_titled(&p, "物料清单")["module"] == "production");
    assert_eq!(task_titled(&p, "首次月末结账")["module"], "finance");
    assert_eq!(
        tasks.iter().filter(|t| t["kind"] == "go_live").count(),
        3,
        "one go-live per module"
    );
    assert_eq!(task_titled(&p, "核对包装清单")["due_on"], "2027-03-02");
    assert_eq!(task_by_kind(&p, "go_live")["due_on"], "2027-03-31");
    assert_eq!(p["planned_go_live"], "2027-03-31");
    assert_eq!(p["progress"], 0);
    assert_eq!(p["status"], "on_track");
    assert!(tasks.iter().all(|t| t["status"] == "todo"));

    // One plan per account.
    let again = app
        .post(
            &format!("/api/v1/accounts/{id}/onboarding"),
            &admin.token,
            json!({"starts_on": "2027-04-01"}),
        )
        .await;
    assert_error(again, StatusCode::CONFLICT, "conflict").await;

    // Moving the start date moves every due date and the planned go-live.
    let path = format!("/api/v1/accounts/{id}/onboarding");
    let stale = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .header("If-Match", "\"p0v0\"")
        .json(&json!({"starts_on": "2027-03-08"}))
        .send()
        .await
        .unwrap();
    assert_error(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let current = app.get(&path, &admin.token).await;
    let etag = current.headers()["etag"].to_str().unwrap().to_string();
    let moved = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .header("If-Match", etag)
        .json(&json!({"starts_on": "2027-03-08"}))
        .send()
        .await
        .unwrap();
    let moved = json_of(moved, StatusCode::OK).await;
    assert_eq!(moved["starts_on"], "2027-03-08");
    assert_eq!(task_titled(&moved, "核对包装清单")["due_on"], "2027-03-09");
    assert_eq!(task_by_kind(&moved, "go_live")["due_on"], "2027-04-07");
    assert_eq!(moved["planned_go_live"], "2027-04-07");
    let bad = app
        .patch(
            &path,
            &admin.token,
            json!({"planned_go_live": "2027-01-01"}),
        )
        .await;
    assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[actix_web::test]
async fn progress_and_status_follow_due_dates_and_activity() {
    let app = spawn_app_at(start()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "progress@x.cn").await;
    let account = app.create_account(&admin.token, "华东食品", "1002").await;
    let id = account["id"].as_i64().unwrap();
    let p = start_plan(&app, &admin.token, id, "2027-03-01").await;
    // sales + finance: 5 + 2 * 3 + 1 = 12 tasks.
    assert_eq!(p["tasks"].as_array().unwrap().len(), 12);

    let kickoff = task_titled(&p, "项目启动会");
    let t = done(&app, &admin.token, kickoff).await;
    assert_eq!(t["status"], "done");
    assert_eq!(t["completed_by"], admin.id());
    let p = plan(&app, &admin.token, id).await;
    assert_eq!(p["progress"], 8); // 1 of 12, rounded down
    assert_eq!(p["status"], "on_track");

    // The packing list was due on 03-02; on 03-05 the plan is behind.
    clock.set(Utc.with_ymd_and_hms(2027, 3, 5, 2, 0, 0).unwrap());
    let p = plan(&app, &admin.token, id).await;
    assert_eq!(p["status"], "behind");
    assert_eq!(p["overdue_tasks"], 2); // packing list (03-02) and install (03-04)
    assert_eq!(task_titled(&p, "核对包装清单")["overdue"], true);
    assert_eq!(task_titled(&p, "项目启动会")["overdue"], false);

    // Fourteen days without any activity: stuck.
    clock.set(Utc.with_ymd_and_hms(2027, 3, 15, 2, 0, 0).unwrap());
    let admin = app.login_ok("progress@x.cn").await;
    assert_eq!(plan(&app, &admin.token, id).await["status"], "stuck");

    // Skipping needs a reason; a skipped task no longer counts.
    let packing = task_titled(&p, "核对包装清单").clone();
    let refused = set_status(&app, &admin.token, &packing, json!({"status": "skipped"})).await;
    let err = assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(err["fields"]["skip_reason"].is_string(), "{err}");
    let blank = set_status(
        &app,
        &admin.token,
        &packing,
        json!({"status": "skipped", "skip_reason": "   "}),
    )
    .await;
    assert_error(blank, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let skipped = json_of(
        set_status(
            &app,
            &admin.token,
            &packing,
            json!({"status": "skipped", "skip_reason": "经销商已代为核对"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(skipped["skip_reason"], "经销商已代为核对");
    assert_eq!(skipped["overdue"], false);

    // Activity today: behind again (the install is still late), not stuck.
    let p = plan(&app, &admin.token, id).await;
    assert_eq!(p["status"], "behind");
    assert_eq!(p["progress"], 9); // 1 of 11
    assert_eq!(p["last_activity_at"], "2027-03-15T02:00:00Z");

    // Owner, due date and notes; moving the install's due date clears it... once
    // the other late tasks are dealt with too, the plan is on track.
    let install = task_titled(&p, "安装");
    let moved = json_of(
        set_status(
            &app,
            &admin.token,
            install,
            json!({"due_on": "2027-03-20", "owner_id": admin.id(), "notes": "客户服务器 3 月 18 日到货"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["owner_id"], admin.id());
    assert_eq!(moved["notes"], "客户服务器 3 月 18 日到货");
    let p = plan(&app, &admin.token, id).await;
    let late: Vec<&Value> = p["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["overdue"] == true)
        .collect();
    for t in &late {
        set_status(&app, &admin.token, t, json!({"due_on": "2027-03-25"})).await;
    }
    assert_eq!(plan(&app, &admin.token, id).await["status"], "on_track");

    let unknown_owner = set_status(&app, &admin.token, install, json!({"owner_id": 999_999})).await;
    assert_error(
        unknown_owner,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let bad_status = set_status(&app, &admin.token, install, json!({"status": "finished"})).await;
    assert_error(
        bad_status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn registration_and_agreement_gate_their_tasks_and_go_live_moves_the_stage() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "gate@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "eng@x.cn").await;
    let account = app.create_account(&admin.token, "西北制药", "1003").await;
    let id = account["id"].as_i64().unwrap();
    let p = start_plan(&app, &admin.token, id, "2027-03-01").await;

    // No licence registered yet.
    let registration = task_by_kind(&p, "license_registration");
    let refused = set_status(
        &app,
        &engineer.token,
        registration,
        json!({"status": "done"}),
    )
    .await;
    let err = assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        err["message"].as_str().unwrap().contains("licence"),
        "{err}"
    );
    let license = add_license(&app, &engineer.token, id, license_body("KD-0100")).await;
    assert_eq!(license["status"], "unregistered");
    let refused = set_status(
        &app,
        &engineer.token,
        registration,
        json!({"status": "done"}),
    )
    .await;
    assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let registered = app
        .post(
            &format!("/api/v1/accounts/{id}/licenses/{}/register", license["id"]),
            &engineer.token,
            json!({}),
        )
        .await;
    let registered = json_of(registered, StatusCode::OK).await;
    assert_eq!(registered["status"], "registered");
    assert_eq!(registered["registered_by"], engineer.id());
    assert_eq!(registered["registered_at"], "2027-03-01T02:00:00Z");
    done(&app, &engineer.token, registration).await;

    // The agreement task needs a signed agreement, not just a draft.
    let agreement_task = task_by_kind(&p, "service_agreement");
    let refused = set_status(
        &app,
        &admin.token,
        agreement_task,
        json!({"status": "done"}),
    )
    .await;
    let err = assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        err["message"].as_str().unwrap().contains("agreement"),
        "{err}"
    );
    let agreements = format!("/api/v1/accounts/{id}/agreements");
    let draft = app
        .post(
            &agreements,
            &admin.token,
            json!({"level": "gold", "starts_on": "2027-03-01", "ends_on": "2028-02-29"}),
        )
        .await;
    assert_eq!(draft.status(), StatusCode::CREATED);
    let refused = set_status(
        &app,
        &admin.token,
        agreement_task,
        json!({"status": "done"}),
    )
    .await;
    assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let signed = app
        .post(
            &agreements,
            &admin.token,
            json!({"level": "gold", "starts_on": "2027-03-01", "ends_on": "2028-02-29",
                   "signed_on": "2027-03-01"}),
        )
        .await;
    assert_eq!(signed.status(), StatusCode::CREATED);
    done(&app, &admin.token, agreement_task).await;

    // Going live on every module moves the account to adoption, once.
    let go_lives: Vec<Value> = p["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "go_live")
        .cloned()
        .collect();
    assert_eq!(go_lives.len(), 2);
    done(&app, &admin.token, &go_lives[0]).await;
    let a = json_of(
        app.get(&format!("/api/v1/accounts/{id}"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["stage"], "onboarding");
    assert!(plan(&app, &admin.token, id).await["actual_go_live"].is_null());
    done(&app, &admin.token, &go_lives[1]).await;
    let a = json_of(
        app.get(&format!("/api/v1/accounts/{id}"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["stage"], "adoption");
    assert_eq!(a["stage_entered_at"], "2027-03-01T02:00:00Z");
    let p = plan(&app, &admin.token, id).await;
    assert_eq!(p["actual_go_live"], "2027-03-01");
    let audit = json_of(
        app.get(
            &format!("/api/v1/audit?entity_type=account&entity_id={id}"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "stage_change"),
        "{audit}"
    );
}

#[actix_web::test]
async fn licences_are_validated() {
    let app = spawn_app().await;
    let admin = app.signup("W", "lic@x.cn").await;
    let account = app.create_account(&admin.token, "东方电子", "1004").await;
    let id = account["id"].as_i64().unwrap();
    let path = format!("/api/v1/accounts/{id}/licenses");

    let mut unknown = license_body("KD-1");
    unknown["modules"] = json!(["sales", "warehouse"]);
    let r = app.post(&path, &admin.token, unknown).await;
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let mut none = license_body("KD-1");
    none["modules"] = json!([]);
    let r = app.post(&path, &admin.token, none).await;
    let err = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(err["fields"]["modules"].is_string());
    for seats in [0, -3] {
        let mut body = license_body("KD-1");
        body["seats"] = json!(seats);
        let r = app.post(&path, &admin.token, body).await;
        let err = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(err["fields"]["seats"].is_string(), "{err}");
    }
    let mut blank = license_body("  ");
    blank["edition"] = json!("");
    let r = app.post(&path, &admin.token, blank).await;
    let err = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(err["fields"]["dongle_serial"].is_string() && err["fields"]["edition"].is_string());

    let first = add_license(&app, &admin.token, id, license_body("KD-2")).await;
    assert_eq!(first["modules"], json!(["sales", "finance"]));
    assert_eq!(first["seats"], 10);
    assert_eq!(first["expires_on"], "2028-02-29");
    // The dongle serial is unique in the workspace, across accounts too.
    let other = app
        .create_account(&admin.token, "东方电子二厂", "1005")
        .await;
    let r = app
        .post(
            &format!("/api/v1/accounts/{}/licenses", other["id"]),
            &admin.token,
            license_body(" KD-2 "),
        )
        .await;
    let err = assert_error(r, StatusCode::CONFLICT, "conflict").await;
    assert!(err["fields"]["dongle_serial"].is_string());
    let second = add_license(&app, &admin.token, id, license_body("KD-3")).await;
    let second_path = format!("{path}/{}", second["id"]);
    let r = app
        .patch(&second_path, &admin.token, json!({"dongle_serial": "KD-2"}))
        .await;
    assert_error(r, StatusCode::CONFLICT, "conflict").await;
    let r = app
        .patch(&second_path, &admin.token, json!({"seats": 0}))
        .await;
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // Another workspace may use the same serial.
    let elsewhere = app.signup("V", "lic2@x.cn").await;
    let theirs = app.create_account(&elsewhere.token, "别家", "1").await;
    add_license(
        &app,
        &elsewhere.token,
        theirs["id"].as_i64().unwrap(),
        license_body("KD-2"),
    )
    .await;

    // PATCH honours If-Match.
    let stale = app
        .client
        .patch(app.url(&second_path))
        .bearer_auth(&admin.token)
        .header("If-Match", "\"l1v99\"")
        .json(&json!({"seats": 20}))
        .send()
        .await
        .unwrap();
    assert_error(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let fresh = app
        .client
        .patch(app.url(&second_path))
        .bearer_auth(&admin.token)
        .header("If-Match", format!("\"l{}v1\"", second["id"]))
        .json(&json!({"seats": 20, "modules": ["inventory"], "expires_on": null}))
        .send()
        .await
        .unwrap();
    assert!(fresh.headers().contains_key("etag"));
    let fresh = json_of(fresh, StatusCode::OK).await;
    assert_eq!(
        (fresh["seats"].clone(), fresh["version"].clone()),
        (json!(20), json!(2))
    );
    assert_eq!(fresh["modules"], json!(["inventory"]));
    assert!(fresh["expires_on"].is_null());

    let register = format!("{second_path}/register");
    json_of(
        app.post(&register, &admin.token, json!({})).await,
        StatusCode::OK,
    )
    .await;
    let again = app.post(&register, &admin.token, json!({})).await;
    assert_error(again, StatusCode::CONFLICT, "conflict").await;
    let list = json_of(app.get(&path, &admin.token).await, StatusCode::OK).await;
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["unregistered", "registered"]);
}

#[actix_web::test]
async fn templates_are_copied_and_edited_by_admins() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "tpl@x.cn").await;
    let csm = app.staff(&admin, "csm", "csm@x.cn").await;
    let list = json_of(
        app.get("/api/v1/onboarding-templates", &csm.token).await,
        StatusCode::OK,
    )
    .await;
    let builtin = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["builtin"] == true)
        .unwrap()
        .clone();
    let builtin_path = format!("/api/v1/onboarding-templates/{}", builtin["id"]);
    let copy = json!({"name": "快速实施", "description": "", "tasks": [
        {"stage": "prep", "title_zh": "远程注册", "title_en": "", "offset_days": 2,
         "owner_role": "engineer", "kind": "license_registration"},
        {"stage": "live", "title_zh": "", "title_en": "Sales go-live", "offset_days": 10,
         "owner_role": "csm", "module": "sales", "kind": "go_live"},
        {"stage": "live", "title_zh": "仓存上线", "title_en": "Inventory go-live",
         "offset_days": 12, "owner_role": "csm", "module": "inventory", "kind": "go_live"},
    ]});
    let r = app.put(&builtin_path, &admin.token, copy.clone()).await;
    assert_error(r, StatusCode::CONFLICT, "conflict").await;
    let r = app
        .post("/api/v1/onboarding-templates", &csm.token, copy.clone())
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    let mut bad = copy.clone();
    bad["tasks"][0]["offset_days"] = json!(-1);
    bad["tasks"][1]["owner_role"] = json!("customer");
    let r = app
        .post("/api/v1/onboarding-templates", &admin.token, bad)
        .await;
    let err = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(err["fields"]["tasks[0].offset_days"].is_string(), "{err}");
    assert!(err["fields"]["tasks[1].owner_role"].is_string(), "{err}");
    let created = json_of(
        app.post("/api/v1/onboarding-templates", &admin.token, copy.clone())
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["builtin"], false);
    assert_eq!(created["tasks"][1]["title_zh"], "Sales go-live");
    let path = format!("/api/v1/onboarding-templates/{}", created["id"]);
    let mut edited = copy.clone();
    edited["name"] = json!("快速实施 v2");
    let edited = json_of(app.put(&path, &admin.token, edited).await, StatusCode::OK).await;
    assert_eq!(edited["name"], "快速实施 v2");
    let fetched = json_of(app.get(&path, &csm.token).await, StatusCode::OK).await;
    assert_eq!(fetched, edited);

    // A plan from it has only the tasks of the account's modules.
    let account = app.create_account(&csm.token, "北方纺织", "1006").await;
    let r = app
        .post(
            &format!("/api/v1/accounts/{}/onboarding", account["id"]),
            &csm.token,
            json!({"template_id": created["id"], "starts_on": "2027-03-10",
                   "planned_go_live": "2027-05-01"}),
        )
        .await;
    let p = json_of(r, StatusCode::CREATED).await;
    assert_eq!(p["template_id"], created["id"]);
    assert_eq!(p["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(p["tasks"][1]["due_on"], "2027-03-20");
    assert_eq!(p["planned_go_live"], "2027-05-01");
}

#[actix_web::test]
async fn customers_are_refused_and_other_workspaces_see_nothing() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "iso@x.cn").await;
    let (account, customer) = app.portal_user(&admin, "kehu@x.cn", "2001").await;
    let id = account["id"].as_i64().unwrap();
    let license = add_license(&app, &admin.token, id, license_body("KD-9")).await;
    let p = start_plan(&app, &admin.token, id, "2027-03-01").await;
    let task = &p["tasks"][0];
    let template_id = p["template_id"].as_i64().unwrap();

    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/accounts/{id}/licenses"), None),
        (
            Method::POST,
            format!("/api/v1/accounts/{id}/licenses"),
            Some(license_body("KD-10")),
        ),
        (
            Method::PATCH,
            format!("/api/v1/accounts/{id}/licenses/{}", license["id"]),
            Some(json!({"seats": 99})),
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{id}/licenses/{}/register", license["id"]),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{id}/onboarding"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{id}/onboarding"),
            Some(json!({"starts_on": "2027-03-01"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/accounts/{id}/onboarding"),
            Some(json!({"starts_on": "2027-04-01"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/onboarding/tasks/{}", task["id"]),
            Some(json!({"status": "in_progress"})),
        ),
        (
            Method::GET,
            format!("/api/v1/onboarding-templates/{template_id}"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/onboarding-templates/{template_id}"),
            Some(json!({"name": "x", "tasks": []})),
        ),
    ];
    for (method, path, body) in &routes {
        let r = app
            .request(method.clone(), path, Some(&customer.token), body.clone())
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // A body that parses, so the refusal is about the role and nothing else.
    let template = json!({"name": "x", "tasks": [{"stage": "s", "title_zh": "t", "title_en": "t",
                                                  "offset_days": 0, "owner_role": "csm"}]});
    for (method, path) in [
        (Method::GET, "/api/v1/onboarding-templates"),
        (Method::POST, "/api/v1/onboarding-templates"),
    ] {
        let r = app
            .request(method, path, Some(&customer.token), Some(template.clone()))
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    }

    // Another workspace's admin: every id is unknown.
    let other = app.signup("V", "iso2@x.cn").await;
    for (method, path, body) in &routes {
        let r = app
            .request(method.clone(), path, Some(&other.token), body.clone())
            .await;
        assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    }

    // Nothing changed.
    let p2 = plan(&app, &admin.token, id).await;
    assert_eq!(p2["starts_on"], "2027-03-01");
    assert_eq!(p2["tasks"][0]["status"], "todo");
    let licenses = json_of(
        app.get(&format!("/api/v1/accounts/{id}/licenses"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(licenses.as_array().unwrap().len(), 1);
    assert_eq!(licenses[0]["seats"], 10);
    assert_eq!(licenses[0]["status"], "unregistered");
}

#[actix_web::test]
async fn engineers_work_tasks_but_do_not_start_plans() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "roles@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "roles-eng@x.cn").await;
    let account = app.create_account(&admin.token, "南方化工", "1007").await;
    let id = account["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/accounts/{id}/onboarding"),
            &engineer.token,
            json!({"starts_on": "2027-03-01"}),
        )
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    let missing = app
        .get(
            &format!("/api/v1/accounts/{id}/onboarding"),
            &engineer.token,
        )
        .await;
    assert_error(missing, StatusCode::NOT_FOUND, "not_found").await;
    let p = start_plan(&app, &admin.token, id, "2027-03-01").await;
    let install = task_titled(&p, "安装");
    let t = json_of(
        set_status(
            &app,
            &engineer.token,
            install,
            json!({"status": "in_progress"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(t["status"], "in_progress");
    assert!(t["completed_at"].is_null());
    let t = done(&app, &engineer.token, install).await;
    assert_eq!(t["completed_at"], "2027-03-01T02:00:00Z");
    let reopened = json_of(
        set_status(&app, &engineer.token, install, json!({"status": "todo"})).await,
        StatusCode::OK,
    )
    .await;
    assert!(reopened["completed_at"].is_null());
}

// ---------- the portfolio (`GET /api/v1/onboarding`) ----------

async fn portfolio(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app.get(&format!("/api/v1/onboarding{query}"), token).await;
    json_of(response, StatusCode::OK).await
}

fn ids_of(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["account_id"].as_i64().unwrap())
        .collect()
}

/// Every page of a query, `limit` rows at a time, following the cursors.
async fn all_pages(app: &TestApp, token: &str, query: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut q = format!("?limit={limit}{query}");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let page = portfolio(app, token, &q).await;
        let rows = page["items"].as_array().unwrap();
        assert!(rows.len() <= limit as usize);
        items.extend(rows.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(rows.len(), limit as usize, "a short page with a cursor");
                cursor = Some(next.to_string());
            }
            None => return items,
        }
    }
    panic!("the cursor never ends");
}

/// The order each sort promises, computed here from the rows' fields:
/// `status` worst first (no plan last) then least progress; `progress`
/// and `-progress` and `go_live` with accounts lacking the value last;
/// ties by name, then id.
fn expected_order(sort: &str, items: &[Value]) -> Vec<i64> {
    let rank = |i: &Value| match i["status"].as_str() {
        Some("stuck") => 0,
        Some("behind") => 1,
        Some("on_track") => 2,
        _ => 3,
    };
    let progress = |i: &Value| i["progress"].as_i64();
    let name = |i: &Value| i["account_name"].as_str().unwrap().to_string();
    let id = |i: &Value| i["account_id"].as_i64().unwrap();
    let mut sorted: Vec<&Value> = items.iter().collect();
    sorted.sort_by(|a, b| {
        let first = match sort {
            "status" => rank(a)
                .cmp(&rank(b))
                .then(progress(a).unwrap_or(101).cmp(&progress(b).unwrap_or(101))),
            "progress" => {
                (progress(a).is_none(), progress(a)).cmp(&(progress(b).is_none(), progress(b)))
            }
            "-progress" => {
                (progress(a).is_none(), progress(b)).cmp(&(progress(b).is_none(), progress(a)))
            }
            "go_live" => {
                let g = |i: &Value| i["planned_go_live"].as_str().map(str::to_string);
                (g(a).is_none(), g(a)).cmp(&(g(b).is_none(), g(b)))
            }
            _ => std::cmp::Ordering::Equal,
        };
        first.then(name(a).cmp(&name(b))).then(id(a).cmp(&id(b)))
    });
    sorted.into_iter().map(id).collect()
}

async fn create_account_owned(
    app: &TestApp,
    token: &str,
    name: &str,
    code: &str,
    owner: i64,
) -> i64 {
    let response = app
        .post(
            "/api/v1/accounts",
            token,
            json!({"name": name, "code": code, "owner_id": owner, "modules": ["sales", "finance"]}),
        )
        .await;
    json_of(response, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap()
}

/// Name, code, owner, planned go-live, tasks done, last activity.
type PlanRow<'a> = (
    &'a str,
    &'a str,
    i64,
    Option<&'a str>,
    usize,
    Option<&'a str>,
);

#[actix_web::test]
async fn the_portfolio_pages_every_order_and_filter_through_its_cursor() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "pf-order@x.cn").await;
    let csm = app.staff(&admin, "csm", "pf-order-csm@x.cn").await;
    let (a, c) = (admin.id(), csm.id());
    // Plans starting today (on track), a month ago and three weeks ago
    // (behind), with some tasks done; accounts without a plan; a name with
    // the cursor's separator in it; two accounts with the same name.
    let plans: &[PlanRow] = &[
        ("Alpha", "9001", a, Some("2027-03-01"), 0, None),
        (
            "Bravo",
            "9002",
            c,
            Some("2027-03-01"),
            3,
            Some("2027-06-30"),
        ),
        ("Charlie", "9003", a, Some("2027-02-01"), 0, None),
        ("Delta|Co", "9004", c, Some("2027-02-08"), 2, None),
        ("Echo", "9005", a, None, 0, None),
        ("Echo", "9006", c, None, 0, None),
        (
            "Foxtrot",
            "9007",
            a,
            Some("2027-03-01"),
            0,
            Some("2027-04-15"),
        ),
        ("Golf", "9008", c, Some("2027-02-01"), 3, Some("2027-04-15")),
        ("Alpha", "9009", c, None, 0, None),
    ];
    let mut ids = Vec::new();
    for (name, code, owner, starts, done_count, go_live) in plans {
        let id = create_account_owned(&app, &admin.token, name, code, *owner).await;
        ids.push(id);
        if let Some(starts) = starts {
            let mut body = json!({"starts_on": starts});
            if let Some(g) = go_live {
                body["planned_go_live"] = json!(g);
            }
            let r = app
                .post(
                    &format!("/api/v1/accounts/{id}/onboarding"),
                    &admin.token,
                    body,
                )
                .await;
            let p = json_of(r, StatusCode::CREATED).await;
            for t in p["tasks"].as_array().unwrap().iter().take(*done_count) {
                if t["kind"] == "general" {
                    done(&app, &admin.token, t).await;
                }
            }
        }
    }
    // Neither an account past onboarding nor an archived one is listed.
    let adopted = create_account_owned(&app, &admin.token, "Hotel", "9010", a).await;
    start_plan(&app, &admin.token, adopted, "2027-02-01").await;
    app.patch(
        &format!("/api/v1/accounts/{adopted}"),
        &admin.token,
        json!({"stage": "adoption"}),
    )
    .await;
    let archived = create_account_owned(&app, &admin.token, "India", "9011", a).await;
    let r = app
        .post(
            &format!("/api/v1/accounts/{archived}/archive"),
            &admin.token,
            json!({}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());

    let everything = portfolio(&app, &admin.token, "?limit=200").await;
    let mut listed = ids_of(&everything);
    listed.sort_unstable();
    let mut expected = ids.clone();
    expected.sort_unstable();
    assert_eq!(listed, expected, "exactly the accounts in onboarding");
    let items = everything["items"].as_array().unwrap().clone();
    let statuses: Vec<&str> = items
        .iter()
        .map(|i| i["status"].as_str().unwrap_or("none"))
        .collect();
    assert!(statuses.contains(&"behind") && statuses.contains(&"on_track"));
    let golf = items.iter().find(|i| i["account_code"] == "9008").unwrap();
    assert_eq!(golf["status"], "behind");
    assert!(golf["overdue_tasks"].as_i64().unwrap() > 0);
    assert_eq!(golf["tasks_total"], 12);
    assert_eq!(
        golf["progress"],
        100 * golf["tasks_done"].as_i64().unwrap() / 12
    );
    assert_eq!(golf["planned_go_live"], "2027-04-15");
    assert_eq!(golf["owner_name"], "csm 用户");
    let echo = items.iter().find(|i| i["account_code"] == "9005").unwrap();
    assert!(echo["plan_id"].is_null() && echo["status"].is_null());
    assert_eq!(
        (echo["tasks_total"].as_i64(), echo["overdue_tasks"].as_i64()),
        (Some(0), Some(0))
    );

    for sort in ["status", "progress", "-progress", "go_live", "name"] {
        for filter in [
            String::new(),
            "&status=behind".to_string(),
            "&status=on_track".to_string(),
            format!("&owner_id={c}"),
            format!("&owner_id={a}&status=behind"),
        ] {
            let wanted: Vec<Value> = items
                .iter()
                .filter(|i| match filter.as_str() {
                    "&status=behind" => i["status"] == "behind",
                    "&status=on_track" => i["status"] == "on_track",
                    f if f.contains("&status=behind") => {
                        i["status"] == "behind" && i["owner_id"] == a
                    }
                    f if f.starts_with("&owner_id") => i["owner_id"] == c,
                    _ => true,
                })
                .cloned()
                .collect();
            assert!(!wanted.is_empty(), "{sort}{filter}");
            let order = expected_order(sort, &wanted);
            let whole = portfolio(
                &app,
                &admin.token,
                &format!("?limit=200&sort={sort}{filter}"),
            )
            .await;
            assert_eq!(ids_of(&whole), order, "sort={sort}{filter}");
            for limit in [1, 2, 4] {
                let paged: Vec<i64> =
                    all_pages(&app, &admin.token, &format!("&sort={sort}{filter}"), limit)
                        .await
                        .iter()
                        .map(|i| i["account_id"].as_i64().unwrap())
                        .collect();
                assert_eq!(paged, order, "sort={sort}{filter} limit={limit}");
            }
        }
    }
    // The default order is `status`.
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "?limit=200").await),
        expected_order("status", &items)
    );
}

#[actix_web::test]
async fn portfolio_status_follows_the_clock_in_both_directions() {
    let app = spawn_app_at(start()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "pf-clock@x.cn").await;
    let late = app.create_account(&admin.token, "迟", "9101").await["id"]
        .as_i64()
        .unwrap();
    let fresh = app.create_account(&admin.token, "新", "9102").await["id"]
        .as_i64()
        .unwrap();
    let none = app.create_account(&admin.token, "无", "9103").await["id"]
        .as_i64()
        .unwrap();
    start_plan(&app, &admin.token, late, "2027-03-01").await;
    start_plan(&app, &admin.token, fresh, "2027-03-10").await;
    let status_of = |page: &Value, id: i64| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["account_id"] == id)
            .map(|i| i["status"].clone())
            .unwrap_or(Value::Null)
    };
    let page = portfolio(&app, &admin.token, "").await;
    assert_eq!(status_of(&page, late), "on_track");
    // Both on track at 0 %, then the account without a plan.
    assert_eq!(ids_of(&page)[2], none);
    assert!(
        portfolio(&app, &admin.token, "?status=behind").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // 03-05: the packing list (due 03-02) is late; `late` is behind and
    // sorts first, with no write in between.
    clock.set(Utc.with_ymd_and_hms(2027, 3, 5, 2, 0, 0).unwrap());
    let admin = app.login_ok("pf-clock@x.cn").await;
    let page = portfolio(&app, &admin.token, "").await;
    assert_eq!(ids_of(&page), vec![late, fresh, none]);
    assert_eq!(status_of(&page, late), "behind");
    // Kick-off (03-01), packing list (03-02), install (03-04).
    assert_eq!(page["items"][0]["overdue_tasks"], 3);
    assert_eq!(page["items"][0]["next_due_on"], "2027-03-01");
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "?status=behind").await),
        vec![late]
    );
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "?status=on_track").await),
        vec![fresh]
    );
    // Activity on `fresh` (a note), so it is not idle later.
    let p = plan(&app, &admin.token, fresh).await;
    let r = set_status(
        &app,
        &admin.token,
        &p["tasks"][0],
        json!({"notes": "已约客户"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    // 03-15, fourteen days without activity: stuck; `fresh` (due from 03-11) behind.
    clock.set(Utc.with_ymd_and_hms(2027, 3, 15, 2, 0, 0).unwrap());
    let admin = app.login_ok("pf-clock@x.cn").await;
    let page = portfolio(&app, &admin.token, "").await;
    assert_eq!(ids_of(&page), vec![late, fresh, none]);
    assert_eq!(status_of(&page, late), "stuck");
    assert_eq!(status_of(&page, fresh), "behind");
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "?status=stuck").await),
        vec![late]
    );

    // Work on the stuck plan: behind again at once.
    let p = plan(&app, &admin.token, late).await;
    let kickoff = task_titled(&p, "项目启动会");
    done(&app, &admin.token, kickoff).await;
    assert!(
        portfolio(&app, &admin.token, "?status=stuck").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let behind = portfolio(&app, &admin.token, "?status=behind&sort=-progress").await;
    // `late` has one task done, `fresh` none.
    assert_eq!(ids_of(&behind), vec![late, fresh]);
    assert_eq!(behind["items"][0]["tasks_done"], 1);

    // A clock set back: on track again.
    clock.set(Utc.with_ymd_and_hms(2027, 3, 1, 3, 0, 0).unwrap());
    let admin = app.login_ok("pf-clock@x.cn").await;
    let page = portfolio(&app, &admin.token, "").await;
    assert_eq!(status_of(&page, late), "on_track");
    assert_eq!(status_of(&page, fresh), "on_track");
    assert!(
        portfolio(&app, &admin.token, "?status=behind").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "?status=on_track").await).len(),
        2
    );
}

#[actix_web::test]
async fn an_account_leaving_onboarding_leaves_the_portfolio() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "pf-leave@x.cn").await;
    let id = app.create_account(&admin.token, "Lima", "9201").await["id"]
        .as_i64()
        .unwrap();
    let other = app.create_account(&admin.token, "Kilo", "9202").await["id"]
        .as_i64()
        .unwrap();
    start_plan(&app, &admin.token, id, "2027-02-01").await;
    let path = format!("/api/v1/accounts/{id}");
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "?status=behind").await),
        vec![id]
    );
    let r = app
        .patch(&path, &admin.token, json!({"stage": "adoption"}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "").await),
        vec![other]
    );
    assert!(
        portfolio(&app, &admin.token, "?status=behind&sort=name").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Back in onboarding, with its plan as it was; renamed, it sorts by its new name.
    let r = app
        .patch(
            &path,
            &admin.token,
            json!({"stage": "onboarding", "name": "Juliet"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = portfolio(&app, &admin.token, "?sort=name").await;
    assert_eq!(ids_of(&page), vec![id, other]);
    assert_eq!(page["items"][0]["status"], "behind");
    assert_eq!(page["items"][0]["account_name"], "Juliet");
    // Archived: gone; restored: back.
    let r = app
        .post(&format!("{path}/archive"), &admin.token, json!({}))
        .await;
    assert!(r.status().is_success());
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "?sort=go_live").await),
        vec![other]
    );
    let r = app
        .post(&format!("{path}/restore"), &admin.token, json!({}))
        .await;
    assert!(r.status().is_success());
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "?status=behind").await),
        vec![id]
    );
    // A new owner: the owner filter follows.
    let csm = app.staff(&admin, "csm", "pf-leave-csm@x.cn").await;
    app.patch(&path, &admin.token, json!({"owner_id": csm.id()}))
        .await;
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, &format!("?owner_id={}", csm.id())).await),
        vec![id]
    );
}

#[actix_web::test]
async fn the_portfolio_keeps_to_its_workspace_and_refuses_bad_input() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W1", "pf-iso1@x.cn").await;
    let intruder = app.signup("W2", "pf-iso2@x.cn").await;
    for (name, code) in [("甲", "9301"), ("乙", "9302"), ("丙", "9303")] {
        let id = app.create_account(&admin.token, name, code).await["id"]
            .as_i64()
            .unwrap();
        start_plan(&app, &admin.token, id, "2027-02-01").await;
    }
    let mine = app.create_account(&intruder.token, "丁", "9301").await["id"]
        .as_i64()
        .unwrap();
    let first = portfolio(&app, &admin.token, "?limit=1&sort=name").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    // W2 sees only its own account, whatever the filter or cursor.
    assert_eq!(
        ids_of(&portfolio(&app, &intruder.token, "").await),
        vec![mine]
    );
    for q in [
        format!("?owner_id={}", admin.id()),
        "?status=behind".to_string(),
    ] {
        assert!(
            portfolio(&app, &intruder.token, &q).await["items"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{q}"
        );
    }
    // Another workspace's cursor is only a position: W2 still sees only W2.
    let after = portfolio(
        &app,
        &intruder.token,
        &format!("?sort=name&cursor={cursor}"),
    )
    .await;
    assert!(ids_of(&after).iter().all(|id| *id == mine), "{after}");
    assert_eq!(
        ids_of(&portfolio(&app, &admin.token, "?status=behind").await).len(),
        3
    );

    use base64::Engine;
    let forged = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    for q in [
        "?sort=size".to_string(),
        "?sort=".to_string(),
        "?limit=0".to_string(),
        "?cursor=bm90IGEgY3Vyc29y".to_string(),
        // A cursor of one order is refused by another.
        format!("?sort=status&cursor={cursor}"),
        format!("?sort=go_live&cursor={cursor}"),
        format!("?sort=name&cursor={}", forged("pf.name|!!|1")),
        format!("?cursor={}", forged("pf.status|9|0|YQ|1")),
        format!("?cursor={}", forged("pf.status|0|102|YQ|1")),
        format!(
            "?sort=go_live&cursor={}",
            forged("pf.go_live|2027-02-30|YQ|1")
        ),
        format!("?sort=progress&cursor={}", forged("pf.progress|1|YQ|x")),
    ] {
        let r = app
            .get(&format!("/api/v1/onboarding{q}"), &admin.token)
            .await;
        assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
    for q in ["?status=late", "?owner_id=x", "?limit=-1", "?cursor=%%%"] {
        let r = app
            .get(&format!("/api/v1/onboarding{q}"), &admin.token)
            .await;
        assert!(r.status().is_client_error(), "{q}: {}", r.status());
    }
}

/// Found by the API fuzzer: a plan moved to year 0479 put its tasks' due
/// dates before year 1, which the API then wrote as "-0494-05-23".
#[actix_web::test]
async fn plan_dates_outside_1970_to_2999_are_refused() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "plan-years@x.cn").await;
    let id = app.create_account(&admin.token, "华南机械", "1009").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/accounts/{id}/onboarding");
    let e = assert_error(
        app.post(&path, &admin.token, json!({"starts_on": "0479-01-04"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        e["field_keys"]["starts_on"]["key"], "field.date_range",
        "{e}"
    );
    start_plan(&app, &admin.token, id, "2027-03-01").await;
    for body in [
        json!({"starts_on": "0479-01-04"}),
        json!({"planned_go_live": "3100-01-01"}),
    ] {
        assert_error(
            app.patch(&path, &admin.token, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    assert_eq!(
        plan(&app, &admin.token, id).await["starts_on"],
        "2027-03-01"
    );
}

/// The dongle is registered for life (一锁终身): a registered licence keeps
/// its serial; an upgrade or an extension is a new registration of the same
/// licence, kept as its history and on the timeline; bad requests change
/// nothing; other workspaces and customers see none of it.
#[actix_web::test]
async fn a_registered_licence_keeps_its_dongle_and_is_upgraded_or_extended_by_registering_again() {
    let app = spawn_app().await;
    let admin = app.signup("W", "lic-admin@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "lic-eng@x.cn").await;
    let account = app.create_account(&admin.token, "终身锁客户", "1201").await;
    let id = account["id"].as_i64().unwrap();
    let license = add_license(&app, &admin.token, id, license_body("KD-LIFE")).await;
    let path = format!("/api/v1/accounts/{id}/licenses/{}", license["id"]);
    let history = format!("{path}/registrations");

    // Not registered yet: nothing to upgrade; the serial may still change.
    let r = app
        .post(
            &history,
            &engineer.token,
            json!({"kind": "extension", "expires_on": "2029-02-28"}),
        )
        .await;
    assert_error(r, StatusCode::CONFLICT, "conflict").await;
    let r = app
        .patch(
            &path,
            &engineer.token,
            json!({"dongle_serial": "KD-LIFE-1"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let registered = json_of(
        app.post(&format!("{path}/register"), &engineer.token, json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(registered["status"], "registered");

    // Registered: the serial is for life; a second "register" says how to
    // upgrade or extend.
    let r = app
        .patch(&path, &admin.token, json!({"dongle_serial": "KD-OTHER"}))
        .await;
    let err = assert_error(r, StatusCode::CONFLICT, "conflict").await;
    assert!(err["fields"]["dongle_serial"].is_string(), "{err}");
    let r = app
        .post(&format!("{path}/register"), &engineer.token, json!({}))
        .await;
    assert_error(r, StatusCode::CONFLICT, "conflict").await;

    // Bad requests: 422, and nothing changes.
    for bad in [
        json!({"kind": "initial"}),
        json!({"kind": "upgrade"}),
        json!({"kind": "upgrade", "edition": "K/3 WISE 标准版", "seats": 10}),
        json!({"kind": "upgrade", "seats": 0}),
        json!({"kind": "extension"}),
        json!({"kind": "extension", "expires_on": "2028-01-01"}),
        json!({"kind": "renewal"}),
    ] {
        let r = app.post(&history, &engineer.token, bad.clone()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let list = json_of(app.get(&history, &engineer.token).await, StatusCode::OK).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["kind"], "initial");

    // An upgrade to the flagship edition with production, then an extension.
    let up = json_of(
        app.post(
            &history,
            &engineer.token,
            json!({"kind": "upgrade", "edition": "K/3 WISE 旗舰版",
                   "modules": ["sales", "finance", "production"], "seats": 25,
                   "note": "增购生产模块"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(up["kind"], "upgrade");
    assert_eq!(up["seats"], 25);
    let ext = json_of(
        app.post(
            &history,
            &admin.token,
            json!({"kind": "extension", "expires_on": "2029-02-28"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(ext["expires_on"], "2029-02-28");
    let now = json_of(
        app.get(&format!("/api/v1/accounts/{id}/licenses"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(now[0]["edition"], "K/3 WISE 旗舰版");
    assert_eq!(now[0]["seats"], 25);
    assert_eq!(now[0]["expires_on"], "2029-02-28");
    assert_eq!(now[0]["dongle_serial"], "KD-LIFE-1", "the same dongle");
    let list = json_of(app.get(&history, &engineer.token).await, StatusCode::OK).await;
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["initial", "upgrade", "extension"]);
    assert_eq!(
        list[0]["edition"], "K/3 WISE 标准版",
        "each as it left the licence"
    );
    assert_eq!(list[1]["note"], "增购生产模块");
    // Each registration is on the account's timeline.
    let timeline = json_of(
        app.get(
            &format!("/api/v1/accounts/{id}/timeline?kind=license_registered"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(timeline["items"].as_array().unwrap().len(), 3, "{timeline}");

    // Another workspace and a customer see nothing.
    let stranger = app.signup("Other", "lic-stranger@x.cn").await;
    let r = app.get(&history, &stranger.token).await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app
        .post(
            &history,
            &stranger.token,
            json!({"kind": "extension", "expires_on": "2030-01-01"}),
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let (_, customer) = app.portal_user(&admin, "lic-customer@x.cn", "1202").await;
    let r = app.get(&history, &customer.token).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let list = json_of(app.get(&history, &admin.token).await, StatusCode::OK).await;
    assert_eq!(list.as_array().unwrap().len(), 3);
}
