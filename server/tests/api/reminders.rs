//! Renewal reminders: each offset on its day, exactly once (repeated and
//! concurrent runs, catch-up after a gap), escalation once, the customer's
//! admins only when opted in, nothing for renewed contracts; the settings.

use std::collections::{HashMap, HashSet};
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::helpers::*;

/// Contracts in these tests end on this day.
pub(crate) fn end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()
}

/// Sets the clock to 09:00 in Shanghai, `days_before` the contracts' end.
pub(crate) fn set_day(app: &TestApp, days_before: i64) {
    let day = end() - Duration::days(days_before);
    let at = Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap());
    app.clock.as_ref().unwrap().set(at);
}

pub(crate) async fn run_job(app: &TestApp) -> Value {
    let report = server::jobs::run(&app.app_state, "renewal-reminders")
        .await
        .expect("the job runs");
    report.summary
}

/// Delivers everything queued and waits until the outbox is empty. Tests
/// flush before moving the clock: the outbox takes a claim older than ten
/// minutes (by the app's clock) for a crashed send and retries it, so a
/// simulated day passing during a send would look like a crash.
pub(crate) async fn flush(app: &TestApp) {
    let state = &app.app_state;
    for _ in 0..100 {
        state
            .mailer
            .deliver_pending(&state.db, state.clock.as_ref())
            .await
            .unwrap();
        let rows = server::entity::email_outbox::Entity::find()
            .all(&state.db.read)
            .await
            .unwrap();
        if rows.iter().all(|r| r.status == "sent") {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("the outbox did not drain");
}

/// (recipient, subject) of every renewal mail received.
pub(crate) fn renewal_mails(app: &TestApp) -> Vec<(String, String)> {
    app.mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .map(|m| (m.to.join(","), m.header("Subject").unwrap_or_default()))
        .filter(|(_, s)| s.contains("续约") || s.contains("合同") || s.contains("contract"))
        .collect()
}

pub(crate) fn count(mails: &[(String, String)], to: &str, subject_has: &str) -> usize {
    mails
        .iter()
        .filter(|(t, s)| t.contains(to) && s.contains(subject_has))
        .count()
}

pub(crate) struct World {
    pub app: TestApp,
    pub admin: Session,
    pub csm: Session,
    pub account: Value,
}

/// A workspace (admin, CSM `{p}-csm`, manager `{p}-mgr`) whose CSM owns an
/// account with a contract ending on `end()`, a customer_admin portal user
/// `{p}-cadmin` and a customer portal user `{p}-cust`.
pub(crate) async fn world(p: &str, days_before: i64) -> World {
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 1, 1, 1, 0, 0).unwrap()).await;
    set_day(&app, days_before);
    let admin = app.signup("W", &format!("{p}-admin@x.cn")).await;
    let csm = app.staff(&admin, "csm", &format!("{p}-csm@x.cn")).await;
    app.staff(&admin, "manager", &format!("{p}-mgr@x.cn")).await;
    let account = app.create_account(&csm.token, "提醒客户", "1").await;
    add_contract(&app, &csm.token, &account, "128000.00").await;
    for (who, role) in [("cadmin", "customer_admin"), ("cust", "customer")] {
        let email = format!("{p}-{who}@x.cn");
        let contact = app
            .create_contact(
                &csm.token,
                account["id"].as_i64().unwrap(),
                "联系人",
                &email,
            )
            .await;
        let response = app
            .post(
                &format!("/api/v1/contacts/{}/portal-access", contact["id"]),
                &admin.token,
                json!({ "role": role }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        app.accept_invitation(&email).await;
    }
    World {
        app,
        admin,
        csm,
        account,
    }
}

pub(crate) async fn add_contract(
    app: &TestApp,
    token: &str,
    account: &Value,
    value: &str,
) -> Value {
    let response = app
        .post(
            "/api/v1/contracts",
            token,
            json!({"account_id": account["id"], "starts_on": "2026-07-01", "ends_on": end(), "annual_value": value}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[actix_web::test]
async fn each_offset_is_reminded_on_its_day_once_and_escalated_once() {
    let w = world("day", 120).await;
    let app = &w.app;
    // Every day from 120 days before the end to 3 days after, twice a day.
    for days_before in (-3..=120).rev() {
        set_day(app, days_before);
        let first = run_job(app).await;
        let second = run_job(app).await;
        flush(app).await;
        assert_eq!(second["reminders"], 0, "day -{days_before}");
        assert_eq!(second["escalations"], 0, "day -{days_before}");
        let expected_reminders = u64::from([90, 60, 30, 7].contains(&days_before));
        assert_eq!(
            first["reminders"].as_u64().unwrap(),
            expected_reminders,
            "day -{days_before}: {first}"
        );
        assert_eq!(
            first["escalations"].as_u64().unwrap(),
            u64::from(days_before == 30),
            "day -{days_before}: {first}"
        );
    }
    flush(app).await;
    let mails = renewal_mails(app);
    for days in [90, 60, 30, 7] {
        assert_eq!(
            count(&mails, "day-csm@x.cn", &format!("剩 {days} 天")),
            1,
            "{mails:?}"
        );
    }
    assert_eq!(count(&mails, "day-csm@x.cn", "续约提醒"), 4);
    assert_eq!(count(&mails, "day-mgr@x.cn", "续约升级"), 1);
    // notify_customer is off by default: no customer hears anything.
    assert_eq!(count(&mails, "day-cadmin", ""), 0);
    assert_eq!(count(&mails, "day-cust", ""), 0);
    assert_eq!(mails.len(), 5, "{mails:?}");
    // Each mail has its own Message-ID, the one the outbox gave it.
    let ids: HashSet<String> = app
        .mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    let rows = server::entity::email_outbox::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap();
    for row in rows.iter().filter(|r| {
        r.dedupe_key
            .as_deref()
            .is_some_and(|k| k.starts_with("renewal:"))
    }) {
        assert!(ids.contains(&row.message_id), "{}", row.message_id);
    }
}

#[actix_web::test]
async fn a_server_back_after_a_gap_sends_only_the_latest_missed_reminder_once() {
    let w = world("gap", 95).await;
    let app = &w.app;
    set_day(app, 90);
    assert_eq!(run_job(app).await["reminders"], 1);
    flush(app).await;
    // Down from 89 to 21 days before the end: 60 and 30 were missed.
    set_day(app, 20);
    let report = run_job(app).await;
    assert_eq!(report["reminders"], 1, "{report}");
    assert_eq!(report["escalations"], 1, "{report}");
    for days_before in (8..=20).rev() {
        set_day(app, days_before);
        let report = run_job(app).await;
        assert_eq!(report["reminders"], 0, "{report}");
        assert_eq!(report["escalations"], 0, "{report}");
        flush(app).await;
    }
    flush(app).await;
    let mails = renewal_mails(app);
    assert_eq!(count(&mails, "gap-csm@x.cn", "续约提醒"), 2, "{mails:?}");
    assert_eq!(count(&mails, "gap-csm@x.cn", "剩 90 天"), 1);
    // The catch-up reminder is the 30-day one, sent 20 days before the end.
    assert_eq!(count(&mails, "gap-csm@x.cn", "剩 20 天"), 1);
    let log = server::entity::reminder_log::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap();
    let mut offsets: Vec<(String, i32)> = log
        .iter()
        .map(|l| (l.kind.clone(), l.offset_days))
        .collect();
    offsets.sort();
    assert_eq!(
        offsets,
        vec![
            // The renewal.due_soon claims: one per offset reached.
            ("due_soon".to_string(), 30),
            ("due_soon".to_string(), 90),
            ("escalation".to_string(), 30),
            ("reminder".to_string(), 30),
            ("reminder".to_string(), 90)
        ]
    );
}

#[actix_web::test]
async fn notify_customer_reaches_the_customer_admins_without_the_amount() {
    let w = world("cust", 61).await;
    let app = &w.app;
    // Only admins change the settings.
    let response = app
        .put(
            "/api/v1/settings/reminders",
            &w.csm.token,
            json!({"notify_customer": true}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .put(
            "/api/v1/settings/reminders",
            &w.admin.token,
            json!({"notify_customer": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    set_day(app, 60);
    let report = run_job(app).await;
    assert_eq!(report["reminders"], 2, "{report}");
    run_job(app).await;
    flush(app).await;
    let mails = renewal_mails(app);
    assert_eq!(count(&mails, "cust-csm@x.cn", "续约提醒"), 1, "{mails:?}");
    assert_eq!(count(&mails, "cust-cadmin@x.cn", "合同"), 1, "{mails:?}");
    // A customer who is not the account's admin is not told.
    assert_eq!(count(&mails, "cust-cust@x.cn", ""), 0);
    // The customer's mail never carries the contract's amount; the CSM's does.
    let customer_mail = app.mail.wait_for("cust-cadmin@x.cn").await;
    assert!(!customer_mail.body().contains("128000"));
    assert!(app
        .mail
        .wait_for("cust-csm@x.cn")
        .await
        .body()
        .contains("128000.00"));

    // Switched off again: the next offset reaches only the CSM.
    let admin = app.login_ok("cust-admin@x.cn").await;
    let response = app
        .put(
            "/api/v1/settings/reminders",
            &admin.token,
            json!({"notify_customer": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    set_day(app, 30);
    let report = run_job(app).await;
    assert_eq!(report["reminders"], 1, "{report}");
    flush(app).await;
    let mails = renewal_mails(app);
    assert_eq!(count(&mails, "cust-cadmin@x.cn", ""), 1, "{mails:?}");
    assert_eq!(count(&mails, "cust-csm@x.cn", "续约提醒"), 2);
}

#[actix_web::test]
async fn a_renewed_contract_gets_no_more_reminders_and_a_started_renewal_no_escalation() {
    let w = world("ren", 61).await;
    let app = &w.app;
    let second = app.create_account(&w.csm.token, "谈判客户", "2").await;
    add_contract(app, &w.csm.token, &second, "1.00").await;
    set_day(app, 60);
    assert_eq!(run_job(app).await["reminders"], 2);
    flush(app).await;

    // 45 days before the end, the first is renewed and the second negotiated.
    set_day(app, 45);
    let csm = app.login_ok("ren-csm@x.cn").await;
    let list: Value = app
        .get("/api/v1/renewals", &csm.token)
        .await
        .json()
        .await
        .unwrap();
    let by_account: HashMap<i64, i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["account_id"].as_i64().unwrap(), r["id"].as_i64().unwrap()))
        .collect();
    let first = by_account[&w.account["id"].as_i64().unwrap()];
    let response = app
        .post(
            &format!("/api/v1/renewals/{first}/renew"),
            &csm.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app
        .patch(
            &format!(
                "/api/v1/renewals/{}",
                by_account[&second["id"].as_i64().unwrap()]
            ),
            &csm.token,
            json!({"stage": "in_negotiation"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    for days_before in (-2..=44).rev() {
        set_day(app, days_before);
        let report = run_job(app).await;
        // Only the negotiated one: its 30 and 7 day reminders, no escalation.
        let expected = u64::from([30, 7].contains(&days_before));
        assert_eq!(report["reminders"].as_u64().unwrap(), expected, "{report}");
        assert_eq!(report["escalations"], 0, "{report}");
        flush(app).await;
    }
    flush(app).await;
    let mails = renewal_mails(app);
    assert_eq!(count(&mails, "ren-csm@x.cn", "提醒客户"), 1, "{mails:?}");
    assert_eq!(count(&mails, "ren-csm@x.cn", "谈判客户"), 3, "{mails:?}");
    assert_eq!(count(&mails, "ren-mgr@x.cn", ""), 0);
}

/// Three job runs at once, every simulated day, on the same database:
/// every (contract, offset, recipient) is mailed exactly once.
#[actix_web::test]
async fn three_concurrent_runs_over_many_days_send_each_reminder_exactly_once() {
    let w = world("conc", 100).await;
    let app = &w.app;
    let response = app
        .put(
            "/api/v1/settings/reminders",
            &w.admin.token,
            json!({"notify_customer": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // Four more accounts of the same CSM, each with a contract.
    for i in 2..=5 {
        let account = app
            .create_account(&w.csm.token, &format!("并发客户{i}"), &i.to_string())
            .await;
        add_contract(app, &w.csm.token, &account, "10.00").await;
    }
    let mut totals = (0u64, 0u64, 0u64);
    for days_before in (-1..=95).rev() {
        set_day(app, days_before);
        let runs: Vec<_> = (0..3)
            .map(|_| {
                let state = app.app_state.clone();
                tokio::spawn(async move {
                    server::jobs::run(&state, "renewal-reminders")
                        .await
                        .expect("the job runs")
                        .summary
                })
            })
            .collect();
        for run in runs {
            let report = run.await.unwrap();
            totals.0 += report["reminders"].as_u64().unwrap();
            totals.1 += report["escalations"].as_u64().unwrap();
            totals.2 += report["due_soon"].as_u64().unwrap();
        }
        flush(app).await;
    }
    // 5 contracts × 4 offsets to the CSM, 1 × 4 to the customer admin;
    // 5 escalations to the manager; 5 × 4 renewal.due_soon claims.
    assert_eq!(totals, (24, 5, 20));
    flush(app).await;
    let mails = renewal_mails(app);
    assert_eq!(mails.len(), 29, "{mails:?}");
    assert_eq!(count(&mails, "conc-csm@x.cn", "续约提醒"), 20);
    assert_eq!(count(&mails, "conc-cadmin@x.cn", "合同"), 4);
    assert_eq!(count(&mails, "conc-mgr@x.cn", "续约升级"), 5);
    let rows = server::entity::email_outbox::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap();
    let keys: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.dedupe_key.as_deref())
        .filter(|k| k.starts_with("renewal:"))
        .collect();
    let distinct: HashSet<&&str> = keys.iter().collect();
    assert_eq!((keys.len(), distinct.len()), (29, 29));
    let log = server::entity::reminder_log::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap();
    assert_eq!(log.len(), 29 + 20);
    // One renewal per contract, however many runs opened them.
    let renewals = server::entity::renewals::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap();
    assert_eq!(renewals.len(), 5);
}

#[actix_web::test]
async fn reminder_settings_have_defaults_and_are_validated() {
    let app = spawn_app().await;
    let admin = app.signup("W", "set@x.cn").await;
    let csm = app.staff(&admin, "csm", "set-csm@x.cn").await;
    let manager = app.staff(&admin, "manager", "set-mgr@x.cn").await;
    let settings: Value = app
        .get("/api/v1/settings/reminders", &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["offsets_days"], json!([90, 60, 30, 7]));
    assert_eq!(settings["notify_customer"], false);
    assert_eq!(settings["renewal_horizon_days"], 180);
    assert_eq!(settings["escalation_days"], 30);
    assert!(settings["churn_reasons"].as_array().unwrap().len() > 1);

    let response = app
        .put(
            "/api/v1/settings/reminders",
            &manager.token,
            json!({"offsets_days": [30]}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    for (body, field) in [
        (json!({"offsets_days": []}), "offsets_days"),
        (json!({"offsets_days": [0]}), "offsets_days"),
        (json!({"offsets_days": [30, 30]}), "offsets_days"),
        (json!({"offsets_days": [400]}), "offsets_days"),
        (json!({"renewal_horizon_days": 60}), "renewal_horizon_days"),
        (json!({"escalation_days": 0}), "escalation_days"),
        (json!({"churn_reasons": []}), "churn_reasons"),
        (json!({"churn_reasons": ["a", " a "]}), "churn_reasons"),
    ] {
        let response = app
            .put("/api/v1/settings/reminders", &admin.token, body.clone())
            .await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{body}: {error}");
    }
    let response = app
        .put(
            "/api/v1/settings/reminders",
            &admin.token,
            json!({"offsets_days": [14, 45], "notify_customer": true, "renewal_horizon_days": 120}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let settings: Value = app
        .get("/api/v1/settings/reminders", &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["offsets_days"], json!([45, 14]));
    assert_eq!(settings["notify_customer"], true);
    assert_eq!(settings["renewal_horizon_days"], 120);

    // The job runs on demand for admins only.
    let response = app
        .post(
            "/api/v1/admin/jobs/renewal-reminders/run",
            &csm.token,
            json!({}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .post(
            "/api/v1/admin/jobs/renewal-reminders/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["job"], "renewal-reminders");
    assert!(server::jobs::names().contains(&"renewal-reminders"));
}
