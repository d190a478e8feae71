//! Chat-bot notifications against local receivers that check each
//! platform's documented body and signature: 企业微信 group robot
//! (markdown; text with `mentioned_mobile_list`), 钉钉 custom robot
//! (加签 in the URL, markdown with `at`), 飞书 custom bot (signed body,
//! interactive card). Rules route a P1 finance ticket to the finance
//! group only.

use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{assert_error, spawn_app_with, Session, TestApp};
use crate::receiver::{Receiver, Request};

async fn app() -> TestApp {
    spawn_app_with(|c| c.webhooks_allow_private = true).await
}

async fn create_bot(app: &TestApp, admin: &Session, body: Value) -> Value {
    let response = app
        .post("/api/v1/settings/chat-bots", &admin.token, body)
        .await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// 钉钉 加签, checked as DingTalk does: `sign` (URL-decoded) is the base64
/// HMAC-SHA256, keyed by the secret, of `"<timestamp>\n<secret>"`; the
/// timestamp is in milliseconds.
fn assert_dingtalk_signed(request: &Request, secret: &str) {
    let timestamp = request.query("timestamp").expect("timestamp in the URL");
    assert!(timestamp.len() >= 13, "milliseconds: {timestamp}");
    let sign = request.query("sign").expect("sign in the URL");
    let expected = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(
        secret.as_bytes(),
        format!("{timestamp}\n{secret}").as_bytes(),
    ));
    assert_eq!(sign, expected);
    assert_eq!(request.query("access_token").as_deref(), Some("dt-token"));
}

/// 飞书 签名校验, checked as Feishu does: `sign` is the base64
/// HMAC-SHA256 keyed by `"<timestamp>\n<secret>"` of an empty message;
/// the timestamp is in seconds.
fn assert_feishu_signed(body: &Value, secret: &str) {
    let timestamp = body["timestamp"].as_str().expect("timestamp");
    assert!(timestamp.len() <= 11, "seconds: {timestamp}");
    let expected = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(
        format!("{timestamp}\n{secret}").as_bytes(),
        b"",
    ));
    assert_eq!(body["sign"], expected.as_str());
}

