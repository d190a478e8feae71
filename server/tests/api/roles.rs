//! Role rules that go beyond "staff or not" (issue 13, item 8): money is for
//! admins, managers and CSMs (see `contracts::`), a CSM sees survey tallies
//! and asks for health overrides only for the accounts they own, and
//! declaring go-live is the account owner's or a manager's call.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

struct Team {
    admin: Session,
    mine: Session,
    other: Session,
    engineer: Session,
    my_account: i64,
    their_account: i64,
}

async fn team(app: &TestApp, tag: &str) -> Team {
    let admin = app.signup("W", &format!("{tag}-admin@x.cn")).await;
    let mine = app.staff(&admin, "csm", &format!("{tag}-mine@x.cn")).await;
    let other = app.staff(&admin, "csm", &format!("{tag}-other@x.cn")).await;
    let engineer = app
        .staff(&admin, "engineer", &format!("{tag}-eng@x.cn"))
        .await;
    let my_account = app.create_account(&mine.token, "我的客户", "1").await["id"]
        .as_i64()
        .unwrap();
    let their_account = app.create_account(&other.token, "别人的客户", "2").await["id"]
        .as_i64()
        .unwrap();
    Team {
        admin,
        mine,
        other,
        engineer,
        my_account,
        their_account,
    }
}

#[actix_web::test]
async fn a_csm_asks_for_health_overrides_only_on_their_own_accounts() {
    let app = spawn_app().await;
    let t = team(&app, "ov").await;
    let in_a_week = (chrono::Utc::now() + chrono::Duration::days(7)).date_naive();
    let body = json!({"score": 80, "reason": "刚签了续约，情况良好", "expires_on": in_a_week});
    let path = |id: i64| format!("/api/v1/accounts/{id}/health/override");
    assert_eq!(
        app.post(&path(t.my_account), &t.mine.token, body.clone())
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_error(
        app.post(&path(t.their_account), &t.mine.token, body.clone())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.post(&path(t.my_account), &t.engineer.token, body.clone())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // A manager or admin may ask for any account.
    assert_eq!(
        app.post(&path(t.their_account), &t.admin.token, body)
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[actix_web::test]
async fn a_csm_sees_survey_tallies_of_their_own_accounts_only() {
    let app = spawn_app().await;
    let t = team(&app, "sv").await;
    let mut contacts = Vec::new();
    for (account, n) in [(t.my_account, 1), (t.their_account, 3)] {
        for i in 0..n {
            let c = app
                .create_contact(
                    &t.admin.token,
                    account,
                    "联系人",
                    &format!("sv-{account}-{i}@x.cn"),
                )
                .await;
            contacts.push(c["id"].as_i64().unwrap());
        }
    }
    let r = app
        .post(
            "/api/v1/surveys",
            &t.admin.token,
            json!({"name": "NPS", "question_zh": "推荐吗？", "question_en": "Recommend us?",
                   "contact_ids": contacts}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let recipients = |list: &Value| list["items"][0]["recipients"].as_u64().unwrap();
    let all: Value = app
        .get("/api/v1/surveys", &t.admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recipients(&all), 4);
    let mine: Value = app
        .get("/api/v1/surveys", &t.mine.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recipients(&mine), 1, "{mine}");
    let theirs: Value = app
        .get("/api/v1/surveys", &t.other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recipients(&theirs), 3, "{theirs}");
}

#[actix_web::test]
async fn go_live_is_declared_by_the_account_owner_or_a_manager() {
    let app = spawn_app().await;
    let t = team(&app, "gl").await;
    let manager = app.staff(&t.admin, "manager", "gl-manager@x.cn").await;
    let r = app
        .post(
            &format!("/api/v1/accounts/{}/onboarding", t.my_account),
            &t.mine.token,
            json!({"starts_on": "2027-03-01"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let plan: Value = r.json().await.unwrap();
    let tasks = plan["tasks"].as_array().unwrap();
    let go_live = tasks.iter().find(|t| t["kind"] == "go_live").unwrap();
    let general = tasks.iter().find(|t| t["kind"] == "general").unwrap();
    let patch = |task: &Value, status: &str| {
        let path = format!("/api/v1/onboarding/tasks/{}", task["id"]);
        let body = json!({ "status": status });
        (path, body)
    };

    // Everyone works on the other tasks...
    let (path, body) = patch(general, "in_progress");
    assert_eq!(
        app.patch(&path, &t.engineer.token, body).await.status(),
        StatusCode::OK
    );
    // ...but go-live is not the engineer's or another CSM's to declare.
    let (path, body) = patch(go_live, "in_progress");
    for who in [&t.engineer, &t.other] {
        let e = assert_error(
            app.patch(&path, &who.token, body.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_eq!(e["message_key"], "onboarding.go_live_owner_only", "{e}");
    }
    assert_eq!(
        app.patch(&path, &t.mine.token, body.clone()).await.status(),
        StatusCode::OK
    );
    let (path, body) = patch(go_live, "todo");
    assert_eq!(
        app.patch(&path, &manager.token, body).await.status(),
        StatusCode::OK
    );
}
