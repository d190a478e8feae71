//! One language at a time (issue 11): the texts the server words travel as
//! keys with parameters beside the English — error messages and field
//! errors, health explanations, timeline details — and every key is one
//! the shared texts table (which the SPA renders in Chinese) knows.

use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::texts::{Msg, T};
use shared::Locale;

use crate::helpers::*;

fn msg(value: &Value) -> Msg {
    serde_json::from_value(value.clone()).unwrap()
}

#[actix_web::test]
async fn errors_carry_their_message_key_and_field_keys_beside_the_english() {
    let app = spawn_app().await;
    let admin = app.signup("W", "texts@x.cn").await;
    app.create_account(&admin.token, "华强电子", "100101").await;

    // A conflict on a field: the English stays, the key rides along.
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "另一家", "code": "100101"}),
        )
        .await;
    let error = assert_error(response, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        error["message"],
        "another account already has this customer code"
    );
    assert_eq!(
        error["fields"]["code"],
        "another account already has this customer code"
    );
    assert_eq!(error["message_key"], "account.code_taken");
    assert_eq!(error["field_keys"]["code"]["key"], "account.code_taken");
    assert_eq!(
        msg(&error["field_keys"]["code"])
            .render(Locale::ZhCn)
            .unwrap(),
        "已有其他客户使用此客户编码"
    );

    // Several fields of the shared rules, with parameters.
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "", "code": "AB", "industry": "x".repeat(300)}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["message_key"], "error.fields_invalid");
    assert_eq!(error["fields"]["name"], "is required");
    assert_eq!(error["field_keys"]["name"]["key"], "field.required");
    assert_eq!(error["field_keys"]["industry"]["key"], "field.too_long");
    assert_eq!(error["field_keys"]["industry"]["params"]["max"], "200");
    assert_eq!(error["field_keys"]["code"]["key"], "field.code_rule");

    // The calendar's time zone, as the issue quoted it.
    let mut calendar: Value = app
        .get("/api/v1/calendar", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    calendar["time_zone"] = json!("Mars/Olympus");
    let response = app.put("/api/v1/calendar", &admin.token, calendar).await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error["field_keys"]["time_zone"]["key"], "calendar.unknown_time_zone",
        "{error}"
    );
    assert_eq!(
        error["field_keys"]["time_zone"]["params"]["zone"],
        "Mars/Olympus"
    );

    // A refusal by role.
    let csm = app.staff(&admin, "csm", "texts-csm@x.cn").await;
    let response = app
        .post(
            "/api/v1/users",
            &csm.token,
            json!({"name": "新人", "email": "new@x.cn", "role": "csm"}),
        )
        .await;
    let error = assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(error["message_key"].is_string(), "{error}");
    let key = T::from_key(error["message_key"].as_str().unwrap());
    assert!(key.is_some(), "{error}");
}

#[actix_web::test]
async fn health_explanations_and_timeline_details_are_keyed() {
    let app = spawn_app().await;
    let admin = app.signup("W", "texts-h@x.cn").await;
    let account = app.create_account(&admin.token, "华星", "200").await;
    let account = account["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/licenses"),
            &admin.token,
            json!({"edition": "K/3 标准版", "modules": ["sales", "purchasing", "finance"],
                   "seats": 20, "dongle_serial": "DG-1"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let health: Value = app
        .get(&format!("/api/v1/accounts/{account}/health"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let components = health["components"].as_array().unwrap();
    assert_eq!(components.len(), 8);
    for c in components {
        let m = msg(&c["explanation_key"]);
        assert!(m.text().is_some(), "{c}");
        assert_eq!(m.en(), c["explanation"].as_str().unwrap(), "{c}");
        let zh = m.render(Locale::ZhCn).unwrap();
        assert!(
            !zh.contains("touchpoint") && !zh.contains("on_track"),
            "{zh}"
        );
    }

    let timeline: Value = app
        .get(
            &format!("/api/v1/accounts/{account}/timeline"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let licence = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "license_created")
        .unwrap();
    assert_eq!(licence["body"], "sales, purchasing, finance · 20 seats");
    let body = msg(&licence["body_key"]);
    assert_eq!(body.text(), Some(T::TimelineLicense));
    assert_eq!(
        body.render(Locale::ZhCn).unwrap(),
        "销售、采购、财务 · 20 个用户"
    );
    // Staff-typed text is never read as a key.
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/activities"),
            &admin.token,
            json!({"kind": "note", "summary": "onboarding → adoption"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let timeline: Value = app
        .get(
            &format!("/api/v1/accounts/{account}/timeline"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let note = &timeline["items"][0];
    assert_eq!(note["kind"], "note");
    assert!(note.get("summary_key").is_none(), "{note}");
}
