//! Concurrent writers: no 5xx, nothing lost.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn fifty_parallel_updates_of_one_account_all_land() {
    let app = spawn_app().await;
    let admin = app.signup("W", "conc@x.cn").await;
    let account = app.create_account(&admin.token, "并发测试", "1").await;
    let id = account["id"].as_i64().unwrap();
    let path = format!("/api/v1/accounts/{id}");
    let requests = (0..50).map(|i| {
        let app = &app;
        let path = path.clone();
        let token = admin.token.clone();
        async move {
            app.patch(&path, &token, json!({"industry": format!("行业 {i}")}))
                .await
                .status()
        }
    });
    let statuses = join_all(requests).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let now: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(now["version"], 51, "every update counted");
    let log: Value = app
        .get(
            &format!("/api/v1/audit?entity_type=account&entity_id={id}&limit=200"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"].as_array().unwrap().len(), 51);
}

#[actix_web::test]
async fn parallel_creates_with_one_code_yield_one_account_and_conflicts() {
    let app = spawn_app().await;
    let admin = app.signup("W", "race@x.cn").await;
    let requests = (0..20).map(|i| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            app.post(
                "/api/v1/accounts",
                &token,
                json!({"name": format!("竞争 {i}"), "code": "123"}),
            )
            .await
            .status()
        }
    });
    let statuses = join_all(requests).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
}

#[actix_web::test]
async fn parallel_creates_of_distinct_accounts_all_succeed() {
    let app = spawn_app().await;
    let admin = app.signup("W", "many@x.cn").await;
    let requests = (0..50).map(|i| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            app.post(
                "/api/v1/accounts",
                &token,
                json!({"name": format!("客户 {i}"), "code": format!("{}", 1000 + i)}),
            )
            .await
            .status()
        }
    });
    let statuses = join_all(requests).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let list: Value = app
        .get("/api/v1/accounts?limit=200", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 50);
}
