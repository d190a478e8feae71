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
