use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn accounts_can_be_created_read_listed_updated_archived_and_restored() {
    let app = spawn_app().await;
    let admin = app.signup("W", "acc@x.cn").await;
    let csm = app.staff(&admin, "csm", "acc-csm@x.cn").await;
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "深圳市华强电子有限公司", "code": "100101", "industry": "电子制造",
                   "segment": "大型", "owner_id": csm.id(), "modules": ["finance", "sales", "finance"]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["stage"], "onboarding");
    assert_eq!(created["modules"], json!(["sales", "finance"]));
    assert_eq!(created["owner_id"], csm.id());
    let id = created["id"].as_i64().unwrap();

    let response = app
        .get(&format!("/api/v1/accounts/{id}"), &admin.token)
        .await;
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
    let read: Value = response.json().await.unwrap();
    assert_eq!(read, created);

    let response = app
        .client
        .patch(app.url(&format!("/api/v1/accounts/{id}")))
        .bearer_auth(&admin.token)
        .header("If-Match", &etag)
        .json(&json!({"name": "深圳华强电子", "stage": "adoption", "industry": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let new_etag = response.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(new_etag, etag);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["name"], "深圳华强电子");
    assert_eq!(updated["stage"], "adoption");
    assert!(updated["industry"].is_null());
    assert_eq!(updated["segment"], "大型");
    assert_eq!(updated["version"], 2);
    assert_ne!(updated["stage_entered_at"], created["stage_entered_at"]);

    let archived: Value = app
        .post(
            &format!("/api/v1/accounts/{id}/archive"),
            &admin.token,
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(archived["archived"], true);
    let list: Value = app
        .get("/api/v1/accounts", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let list: Value = app
        .get("/api/v1/accounts?include_archived=true", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let restored: Value = app
        .post(
            &format!("/api/v1/accounts/{id}/restore"),
            &admin.token,
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(restored["archived"], false);
}

#[actix_web::test]
async fn a_stale_if_match_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("W", "etag@x.cn").await;
    let account = app
        .create_account(&admin.token, "杭州西湖茶业", "200")
        .await;
    let id = &account["id"];
    let first = app
        .get(&format!("/api/v1/accounts/{id}"), &admin.token)
        .await;
    let stale = first.headers()["etag"].to_str().unwrap().to_string();
    app.patch(
        &format!("/api/v1/accounts/{id}"),
        &admin.token,
        json!({"segment": "中型"}),
    )
    .await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/accounts/{id}")))
        .bearer_auth(&admin.token)
        .header("If-Match", &stale)
        .json(&json!({"name": "被覆盖"}))
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let now: Value = app
        .get(&format!("/api/v1/accounts/{id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["name"], "杭州西湖茶业");
    assert_eq!(now["segment"], "中型");
}

#[actix_web::test]
async fn search_finds_chinese_names_and_codes_and_filters_combine() {
    let app = spawn_app().await;
    let admin = app.signup("W", "search@x.cn").await;
    let csm = app.staff(&admin, "csm", "search-csm@x.cn").await;
    app.create_account(&admin.token, "深圳市华强电子有限公司", "100101")
        .await;
    app.create_account(&admin.token, "广州白云日化股份有限公司", "100102")
        .await;
    app.create_account(&csm.token, "佛山市顺德家电集团", "200103")
        .await;
    app.create_account(&admin.token, "Suzhou Lakeside Packaging", "300104")
        .await;

    let names = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect()
    };
    let q = |s: &str| format!("/api/v1/accounts?q={}", urlencode(s));
    let hit: Value = app
        .get(&q("华强"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(hit), vec!["深圳市华强电子有限公司"]);
    let hit: Value = app
        .get(&q("有限公司"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(hit).len(), 2);
    let hit: Value = app
        .get(&q("1001"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(hit).len(), 2);
    let hit: Value = app
        .get(&q("lakeside"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(hit), vec!["Suzhou Lakeside Packaging"]);
    let hit: Value = app.get(&q("%"), &admin.token).await.json().await.unwrap();
    assert!(names(hit).is_empty(), "% is a literal, not a wildcard");

    let mine: Value = app
        .get(
            &format!("/api/v1/accounts?owner_id={}", csm.id()),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(mine), vec!["佛山市顺德家电集团"]);
    let staged: Value = app
        .get(
            "/api/v1/accounts?stage=onboarding&q=%E5%B9%BF%E5%B7%9E",
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(staged), vec!["广州白云日化股份有限公司"]);
    let none: Value = app
        .get("/api/v1/accounts?stage=churned", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(names(none).is_empty());
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn keyset_pages_cover_every_account_once() {
    let app = spawn_app().await;
    let admin = app.signup("W", "pages@x.cn").await;
    for i in 0..7 {
        app.create_account(&admin.token, &format!("公司{i}"), &format!("{}", 500 + i))
            .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/accounts?limit=3&cursor={c}"),
            None => "/api/v1/accounts?limit=3".to_string(),
        };
        let page: Value = app.get(&path, &admin.token).await.json().await.unwrap();
        for a in page["items"].as_array().unwrap() {
            seen.push(a["code"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, vec!["506", "505", "504", "503", "502", "501", "500"]);
}

#[actix_web::test]
async fn codes_follow_the_coding_rule_and_are_unique_per_workspace() {
    let app = spawn_app().await;
    let admin = app.signup("W", "codes@x.cn").await;
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "A", "code": "KD-01"}),
        )
        .await;
    let error = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(error["fields"]["code"]
        .as_str()
        .unwrap()
        .contains("coding rule"));

    app.create_account(&admin.token, "A", "0001").await;
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "B", "code": "0001"}),
        )
        .await;
    let error = assert_error(response, StatusCode::CONFLICT, "conflict").await;
    assert!(error["fields"]["code"].is_string());

    // Another workspace may use the same code.
    let other = app.signup("W2", "codes2@x.cn").await;
    app.create_account(&other.token, "A", "0001").await;

    // The workspace changes its rule.
    let response = app
        .put(
            "/api/v1/settings/workspace",
            &admin.token,
            json!({"customer_code_pattern": "^KD-[0-9]{2}$"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.create_account(&admin.token, "C", "KD-01").await;
    let response = app
        .put(
            "/api/v1/settings/workspace",
            &admin.token,
            json!({"customer_code_pattern": "(("}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let settings: Value = app
        .get("/api/v1/settings/workspace", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["customer_code_pattern"], "^KD-[0-9]{2}$");
}

#[actix_web::test]
async fn who_may_change_which_account() {
    let app = spawn_app().await;
    let admin = app.signup("W", "perm@x.cn").await;
    let manager = app.staff(&admin, "manager", "perm-m@x.cn").await;
    let csm = app.staff(&admin, "csm", "perm-c@x.cn").await;
    let other_csm = app.staff(&admin, "csm", "perm-c2@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "perm-e@x.cn").await;

    // A CSM's new account is theirs.
    let own = app.create_account(&csm.token, "自己的客户", "11").await;
    assert_eq!(own["owner_id"], csm.id());
    let own_path = format!("/api/v1/accounts/{}", own["id"]);
    assert_eq!(
        app.patch(&own_path, &csm.token, json!({"segment": "S"}))
            .await
            .status(),
        StatusCode::OK
    );
    // Others' CSMs read but do not change it; managers do.
    assert_eq!(
        app.get(&own_path, &other_csm.token).await.status(),
        StatusCode::OK
    );
    assert_error(
        app.patch(&own_path, &other_csm.token, json!({"segment": "X"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.post(&format!("{own_path}/archive"), &other_csm.token, json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.patch(&own_path, &manager.token, json!({"segment": "M"}))
            .await
            .status(),
        StatusCode::OK
    );
    // Engineers read only.
    assert_eq!(
        app.get(&own_path, &engineer.token).await.status(),
        StatusCode::OK
    );
    assert_error(
        app.patch(&own_path, &engineer.token, json!({"segment": "E"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let response = app
        .post(
            "/api/v1/accounts",
            &engineer.token,
            json!({"name": "E", "code": "12"}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    // Owners must be active account-owning staff of the workspace.
    let response = app
        .patch(&own_path, &admin.token, json!({"owner_id": engineer.id()}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app
        .patch(&own_path, &admin.token, json!({"owner_id": 999999}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app
        .patch(&own_path, &admin.token, json!({"owner_id": other_csm.id()}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn account_changes_are_audited_and_the_log_is_for_managers_and_admins() {
    let app = spawn_app().await;
    let admin = app.signup("W", "aa@x.cn").await;
    let csm = app.staff(&admin, "csm", "aa-c@x.cn").await;
    let manager = app.staff(&admin, "manager", "aa-m@x.cn").await;
    let account = app.create_account(&csm.token, "青岛海湾化工", "77").await;
    let id = account["id"].as_i64().unwrap();
    app.patch(
        &format!("/api/v1/accounts/{id}"),
        &csm.token,
        json!({"name": "青岛海湾化工有限公司"}),
    )
    .await;
    let path = format!("/api/v1/audit?entity_type=account&entity_id={id}");
    let log: Value = app.get(&path, &manager.token).await.json().await.unwrap();
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "update");
    assert_eq!(items[0]["actor_id"], csm.id());
    assert_eq!(items[0]["actor_name"], "csm 用户");
    assert_eq!(items[0]["before"]["name"], "青岛海湾化工");
    assert_eq!(items[0]["after"]["name"], "青岛海湾化工有限公司");
    assert!(items[0]["at"].as_str().unwrap().ends_with('Z'));
    assert_error(
        app.get(&path, &csm.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

/// The audit page's filters (issue 16, "gaps"): by action, by who did it
/// and by what, combined; an archive and a restore of an account are
/// entries of their own; another workspace's log holds none of it.
#[actix_web::test]
async fn the_audit_log_filters_by_action_actor_and_entity() {
    let app = spawn_app().await;
    let admin = app.signup("W", "af@x.cn").await;
    let csm = app.staff(&admin, "csm", "af-c@x.cn").await;
    let manager = app.staff(&admin, "manager", "af-m@x.cn").await;
    let account = app.create_account(&csm.token, "审计客户", "78").await;
    let id = account["id"].as_i64().unwrap();
    for step in ["archive", "restore"] {
        let response = app
            .post(
                &format!("/api/v1/accounts/{id}/{step}"),
                &manager.token,
                json!({}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{step}");
    }
    let contact = app
        .create_contact(&csm.token, id, "张伟", "af-contact@x.cn")
        .await;
    let log = |query: String| {
        let app = &app;
        let token = manager.token.clone();
        async move {
            let response = app.get(&format!("/api/v1/audit?{query}"), &token).await;
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            let body: Value = response.json().await.unwrap();
            body["items"].as_array().unwrap().clone()
        }
    };
    let restores = log("action=restore".into()).await;
    assert_eq!(restores.len(), 1, "{restores:?}");
    assert_eq!(restores[0]["entity_id"], id);
    assert_eq!(restores[0]["actor_id"], manager.id());
    assert_eq!(restores[0]["before"]["archived"], true);
    assert_eq!(restores[0]["after"]["archived"], false);
    let by_manager = log(format!("actor_id={}", manager.id())).await;
    assert!(!by_manager.is_empty());
    assert!(by_manager.iter().all(|e| e["actor_id"] == manager.id()));
    let actions: Vec<&str> = by_manager
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"archive") && actions.contains(&"restore"),
        "{actions:?}"
    );
    let created = log(format!("actor_id={}&action=create", csm.id())).await;
    let kinds: Vec<&str> = created
        .iter()
        .map(|e| e["entity_type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"account") && kinds.contains(&"contact"),
        "{kinds:?}"
    );
    let contact_log = log(format!(
        "entity_type=contact&entity_id={}&action=create",
        contact["id"]
    ))
    .await;
    assert_eq!(contact_log.len(), 1);
    assert!(log("action=no_such_action".into()).await.is_empty());
    assert!(
        log(format!("action=create&actor_id={}", admin.id() + 10_000))
            .await
            .is_empty()
    );

    // A bad filter is 422; CSMs may not read the log; another workspace's
    // manager reads only their own workspace's entries.
    assert_error(
        app.get("/api/v1/audit?actor_id=me", &manager.token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_error(
        app.get("/api/v1/audit?action=restore", &csm.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let intruder = app.signup("B", "af-b@x.cn").await;
    let theirs: Value = app
        .get("/api/v1/audit?action=restore", &intruder.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty(), "{theirs}");
}

/// Search over more accounts than a PostgreSQL search reads newest first
/// before it turns to the character-pair index: whether a query is common
/// (`科技`), rare and old (a code), or in between, every page holds exactly
/// what a scan of the table finds, in order, on both backends.
#[actix_web::test]
async fn account_search_pages_hold_what_a_scan_finds_common_or_rare() {
    use sea_orm::{ConnectionTrait, Statement};
    use server::seed;

    let app = spawn_app().await;
    seed::bench(
        &app.app_state.db,
        seed::BenchSize {
            accounts: 1500,
            tickets: 0,
            articles: 0,
            contracts: 0,
            ticket_days: None,
        },
    )
    .await
    .unwrap();
    let admin = session_of(app.login(seed::BENCH_ADMIN, seed::BENCH_PASSWORD).await).await;
    let workspace_id = admin.user["workspace_id"].as_i64().unwrap();
    let db = &app.app_state.db;
    for (q, stage) in [
        ("科技", None),
        ("实业", None),
        ("00000007", None),
        ("杭州市化工", None),
        ("公司 14", None),
        ("1", None),
        ("科技", Some("onboarding")),
        ("宁波", Some("churned")),
        ("不存在的公司", None),
    ] {
        let stage_sql = stage.map_or(String::new(), |s| format!(" AND stage = '{s}'"));
        let expected: Vec<i64> = db
            .read
            .query_all(Statement::from_string(
                db.backend(),
                format!(
                    "SELECT id FROM accounts WHERE workspace_id = {workspace_id} \
                     AND archived = false AND search_key LIKE '%{q}%'{stage_sql} ORDER BY id DESC"
                ),
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<i64>("", "id").unwrap())
            .collect();
        let mut found = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/accounts?limit=50&q={}", urlencode(q));
            if let Some(stage) = stage {
                path.push_str(&format!("&stage={stage}"));
            }
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page: Value = app.get(&path, &admin.token).await.json().await.unwrap();
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 50);
            found.extend(items.iter().map(|a| a["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(found, expected, "q={q} stage={stage:?}");
    }
}

#[actix_web::test]
async fn accounts_are_named_by_id_within_the_workspace_only() {
    let app = spawn_app().await;
    let admin = app.signup("W", "ids@x.cn").await;
    let other = app.signup("Other", "ids-other@x.cn").await;
    let a = app
        .create_account(&admin.token, "深圳市华强电子", "500")
        .await;
    let b = app
        .create_account(&admin.token, "广州白云日化", "501")
        .await;
    app.create_account(&admin.token, "佛山顺德家电", "502")
        .await;
    let foreign = app.create_account(&other.token, "别家的客户", "503").await;
    let archived = app.create_account(&admin.token, "已归档客户", "504").await;
    app.post(
        &format!("/api/v1/accounts/{}/archive", archived["id"]),
        &admin.token,
        json!({}),
    )
    .await;

    let ids = format!(
        "{},{},{},{}",
        a["id"], b["id"], foreign["id"], archived["id"]
    );
    let page: Value = app
        .get(
            &format!("/api/v1/accounts?ids={ids}&include_archived=true"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let mut names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    // Another workspace's account is not there, as if it did not exist.
    assert_eq!(names, vec!["已归档客户", "广州白云日化", "深圳市华强电子"]);

    for bad in ["", "1,,2", "x", "-1", &vec!["1"; 201].join(",")] {
        let response = app
            .get(&format!("/api/v1/accounts?ids={bad}"), &admin.token)
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let most: Value = app
        .get(
            &format!(
                "/api/v1/accounts?ids={}",
                vec![a["id"].to_string(); 200].join(",")
            ),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(most["items"].as_array().unwrap().len(), 1);
}
