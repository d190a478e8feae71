//! The agreement and licence lifecycle (issue 16): agreements and licences
//! ending in 60/30/7 days remind the owner and the customer's admins
//! exactly once each; renewing a contract renews its agreement; a dongle
//! split waits for a manager's approval (maker-checker); seat use against
//! seats.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::reminders::{end, flush, set_day, world};

async fn run_expiry(app: &TestApp) -> Value {
    server::jobs::run(&app.app_state, "expiry-reminders")
        .await
        .expect("the job runs")
        .summary
}

/// (recipient, subject) of every expiry mail received.
fn expiry_mails(app: &TestApp) -> Vec<(String, String)> {
    app.mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .map(|m| (m.to.join(","), m.header("Subject").unwrap_or_default()))
        .filter(|(_, s)| s.contains("到期") || s.contains("ends on"))
        .collect()
}

fn count(mails: &[(String, String)], to: &str, has: &str) -> usize {
    mails
        .iter()
        .filter(|(t, s)| t.contains(to) && s.contains(has))
        .count()
}

async fn json_of(r: reqwest::Response, status: StatusCode) -> Value {
    let got = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

#[actix_web::test]
async fn agreements_and_licences_ending_remind_the_owner_and_customer_admins_once_each() {
    let w = world("exp", 70).await;
    let app = &w.app;
    let id = w.account["id"].as_i64().unwrap();
    json_of(
        app.post(
            &format!("/api/v1/accounts/{id}/agreements"),
            &w.csm.token,
            json!({"level": "gold", "starts_on": "2026-07-01", "ends_on": end()}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json_of(
        app.post(
            &format!("/api/v1/accounts/{id}/licenses"),
            &w.csm.token,
            json!({"edition": "K/3 WISE 标准版", "modules": ["finance"], "seats": 10,
                   "dongle_serial": "KD-EXP-1", "expires_on": end()}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // A second account whose agreement is followed by the next: no reminder.
    let renewed = app.create_account(&w.csm.token, "已续签客户", "2").await;
    let rid = renewed["id"].as_i64().unwrap();
    for (starts, ends) in [
        ("2026-07-01", end().to_string()),
        ("2027-07-01", "2028-06-30".into()),
    ] {
        json_of(
            app.post(
                &format!("/api/v1/accounts/{rid}/agreements"),
                &w.csm.token,
                json!({"level": "silver", "starts_on": starts, "ends_on": ends}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }

    // Every day from 70 days before the end to 2 days after, twice a day,
    // and on the offset days two runs at once (two replicas).
    for days_before in (-2..=70).rev() {
        set_day(app, days_before);
        let (a, b) = tokio::join!(run_expiry(app), run_expiry(app));
        let again = run_expiry(app).await;
        flush(app).await;
        let sent = |r: &Value| r["agreements"].as_u64().unwrap() + r["licenses"].as_u64().unwrap();
        let expected = if [60, 30, 7].contains(&days_before) {
            4
        } else {
            0
        };
        assert_eq!(sent(&a) + sent(&b), expected, "day -{days_before}: {a} {b}");
        assert_eq!(sent(&again), 0, "day -{days_before}: {again}");
    }
    let mails = expiry_mails(app);
    for days in [60, 30, 7] {
        // The owner: one per subject and offset, in Chinese (the default).
        assert_eq!(
            count(&mails, "exp-csm@x.cn", &format!("剩 {days} 天")),
            2,
            "{mails:?}"
        );
    }
    assert_eq!(count(&mails, "exp-csm@x.cn", "维护服务协议"), 3);
    assert_eq!(count(&mails, "exp-csm@x.cn", "产品授权"), 3);
    assert_eq!(count(&mails, "exp-cadmin@x.cn", "您的维护服务协议"), 3);
    assert_eq!(count(&mails, "exp-cadmin@x.cn", "您的产品授权"), 3);
    // Plain customers and the renewed account's people hear nothing.
    assert_eq!(count(&mails, "exp-cust@x.cn", ""), 0);
    assert!(
        !mails.iter().any(|(_, s)| s.contains("已续签客户")),
        "{mails:?}"
    );
    assert_eq!(mails.len(), 12, "{mails:?}");
    // The customer's mail names no amount and no internal link.
    let customer = app
        .mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .find(|m| m.to.join(",").contains("exp-cadmin"))
        .map(|m| m.body())
        .unwrap();
    assert!(!customer.contains("/accounts/"), "{customer}");
    // The reminders to the customer are on the account's timeline (a new
    // session: the clock has moved past the first one's life).
    let csm = app.login_ok("exp-csm@x.cn").await;
    let timeline = json_of(
        app.get(
            &format!("/api/v1/accounts/{id}/timeline?kind=email_sent"),
            &csm.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        timeline["items"].as_array().map(Vec::len),
        Some(6),
        "{timeline}"
    );

    // Extending the licence moves its end: reminded again before the new end.
    let log = server::entity::expiry_reminder_log::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap();
    assert_eq!(log.len(), 12);
}

#[actix_web::test]
async fn renewing_a_contract_renews_the_agreement_that_belongs_to_it() {
    let w = world("ren", 40).await;
    let app = &w.app;
    let id = w.account["id"].as_i64().unwrap();
    let contracts = json_of(
        app.get(&format!("/api/v1/contracts?account_id={id}"), &w.csm.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let contract_id = contracts["items"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/accounts/{id}/agreements");
    // A contract of another account, or of another workspace, is refused.
    let other = app.create_account(&w.csm.token, "别的客户", "3").await;
    let theirs = crate::reminders::add_contract(app, &w.csm.token, &other, "1.00").await;
    let outsider = app.signup("X", "ren-x@x.cn").await;
    for bad in [theirs["id"].as_i64().unwrap(), 999_999] {
        let e = assert_error(
            app.post(
                &path,
                &w.csm.token,
                json!({"level": "gold", "starts_on": "2026-07-01", "ends_on": end(), "contract_id": bad}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(e["fields"]["contract_id"].is_string(), "{e}");
    }
    let agreement = json_of(
        app.post(
            &path,
            &w.csm.token,
            json!({"level": "gold", "starts_on": "2026-07-01", "ends_on": end(),
                   "service_content": "远程支持", "contract_id": contract_id}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(agreement["contract_id"], contract_id);
    assert_error(
        app.get(&path, &outsider.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // The renewal (opened when the contract entered the horizon) renews.
    let renewals = json_of(
        app.get("/api/v1/renewals", &w.csm.token).await,
        StatusCode::OK,
    )
    .await;
    let renewal = renewals["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["contract_id"] == contract_id)
        .cloned()
        .expect("the renewal is open");
    let outcome = json_of(
        app.post(
            &format!("/api/v1/renewals/{}/renew", renewal["id"]),
            &w.csm.token,
            json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let next_contract = outcome["contract"]["id"].as_i64().unwrap();
    let list = json_of(app.get(&path, &w.csm.token).await, StatusCode::OK).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let next = list
        .iter()
        .find(|a| a["contract_id"] == next_contract)
        .expect("a new agreement for the next contract");
    assert_eq!(next["level"], "gold");
    assert_eq!(next["starts_on"], "2027-07-01");
    assert_eq!(next["ends_on"], outcome["contract"]["ends_on"]);
    assert_eq!(next["service_content"], "远程支持");
    assert!(next["signed_on"].is_string());
    let timeline = json_of(
        app.get(
            &format!("/api/v1/accounts/{id}/timeline?kind=agreement_renewed"),
            &w.csm.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        timeline["items"].as_array().map(Vec::len),
        Some(1),
        "{timeline}"
    );
}

#[actix_web::test]
async fn a_dongle_split_waits_for_a_managers_approval() {
    let app = spawn_app().await;
    let admin = app.signup("W", "split-admin@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "split-eng@x.cn").await;
    let manager = app.staff(&admin, "manager", "split-mgr@x.cn").await;
    let account = app.create_account(&admin.token, "拆分客户", "1").await;
    let id = account["id"].as_i64().unwrap();
    let base = format!("/api/v1/accounts/{id}/licenses");
    let license = json_of(
        app.post(
            &base,
            &engineer.token,
            json!({"edition": "K/3 WISE 旗舰版", "modules": ["finance", "sales", "production"],
                   "seats": 30, "dongle_serial": "KD-OLD"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let lid = license["id"].as_i64().unwrap();
    json_of(
        app.post(&base, &engineer.token, json!({"edition": "x", "modules": ["inventory"], "seats": 1, "dongle_serial": "KD-TAKEN"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let split = format!("{base}/{lid}/split");
    let body = json!({"new_dongle_serial": "KD-NEW", "seats": 10, "modules": ["production"],
                      "reason": "老用户升级：生产车间单独使用一把锁"});
    // Not registered yet: nothing to split.
    assert_error(
        app.post(&split, &engineer.token, body.clone()).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    json_of(
        app.post(
            &format!("{base}/{lid}/register"),
            &engineer.token,
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Bad requests: 422 on their field.
    for (bad, field) in [
        (
            json!({"new_dongle_serial": "KD-NEW", "seats": 30, "reason": "r"}),
            "seats",
        ),
        (
            json!({"new_dongle_serial": "KD-NEW", "seats": 0, "reason": "r"}),
            "seats",
        ),
        (
            json!({"new_dongle_serial": "KD-NEW", "seats": 5, "modules": ["inventory"], "reason": "r"}),
            "modules",
        ),
        (
            json!({"new_dongle_serial": "KD-NEW", "seats": 5, "modules": [], "reason": "r"}),
            "modules",
        ),
        (
            json!({"new_dongle_serial": " ", "seats": 5, "reason": "r"}),
            "new_dongle_serial",
        ),
        (
            json!({"new_dongle_serial": "KD-NEW", "seats": 5, "reason": ""}),
            "reason",
        ),
    ] {
        let e = assert_error(
            app.post(&split, &engineer.token, bad.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(e["fields"][field].is_string(), "{bad}: {e}");
    }
    // A serial in use is a conflict.
    let e = assert_error(
        app.post(
            &split,
            &engineer.token,
            json!({"new_dongle_serial": "KD-TAKEN", "seats": 5, "reason": "r"}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(e["fields"]["dongle_serial"].is_string(), "{e}");
    // Another workspace sees no such licence.
    let outsider = app.signup("X", "split-x@x.cn").await;
    assert_error(
        app.post(&split, &outsider.token, body.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // The request: a pending approval; nothing changes yet; one at a time.
    let approval = json_of(
        app.post(&split, &engineer.token, body.clone()).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(approval["kind"], "license_split");
    assert_eq!(approval["status"], "pending");
    assert!(
        approval["summary"].as_str().unwrap().contains("KD-NEW"),
        "{approval}"
    );
    assert_error(
        app.post(&split, &engineer.token, body.clone()).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let licences = json_of(app.get(&base, &engineer.token).await, StatusCode::OK).await;
    assert_eq!(licences.as_array().unwrap().len(), 2);
    assert_eq!(licences[0]["seats"], 30);

    // The engineer (the maker) cannot approve; the manager can.
    let decide = format!("/api/v1/approvals/{}/approve", approval["id"]);
    assert_error(
        app.post(&decide, &engineer.token, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    json_of(
        app.post(&decide, &manager.token, json!({})).await,
        StatusCode::OK,
    )
    .await;
    let licences = json_of(app.get(&base, &engineer.token).await, StatusCode::OK).await;
    let licences = licences.as_array().unwrap();
    assert_eq!(licences.len(), 3, "{licences:?}");
    let old = licences.iter().find(|l| l["id"] == lid).unwrap();
    assert_eq!(old["seats"], 20);
    assert_eq!(old["dongle_serial"], "KD-OLD");
    assert_eq!(old["status"], "registered");
    let new = licences
        .iter()
        .find(|l| l["dongle_serial"] == "KD-NEW")
        .unwrap();
    assert_eq!(new["seats"], 10);
    assert_eq!(new["modules"], json!(["production"]));
    assert_eq!(new["status"], "unregistered");
    assert_eq!(new["edition"], "K/3 WISE 旗舰版");
    let history = json_of(
        app.get(&format!("{base}/{lid}/registrations"), &engineer.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["initial", "split"]);
    // "split" is not a kind a registration may ask for.
    assert_error(
        app.post(
            &format!("{base}/{lid}/registrations"),
            &engineer.token,
            json!({"kind": "split", "seats": 5}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // A rejected split changes nothing.
    let second = json_of(
        app.post(
            &split,
            &engineer.token,
            json!({"new_dongle_serial": "KD-THIRD", "seats": 5, "reason": "再拆"}),
        )
        .await,
        StatusCode::ACCEPTED,
    )
    .await;
    json_of(
        app.post(
            &format!("/api/v1/approvals/{}/reject", second["id"]),
            &manager.token,
            json!({"comment": "不符合拆分条件"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let licences = json_of(app.get(&base, &engineer.token).await, StatusCode::OK).await;
    assert_eq!(licences.as_array().unwrap().len(), 3);
    assert_eq!(
        licences
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == lid)
            .unwrap()["seats"],
        20
    );
}

#[actix_web::test]
async fn seat_use_counts_distinct_users_of_the_last_thirty_days_against_seats() {
    let app = spawn_app().await;
    let admin = app.signup("W", "seat-admin@x.cn").await;
    let account = app.create_account(&admin.token, "用户数客户", "1").await;
    let id = account["id"].as_i64().unwrap();
    let base = format!("/api/v1/accounts/{id}/licenses");
    for (serial, modules, seats, expires) in [
        ("KD-A", json!(["finance", "sales"]), 3, None),
        ("KD-B", json!(["production"]), 2, None),
        ("KD-C", json!(["inventory"]), 50, Some("2020-01-01")),
    ] {
        json_of(
            app.post(
                &base,
                &admin.token,
                json!({"edition": "标准版", "modules": modules, "seats": seats,
                       "dongle_serial": serial, "expires_on": expires}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let key: Value = json_of(
        app.post("/api/v1/api-keys", &admin.token, json!({"name": "ERP"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let now = Utc::now();
    let ev = |user: &str, module: &str, days_ago: i64| {
        json!({"account_id": id, "user_ref": user, "module": module,
               "occurred_at": now - Duration::days(days_ago)})
    };
    let events = vec![
        ev("u1", "finance", 1),
        ev("u1", "finance", 2),
        ev("u2", "sales", 3),
        ev("u3", "finance", 5),
        ev("u4", "finance", 6),
        ev("u4", "production", 6),
        ev("u5", "finance", 45),
    ];
    let r = app
        .client
        .post(app.url("/api/v1/usage-events"))
        .header("X-Api-Key", key["secret"].as_str().unwrap())
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let seat = json_of(
        app.get(&format!("{base}/seat-use"), &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seat["window_days"], 30);
    // u1..u4 within 30 days (u5 is older); the expired licence's seats don't count.
    assert_eq!(seat["used"], 4, "{seat}");
    assert_eq!(seat["seats"], 5, "{seat}");
    let per: Vec<(i64, i64, bool)> = seat["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["seats"].as_i64().unwrap(),
                l["used"].as_i64().unwrap(),
                l["expired"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(per, [(3, 4, false), (2, 1, false), (50, 0, true)]);
    // Another workspace: 404; a portal user: 403.
    let outsider = app.signup("X", "seat-x@x.cn").await;
    assert_error(
        app.get(&format!("{base}/seat-use"), &outsider.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (_, portal) = app.portal_user(&admin, "seat-p@x.cn", "2").await;
    assert_error(
        app.get(&format!("{base}/seat-use"), &portal.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

/// Staff see, before logging a ticket, whether the account's agreement
/// covers it; other workspaces and portal users are refused.
#[actix_web::test]
async fn staff_see_whether_an_accounts_agreement_covers_a_ticket() {
    let app = spawn_app().await;
    let admin = app.signup("W", "cov-admin@x.cn").await;
    let account = app.create_account(&admin.token, "覆盖客户", "1").await;
    let id = account["id"].as_i64().unwrap();
    let path = format!("/api/v1/accounts/{id}/entitlement");
    // Never had an agreement, not required: served at the default level.
    let e = json_of(app.get(&path, &admin.token).await, StatusCode::OK).await;
    assert_eq!(e["covered"], true, "{e}");
    // A lapsed agreement: outside, and why.
    json_of(
        app.post(
            &format!("/api/v1/accounts/{id}/agreements"),
            &admin.token,
            json!({"level": "gold", "starts_on": "2020-01-01", "ends_on": "2020-12-31"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let e = json_of(app.get(&path, &admin.token).await, StatusCode::OK).await;
    assert_eq!(e["covered"], false, "{e}");
    assert_eq!(e["reason"], "no_agreement", "{e}");
    let outsider = app.signup("X", "cov-x@x.cn").await;
    assert_error(
        app.get(&path, &outsider.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (_, portal) = app.portal_user(&admin, "cov-p@x.cn", "2").await;
    assert_error(
        app.get(&path, &portal.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
