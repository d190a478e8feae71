//! Ticket e-mails, satisfaction ratings, complaints, and outbox retries.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn subjects_to(app: &TestApp, to: &str) -> Vec<String> {
    app.mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .map(|m| m.header("Subject").unwrap_or_default())
        .collect()
}

#[actix_web::test]
async fn the_other_side_hears_of_public_replies_and_the_requester_rates_once() {
    let app = spawn_app().await;
    let admin = app.signup("W", "n@x.cn").await;
    let csm = app.staff(&admin, "csm", "n-csm@x.cn").await;
    app.put(
        "/api/v1/settings/module-owners",
        &admin.token,
        json!({"sales": csm.id()}),
    )
    .await;
    let (_, alice) = app.portal_user(&admin, "alice@n.cn", "1").await;
    // Alice reads English; the CSM never chose, so gets Chinese.
    let me = app
        .request(
            reqwest::Method::PATCH,
            "/api/v1/me",
            Some(&alice.token),
            Some(json!({"locale": "en"})),
        )
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let t: Value = app
        .post("/api/v1/portal/tickets", &alice.token, json!({"module": "sales", "category": "how_to", "priority": "p3", "subject": "如何录入<b>客户</b>报价单"}))
        .await
        .json()
        .await
        .unwrap();
    let id = t["id"].as_i64().unwrap();
    // Created: the requester and the module owner.
    app.mail.wait_for("n-csm@x.cn").await;
    app.mail.wait_for("alice@n.cn").await;

    app.post(
        &format!("/api/v1/tickets/{id}/comments"),
        &csm.token,
        json!({"body": "内部备注", "internal": true}),
    )
    .await;
    app.post(
        &format!("/api/v1/tickets/{id}/comments"),
        &csm.token,
        json!({"body": "请参考操作手册第 3 章"}),
    )
    .await;
    app.post(
        &format!("/api/v1/portal/tickets/{id}/comments"),
        &alice.token,
        json!({"body": "明白了，谢谢"}),
    )
    .await;
    // Rating before resolution is refused.
    let response = app
        .post(
            &format!("/api/v1/portal/tickets/{id}/satisfaction"),
            &alice.token,
            json!({"rating": 5}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    app.patch(
        &format!("/api/v1/tickets/{id}"),
        &csm.token,
        json!({"status": "resolved"}),
    )
    .await;

    for _ in 0..100 {
        if subjects_to(&app, "alice@n.cn").len() >= 3 && subjects_to(&app, "n-csm@x.cn").len() >= 2
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let alice_mail = subjects_to(&app, "alice@n.cn");
    assert_eq!(
        alice_mail.len(),
        3,
        "created, one public reply, resolved: {alice_mail:?}"
    );
    assert!(alice_mail.iter().any(|s| s.contains("resolved")));
    assert!(
        alice_mail
            .iter()
            .all(|s| s.contains("Ticket") || s.contains("reply")),
        "English only: {alice_mail:?}"
    );
    let csm_mail = subjects_to(&app, "n-csm@x.cn");
    assert!(
        csm_mail
            .iter()
            .all(|s| s.contains("工单") && !s.contains("Ticket")),
        "Chinese only: {csm_mail:?}"
    );
    let resolved = app
        .mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .find(|m| {
            m.to.iter().any(|t| t.contains("alice@n.cn"))
                && m.header("Subject").unwrap_or_default().contains("resolved")
        })
        .cloned()
        .unwrap();
    assert!(resolved.body().contains(&format!(
        "http://steward.test/portal/tickets/{id}/satisfaction"
    )));
    // Plain text and HTML, the subject's markup escaped in the HTML part.
    let parsed = mailparse::parse_mail(resolved.data.as_bytes()).unwrap();
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    let types: Vec<_> = parsed
        .subparts
        .iter()
        .map(|p| p.ctype.mimetype.clone())
        .collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    let html = parsed.subparts[1].get_body().unwrap();
    assert!(
        html.contains("如何录入&lt;b&gt;客户&lt;/b&gt;报价单"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "href=\"http://steward.test/portal/tickets/{id}/satisfaction\""
    )));
    assert!(html.contains("Rate our service"));
    let body_of_reply = app
        .mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("alice@n.cn")))
        .map(|m| m.body())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !body_of_reply.contains("内部备注"),
        "internal notes never reach the customer"
    );
    assert_eq!(
        subjects_to(&app, "n-csm@x.cn").len(),
        2,
        "created, and the customer's reply"
    );

    let path = format!("/api/v1/portal/tickets/{id}/satisfaction");
    for bad in [
        json!({"rating": 0}),
        json!({"rating": 6}),
        json!({"rating": "five"}),
    ] {
        let response = app.post(&path, &alice.token, bad).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let rated: Value = app
        .post(
            &path,
            &alice.token,
            json!({"rating": 5, "comment": "响应很快"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rated["csat_rating"], 5);
    assert_error(
        app.post(&path, &alice.token, json!({"rating": 1})).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let staff_view: Value = app
        .get(&format!("/api/v1/tickets/{id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff_view["csat_comment"], "响应很快");
}

#[actix_web::test]
async fn complaints_go_straight_to_the_manager() {
    let app = spawn_app().await;
    let admin = app.signup("W", "cp@x.cn").await;
    let manager = app.staff(&admin, "manager", "cp-m@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "angry@kehu.cn", "1").await;
    let t: Value = app
        .post("/api/v1/portal/tickets", &customer.token, json!({"module": "finance", "category": "complaint", "priority": "p2", "subject": "服务响应太慢"}))
        .await
        .json()
        .await
        .unwrap();
    let staff_view: Value = app
        .get(&format!("/api/v1/tickets/{}", t["id"]), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            staff_view["tier"].as_i64(),
            staff_view["assignee_id"].as_i64()
        ),
        (Some(3), Some(manager.id()))
    );
    app.mail.wait_for("cp-m@x.cn").await;
}

#[actix_web::test]
async fn failed_deliveries_are_retried_later_and_sent_exactly_once() {
    // An SMTP port with nothing listening yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap();
    let clock = server::clock::FixedClock::new(start);
    let dir = std::env::temp_dir().join(format!("steward-retry-{}", uuid::Uuid::new_v4()));
    let config = server::config::Config {
        database_url: Some(format!("sqlite://{}/db.sqlite?mode=rwc", dir.display())),
        bind: "127.0.0.1:0".into(),
        data_dir: dir.clone(),
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        jwt_secret: Some("test-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into()),
        scheduler: false,
        ..server::config::Config::default()
    };
    let application =
        server::startup::Application::build_with_clock(config, std::sync::Arc::new(clock.clone()))
            .await
            .unwrap();
    let state = application.state.clone();
    let base = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::new();
    let signup: Value = client
        .post(format!("{base}/api/v1/signup"))
        .json(&json!({"workspace_name": "W", "name": "A", "email": "retry@x.cn", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signup["access_token"].as_str().unwrap();
    confirm_via_outbox(&state.db.write, &base, "retry@x.cn").await;
    let response = client
        .post(format!("{base}/api/v1/users"))
        .bearer_auth(token)
        .json(&json!({"name": "Invitee", "email": "later@x.cn", "role": "csm"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    // The first attempt fails: nothing listens.
    let sent = state
        .mailer
        .deliver_pending(&state.db, &clock)
        .await
        .unwrap();
    assert_eq!(sent, 0);
    // The mail worker, kicked by the invitation, may be trying the same
    // message at this moment: wait until one attempt (ours or its) has
    // failed and been recorded, so no connection is still in flight when
    // the SMTP server comes up.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut settled = false;
    for _ in 0..200 {
        let row = server::entity::email_outbox::Entity::find()
            .filter(server::entity::email_outbox::Column::ToAddr.eq("later@x.cn"))
            .one(&state.db.write)
            .await
            .unwrap()
            .expect("the invitation in the outbox");
        if row.status == "pending" && row.attempts == 1 {
            settled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(settled, "the first, failed attempt was never recorded");

    // The SMTP server comes up; before the back-off nothing is retried.
    let (_, sink) = start_smtp_on(port);
    assert_eq!(
        state
            .mailer
            .deliver_pending(&state.db, &clock)
            .await
            .unwrap(),
        0
    );
    clock.advance(Duration::minutes(2));
    assert_eq!(
        state
            .mailer
            .deliver_pending(&state.db, &clock)
            .await
            .unwrap(),
        1
    );
    // Running again, twice at once: nothing more goes out.
    let (a, b) = futures_util::join!(
        state.mailer.deliver_pending(&state.db, &clock),
        state.mailer.deliver_pending(&state.db, &clock)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 0);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let received = sink
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("later@x.cn")))
        .count();
    assert_eq!(received, 1);
}
