//! NPS surveys: campaigns e-mailed through the real SMTP sink with a
//! one-time link, answered once without a login (tokens stored hashed),
//! NPS arithmetic, who may run campaigns, tenant isolation and portal
//! exclusion.

use chrono::{TimeZone, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::helpers::*;

/// The token of the link in a survey mail.
pub(crate) fn token_in(mail: &Mail) -> String {
    let body = mail.body();
    let start = body
        .find("http://steward.test/portal/surveys/")
        .unwrap_or_else(|| panic!("no survey link in {body}"));
    body[start + "http://steward.test/portal/surveys/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

pub(crate) async fn answer(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/v1/portal/surveys/{token}"),
        None,
        Some(body),
    )
    .await
}

#[actix_web::test]
async fn a_campaign_mails_one_time_links_and_computes_the_nps() {
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap()).await;
    let admin = app.signup("调查", "sv-admin@x.cn").await;
    let csm = app.staff(&admin, "csm", "sv-csm@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "sv-eng@x.cn").await;
    let account = app.create_account(&csm.token, "华东制造", "1").await;
    let account_id = account["id"].as_i64().unwrap();
    let mut contacts = Vec::new();
    for (i, name) in ["张伟", "王芳", "李娜", "刘洋"].iter().enumerate() {
        let c = app
            .create_contact(&csm.token, account_id, name, &format!("sv-c{i}@x.cn"))
            .await;
        contacts.push(c["id"].as_i64().unwrap());
    }
    let not_mine = app.create_account(&admin.token, "别人的客户", "2").await;
    let foreign_contact = app
        .create_contact(
            &admin.token,
            not_mine["id"].as_i64().unwrap(),
            "赵六",
            "sv-x@x.cn",
        )
        .await;
    let (_, portal) = app.portal_user(&admin, "sv-portal@x.cn", "3").await;

    let body = json!({
        "name": "2027 年度 NPS",
        "question_zh": "您有多大可能向同行推荐我们？",
        "question_en": "How likely are you to recommend us to a colleague?",
        "contact_ids": contacts,
    });
    // Who may run a campaign.
    let response = app
        .post("/api/v1/surveys", &engineer.token, body.clone())
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .post("/api/v1/surveys", &portal.token, body.clone())
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let mut with_foreign = body.clone();
    with_foreign["contact_ids"] = json!([contacts[0], foreign_contact["id"]]);
    let response = app.post("/api/v1/surveys", &csm.token, with_foreign).await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    for bad in [
        json!({"contact_ids": []}),
        json!({"contact_ids": [999_999]}),
        json!({"name": " "}),
        json!({"question_zh": ""}),
    ] {
        let mut b = body.clone();
        for (k, v) in bad.as_object().unwrap() {
            b[k] = v.clone();
        }
        let response = app.post("/api/v1/surveys", &csm.token, b).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }

    let response = app.post("/api/v1/surveys", &csm.token, body.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let survey: Value = response.json().await.unwrap();
    assert_eq!(survey["recipients"], 4);
    assert_eq!(survey["summary"]["responses"], 0);
    assert!(survey["summary"]["nps"].is_null());
    let survey_id = survey["id"].as_i64().unwrap();

    // Each contact got a mail with its own link.
    let mut tokens = Vec::new();
    for i in 0..4 {
        let mail = app.mail.wait_for(&format!("sv-c{i}@x.cn")).await;
        let body = mail.body();
        assert!(body.contains("您有多大可能向同行推荐我们？"), "{body}");
        assert!(
            body.contains("How likely are you to recommend us"),
            "{body}"
        );
        tokens.push(token_in(&mail));
    }
    assert_eq!(
        tokens
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        4
    );
    // Only hashes are stored.
    let rows = server::entity::survey_recipients::Entity::find()
        .all(&app.app_state.db.read)
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    for row in &rows {
        assert!(!tokens.contains(&row.token_hash));
        assert_eq!(row.token_hash.len(), 64);
    }

    // The link shows the question without a login.
    let response = app
        .request(
            Method::GET,
            &format!("/api/v1/portal/surveys/{}", tokens[0]),
            None,
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let shown: Value = response.json().await.unwrap();
    assert_eq!(shown["question_zh"], "您有多大可能向同行推荐我们？");
    assert_eq!(shown["answered"], false);
    for unknown in ["nope", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let response = app
            .request(
                Method::GET,
                &format!("/api/v1/portal/surveys/{unknown}"),
                None,
                None,
            )
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = answer(&app, unknown, json!({"score": 9})).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }

    // Answers: 10, 9 (promoters), 7 (passive), 3 (detractor).
    for bad in [
        json!({"score": 11}),
        json!({"score": -1}),
        json!({"score": "9"}),
    ] {
        let response = answer(&app, &tokens[0], bad).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    for (token, score, comment) in [
        (&tokens[0], 10, Some("服务很好")),
        (&tokens[1], 9, None),
        (&tokens[2], 7, Some("")),
        (&tokens[3], 3, Some("响应太慢")),
    ] {
        let response = answer(&app, token, json!({"score": score, "comment": comment})).await;
        assert_eq!(response.status(), StatusCode::OK);
        let done: Value = response.json().await.unwrap();
        assert_eq!(done["answered"], true);
    }
    // Once only.
    let response = answer(&app, &tokens[0], json!({"score": 0})).await;
    assert_error(response, StatusCode::CONFLICT, "conflict").await;
    let shown: Value = app
        .request(
            Method::GET,
            &format!("/api/v1/portal/surveys/{}", tokens[0]),
            None,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["answered"], true);

    // (2 − 1) / 4 = 25 %.
    let detail: Value = app
        .get(&format!("/api/v1/surveys/{survey_id}"), &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        detail["survey"]["summary"],
        json!({"responses": 4, "promoters": 2, "passives": 1, "detractors": 1, "nps": "25.00"})
    );
    let responses = detail["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 4);
    let first = responses
        .iter()
        .find(|r| r["contact_id"] == contacts[0])
        .unwrap();
    assert_eq!(
        (first["score"].as_i64(), first["comment"].as_str()),
        (Some(10), Some("服务很好"))
    );
    assert_eq!(first["account_name"], "华东制造");
    assert_eq!(first["contact_name"], "张伟");
    let third = responses
        .iter()
        .find(|r| r["contact_id"] == contacts[2])
        .unwrap();
    assert!(third["comment"].is_null(), "a blank comment is none");

    let list: Value = app
        .get("/api/v1/surveys", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], survey_id);
    assert_eq!(list["items"][0]["summary"]["nps"], "25.00");

    // NPS per account, for health; and on the dashboard.
    let ws = admin.user["workspace_id"].as_i64().unwrap();
    let nps = server::domain::surveys::latest_nps(&app.app_state.db.read, ws, account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(nps.nps.as_deref(), Some("25.00"));
    assert!(server::domain::surveys::latest_nps(
        &app.app_state.db.read,
        ws,
        not_mine["id"].as_i64().unwrap()
    )
    .await
    .unwrap()
    .is_none());
    let dash: Value = app
        .get("/api/v1/dashboard", &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dash["nps"]["responses"], 4);
    assert_eq!(dash["nps"]["nps"], "25.00");

    // The answer is in the audit log.
    let audit: Value = app
        .get("/api/v1/audit?entity_type=survey_response", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(audit.to_string().contains("survey_response"), "{audit}");
}

#[actix_web::test]
async fn surveys_are_invisible_to_other_workspaces_and_the_portal() {
    let app = spawn_app().await;
    let admin = app.signup("调查", "si-admin@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    let contact = app
        .create_contact(
            &admin.token,
            account["id"].as_i64().unwrap(),
            "张伟",
            "si-c@x.cn",
        )
        .await;
    let (_, portal) = app.portal_user(&admin, "si-portal@x.cn", "2").await;
    let response = app
        .post(
            "/api/v1/surveys",
            &admin.token,
            json!({"name": "NPS", "question_zh": "推荐吗？", "question_en": "Recommend?", "contact_ids": [contact["id"]]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let survey: Value = response.json().await.unwrap();
    let path = format!("/api/v1/surveys/{}", survey["id"]);

    let other = app.signup("别家", "si-other@x.cn").await;
    let response = app.get(&path, &other.token).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let list: Value = app
        .get("/api/v1/surveys", &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    // Another workspace cannot survey this workspace's contact.
    let response = app
        .post(
            "/api/v1/surveys",
            &other.token,
            json!({"name": "NPS", "question_zh": "推荐吗？", "question_en": "Recommend?", "contact_ids": [contact["id"]]}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    for p in [path.as_str(), "/api/v1/surveys"] {
        let response = app.get(p, &portal.token).await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app.request(Method::GET, p, None, None).await;
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let response = app.get("/api/v1/surveys/abc", &admin.token).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn a_survey_link_dies_with_its_age_or_its_contact() {
    let t0 = Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap();
    let app = spawn_app_at(t0).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("调查", "sl-admin@x.cn").await;
    let account = app.create_account(&admin.token, "华东制造", "1").await;
    let account_id = account["id"].as_i64().unwrap();
    let mut contacts = Vec::new();
    for i in 0..2 {
        let c = app
            .create_contact(&admin.token, account_id, "张伟", &format!("sl-c{i}@x.cn"))
            .await;
        contacts.push(c["id"].as_i64().unwrap());
    }
    let r = app
        .post(
            "/api/v1/surveys",
            &admin.token,
            json!({"name": "NPS", "question_zh": "推荐吗？", "question_en": "Recommend us?",
                   "contact_ids": contacts}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let first = token_in(&app.mail.wait_for("sl-c0@x.cn").await);
    let second = token_in(&app.mail.wait_for("sl-c1@x.cn").await);
    let app = &app;
    let open = |token: String| async move {
        app.request(
            Method::GET,
            &format!("/api/v1/portal/surveys/{token}"),
            None,
            None,
        )
        .await
    };
    assert_eq!(open(first.clone()).await.status(), StatusCode::OK);

    // The contact is archived: their link is dead at once.
    let r = app
        .post(
            &format!("/api/v1/contacts/{}/archive", contacts[0]),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_error(
        open(first.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        answer(app, &first, json!({"score": 10})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // The other link lives 60 days (the default), not a day more.
    clock.set(t0 + chrono::Duration::days(59));
    assert_eq!(open(second.clone()).await.status(), StatusCode::OK);
    clock.set(t0 + chrono::Duration::days(61));
    assert_error(
        answer(app, &second, json!({"score": 9})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn a_workspace_mails_no_more_than_its_daily_quota() {
    // Four: the sign-up's confirmation is the first mail of the day.
    let app = spawn_app_with(|c| c.mail_per_workspace_per_day = 4).await;
    let admin = app.signup("调查", "mq-admin@x.cn").await;
    let account = app.create_account(&admin.token, "华东制造", "1").await;
    let account_id = account["id"].as_i64().unwrap();
    let mut contacts = Vec::new();
    for i in 0..3 {
        let c = app
            .create_contact(&admin.token, account_id, "张伟", &format!("mq-c{i}@x.cn"))
            .await;
        contacts.push(c["id"].as_i64().unwrap());
    }
    let survey = |ids: Vec<i64>| json!({"name": "NPS", "question_zh": "推荐吗？", "question_en": "Recommend us?", "contact_ids": ids});
    // Two now: within the quota.
    let r = app
        .post(
            "/api/v1/surveys",
            &admin.token,
            survey(contacts[..2].to_vec()),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Three more would make six of four: refused, with the quota said.
    let r = app
        .post("/api/v1/surveys", &admin.token, survey(contacts.clone()))
        .await;
    assert!(r.headers().get("retry-after").is_some());
    let e = assert_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(e["message_key"], "error.mail_quota", "{e}");
    assert_eq!(e["params"]["quota"], "4", "{e}");
    assert_eq!(e["params"]["left"], "1", "{e}");
    // An invitation is one more mail: the last one allowed, then no more.
    let invite = |email: &str| json!({"name": "新同事", "email": email, "role": "csm"});
    let r = app
        .post("/api/v1/users", &admin.token, invite("mq-u1@x.cn"))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_error(
        app.post("/api/v1/users", &admin.token, invite("mq-u2@x.cn"))
            .await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    let surveys: Value = app
        .get("/api/v1/surveys", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        surveys["items"].as_array().unwrap().len(),
        1,
        "nothing refused was queued"
    );
}
