//! The authorization matrix over every route in the OpenAPI document (issue
//! 13): each operation is called with no token, as another workspace's
//! admin, as each staff role and as both portal roles. The document is the
//! list, so a route added tomorrow is in the matrix without anyone
//! remembering to add it.
//!
//! - **No token**: every secured operation answers 401.
//! - **Another workspace's admin**: an id of this workspace answers exactly
//!   what a missing id answers (so nothing about it is learned), and never
//!   a success that a missing id would not give.
//! - **Portal users** on the staff API, and **staff** on the portal API:
//!   never a success.
//! - **Anyone**: never a 5xx.
//!
//! The victim workspace signs up first in a fresh database and creates one
//! record of each kind, so `1` is the id of its first record of every kind;
//! the other workspace comes after and owns none of them.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const MISSING: &str = "999999";

/// Every operation of the document: (method, path template, secured).
async fn operations(app: &TestApp) -> Vec<(Method, String, bool)> {
    let doc: Value = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = match method.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                _ => continue,
            };
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            out.push((method, path.clone(), secured));
        }
    }
    out
}

/// The path with every parameter filled: ids with `id`, tokens and names
/// with something plausible.
fn fill(path: &str, id: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c).unwrap();
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        out.push_str(match name {
            "token" => "not-a-real-token-0123456789",
            "name" => "health-scores",
            _ => id,
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, String) {
    let mut req = app.client.request(method.clone(), app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        req = req.json(&json!({}));
    }
    match req.send().await {
        Ok(response) => {
            let status = response.status();
            (status, response.text().await.unwrap_or_default())
        }
        // A dropped connection (a handler that panicked takes its
        // connection with it) counts as a server error and names itself,
        // so the findings say which route did it.
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("no answer: {e}")),
    }
}

/// Routes whose call would end the caller's session or that belong to no
/// one (sign-in, sign-up, public links, ops).
fn skipped(path: &str) -> bool {
    path.ends_with("/auth/logout")
}

fn is_portal(path: &str) -> bool {
    path.starts_with("/api/v1/portal/")
}

/// Staff routes: the API minus the portal, sign-in and the caller's own
/// profile, public links and machine endpoints.
fn is_staff(path: &str) -> bool {
    path.starts_with("/api/v1/")
        && !is_portal(path)
        && !path.starts_with("/api/v1/auth/")
        && !path.starts_with("/api/v1/me")
        && path != "/api/v1/signup"
        && path != "/api/v1/usage-events"
}

