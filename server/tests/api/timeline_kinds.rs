//! The complete timeline: tickets opened and resolved, renewal stage moves
//! (audited and on the timeline through one `move_stage`), agreement
//! changes, survey answers, health band changes and e-mail sent to the
//! customer, each once; the kind filter; paging through rows that share a
//! second; which kinds are touchpoints.

use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::timeline::{id, timeline, walk};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap()
}

/// The account's entries of `kind`, newest first.
async fn of_kind(app: &TestApp, token: &str, account: i64, kind: &str) -> Vec<Value> {
    let page = timeline(app, token, account, &format!("?kind={kind}&limit=200")).await;
    page["items"].as_array().unwrap().clone()
}

fn touchpoint(page: &Value) -> Option<DateTime<Utc>> {
    page["last_touchpoint_at"]
        .as_str()
        .map(|t| t.parse::<DateTime<Utc>>().unwrap())
}

#[actix_web::test]
async fn tickets_opened_and_resolved_and_mail_to_the_customer_are_on_the_timeline_once() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "tk-tl@x.cn").await;
    let (account, alice) = app.portal_user(&admin, "alice-tl@kehu.cn", "10").await;
    let account = id(&account);
    let r = app
        .post(
            "/api/v1/portal/tickets",
            &alice.token,
            json!({"module": "sales", "category": "question", "priority": "p3",
                   "subject": "销货单无法审核", "description": "提示权限不足"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let ticket: Value = r.json().await.unwrap();
    let opened = of_kind(&app, &admin.token, account, "ticket_opened").await;
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["entity_type"], "ticket");
    assert_eq!(opened[0]["entity_id"], id(&ticket));
    assert_eq!(opened[0]["actor_id"], alice.id());
    assert_eq!(
        opened[0]["summary"],
        format!("#{} 销货单无法审核", ticket["number"])
    );
    assert_eq!(opened[0]["summary_key"]["key"], "timeline.ticket");
    // The receipt of the ticket she opened herself is no e-mail entry, and
    // a ticket opened is no touchpoint.
    let page = timeline(&app, &admin.token, account, "").await;
    assert!(of_kind(&app, &admin.token, account, "email_sent")
        .await
        .is_empty());
    assert_eq!(touchpoint(&page), None);

    // A public reply mails her: one entry, a touchpoint.
    let r = app
        .post(
            &format!("/api/v1/tickets/{}/comments", id(&ticket)),
            &admin.token,
            json!({"body": "请检查销售主管的审核权限", "internal": false}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let sent = of_kind(&app, &admin.token, account, "email_sent").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["body"], "to alice-tl@kehu.cn");
    assert_eq!(sent[0]["body_key"]["key"], "timeline.mail_to");
    assert_eq!(sent[0]["entity_type"], "ticket");
    let page = timeline(&app, &admin.token, account, "").await;
    assert_eq!(touchpoint(&page), Some(t0()));

    // Resolved: one entry, and her mail; resolving again is refused and
    // reopening and resolving is a second resolution.
    let path = format!("/api/v1/tickets/{}", id(&ticket));
    let r = app
        .patch(&path, &admin.token, json!({"status": "resolved"}))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let resolved = of_kind(&app, &admin.token, account, "ticket_resolved").await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["actor_id"], admin.id());
    assert_eq!(
        of_kind(&app, &admin.token, account, "email_sent")
            .await
            .len(),
        2
    );
    let r = app
        .patch(&path, &admin.token, json!({"status": "resolved"}))
        .await;
    assert!(r.status().is_success() || r.status().is_client_error());
    assert_eq!(
        of_kind(&app, &admin.token, account, "ticket_resolved")
            .await
            .len(),
        1
    );
    assert_eq!(
        of_kind(&app, &admin.token, account, "ticket_opened")
            .await
            .len(),
        1
    );
}

#[actix_web::test]
async fn a_renewal_stage_move_is_audited_and_on_the_timeline() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "rn-tl@x.cn").await;
    let account = id(&app.create_account(&admin.token, "续约客户", "1").await);
    let r = app
        .post(
            "/api/v1/contracts",
            &admin.token,
            json!({"account_id": account, "starts_on": "2027-01-01", "ends_on": "2027-12-31",
                   "annual_value": "100000.00"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // The renewal opened: the account moved to `renewal`, by no one.
    let stages = of_kind(&app, &admin.token, account, "stage_changed").await;
    assert_eq!(stages.len(), 1, "{stages:?}");
    assert_eq!(stages[0]["summary"], "onboarding → renewal");
    assert!(stages[0]["actor_id"].is_null());

    let renewals: Value = app
        .get(
            &format!("/api/v1/renewals?account_id={account}"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let renewal = id(&renewals["items"][0]);
    let path = format!("/api/v1/renewals/{renewal}");
    let r = app
        .patch(&path, &admin.token, json!({"stage": "in_negotiation"}))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let moves = of_kind(&app, &admin.token, account, "renewal_stage_changed").await;
    assert_eq!(moves.len(), 1);
    assert_eq!(moves[0]["summary"], "upcoming → in_negotiation");
    assert_eq!(moves[0]["summary_key"]["params"]["to"], "in_negotiation");
    assert_eq!(moves[0]["entity_type"], "renewal");
    assert_eq!(moves[0]["entity_id"], renewal);
    assert_eq!(moves[0]["actor_id"], admin.id());
    let audit: Value = app
        .get(
            &format!("/api/v1/audit?entity_type=renewal&entity_id={renewal}"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        audit["items"].as_array().unwrap().iter().any(|e| {
            e["action"] == "update"
                && e["before"]["stage"] == "upcoming"
                && e["after"]["stage"] == "in_negotiation"
        }),
        "{audit}"
    );
    // A change that leaves the stage is audited, but no stage move.
    let r = app
        .patch(&path, &admin.token, json!({"probability": 80}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        of_kind(&app, &admin.token, account, "renewal_stage_changed")
            .await
            .len(),
        1
    );
    // Renewing moves the renewal and the account, once each.
    let r = app
        .post(&format!("{path}/renew"), &admin.token, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let moves = of_kind(&app, &admin.token, account, "renewal_stage_changed").await;
    assert_eq!(moves.len(), 2);
    assert_eq!(moves[0]["summary"], "in_negotiation → renewed");
    let stages = of_kind(&app, &admin.token, account, "stage_changed").await;
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0]["summary"], "renewal → renewed");
    assert_eq!(stages[0]["actor_id"], admin.id());
}

#[actix_web::test]
async fn agreement_changes_are_on_the_timeline() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "ag-tl@x.cn").await;
    let account = id(&app.create_account(&admin.token, "协议客户", "1").await);
    let path = format!("/api/v1/accounts/{account}/agreements");
    let body = |level: &str, ends_on: &str| {
        json!({"level": level, "starts_on": "2027-01-01", "ends_on": ends_on,
               "service_content": "远程支持"})
    };
    let r = app
        .post(&path, &admin.token, body("gold", "2027-12-31"))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let agreement: Value = r.json().await.unwrap();
    let one = format!("{path}/{}", id(&agreement));
    // Level, then a longer term, then an early end; content alone is no entry.
    for (level, ends_on) in [
        ("silver", "2027-12-31"),
        ("silver", "2028-12-31"),
        ("silver", "2028-06-30"),
    ] {
        let r = app.put(&one, &admin.token, body(level, ends_on)).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }
    let mut same = body("silver", "2028-06-30");
    same["service_content"] = json!("远程支持和上门服务");
    let r = app.put(&one, &admin.token, same).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = timeline(
        &app,
        &admin.token,
        account,
        "?kind=agreement_created,agreement_level_changed,agreement_renewed,agreement_ended",
    )
    .await;
    let got: Vec<(String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["summary"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("agreement_ended", "silver, 2027-01-01 to 2028-06-30"),
        ("agreement_renewed", "silver, 2027-01-01 to 2028-12-31"),
        ("agreement_level_changed", "gold → silver"),
        ("agreement_created", "gold, 2027-01-01 to 2027-12-31"),
    ]
    .iter()
    .map(|(k, s)| (k.to_string(), s.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[actix_web::test]
async fn a_survey_mail_and_its_answer_are_on_the_timeline_once() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "sv-tl@x.cn").await;
    let account = id(&app.create_account(&admin.token, "调查客户", "1").await);
    let contact = app
        .create_contact(&admin.token, account, "张伟", "sv-tl-c@x.cn")
        .await;
    let r = app
        .post(
            "/api/v1/surveys",
            &admin.token,
            json!({"name": "2027 NPS", "question_zh": "推荐吗？", "question_en": "Recommend?",
                   "contact_ids": [id(&contact)]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // The invitation went to the customer: an entry and a touchpoint.
    let sent = of_kind(&app, &admin.token, account, "email_sent").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["entity_type"], "survey");
    assert_eq!(sent[0]["actor_id"], admin.id());
    let page = timeline(&app, &admin.token, account, "").await;
    assert_eq!(touchpoint(&page), Some(t0()));

    let mail = app.mail.wait_for("sv-tl-c@x.cn").await;
    let token = crate::surveys::token_in(&mail);
    let r = crate::surveys::answer(&app, &token, json!({"score": 9, "comment": "很好"})).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // Answering twice is refused and writes nothing.
    let r = crate::surveys::answer(&app, &token, json!({"score": 3})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let answers = of_kind(&app, &admin.token, account, "survey_answered").await;
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["summary"], "NPS 9 · 2027 NPS");
    assert_eq!(answers[0]["body"], "很好");
    assert!(answers[0]["actor_id"].is_null());
    assert_eq!(answers[0]["summary_key"]["params"]["score"], "9");
}

#[actix_web::test]
async fn a_health_band_change_is_on_the_timeline_once() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "hb-tl@x.cn").await;
    let account = id(&app.create_account(&admin.token, "健康客户", "1").await);
    // Open P1 tickets pull the support component below full marks.
    for _ in 0..2 {
        let r = app
            .post(
                "/api/v1/tickets",
                &admin.token,
                json!({"account_id": account, "module": "finance", "category": "bug",
                       "priority": "p1", "subject": "结账失败", "description": "月末"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let run = || async {
        let r = app
            .post(
                "/api/v1/admin/jobs/health-scores/run",
                &admin.token,
                json!({}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()
    };
    // The first snapshot has nothing to differ from; the same band again
    // writes nothing.
    assert_eq!(run().await["summary"]["band_changes"], 0);
    assert_eq!(run().await["summary"]["band_changes"], 0);
    assert!(of_kind(&app, &admin.token, account, "health_band_changed")
        .await
        .is_empty());
    let health: Value = app
        .get(&format!("/api/v1/accounts/{account}/health"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let score = health["score"].as_i64().unwrap();
    let before = health["band"].as_str().unwrap().to_string();
    assert_ne!(before, "red");
    let model: Value = app
        .get("/api/v1/health-model", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let model = json!({"components": model["components"], "green_min": score + 2,
                       "yellow_min": score + 1});
    let r = app.put("/api/v1/health-model", &admin.token, model).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Two runs at once (two replicas' schedulers): the change is recorded once.
    let (a, b) = tokio::join!(run(), run());
    let changes = |v: &Value| v["summary"]["band_changes"].as_i64().unwrap();
    assert_eq!(changes(&a) + changes(&b), 1, "{a} {b}");
    assert_eq!(run().await["summary"]["band_changes"], 0);
    let bands = of_kind(&app, &admin.token, account, "health_band_changed").await;
    assert_eq!(bands.len(), 1, "{bands:?}");
    assert_eq!(
        bands[0]["summary"],
        format!("{before} → red, score {score}")
    );
    assert!(bands[0]["actor_id"].is_null());
    // No touchpoint: the band moved, nobody talked to the customer.
    let page = timeline(&app, &admin.token, account, "").await;
    assert_eq!(touchpoint(&page), None);
}

#[actix_web::test]
async fn the_kind_filter_selects_and_an_unknown_kind_is_refused() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "kf-tl@x.cn").await;
    let account = id(&app.create_account(&admin.token, "筛选客户", "1").await);
    for kind in ["note", "call", "meeting", "email", "call"] {
        let r = app
            .post(
                &format!("/api/v1/accounts/{account}/activities"),
                &admin.token,
                json!({"kind": kind, "summary": format!("{kind} 记录")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let kinds_of = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let page = timeline(&app, &admin.token, account, "?kind=call,email").await;
    assert_eq!(kinds_of(&page), vec!["call", "email", "call"]);
    // Filtered pages follow their cursor.
    let first = timeline(&app, &admin.token, account, "?kind=call&limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second = timeline(
        &app,
        &admin.token,
        account,
        &format!("?kind=call&limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(kinds_of(&second), vec!["call"]);
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
    assert!(second["next_cursor"].is_null());
    // A kind with no entries: an empty page, the touchpoint still there.
    let none = timeline(&app, &admin.token, account, "?kind=ticket_opened").await;
    assert!(none["items"].as_array().unwrap().is_empty());
    assert_eq!(touchpoint(&none), Some(t0()));
    // Blank is every kind.
    let all = timeline(&app, &admin.token, account, "?kind=").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    for bad in ["bogus", "call,bogus", "CALL"] {
        let r = app
            .get(
                &format!("/api/v1/accounts/{account}/timeline?kind={bad}"),
                &admin.token,
            )
            .await;
        let error = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(error["fields"]["kind"].is_string(), "{error}");
    }
}

#[actix_web::test]
async fn rows_sharing_a_second_are_paged_each_exactly_once_in_order() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "pg-tl@x.cn").await;
    let account = id(&app.create_account(&admin.token, "分页客户", "1").await);
    // The clock stands still: all 120 happen in the same second.
    let mut logged = Vec::new();
    for n in 0..120 {
        let r = app
            .post(
                &format!("/api/v1/accounts/{account}/activities"),
                &admin.token,
                json!({"kind": "note", "summary": format!("同一秒 {n}")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let event: Value = r.json().await.unwrap();
        assert_eq!(
            event["occurred_at"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap(),
            t0()
        );
        logged.push(id(&event));
    }
    let (walked, pages) = walk(&app, &admin.token, account, "limit=50").await;
    assert_eq!(pages, 3);
    // Newest first: same second, so by id, descending; each exactly once.
    logged.reverse();
    assert_eq!(walked, logged);
    // The same through the kind filter.
    let (walked, _) = walk(&app, &admin.token, account, "kind=note&limit=50").await;
    assert_eq!(walked, logged);
}

#[actix_web::test]
async fn only_contact_with_the_customer_is_a_touchpoint() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "tp-tl@x.cn").await;
    let account = id(&app.create_account(&admin.token, "接触客户", "1").await);
    // System events: a stage move, an agreement, a ticket. No touchpoint.
    let r = app
        .patch(
            &format!("/api/v1/accounts/{account}"),
            &admin.token,
            json!({"stage": "adoption"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/agreements"),
            &admin.token,
            json!({"level": "gold", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account, "module": "finance", "category": "how_to",
                   "priority": "p3", "subject": "凭证", "description": "过账"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let page = timeline(&app, &admin.token, account, "?limit=200").await;
    assert!(page["items"].as_array().unwrap().len() >= 3, "{page}");
    assert_eq!(touchpoint(&page), None);
    // A logged e-mail is one, at the time it happened.
    let at = t0() - chrono::Duration::days(2);
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/activities"),
            &admin.token,
            json!({"kind": "email", "summary": "发送月结操作说明", "occurred_at": at}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let page = timeline(&app, &admin.token, account, "").await;
    assert_eq!(touchpoint(&page), Some(at));
    // And the health engagement component reads the same rule.
    let health: Value = app
        .get(&format!("/api/v1/accounts/{account}/health"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let engagement = health["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["component"] == "engagement")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        engagement["explanation"], "2 days since the last touchpoint",
        "{engagement}"
    );
}
