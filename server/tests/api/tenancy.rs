//! One workspace never sees another's data: every route that takes an id
//! answers 404 for an id of another workspace, exactly as for a missing id.
//! And each staff-only route refuses the roles it is not for.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn ids_of_another_workspace_answer_404_on_every_route() {
    let app = spawn_app().await;
    let alice = app.signup("Alice Co", "alice@x.cn").await;
    let bob = app.signup("Bob Co", "bob@x.cn").await;
    let account = app.create_account(&alice.token, "Alice 的客户", "1").await;
    let account_id = account["id"].as_i64().unwrap();
    let contact = app
        .create_contact(&alice.token, account_id, "张伟", "zw@alice.cn")
        .await;
    let contact_id = contact["id"].as_i64().unwrap();
    let alice_csm = app.staff(&alice, "csm", "alice-csm@x.cn").await;
    let user_id = alice_csm.id();

    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/accounts/{account_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/accounts/{account_id}"),
            Some(json!({"name": "hacked"})),
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{account_id}/archive"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{account_id}/restore"),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{account_id}/contacts"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{account_id}/contacts"),
            Some(json!({"name": "x"})),
        ),
        (Method::GET, format!("/api/v1/contacts/{contact_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/contacts/{contact_id}"),
            Some(json!({"name": "x"})),
        ),
        (
            Method::POST,
            format!("/api/v1/contacts/{contact_id}/archive"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/contacts/{contact_id}/portal-access"),
            Some(json!({"role": "customer"})),
        ),
        (Method::GET, format!("/api/v1/users/{user_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/users/{user_id}"),
            Some(json!({"active": false})),
        ),
    ];
    for (method, path, body) in &routes {
        let response = app
            .request(method.clone(), path, Some(&bob.token), body.clone())
            .await;
        let foreign = assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        // Indistinguishable from an id that does not exist at all.
        let missing_path = path
            .replace(&format!("/{account_id}"), "/987654")
            .replace(&format!("/{contact_id}"), "/987654")
            .replace(&format!("/{user_id}"), "/987654");
        let response = app
            .request(
                method.clone(),
                &missing_path,
                Some(&bob.token),
                body.clone(),
            )
            .await;
        let missing = assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(foreign, missing, "{method} {path}");
    }

    // Nothing of Alice's changed, and Bob's lists show none of it.
    let still: Value = app
        .get(&format!("/api/v1/accounts/{account_id}"), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["name"], "Alice 的客户");
    assert_eq!(still["archived"], false);
    let me: Value = app
        .get("/api/v1/me", &alice_csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["active"], true);
    for path in ["/api/v1/accounts", "/api/v1/users?q=alice", "/api/v1/audit"] {
        let page: Value = app.get(path, &bob.token).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(
            items
                .iter()
                .all(|i| !i.to_string().contains("alice") && !i.to_string().contains("Alice")),
            "{path}: {page}"
        );
    }
    let audit: Value = app
        .get(
            &format!("/api/v1/audit?entity_type=account&entity_id={account_id}"),
            &bob.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(audit["items"].as_array().unwrap().is_empty());
    // Bob cannot make Alice's CSM the owner of his accounts.
    let response = app
        .post(
            "/api/v1/accounts",
            &bob.token,
            json!({"name": "B", "code": "2", "owner_id": user_id}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn staff_only_routes_refuse_the_wrong_roles() {
    let app = spawn_app().await;
    let admin = app.signup("W", "roles@x.cn").await;
    let manager = app.staff(&admin, "manager", "r-m@x.cn").await;
    let csm = app.staff(&admin, "csm", "r-c@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "r-e@x.cn").await;
    let (_, portal) = app.portal_user(&admin, "r-p@kehu.cn", "8").await;
    let account = app.create_account(&admin.token, "A", "9").await;
    let account_id = account["id"].as_i64().unwrap();
    let contact = app
        .create_contact(&admin.token, account_id, "C", "r-c2@kehu.cn")
        .await;
    let contact_id = contact["id"].as_i64().unwrap();

    // (method, path, body, roles allowed)
    let routes: Vec<(Method, String, Value, &[&str])> = vec![
        (
            Method::POST,
            "/api/v1/users".into(),
            json!({"name": "N", "email": "n@x.cn", "role": "csm"}),
            &["admin"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{}", engineer.id()),
            json!({"name": "E2"}),
            &["admin"],
        ),
        (
            Method::PUT,
            "/api/v1/settings/workspace".into(),
            json!({"name": "W2"}),
            &["admin"],
        ),
        (
            Method::GET,
            "/api/v1/audit".into(),
            json!(null),
            &["admin", "manager"],
        ),
        (
            Method::POST,
            "/api/v1/accounts".into(),
            json!({"name": "N", "code": "77"}),
            &["admin", "manager", "csm"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/accounts/{account_id}"),
            json!({"segment": "S"}),
            &["admin", "manager"],
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{account_id}/contacts"),
            json!({"name": "N"}),
            &["admin", "manager"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/contacts/{contact_id}"),
            json!({"title": "T"}),
            &["admin", "manager"],
        ),
        (
            Method::GET,
            "/api/v1/accounts".into(),
            json!(null),
            &["admin", "manager", "csm", "engineer"],
        ),
        (
            Method::GET,
            "/api/v1/users".into(),
            json!(null),
            &["admin", "manager", "csm", "engineer"],
        ),
        (
            Method::GET,
            "/api/v1/settings/workspace".into(),
            json!(null),
            &["admin", "manager", "csm", "engineer"],
        ),
        (
            Method::GET,
            "/api/v1/portal/account".into(),
            json!(null),
            &["customer"],
        ),
    ];
    let actors = [
        ("manager", &manager),
        ("csm", &csm),
        ("engineer", &engineer),
        ("customer", &portal),
    ];
    for (method, path, body, allowed) in &routes {
        for (idx, (role, session)) in actors.into_iter().enumerate() {
            let mut body = body.clone();
            if let Some(code) = body.get_mut("code") {
                *code = json!(format!("77{idx}"));
            }
            let body = if body.is_null() { None } else { Some(body) };
            let response = app
                .request(method.clone(), path, Some(&session.token), body)
                .await;
            let status = response.status();
            if allowed.contains(&role) {
                assert!(
                    status.is_success(),
                    "{role} {method} {path}: {status} {}",
                    response.text().await.unwrap()
                );
            } else {
                assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
            }
        }
    }
}

/// Anyone who signs up is the admin of a workspace, so a job an admin runs
/// through the API covers that workspace only and reports only its
/// figures. The platform-wide run belongs to the scheduler and the CLI
/// (`server::jobs::run`), and it is run here at the end to show that the
/// other workspace did have work the admin's run left alone.
#[actix_web::test]
async fn an_admins_job_run_covers_their_own_workspace_only() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::clock::Clock;
    use server::entity::{email_outbox, health_snapshots, tickets};

    // Monday 2027-01-11 09:00 in Shanghai.
    let start = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 1, 11, 1, 0, 0).unwrap();
    let app = spawn_app_at(start).await;
    let clock = app.clock.clone().unwrap();
    let mut sides = Vec::new();
    for (name, p) in [("Alice Co", "jobs-alice"), ("Bob Co", "jobs-bob")] {
        let admin = app.signup(name, &format!("{p}@x.cn")).await;
        let account = app.create_account(&admin.token, "客户", "1").await;
        let contract = app
            .post(
                "/api/v1/contracts",
                &admin.token,
                json!({"account_id": account["id"], "starts_on": "2026-03-01", "ends_on": "2027-02-28", "annual_value": "10000.00"}),
            )
            .await;
        assert_eq!(contract.status(), StatusCode::CREATED);
        let ticket = app
            .post(
                "/api/v1/tickets",
                &admin.token,
                json!({"account_id": account["id"], "module": "finance", "category": "bug", "priority": "p1", "subject": "总账无法结账"}),
            )
            .await;
        assert_eq!(ticket.status(), StatusCode::CREATED);
        let workspace = admin.user["workspace_id"].as_i64().unwrap();
        sides.push((admin, workspace));
    }
    let (alice_ws, (bob, bob_ws)) = (sides[0].1, &sides[1]);
    // Both p1 tickets are past their first-response target.
    clock.advance(chrono::Duration::days(3));
    let db = &app.app_state.db;
    let run = |name: &'static str| {
        let app = &app;
        let token = bob.token.clone();
        async move {
            let response = app
                .post(&format!("/api/v1/admin/jobs/{name}/run"), &token, json!({}))
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{name}");
            response.json::<Value>().await.unwrap()["summary"].clone()
        }
    };
    let breached_in = |workspace: i64| async move {
        tickets::Entity::find()
            .filter(tickets::Column::WorkspaceId.eq(workspace))
            .filter(tickets::Column::FirstResponseBreachedAt.is_not_null())
            .all(&db.read)
            .await
            .unwrap()
            .len()
    };
    let reminders_in = |workspace: i64| async move {
        email_outbox::Entity::find()
            .filter(email_outbox::Column::WorkspaceId.eq(workspace))
            .filter(email_outbox::Column::DedupeKey.starts_with("renewal:"))
            .all(&db.read)
            .await
            .unwrap()
            .len()
    };
    let snapshots_in = |workspace: i64| async move {
        health_snapshots::Entity::find()
            .filter(health_snapshots::Column::WorkspaceId.eq(workspace))
            .all(&db.read)
            .await
            .unwrap()
            .len()
    };

    let report = run("sla-monitor").await;
    assert_eq!(report["first_response_breaches"], 1, "{report}");
    assert_eq!(
        (breached_in(alice_ws).await, breached_in(*bob_ws).await),
        (0, 1)
    );

    let report = run("renewal-reminders").await;
    assert_eq!(report["workspaces"], 1, "{report}");
    assert_eq!(reminders_in(alice_ws).await, 0);
    assert!(reminders_in(*bob_ws).await > 0);

    let report = run("health-scores").await;
    assert_eq!(
        (report["workspaces"].clone(), report["accounts"].clone()),
        (json!(1), json!(1)),
        "{report}"
    );
    assert_eq!(
        (snapshots_in(alice_ws).await, snapshots_in(*bob_ws).await),
        (0, 1)
    );

    // The outbox: once the mail above has gone, one message is queued in
    // each workspace without waking the delivery worker, and Bob's run
    // sends his own only.
    crate::reminders::flush(&app).await;
    let now = clock.now();
    for (workspace, to) in [(alice_ws, "a@alice.cn"), (*bob_ws, "b@bob.cn")] {
        let mail = server::mail::OutgoingMail {
            workspace_id: Some(workspace),
            to: to.into(),
            subject: "s".into(),
            body_text: "b".into(),
            body_html: None,
            dedupe_key: None,
            attachment: None,
            to_own_address: false,
        };
        assert!(app
            .app_state
            .mailer
            .enqueue(&db.write, mail, now)
            .await
            .unwrap());
    }
    let report = run("email-outbox").await;
    assert_eq!(report["sent"], 1, "{report}");
    let alice_pending = email_outbox::Entity::find()
        .filter(email_outbox::Column::WorkspaceId.eq(alice_ws))
        .filter(email_outbox::Column::Status.eq("pending"))
        .all(&db.read)
        .await
        .unwrap();
    assert_eq!(
        alice_pending.len(),
        1,
        "Alice's mail waits for the platform's worker"
    );

    // The platform-wide run reaches Alice's workspace.
    for job in ["sla-monitor", "renewal-reminders", "health-scores"] {
        server::jobs::run(&app.app_state, job).await.unwrap();
    }
    assert_eq!(breached_in(alice_ws).await, 1);
    assert!(reminders_in(alice_ws).await > 0);
    assert_eq!(snapshots_in(alice_ws).await, 1);
}
