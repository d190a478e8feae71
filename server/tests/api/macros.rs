//! Macros and canned replies (issue 15): placeholders rendered in the
//! requester's language, refused unknown placeholders, actions through the
//! ticket workflow (a refused one changes nothing), personal and shared
//! macros per role, the usage count, the portal kept out, workspaces kept
//! apart, and bad input answered in the error shape.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

async fn create_macro(app: &TestApp, token: &str, macro_: Value) -> Value {
    let response = app.post("/api/v1/macros", token, macro_).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn apply(
    app: &TestApp,
    token: &str,
    macro_id: &Value,
    ticket_id: &Value,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/macros/{macro_id}/apply"),
        token,
        json!({ "ticket_id": ticket_id }),
    )
    .await
}

async fn portal_ticket(app: &TestApp, customer: &Session, subject: &str) -> Value {
    let response = app
        .post(
            "/api/v1/portal/tickets",
            &customer.token,
            json!({"module": "finance", "category": "bug", "priority": "p3", "subject": subject}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn ticket(app: &TestApp, token: &str, id: &Value) -> Value {
    body(app.get(&format!("/api/v1/tickets/{id}"), token).await).await
}

async fn ids_listed(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
    let page = body(app.get(&format!("/api/v1/macros{query}"), token).await).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

/// Waits (up to 10 s) for a mail to `to` whose subject contains `needle`.
async fn mail_with_subject(app: &TestApp, to: &str, needle: &str) -> Mail {
    for _ in 0..200 {
        let found = app
            .mail
            .messages
            .lock()
            .unwrap()
            .iter()
            .find(|m| {
                m.to.iter().any(|t| t.contains(to))
                    && m.header("Subject").is_some_and(|s| s.contains(needle))
            })
            .cloned();
        if let Some(mail) = found {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail to {to} about {needle:?}");
}

const GREETING_ZH: &str =
    "{{contact.name}}您好，工单 #{{ ticket.number }}（{{account.name}}）由{{agent.name}}为您处理。";
const GREETING_EN: &str =
    "Dear {{contact.name}}, ticket #{{ticket.number}} ({{account.name}}) is with {{agent.name}}.";

#[actix_web::test]
async fn placeholders_render_in_the_requesters_language_or_the_other() {
    let app = spawn_app().await;
    let admin = app.signup("W", "mr@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "mr-e@x.cn").await;
    let (account, customer) = app.portal_user(&admin, "mr-c@kehu.cn", "100").await;
    let t = portal_ticket(&app, &customer, "凭证过账报错").await;
    let number = t["number"].as_i64().unwrap();
    let agent = engineer.user["name"].as_str().unwrap();
    let both = create_macro(
        &app,
        &engineer.token,
        json!({"name": "问候", "body_zh": GREETING_ZH, "body_en": GREETING_EN}),
    )
    .await;
    assert_eq!(both["scope"], "personal");
    assert_eq!(both["usage_count"], 0);

    // A requester who has not chosen a language reads Chinese.
    let applied = body(apply(&app, &engineer.token, &both["id"], &t["id"]).await).await;
    assert_eq!(
        applied["text"],
        format!(
            "张伟您好，工单 #{number}（{}）由{agent}为您处理。",
            account["name"].as_str().unwrap()
        )
    );
    assert_eq!(applied["language"], "zh-CN");
    assert_eq!(applied["unresolved"], json!([]));
    assert_eq!(applied["applied"], json!([]));
    assert_eq!(applied["ticket"]["id"], t["id"]);

    // The requester switches to English: the English text.
    let r = app
        .patch("/api/v1/me", &customer.token, json!({"locale": "en"}))
        .await;
    assert!(r.status().is_success());
    let applied = body(apply(&app, &engineer.token, &both["id"], &t["id"]).await).await;
    assert_eq!(
        applied["text"],
        format!("Dear 张伟, ticket #{number} (客户公司) is with {agent}.")
    );
    assert_eq!(applied["language"], "en");

    // A macro without English text falls back to Chinese for them.
    let zh_only = create_macro(
        &app,
        &engineer.token,
        json!({"name": "仅中文", "body_zh": "{{contact.name}}您好", "body_en": ""}),
    )
    .await;
    let applied = body(apply(&app, &engineer.token, &zh_only["id"], &t["id"]).await).await;
    assert_eq!(applied["text"], "张伟您好");
    assert_eq!(applied["language"], "zh-CN");

    // A ticket staff opened without a requester has no contact to name.
    let staff_ticket = body(
        app.post(
            "/api/v1/tickets",
            &engineer.token,
            json!({"account_id": account["id"], "module": "sales", "category": "question",
                   "priority": "p3", "subject": "内部登记"}),
        )
        .await,
    )
    .await;
    let applied = body(apply(&app, &engineer.token, &both["id"], &staff_ticket["id"]).await).await;
    assert_eq!(applied["language"], "zh-CN");
    assert_eq!(applied["unresolved"], json!(["contact.name"]));
    assert!(applied["text"]
        .as_str()
        .unwrap()
        .starts_with(&format!("您好，工单 #{}", staff_ticket["number"])));
}

#[actix_web::test]
async fn unknown_placeholders_are_refused_at_save_naming_the_allowed_ones() {
    let app = spawn_app().await;
    let admin = app.signup("W", "mp@x.cn").await;
    let response = app
        .post(
            "/api/v1/macros",
            &admin.token,
            json!({"name": "Greeting", "body_zh": "您好", "body_en": "Dear {{customer.name}},"}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let said = error["fields"]["body_en"].as_str().unwrap();
    assert!(said.contains("{{customer.name}}"), "{said}");
    for allowed in [
        "{{contact.name}}",
        "{{ticket.number}}",
        "{{account.name}}",
        "{{agent.name}}",
    ] {
        assert!(said.contains(allowed), "{said} lacks {allowed}");
    }
    assert_eq!(
        error["field_keys"]["body_en"]["key"], "macro.placeholder",
        "{error}"
    );
    assert!(error["fields"].get("body_zh").is_none());
    // An unclosed one, and one in the note.
    for bad in [
        json!({"name": "A", "body_zh": "{{contact.name 您好"}),
        json!({"name": "B", "body_zh": "您好", "actions": {"internal_note": "{{ticket.id}}"}}),
    ] {
        assert_error(
            app.post("/api/v1/macros", &admin.token, bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    assert!(ids_listed(&app, &admin.token, "").await.is_empty());

    // The same rule when a macro changes, and nothing is changed.
    let m = create_macro(
        &app,
        &admin.token,
        json!({"name": "Greeting", "body_en": "Dear {{contact.name}},"}),
    )
    .await;
    let error = assert_error(
        app.patch(
            &format!("/api/v1/macros/{}", m["id"]),
            &admin.token,
            json!({"body_zh": "{{联系人}}您好"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["body_zh"]
        .as_str()
        .unwrap()
        .contains("{{agent.name}}"));
    let now = body(
        app.get(&format!("/api/v1/macros/{}", m["id"]), &admin.token)
            .await,
    )
    .await;
    assert_eq!(now["body_zh"], "");
    assert_eq!(now["version"], m["version"]);
}

#[actix_web::test]
async fn actions_run_through_the_ticket_workflow() {
    let app = spawn_app().await;
    let admin = app.signup("W", "ma@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "ma-e@x.cn").await;
    let manager = app.staff(&admin, "manager", "ma-m@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "ma-c@kehu.cn", "100").await;
    let t = portal_ticket(&app, &customer, "月结无法过账").await;
    assert_eq!(t["status"], "new");
    let m = create_macro(
        &app,
        &manager.token,
        json!({
            "name": "索要日志并升级",
            "scope": "shared",
            "body_zh": "{{contact.name}}您好，请提供系统日志。",
            "actions": {
                "status": "pending_customer",
                "priority": "p1",
                "tier": 2,
                "internal_note": "已请{{contact.name}}提供日志（工单 {{ticket.number}}）"
            }
        }),
    )
    .await;

    let applied = body(apply(&app, &engineer.token, &m["id"], &t["id"]).await).await;
    assert_eq!(
        applied["applied"],
        json!([
            {"kind": "internal_note", "comment_id": applied["note"]["id"]},
            {"kind": "tier", "from": 1, "to": 2},
            {"kind": "status", "from": "new", "to": "pending_customer"},
            {"kind": "priority", "from": "p3", "to": "p1"},
        ])
    );
    assert_eq!(applied["text"], "张伟您好，请提供系统日志。");
    assert_eq!(applied["usage_count"], 1);

    // The ticket as the workflow left it: status with the SLA clock
    // paused, priority, tier 2 with an engineer assigned.
    let now = ticket(&app, &engineer.token, &t["id"]).await;
    assert_eq!(now["status"], "pending_customer");
    assert_eq!(now["sla_paused"], true);
    assert_eq!(now["priority"], "p1");
    assert_eq!(now["tier"], 2);
    assert_eq!(now["assignee_id"], engineer.id());
    assert_eq!(applied["ticket"], now);

    // The internal note, filled in, for staff only.
    let comments = body(
        app.get(
            &format!("/api/v1/tickets/{}/comments", t["id"]),
            &engineer.token,
        )
        .await,
    )
    .await;
    let note = &comments.as_array().unwrap()[0];
    assert_eq!(note["internal"], true);
    assert_eq!(note["author_user_id"], engineer.id());
    assert_eq!(
        note["body"],
        format!("已请张伟提供日志（工单 {}）", t["number"])
    );
    let portal_comments = body(
        app.get(
            &format!("/api/v1/portal/tickets/{}/comments", t["id"]),
            &customer.token,
        )
        .await,
    )
    .await;
    assert_eq!(portal_comments, json!([]));

    // The timeline names each step, the escalation with the macro's name.
    let timeline = body(
        app.get(
            &format!("/api/v1/tickets/{}/timeline", t["id"]),
            &engineer.token,
        )
        .await,
    )
    .await;
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "comment", "escalated", "status"]);
    assert_eq!(timeline[2]["detail"]["reason"], "索要日志并升级");
    assert_eq!(timeline[3]["detail"]["to"], "pending_customer");

    // The requester is asked for the information, as by a status change.
    mail_with_subject(&app, "ma-c@kehu.cn", "等待您的答复").await;

    // The audit log has the ticket's changes and the application.
    let audit = body(
        app.get(
            &format!("/api/v1/audit?entity_type=macro&entity_id={}", m["id"]),
            &admin.token,
        )
        .await,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["apply", "create"]);
    assert_eq!(audit["items"][0]["after"]["ticket_id"], t["id"]);
    let ticket_audit = body(
        app.get(
            &format!("/api/v1/audit?entity_type=ticket&entity_id={}", t["id"]),
            &admin.token,
        )
        .await,
    )
    .await;
    let actions: Vec<&str> = ticket_audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"escalate") && actions.contains(&"update"),
        "{actions:?}"
    );

    // Applied again, what already holds is left alone: only a new note.
    let again = body(apply(&app, &engineer.token, &m["id"], &t["id"]).await).await;
    let kinds: Vec<&str> = again["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["internal_note"]);
    assert_eq!(again["ticket"]["tier"], 2);
}

#[actix_web::test]
async fn an_action_the_ticket_refuses_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("W", "mn@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "mn-e@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "100").await;
    // A master-data change awaits a manager's approval: no status of a
    // macro may take it elsewhere.
    let t = body(
        app.post(
            "/api/v1/tickets",
            &engineer.token,
            json!({"account_id": account["id"], "module": "inventory",
                   "category": "master_data_change", "priority": "p3",
                   "subject": "物料编码变更"}),
        )
        .await,
    )
    .await;
    assert_eq!(t["status"], "awaiting_approval");
    let resolve = create_macro(
        &app,
        &engineer.token,
        json!({"name": "已解决", "body_en": "Solved.", "actions": {
            "status": "resolved", "priority": "p1", "internal_note": "closing"}}),
    )
    .await;
    let error = assert_error(
        apply(&app, &engineer.token, &resolve["id"], &t["id"]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        error["fields"]["status"]
            .as_str()
            .unwrap()
            .contains("awaits approval"),
        "{error}"
    );
    let after = ticket(&app, &engineer.token, &t["id"]).await;
    assert_eq!(after, t, "the ticket is as it was");
    let comments = body(
        app.get(
            &format!("/api/v1/tickets/{}/comments", t["id"]),
            &engineer.token,
        )
        .await,
    )
    .await;
    assert_eq!(comments, json!([]), "the note was not kept");
    let timeline = body(
        app.get(
            &format!("/api/v1/tickets/{}/timeline", t["id"]),
            &engineer.token,
        )
        .await,
    )
    .await;
    assert_eq!(timeline.as_array().unwrap().len(), 1);
    let unused = body(
        app.get(
            &format!("/api/v1/macros/{}", resolve["id"]),
            &engineer.token,
        )
        .await,
    )
    .await;
    assert_eq!(unused["usage_count"], 0);

    // A tier only rises: a ticket at tier 2 refuses a tier-1 macro.
    let open = body(
        app.post(
            "/api/v1/tickets",
            &engineer.token,
            json!({"account_id": account["id"], "module": "sales", "category": "bug",
                   "priority": "p3", "subject": "销售订单无法审核"}),
        )
        .await,
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/tickets/{}/escalate", open["id"]),
            &engineer.token,
            json!({"reason": "需要二线"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let back = create_macro(
        &app,
        &engineer.token,
        json!({"name": "一线", "body_zh": "好的", "actions": {"tier": 1, "priority": "p2"}}),
    )
    .await;
    let before = ticket(&app, &engineer.token, &open["id"]).await;
    let error = assert_error(
        apply(&app, &engineer.token, &back["id"], &open["id"]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["field_keys"]["tier"]["key"], "macro.tier_only_rises");
    assert_eq!(ticket(&app, &engineer.token, &open["id"]).await, before);

    // A closed ticket is final: even its note is refused.
    let r = app
        .patch(
            &format!("/api/v1/tickets/{}", open["id"]),
            &engineer.token,
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let closed = ticket(&app, &engineer.token, &open["id"]).await;
    assert_error(
        apply(&app, &engineer.token, &resolve["id"], &open["id"]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(ticket(&app, &engineer.token, &open["id"]).await, closed);
    let unused = body(
        app.get(
            &format!("/api/v1/macros/{}", resolve["id"]),
            &engineer.token,
        )
        .await,
    )
    .await;
    assert_eq!(unused["usage_count"], 0);
}

#[actix_web::test]
async fn personal_macros_are_their_owners_and_shared_ones_are_kept_by_managers() {
    let app = spawn_app().await;
    let admin = app.signup("W", "ms@x.cn").await;
    let manager = app.staff(&admin, "manager", "ms-m@x.cn").await;
    let csm = app.staff(&admin, "csm", "ms-c@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "ms-e@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "100").await;
    let t = body(
        app.post(
            "/api/v1/tickets",
            &csm.token,
            json!({"account_id": account["id"], "module": "sales", "category": "question",
                   "priority": "p3", "subject": "问题"}),
        )
        .await,
    )
    .await;

    // An engineer's personal macro: theirs alone, not even the admin's.
    let mine = create_macro(
        &app,
        &engineer.token,
        json!({"name": "我的回复", "body_zh": "收到"}),
    )
    .await;
    assert_eq!(mine["owner_id"], engineer.id());
    assert_eq!(mine["can_edit"], true);
    let path = format!("/api/v1/macros/{}", mine["id"]);
    for other in [&admin, &manager, &csm] {
        assert!(!ids_listed(&app, &other.token, "")
            .await
            .contains(&mine["id"].as_i64().unwrap()));
        for response in [
            app.get(&path, &other.token).await,
            app.patch(&path, &other.token, json!({"name": "改"})).await,
            app.request(Method::DELETE, &path, Some(&other.token), None)
                .await,
            apply(&app, &other.token, &mine["id"], &t["id"]).await,
        ] {
            assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
    let r = apply(&app, &engineer.token, &mine["id"], &t["id"]).await;
    assert_eq!(r.status(), StatusCode::OK);

    // Only admins and managers make or change shared macros.
    for who in [&engineer, &csm] {
        assert_error(
            app.post(
                "/api/v1/macros",
                &who.token,
                json!({"name": "共享", "scope": "shared", "body_zh": "您好"}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    assert_error(
        app.patch(&path, &engineer.token, json!({"scope": "shared"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let shared = create_macro(
        &app,
        &manager.token,
        json!({"name": "共享回复", "scope": "shared", "body_zh": "您好，{{contact.name}}"}),
    )
    .await;
    let shared_path = format!("/api/v1/macros/{}", shared["id"]);
    for (who, may_edit) in [
        (&engineer, false),
        (&csm, false),
        (&manager, true),
        (&admin, true),
    ] {
        let seen = body(app.get(&shared_path, &who.token).await).await;
        assert_eq!(seen["can_edit"], may_edit);
        assert_eq!(seen["owner_name"], manager.user["name"]);
        assert!(ids_listed(&app, &who.token, "?scope=shared")
            .await
            .contains(&shared["id"].as_i64().unwrap()));
        let r = apply(&app, &who.token, &shared["id"], &t["id"]).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    for who in [&engineer, &csm] {
        assert_error(
            app.patch(&shared_path, &who.token, json!({"name": "改"}))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_error(
            app.request(Method::DELETE, &shared_path, Some(&who.token), None)
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let renamed = body(
        app.patch(&shared_path, &admin.token, json!({"name": "统一回复"}))
            .await,
    )
    .await;
    assert_eq!(renamed["name"], "统一回复");
    assert_eq!(renamed["owner_id"], manager.id());

    // An engineer's own personal macro is theirs to change and delete.
    let changed = body(
        app.patch(&path, &engineer.token, json!({"body_en": "Noted."}))
            .await,
    )
    .await;
    assert_eq!(changed["body_en"], "Noted.");
    assert_eq!(
        ids_listed(&app, &engineer.token, "?scope=personal").await,
        vec![mine["id"].as_i64().unwrap()]
    );

    // A shared macro made personal becomes the personal macro of whoever
    // made it so: the others no longer see it.
    let taken = body(
        app.patch(&shared_path, &admin.token, json!({"scope": "personal"}))
            .await,
    )
    .await;
    assert_eq!(taken["owner_id"], admin.id());
    assert_error(
        app.get(&shared_path, &engineer.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.get(&shared_path, &manager.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let r = app
        .request(Method::DELETE, &path, Some(&engineer.token), None)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.get(&path, &engineer.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn each_application_counts_once() {
    let app = spawn_app().await;
    let admin = app.signup("W", "mu@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "mu-e@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "100").await;
    let t = body(
        app.post(
            "/api/v1/tickets",
            &engineer.token,
            json!({"account_id": account["id"], "module": "sales", "category": "question",
                   "priority": "p3", "subject": "问题"}),
        )
        .await,
    )
    .await;
    let m = create_macro(
        &app,
        &admin.token,
        json!({"name": "常用", "scope": "shared", "body_zh": "收到"}),
    )
    .await;
    for n in 1..=3 {
        let applied = body(apply(&app, &engineer.token, &m["id"], &t["id"]).await).await;
        assert_eq!(applied["usage_count"], n);
    }
    let listed = body(app.get("/api/v1/macros", &admin.token).await).await;
    assert_eq!(listed["items"][0]["usage_count"], 3);
    // Using a macro is not changing it: its version (and ETag) stay.
    assert_eq!(listed["items"][0]["version"], m["version"]);
}

#[actix_web::test]
async fn portal_users_never_see_macros() {
    let app = spawn_app().await;
    let admin = app.signup("W", "mpo@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "mpo-c@kehu.cn", "100").await;
    let t = portal_ticket(&app, &customer, "问题").await;
    let m = create_macro(
        &app,
        &admin.token,
        json!({"name": "PORTAL-SECRET", "scope": "shared", "body_zh": "内部话术"}),
    )
    .await;
    let path = format!("/api/v1/macros/{}", m["id"]);
    for response in [
        app.get("/api/v1/macros", &customer.token).await,
        app.post(
            "/api/v1/macros",
            &customer.token,
            json!({"name": "x", "body_zh": "y"}),
        )
        .await,
        app.get(&path, &customer.token).await,
        app.patch(&path, &customer.token, json!({"name": "x"}))
            .await,
        app.request(Method::DELETE, &path, Some(&customer.token), None)
            .await,
        apply(&app, &customer.token, &m["id"], &t["id"]).await,
    ] {
        let error = assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        assert!(!error.to_string().contains("PORTAL-SECRET"));
    }
    let kept = body(app.get(&path, &admin.token).await).await;
    assert_eq!(kept["usage_count"], 0);
    assert_eq!(kept["name"], "PORTAL-SECRET");
}

#[actix_web::test]
async fn another_workspaces_macro_answers_404() {
    let app = spawn_app().await;
    let victim = app.signup("Victim", "mv@x.cn").await;
    let account = app.create_account(&victim.token, "客户", "100").await;
    let victim_ticket = body(
        app.post(
            "/api/v1/tickets",
            &victim.token,
            json!({"account_id": account["id"], "module": "sales", "category": "question",
                   "priority": "p3", "subject": "问题"}),
        )
        .await,
    )
    .await;
    let m = create_macro(
        &app,
        &victim.token,
        json!({"name": "VICTIM-SECRET", "scope": "shared", "body_zh": "内部话术"}),
    )
    .await;
    let intruder = app.signup("Intruder", "mi@x.cn").await;
    let path = format!("/api/v1/macros/{}", m["id"]);
    for response in [
        app.get(&path, &intruder.token).await,
        app.patch(&path, &intruder.token, json!({"name": "x"}))
            .await,
        app.request(Method::DELETE, &path, Some(&intruder.token), None)
            .await,
        apply(&app, &intruder.token, &m["id"], &victim_ticket["id"]).await,
    ] {
        let error = assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        assert!(!error.to_string().contains("VICTIM-SECRET"));
    }
    assert!(ids_listed(&app, &intruder.token, "").await.is_empty());
    assert!(ids_listed(&app, &intruder.token, "?q=VICTIM")
        .await
        .is_empty());

    // The intruder's own macro cannot reach the victim's ticket either.
    let own = create_macro(
        &app,
        &intruder.token,
        json!({"name": "mine", "body_en": "hello", "actions": {"priority": "p1"}}),
    )
    .await;
    let error = assert_error(
        apply(&app, &intruder.token, &own["id"], &victim_ticket["id"]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["ticket_id"].is_string());
    assert_eq!(
        ticket(&app, &victim.token, &victim_ticket["id"]).await,
        victim_ticket
    );
    let kept = body(app.get(&path, &victim.token).await).await;
    assert_eq!(kept["name"], "VICTIM-SECRET");
    assert_eq!(kept["usage_count"], 0);
}

#[actix_web::test]
async fn lists_search_and_page() {
    let app = spawn_app().await;
    let admin = app.signup("W", "ml@x.cn").await;
    let mut ids = Vec::new();
    for (name, zh, en) in [
        ("Ask for the LOG", "请提供日志", "Please send the log"),
        ("月结提醒", "月末结账前请先过账", ""),
        ("Greeting", "您好", "Hello"),
    ] {
        let m = create_macro(
            &app,
            &admin.token,
            json!({"name": name, "body_zh": zh, "body_en": en}),
        )
        .await;
        ids.push(m["id"].as_i64().unwrap());
    }
    // Newest first, two at a time.
    let first = body(app.get("/api/v1/macros?limit=2", &admin.token).await).await;
    let page: Vec<i64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(page, vec![ids[2], ids[1]]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = ids_listed(&app, &admin.token, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(second, vec![ids[0]]);
    let last = body(
        app.get(
            &format!("/api/v1/macros?limit=2&cursor={cursor}"),
            &admin.token,
        )
        .await,
    )
    .await;
    assert_eq!(last["next_cursor"], Value::Null);

    // Name or either text, case-insensitive, Chinese too.
    assert_eq!(ids_listed(&app, &admin.token, "?q=log").await, vec![ids[0]]);
    assert_eq!(
        ids_listed(&app, &admin.token, "?q=%E8%BF%87%E8%B4%A6").await,
        vec![ids[1]]
    );
    assert_eq!(
        ids_listed(&app, &admin.token, "?q=HELLO").await,
        vec![ids[2]]
    );
    // `%` is a character, not a wildcard.
    assert!(ids_listed(&app, &admin.token, "?q=%25").await.is_empty());
}

#[actix_web::test]
async fn bad_input_answers_in_the_error_shape() {
    let app = spawn_app().await;
    let admin = app.signup("W", "mb@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "100").await;
    let t = body(
        app.post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account["id"], "module": "sales", "category": "question",
                   "priority": "p3", "subject": "问题"}),
        )
        .await,
    )
    .await;
    for (bad, field) in [
        (json!({"name": "", "body_zh": "x"}), "name"),
        (json!({"name": "x"}), "body_zh"),
        (
            json!({"name": "x", "body_zh": "  ", "body_en": ""}),
            "body_en",
        ),
        (
            json!({"name": "x", "body_zh": "y", "actions": {"tier": 4}}),
            "actions.tier",
        ),
        (
            json!({"name": "x", "body_zh": "y", "actions": {"status": "blocked"}}),
            "actions.status",
        ),
        (
            json!({"name": "x", "body_zh": "y", "actions": {"status": "new"}}),
            "actions.status",
        ),
        (
            json!({"name": "x", "body_zh": "y", "actions": {"internal_note": " "}}),
            "actions.internal_note",
        ),
        (json!({"name": "x".repeat(201), "body_zh": "y"}), "name"),
        (
            json!({"name": "x", "body_zh": "y".repeat(20_001)}),
            "body_zh",
        ),
    ] {
        let error = assert_error(
            app.post("/api/v1/macros", &admin.token, bad.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{bad}: {error}");
    }
    // Malformed bodies: an unknown field, a wrong vocabulary word.
    for bad in [
        json!({"name": "x", "body_zh": "y", "colour": "red"}),
        json!({"name": "x", "body_zh": "y", "scope": "everyone"}),
        json!({"name": "x", "body_zh": "y", "actions": {"priority": "urgent"}}),
        json!({"name": 5, "body_zh": "y"}),
    ] {
        assert_error(
            app.post("/api/v1/macros", &admin.token, bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    for query in [
        "?limit=0",
        "?limit=201",
        "?cursor=not-a-cursor",
        "?scope=public",
        &format!("?q={}", "x".repeat(201)),
    ] {
        assert_error(
            app.get(&format!("/api/v1/macros{query}"), &admin.token)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    assert_error(
        app.get("/api/v1/macros/abc", &admin.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.get("/api/v1/macros/999999", &admin.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let m = create_macro(&app, &admin.token, json!({"name": "x", "body_zh": "y"})).await;
    let apply_path = format!("/api/v1/macros/{}/apply", m["id"]);
    assert_error(
        app.post(&apply_path, &admin.token, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let error = assert_error(
        app.post(&apply_path, &admin.token, json!({"ticket_id": 999_999}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["field_keys"]["ticket_id"]["key"], "ticket.no_such");
    let r = app
        .post(&apply_path, &admin.token, json!({"ticket_id": t["id"]}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // ETags: a change made against an old read is refused.
    let path = format!("/api/v1/macros/{}", m["id"]);
    let read = app.get(&path, &admin.token).await;
    let etag = read.headers()["etag"].to_str().unwrap().to_string();
    let changed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .header("If-Match", &etag)
        .json(&json!({"name": "first"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let stale = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .header("If-Match", &etag)
        .json(&json!({"name": "second"}))
        .send()
        .await
        .unwrap();
    assert_error(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let now = body(app.get(&path, &admin.token).await).await;
    assert_eq!(now["name"], "first");
}
