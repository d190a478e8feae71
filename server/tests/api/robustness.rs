//! Bad input gets a clear 4xx in the SPEC's error shape and changes nothing;
//! odd-looking text is stored as plain data.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn malformed_bodies_are_4xx_in_the_error_shape() {
    let app = spawn_app().await;
    let admin = app.signup("W", "rob@x.cn").await;
    let raw = |body: &'static str, content_type: &'static str| {
        app.client
            .post(app.url("/api/v1/accounts"))
            .bearer_auth(&admin.token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    for (body, ct) in [
        ("{not json", "application/json"),
        ("", "application/json"),
        ("[]", "application/json"),
        (r#"{"name": 5, "code": "1"}"#, "application/json"),
        (
            r#"{"name": "A", "code": "1", "stage": "nirvana"}"#,
            "application/json",
        ),
        (
            r#"{"name": "A", "code": "1", "modules": ["warehouse"]}"#,
            "application/json",
        ),
        (
            r#"{"name": "A", "code": "1", "owner_id": "seven"}"#,
            "application/json",
        ),
        (r#"{"name": "A", "code": "1"}"#, "text/plain"),
    ] {
        let response = raw(body, ct).await.unwrap();
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let list: Value = app
        .get("/api/v1/accounts", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was created"
    );
}

#[actix_web::test]
async fn bodies_over_one_mebibyte_are_413() {
    let app = spawn_app().await;
    let admin = app.signup("W", "big@x.cn").await;
    let huge = "字".repeat(400_000);
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": huge, "code": "1"}),
        )
        .await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let response = app
        .request(Method::POST, "/api/v1/signup", None, Some(json!({"workspace_name": "x".repeat(2_000_000), "name": "n", "email": "e@x.cn", "password": PASSWORD})))
        .await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[actix_web::test]
async fn overlong_fields_are_validation_errors() {
    let app = spawn_app().await;
    let admin = app.signup("W", "long@x.cn").await;
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "名".repeat(201), "code": "1".repeat(65), "industry": "i".repeat(201)}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    for field in ["name", "code", "industry"] {
        assert!(error["fields"][field].is_string(), "{error}");
    }
    let response = app
        .get(
            &format!("/api/v1/accounts?q={}", "q".repeat(300)),
            &admin.token,
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
async fn sql_and_html_looking_text_is_stored_as_plain_data() {
    let app = spawn_app().await;
    let admin = app.signup("W", "inj@x.cn").await;
    let nasty = "Robert'); DROP TABLE accounts;-- <script>alert(1)</script> \" \\ %_";
    let account = app.create_account(&admin.token, nasty, "1").await;
    assert_eq!(account["name"], nasty);
    let read: Value = app
        .get(&format!("/api/v1/accounts/{}", account["id"]), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["name"], nasty);
    let search: Value = app
        .get(
            &format!(
                "/api/v1/accounts?q={}",
                crate::accounts::urlencode("'); DROP")
            ),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(search["items"].as_array().unwrap().len(), 1);
    let contact = app
        .create_contact(
            &admin.token,
            account["id"].as_i64().unwrap(),
            "<b>粗体</b>",
            "b@x.cn",
        )
        .await;
    assert_eq!(contact["name"], "<b>粗体</b>");
}

#[actix_web::test]
async fn bad_ids_queries_and_cursors_are_4xx() {
    let app = spawn_app().await;
    let admin = app.signup("W", "ids@x.cn").await;
    for path in [
        "/api/v1/accounts/abc",
        "/api/v1/accounts/99999999999999999999999",
        "/api/v1/accounts/-1",
        "/api/v1/contacts/1.5",
        "/api/v1/users/%00",
    ] {
        assert_error(
            app.get(path, &admin.token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    for path in [
        "/api/v1/accounts?limit=-1",
        "/api/v1/accounts?limit=abc",
        "/api/v1/accounts?limit=0",
        "/api/v1/accounts?limit=201",
        "/api/v1/accounts?limit=9223372036854775808",
        "/api/v1/accounts?owner_id=x",
        "/api/v1/accounts?stage=bogus",
        "/api/v1/accounts?cursor=%%%",
        "/api/v1/accounts?cursor=bm90LWEtY3Vyc29y",
        "/api/v1/audit?entity_id=x",
    ] {
        assert_error(
            app.get(path, &admin.token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    // The bounds are inclusive.
    for limit in [1, 200] {
        assert_eq!(
            app.get(&format!("/api/v1/accounts?limit={limit}"), &admin.token)
                .await
                .status(),
            StatusCode::OK
        );
    }
}

#[actix_web::test]
async fn unknown_api_routes_are_json_404s() {
    let app = spawn_app().await;
    for path in ["/api/v1/nope", "/api/v2/accounts", "/api"] {
        let response = app.request(Method::GET, path, None, None).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = app
        .request(Method::DELETE, "/api/v1/accounts", None, None)
        .await;
    assert!(response.status().is_client_error());
}

/// Every documented route, reached with garbage: odd path ids, broken and
/// mistyped bodies, absurd query values, as staff, as a customer and
/// anonymously. Whatever the route, the answer is never a 5xx, and every
/// error is in the SPEC's shape.
#[actix_web::test]
async fn no_documented_route_answers_5xx_to_garbage() {
    let app = spawn_app().await;
    let admin = app.signup("W", "sweep@x.cn").await;
    app.create_account(&admin.token, "客户", "1").await;
    let (_, customer) = app.portal_user(&admin, "sweep-c@x.cn", "2").await;
    let doc: Value = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let bodies: [Option<&str>; 5] = [
        None,
        Some("{not json"),
        Some("[]"),
        Some(r#"{"id": "x", "name": 5, "status": "nirvana", "account_id": -1, "limit": "many"}"#),
        Some(
            r#"{"name": "名", "title": "<script>alert(1)</script>", "starts_on": "2027-02-30", "amount": 1e309}"#,
        ),
    ];
    let mut checked = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() || path.ends_with("/auth/logout") {
                continue;
            }
            for id in ["1", "99999999999999999999", "abc"] {
                let mut concrete = String::new();
                let mut rest = path.as_str();
                while let Some(open) = rest.find('{') {
                    concrete.push_str(&rest[..open]);
                    let close = rest[open..].find('}').unwrap() + open;
                    concrete.push_str(id);
                    rest = &rest[close + 1..];
                }
                concrete.push_str(rest);
                let url = format!("{concrete}?limit=-5&cursor=%25%25&from=yesterday&q=%00");
                for token in [
                    Some(admin.token.as_str()),
                    Some(customer.token.as_str()),
                    None,
                ] {
                    let candidates: &[Option<&str>] = if method == "get" || method == "delete" {
                        &bodies[..1]
                    } else {
                        &bodies
                    };
                    for body in candidates {
                        let mut req = app.client.request(
                            method.to_uppercase().parse::<Method>().unwrap(),
                            app.url(&url),
                        );
                        if let Some(token) = token {
                            req = req.bearer_auth(token);
                        }
                        if let Some(body) = body {
                            req = req
                                .header("Content-Type", "application/json")
                                .body(body.to_string());
                        }
                        let response = req.send().await.unwrap();
                        let status = response.status();
                        let text = response.text().await.unwrap();
                        assert!(
                            status.is_client_error()
                                || status.is_success()
                                || status.is_redirection(),
                            "{method} {url} ({}) answered {status}: {text}",
                            body.unwrap_or("no body")
                        );
                        if status.is_client_error() && !text.is_empty() {
                            let parsed: Value = serde_json::from_str(&text).unwrap_or_else(|_| {
                                panic!("{method} {url} answered {status} without JSON: {text}")
                            });
                            assert!(
                                parsed["error"]["code"].is_string()
                                    && parsed["error"]["message"].is_string(),
                                "{method} {url}: {status} not in the error shape: {text}"
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} requests were made");
}

#[actix_web::test]
async fn bodies_must_be_json_objects_even_where_optional() {
    let app = spawn_app().await;
    let admin = app.signup("W", "obj@x.cn").await;
    let send = |method: Method, path: String, body: &'static str| {
        app.client
            .request(method, app.url(&path))
            .bearer_auth(&admin.token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    // serde would fill a struct from an array, field by field.
    for body in ["[null, null]", r#"["Eve", "engineer"]"#, "7", "\"x\""] {
        let response = send(Method::PATCH, format!("/api/v1/users/{}", admin.id()), body)
            .await
            .unwrap();
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let me: Value = app
        .get(&format!("/api/v1/users/{}", admin.id()), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin", "nothing changed");
    // An optional body, when sent, is read like any other.
    for body in [
        "23502737741086135377515528601993216",
        "[]",
        "{\"comment\": 5}",
    ] {
        let response = send(
            Method::POST,
            "/api/v1/approvals/999999/approve".into(),
            body,
        )
        .await
        .unwrap();
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    // Left out, it is not required: the approval is simply not there.
    let response = send(Method::POST, "/api/v1/approvals/999999/approve".into(), "")
        .await
        .unwrap();
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn nul_characters_are_refused_in_bodies_and_urls() {
    let app = spawn_app().await;
    let admin = app.signup("W", "nul@x.cn").await;
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "A\u{0}B", "code": "1"}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app.get("/api/v1/accounts?q=%00", &admin.token).await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Signing in with one is a refusal too, never a server error.
    let response = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "a\u{0}@x.cn", "password": "whatever-it-is"})),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let list: Value = app
        .get("/api/v1/accounts", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing stored"
    );
    // An escaped backslash before the letters u0000 is ordinary text.
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "C:\\u0000", "code": "2"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// A stored vocabulary value Steward does not know (a row edited behind its
/// back) is a 500 in the error shape, naming nothing internal to the client,
/// never a silent default: the ticket does not turn into a `p3`, the
/// timeline entry does not turn into an empty one.
#[actix_web::test]
async fn a_stored_value_steward_does_not_know_is_an_error_not_a_default() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::entity::{ticket_events, tickets};

    let app = spawn_app().await;
    let admin = app.signup("W", "stored@x.cn").await;
    let account = app.create_account(&admin.token, "华强", "1").await;
    let created = app
        .post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account["id"], "module": "finance", "category": "how_to",
                   "priority": "p2", "subject": "月末结账报错"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/tickets/{id}");
    assert_eq!(app.get(&path, &admin.token).await.status(), StatusCode::OK);
    let timeline = format!("{path}/timeline");
    assert_eq!(
        app.get(&timeline, &admin.token).await.status(),
        StatusCode::OK
    );

    tickets::Entity::update_many()
        .col_expr(
            tickets::Column::Priority,
            sea_orm::sea_query::Expr::value("p9"),
        )
        .filter(tickets::Column::Id.eq(id))
        .exec(&app.app_state.db.write)
        .await
        .unwrap();
    let body = assert_error(
        app.get(&path, &admin.token).await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
    )
    .await;
    assert!(
        !body.to_string().contains("p9"),
        "the client learns nothing of the row: {body}"
    );

    ticket_events::Entity::update_many()
        .col_expr(
            ticket_events::Column::Kind,
            sea_orm::sea_query::Expr::value("teleported"),
        )
        .filter(ticket_events::Column::TicketId.eq(id))
        .exec(&app.app_state.db.write)
        .await
        .unwrap();
    assert_error(
        app.get(&timeline, &admin.token).await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
    )
    .await;
}
