//! Passwords and sessions (issue 13, item 7): changing a password, resetting
//! it by e-mailed link, the absolute session lifetime, and portal sessions
//! that end when their account or contact is archived.

use chrono::{Duration, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn refresh_with(app: &TestApp, cookie: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .header("Cookie", format!("steward_refresh={cookie}"))
        .send()
        .await
        .unwrap()
}

fn link_token(body: &str, path: &str) -> String {
    body.split(&format!("{path}?token="))
        .nth(1)
        .expect("a link in the mail")
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_string()
}

#[actix_web::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = spawn_app().await;
    let here = app.signup("W", "chg@x.cn").await;
    let elsewhere = app.login_ok("chg@x.cn").await;

    // The current password is required, and a weak new one refused.
    let body = assert_error(
        app.post(
            "/api/v1/me/password",
            &here.token,
            json!({"current_password": "not it at all", "new_password": NEW_PASSWORD}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        body["field_keys"]["current_password"]["key"],
        "auth.not_current_password"
    );
    let body = assert_error(
        app.post(
            "/api/v1/me/password",
            &here.token,
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(body["fields"]["new_password"].is_string(), "{body}");
    // Nothing changed so far.
    app.login_ok("chg@x.cn").await;

    let r = app
        .post(
            "/api/v1/me/password",
            &here.token,
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // This session goes on; the other one is over, token and cookie.
    assert_eq!(
        app.get("/api/v1/me", &here.token).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(server::auth::session_cache::TTL).await;
    assert_error(
        app.get("/api/v1/me", &elsewhere.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        refresh_with(&app, elsewhere.refresh_cookie.as_deref().unwrap())
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("chg@x.cn", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("chg@x.cn", NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
    // Without a session: 401.
    let r = app
        .request(
            Method::POST,
            "/api/v1/me/password",
            None,
            Some(json!({"current_password": NEW_PASSWORD, "new_password": PASSWORD})),
        )
        .await;
    assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[actix_web::test]
async fn a_reset_link_works_once_and_says_nothing_of_unknown_addresses() {
    let t0 = Utc.with_ymd_and_hms(2027, 4, 1, 1, 0, 0).unwrap();
    let app = spawn_app_at(t0).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "rst@x.cn").await;
    let reset = |email: &'static str| {
        app.request(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({ "email": email })),
        )
    };
    // Known or unknown, the same answer.
    assert_eq!(reset("nobody@x.cn").await.status(), StatusCode::ACCEPTED);
    let r = reset("RST@x.cn").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert!(r.text().await.unwrap().is_empty());
    server::jobs::run(&app.app_state, "email-outbox")
        .await
        .unwrap();
    let mail = app.mail.wait_for("rst@x.cn").await;
    let token = link_token(&mail.body(), "/reset-password");
    assert!(app
        .mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .all(|m| !m.to.iter().any(|to| to.contains("nobody"))));
    // Asking again at once sends no second link.
    assert_eq!(reset("rst@x.cn").await.status(), StatusCode::ACCEPTED);
    server::jobs::run(&app.app_state, "email-outbox")
        .await
        .unwrap();
    let sent = app
        .mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|to| to.contains("rst@x.cn")))
        .count();
    assert_eq!(sent, 1);

    let confirm = |token: String, password: &'static str| {
        app.request(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(json!({ "token": token, "password": password })),
        )
    };
    assert_error(
        confirm(token.clone(), "short").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        confirm(token.clone(), NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    // Once only; and the sessions from before are over.
    let body = assert_error(
        confirm(token, PASSWORD).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        body["field_keys"]["token"]["key"],
        "auth.reset_link_invalid"
    );
    tokio::time::sleep(server::auth::session_cache::TTL).await;
    assert_error(
        app.get("/api/v1/me", &admin.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.login("rst@x.cn", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.login_ok_with("rst@x.cn", NEW_PASSWORD).await;

    // A link expires.
    clock.set(t0 + Duration::minutes(10));
    assert_eq!(reset("rst@x.cn").await.status(), StatusCode::ACCEPTED);
    server::jobs::run(&app.app_state, "email-outbox")
        .await
        .unwrap();
    let late = {
        let messages = app.mail.messages.lock().unwrap();
        let last = messages
            .iter()
            .rfind(|m| m.to.iter().any(|to| to.contains("rst@x.cn")))
            .unwrap()
            .clone();
        link_token(&last.body(), "/reset-password")
    };
    clock.set(t0 + Duration::minutes(75));
    assert_error(
        confirm(late, NEW_PASSWORD).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let t0 = Utc.with_ymd_and_hms(2027, 5, 1, 1, 0, 0).unwrap();
    let app = spawn_app_at_with(t0, |c| c.session_max_days = 2).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "abs@x.cn").await;
    let mut cookie = admin.refresh_cookie.unwrap();
    // Active every day: refreshed, until the second day is over.
    for hours in [20, 40] {
        clock.set(t0 + Duration::hours(hours));
        let r = refresh_with(&app, &cookie).await;
        assert_eq!(r.status(), StatusCode::OK, "after {hours} h");
        cookie = refresh_cookie_of(&r).unwrap();
    }
    clock.set(t0 + Duration::hours(49));
    assert_error(
        refresh_with(&app, &cookie).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[actix_web::test]
async fn archiving_closes_the_portal_and_granting_access_revives_no_login() {
    let app = spawn_app().await;
    let admin = app.signup("W", "arc@x.cn").await;
    let (account, customer) = app.portal_user(&admin, "arc-c@x.cn", "100").await;
    let account_id = account["id"].as_i64().unwrap();
    assert_eq!(
        app.get("/api/v1/me", &customer.token).await.status(),
        StatusCode::OK
    );

    // Archiving the account ends the portal session at once, and no new
    // one starts until it is restored.
    let r = app
        .post(
            &format!("/api/v1/accounts/{account_id}/archive"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_error(
        app.get("/api/v1/me", &customer.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.login("arc-c@x.cn", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post(
            &format!("/api/v1/accounts/{account_id}/restore"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let customer = app.login_ok("arc-c@x.cn").await;

    // An admin deactivates the login; changing its portal role does not
    // bring it back.
    let r = app
        .patch(
            &format!("/api/v1/users/{}", customer.id()),
            &admin.token,
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let contacts: Value = app
        .get(
            &format!("/api/v1/accounts/{account_id}/contacts"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let contact = contacts["items"][0]["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/contacts/{contact}/portal-access"),
            &admin.token,
            json!({"role": "customer_admin"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.login("arc-c@x.cn", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Archiving the contact ends a live portal session at once too.
    app.patch(
        &format!("/api/v1/users/{}", customer.id()),
        &admin.token,
        json!({"active": true}),
    )
    .await;
    let customer = app.login_ok("arc-c@x.cn").await;
    let r = app
        .post(
            &format!("/api/v1/contacts/{contact}/archive"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_error(
        app.get("/api/v1/me", &customer.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

/// Waits (up to five seconds) until `app` hears revocations from the
/// other replicas (PostgreSQL's LISTEN connection is up).
async fn until_listening(app: &TestApp) {
    for _ in 0..100 {
        if app.app_state.db.sessions.is_listening() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the session revocation listener did not connect");
}

/// Waits (up to five seconds) until `app`'s session cache was told to
/// forget (it heard a notification), then answers the token's `/me`.
async fn me_after_notice(app: &TestApp, generation: u64, token: &str) -> reqwest::Response {
    for _ in 0..100 {
        if app.app_state.db.sessions.generation() != generation {
            return app.get("/api/v1/me", token).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the other replica heard no revocation");
}

/// Two replicas on one PostgreSQL database: a logout, and a deactivation,
/// made on one end the tokens on the other as soon as PostgreSQL's
/// notification arrives (not after the session cache's one-second life).
/// On SQLite there is one process and `logout_ends_the_access_token_at_once`
/// covers it.
#[actix_web::test]
async fn a_revocation_on_one_replica_ends_the_token_on_another_at_once() {
    if !backend_is_postgres() {
        return;
    }
    let a = spawn_app().await;
    let url = a.app_state.config.database_url();
    let b = spawn_app_with(|c| c.database_url = Some(url)).await;
    until_listening(&a).await;
    until_listening(&b).await;
    let admin = a.signup("W", "replicas@x.cn").await;
    let csm = a.staff(&admin, "csm", "replicas-csm@x.cn").await;
    // Both tokens are live on B, and cached there.
    for token in [&admin.token, &csm.token] {
        for _ in 0..3 {
            assert_eq!(b.get("/api/v1/me", token).await.status(), StatusCode::OK);
        }
    }
    let generation = b.app_state.db.sessions.generation();
    let response = a
        .request(Method::POST, "/api/v1/auth/logout", Some(&csm.token), None)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(
        me_after_notice(&b, generation, &csm.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // A deactivation on B ends the (re-signed-in) CSM's token on A.
    let csm = a.login_ok("replicas-csm@x.cn").await;
    for _ in 0..3 {
        assert_eq!(
            a.get("/api/v1/me", &csm.token).await.status(),
            StatusCode::OK
        );
    }
    let generation = a.app_state.db.sessions.generation();
    let response = b
        .patch(
            &format!("/api/v1/users/{}", csm.id()),
            &admin.token,
            json!({"active": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_error(
        me_after_notice(&a, generation, &csm.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // The admin's session was untouched throughout.
    assert_eq!(
        b.get("/api/v1/me", &admin.token).await.status(),
        StatusCode::OK
    );
}
