use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn signup_creates_a_workspace_and_its_admin_with_a_strict_refresh_cookie() {
    let app = spawn_app().await;
    let response = app
        .request(
            Method::POST,
            "/api/v1/signup",
            None,
            Some(json!({"workspace_name": "华南服务中心", "name": "周建国", "email": "Zhou@Example.CN", "password": PASSWORD})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/api/v1/auth"), "{cookie}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["email"], "zhou@example.cn");

    let me: Value = app
        .get("/api/v1/me", body["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["workspace"]["name"], "华南服务中心");
    assert_eq!(me["user"]["name"], "周建国");
    assert!(me["account_id"].is_null());
}

#[actix_web::test]
async fn signup_refuses_weak_passwords_bad_emails_and_taken_addresses() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"workspace_name": "W", "name": "N", "email": "a@x.cn", "password": "short"}),
            "password",
        ),
        (
            json!({"workspace_name": "W", "name": "N", "email": "a@x.cn", "password": "password123"}),
            "password",
        ),
        (
            json!({"workspace_name": "W", "name": "N", "email": "not-an-email", "password": PASSWORD}),
            "email",
        ),
        (
            json!({"workspace_name": " ", "name": "N", "email": "a@x.cn", "password": PASSWORD}),
            "workspace_name",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .request(Method::POST, "/api/v1/signup", None, Some(body))
            .await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{error}");
    }
    // An address already in use is no reason to refuse (that would tell a
    // stranger it exists): see `addresses::`.
}

