use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn contacts_belong_to_an_account_and_can_be_changed_and_archived() {
    let app = spawn_app().await;
    let admin = app.signup("W", "ct@x.cn").await;
    let account = app
        .create_account(&admin.token, "成都天府医药", "300")
        .await;
    let account_id = account["id"].as_i64().unwrap();
    let response = app
        .post(
            &format!("/api/v1/accounts/{account_id}/contacts"),
            &admin.token,
            json!({"name": "李娜", "email": "Li.Na@TianFu.cn", "phone": "+86 138 0000 1111",
                   "title": "采购主管", "modules": ["purchasing", "inventory"]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let contact: Value = response.json().await.unwrap();
    assert_eq!(contact["email"], "li.na@tianfu.cn");
    assert_eq!(contact["modules"], json!(["purchasing", "inventory"]));
    assert!(contact["portal_user_id"].is_null());
    let id = contact["id"].as_i64().unwrap();

    let list: Value = app
        .get(
            &format!("/api/v1/accounts/{account_id}/contacts"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let updated: Value = app
        .patch(
            &format!("/api/v1/contacts/{id}"),
            &admin.token,
            json!({"title": "采购部长", "phone": null}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["title"], "采购部长");
    assert!(updated["phone"].is_null());
    let read: Value = app
        .get(&format!("/api/v1/contacts/{id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, updated);

    let bad = app
        .patch(
            &format!("/api/v1/contacts/{id}"),
            &admin.token,
            json!({"email": "nope", "phone": "call me"}),
        )
        .await;
    let error = assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(error["fields"]["email"].is_string() && error["fields"]["phone"].is_string());

    let archived: Value = app
        .post(
            &format!("/api/v1/contacts/{id}/archive"),
            &admin.token,
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(archived["archived"], true);
    let list: Value = app
        .get(
            &format!("/api/v1/accounts/{account_id}/contacts"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn a_portal_user_lands_in_the_portal_and_reaches_no_staff_route() {
    let app = spawn_app().await;
    let admin = app.signup("W", "portal-admin@x.cn").await;
    let (account, portal) = app.portal_user(&admin, "customer@kehu.cn", "9001").await;
    assert_eq!(portal.user["role"], "customer");

    let me: Value = app
        .get("/api/v1/me", &portal.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["account_id"], account["id"]);
    let home: Value = app
        .get("/api/v1/portal/account", &portal.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(home["name"], "客户公司");
    assert_eq!(home["contact_name"], "张伟");
    assert!(home.get("owner_id").is_none() && home.get("version").is_none());

    let id = account["id"].as_i64().unwrap();
    for path in [
        "/api/v1/accounts".to_string(),
        format!("/api/v1/accounts/{id}"),
        format!("/api/v1/accounts/{id}/contacts"),
        "/api/v1/users".to_string(),
        "/api/v1/audit".to_string(),
        "/api/v1/settings/workspace".to_string(),
    ] {
        assert_error(
            app.get(&path, &portal.token).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let response = app
        .post(
            "/api/v1/accounts",
            &portal.token,
            json!({"name": "X", "code": "1"}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &portal.token,
            json!({"name": "X"}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    // And staff do not use the portal's routes.
    assert_error(
        app.get("/api/v1/portal/account", &admin.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[actix_web::test]
async fn portal_access_is_validated_and_can_be_by_invitation() {
    let app = spawn_app().await;
    let admin = app.signup("W", "pa@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let account_id = account["id"].as_i64().unwrap();
    let no_email: Value = app
        .post(
            &format!("/api/v1/accounts/{account_id}/contacts"),
            &admin.token,
            json!({"name": "无邮箱"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let response = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", no_email["id"]),
            &admin.token,
            json!({"role": "customer"}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["email"].is_string());

    let contact = app
        .create_contact(&admin.token, account_id, "王芳", "wang@kehu.cn")
        .await;
    let path = format!("/api/v1/contacts/{}/portal-access", contact["id"]);
    let response = app.post(&path, &admin.token, json!({"role": "csm"})).await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let response = app
        .post(&path, &admin.token, json!({"role": "customer_admin"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let granted: Value = response.json().await.unwrap();
    assert_eq!(granted["portal_role"], "customer_admin");
    let mail = app.mail.wait_for("wang@kehu.cn").await;
    assert!(mail.body().contains("accept-invite?token="));

    // Changing the role of an existing login.
    let response = app
        .post(&path, &admin.token, json!({"role": "customer"}))
        .await;
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["portal_role"], "customer");
    assert_eq!(changed["portal_user_id"], granted["portal_user_id"]);

    // A contact whose address is a staff login cannot get a second login.
    let clash = app
        .create_contact(&admin.token, account_id, "冲突", "pa@x.cn")
        .await;
    let response = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", clash["id"]),
            &admin.token,
            json!({"role": "customer"}),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "conflict").await;
}

#[actix_web::test]
async fn archiving_a_contact_ends_its_portal_login() {
    let app = spawn_app().await;
    let admin = app.signup("W", "arch@x.cn").await;
    let (account, portal) = app.portal_user(&admin, "gone@kehu.cn", "42").await;
    let contacts: Value = app
        .get(
            &format!("/api/v1/accounts/{}/contacts", account["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let contact_id = contacts["items"][0]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/contacts/{contact_id}/archive"),
        &admin.token,
        json!({}),
    )
    .await;
    assert_error(
        app.get("/api/v1/portal/account", &portal.token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.login("gone@kehu.cn", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn csms_change_contacts_of_their_own_accounts_only() {
    let app = spawn_app().await;
    let admin = app.signup("W", "cc@x.cn").await;
    let csm = app.staff(&admin, "csm", "cc-c@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "cc-e@x.cn").await;
    let admins_account = app.create_account(&admin.token, "管理员的客户", "5").await;
    let id = admins_account["id"].as_i64().unwrap();
    let path = format!("/api/v1/accounts/{id}/contacts");
    for token in [&csm.token, &engineer.token] {
        let response = app.post(&path, token, json!({"name": "X"})).await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(app.get(&path, token).await.status(), StatusCode::OK);
    }
    let own = app.create_account(&csm.token, "自己的", "6").await;
    let created = app
        .post(
            &format!("/api/v1/accounts/{}/contacts", own["id"]),
            &csm.token,
            json!({"name": "Y"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
}