async fn ticket(
    app: &TestApp,
    token: &str,
    account_id: i64,
    module: &str,
    priority: &str,
) -> Value {
    let response = app
        .post(
            "/api/v1/tickets",
            token,
            json!({"account_id": account_id, "module": module, "category": "bug",
                   "priority": priority, "subject": "总账结账失败", "description": "月末无法结账"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn deliveries(app: &TestApp, admin: &Session, bot: &Value) -> Vec<Value> {
    app.get(
        &format!("/api/v1/settings/chat-bots/{}/deliveries", bot["id"]),
        &admin.token,
    )
    .await
    .json()
    .await
    .unwrap()
}

#[actix_web::test]
async fn a_p1_finance_ticket_reaches_the_finance_groups_and_no_other() {
    let app = app().await;
    let admin = app.signup("Bots", "bots@x.cn").await;
    let account = app.create_account(&admin.token, "华东机械", "1001").await;
    let account_id = account["id"].as_i64().unwrap();
    let errcode_ok = r#"{"errcode":0,"errmsg":"ok"}"#;
    let wecom = Receiver::start(200, errcode_ok).await;
    let dingtalk = Receiver::start(200, errcode_ok).await;
    let feishu = Receiver::start(200, r#"{"code":0,"msg":"success","data":{}}"#).await;
    let sales = Receiver::start(200, errcode_ok).await;
    let p1_finance =
        json!([{"events": ["ticket.created"], "module": "finance", "min_priority": "p1"}]);
    let wecom_bot = create_bot(
        &app,
        &admin,
        json!({"name": "财务组", "kind": "wecom", "webhook_url": format!("{}?key=wc-key", wecom.url),
               "rules": p1_finance}),
    )
    .await;
    assert_eq!(wecom_bot["webhook_url"], format!("{}?key=***", wecom.url));
    let dingtalk_bot = create_bot(
        &app,
        &admin,
        json!({"name": "财务钉钉群", "kind": "dingtalk", "secret": "SECdingtalk",
               "webhook_url": format!("{}?access_token=dt-token", dingtalk.url),
               "rules": [{"events": ["ticket.created"], "module": "finance", "min_priority": "p1",
                          "mention_mobiles": ["13800000000"]}]}),
    )
    .await;
    assert_eq!(dingtalk_bot["has_secret"], true);
    assert!(dingtalk_bot.get("secret").is_none());
    let feishu_bot = create_bot(
        &app,
        &admin,
        json!({"name": "Finance (Feishu)", "kind": "feishu", "secret": "fs-secret", "locale": "en",
               "webhook_url": feishu.url, "rules": p1_finance}),
    )
    .await;
    let sales_bot = create_bot(
        &app,
        &admin,
        json!({"name": "销售组", "kind": "wecom", "webhook_url": sales.url,
               "rules": [{"events": ["ticket.created"], "module": "sales"}]}),
    )
    .await;

    // A P2 finance ticket and a P1 sales-free ticket first: not for finance's P1 rule.
    ticket(&app, &admin.token, account_id, "finance", "p2").await;
    let t = ticket(&app, &admin.token, account_id, "finance", "p1").await;
    let number = t["number"].as_i64().unwrap();

    let got = wecom.wait_for(1).await;
    let body = got[0].json();
    assert_eq!(body["msgtype"], "markdown");
    let content = body["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains(&format!("【P1 工单】#{number} 总账结账失败 — 财务模块")),
        "{content}"
    );
    assert!(content.contains("华东机械"), "{content}");
    assert_eq!(got[0].query("key").as_deref(), Some("wc-key"));

    let got = dingtalk.wait_for(1).await;
    assert_dingtalk_signed(&got[0], "SECdingtalk");
    let body = got[0].json();
    assert_eq!(body["msgtype"], "markdown");
    assert!(body["markdown"]["title"].as_str().unwrap().contains("P1"));
    let text = body["markdown"]["text"].as_str().unwrap();
    assert!(
        text.contains("财务模块") && text.contains("@13800000000"),
        "{text}"
    );
    assert_eq!(body["at"]["atMobiles"], json!(["13800000000"]));
    assert_eq!(body["at"]["isAtAll"], false);

    let got = feishu.wait_for(1).await;
    let body = got[0].json();
    assert_feishu_signed(&body, "fs-secret");
    assert_eq!(body["msg_type"], "interactive");
    let title = body["card"]["header"]["title"]["content"].as_str().unwrap();
    assert_eq!(
        title,
        format!("[P1 ticket] #{number} 总账结账失败 — finance module")
    );
    assert_eq!(body["card"]["elements"][0]["tag"], "markdown");

    // Exactly one delivery each for the finance groups, none for sales.
    for (bot, receiver) in [
        (&wecom_bot, &wecom),
        (&dingtalk_bot, &dingtalk),
        (&feishu_bot, &feishu),
    ] {
        assert_eq!(deliveries(&app, &admin, bot).await.len(), 1);
        assert_eq!(receiver.requests().len(), 1);
    }
    assert!(deliveries(&app, &admin, &sales_bot).await.is_empty());
    assert!(sales.requests().is_empty());

    // A sales ticket goes to sales only.
    ticket(&app, &admin.token, account_id, "sales", "p3").await;
    sales.wait_for(1).await;
    assert_eq!(deliveries(&app, &admin, &wecom_bot).await.len(), 1);
}

#[actix_web::test]
async fn a_non_zero_platform_code_is_a_failure_and_mentions_use_wecom_text() {
    let app = app().await;
    let admin = app.signup("Codes", "codes@x.cn").await;
    let wecom = Receiver::start(200, r#"{"errcode":0,"errmsg":"ok"}"#).await;
    wecom.then(200, r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#);
    let bot = create_bot(
        &app,
        &admin,
        json!({"name": "客服组", "kind": "wecom", "webhook_url": wecom.url,
               "rules": [{"events": ["account.created"], "mention_mobiles": ["13900000000"]}]}),
    )
    .await;
    let id = bot["id"].as_i64().unwrap();
    let response = app
        .post(
            &format!("/api/v1/settings/chat-bots/{id}/test"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let first: Value = response.json().await.unwrap();
    assert_eq!(first["status"], "pending", "retried later: {first}");
    assert_eq!(first["http_status"], 200);
    assert!(
        first["error"].as_str().unwrap().contains("93000"),
        "{first}"
    );
    let got = wecom.wait_for(1).await;
    let body = got[0].json();
    assert_eq!(body["msgtype"], "markdown");
    assert!(body["markdown"]["content"]
        .as_str()
        .unwrap()
        .contains("测试消息"));

    let response = app
        .post(
            &format!(
                "/api/v1/settings/chat-bots/{id}/deliveries/{}/redeliver",
                first["id"]
            ),
            &admin.token,
            json!({}),
        )
        .await;
    let again: Value = response.json().await.unwrap();
    assert_eq!(again["status"], "delivered", "{again}");

    // A rule with mentions posts text with `mentioned_mobile_list`.
    app.create_account(&admin.token, "新客户", "7001").await;
    let got = wecom.wait_for(3).await;
    let body = got[2].json();
    assert_eq!(body["msgtype"], "text");
    assert_eq!(
        body["text"]["mentioned_mobile_list"],
        json!(["13900000000"])
    );
    assert!(body["text"]["content"].as_str().unwrap().contains("新客户"));
}

#[actix_web::test]
async fn feishu_and_dingtalk_test_messages_are_signed_and_in_english_when_asked() {
    let app = app().await;
    let admin = app.signup("Tests", "tests@x.cn").await;
    let feishu = Receiver::start(200, r#"{"code":0,"msg":"success"}"#).await;
    let dingtalk = Receiver::start(200, r#"{"errcode":0,"errmsg":"ok"}"#).await;
    let fs = create_bot(
        &app,
        &admin,
        json!({"name": "fs", "kind": "feishu", "secret": "s3", "locale": "en", "webhook_url": feishu.url}),
    )
    .await;
    let dt = create_bot(
        &app,
        &admin,
        json!({"name": "dt", "kind": "dingtalk", "secret": "SECx",
               "webhook_url": format!("{}?access_token=dt-token", dingtalk.url)}),
    )
    .await;
    for bot in [&fs, &dt] {
        let response = app
            .post(
                &format!("/api/v1/settings/chat-bots/{}/test", bot["id"]),
                &admin.token,
                json!({}),
            )
            .await;
        let delivery: Value = response.json().await.unwrap();
        assert_eq!(delivery["status"], "delivered", "{delivery}");
    }
    let body = feishu.wait_for(1).await[0].json();
    assert_feishu_signed(&body, "s3");
    assert!(body["card"]["header"]["title"]["content"]
        .as_str()
        .unwrap()
        .contains("Test message"));
    let request = &dingtalk.wait_for(1).await[0];
    assert_dingtalk_signed(request, "SECx");
    // A Feishu answer with a non-zero code fails.
    feishu.answer(200, r#"{"code":19021,"msg":"sign match fail"}"#);
    let response = app
        .post(
            &format!("/api/v1/settings/chat-bots/{}/test", fs["id"]),
            &admin.token,
            json!({}),
        )
        .await;
    let delivery: Value = response.json().await.unwrap();
    assert_eq!(delivery["status"], "pending");
    assert!(delivery["error"].as_str().unwrap().contains("19021"));
}

#[actix_web::test]
async fn chat_bots_are_for_admins_and_stay_in_their_workspace() {
    let app = app().await;
    let admin = app.signup("BotsMine", "botsmine@x.cn").await;
    let receiver = Receiver::start(200, r#"{"errcode":0}"#).await;
    let bot = create_bot(
        &app,
        &admin,
        json!({"name": "组", "kind": "wecom", "webhook_url": receiver.url,
               "rules": [{"events": ["ticket.created"]}]}),
    )
    .await;
    let id = bot["id"].as_i64().unwrap();
    let other = app.signup("BotsTheirs", "botstheirs@x.cn").await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/settings/chat-bots/{id}")),
        (Method::PATCH, format!("/api/v1/settings/chat-bots/{id}")),
        (Method::DELETE, format!("/api/v1/settings/chat-bots/{id}")),
        (
            Method::GET,
            format!("/api/v1/settings/chat-bots/{id}/deliveries"),
        ),
        (
            Method::POST,
            format!("/api/v1/settings/chat-bots/{id}/test"),
        ),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"name": "taken"}));
        let response = app
            .request(method.clone(), &path, Some(&other.token), body)
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(receiver.requests().is_empty());
    let csm = app.staff(&admin, "csm", "csm-bots@x.cn").await;
    let response = app
        .post(
            "/api/v1/settings/chat-bots",
            &csm.token,
            json!({"name": "x", "kind": "wecom", "webhook_url": receiver.url}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    // Rules are validated; a change replaces them.
    let response = app
        .patch(
            &format!("/api/v1/settings/chat-bots/{id}"),
            &admin.token,
            json!({"rules": [{"events": []}]}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app
        .patch(
            &format!("/api/v1/settings/chat-bots/{id}"),
            &admin.token,
            json!({"rules": [{"events": ["ticket.sla_breached"], "mention_mobiles": ["138x"]}]}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app
        .patch(
            &format!("/api/v1/settings/chat-bots/{id}"),
            &admin.token,
            json!({"rules": [{"events": ["ticket.sla_breached"]}], "locale": "en"}),
        )
        .await;
    let changed: Value = response.json().await.unwrap();
    assert_eq!(
        changed["rules"][0]["events"],
        json!(["ticket.sla_breached"])
    );
    assert_eq!(changed["locale"], "en");
    assert_eq!(changed["name"], "组");
}

#[actix_web::test]
async fn a_30_day_rule_posts_the_30_day_renewal_reminder_only() {
    let (app, admin, _) = crate::webhooks::due_soon_world("cbds", "7301").await;
    let errcode_ok = r#"{"errcode":0,"errmsg":"ok"}"#;
    let sales = Receiver::start(200, errcode_ok).await;
    let every = Receiver::start(200, errcode_ok).await;
    let sales_bot = create_bot(
        &app,
        &admin,
        json!({"name": "销售组", "kind": "wecom", "webhook_url": sales.url,
               "rules": [{"events": ["renewal.due_soon"], "renewal_days": 30}]}),
    )
    .await;
    assert_eq!(sales_bot["rules"][0]["renewal_days"], 30);
    let every_bot = create_bot(
        &app,
        &admin,
        json!({"name": "All renewals", "kind": "dingtalk", "locale": "en", "webhook_url": every.url,
               "rules": [{"events": ["renewal.due_soon"]}]}),
    )
    .await;
    // The condition is checked: a day count in range, on the event it is for.
    // (A wording of the server's, so the SPA shows it in either language.)
    for (rule, key) in [
        (
            json!({"events": ["renewal.due_soon"], "renewal_days": 0}),
            "field.between",
        ),
        (
            json!({"events": ["renewal.due_soon"], "renewal_days": 366}),
            "field.between",
        ),
        (
            json!({"events": ["ticket.created"], "renewal_days": 30}),
            "integration.renewal_days_event",
        ),
    ] {
        let response = app
            .post(
                "/api/v1/settings/chat-bots",
                &admin.token,
                json!({"name": "x", "kind": "wecom", "webhook_url": sales.url, "rules": [rule]}),
            )
            .await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        let field = "rules[0].renewal_days";
        assert!(error["fields"][field].is_string(), "{rule}: {error}");
        assert_eq!(error["field_keys"][field]["key"], key, "{rule}: {error}");
    }

    for days_before in [100, 90, 60, 31, 30, 29, 7, 1] {
        assert_eq!(
            crate::webhooks::remind_twice(&app, days_before).await,
            u64::from([90, 60, 30, 7].contains(&days_before)),
            "day -{days_before}"
        );
    }
    // Every offset was an event: the bot without a condition posted four.
    let all = every.wait_for(4).await;
    let titles: Vec<String> = all
        .iter()
        .map(|r| r.json()["markdown"]["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        titles,
        [90, 60, 30, 7].map(|d| format!("[Renewal due soon] 续约客户 — {d} days left"))
    );
    // The 30-day rule posted the 30-day one, once.
    let got = sales.requests();
    assert_eq!(got.len(), 1, "{got:?}");
    let body = got[0].json();
    assert_eq!(body["msgtype"], "markdown");
    let content = body["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains("【续约提醒】续约客户 — 剩 30 天"),
        "{content}"
    );
    assert!(
        content.contains("2027-06-30") && content.contains("128000.00 CNY"),
        "{content}"
    );
    let admin = app.login_ok("cbds-admin@x.cn").await;
    assert_eq!(deliveries(&app, &admin, &sales_bot).await.len(), 1);
    assert_eq!(deliveries(&app, &admin, &every_bot).await.len(), 4);
}
