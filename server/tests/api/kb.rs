//! The knowledge base: articles, Chinese full-text search on both backends,
//! safe Markdown, the portal's view, drafting from resolved tickets, and who
//! reaches what.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Percent-encodes a query value completely, so `"`, `&`, `#`, `+` … arrive as typed.
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn article(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app.post("/api/v1/kb/articles", token, body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn published(app: &TestApp, token: &str, module: &str, title: &str, body: &str) -> Value {
    article(
        app,
        token,
        json!({"module": module, "title": title, "body": body,
               "visibility": "public", "status": "published"}),
    )
    .await
}

async fn json_ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Titles of the items of a list answer, in order.
fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

async fn staff_search(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    titles(
        &json_ok(
            app.get(&format!("/api/v1/kb/articles?{query}"), token)
                .await,
        )
        .await,
    )
}

async fn portal_search(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    titles(
        &json_ok(
            app.get(&format!("/api/v1/portal/kb/search?{query}"), token)
                .await,
        )
        .await,
    )
}

const TITLE: &str = "销售订单审核流程";
const BODY: &str = "## 说明\n\n客户订单变更单需要销售主管审核，审核后才能生成销货单。";

#[actix_web::test]
async fn articles_are_created_read_updated_archived_and_listed() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-crud@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "kb-eng@x.cn").await;

    let response = app
        .post(
            "/api/v1/kb/articles",
            &engineer.token,
            json!({"module": "sales", "title": TITLE, "body": BODY,
                   "faq": [{"question": "审核后还能修改吗？", "answer": "先反审核，再修改。"}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["visibility"], "internal", "internal by default");
    assert_eq!(created["status"], "draft", "draft by default");
    assert_eq!(created["author_id"], engineer.id());
    assert_eq!(created["source_ticket_id"], Value::Null);
    assert_eq!(created["faq"][0]["answer"], "先反审核，再修改。");
    assert_eq!(created["version"], 1);
    assert!(created["body_html"]
        .as_str()
        .unwrap()
        .contains("<h2>说明</h2>"));

    let path = format!("/api/v1/kb/articles/{id}");
    let response = app.get(&path, &admin.token).await;
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(json_ok(response).await, created);

    // An update with the current ETag works; the old one is then stale.
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .header("If-Match", &etag)
        .json(&json!({"status": "published", "visibility": "public", "title": "销售订单审核流程（新版）"}))
        .send()
        .await
        .unwrap();
    let updated = json_ok(response).await;
    assert_eq!(updated["status"], "published");
    assert_eq!(updated["visibility"], "public");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["body"], BODY, "absent fields stay");
    assert_eq!(updated["faq"], created["faq"]);
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin.token)
        .header("If-Match", &etag)
        .json(&json!({"title": "过期的修改"}))
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    let second = article(
        &app,
        &admin.token,
        json!({"module": "finance", "title": "月末结账", "body": "先过账，再结账。"}),
    )
    .await;
    let list = json_ok(app.get("/api/v1/kb/articles", &engineer.token).await).await;
    assert_eq!(titles(&list), vec!["月末结账", "销售订单审核流程（新版）"]);
    assert_eq!(list["next_cursor"], Value::Null);
    assert_eq!(list["items"][0]["excerpt"], "先过账，再结账。");
    assert!(list["items"][0].get("body").is_none());
    assert_eq!(
        staff_search(&app, &admin.token, "status=published").await,
        vec!["销售订单审核流程（新版）"]
    );
    assert_eq!(
        staff_search(&app, &admin.token, "visibility=internal").await,
        vec!["月末结账"]
    );
    let page = json_ok(app.get("/api/v1/kb/articles?limit=1", &admin.token).await).await;
    assert_eq!(titles(&page), vec!["月末结账"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    assert_eq!(
        staff_search(&app, &admin.token, &format!("limit=1&cursor={cursor}")).await,
        vec!["销售订单审核流程（新版）"]
    );

    // Archiving takes it out of lists; a status update brings it back.
    let archive = format!("/api/v1/kb/articles/{}/archive", second["id"]);
    let archived = json_ok(app.post(&archive, &engineer.token, json!({})).await).await;
    assert_eq!(archived["status"], "archived");
    assert_eq!(
        staff_search(&app, &admin.token, "").await,
        vec!["销售订单审核流程（新版）"]
    );
    assert_eq!(
        staff_search(&app, &admin.token, "status=archived").await,
        vec!["月末结账"]
    );
    let restored = json_ok(
        app.patch(
            &format!("/api/v1/kb/articles/{}", second["id"]),
            &engineer.token,
            json!({"status": "draft"}),
        )
        .await,
    )
    .await;
    assert_eq!(restored["status"], "draft");

    let audit = json_ok(
        app.get(
            &format!("/api/v1/audit?entity_type=kb_article&entity_id={id}"),
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
    assert_eq!(actions, vec!["update", "create"]);
}

#[actix_web::test]
async fn chinese_words_are_found_inside_chinese_text() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-zh@x.cn").await;
    published(&app, &admin.token, "sales", TITLE, BODY).await;
    published(
        &app,
        &admin.token,
        "purchasing",
        "采购入库单录入",
        "仓管员根据到货录入外购入库单。",
    )
    .await;
    article(
        &app,
        &admin.token,
        json!({"module": "finance", "title": "凭证过账", "body": "过账前检查凭证。",
               "faq": [{"question": "Voucher 为什么不能过账？", "answer": "凭证未经主管审核。"}]}),
    )
    .await;

    for q in ["订单变更", "销售主管", "审核流程"] {
        assert_eq!(
            staff_search(&app, &admin.token, &format!("q={}", enc(q))).await,
            vec![TITLE],
            "q={q}"
        );
    }
    // Two characters: shorter than a trigram, still found.
    assert_eq!(
        staff_search(&app, &admin.token, &format!("q={}", enc("审核"))).await,
        vec![TITLE, "凭证过账"],
        "title matches first"
    );
    assert!(
        staff_search(&app, &admin.token, &format!("q={}", enc("采购主管")))
            .await
            .is_empty()
    );
    assert_eq!(
        staff_search(&app, &admin.token, &format!("q={}", enc("采购"))).await,
        vec!["采购入库单录入"]
    );
    assert!(
        !staff_search(&app, &admin.token, &format!("q={}", enc("采购")))
            .await
            .contains(&TITLE.to_string()),
        "采购 must not find the sales article"
    );
    // Every word must match; case does not matter; FAQ entries are searched.
    assert_eq!(
        staff_search(&app, &admin.token, &format!("q={}", enc("销货单 主管"))).await,
        vec![TITLE]
    );
    assert!(
        staff_search(&app, &admin.token, &format!("q={}", enc("销货单 过账")))
            .await
            .is_empty()
    );
    assert_eq!(
        staff_search(&app, &admin.token, "q=VOUCHER").await,
        vec!["凭证过账"]
    );
    // Markup is not text: `## 说明` is found as 说明, `##` is not in it.
    assert_eq!(
        staff_search(&app, &admin.token, &format!("q={}", enc("说明"))).await,
        vec![TITLE]
    );
    assert!(
        staff_search(&app, &admin.token, &format!("q={}", enc("##")))
            .await
            .is_empty()
    );

    // The module filter.
    assert_eq!(
        staff_search(
            &app,
            &admin.token,
            &format!("q={}&module=sales", enc("审核"))
        )
        .await,
        vec![TITLE]
    );
    assert!(staff_search(
        &app,
        &admin.token,
        &format!("q={}&module=inventory", enc("审核"))
    )
    .await
    .is_empty());

    // The excerpt quotes the text around the match.
    let page = json_ok(
        app.get(
            &format!("/api/v1/kb/articles?q={}", enc("销售主管")),
            &admin.token,
        )
        .await,
    )
    .await;
    assert!(page["items"][0]["excerpt"]
        .as_str()
        .unwrap()
        .contains("客户订单变更单需要销售主管审核"));

    // An edit is searchable at once, and the old text is gone from the index.
    let id = json_ok(
        app.get(
            &format!("/api/v1/kb/articles?q={}", enc("订单变更")),
            &admin.token,
        )
        .await,
    )
    .await["items"][0]["id"]
        .as_i64()
        .unwrap();
    app.patch(
        &format!("/api/v1/kb/articles/{id}"),
        &admin.token,
        json!({"body": "发货通知单由仓库确认。"}),
    )
    .await;
    assert!(
        staff_search(&app, &admin.token, &format!("q={}", enc("订单变更")))
            .await
            .is_empty()
    );
    assert_eq!(
        staff_search(&app, &admin.token, &format!("q={}", enc("发货通知"))).await,
        vec![TITLE]
    );
}

#[actix_web::test]
async fn the_portal_finds_only_published_public_articles_of_its_workspace() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-portal@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "kb-customer@kehu.cn", "1").await;
    let public = published(&app, &admin.token, "sales", TITLE, BODY).await;
    let internal = article(
        &app,
        &admin.token,
        json!({"module": "sales", "title": "内部：订单变更审批", "body": "订单变更需要销售主管审核（内部口径）",
               "visibility": "internal", "status": "published"}),
    )
    .await;
    let draft = article(
        &app,
        &admin.token,
        json!({"module": "sales", "title": "草稿：订单变更", "body": "订单变更需要销售主管审核（草稿）",
               "visibility": "public", "status": "draft"}),
    )
    .await;
    let archived = published(
        &app,
        &admin.token,
        "sales",
        "旧版：订单变更",
        "订单变更（旧）",
    )
    .await;
    app.post(
        &format!("/api/v1/kb/articles/{}/archive", archived["id"]),
        &admin.token,
        json!({}),
    )
    .await;
    // Another workspace's public article with the same words.
    let other = app.signup("W2", "kb-portal-other@x.cn").await;
    published(
        &app,
        &other.token,
        "sales",
        "别家：订单变更",
        "订单变更需要销售主管审核",
    )
    .await;

    for q in ["订单变更", "销售主管", "审核"] {
        assert_eq!(
            portal_search(&app, &customer.token, &format!("q={}", enc(q))).await,
            vec![TITLE],
            "q={q}"
        );
    }
    assert!(
        portal_search(&app, &customer.token, &format!("q={}", enc("采购")))
            .await
            .is_empty()
    );
    // With a question the module only ranks (issue 11): the sales article
    // still answers a customer who picked finance.
    assert_eq!(
        portal_search(
            &app,
            &customer.token,
            &format!("q={}&module=finance", enc("订单变更"))
        )
        .await,
        vec![TITLE]
    );
    // A blank query lists the public manual; with a module, that module's.
    assert_eq!(portal_search(&app, &customer.token, "").await, vec![TITLE]);
    assert!(portal_search(&app, &customer.token, "module=finance")
        .await
        .is_empty());

    let page = json_ok(
        app.get(
            &format!("/api/v1/portal/kb/search?q={}&limit=5", enc("订单变更")),
            &customer.token,
        )
        .await,
    )
    .await;
    let item = &page["items"][0];
    assert_eq!(item["id"], public["id"]);
    assert_eq!(item["module"], "sales");
    assert!(item["excerpt"].as_str().unwrap().contains("订单变更"));
    // Results stay small while a customer types: the body comes with the
    // article itself.
    assert!(
        item.get("body_html").is_none() && item.get("faq").is_none(),
        "{item}"
    );
    let full = json_ok(
        app.get(
            &format!("/api/v1/portal/kb/articles/{}", public["id"]),
            &customer.token,
        )
        .await,
    )
    .await;
    assert!(full["body_html"]
        .as_str()
        .unwrap()
        .contains("<h2>说明</h2>"));
    for hidden in [
        "body",
        "visibility",
        "status",
        "author_id",
        "source_ticket_id",
    ] {
        assert!(item.get(hidden).is_none(), "{hidden} reaches the portal");
    }

    let got = json_ok(
        app.get(
            &format!("/api/v1/portal/kb/articles/{}", public["id"]),
            &customer.token,
        )
        .await,
    )
    .await;
    assert_eq!(got["title"], TITLE);
    for hidden in [&internal, &draft, &archived] {
        assert_error(
            app.get(
                &format!("/api/v1/portal/kb/articles/{}", hidden["id"]),
                &customer.token,
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
}

#[actix_web::test]
async fn markdown_is_rendered_without_scripts_or_javascript_links() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-md@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "kb-md-c@kehu.cn", "1").await;
    let body = "# 操作步骤\n\n1. 打开**销售订单**\n2. 点击[审核](https://help.example.cn/audit)\n\n\
                <script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n\
                [点我](javascript:alert(document.cookie)) [再点](JAVASCRIPT:alert(1)) <javascript:alert(1)>\n\n\
                ![图](data:text/html;base64,PHNjcmlwdD4=)";
    let created = published(&app, &admin.token, "sales", "安全渲染", body).await;
    let portal = json_ok(
        app.get(
            &format!("/api/v1/portal/kb/articles/{}", created["id"]),
            &customer.token,
        )
        .await,
    )
    .await;
    for html in [
        created["body_html"].as_str().unwrap(),
        portal["body_html"].as_str().unwrap(),
    ] {
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "{html}");
        assert!(!lower.contains("<img"), "{html}");
        assert!(!lower.contains("href=\"javascript"), "{html}");
        assert!(!lower.contains("src=\"data:"), "{html}");
        assert!(
            lower.contains("&lt;script&gt;"),
            "raw HTML is shown as text: {html}"
        );
        assert!(html.contains("<h1>操作步骤</h1>"), "{html}");
        assert!(html.contains("<strong>销售订单</strong>"), "{html}");
        assert!(
            html.contains("<a href=\"https://help.example.cn/audit\">审核</a>"),
            "{html}"
        );
        assert!(
            html.contains("点我"),
            "a dropped link keeps its text: {html}"
        );
    }
    assert_eq!(created["body"], body, "the source is kept as written");
}

async fn portal_ticket(app: &TestApp, token: &str) -> i64 {
    let response = app
        .post(
            "/api/v1/portal/tickets",
            token,
            json!({"module": "sales", "category": "how_to", "priority": "p3",
                   "subject": "销货单无法审核", "description": "审核时提示权限不足"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let ticket: Value = response.json().await.unwrap();
    ticket["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn a_resolved_ticket_becomes_an_internal_draft_article() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-loop@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "kb-loop-eng@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "kb-loop-c@kehu.cn", "1").await;
    let id = portal_ticket(&app, &customer.token).await;
    let comments = format!("/api/v1/tickets/{id}/comments");
    app.post(
        &format!("/api/v1/portal/tickets/{id}/comments"),
        &customer.token,
        json!({"body": "客户补充：是业务员账号"}),
    )
    .await;
    app.post(
        &comments,
        &engineer.token,
        json!({"body": "在用户管理中给业务员授予**销售订单审核**权限。", "internal": false}),
    )
    .await;
    app.post(
        &comments,
        &engineer.token,
        json!({"body": "内部：客户欠费中", "internal": true}),
    )
    .await;
    app.post(
        &comments,
        &admin.token,
        json!({"body": "重新登录后即可审核。", "internal": false}),
    )
    .await;

    // Not resolved yet: 422 with the reason.
    let to_article = format!("/api/v1/tickets/{id}/to-article");
    let error = assert_error(
        app.post(&to_article, &engineer.token, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        error["fields"]["status"]
            .as_str()
            .unwrap()
            .contains("resolved"),
        "{error}"
    );

    let response = app
        .patch(
            &format!("/api/v1/tickets/{id}"),
            &engineer.token,
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.post(&to_article, &engineer.token, json!({})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get("etag").is_some());
    let draft: Value = response.json().await.unwrap();
    assert_eq!(draft["title"], "销货单无法审核");
    assert_eq!(draft["module"], "sales");
    assert_eq!(draft["visibility"], "internal");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["source_ticket_id"], id);
    assert_eq!(draft["author_id"], engineer.id());
    let body = draft["body"].as_str().unwrap();
    assert!(body.contains("审核时提示权限不足"), "{body}");
    let solution = body.split("解决方法").nth(1).unwrap();
    assert!(solution.contains("销售订单审核"), "{body}");
    assert!(solution.contains("重新登录后即可审核"), "{body}");
    assert!(
        !body.contains("内部：客户欠费中"),
        "internal notes stay out: {body}"
    );
    assert!(
        !body.contains("客户补充"),
        "only staff replies are the solution: {body}"
    );

    // The draft is searchable by staff, invisible to the portal until published.
    assert_eq!(
        staff_search(&app, &admin.token, &format!("q={}", enc("权限不足"))).await,
        vec!["销货单无法审核"]
    );
    assert!(
        portal_search(&app, &customer.token, &format!("q={}", enc("权限不足")))
            .await
            .is_empty()
    );

    // Twice is a conflict; the ticket's timeline records the article.
    assert_error(
        app.post(&to_article, &engineer.token, json!({})).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let timeline = json_ok(
        app.get(&format!("/api/v1/tickets/{id}/timeline"), &admin.token)
            .await,
    )
    .await;
    let event = timeline
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "kb_article")
        .expect("a kb_article event");
    assert_eq!(event["detail"]["article_id"], draft["id"]);

    // A closed ticket works too.
    let closed = portal_ticket(&app, &customer.token).await;
    app.patch(
        &format!("/api/v1/tickets/{closed}"),
        &admin.token,
        json!({"status": "closed"}),
    )
    .await;
    let response = app
        .post(
            &format!("/api/v1/tickets/{closed}/to-article"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let draft: Value = response.json().await.unwrap();
    assert!(draft["body"].as_str().unwrap().contains("请补充解决方法"));
}

#[actix_web::test]
async fn portal_users_and_staff_each_keep_to_their_side() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-perm@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "kb-perm-c@kehu.cn", "1").await;
    let a = published(&app, &admin.token, "sales", TITLE, BODY).await;
    let id = a["id"].as_i64().unwrap();
    let ticket = portal_ticket(&app, &customer.token).await;

    let staff_routes = [
        ("GET", "/api/v1/kb/articles".to_string()),
        ("POST", "/api/v1/kb/articles".to_string()),
        ("GET", format!("/api/v1/kb/articles/{id}")),
        ("PATCH", format!("/api/v1/kb/articles/{id}")),
        ("POST", format!("/api/v1/kb/articles/{id}/archive")),
        ("POST", format!("/api/v1/tickets/{ticket}/to-article")),
    ];
    let body = json!({"module": "sales", "title": "x"});
    for (method, path) in &staff_routes {
        let response = app
            .request(
                method.parse().unwrap(),
                path,
                Some(&customer.token),
                Some(body.clone()),
            )
            .await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    for role in ["manager", "csm", "engineer"] {
        let who = app
            .staff(&admin, role, &format!("kb-perm-{role}@x.cn"))
            .await;
        article(
            &app,
            &who.token,
            json!({"module": "sales", "title": format!("{role} 写的")}),
        )
        .await;
        assert_eq!(
            app.get(&format!("/api/v1/kb/articles/{id}"), &who.token)
                .await
                .status(),
            StatusCode::OK
        );
        for path in [
            "/api/v1/portal/kb/search?q=x".to_string(),
            format!("/api/v1/portal/kb/articles/{id}"),
        ] {
            assert_error(
                app.get(&path, &who.token).await,
                StatusCode::FORBIDDEN,
                "forbidden",
            )
            .await;
        }
    }
    for path in [
        "/api/v1/kb/articles".to_string(),
        "/api/v1/portal/kb/search".to_string(),
        format!("/api/v1/portal/kb/articles/{id}"),
    ] {
        let response = app.request(reqwest::Method::GET, &path, None, None).await;
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

#[actix_web::test]
async fn ids_of_another_workspace_answer_404_on_every_route() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-ten@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "kb-ten-c@kehu.cn", "1").await;
    let other = app.signup("W2", "kb-ten-other@x.cn").await;
    let (_, other_customer) = app.portal_user(&other, "kb-ten-oc@kehu.cn", "2").await;
    let foreign = published(&app, &other.token, "sales", TITLE, BODY).await;
    let foreign_id = foreign["id"].as_i64().unwrap();
    let foreign_ticket = portal_ticket(&app, &other_customer.token).await;
    app.patch(
        &format!("/api/v1/tickets/{foreign_ticket}"),
        &other.token,
        json!({"status": "resolved"}),
    )
    .await;

    for (method, path) in [
        ("GET", format!("/api/v1/kb/articles/{foreign_id}")),
        ("PATCH", format!("/api/v1/kb/articles/{foreign_id}")),
        ("POST", format!("/api/v1/kb/articles/{foreign_id}/archive")),
        (
            "POST",
            format!("/api/v1/tickets/{foreign_ticket}/to-article"),
        ),
        ("GET", "/api/v1/kb/articles/999999".to_string()),
        ("POST", "/api/v1/tickets/999999/to-article".to_string()),
        ("GET", "/api/v1/kb/articles/abc".to_string()),
    ] {
        let response = app
            .request(
                method.parse().unwrap(),
                &path,
                Some(&admin.token),
                Some(json!({"title": "改别人的"})),
            )
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_error(
        app.get(
            &format!("/api/v1/portal/kb/articles/{foreign_id}"),
            &customer.token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Nothing was changed, and the owner still sees its article.
    let still = json_ok(
        app.get(&format!("/api/v1/kb/articles/{foreign_id}"), &other.token)
            .await,
    )
    .await;
    assert_eq!(still["version"], 1);
    assert_eq!(still["status"], "published");
    assert!(
        staff_search(&app, &admin.token, &format!("q={}", enc("订单变更")))
            .await
            .is_empty()
    );
}

#[actix_web::test]
async fn bad_input_is_refused_with_422_and_never_a_5xx() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-bad@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "kb-bad-c@kehu.cn", "1").await;
    let a = published(&app, &admin.token, "sales", TITLE, BODY).await;
    published(
        &app,
        &admin.token,
        "sales",
        "引号 \"AND\" (括号) * 星号",
        "NEAR(a b) OR x: \"y\" 100% a_b c\\d",
    )
    .await;

    for (body, field) in [
        (json!({"module": "sales", "title": "  "}), "title"),
        (
            json!({"module": "sales", "title": "x".repeat(201)}),
            "title",
        ),
        (
            json!({"module": "sales", "title": "t", "faq": [{"question": "问？", "answer": " "}]}),
            "faq[0].answer",
        ),
    ] {
        let error = assert_error(
            app.post("/api/v1/kb/articles", &admin.token, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{error}");
    }
    for body in [
        json!({"module": "hr", "title": "人事"}),
        json!({"module": "sales", "title": "t", "visibility": "secret"}),
        json!({"module": "sales", "title": "t", "status": "live"}),
        json!({"title": "没有模块"}),
    ] {
        assert_error(
            app.post("/api/v1/kb/articles", &admin.token, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let error = assert_error(
        app.patch(
            &format!("/api/v1/kb/articles/{}", a["id"]),
            &admin.token,
            json!({"title": ""}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["title"].is_string());

    for query in [
        "module=hr",
        "status=live",
        "visibility=secret",
        "limit=0",
        "limit=x",
        "cursor=garbage",
    ] {
        assert_error(
            app.get(&format!("/api/v1/kb/articles?{query}"), &admin.token)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let long = format!("q={}", enc(&"订".repeat(201)));
    for path in ["/api/v1/kb/articles", "/api/v1/portal/kb/search"] {
        let token = if path.contains("portal") {
            &customer.token
        } else {
            &admin.token
        };
        assert_error(
            app.get(&format!("{path}?{long}"), token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_error(
            app.get(&format!("{path}?module=hr"), token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }

    // A NUL is no text anyone types: refused like in any query string.
    for path in ["/api/v1/kb/articles", "/api/v1/portal/kb/search"] {
        let token = if path.contains("portal") {
            &customer.token
        } else {
            &admin.token
        };
        assert_error(
            app.get(&format!("{path}?q=%E8%AE%A2%00"), token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }

    // FTS5 query syntax in `q` is text, never an error.
    for q in [
        "\"",
        "\"\"\"",
        "AND (",
        "*",
        "a*",
        "OR",
        "NOT x",
        "NEAR(a b)",
        "x:",
        "col:订单",
        "(括号)",
        "\"AND\"",
        "100%",
        "a_b",
        "c\\d",
        "^订单",
        "订单 AND",
        "{a b}",
        "-",
        "'",
        "' OR 1=1 --",
        "审核\"流程",
    ] {
        for path in ["/api/v1/kb/articles", "/api/v1/portal/kb/search"] {
            let token = if path.contains("portal") {
                &customer.token
            } else {
                &admin.token
            };
            let response = app.get(&format!("{path}?q={}", enc(q)), token).await;
            assert_eq!(response.status(), StatusCode::OK, "{path} q={q:?}");
        }
    }
    // … and is searched as words: punctuation separates words, and words
    // that carry no meaning (`AND`, single Latin letters) find nothing.
    let quoted = vec!["引号 \"AND\" (括号) * 星号"];
    let none: Vec<&str> = vec![];
    for (q, expected) in [
        ("(括号)", &quoted),
        ("*星号*", &quoted),
        ("100%", &quoted),
        ("NEAR(a b)", &quoted),
        ("\"AND\"", &none),
        ("a_b", &none),
        ("%", &none),
        ("_", &none),
    ] {
        assert_eq!(
            &staff_search(&app, &admin.token, &format!("q={}", enc(q))).await,
            expected,
            "q={q:?}"
        );
    }
}

#[actix_web::test]
async fn search_over_hundreds_of_articles_returns_the_right_ones() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-many@x.cn").await;
    let modules = [
        "system",
        "sales",
        "purchasing",
        "inventory",
        "production",
        "planning",
        "finance",
    ];
    let topics = ["录入", "审核", "反审核", "查询", "打印", "引入", "结账"];
    // (number, title, published) of every article, oldest first.
    let mut seeded: Vec<(usize, String, bool)> = Vec::new();
    let mut expected_title_hits = Vec::new();
    let mut expected_body_hits = Vec::new();
    for i in 0..300 {
        let module = modules[i % modules.len()];
        let topic = topics[(i / 7) % topics.len()];
        let mut title = format!("{module}模块{topic}常见问题第{i}号");
        let mut body = format!(
            "第{i}号：在{module}模块中{topic}单据时，先检查基础资料是否完整，再由主管复核。"
        );
        if i % 50 == 7 {
            title.push_str("（委外加工入库）");
            expected_title_hits.push(title.clone());
        } else if i % 37 == 5 {
            body.push_str("涉及委外加工入库单的，需要仓库确认。");
            expected_body_hits.push(title.clone());
        }
        let status = if i % 2 == 0 { "published" } else { "draft" };
        let response = app
            .post(
                "/api/v1/kb/articles",
                &admin.token,
                json!({"module": module, "title": title, "body": body,
                       "visibility": "public", "status": status}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        seeded.push((i, title, i % 2 == 0));
    }

    // Title matches first (BM25 with a title boost), then body matches.
    let mut expected: Vec<String> = expected_title_hits.iter().rev().cloned().collect();
    expected.extend(expected_body_hits.iter().rev().cloned());
    let found = staff_search(&app, &admin.token, &format!("q={}", enc("委外加工入库"))).await;
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    let n = expected_title_hits.len();
    assert_eq!(sorted(&found[..n]), sorted(&expected_title_hits));
    assert_eq!(sorted(&found[n..]), sorted(&expected_body_hits));
    assert_eq!(
        staff_search(&app, &admin.token, &format!("q={}", enc("第123号"))).await,
        vec![seeded[123].1.clone()]
    );
    assert_eq!(
        staff_search(
            &app,
            &admin.token,
            &format!("q={}&module=finance", enc("委外 入库"))
        )
        .await,
        found
            .iter()
            .filter(|t| t.starts_with("finance"))
            .cloned()
            .collect::<Vec<_>>()
    );

    // Ranked pages follow each other without gaps or repeats.
    let q = enc("入库");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/kb/articles?q={q}&limit=4&cursor={c}"),
            None => format!("/api/v1/kb/articles?q={q}&limit=4"),
        };
        let page = json_ok(app.get(&path, &admin.token).await).await;
        seen.extend(titles(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, found);

    // Two characters over many rows; the portal sees the published half only.
    let review: Vec<String> = seeded
        .iter()
        .rev()
        .filter(|(_, title, _)| title.contains("审核"))
        .map(|(_, title, _)| title.clone())
        .collect();
    assert_eq!(review.len(), 84, "审核 and 反审核 topics");
    assert_eq!(
        sorted(&staff_search(&app, &admin.token, &format!("q={}&limit=200", enc("审核"))).await),
        sorted(&review)
    );
    let portal_user = app.portal_user(&admin, "kb-many-c@kehu.cn", "1").await.1;
    let published_expected: Vec<String> = found
        .iter()
        .filter(|t| {
            seeded
                .iter()
                .any(|(_, title, published)| title == *t && *published)
        })
        .cloned()
        .collect();
    assert!(!published_expected.is_empty());
    assert_eq!(
        portal_search(
            &app,
            &portal_user.token,
            &format!("q={}&limit=200", enc("委外加工入库")),
        )
        .await,
        published_expected
    );
}

#[actix_web::test]
async fn suggestions_for_a_typed_sentence_share_any_word_and_rank_by_title() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kb-any@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "kb-any@kehu.cn", "1").await;
    published(
        &app,
        &admin.token,
        "sales",
        "销售订单审核后如何修改",
        "先反审核，再修改。",
    )
    .await;
    published(
        &app,
        &admin.token,
        "sales",
        "客户信用额度设置",
        "超出额度的销售订单需要审核。",
    )
    .await;
    published(
        &app,
        &admin.token,
        "finance",
        "凭证过账",
        "月末结账前过账。",
    )
    .await;
    article(
        &app,
        &admin.token,
        json!({"module": "sales", "title": "内部：订单审核口径", "body": "销售订单审核（内部）",
               "visibility": "internal", "status": "published"}),
    )
    .await;
    let sentence = enc("销售订单审核后无法修改");
    // All words (asked for): only the article holding every word.
    assert_eq!(
        portal_search(&app, &customer.token, &format!("q={sentence}&match=all")).await,
        vec!["销售订单审核后如何修改"]
    );
    // Any word, the portal's default since issue 11: both sales articles,
    // the one sharing most with its title first; never the internal one,
    // never an unrelated one.
    let both = vec!["销售订单审核后如何修改", "客户信用额度设置"];
    for query in [format!("q={sentence}"), format!("q={sentence}&match=any")] {
        assert_eq!(portal_search(&app, &customer.token, &query).await, both);
    }
    // The module ranks, it does not filter: a customer who picked finance
    // still gets the sales answers.
    assert_eq!(
        portal_search(
            &app,
            &customer.token,
            &format!("q={sentence}&match=any&module=finance")
        )
        .await,
        both
    );
    // No shared word, no answer; a bad mode is a 422.
    assert!(portal_search(&app, &customer.token, "q=voucher&match=any")
        .await
        .is_empty());
    assert_error(
        app.get("/api/v1/portal/kb/search?q=x&match=some", &customer.token)
            .await,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

/// Search ranks from an index the server keeps in memory, and that index
/// follows the database: an article changed, archived, deleted or added
/// by another writer (another server, a script) shows at the next search.
#[actix_web::test]
async fn search_follows_writes_made_outside_this_server_at_once() {
    use sea_orm::ConnectionTrait;

    let app = spawn_app().await;
    let admin = app.signup("Fresh", "kb-fresh@x.cn").await;
    let a = published(
        &app,
        &admin.token,
        "finance",
        "凭证过账指南",
        "月末结账前过账。",
    )
    .await;
    let b = published(
        &app,
        &admin.token,
        "sales",
        "销售订单审核",
        "订单审核后生成销货单。",
    )
    .await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let posting = format!("q={}", enc("过账"));
    let order = format!("q={}", enc("订单"));
    assert_eq!(
        staff_search(&app, &admin.token, &posting).await,
        vec!["凭证过账指南"]
    );
    let db = &app.app_state.db;
    let outside = |sql: String| async move {
        db.write.execute_unprepared(&sql).await.unwrap();
    };

    outside(format!(
        "UPDATE kb_articles SET title = '销售过账', title_terms = '销售 过账', \
         body_terms = '销售 过账 订单' WHERE id = {b}"
    ))
    .await;
    let both = staff_search(&app, &admin.token, &posting).await;
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(both[0], "销售过账", "a title hit first: {both:?}");

    outside(format!(
        "UPDATE kb_articles SET status = 'archived' WHERE id = {a}"
    ))
    .await;
    assert_eq!(
        staff_search(&app, &admin.token, &posting).await,
        vec!["销售过账"]
    );

    outside(format!("DELETE FROM kb_articles WHERE id = {b}")).await;
    assert!(staff_search(&app, &admin.token, &posting).await.is_empty());
    assert!(staff_search(&app, &admin.token, &order).await.is_empty());

    // And through the API again, after all that.
    published(&app, &admin.token, "sales", "订单变更", "客户订单变更单。").await;
    assert_eq!(
        staff_search(&app, &admin.token, &order).await,
        vec!["订单变更"]
    );
}

/// When the segmenter changes (a new dictionary), a migration segments
/// every stored article again: articles whose words were stored by the
/// older segmenter are found by sentences segmented by the new one, through
/// the in-memory index and the database alike.
#[tokio::test]
async fn the_reindex_migration_segments_stored_articles_again() {
    use sea_orm::ConnectionTrait;

    let app = spawn_app().await;
    let admin = app.signup("Reindex", "kb-reindex@x.cn").await;
    let mut ids = Vec::new();
    for (title, body) in [
        ("凭证过账指南", "月末结账前，所有凭证必须审核并过账。"),
        ("销售订单审核", "订单审核后生成销货单。"),
    ] {
        let article = published(&app, &admin.token, "finance", title, body).await;
        ids.push(article["id"].as_i64().unwrap());
    }
    let sentence = format!("q={}&match=any", enc("月末结账时凭证无法过账"));
    assert_eq!(
        staff_search(&app, &admin.token, &sentence).await,
        vec!["凭证过账指南"]
    );
    // Words as another segmenter would have stored them (characters).
    let db = &app.app_state.db;
    db.write
        .execute_unprepared(&format!(
            "UPDATE kb_articles SET title_terms = '凭 证 过 账', body_terms = '凭 证' \
             WHERE id = {}",
            ids[0]
        ))
        .await
        .unwrap();
    assert!(staff_search(&app, &admin.token, &sentence).await.is_empty());

    let manager = migrations::SchemaManager::new(&db.write);
    migrations::kb_reindex::reindex(&manager).await.unwrap();
    assert_eq!(
        staff_search(&app, &admin.token, &sentence).await,
        vec!["凭证过账指南"]
    );
    // The portal's sentence search (ranked the same way) agrees.
    let (_, customer) = app.portal_user(&admin, "reindex-c@x.cn", "7001").await;
    let portal: Value = app
        .get(
            &format!("/api/v1/portal/kb/search?{sentence}"),
            &customer.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(portal["items"][0]["title"], "凭证过账指南", "{portal}");
}

/// Each process keeps the manual's words in memory and answers from them
/// without asking the database first: the statement that reads the hits
/// also reads the index's state, and an index behind it catches up. So a
/// search on one replica sees an edit committed on another before it began.
#[tokio::test]
async fn a_search_on_one_replica_sees_an_edit_made_on_another_at_once() {
    let a = spawn_app().await;
    let url = a.app_state.config.database_url.clone();
    let b = spawn_app_with(move |c| c.database_url = url).await;
    let admin = a.signup("Replicas", "admin@replicas.test").await;
    let q = |word: &str| format!("q={}", enc(word));
    let first = published(
        &a,
        &admin.token,
        "finance",
        "凭证过账",
        "月末结账前先过账所有凭证。",
    )
    .await;
    // The second replica builds its index with the first article.
    assert_eq!(
        staff_search(&b, &admin.token, &q("过账")).await,
        vec!["凭证过账"]
    );

    let path = format!("/api/v1/kb/articles/{}", first["id"]);
    let response = a
        .client
        .patch(a.url(&path))
        .bearer_auth(&admin.token)
        .header("If-Match", format!("\"k{}v1\"", first["id"]))
        .json(&json!({"title": "凭证审核", "body": "审核凭证的步骤。"}))
        .send()
        .await
        .unwrap();
    json_ok(response).await;
    published(
        &a,
        &admin.token,
        "inventory",
        "仓存盘点过账",
        "盘点完成后过账。",
    )
    .await;

    // Both replicas, at once: the edit and the new article.
    for (replica, word, expected) in [
        (&b, "过账", "仓存盘点过账"),
        (&b, "审核", "凭证审核"),
        (&a, "过账", "仓存盘点过账"),
    ] {
        assert_eq!(
            staff_search(replica, &admin.token, &q(word)).await,
            vec![expected],
            "{word}"
        );
    }
}
