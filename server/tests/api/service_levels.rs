//! Service levels and entitlements (issue 16): the levels' CRUD and its
//! validation, who may write, tenant isolation, the portal's refusal of a
//! ticket outside agreement (naming the account's owner), tickets staff log
//! outside agreement, and no default SLA for a lapsed agreement.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// Wednesday 2027-03-10 10:00 in Shanghai.
fn wednesday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 10, 2, 0, 0).unwrap()
}

fn level(name: &str) -> Value {
    json!({"name": name, "tickets_included": true,
           "channels": {"portal": false, "email": true, "phone": true},
           "sla_policy": "gold", "person_days_per_year": 10, "onsite_visits_per_year": 4,
           "modules": ["finance", "sales"]})
}

async fn levels(app: &TestApp, token: &str) -> Vec<Value> {
    body(app.get("/api/v1/service-levels", token).await).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn agreement(app: &TestApp, token: &str, account: i64, level: &str, from: &str, to: &str) {
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/agreements"),
            token,
            json!({"level": level, "starts_on": from, "ends_on": to,
                   "signed_on": from, "service_content": "远程支持",
                   "complaint_procedure": "致电客户部经理", "service_process": "热线 → 工程师"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
}

fn portal_ticket() -> Value {
    json!({"module": "finance", "category": "bug", "priority": "p2",
           "subject": "凭证过账报错", "description": "月末结账"})
}

async fn staff_ticket(app: &TestApp, token: &str, account: i64) -> Value {
    let r = app
        .post(
            "/api/v1/tickets",
            token,
            json!({"account_id": account, "module": "finance", "category": "how_to",
                   "priority": "p2", "subject": "电话报修", "description": "客户来电"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

/// An account owned by a CSM named 王经理, with a portal user.
async fn owned_portal_account(app: &TestApp, admin: &Session) -> (i64, Session) {
    let csm = app.staff(admin, "csm", "wang@vendor.cn").await;
    let r = app
        .patch(
            &format!("/api/v1/users/{}", csm.id()),
            &admin.token,
            json!({"name": "王经理"}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let (account, customer) = app.portal_user(admin, "kehu@kehu.cn", "1001").await;
    let id = account["id"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &admin.token,
            json!({"owner_id": csm.id()}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    (id, customer)
}

#[actix_web::test]
async fn levels_are_created_changed_and_removed_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("W", "levels@x.cn").await;
    // Every workspace starts with a full level per SLA policy level.
    let start = levels(&app, &admin.token).await;
    let names: Vec<&str> = start.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["bronze", "gold", "silver"]);
    for l in &start {
        assert_eq!(l["tickets_included"], true);
        assert_eq!(
            l["channels"],
            json!({"portal": true, "email": true, "phone": true})
        );
        assert_eq!(l["sla_policy"], l["name"]);
        assert_eq!(l["modules"].as_array().unwrap().len(), 7);
    }

    let created = body(
        app.post("/api/v1/service-levels", &admin.token, level("白金"))
            .await,
    )
    .await;
    assert_eq!(created["person_days_per_year"], 10);
    assert_eq!(created["onsite_visits_per_year"], 4);
    assert_eq!(created["channels"]["portal"], false);
    assert_eq!(created["modules"], json!(["sales", "finance"]));
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        body(
            app.get(&format!("/api/v1/service-levels/{id}"), &admin.token)
                .await
        )
        .await,
        created
    );

    // Bad input: 4xx in the SPEC's shape, and nothing changed.
    let before = levels(&app, &admin.token).await;
    let mut bad = level("");
    bad["person_days_per_year"] = json!(-1);
    bad["onsite_visits_per_year"] = json!(100_000);
    bad["sla_policy"] = json!("platinum");
    let error = assert_error(
        app.post("/api/v1/service-levels", &admin.token, bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    for f in ["name", "person_days_per_year", "onsite_visits_per_year"] {
        assert!(error["fields"][f].is_string(), "{f}: {error}");
    }
    let mut bad = level("钻石");
    bad["sla_policy"] = json!("platinum");
    let error = assert_error(
        app.post("/api/v1/service-levels", &admin.token, bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["sla_policy"]
        .as_str()
        .unwrap()
        .contains("gold"));
    assert_error(
        app.post("/api/v1/service-levels", &admin.token, level("白金"))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_error(
        app.post("/api/v1/service-levels", &admin.token, json!({"name": "x"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let path = format!("/api/v1/service-levels/{id}");
    assert_error(
        app.put(&path, &admin.token, level("改名")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let mut bad = level("白金");
    bad["person_days_per_year"] = json!(4000);
    assert_error(
        app.put(&path, &admin.token, bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(levels(&app, &admin.token).await, before);

    // A change.
    let mut change = level("白金");
    change["tickets_included"] = json!(false);
    change["person_days_per_year"] = json!(20);
    let changed = body(app.put(&path, &admin.token, change).await).await;
    assert_eq!(changed["tickets_included"], false);
    assert_eq!(changed["person_days_per_year"], 20);
    assert_eq!(changed["version"], created["version"].as_i64().unwrap() + 1);

    // A level an agreement names stays; one nobody names goes.
    let account = app.create_account(&admin.token, "客户", "1").await;
    let account_id = account["id"].as_i64().unwrap();
    agreement(
        &app,
        &admin.token,
        account_id,
        "白金",
        "2020-01-01",
        "2099-12-31",
    )
    .await;
    assert_error(
        app.request(Method::DELETE, &path, Some(&admin.token), None)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let agreements = body(
        app.get(
            &format!("/api/v1/accounts/{account_id}/agreements"),
            &admin.token,
        )
        .await,
    )
    .await;
    assert_eq!(agreements[0]["service_process"], "热线 → 工程师");
    let bronze = start.iter().find(|l| l["name"] == "bronze").unwrap();
    let r = app
        .request(
            Method::DELETE,
            &format!("/api/v1/service-levels/{}", bronze["id"]),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(levels(&app, &admin.token).await.len(), 3);
}

#[actix_web::test]
async fn only_admins_write_levels_and_every_staff_role_reads_them() {
    let app = spawn_app().await;
    let admin = app.signup("W", "roles@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "c@kehu.cn", "1").await;
    let id = levels(&app, &admin.token).await[0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/service-levels/{id}");
    for role in ["manager", "csm", "engineer"] {
        let staff = app.staff(&admin, role, &format!("{role}@x.cn")).await;
        assert_eq!(levels(&app, &staff.token).await.len(), 3, "{role}");
        assert_eq!(
            app.get(&path, &staff.token).await.status(),
            StatusCode::OK,
            "{role}"
        );
        assert_error(
            app.post("/api/v1/service-levels", &staff.token, level("白金"))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_error(
            app.put(&path, &staff.token, level("bronze")).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_error(
            app.request(Method::DELETE, &path, Some(&staff.token), None)
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_error(
            app.put(
                "/api/v1/settings/entitlements",
                &staff.token,
                json!({"agreement_required": true}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    for path in ["/api/v1/service-levels", "/api/v1/settings/entitlements"] {
        assert_error(
            app.get(path, &customer.token).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    // Nothing changed; the admin may.
    assert_eq!(levels(&app, &admin.token).await.len(), 3);
    let settings = body(
        app.put(
            "/api/v1/settings/entitlements",
            &admin.token,
            json!({"agreement_required": true}),
        )
        .await,
    )
    .await;
    assert_eq!(settings["agreement_required"], true);
}

#[actix_web::test]
async fn another_workspaces_levels_answer_404() {
    let app = spawn_app().await;
    let victim = app.signup("Victim", "victim@x.cn").await;
    let created = body(
        app.post("/api/v1/service-levels", &victim.token, level("白金"))
            .await,
    )
    .await;
    let path = format!("/api/v1/service-levels/{}", created["id"]);
    let intruder = app.signup("Intruder", "intruder@x.cn").await;
    assert_error(
        app.get(&path, &intruder.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.put(&path, &intruder.token, level("白金")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.request(Method::DELETE, &path, Some(&intruder.token), None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let theirs = levels(&app, &intruder.token).await;
    assert!(theirs.iter().all(|l| l["name"] != "白金"), "{theirs:?}");
    // Their switch is theirs.
    body(
        app.put(
            "/api/v1/settings/entitlements",
            &intruder.token,
            json!({"agreement_required": true}),
        )
        .await,
    )
    .await;
    let mine = body(
        app.get("/api/v1/settings/entitlements", &victim.token)
            .await,
    )
    .await;
    assert_eq!(mine["agreement_required"], false);
    // The victim's level still stands as it was.
    assert_eq!(body(app.get(&path, &victim.token).await).await, created);
}

#[actix_web::test]
async fn the_portal_refuses_a_ticket_without_an_agreement_and_names_the_owner() {
    let app = spawn_app_at(wednesday()).await;
    let admin = app.signup("W", "portal@x.cn").await;
    let (account_id, customer) = owned_portal_account(&app, &admin).await;

    // By default an account that never had an agreement is served at the
    // default level, as before.
    let answer = body(app.get("/api/v1/portal/entitlement", &customer.token).await).await;
    assert_eq!(answer["can_open_tickets"], true, "{answer}");
    assert_eq!(answer["level"], "bronze");

    body(
        app.put(
            "/api/v1/settings/entitlements",
            &admin.token,
            json!({"agreement_required": true}),
        )
        .await,
    )
    .await;
    let answer = body(app.get("/api/v1/portal/entitlement", &customer.token).await).await;
    assert_eq!(answer["can_open_tickets"], false, "{answer}");
    assert_eq!(answer["reason"], "no_agreement");
    assert_eq!(answer["contact"]["name"], "王经理");
    assert_eq!(answer["contact"]["email"], "wang@vendor.cn");
    assert_eq!(answer["message"]["key"], "entitlement.no_agreement");

    let error = assert_error(
        app.post("/api/v1/portal/tickets", &customer.token, portal_ticket())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("王经理") && message.contains("wang@vendor.cn"),
        "{message}"
    );
    assert_eq!(error["message_key"], "entitlement.no_agreement", "{error}");
    let queue = body(app.get("/api/v1/tickets", &admin.token).await).await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 0);

    // With an agreement in force the form works, within agreement.
    agreement(
        &app,
        &admin.token,
        account_id,
        "gold",
        "2027-01-01",
        "2027-12-31",
    )
    .await;
    let r = app
        .post("/api/v1/portal/tickets", &customer.token, portal_ticket())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let queue = body(app.get("/api/v1/tickets", &admin.token).await).await;
    assert_eq!(queue["items"][0]["outside_agreement"], false);
    assert_eq!(queue["items"][0]["service_level"], "gold");
}

#[actix_web::test]
async fn a_level_without_tickets_refuses_the_portal_and_staff_tickets_are_marked() {
    let app = spawn_app_at(wednesday()).await;
    let admin = app.signup("W", "standard@x.cn").await;
    let (account_id, customer) = owned_portal_account(&app, &admin).await;
    let mut standard = level("标准服务");
    standard["tickets_included"] = json!(false);
    body(
        app.post("/api/v1/service-levels", &admin.token, standard)
            .await,
    )
    .await;
    agreement(
        &app,
        &admin.token,
        account_id,
        "标准服务",
        "2027-01-01",
        "2027-12-31",
    )
    .await;

    let error = assert_error(
        app.post("/api/v1/portal/tickets", &customer.token, portal_ticket())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        error["message_key"], "entitlement.tickets_excluded",
        "{error}"
    );
    assert!(error["message"].as_str().unwrap().contains("标准服务"));
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("wang@vendor.cn"));

    // Staff still log it, marked outside agreement and without SLA.
    let t = staff_ticket(&app, &admin.token, account_id).await;
    assert_eq!(t["outside_agreement"], true);
    assert_eq!(t["service_level"], "标准服务");
    let due: DateTime<Utc> = t["resolution_due_at"].as_str().unwrap().parse().unwrap();
    assert!(due.year() >= 2200);
    let other = app.create_account(&admin.token, "普通客户", "2").await;
    let within = staff_ticket(&app, &admin.token, other["id"].as_i64().unwrap()).await;
    assert_eq!(within["outside_agreement"], false);

    // The queue filters by it.
    let outside = body(
        app.get("/api/v1/tickets?outside_agreement=true", &admin.token)
            .await,
    )
    .await;
    let ids: Vec<&Value> = outside["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert_eq!(ids, [&t["id"]]);
    let inside = body(
        app.get("/api/v1/tickets?outside_agreement=false", &admin.token)
            .await,
    )
    .await;
    assert_eq!(inside["items"][0]["id"], within["id"]);
    assert_eq!(inside["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        body(
            app.get(&format!("/api/v1/tickets/{}", t["id"]), &admin.token)
                .await
        )
        .await["outside_agreement"],
        true
    );

    // A level whose channels leave out the portal refuses it too, and
    // says so; a staff-logged (phone) ticket is within it.
    let mut no_portal = level("电话服务");
    no_portal["sla_policy"] = json!("silver");
    body(
        app.post("/api/v1/service-levels", &admin.token, no_portal)
            .await,
    )
    .await;
    agreement(
        &app,
        &admin.token,
        account_id,
        "电话服务",
        "2027-03-01",
        "2027-12-31",
    )
    .await;
    let error = assert_error(
        app.post("/api/v1/portal/tickets", &customer.token, portal_ticket())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        error["message_key"], "entitlement.channel_excluded",
        "{error}"
    );
    let t = staff_ticket(&app, &admin.token, account_id).await;
    assert_eq!(t["outside_agreement"], false);
    assert_eq!(t["service_level"], "电话服务");
    assert!(t["resolution_due_at"]
        .as_str()
        .unwrap()
        .starts_with("2027-"));
}

#[actix_web::test]
async fn a_lapsed_agreement_gets_no_default_sla_and_is_never_breached() {
    let app = spawn_app_at(wednesday()).await;
    let admin = app.signup("W", "lapsed@x.cn").await;
    let (account_id, customer) = owned_portal_account(&app, &admin).await;
    agreement(
        &app,
        &admin.token,
        account_id,
        "gold",
        "2026-01-01",
        "2026-12-31",
    )
    .await;

    // Even with the switch off (its default), a lapsed agreement is not
    // the default level.
    let answer = body(app.get("/api/v1/portal/entitlement", &customer.token).await).await;
    assert_eq!(answer["can_open_tickets"], false, "{answer}");
    assert_eq!(answer["reason"], "no_agreement");
    assert_error(
        app.post("/api/v1/portal/tickets", &customer.token, portal_ticket())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let t = staff_ticket(&app, &admin.token, account_id).await;
    assert_eq!(t["outside_agreement"], true);
    assert_eq!(t["service_level"], "");
    let due: DateTime<Utc> = t["first_response_due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(due.year() >= 2200, "{due}");

    // A month later the SLA monitor finds nothing to breach.
    app.clock
        .as_ref()
        .unwrap()
        .set(wednesday() + chrono::Duration::days(30));
    let admin = app.login_ok("lapsed@x.cn").await;
    let r = app
        .post(
            "/api/v1/admin/jobs/sla-monitor/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let t = body(
        app.get(&format!("/api/v1/tickets/{}", t["id"]), &admin.token)
            .await,
    )
    .await;
    assert!(t["first_response_breached_at"].is_null(), "{t}");
    assert!(t["resolution_breached_at"].is_null(), "{t}");
}

#[actix_web::test]
async fn a_level_new_to_the_sla_policies_becomes_a_full_service_level() {
    let app = spawn_app().await;
    let admin = app.signup("W", "newlevel@x.cn").await;
    let mut policies = body(app.get("/api/v1/sla-policies", &admin.token).await).await;
    let mut added: Vec<Value> = policies["policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["level"] == "gold")
        .cloned()
        .collect();
    for p in &mut added {
        p["level"] = json!("platinum");
    }
    policies["policies"].as_array_mut().unwrap().extend(added);
    body(
        app.put("/api/v1/sla-policies", &admin.token, policies)
            .await,
    )
    .await;
    let names: Vec<String> = levels(&app, &admin.token)
        .await
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["bronze", "gold", "platinum", "silver"]);
    let platinum = levels(&app, &admin.token)
        .await
        .into_iter()
        .find(|l| l["name"] == "platinum")
        .unwrap();
    assert_eq!(platinum["sla_policy"], "platinum");
    assert_eq!(platinum["tickets_included"], true);
}
