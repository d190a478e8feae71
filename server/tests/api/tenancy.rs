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
            Some(json!({"role": "customer", "password": PASSWORD})),
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