#[actix_web::test]
async fn every_route_against_every_role() {
    let app = spawn_app_with(|c| {
        // Hundreds of calls from one address: not what the limits are for.
        c.token_links_per_ip_per_hour = 100_000;
        c.signups_per_ip_per_hour = 100_000;
    })
    .await;
    // The victim, with one record of each kind.
    let admin = app.signup("Victim Co", "victim@x.cn").await;
    let manager = app.staff(&admin, "manager", "v-m@x.cn").await;
    let csm = app.staff(&admin, "csm", "v-c@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "v-e@x.cn").await;
    let (account, customer) = app.portal_user(&admin, "v-cust@kehu.cn", "1").await;
    let account_id = account["id"].as_i64().unwrap();
    let boss = app
        .create_contact(&admin.token, account_id, "王总", "v-boss@kehu.cn")
        .await;
    let r = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", boss["id"]),
            &admin.token,
            json!({"role": "customer_admin"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let customer_admin = app.accept_invitation("v-boss@kehu.cn").await;
    let ticket: Value = app
        .post(
            "/api/v1/portal/tickets",
            &customer.token,
            json!({"module": "finance", "category": "bug", "priority": "p2",
                   "subject": "VICTIM-SECRET 凭证过账报错"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let ticket_id = ticket["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/tickets/{ticket_id}/comments"),
        &admin.token,
        json!({"body": "VICTIM-SECRET 内部备注", "internal": true}),
    )
    .await;
    app.client
        .post(app.url(&format!(
            "/api/v1/tickets/{ticket_id}/attachments?file_name=a.txt"
        )))
        .bearer_auth(&admin.token)
        .header("Content-Type", "text/plain")
        .body("VICTIM-SECRET")
        .send()
        .await
        .unwrap();
    for (path, body) in [
        (
            "/api/v1/kb/articles".to_string(),
            json!({"title": "VICTIM-SECRET 凭证过账", "body": "步骤", "module": "finance",
                   "visibility": "public", "status": "published"}),
        ),
        (
            format!("/api/v1/accounts/{account_id}/licenses"),
            json!({"edition": "K/3 WISE", "modules": ["finance"], "seats": 5,
                   "dongle_serial": "KD-1", "expires_on": "2030-01-01"}),
        ),
        (
            format!("/api/v1/accounts/{account_id}/onboarding"),
            json!({"starts_on": "2027-03-01"}),
        ),
        (
            "/api/v1/contracts".to_string(),
            json!({"account_id": account_id, "starts_on": "2026-01-01", "ends_on": "2026-12-31",
                   "annual_value": "128000", "currency": "CNY"}),
        ),
        (
            "/api/v1/trainings".to_string(),
            json!({"account_id": account_id, "topic": "VICTIM-SECRET 培训", "module": "finance",
                   "trainer_id": engineer.id(), "starts_at": "2027-04-01T02:00:00Z",
                   "duration_minutes": 60, "online_url": "https://meet.example.com/x"}),
        ),
        ("/api/v1/api-keys".to_string(), json!({"name": "ERP"})),
        (
            "/api/v1/macros".to_string(),
            json!({"name": "VICTIM-SECRET 宏", "scope": "shared", "body_zh": "VICTIM-SECRET",
                   "actions": {"internal_note": "VICTIM-SECRET"}}),
        ),
        (
            format!("/api/v1/accounts/{account_id}/success-plans"),
            json!({"title": "VICTIM-SECRET 成功计划", "staff_note": "VICTIM-SECRET"}),
        ),
        (
            "/api/v1/success-plans/1/objectives".to_string(),
            json!({"title": "VICTIM-SECRET 目标", "shared_with_customer": true}),
        ),
        (
            "/api/v1/success-objectives/1/milestones".to_string(),
            json!({"title": "VICTIM-SECRET 里程碑", "owner_contact_id": 1}),
        ),
        (
            "/api/v1/surveys".to_string(),
            json!({"name": "NPS", "question_zh": "推荐吗？", "question_en": "Recommend?",
                   "contact_ids": [1]}),
        ),
        (
            format!("/api/v1/tickets/{ticket_id}/time-entries"),
            json!({"work_date": "2026-01-05", "minutes": 60, "billable": true,
                   "note": "VICTIM-SECRET", "internal_note": "VICTIM-SECRET"}),
        ),
        (
            format!("/api/v1/accounts/{account_id}/packages"),
            json!({"name": "VICTIM-SECRET 人天包", "days": 5,
                   "valid_from": "2026-01-01", "valid_to": "2026-12-31"}),
        ),
    ] {
        let r = app.post(&path, &admin.token, body).await;
        assert!(
            r.status().is_success(),
            "fixture {path}: {}",
            r.text().await.unwrap()
        );
    }

    // The intruder signs up afterwards: none of the ids 1 are theirs.
    let intruder = app.signup("Intruder Co", "intruder@x.cn").await;

    // Id 1 is the victim's: theirs to read, the intruder's to miss.
    for (path, owner_sees) in [
        ("/api/v1/accounts/1", true),
        ("/api/v1/tickets/1", true),
        ("/api/v1/contracts/1", true),
    ] {
        let (status, body) = call(&app, &Method::GET, path, Some(&admin.token)).await;
        assert_eq!(status.is_success(), owner_sees, "{path}: {status} {body}");
        let (status, _) = call(&app, &Method::GET, path, Some(&intruder.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} as the intruder");
    }

    let mut failures = BTreeSet::new();
    let mut compared = 0;
    let operations = operations(&app).await;
    assert!(operations.len() > 120, "{} operations", operations.len());
    for (method, template, secured) in &operations {
        if skipped(template) {
            continue;
        }
        let victim_path = fill(template, "1");
        let missing_path = fill(template, MISSING);

        // No token.
        let (status, body) = call(&app, method, &victim_path, None).await;
        if status.is_server_error() {
            failures.insert(format!(
                "{method} {template} without a token: {status} {body}"
            ));
        }
        if *secured && status != StatusCode::UNAUTHORIZED {
            failures.insert(format!("{method} {template} without a token: {status}"));
        }

        // Another workspace's admin.
        if template.contains('{') && template.starts_with("/api/v1/") {
            let (on_victim, body) = call(&app, method, &victim_path, Some(&intruder.token)).await;
            let (on_missing, _) = call(&app, method, &missing_path, Some(&intruder.token)).await;
            compared += 1;
            if on_victim != on_missing {
                failures.insert(format!(
                    "{method} {template}: another workspace's record answers {on_victim}, \
                     a missing one {on_missing}"
                ));
            }
            if body.contains("VICTIM-SECRET") {
                failures.insert(format!(
                    "{method} {template}: the intruder read the victim's data"
                ));
            }
            if on_victim.is_server_error() {
                failures.insert(format!(
                    "{method} {template} as intruder: {on_victim} {body}"
                ));
            }
        }

        // Each role of the victim's own workspace.
        for (role, token) in [
            ("customer", &customer.token),
            ("customer_admin", &customer_admin.token),
            ("engineer", &engineer.token),
            ("csm", &csm.token),
            ("manager", &manager.token),
            ("admin", &admin.token),
        ] {
            let (status, body) = call(&app, method, &victim_path, Some(token)).await;
            if status.is_server_error() {
                failures.insert(format!("{method} {template} as {role}: {status} {body}"));
            }
            let portal_role = role.starts_with("customer");
            if portal_role && is_staff(template) && status.is_success() {
                failures.insert(format!("{method} {template}: a portal user got {status}"));
            }
            if !portal_role
                && is_portal(template)
                && !template.contains("{token}")
                && status.is_success()
            {
                failures.insert(format!("{method} {template}: {role} (staff) got {status}"));
            }
        }
    }
    assert!(compared > 60, "only {compared} routes name a record");
    assert!(
        failures.is_empty(),
        "{} findings:\n{}",
        failures.len(),
        failures.into_iter().collect::<Vec<_>>().join("\n")
    );
}