#[actix_web::test]
async fn login_succeeds_with_the_right_password_only() {
    let app = spawn_app().await;
    app.signup("W", "li@x.cn").await;
    let ok = app.login("LI@x.cn", PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(refresh_cookie_of(&ok).is_some());
    let wrong = assert_error(
        app.login("li@x.cn", "wrong password!").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let unknown = assert_error(
        app.login("nobody@x.cn", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // The same answer whether or not the address exists.
    assert_eq!(wrong["message"], unknown["message"]);
}

#[actix_web::test]
async fn requests_without_a_valid_token_are_unauthorized() {
    let app = spawn_app().await;
    let response = app.request(Method::GET, "/api/v1/me", None, None).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let response = app.get("/api/v1/me", "not.a.jwt").await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let response = app
        .client
        .get(app.url("/api/v1/accounts"))
        .header("Authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[actix_web::test]
async fn an_expired_access_token_is_refused() {
    let app = spawn_app().await;
    let admin = app.signup("W", "exp@x.cn").await;
    let claims = app.app_state.jwt.verify(&admin.token).unwrap();
    let old = app
        .app_state
        .jwt
        .issue(
            admin.id(),
            claims.ws,
            shared::Role::Admin,
            claims.sid,
            chrono::Utc::now() - chrono::Duration::hours(2),
        )
        .unwrap();
    assert_error(
        app.get("/api/v1/me", &old).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[actix_web::test]
async fn logout_ends_the_access_token_at_once() {
    let app = spawn_app().await;
    let admin = app.signup("W", "out@x.cn").await;
    assert_eq!(
        app.get("/api/v1/me", &admin.token).await.status(),
        StatusCode::OK
    );
    let response = app
        .request(
            Method::POST,
            "/api/v1/auth/logout",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.get("/api/v1/me", &admin.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // The refresh token of that session is dead too.
    let response = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header(
            "Cookie",
            format!("steward_refresh={}", admin.refresh_cookie.unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

async fn refresh_with(app: &TestApp, cookie: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .header("Cookie", format!("steward_refresh={cookie}"))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn refresh_rotates_the_token_and_a_reused_one_revokes_the_session() {
    let app = spawn_app().await;
    let admin = app.signup("W", "rot@x.cn").await;
    let first = admin.refresh_cookie.clone().unwrap();

    let response = refresh_with(&app, &first).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second = refresh_cookie_of(&response).unwrap();
    assert_ne!(first, second);
    let renewed = session_of(response).await;
    assert_eq!(
        app.get("/api/v1/me", &renewed.token).await.status(),
        StatusCode::OK
    );

    // Presenting the used token again: refused, and the whole session ends.
    assert_error(
        refresh_with(&app, &first).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_error(
        refresh_with(&app, &second).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_error(
        app.get("/api/v1/me", &renewed.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;

    // No cookie at all.
    let response = app
        .request(Method::POST, "/api/v1/auth/refresh", None, None)
        .await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[actix_web::test]
async fn repeated_login_failures_are_rate_limited_per_account() {
    let app = spawn_app_with(|c| {
        c.login_max_failures_per_account = 3;
        c.login_max_failures_per_ip = 100;
    })
    .await;
    app.signup("W", "rl@x.cn").await;
    for _ in 0..3 {
        assert_eq!(
            app.login("rl@x.cn", "wrong password!").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let response = app.login("rl@x.cn", PASSWORD).await;
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0);
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Another account from the same client is not locked.
    app.signup("W2", "other@x.cn").await;
    assert_eq!(
        app.login("other@x.cn", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn repeated_login_failures_are_rate_limited_per_ip() {
    let app = spawn_app_with(|c| {
        c.login_max_failures_per_account = 100;
        c.login_max_failures_per_ip = 4;
    })
    .await;
    for i in 0..4 {
        app.login(&format!("u{i}@x.cn"), "wrong password!").await;
    }
    let response = app.login("fresh@x.cn", PASSWORD).await;
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[actix_web::test]
async fn an_invited_user_sets_a_password_with_the_one_time_link() {
    let app = spawn_app().await;
    let admin = app.signup("华南服务中心", "inv-admin@x.cn").await;
    let response = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"name": "郑晓明", "email": "newcsm@x.cn", "role": "csm"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["invited"], true);
    // Cannot sign in before accepting.
    assert_eq!(
        app.login("newcsm@x.cn", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let mail = app.mail.wait_for("newcsm@x.cn").await;
    assert!(mail.header("Message-ID").is_some(), "{}", mail.data);
    let body = mail.body();
    assert!(
        body.contains("邀请您使用 Steward") && body.contains("has invited you"),
        "{body}"
    );
    let token = body
        .split("accept-invite?token=")
        .nth(1)
        .expect("link in the mail")
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string();
    assert!(body.contains("http://steward.test/accept-invite?token="));

    let weak = app
        .request(
            Method::POST,
            "/api/v1/auth/accept-invite",
            None,
            Some(json!({"token": token, "password": "123"})),
        )
        .await;
    assert_error(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let response = app
        .request(
            Method::POST,
            "/api/v1/auth/accept-invite",
            None,
            Some(json!({"token": token, "password": PASSWORD})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let session = session_of(response).await;
    assert_eq!(session.user["role"], "csm");
    assert_eq!(session.user["invited"], false);
    assert_eq!(
        app.login("newcsm@x.cn", PASSWORD).await.status(),
        StatusCode::OK
    );

    // The link works once.
    let again = app
        .request(
            Method::POST,
            "/api/v1/auth/accept-invite",
            None,
            Some(json!({"token": token, "password": PASSWORD})),
        )
        .await;
    assert_error(again, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let bogus = app
        .request(
            Method::POST,
            "/api/v1/auth/accept-invite",
            None,
            Some(json!({"token": "bogus", "password": PASSWORD})),
        )
        .await;
    assert_error(bogus, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[actix_web::test]
async fn without_smtp_mail_is_written_as_eml_files() {
    let dir = std::env::temp_dir().join(format!("steward-eml-{}", uuid::Uuid::new_v4()));
    let data_dir = dir.clone();
    let app = spawn_app_with(move |c| {
        c.smtp_url = None;
        c.data_dir = data_dir;
    })
    .await;
    let admin = app.signup_unconfirmed("W", "eml@x.cn").await;
    confirm_via_outbox(&app.app_state.db.write, &app.address, "eml@x.cn").await;
    app.post(
        "/api/v1/users",
        &admin.token,
        json!({"name": "Invitee", "email": "invitee@x.cn", "role": "engineer"}),
    )
    .await;
    let outbox = dir.join("outbox");
    let mut found = false;
    for _ in 0..100 {
        if let Ok(entries) = std::fs::read_dir(&outbox) {
            for entry in entries.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if text.contains("invitee@x.cn") && text.contains("accept-invite") {
                    found = true;
                }
            }
        }
        if found {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        found,
        "no .eml with the invitation under {}",
        outbox.display()
    );
}

#[actix_web::test]
async fn deactivating_a_user_ends_their_sessions() {
    let app = spawn_app().await;
    let admin = app.signup("W", "deact-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "deact-csm@x.cn").await;
    assert_eq!(
        app.get("/api/v1/me", &csm.token).await.status(),
        StatusCode::OK
    );
    let response = app
        .patch(
            &format!("/api/v1/users/{}", csm.id()),
            &admin.token,
            json!({"active": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_error(
        app.get("/api/v1/me", &csm.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.login("deact-csm@x.cn", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Reactivated, they can sign in again.
    app.patch(
        &format!("/api/v1/users/{}", csm.id()),
        &admin.token,
        json!({"active": true}),
    )
    .await;
    assert_eq!(
        app.login("deact-csm@x.cn", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_role_change_applies_to_existing_sessions_at_once() {
    let app = spawn_app().await;
    let admin = app.signup("W", "rc-admin@x.cn").await;
    let user = app.staff(&admin, "manager", "rc-m@x.cn").await;
    assert_eq!(
        app.get("/api/v1/audit", &user.token).await.status(),
        StatusCode::OK
    );
    app.patch(
        &format!("/api/v1/users/{}", user.id()),
        &admin.token,
        json!({"role": "engineer"}),
    )
    .await;
    assert_error(
        app.get("/api/v1/audit", &user.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[actix_web::test]
async fn users_choose_their_language_and_nothing_else_through_me() {
    let app = spawn_app().await;
    let admin = app.signup("W", "lang@x.cn").await;
    let me: Value = app
        .get("/api/v1/me", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["locale"], Value::Null);
    let patch = |body: Value| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            app.request(Method::PATCH, "/api/v1/me", Some(&token), Some(body))
                .await
        }
    };
    let response = patch(json!({"locale": "en"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["user"]["locale"], "en");
    for bad in [
        json!({"locale": "fr"}),
        json!({"locale": 1}),
        json!({"role": "admin"}),
    ] {
        assert_error(
            patch(bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let me: Value = app
        .get("/api/v1/me", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["locale"], "en");
    assert_eq!(me["user"]["role"], "admin");
    let anonymous = app
        .request(
            Method::PATCH,
            "/api/v1/me",
            None,
            Some(json!({"locale": "en"})),
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // Portal users choose too.
    let (_, customer) = app.portal_user(&admin, "c@lang.cn", "7").await;
    let response = app
        .request(
            Method::PATCH,
            "/api/v1/me",
            Some(&customer.token),
            Some(json!({"locale": "zh-CN"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Sessions seen live are remembered for a second per process (the session
/// cache); a revocation this process did not make — another replica's —
/// must still apply once that second has passed.
#[actix_web::test]
async fn a_session_revoked_elsewhere_ends_within_the_cache_ttl() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entity::sessions;

    let app = spawn_app().await;
    let admin = app.signup("W", "elsewhere@x.cn").await;
    assert_eq!(
        app.get("/api/v1/me", &admin.token).await.status(),
        StatusCode::OK
    );
    // What another replica's logout writes, behind this process's back.
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now()),
        )
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(&app.app_state.db.write)
        .await
        .unwrap();
    tokio::time::sleep(server::auth::session_cache::TTL + std::time::Duration::from_millis(100))
        .await;
    assert_error(
        app.get("/api/v1/me", &admin.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[actix_web::test]
async fn parallel_guesses_are_counted_before_the_password_is_checked() {
    let app = spawn_app_with(|c| {
        c.login_max_failures_per_account = 3;
        c.login_max_failures_per_ip = 1_000;
    })
    .await;
    app.signup("W", "par@x.cn").await;
    // Twelve guesses at once: hashing takes long enough that a limiter
    // counting afterwards lets all twelve through.
    let guesses = (0..12).map(|_| app.login("par@x.cn", "wrong password!"));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(guesses)
        .await
        .iter()
        .map(|r| r.status())
        .collect();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (3, 9), "{statuses:?}");
}

#[actix_web::test]
async fn back_off_does_not_lock_the_owner_out() {
    let app = spawn_app_with(|c| {
        c.login_max_failures_per_account = 2;
        c.login_max_failures_per_ip = 1_000;
        c.login_backoff_max_secs = 1;
    })
    .await;
    app.signup("W", "owner@x.cn").await;
    for _ in 0..2 {
        assert_eq!(
            app.login("owner@x.cn", "wrong password!").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Refused for the back-off, which the attacker's tries do not extend
    // beyond its ceiling...
    for _ in 0..3 {
        let r = app.login("owner@x.cn", "wrong password!").await;
        assert_eq!(
            r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1")
        );
        assert_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }
    // ...so the owner gets in once it has passed.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    app.login_ok("owner@x.cn").await;
}

#[actix_web::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    async fn guess(app: &TestApp, from: &str, email: &str) -> StatusCode {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("X-Forwarded-For", from)
            .json(&json!({"email": email, "password": "wrong password!"}))
            .send()
            .await
            .unwrap()
            .status()
    }
    // Not configured: the header is the client's word, and ignored. Every
    // guess counts against the connection's address.
    let open = spawn_app_with(|c| {
        c.login_max_failures_per_account = 1_000;
        c.login_max_failures_per_ip = 2;
    })
    .await;
    assert_eq!(
        guess(&open, "203.0.113.1", "a@x.cn").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        guess(&open, "203.0.113.2", "b@x.cn").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        guess(&open, "203.0.113.3", "c@x.cn").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Behind a trusted proxy each client has its own count, and the
    // client's own X-Forwarded-For entries cannot pick another one.
    let proxied = spawn_app_with(|c| {
        c.login_max_failures_per_account = 1_000;
        c.login_max_failures_per_ip = 2;
        c.trusted_proxies = "127.0.0.1/32, 10.0.0.0/8".into();
    })
    .await;
    assert_eq!(
        guess(&proxied, "203.0.113.1", "a@x.cn").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        guess(&proxied, "198.51.100.9, 203.0.113.1", "b@x.cn").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        guess(&proxied, "198.51.100.7, 203.0.113.1, 10.1.1.1", "c@x.cn").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        guess(&proxied, "203.0.113.2", "d@x.cn").await,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn sign_ups_and_emailed_links_are_limited_per_address() {
    let app = spawn_app_with(|c| {
        c.signups_per_ip_per_hour = 2;
        c.token_links_per_ip_per_hour = 3;
    })
    .await;
    // (Unconfirmed: confirming opens a link, which the count below covers.)
    app.signup_unconfirmed("W1", "s1@x.cn").await;
    app.signup_unconfirmed("W2", "s2@x.cn").await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/signup",
            None,
            Some(json!({"workspace_name": "W3", "name": "第三", "email": "s3@x.cn", "password": PASSWORD})),
        )
        .await;
    assert!(r.headers().get("retry-after").is_some());
    assert_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Nothing was created.
    assert_eq!(
        app.login("s3@x.cn", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Invitation acceptance and survey links share one count per address.
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/accept-invite",
            None,
            Some(json!({"token": "not-a-token", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for _ in 0..2 {
        let r = app
            .request(
                Method::GET,
                "/api/v1/portal/surveys/not-a-token",
                None,
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    assert_error(
        app.request(
            Method::GET,
            "/api/v1/portal/surveys/not-a-token",
            None,
            None,
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
}

#[actix_web::test]
async fn unknown_fields_are_refused_by_name_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("W", "uf@x.cn").await;
    let body = assert_error(
        app.post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "华星电子", "code": "100", "ownr_id": admin.id()}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(body["fields"]["ownr_id"].is_string(), "{body}");
    assert_eq!(
        body["field_keys"]["ownr_id"]["key"], "field.unknown",
        "{body}"
    );
    let accounts: Value = app
        .get("/api/v1/accounts", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(accounts["items"].as_array().unwrap().len(), 0);
    // The same body without the typo is accepted.
    let r = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "华星电子", "code": "100"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}
