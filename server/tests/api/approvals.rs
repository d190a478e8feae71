//! Approvals: a maker withdraws their own pending request; nobody else may,
//! and another workspace does not see it.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn only_the_maker_withdraws_a_pending_request_and_the_change_never_applies() {
    let app = spawn_app().await;
    let admin = app.signup("W", "wd-admin@x.cn").await;
    let manager = app.staff(&admin, "manager", "wd-m@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "wd-e@x.cn").await;
    let csm = app.staff(&admin, "csm", "wd-c@x.cn").await;
    let other_csm = app.staff(&admin, "csm", "wd-c2@x.cn").await;
    let stranger = app.signup("Other", "wd-other@x.cn").await;
    let account = app.create_account(&csm.token, "撤回客户", "1").await;
    let response = app
        .post(
            "/api/v1/contracts",
            &csm.token,
            json!({"account_id": account["id"], "starts_on": "2027-01-01",
                   "ends_on": "2027-12-31", "annual_value": "1000.00"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let contract: Value = response.json().await.unwrap();
    let path = format!("/api/v1/contracts/{}", contract["id"]);
    let response = app
        .patch(&path, &csm.token, json!({"annual_value": "2000.00"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    let approval_id = body["pending_approval"]["approval_id"].as_i64().unwrap();
    let withdraw = format!("/api/v1/approvals/{approval_id}/withdraw");

    // Another workspace: 404, as for an id that does not exist.
    assert_error(
        app.post(&withdraw, &stranger.token, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.post("/api/v1/approvals/999999/withdraw", &csm.token, json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Nobody but the maker, whatever the role.
    for token in [
        &admin.token,
        &manager.token,
        &engineer.token,
        &other_csm.token,
    ] {
        assert_error(
            app.post(&withdraw, token, json!({})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    // The maker withdraws it: the value stays, nothing is pending.
    let response = app.post(&withdraw, &csm.token, json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let withdrawn: Value = response.json().await.unwrap();
    assert_eq!(withdrawn["status"], "withdrawn");
    let now: Value = app.get(&path, &csm.token).await.json().await.unwrap();
    assert_eq!(now["annual_value"], "1000.00");
    assert!(now["pending_approval"].is_null());
    // Neither withdrawn twice nor decided afterwards.
    assert_error(
        app.post(&withdraw, &csm.token, json!({})).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_error(
        app.post(
            &format!("/api/v1/approvals/{approval_id}/approve"),
            &manager.token,
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // The pending inbox no longer lists it.
    let inbox: Value = app
        .get("/api/v1/approvals?status=pending", &manager.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["id"] != approval_id));
}

#[actix_web::test]
async fn a_manager_withdraws_their_own_health_override() {
    let app = spawn_app().await;
    let admin = app.signup("W", "wd-h@x.cn").await;
    let manager = app.staff(&admin, "manager", "wd-hm@x.cn").await;
    let account = app.create_account(&admin.token, "健康客户", "7").await;
    let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(20)).to_string();
    let response = app
        .post(
            &format!("/api/v1/accounts/{}/health/override", account["id"]),
            &manager.token,
            json!({"score": 30, "reason": "客户即将被收购", "expires_on": until}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let approval: Value = response.json().await.unwrap();
    let response = app
        .post(
            &format!("/api/v1/approvals/{}/withdraw", approval["id"]),
            &manager.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let health: Value = app
        .get(
            &format!("/api/v1/accounts/{}/health", account["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(health["override"], Value::Null);
}
