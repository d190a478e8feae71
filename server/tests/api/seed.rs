use reqwest::StatusCode;
use serde_json::Value;
use server::seed;

use crate::helpers::*;

#[actix_web::test]
async fn the_demo_workspace_is_realistic_and_seeding_twice_is_harmless() {
    let app = spawn_app().await;
    seed::demo(&app.app_state.db).await.unwrap();
    seed::demo(&app.app_state.db).await.unwrap();
    let response = app.login(seed::DEMO_ADMIN, seed::DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let admin = session_of(response).await;
    let accounts: Value = app
        .get("/api/v1/accounts?limit=200", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let items = accounts["items"].as_array().unwrap();
    assert_eq!(items.len(), 30);
    assert!(items
        .iter()
        .any(|a| a["name"].as_str().unwrap().contains("有限公司")));
    let users: Value = app
        .get("/api/v1/users?limit=200", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    for role in ["admin", "manager", "csm", "engineer", "customer_admin"] {
        assert!(
            users["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["role"] == role),
            "{role}"
        );
    }
    let contacts: Value = app
        .get(
            &format!("/api/v1/accounts/{}/contacts", items[0]["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(!contacts["items"][0]["modules"]
        .as_array()
        .unwrap()
        .is_empty());
    let portal = session_of(
        app.login("portal@demo.steward.local", seed::DEMO_PASSWORD)
            .await,
    )
    .await;
    let home: Value = app
        .get("/api/v1/portal/account", &portal.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(home["name"].as_str().unwrap().contains("公司"));
}

#[actix_web::test]
async fn migrations_are_idempotent_and_bench_seeding_adds_accounts() {
    let app = spawn_app().await;
    app.app_state.db.migrate().await.unwrap();
    seed::bench(&app.app_state.db, 1200).await.unwrap();
    seed::bench(&app.app_state.db, 10).await.unwrap();
    let admin = session_of(app.login(seed::BENCH_ADMIN, seed::BENCH_PASSWORD).await).await;
    let page: Value = app
        .get(
            "/api/v1/accounts?limit=50&q=%E7%A7%91%E6%8A%80",
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert!(page["next_cursor"].is_string());
    let last: Value = app
        .get("/api/v1/accounts?limit=1", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last["items"][0]["code"], "00001210");
}
