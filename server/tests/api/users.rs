use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn admins_create_list_read_and_update_staff_users() {
    let app = spawn_app().await;
    let admin = app.signup("W", "u-admin@x.cn").await;
    for (role, email) in [
        ("manager", "m@x.cn"),
        ("csm", "c@x.cn"),
        ("engineer", "e@x.cn"),
        ("admin", "a2@x.cn"),
    ] {
        let session = app.staff(&admin, role, email).await;
        assert_eq!(session.user["role"], role);
    }
    let page: Value = app
        .get("/api/v1/users?limit=2", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get(
            &format!("/api/v1/users?limit=10&cursor={cursor}"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 3);
    assert!(rest["next_cursor"].is_null());

    let csms: Value = app
        .get("/api/v1/users?role=csm", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(csms["items"].as_array().unwrap().len(), 1);
    let id = csms["items"][0]["id"].as_i64().unwrap();
    let one: Value = app
        .get(&format!("/api/v1/users/{id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["email"], "c@x.cn");

    let response = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin.token,
            json!({"name": "孙悦", "role": "manager"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(
        (updated["name"].as_str(), updated["role"].as_str()),
        (Some("孙悦"), Some("manager"))
    );

    let search: Value = app
        .get("/api/v1/users?q=%E5%AD%99", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(search["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn only_admins_manage_users() {
    let app = spawn_app().await;
    let admin = app.signup("W", "only-admin@x.cn").await;
    let target = app.staff(&admin, "engineer", "target@x.cn").await;
    for (role, email) in [
        ("manager", "om@x.cn"),
        ("csm", "oc@x.cn"),
        ("engineer", "oe@x.cn"),
    ] {
        let s = app.staff(&admin, role, email).await;
        let response = app
            .post(
                "/api/v1/users",
                &s.token,
                json!({"name": "X", "email": format!("x-{email}"), "role": "csm"}),
            )
            .await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app
            .patch(
                &format!("/api/v1/users/{}", target.id()),
                &s.token,
                json!({"active": false}),
            )
            .await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        // Any staff member may list users (to pick owners).
        assert_eq!(
            app.get("/api/v1/users", &s.token).await.status(),
            StatusCode::OK
        );
    }
}

#[actix_web::test]
async fn user_creation_is_validated() {
    let app = spawn_app().await;
    let admin = app.signup("W", "val-admin@x.cn").await;
    let cases = [
        (
            json!({"name": "", "email": "v1@x.cn", "role": "csm"}),
            "name",
        ),
        (
            json!({"name": "N", "email": "nope", "role": "csm"}),
            "email",
        ),
        (
            json!({"name": "N", "email": "v2@x.cn", "role": "customer"}),
            "role",
        ),
        (
            json!({"name": "N", "email": "v3@x.cn", "role": "csm", "password": "1234567890"}),
            "password",
        ),
    ];
    for (body, field) in cases {
        let error = assert_error(
            app.post("/api/v1/users", &admin.token, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{error}");
    }
    let response = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"name": "N", "email": "val-admin@x.cn", "role": "csm"}),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "conflict").await;
    let response = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"name": "N", "email": "v4@x.cn", "role": "superuser"}),
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
async fn admins_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let admin = app.signup("W", "self@x.cn").await;
    let path = format!("/api/v1/users/{}", admin.id());
    for body in [json!({"active": false}), json!({"role": "csm"})] {
        assert_error(
            app.patch(&path, &admin.token, body).await,
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
    assert_eq!(me["user"]["role"], "admin");
}

#[actix_web::test]
async fn user_changes_are_audited_with_before_and_after() {
    let app = spawn_app().await;
    let admin = app.signup("W", "aud-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "aud-csm@x.cn").await;
    app.patch(
        &format!("/api/v1/users/{}", csm.id()),
        &admin.token,
        json!({"active": false}),
    )
    .await;
    let log: Value = app
        .get(
            &format!("/api/v1/audit?entity_type=user&entity_id={}", csm.id()),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    // create, accept_invite (by the user), deactivate
    assert_eq!(items.len(), 3, "{log}");
    assert_eq!(items[0]["action"], "deactivate");
    assert_eq!(items[0]["before"]["active"], true);
    assert_eq!(items[0]["after"]["active"], false);
    assert_eq!(items[0]["actor_id"], admin.id());
    assert_eq!(items[1]["action"], "accept_invite");
    assert_eq!(items[1]["actor_id"], csm.id());
    assert_eq!(items[2]["action"], "create");
    assert!(items[2]["before"].is_null());
}
