//! Maker-checker approvals and blockers between tickets.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn new_ticket(app: &TestApp, token: &str, account_id: i64, category: &str) -> Value {
    let response = app
        .post(
            "/api/v1/tickets",
            token,
            json!({"account_id": account_id, "module": "inventory", "category": category,
                   "priority": "p2", "subject": format!("{category} 工单")}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn status_of(app: &TestApp, token: &str, id: &Value) -> String {
    let t: Value = app
        .get(&format!("/api/v1/tickets/{id}"), token)
        .await
        .json()
        .await
        .unwrap();
    t["status"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn a_master_data_change_waits_for_a_manager_other_than_its_maker() {
    let app = spawn_app().await;
    let admin = app.signup("W", "mc@x.cn").await;
    let manager = app.staff(&admin, "manager", "mc-m@x.cn").await;
    let csm = app.staff(&admin, "csm", "mc-c@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let id = account["id"].as_i64().unwrap();

    // The manager makes the change: they cannot check it themselves.
    let t = new_ticket(&app, &manager.token, id, "master_data_change").await;
    assert_eq!(t["status"], "awaiting_approval");
    assert_eq!(t["sla_paused"], true);
    let pending: Value = app
        .get("/api/v1/approvals?status=pending", &csm.token)
        .await
        .json()
        .await
        .unwrap();
    let approval = &pending["items"][0];
    assert_eq!(approval["subject_id"], t["id"]);
    assert_eq!(approval["maker_id"], manager.id());
    let approve = format!("/api/v1/approvals/{}/approve", approval["id"]);
    let reject = format!("/api/v1/approvals/{}/reject", approval["id"]);

    assert_error(
        app.post(&approve, &manager.token, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.post(&approve, &csm.token, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Staff cannot side-step the approval.
    let response = app
        .patch(
            &format!("/api/v1/tickets/{}", t["id"]),
            &admin.token,
            json!({"status": "open"}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        status_of(&app, &admin.token, &t["id"]).await,
        "awaiting_approval"
    );

    let decided: Value = app
        .post(&approve, &admin.token, json!({"comment": "编码规则正确"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decided["status"], "approved");
    assert_eq!(decided["decided_by"], admin.id());
    assert_eq!(status_of(&app, &admin.token, &t["id"]).await, "open");
    // Decided once.
    assert_error(
        app.post(&reject, &admin.token, json!({"comment": "late"}))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

#[actix_web::test]
async fn a_rejected_master_data_change_closes_with_the_reason() {
    let app = spawn_app().await;
    let admin = app.signup("W", "rj@x.cn").await;
    let manager = app.staff(&admin, "manager", "rj-m@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let t = new_ticket(
        &app,
        &admin.token,
        account["id"].as_i64().unwrap(),
        "master_data_change",
    )
    .await;
    let approvals: Value = app
        .get(
            &format!(
                "/api/v1/approvals?subject_type=ticket&subject_id={}",
                t["id"]
            ),
            &manager.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let reject = format!("/api/v1/approvals/{}/reject", approvals["items"][0]["id"]);
    let response = app.post(&reject, &manager.token, json!({})).await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["comment"].is_string());
    let decided: Value = app
        .post(
            &reject,
            &manager.token,
            json!({"comment": "物料代码只能输入数字"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decided["status"], "rejected");
    assert_eq!(status_of(&app, &admin.token, &t["id"]).await, "closed");
    let timeline: Value = app
        .get(
            &format!("/api/v1/tickets/{}/timeline", t["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let last = timeline.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "rejected");
    assert_eq!(last["detail"]["comment"], "物料代码只能输入数字");

    // Approvals of another workspace are invisible.
    let other = app.signup("O", "rj-o@x.cn").await;
    let response = app
        .get(
            &format!("/api/v1/approvals/{}", approvals["items"][0]["id"]),
            &other.token,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let list: Value = app
        .get("/api/v1/approvals", &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn a_ticket_stays_blocked_until_every_blocker_is_resolved() {
    let app = spawn_app().await;
    let admin = app.signup("W", "blk@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "blk-e@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let id = account["id"].as_i64().unwrap();
    let downstream = new_ticket(&app, &admin.token, id, "question").await;
    let bom_error = new_ticket(&app, &admin.token, id, "data_error").await;
    let price_error = new_ticket(&app, &admin.token, id, "data_error").await;
    // The downstream ticket belongs to the engineer, who will be told.
    app.patch(
        &format!("/api/v1/tickets/{}", downstream["id"]),
        &admin.token,
        json!({"assignee_id": engineer.id()}),
    )
    .await;
    let path = format!("/api/v1/tickets/{}/blockers", downstream["id"]);

    for blocker in [&bom_error, &price_error] {
        let response = app
            .post(&path, &admin.token, json!({"blocked_by": blocker["id"]}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let t: Value = response.json().await.unwrap();
        assert_eq!(
            (t["status"].as_str(), t["sla_paused"].as_bool()),
            (Some("blocked"), Some(true))
        );
    }
    let list: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);

    // Not itself, no cycles, not across workspaces, not a resolved one.
    let response = app
        .post(&path, &admin.token, json!({"blocked_by": downstream["id"]}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let cycle = app
        .post(
            &format!("/api/v1/tickets/{}/blockers", bom_error["id"]),
            &admin.token,
            json!({"blocked_by": downstream["id"]}),
        )
        .await;
    let error = assert_error(cycle, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(error["fields"]["blocked_by"]
        .as_str()
        .unwrap()
        .contains("cycle"));
    let other = app.signup("O", "blk-o@x.cn").await;
    let other_account = app.create_account(&other.token, "O", "1").await;
    let foreign = new_ticket(
        &app,
        &other.token,
        other_account["id"].as_i64().unwrap(),
        "bug",
    )
    .await;
    let response = app
        .post(&path, &admin.token, json!({"blocked_by": foreign["id"]}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app
        .post(&path, &other.token, json!({"blocked_by": foreign["id"]}))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    // Resolving one blocker is not enough.
    app.patch(
        &format!("/api/v1/tickets/{}", bom_error["id"]),
        &admin.token,
        json!({"status": "resolved"}),
    )
    .await;
    assert_eq!(
        status_of(&app, &admin.token, &downstream["id"]).await,
        "blocked"
    );
    // The last one reopens it, and the assignee hears about it.
    app.patch(
        &format!("/api/v1/tickets/{}", price_error["id"]),
        &admin.token,
        json!({"status": "resolved"}),
    )
    .await;
    let t: Value = app
        .get(
            &format!("/api/v1/tickets/{}", downstream["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (t["status"].as_str(), t["sla_paused"].as_bool()),
        (Some("open"), Some(false))
    );
    let mail = app.mail.wait_for("blk-e@x.cn").await;
    assert!(
        mail.body().contains(&format!("#{}", downstream["number"])),
        "{}",
        mail.body()
    );

    // A new blocker, removed by hand, reopens too.
    let third = new_ticket(&app, &admin.token, id, "data_error").await;
    app.post(&path, &admin.token, json!({"blocked_by": third["id"]}))
        .await;
    assert_eq!(
        status_of(&app, &admin.token, &downstream["id"]).await,
        "blocked"
    );
    let response = app
        .request(
            reqwest::Method::DELETE,
            &format!("{path}/{}", third["id"]),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        status_of(&app, &admin.token, &downstream["id"]).await,
        "open"
    );
    let response = app
        .request(
            reqwest::Method::DELETE,
            &format!("{path}/{}", third["id"]),
            Some(&admin.token),
            None,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}
