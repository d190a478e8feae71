//! The rough edges of issue 11 that the API owns: renewals nearest first
//! (overdue ones leading) with keyset pages, and invited users who have not
//! joined yet being unassignable.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn renewals_run_from_the_nearest_contract_end_and_page_in_that_order() {
    // 2027-10-01: an ended contract (09-20) and four ending within the horizon.
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap()).await;
    let admin = app.signup("W", "order@x.cn").await;
    let ends = [
        "2027-12-31",
        "2027-09-20",
        "2028-02-15",
        "2027-10-20",
        "2027-12-31",
    ];
    for (n, end) in ends.iter().enumerate() {
        let account = app
            .create_account(&admin.token, &format!("续约{n}"), &format!("{}", 10 + n))
            .await;
        let response = app
            .post(
                "/api/v1/contracts",
                &admin.token,
                json!({"account_id": account["id"], "starts_on": "2027-01-01",
                       "ends_on": end, "annual_value": "1000.00"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    // Two at a time, following the cursor.
    let mut seen: Vec<(String, i64)> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/renewals?limit=2&cursor={c}"),
            None => "/api/v1/renewals?limit=2".to_string(),
        };
        let page: Value = app.get(&path, &admin.token).await.json().await.unwrap();
        for r in page["items"].as_array().unwrap() {
            seen.push((
                r["due_on"].as_str().unwrap().to_string(),
                r["id"].as_i64().unwrap(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let days: Vec<&str> = seen.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(
        days,
        [
            "2027-09-20",
            "2027-10-20",
            "2027-12-31",
            "2027-12-31",
            "2028-02-15"
        ]
    );
    // Same day: by id, and no renewal twice.
    assert!(seen[2].1 < seen[3].1);
    // Not a cursor of this list: 422.
    assert_error(
        app.get("/api/v1/renewals?cursor=bm9wZQ", &admin.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn an_invited_engineer_is_assigned_tickets_only_once_they_join() {
    let app = spawn_app().await;
    let admin = app.signup("W", "inv-admin@x.cn").await;
    let manager = app.staff(&admin, "manager", "inv-m@x.cn").await;
    let response = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"name": "林涛", "email": "inv-e@x.cn", "role": "engineer"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let invited: Value = response.json().await.unwrap();
    assert_eq!(invited["invited"], true);
    let account = app.create_account(&admin.token, "邀请客户", "1").await;
    let response = app
        .post(
            "/api/v1/tickets",
            &manager.token,
            json!({"account_id": account["id"], "module": "finance", "category": "how_to",
                   "priority": "p3", "subject": "月末结账", "description": "凭证无法过账"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let ticket: Value = response.json().await.unwrap();
    let path = format!("/api/v1/tickets/{}", ticket["id"]);

    // Not yet: a 422 on the assignee, saying why.
    let error = assert_error(
        app.patch(&path, &manager.token, json!({"assignee_id": invited["id"]}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        error["fields"]["assignee_id"]
            .as_str()
            .unwrap()
            .contains("invitation"),
        "{error}"
    );

    // Joined: now they can.
    let mail = app.mail.wait_for("inv-e@x.cn").await;
    let token = mail
        .body()
        .split("accept-invite?token=")
        .nth(1)
        .unwrap()
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string();
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/accept-invite",
            None,
            Some(json!({"token": token, "password": PASSWORD})),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let response = app
        .patch(&path, &manager.token, json!({"assignee_id": invited["id"]}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let assigned: Value = response.json().await.unwrap();
    assert_eq!(assigned["assignee_id"], invited["id"]);
}
