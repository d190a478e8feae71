//! Time and person-day packages (issue 16): billable time consumes packages
//! oldest-valid-first with overage beyond them, edits and deletions
//! recompute it, the 80 %/100 % notices go out once each (also with
//! concurrent writers) in the recipient's language, the reports and their
//! CSV, who may do what, tenant isolation of every route, and the portal's
//! view of its own account without internal fields.

use std::collections::HashSet;

use chrono::{DateTime, TimeZone, Utc};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::helpers::*;

/// Wednesday 2027-03-10 10:00 in Shanghai.
fn wednesday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 10, 2, 0, 0).unwrap()
}

struct Fixture {
    admin: Session,
    manager: Session,
    csm: Session,
    engineer: Session,
    engineer2: Session,
    account: i64,
    ticket: i64,
    customer_admin: Session,
    customer: Session,
}

async fn ticket_on(app: &TestApp, token: &str, account: i64, subject: &str) -> i64 {
    let r = app
        .post(
            "/api/v1/tickets",
            token,
            json!({"account_id": account, "module": "finance", "category": "how_to",
                   "priority": "p2", "subject": subject, "description": "客户来电"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// A workspace whose account (owned by an English-speaking CSM) has a
/// customer admin and a customer, a ticket, two engineers and a manager.
async fn fixture(app: &TestApp, tag: &str) -> Fixture {
    let admin = app.signup("W", &format!("{tag}-admin@x.cn")).await;
    let manager = app
        .staff(&admin, "manager", &format!("{tag}-mgr@x.cn"))
        .await;
    let csm = app.staff(&admin, "csm", &format!("{tag}-csm@x.cn")).await;
    let engineer = app
        .staff(&admin, "engineer", &format!("{tag}-eng@x.cn"))
        .await;
    let engineer2 = app
        .staff(&admin, "engineer", &format!("{tag}-eng2@x.cn"))
        .await;
    let r = app
        .request(
            Method::PATCH,
            "/api/v1/me",
            Some(&csm.token),
            Some(json!({"locale": "en"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .patch(
            &format!("/api/v1/users/{}", engineer.id()),
            &admin.token,
            json!({"name": "李工"}),
        )
        .await;
    assert!(r.status().is_success());
    let (account, customer) = app
        .portal_user(&admin, &format!("{tag}-cust@kehu.cn"), "1001")
        .await;
    let account = account["id"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/accounts/{account}"),
            &admin.token,
            json!({"owner_id": csm.id()}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let boss_email = format!("{tag}-boss@kehu.cn");
    let boss = app
        .create_contact(&admin.token, account, "王总", &boss_email)
        .await;
    let r = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", boss["id"]),
            &admin.token,
            json!({"role": "customer_admin"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let customer_admin = app.accept_invitation(&boss_email).await;
    let ticket = ticket_on(app, &admin.token, account, "月结上门支持").await;
    Fixture {
        admin,
        manager,
        csm,
        engineer,
        engineer2,
        account,
        ticket,
        customer_admin,
        customer,
    }
}

async fn log(
    app: &TestApp,
    token: &str,
    ticket: i64,
    day: &str,
    minutes: i32,
    billable: bool,
) -> Value {
    let r = app
        .post(
            &format!("/api/v1/tickets/{ticket}/time-entries"),
            token,
            json!({"work_date": day, "minutes": minutes, "billable": billable,
                   "note": "月结检查", "internal_note": "INTERNAL-ONLY 客户配置混乱"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    r.json().await.unwrap()
}

async fn package(
    app: &TestApp,
    token: &str,
    account: i64,
    name: &str,
    days: i32,
    from: &str,
    to: &str,
) -> i64 {
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/packages"),
            token,
            json!({"name": name, "days": days, "valid_from": from, "valid_to": to}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn balance(app: &TestApp, token: &str, account: i64) -> Value {
    body(
        app.get(&format!("/api/v1/accounts/{account}/packages"), token)
            .await,
    )
    .await
}

/// (used, remaining) minutes of the package named `name`.
fn used_of(balance: &Value, name: &str) -> i64 {
    balance["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {balance}"))["used_minutes"]
        .as_i64()
        .unwrap()
}

async fn put_entry(app: &TestApp, token: &str, entry: &Value, changes: Value) -> reqwest::Response {
    let mut req = json!({
        "work_date": entry["work_date"], "minutes": entry["minutes"], "billable": entry["billable"],
        "note": entry["note"], "internal_note": entry["internal_note"]});
    for (k, v) in changes.as_object().unwrap() {
        req[k] = v.clone();
    }
    app.put(&format!("/api/v1/time-entries/{}", entry["id"]), token, req)
        .await
}

async fn delete(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.request(Method::DELETE, path, Some(token), None).await
}

/// (to, subject, dedupe key) of every queued package notice.
async fn notices(app: &TestApp) -> Vec<(String, String, String)> {
    server::entity::email_outbox::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| {
            let key = m.dedupe_key.clone()?;
            key.starts_with("package:")
                .then_some((m.to_addr.clone(), m.subject.clone(), key))
        })
        .collect()
}

#[actix_web::test]
async fn billable_time_consumes_the_oldest_valid_package_first_and_edits_recompute() {
    let app = spawn_app_at(wednesday()).await;
    let f = fixture(&app, "cons").await;
    let (eng, t) = (&f.engineer.token, f.ticket);
    // A from January, B from February: A is older, so it is used first.
    package(
        &app,
        &f.manager.token,
        f.account,
        "B",
        1,
        "2027-02-01",
        "2027-12-31",
    )
    .await;
    package(
        &app,
        &f.manager.token,
        f.account,
        "A",
        1,
        "2027-01-01",
        "2027-06-30",
    )
    .await;
    package(
        &app,
        &f.manager.token,
        f.account,
        "去年",
        5,
        "2026-01-01",
        "2026-12-31",
    )
    .await;
    let e1 = log(&app, eng, t, "2027-03-01", 300, true).await;
    let _e2 = log(&app, eng, t, "2027-03-02", 300, true).await;
    let e3 = log(&app, eng, t, "2027-03-03", 500, true).await;
    let e4 = log(&app, eng, t, "2027-03-03", 60, false).await;
    assert_eq!(e1["covered_minutes"], 300);
    // 180 from A, then 180 from B; 140 over.
    assert_eq!(e3["covered_minutes"], 360);
    assert_eq!(e3["uncovered_minutes"], 140);
    assert_eq!(e4["covered_minutes"], 0);
    assert_eq!(e4["uncovered_minutes"], 0);
    let b = balance(&app, eng, f.account).await;
    assert_eq!(
        (used_of(&b, "A"), used_of(&b, "B"), used_of(&b, "去年")),
        (480, 480, 0)
    );
    assert_eq!(b["uncovered_minutes"], 140);
    assert_eq!(b["billable_minutes"], 1100);
    assert_eq!(b["minutes_per_day"], 480);
    let a = b["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "A")
        .unwrap()
        .clone();
    assert_eq!(
        (
            a["capacity_minutes"].as_i64(),
            a["remaining_minutes"].as_i64(),
            a["used_percent"].as_i64()
        ),
        (Some(480), Some(0), Some(100))
    );

    // Shorter first entry: the later ones move up; nothing is over.
    let r = put_entry(&app, eng, &e1, json!({"minutes": 60})).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let b = balance(&app, eng, f.account).await;
    assert_eq!((used_of(&b, "A"), used_of(&b, "B")), (480, 380));
    assert_eq!(b["uncovered_minutes"], 0);
    let list = body(
        app.get(&format!("/api/v1/tickets/{t}/time-entries"), eng)
            .await,
    )
    .await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list[2]["covered_minutes"], 500);
    assert_eq!(list[0]["user_name"], "李工");

    // Deleting the second gives its 300 back to the third.
    let r = delete(
        &app,
        eng,
        &format!("/api/v1/time-entries/{}", list[1]["id"]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let b = balance(&app, eng, f.account).await;
    assert_eq!((used_of(&b, "A"), used_of(&b, "B")), (480, 80));

    // Made billable, the non-billable entry consumes too.
    let r = put_entry(&app, eng, &e4, json!({"billable": true})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["covered_minutes"], 60);
    let b = balance(&app, eng, f.account).await;
    assert_eq!(used_of(&b, "B"), 140);

    // An earlier day is served first, from the packages valid that day:
    // only A (B starts in February); A's last minutes go to it.
    log(&app, eng, t, "2027-01-15", 30, true).await;
    let b = balance(&app, eng, f.account).await;
    assert_eq!((used_of(&b, "A"), used_of(&b, "B")), (480, 170));
    assert_eq!(b["uncovered_minutes"], 0);

    // A time entry may name an on-site visit of its ticket.
    let visit = visit_on(&app, eng, t).await;
    let r = app
        .post(
            &format!("/api/v1/tickets/{t}/time-entries"),
            eng,
            json!({"work_date": "2027-03-04", "minutes": 45, "billable": false, "visit_id": visit}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["visit_id"], visit);

    // Removing a package moves its time to overage; a new one takes it.
    let pid = b["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "A")
        .unwrap()["id"]
        .clone();
    let r = delete(&app, &f.admin.token, &format!("/api/v1/packages/{pid}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let b = balance(&app, eng, f.account).await;
    // Billable: 30 + 60 + 500 + 60 = 650; B (valid from Feb) covers 480 of the 620 from March.
    assert_eq!(b["uncovered_minutes"], 650 - 480);
    package(
        &app,
        &f.manager.token,
        f.account,
        "C",
        2,
        "2027-01-01",
        "2027-12-31",
    )
    .await;
    let b = balance(&app, eng, f.account).await;
    assert_eq!(b["uncovered_minutes"], 0);
}

#[actix_web::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app_at(wednesday()).await;
    let f = fixture(&app, "bad").await;
    let path = format!("/api/v1/tickets/{}/time-entries", f.ticket);
    let eng = &f.engineer.token;
    for bad in [
        json!({"work_date": "2027-03-10", "minutes": 0, "billable": true}),
        json!({"work_date": "2027-03-10", "minutes": 1441, "billable": true}),
        json!({"work_date": "2027-03-10", "minutes": -5, "billable": true}),
        json!({"work_date": "2027-03-10", "minutes": "sixty", "billable": true}),
        json!({"work_date": "2027-03-11", "minutes": 60, "billable": true}),
        json!({"work_date": "2027-02-30", "minutes": 60, "billable": true}),
        json!({"work_date": "2027-03-10", "minutes": 60}),
        json!({"work_date": "2027-03-10", "minutes": 60, "billable": true, "visit_id": 0}),
        json!({"work_date": "2027-03-10", "minutes": 60, "billable": true, "hours": 1}),
        json!({"work_date": "2027-03-10", "minutes": 60, "billable": true, "note": "长".repeat(2001)}),
    ] {
        let r = app.post(&path, eng, bad.clone()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    // At most 24 hours a person a day.
    log(&app, eng, f.ticket, "2027-03-09", 1400, false).await;
    let r = app
        .post(
            &path,
            eng,
            json!({"work_date": "2027-03-09", "minutes": 41, "billable": true}),
        )
        .await;
    let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(e["message_key"], "time.day_full", "{e}");
    // Another engineer's day is their own.
    log(&app, &f.engineer2.token, f.ticket, "2027-03-09", 41, true).await;
    let list = body(app.get(&path, eng).await).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    // A ticket that does not exist.
    let r = app
        .post(
            "/api/v1/tickets/999999/time-entries",
            eng,
            json!({"work_date": "2027-03-10", "minutes": 60, "billable": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let ppath = format!("/api/v1/accounts/{}/packages", f.account);
    for bad in [
        json!({"name": "", "days": 5, "valid_from": "2027-01-01", "valid_to": "2027-12-31"}),
        json!({"name": "P", "days": 0, "valid_from": "2027-01-01", "valid_to": "2027-12-31"}),
        json!({"name": "P", "days": 3651, "valid_from": "2027-01-01", "valid_to": "2027-12-31"}),
        json!({"name": "P", "days": 5, "valid_from": "2027-12-31", "valid_to": "2027-01-01"}),
        json!({"name": "P", "days": 5, "valid_from": "2027-01-01", "valid_to": "2047-01-01"}),
        json!({"name": "P", "days": 5, "valid_from": "2027-01-01"}),
    ] {
        let r = app.post(&ppath, &f.manager.token, bad.clone()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(balance(&app, eng, f.account).await["packages"], json!([]));
}

#[actix_web::test]
async fn who_may_do_what() {
    let app = spawn_app_at(wednesday()).await;
    let f = fixture(&app, "roles").await;
    let entry = log(&app, &f.engineer.token, f.ticket, "2027-03-08", 60, true).await;
    let path = format!("/api/v1/time-entries/{}", entry["id"]);
    // Another engineer and the CSM may not change it; its author and a manager may.
    for other in [&f.engineer2, &f.csm] {
        let r = put_entry(&app, &other.token, &entry, json!({"minutes": 90})).await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
        let r = delete(&app, &other.token, &path).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = put_entry(&app, &f.manager.token, &entry, json!({"minutes": 90})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = put_entry(&app, &f.engineer.token, &entry, json!({"minutes": 120})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Every staff role logs time.
    for who in [&f.csm, &f.manager, &f.admin] {
        log(&app, &who.token, f.ticket, "2027-03-08", 15, false).await;
    }
    // Packages: managers and admins write, every staff member reads.
    let ppath = format!("/api/v1/accounts/{}/packages", f.account);
    let req = json!({"name": "P", "days": 5, "valid_from": "2027-01-01", "valid_to": "2027-12-31"});
    for who in [&f.csm, &f.engineer] {
        let r = app.post(&ppath, &who.token, req.clone()).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let pid = package(
        &app,
        &f.manager.token,
        f.account,
        "P",
        5,
        "2027-01-01",
        "2027-12-31",
    )
    .await;
    let r = app
        .put(
            &format!("/api/v1/packages/{pid}"),
            &f.csm.token,
            req.clone(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = delete(&app, &f.engineer.token, &format!("/api/v1/packages/{pid}")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .put(
            &format!("/api/v1/packages/{pid}"),
            &f.admin.token,
            json!({"name": "P2", "days": 6, "valid_from": "2027-01-01", "valid_to": "2027-12-31"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap()["capacity_minutes"],
        6 * 480
    );
    assert_eq!(
        balance(&app, &f.engineer.token, f.account).await["packages"][0]["used_minutes"],
        120
    );
    // Reports: not for engineers.
    for p in ["/api/v1/reports/time", "/api/v1/reports/packages"] {
        let r = app.get(p, &f.engineer.token).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{p}");
        assert_eq!(app.get(p, &f.csm.token).await.status(), StatusCode::OK);
    }
    // Portal users stay out of the staff routes, staff out of the portal's.
    for p in [
        format!("/api/v1/tickets/{}/time-entries", f.ticket),
        ppath.clone(),
        "/api/v1/reports/time".to_string(),
    ] {
        let r = app.get(&p, &f.customer_admin.token).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{p}");
    }
    let r = put_entry(&app, &f.customer_admin.token, &entry, json!({})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.get("/api/v1/portal/time", &f.admin.token).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The author deletes it.
    let r = delete(&app, &f.engineer.token, &path).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = delete(&app, &f.engineer.token, &path).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_80_and_100_percent_notices_go_out_once_each_in_the_readers_language() {
    let app = spawn_app_at(wednesday()).await;
    let f = fixture(&app, "note").await;
    let (eng, t) = (&f.engineer.token, f.ticket);
    let pid = package(
        &app,
        &f.manager.token,
        f.account,
        "2027 人天包",
        1,
        "2027-01-01",
        "2027-12-31",
    )
    .await;
    log(&app, eng, t, "2027-03-01", 300, true).await;
    log(&app, eng, t, "2027-03-01", 300, false).await;
    assert!(notices(&app).await.is_empty());
    // 390 of 480: 81 %.
    log(&app, eng, t, "2027-03-02", 90, true).await;
    let sent = notices(&app).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    let csm = sent.iter().find(|m| m.0 == "note-csm@x.cn").unwrap();
    assert!(csm.1.contains("Person-day package 80% used"), "{csm:?}");
    let boss = sent.iter().find(|m| m.0 == "note-boss@kehu.cn").unwrap();
    assert!(boss.1.contains("人天包已用 80%"), "{boss:?}");
    assert_eq!(
        boss.2,
        format!("package:{pid}:80:{}", f.customer_admin.id())
    );
    log(&app, eng, t, "2027-03-03", 60, true).await;
    assert_eq!(notices(&app).await.len(), 2);
    // 480: used up.
    let last = log(&app, eng, t, "2027-03-04", 30, true).await;
    let sent = notices(&app).await;
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert!(sent
        .iter()
        .any(|m| m.0 == "note-csm@x.cn" && m.1.contains("used up")));
    assert!(sent
        .iter()
        .any(|m| m.0 == "note-boss@kehu.cn" && m.1.contains("人天包已用完")));
    // Overage, a drop below 100 % and a new crossing: nothing again.
    log(&app, eng, t, "2027-03-05", 60, true).await;
    let r = delete(&app, eng, &format!("/api/v1/time-entries/{}", last["id"])).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    log(&app, eng, t, "2027-03-06", 120, true).await;
    let sent = notices(&app).await;
    assert_eq!(sent.len(), 4, "{sent:?}");
    // The customer (not an admin), the engineers and the manager hear nothing.
    let to: HashSet<&str> = sent.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(to, HashSet::from(["note-csm@x.cn", "note-boss@kehu.cn"]));
    let keys: HashSet<&str> = sent.iter().map(|m| m.2.as_str()).collect();
    assert_eq!(keys.len(), 4);
    let claims = server::entity::package_notices::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap();
    assert_eq!(claims.len(), 4);
}

#[actix_web::test]
async fn concurrent_writers_consume_exactly_and_notify_once() {
    let app = spawn_app_at(wednesday()).await;
    let f = fixture(&app, "conc").await;
    package(
        &app,
        &f.manager.token,
        f.account,
        "P",
        1,
        "2027-01-01",
        "2027-12-31",
    )
    .await;
    let path = format!("/api/v1/tickets/{}/time-entries", f.ticket);
    let tokens = [
        &f.engineer.token,
        &f.engineer2.token,
        &f.csm.token,
        &f.manager.token,
    ];
    let requests = (0..12).map(|i| {
        let token = tokens[i % tokens.len()].clone();
        let path = path.clone();
        let app = &app;
        async move {
            app.post(
                &path,
                &token,
                json!({"work_date": "2027-03-02", "minutes": 60, "billable": true}),
            )
            .await
            .status()
        }
    });
    let statuses = join_all(requests).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let b = balance(&app, &f.admin.token, f.account).await;
    assert_eq!(b["packages"][0]["used_minutes"], 480);
    assert_eq!(b["uncovered_minutes"], 12 * 60 - 480);
    let sent = notices(&app).await;
    assert_eq!(sent.len(), 4, "{sent:?}");
    let list = body(app.get(&path, &f.admin.token).await).await;
    let covered: i64 = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["covered_minutes"].as_i64().unwrap())
        .sum();
    assert_eq!(covered, 480);
}

#[actix_web::test]
async fn reports_sum_per_account_engineer_and_month_with_csv() {
    let app = spawn_app_at(wednesday()).await;
    let f = fixture(&app, "rep").await;
    let other = app
        .create_account(&f.admin.token, "华南分公司", "2002")
        .await;
    let other = other["id"].as_i64().unwrap();
    let other_ticket = ticket_on(&app, &f.admin.token, other, "报表导出").await;
    package(
        &app,
        &f.manager.token,
        f.account,
        "P",
        1,
        "2027-01-01",
        "2027-12-31",
    )
    .await;
    log(&app, &f.engineer.token, f.ticket, "2027-02-10", 300, true).await;
    log(&app, &f.engineer.token, f.ticket, "2027-03-01", 240, true).await;
    log(&app, &f.engineer2.token, f.ticket, "2027-03-02", 30, false).await;
    log(
        &app,
        &f.engineer2.token,
        other_ticket,
        "2027-03-02",
        120,
        true,
    )
    .await;
    // Outside the period.
    log(
        &app,
        &f.engineer2.token,
        other_ticket,
        "2026-12-31",
        60,
        true,
    )
    .await;

    let q = "from=2027-01-01&to=2027-12-31";
    let by_account = body(
        app.get(&format!("/api/v1/reports/time?{q}"), &f.manager.token)
            .await,
    )
    .await;
    assert_eq!(by_account["group"], "account");
    let rows = by_account["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{by_account}");
    let mine = rows
        .iter()
        .find(|r| r["key"] == f.account.to_string().as_str())
        .unwrap();
    assert_eq!(mine["label"], "客户公司");
    assert_eq!(
        (mine["minutes"].as_i64(), mine["billable_minutes"].as_i64()),
        (Some(570), Some(540))
    );
    assert_eq!(
        (
            mine["covered_minutes"].as_i64(),
            mine["uncovered_minutes"].as_i64()
        ),
        (Some(480), Some(60))
    );
    let theirs = rows
        .iter()
        .find(|r| r["key"] == other.to_string().as_str())
        .unwrap();
    assert_eq!(theirs["uncovered_minutes"], 120);

    let by_engineer = body(
        app.get(
            &format!("/api/v1/reports/time?group=engineer&{q}"),
            &f.admin.token,
        )
        .await,
    )
    .await;
    let rows = by_engineer["rows"].as_array().unwrap();
    let li = rows.iter().find(|r| r["label"] == "李工").unwrap();
    assert_eq!(li["minutes"], 540);
    let e2 = rows
        .iter()
        .find(|r| r["key"] == f.engineer2.id().to_string().as_str())
        .unwrap();
    assert_eq!(e2["minutes"], 150);

    let by_month = body(
        app.get(
            &format!("/api/v1/reports/time?group=month&{q}"),
            &f.admin.token,
        )
        .await,
    )
    .await;
    let months: Vec<(&str, i64)> = by_month["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap(), r["minutes"].as_i64().unwrap()))
        .collect();
    assert_eq!(months, [("2027-02", 300), ("2027-03", 390)]);

    // The CSM sees the account they own only.
    let csm = body(
        app.get(&format!("/api/v1/reports/time?{q}"), &f.csm.token)
            .await,
    )
    .await;
    assert_eq!(csm["rows"].as_array().unwrap().len(), 1);
    assert_eq!(csm["rows"][0]["key"], f.account.to_string());

    // CSV.
    let r = app
        .get(
            &format!("/api/v1/reports/time?group=month&format=csv&{q}"),
            &f.manager.token,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("time-by-month.csv"));
    let text = r.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "month,name,minutes,billable_minutes,covered_minutes,uncovered_minutes,billable_person_days");
    assert_eq!(lines[1], "2027-02,2027-02,300,300,300,0,0.62");
    assert_eq!(lines.len(), 3);
    let r = app
        .get(
            &format!("/api/v1/reports/time?format=csv&{q}"),
            &f.csm.token,
        )
        .await;
    let text = r.text().await.unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("客户公司"));

    // Package balances.
    let packages = body(app.get("/api/v1/reports/packages", &f.manager.token).await).await;
    let p = &packages["packages"][0];
    assert_eq!(p["account_name"], "客户公司");
    assert_eq!(
        (
            p["package"]["used_minutes"].as_i64(),
            p["package"]["remaining_minutes"].as_i64()
        ),
        (Some(480), Some(0))
    );
    let r = app
        .get("/api/v1/reports/packages?format=csv", &f.manager.token)
        .await;
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("packages.csv"));
    let text = r.text().await.unwrap();
    assert!(
        text.contains(",客户公司,P,1,2027-01-01,2027-12-31,480,480,0,100,0.00"),
        "{text}"
    );

    // Bad parameters: 422.
    for p in [
        "/api/v1/reports/time?group=week",
        "/api/v1/reports/time?format=xml",
        "/api/v1/reports/time?from=2027-03-01&to=2027-02-01",
        "/api/v1/reports/time?from=2000-01-01&to=2027-01-01",
        "/api/v1/reports/time?from=yesterday",
        "/api/v1/reports/packages?format=pdf",
    ] {
        let r = app.get(p, &f.manager.token).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    }
}

#[actix_web::test]
async fn another_workspace_sees_none_of_it() {
    let app = spawn_app_at(wednesday()).await;
    let f = fixture(&app, "ten").await;
    let pid = package(
        &app,
        &f.manager.token,
        f.account,
        "P",
        1,
        "2027-01-01",
        "2027-12-31",
    )
    .await;
    let entry = log(&app, &f.engineer.token, f.ticket, "2027-03-01", 60, true).await;
    let eid = entry["id"].as_i64().unwrap();
    let intruder = app.signup("Other", "ten-intruder@y.cn").await;
    let t = &intruder.token;
    let entry_body = json!({"work_date": "2027-03-01", "minutes": 60, "billable": true});
    let package_body =
        json!({"name": "X", "days": 1, "valid_from": "2027-01-01", "valid_to": "2027-12-31"});
    let calls = [
        (
            Method::GET,
            format!("/api/v1/tickets/{}/time-entries", f.ticket),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{}/time-entries", f.ticket),
            Some(entry_body.clone()),
        ),
        (
            Method::PUT,
            format!("/api/v1/time-entries/{eid}"),
            Some(entry_body.clone()),
        ),
        (Method::DELETE, format!("/api/v1/time-entries/{eid}"), None),
        (
            Method::GET,
            format!("/api/v1/accounts/{}/packages", f.account),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{}/packages", f.account),
            Some(package_body.clone()),
        ),
        (
            Method::PUT,
            format!("/api/v1/packages/{pid}"),
            Some(package_body.clone()),
        ),
        (Method::DELETE, format!("/api/v1/packages/{pid}"), None),
    ];
    for (method, path, body) in calls {
        let r = app.request(method.clone(), &path, Some(t), body).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    let time = body(
        app.get("/api/v1/reports/time?from=2027-01-01&to=2027-12-31", t)
            .await,
    )
    .await;
    assert_eq!(time["rows"], json!([]));
    let packages = body(app.get("/api/v1/reports/packages", t).await).await;
    assert_eq!(packages["packages"], json!([]));
    // Nothing changed for the owner.
    let b = balance(&app, &f.admin.token, f.account).await;
    assert_eq!(b["packages"][0]["used_minutes"], 60);
    assert_eq!(b["packages"][0]["name"], "P");
}

#[actix_web::test]
async fn the_portal_shows_its_own_balance_and_billable_time_without_internal_fields() {
    let app = spawn_app_at(wednesday()).await;
    let f = fixture(&app, "portal").await;
    package(
        &app,
        &f.manager.token,
        f.account,
        "2027 人天包",
        2,
        "2027-01-01",
        "2027-12-31",
    )
    .await;
    log(&app, &f.engineer.token, f.ticket, "2027-03-01", 300, true).await;
    log(&app, &f.engineer.token, f.ticket, "2027-03-02", 45, false).await;
    // Another account of the workspace, with its own portal user and time.
    let (other, stranger) = app
        .portal_user(&f.admin, "portal-other@kehu.cn", "3003")
        .await;
    let other = other["id"].as_i64().unwrap();
    let other_ticket = ticket_on(&app, &f.admin.token, other, "OTHER-ACCOUNT 工单").await;
    log(
        &app,
        &f.engineer2.token,
        other_ticket,
        "2027-03-01",
        90,
        true,
    )
    .await;

    for who in [&f.customer_admin, &f.customer] {
        let r = app.get("/api/v1/portal/time", &who.token).await;
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.unwrap();
        assert!(!text.contains("INTERNAL-ONLY"), "{text}");
        assert!(!text.contains("internal_note"), "{text}");
        assert!(!text.contains("user_id"), "{text}");
        assert!(!text.contains("OTHER-ACCOUNT"), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["balance"]["account_id"], f.account);
        assert_eq!(v["balance"]["packages"][0]["used_minutes"], 300);
        assert_eq!(v["balance"]["packages"][0]["remaining_minutes"], 660);
        let entries = v["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "only billable time: {v}");
        assert_eq!(entries[0]["engineer"], "李工");
        assert_eq!(entries[0]["note"], "月结检查");
        assert_eq!(entries[0]["minutes"], 300);
        assert_eq!(entries[0]["ticket_subject"], "月结上门支持");
    }
    let v = body(app.get("/api/v1/portal/time", &stranger.token).await).await;
    assert_eq!(v["balance"]["account_id"], other);
    assert_eq!(v["balance"]["packages"], json!([]));
    assert_eq!(v["balance"]["uncovered_minutes"], 90);
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    assert_eq!(v["entries"][0]["ticket_subject"], "OTHER-ACCOUNT 工单");
}

async fn visit_on(app: &TestApp, token: &str, ticket: i64) -> i64 {
    let r = app
        .post(
            "/api/v1/visits",
            token,
            json!({"ticket_id": ticket, "visit_date": "2027-03-09", "slot": "morning",
                   "purpose": "现场月结"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn time_names_a_visit_of_its_own_ticket_only() {
    let app = spawn_app_at(wednesday()).await;
    let f = fixture(&app, "tv").await;
    let visit = visit_on(&app, &f.admin.token, f.ticket).await;
    // A visit of another ticket of the same account, and of another workspace.
    let other_ticket = ticket_on(&app, &f.admin.token, f.account, "另一个工单").await;
    let other_visit = visit_on(&app, &f.admin.token, other_ticket).await;
    let intruder = app.signup("Other", "tv-intruder@y.cn").await;
    let their_account = app.create_account(&intruder.token, "别家", "9001").await["id"]
        .as_i64()
        .unwrap();
    let their_ticket = ticket_on(&app, &intruder.token, their_account, "别家的工单").await;
    let their_visit = visit_on(&app, &intruder.token, their_ticket).await;

    let entry = |visit_id: i64| {
        json!({"work_date": "2027-03-09", "minutes": 90, "billable": true,
               "note": "上门月结", "visit_id": visit_id})
    };
    let path = format!("/api/v1/tickets/{}/time-entries", f.ticket);
    let r = app.post(&path, &f.engineer.token, entry(visit)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let logged: Value = r.json().await.unwrap();
    assert_eq!(logged["visit_id"], visit);
    let listed = body(app.get(&path, &f.engineer.token).await).await;
    assert_eq!(listed[0]["visit_id"], visit, "{listed}");

    for bad in [other_visit, their_visit, 987_654] {
        let err = assert_error(
            app.post(&path, &f.engineer.token, entry(bad)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            err["field_keys"]["visit_id"]["key"], "time.visit_other_ticket",
            "{err}"
        );
        let r = put_entry(&app, &f.engineer.token, &logged, json!({"visit_id": bad})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Nothing changed, and the entry can drop its visit.
    let listed = body(app.get(&path, &f.engineer.token).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["visit_id"], visit);
    let r = put_entry(&app, &f.engineer.token, &logged, json!({"visit_id": null})).await;
    assert_eq!(r.status(), StatusCode::OK);

    // The database holds the key too: a row naming no visit is refused.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let row = server::entity::time_entries::ActiveModel {
        workspace_id: Set(f.admin.user["workspace_id"].as_i64().unwrap()),
        account_id: Set(f.account),
        ticket_id: Set(f.ticket),
        visit_id: Set(Some(987_654)),
        user_id: Set(f.engineer.id()),
        work_date: Set(chrono::NaiveDate::from_ymd_opt(2027, 3, 9).unwrap()),
        minutes: Set(10),
        billable: Set(false),
        note: Set(String::new()),
        internal_note: Set(String::new()),
        covered_minutes: Set(0),
        created_at: Set(wednesday()),
        updated_at: Set(wednesday()),
        ..Default::default()
    };
    assert!(
        row.insert(&app.app_state.db.write).await.is_err(),
        "the foreign key refuses a missing visit"
    );
}
