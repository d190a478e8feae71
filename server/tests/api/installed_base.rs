//! The installed base (issue 16): installations with the licence's modules
//! and seats, their validation, upgrades that move the version in version
//! order, tickets that keep the version they were opened on and the
//! queue's version filter, who may do what, tenant isolation of every
//! route, the portal's read-only view, and advisories: preview, the
//! responsible contacts or the customer_admin, each once in their language
//! however often and however concurrently sent, on each timeline.

use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 6, 1, 2, 0, 0).unwrap()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn installation(site: &str, version: &str) -> Value {
    json!({"site": site, "product": "K/3 WISE", "edition": "标准版", "version": version,
           "patch_level": "", "deployment": "on_premises", "server_os": "Windows Server 2019",
           "database": "SQL Server 2016", "modules": ["finance", "sales"], "seats": 5,
           "customisations": [{"title": "凭证打印格式", "owner": "实施顾问 李工",
                               "status": "live", "modules": ["finance"]}],
           "integrations": [{"name": "OA 审批", "system": "泛微 OA", "direction": "both",
                             "notes": "每晚同步"}],
           "notes": "内部：客户机房在三楼"})
}

async fn add(app: &TestApp, token: &str, account: i64, body: Value) -> Value {
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/installations"),
            token,
            body,
        )
        .await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn list(app: &TestApp, token: &str, account: i64) -> Vec<Value> {
    body(
        app.get(&format!("/api/v1/accounts/{account}/installations"), token)
            .await,
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

async fn upgrade(app: &TestApp, token: &str, account: i64, inst: i64, body: Value) -> Response {
    app.post(
        &format!("/api/v1/accounts/{account}/installations/{inst}/upgrades"),
        token,
        body,
    )
    .await
}

type Response = reqwest::Response;

async fn timeline_kinds(app: &TestApp, token: &str, account: i64, kind: &str) -> Vec<Value> {
    body(
        app.get(
            &format!("/api/v1/accounts/{account}/timeline?kind={kind}&limit=200"),
            token,
        )
        .await,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[actix_web::test]
async fn an_installation_takes_modules_and_seats_from_its_licence_and_bad_input_changes_nothing() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "ib-crud@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华东机械", "101").await);
    let other = id(&app.create_account(&admin.token, "其他客户", "102").await);
    let license = body(
        app.post(
            &format!("/api/v1/accounts/{account}/licenses"),
            &admin.token,
            json!({"edition": "K/3 WISE 标准版", "modules": ["sales", "inventory"],
                   "seats": 25, "dongle_serial": "KD-IB-1"}),
        )
        .await,
    )
    .await;
    let other_license = body(
        app.post(
            &format!("/api/v1/accounts/{other}/licenses"),
            &admin.token,
            json!({"edition": "K/3 WISE", "modules": ["finance"], "seats": 3,
                   "dongle_serial": "KD-IB-2"}),
        )
        .await,
    )
    .await;

    let mut linked = installation("总部", "V15.1");
    linked["license_id"] = json!(id(&license));
    let created = add(&app, &admin.token, account, linked.clone()).await;
    assert_eq!(created["modules"], json!(["sales", "inventory"]));
    assert_eq!(created["seats"], 25);
    assert_eq!(created["version"], "V15.1");
    assert_eq!(created["customisations"][0]["title"], "凭证打印格式");
    assert_eq!(created["integrations"][0]["direction"], "both");
    let own = add(
        &app,
        &admin.token,
        account,
        installation("苏州工厂", "V14.3"),
    )
    .await;
    assert_eq!(own["modules"], json!(["sales", "finance"]));
    assert_eq!(own["seats"], 5);
    assert_eq!(list(&app, &admin.token, account).await.len(), 2);
    let added = timeline_kinds(&app, &admin.token, account, "installation_added").await;
    assert_eq!(added.len(), 2);
    assert_eq!(added[0]["entity_type"], "installation");

    // Bad input: 422 naming the fields, nothing stored.
    let before = list(&app, &admin.token, account).await;
    let mut bad = installation(" ", "十五");
    bad["seats"] = json!(0);
    bad["customisations"][0]["title"] = json!("");
    let err = assert_error(
        app.post(
            &format!("/api/v1/accounts/{account}/installations"),
            &admin.token,
            bad,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    for f in ["site", "version", "seats", "customisations.0.title"] {
        assert!(err["fields"][f].is_string(), "{f}: {err}");
    }
    let mut foreign = installation("总部", "V15.1");
    foreign["license_id"] = json!(id(&other_license));
    let err = assert_error(
        app.post(
            &format!("/api/v1/accounts/{account}/installations"),
            &admin.token,
            foreign,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(err["fields"]["license_id"].is_string(), "{err}");
    assert_error(
        app.post(
            &format!("/api/v1/accounts/{account}/installations"),
            &admin.token,
            json!({"site": "x"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let mut bad_deploy = installation("总部", "V15.1");
    bad_deploy["deployment"] = json!("mainframe");
    let r = app
        .post(
            &format!("/api/v1/accounts/{account}/installations"),
            &admin.token,
            bad_deploy,
        )
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(list(&app, &admin.token, account).await, before);

    // A change; the version changes only by an upgrade.
    let path = format!("/api/v1/accounts/{account}/installations/{}", id(&own));
    let mut change = installation("苏州二厂", "V14.3");
    change["deployment"] = json!("cloud");
    change["integrations"] = json!([]);
    let changed = body(app.put(&path, &admin.token, change).await).await;
    assert_eq!(changed["site"], "苏州二厂");
    assert_eq!(changed["deployment"], "cloud");
    assert_eq!(changed["integrations"], json!([]));
    let err = assert_error(
        app.put(&path, &admin.token, installation("苏州二厂", "V15.1"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        err["fields"]["version"].as_str().unwrap(),
        "the version changes by recording an upgrade"
    );
    assert_eq!(body(app.get(&path, &admin.token).await).await, changed);

    // A re-registration of the licence shows on the installation.
    let r = app
        .post(
            &format!(
                "/api/v1/accounts/{account}/licenses/{}/register",
                id(&license)
            ),
            &admin.token,
            json!({}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let r = app
        .post(
            &format!(
                "/api/v1/accounts/{account}/licenses/{}/registrations",
                id(&license)
            ),
            &admin.token,
            json!({"kind": "upgrade", "seats": 40}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let linked_now = body(
        app.get(
            &format!("/api/v1/accounts/{account}/installations/{}", id(&created)),
            &admin.token,
        )
        .await,
    )
    .await;
    assert_eq!(linked_now["seats"], 40);

    // Delete: gone, with a 404 after.
    let r = app
        .request(Method::DELETE, &path, Some(&admin.token), None)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.get(&path, &admin.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Another account's id in the path: 404.
    assert_error(
        app.get(
            &format!("/api/v1/accounts/{other}/installations/{}", id(&created)),
            &admin.token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn an_upgrade_goes_to_a_later_version_moves_the_installation_and_reaches_the_timeline() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "ib-up@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "eng-up@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华东机械", "201").await);
    let inst = id(&add(&app, &admin.token, account, installation("总部", "V15.1")).await);

    // V15.10 is later than V15.1 (numbers, not text).
    let r = upgrade(
        &app,
        &engineer.token,
        account,
        inst,
        json!({"to_version": "V15.10", "to_patch_level": "SP1", "upgraded_on": "2027-05-30",
               "engineer_id": engineer.id(), "note": "周末停机升级"}),
    )
    .await;
    let first = body(r).await;
    assert_eq!(first["from_version"], "V15.1");
    assert_eq!(first["to_version"], "V15.10");
    assert_eq!(first["engineer_name"], "engineer 用户");
    let now = body(
        app.get(
            &format!("/api/v1/accounts/{account}/installations/{inst}"),
            &admin.token,
        )
        .await,
    )
    .await;
    assert_eq!(now["version"], "V15.10");
    assert_eq!(now["patch_level"], "SP1");

    // Not later: V15.2 < V15.10; the same release; an older patch.
    for (to, patch) in [
        ("V15.2", ""),
        ("V15.10", "SP1"),
        ("v15.10", ""),
        ("V9", "SP9"),
    ] {
        let err = assert_error(
            upgrade(
                &app,
                &admin.token,
                account,
                inst,
                json!({"to_version": to, "to_patch_level": patch, "upgraded_on": "2027-05-31",
                       "engineer_id": engineer.id()}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            err["fields"]["to_version"]
                .as_str()
                .unwrap()
                .contains("V15.10 SP1"),
            "{to}: {err}"
        );
    }
    // A later patch of the same version is an upgrade.
    body(
        upgrade(
            &app,
            &admin.token,
            account,
            inst,
            json!({"to_version": "V15.10", "to_patch_level": "SP2", "upgraded_on": "2027-05-31",
                   "engineer_id": engineer.id()}),
        )
        .await,
    )
    .await;
    // The engineer must be active staff of this workspace.
    let stranger = app.signup("Other", "ib-up-other@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "kehu-up@kehu.cn", "202").await;
    for engineer_id in [stranger.id(), customer.id(), 999_999] {
        let err = assert_error(
            upgrade(
                &app,
                &admin.token,
                account,
                inst,
                json!({"to_version": "V16", "upgraded_on": "2027-06-01",
                       "engineer_id": engineer_id}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(err["fields"]["engineer_id"].is_string(), "{err}");
    }

    let history = body(
        app.get(
            &format!("/api/v1/accounts/{account}/installations/{inst}/upgrades"),
            &admin.token,
        )
        .await,
    )
    .await;
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["to_patch_level"], "SP2");
    assert_eq!(history[0]["from_patch_level"], "SP1");
    assert_eq!(history[1]["note"], "周末停机升级");
    let entries = timeline_kinds(&app, &admin.token, account, "installation_upgraded").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[1]["summary"],
        "总部: upgraded from V15.1 to V15.10 SP1"
    );
    assert_eq!(entries[1]["summary_key"]["key"], "timeline.upgrade");
    assert_eq!(entries[1]["summary_key"]["params"]["to"], "V15.10 SP1");
    assert_eq!(entries[1]["body"], "周末停机升级");
}

#[actix_web::test]
async fn a_ticket_keeps_the_version_it_was_opened_on_and_the_queue_filters_by_it() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "ib-tk@x.cn").await;
    let account = id(&app.create_account(&admin.token, "华东机械", "301").await);
    let other = id(&app.create_account(&admin.token, "其他", "302").await);
    let inst = id(&add(&app, &admin.token, account, installation("总部", "V15.1")).await);
    let other_inst = id(&add(&app, &admin.token, other, installation("总部", "V15.1")).await);
    let ticket = |installation: Value| {
        json!({"account_id": account, "module": "finance", "category": "bug", "priority": "p2",
               "subject": "凭证过账报错", "description": "月末", "installation_id": installation})
    };
    let old = body(
        app.post("/api/v1/tickets", &admin.token, ticket(json!(inst)))
            .await,
    )
    .await;
    assert_eq!(old["installation_id"], inst);
    assert_eq!(old["installed_version"], "V15.1");
    let none = body(
        app.post("/api/v1/tickets", &admin.token, ticket(Value::Null))
            .await,
    )
    .await;
    assert_eq!(none["installed_version"], Value::Null);
    // Another account's installation: 422, no ticket.
    let err = assert_error(
        app.post("/api/v1/tickets", &admin.token, ticket(json!(other_inst)))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(err["fields"]["installation_id"].is_string(), "{err}");

    body(
        upgrade(
            &app,
            &admin.token,
            account,
            inst,
            json!({"to_version": "V15.10", "upgraded_on": "2027-06-01",
                   "engineer_id": admin.id()}),
        )
        .await,
    )
    .await;
    let new = body(
        app.post("/api/v1/tickets", &admin.token, ticket(json!(inst)))
            .await,
    )
    .await;
    assert_eq!(new["installed_version"], "V15.10");
    // The old ticket kept its snapshot.
    let old_now = body(
        app.get(&format!("/api/v1/tickets/{}", id(&old)), &admin.token)
            .await,
    )
    .await;
    assert_eq!(old_now["installed_version"], "V15.1");

    let queue = |v: &str| {
        let app = &app;
        let token = admin.token.clone();
        let v = v.to_string();
        async move {
            body(
                app.get(&format!("/api/v1/tickets?version={v}"), &token)
                    .await,
            )
            .await["items"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let v1 = queue("V15.1").await;
    assert_eq!(v1.len(), 1);
    // The queue shows the ticket as its own page does (both JSON paths).
    assert_eq!(v1[0], old_now);
    let v10 = queue("V15.10").await;
    assert_eq!(v10.len(), 1);
    assert_eq!(id(&v10[0]), id(&new));
    assert!(queue("V9").await.is_empty());
    assert_eq!(queue("").await.len(), 3);
    let long = "9".repeat(41);
    assert_error(
        app.get(&format!("/api/v1/tickets?version={long}"), &admin.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // With another filter too.
    let both = body(
        app.get("/api/v1/tickets?version=V15.10&priority=p2", &admin.token)
            .await,
    )
    .await;
    assert_eq!(both["items"].as_array().unwrap().len(), 1);

    // An installation tickets name stays.
    assert_error(
        app.request(
            Method::DELETE,
            &format!("/api/v1/accounts/{account}/installations/{inst}"),
            Some(&admin.token),
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

/// Every route of the installed base for one account and installation, and
/// the advisory routes for one advisory.
fn routes(account: i64, inst: i64, advisory: i64) -> Vec<(Method, String, Option<Value>)> {
    let base = format!("/api/v1/accounts/{account}/installations");
    vec![
        (Method::GET, base.clone(), None),
        (Method::POST, base.clone(), Some(installation("x", "V1"))),
        (Method::GET, format!("{base}/{inst}"), None),
        (
            Method::PUT,
            format!("{base}/{inst}"),
            Some(installation("x", "V15.1")),
        ),
        (Method::DELETE, format!("{base}/{inst}"), None),
        (Method::GET, format!("{base}/{inst}/upgrades"), None),
        (
            Method::POST,
            format!("{base}/{inst}/upgrades"),
            Some(json!({"to_version": "V99", "upgraded_on": "2027-06-01", "engineer_id": 1})),
        ),
        (Method::GET, format!("/api/v1/advisories/{advisory}"), None),
        (
            Method::POST,
            format!("/api/v1/advisories/{advisory}/send"),
            None,
        ),
    ]
}

fn advisory_body() -> Value {
    json!({"kind": "patch",
           "filter": {"product": "K/3 WISE", "version_from": "V15.1", "version_to": "V15.9",
                      "modules": ["finance"]},
           "title_zh": "凭证过账补丁", "body_zh": "请安装补丁 PT000123。",
           "title_en": "Voucher posting patch", "body_en": "Please install patch PT000123."})
}

#[actix_web::test]
async fn every_route_is_tenant_isolated_and_role_checked_and_the_portal_sees_no_internals() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("A", "ib-ten@x.cn").await;
    let (account, customer) = app.portal_user(&admin, "kehu-ten@kehu.cn", "401").await;
    let account = id(&account);
    let inst = id(&add(&app, &admin.token, account, installation("总部", "V15.1")).await);
    let advisory = id(&body(
        app.post("/api/v1/advisories", &admin.token, advisory_body())
            .await,
    )
    .await);

    // Another workspace's admin: 404 on each route, nothing changed.
    let stranger = app.signup("B", "ib-ten-b@x.cn").await;
    for (method, path, body_) in routes(account, inst, advisory) {
        let r = app
            .request(method.clone(), &path, Some(&stranger.token), body_)
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    let preview = body(
        app.post(
            "/api/v1/advisories/preview",
            &stranger.token,
            advisory_body(),
        )
        .await,
    )
    .await;
    assert_eq!(preview["accounts"], json!([]));
    assert!(
        body(app.get("/api/v1/advisories", &stranger.token).await).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(list(&app, &admin.token, account).await.len(), 1);

    // Portal users: 403 on every staff route.
    for (method, path, body_) in routes(account, inst, advisory) {
        let r = app
            .request(method.clone(), &path, Some(&customer.token), body_)
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    for path in ["/api/v1/advisories", "/api/v1/advisories/preview"] {
        let r = app
            .request(
                Method::POST,
                path,
                Some(&customer.token),
                Some(advisory_body()),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }

    // CSMs and engineers write installations but send no advisories.
    for role in ["csm", "engineer"] {
        let user = app.staff(&admin, role, &format!("{role}-ten@x.cn")).await;
        add(&app, &user.token, account, installation(role, "V15.2")).await;
        for (method, path) in [
            (Method::GET, "/api/v1/advisories".to_string()),
            (Method::POST, "/api/v1/advisories".to_string()),
            (Method::POST, "/api/v1/advisories/preview".to_string()),
            (Method::GET, format!("/api/v1/advisories/{advisory}")),
            (Method::POST, format!("/api/v1/advisories/{advisory}/send")),
        ] {
            let r = app
                .request(
                    method.clone(),
                    &path,
                    Some(&user.token),
                    Some(advisory_body()),
                )
                .await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role} {method} {path}");
        }
    }
    let manager = app.staff(&admin, "manager", "manager-ten@x.cn").await;
    body(
        app.post(
            "/api/v1/advisories/preview",
            &manager.token,
            advisory_body(),
        )
        .await,
    )
    .await;

    // The portal: its own account's installations, nothing internal.
    let other = id(&app.create_account(&admin.token, "别家", "402").await);
    add(&app, &admin.token, other, installation("别家总部", "V15.1")).await;
    let mine = body(
        app.get("/api/v1/portal/installations", &customer.token)
            .await,
    )
    .await;
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 3);
    for item in mine {
        assert_ne!(item["site"], "别家总部");
        for internal in [
            "notes",
            "customisations",
            "integrations",
            "license_id",
            "account_id",
        ] {
            assert!(item.get(internal).is_none(), "{internal} in {item}");
        }
        assert!(!item.to_string().contains("内部"), "{item}");
    }
    assert_error(
        app.get("/api/v1/portal/installations", &admin.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

/// A contact with `modules` and, when `locale` is given, a portal login of
/// `role` in that language.
async fn person(
    app: &TestApp,
    admin: &Session,
    account: i64,
    email: &str,
    modules: Value,
    login: Option<(&str, &str)>,
) -> i64 {
    let contact = body(
        app.post(
            &format!("/api/v1/accounts/{account}/contacts"),
            &admin.token,
            json!({"name": email.split('@').next().unwrap(), "email": email, "modules": modules}),
        )
        .await,
    )
    .await;
    if let Some((role, locale)) = login {
        let r = app
            .post(
                &format!("/api/v1/contacts/{}/portal-access", id(&contact)),
                &admin.token,
                json!({"role": role}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let session = app.accept_invitation(email).await;
        let r = app
            .patch("/api/v1/me", &session.token, json!({"locale": locale}))
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    id(&contact)
}

/// The advisory's mails in the outbox: (to, subject, text).
async fn advisory_mails(app: &TestApp, advisory: i64) -> Vec<(String, String, String)> {
    use server::entity::email_outbox;
    let mut rows: Vec<(String, String, String)> = email_outbox::Entity::find()
        .filter(email_outbox::Column::DedupeKey.starts_with(format!("advisory:{advisory}:")))
        .all(&app.app_state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.to_addr, m.subject, m.body_text))
        .collect();
    rows.sort();
    rows
}

/// Four accounts: 甲 (V15.1, a finance contact in English and a sales
/// contact), 乙 (V15.5, nobody on finance: its customer_admin), 丙 (V15.10,
/// outside the range), 丁 (V15.2, archived). Returns the accounts 甲 and 乙.
async fn book(app: &TestApp, admin: &Session) -> (i64, i64) {
    let a = id(&app.create_account(&admin.token, "甲公司", "501").await);
    add(app, &admin.token, a, installation("总部", "V15.1")).await;
    person(
        app,
        admin,
        a,
        "fin-a@jia.cn",
        json!(["finance"]),
        Some(("customer", "en")),
    )
    .await;
    person(app, admin, a, "sales-a@jia.cn", json!(["sales"]), None).await;
    let b = id(&app.create_account(&admin.token, "乙公司", "502").await);
    add(app, &admin.token, b, installation("工厂", "v15.5")).await;
    person(app, admin, b, "sales-b@yi.cn", json!(["sales"]), None).await;
    person(
        app,
        admin,
        b,
        "boss-b@yi.cn",
        json!([]),
        Some(("customer_admin", "zh-CN")),
    )
    .await;
    let c = id(&app.create_account(&admin.token, "丙公司", "503").await);
    add(app, &admin.token, c, installation("总部", "V15.10")).await;
    person(app, admin, c, "fin-c@bing.cn", json!(["finance"]), None).await;
    let d = id(&app.create_account(&admin.token, "丁公司", "504").await);
    add(app, &admin.token, d, installation("总部", "V15.2")).await;
    person(app, admin, d, "fin-d@ding.cn", json!(["finance"]), None).await;
    let r = app
        .post(
            &format!("/api/v1/accounts/{d}/archive"),
            &admin.token,
            json!({}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    (a, b)
}

#[actix_web::test]
async fn an_advisory_reaches_each_responsible_contact_once_in_their_language() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "ib-adv@x.cn").await;
    let (a, b) = book(&app, &admin).await;

    // Bad filters: 422, nothing saved.
    let mut both = advisory_body();
    both["filter"]["versions"] = json!(["V15.1"]);
    let mut backwards = advisory_body();
    backwards["filter"]["version_from"] = json!("V15.10");
    let mut neither = advisory_body();
    neither["filter"] = json!({"product": "K/3 WISE"});
    let mut silent = advisory_body();
    silent["title_zh"] = json!("");
    silent["title_en"] = json!("");
    for (bad, field) in [
        (both, "filter.versions"),
        (backwards, "filter.version_to"),
        (neither, "filter.versions"),
        (silent, "title_zh"),
    ] {
        for path in ["/api/v1/advisories", "/api/v1/advisories/preview"] {
            let err = assert_error(
                app.post(path, &admin.token, bad.clone()).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert!(err["fields"][field].is_string(), "{field}: {err}");
        }
    }
    assert!(
        body(app.get("/api/v1/advisories", &admin.token).await).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The preview: 甲's finance contact, 乙's customer_admin; not 丙 (V15.10
    // is after V15.9), not archived 丁.
    let preview = body(
        app.post("/api/v1/advisories/preview", &admin.token, advisory_body())
            .await,
    )
    .await;
    let accounts = preview["accounts"].as_array().unwrap();
    let names: Vec<&str> = accounts
        .iter()
        .map(|x| x["account_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["乙公司", "甲公司"], "{preview}");
    assert_eq!(preview["recipients_total"], 2);
    let jia = &accounts[1];
    assert_eq!(jia["recipients"].as_array().unwrap().len(), 1);
    assert_eq!(jia["recipients"][0]["email"], "fin-a@jia.cn");
    assert_eq!(jia["recipients"][0]["locale"], "en");
    assert_eq!(jia["recipients"][0]["fallback"], false);
    assert_eq!(jia["installations"][0], "总部 · K/3 WISE V15.1");
    let yi = &accounts[0];
    assert_eq!(yi["recipients"][0]["email"], "boss-b@yi.cn");
    assert_eq!(yi["recipients"][0]["fallback"], true);
    assert_eq!(yi["recipients"][0]["locale"], "zh-CN");

    // Send in batches of one account: progress, then done.
    let advisory = body(
        app.post("/api/v1/advisories", &admin.token, advisory_body())
            .await,
    )
    .await;
    let send = format!("/api/v1/advisories/{}/send", id(&advisory));
    let first = body(
        app.post(&format!("{send}?batch=1"), &admin.token, json!({}))
            .await,
    )
    .await;
    assert_eq!(first["accounts_total"], 2);
    assert_eq!(first["accounts_done"], 1);
    assert_eq!(first["done"], false);
    let second = body(
        app.post(&format!("{send}?batch=1"), &admin.token, json!({}))
            .await,
    )
    .await;
    assert_eq!(second["accounts_done"], 2);
    assert_eq!(second["recipients_sent"], 2);
    assert_eq!(second["done"], true);
    // Sent again: nothing more.
    let again = body(app.post(&send, &admin.token, json!({})).await).await;
    assert_eq!(again["done"], true);
    assert_eq!(again["recipients_sent"], 2);
    assert_error(
        app.post(&format!("{send}?batch=0"), &admin.token, json!({}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let mails = advisory_mails(&app, id(&advisory)).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(mails[0].0, "boss-b@yi.cn");
    assert_eq!(mails[0].1, "【补丁发布】凭证过账补丁");
    assert!(mails[0].2.contains("请安装补丁 PT000123。"));
    assert!(mails[0].2.contains("客户管理员"));
    assert_eq!(mails[1].0, "fin-a@jia.cn");
    assert_eq!(mails[1].1, "[Patch available] Voucher posting patch");
    assert!(mails[1].2.contains("Please install patch PT000123."));
    assert!(mails[1].2.contains("总部 · K/3 WISE V15.1"));

    // Each account's timeline, once.
    for account in [a, b] {
        let entries = timeline_kinds(&app, &admin.token, account, "advisory_sent").await;
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(
            entries[0]["summary"],
            "凭证过账补丁 / Voucher posting patch"
        );
        assert_eq!(entries[0]["body_key"]["key"], "timeline.advisory");
        assert_eq!(entries[0]["body_key"]["params"]["count"], "1");
        assert_eq!(entries[0]["entity_id"], id(&advisory));
    }
    let listed = body(app.get("/api/v1/advisories", &admin.token).await).await;
    assert_eq!(listed["items"][0]["accounts_sent"], 2);
    assert_eq!(listed["items"][0]["recipients_sent"], 2);
    assert!(listed["items"][0]["sent_at"].is_string());

    // Written in Chinese only, it reaches the English reader in Chinese.
    let mut zh_only = advisory_body();
    zh_only["title_en"] = json!("");
    zh_only["body_en"] = json!("");
    zh_only["filter"] = json!({"product": "k/3 wise", "versions": ["15.1"]});
    let zh_only = body(app.post("/api/v1/advisories", &admin.token, zh_only).await).await;
    let done = body(
        app.post(
            &format!("/api/v1/advisories/{}/send", id(&zh_only)),
            &admin.token,
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(done["done"], true);
    // No module filter: every contact responsible for a module 甲 runs.
    let mails = advisory_mails(&app, id(&zh_only)).await;
    let to: Vec<&str> = mails.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(to, ["fin-a@jia.cn", "sales-a@jia.cn"]);
    assert_eq!(mails[0].1, "【补丁发布】凭证过账补丁");
}

#[actix_web::test]
async fn an_advisory_sent_concurrently_reaches_each_recipient_once() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "ib-conc@x.cn").await;
    let manager = app.staff(&admin, "manager", "mgr-conc@x.cn").await;
    let (a, b) = book(&app, &admin).await;
    let advisory = body(
        app.post("/api/v1/advisories", &admin.token, advisory_body())
            .await,
    )
    .await;
    let send = format!("/api/v1/advisories/{}/send", id(&advisory));
    let sends = (0..4).map(|i| {
        let token = if i % 2 == 0 {
            admin.token.clone()
        } else {
            manager.token.clone()
        };
        let app = &app;
        let send = send.clone();
        async move { app.post(&send, &token, json!({})).await }
    });
    for r in futures_util::future::join_all(sends).await {
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }
    let mails = advisory_mails(&app, id(&advisory)).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    for account in [a, b] {
        assert_eq!(
            timeline_kinds(&app, &admin.token, account, "advisory_sent")
                .await
                .len(),
            1
        );
    }
    let got = body(
        app.get(
            &format!("/api/v1/advisories/{}", id(&advisory)),
            &admin.token,
        )
        .await,
    )
    .await;
    assert_eq!(got["recipients_sent"], 2);
    assert_eq!(got["accounts_sent"], 2);
}

#[actix_web::test]
async fn a_portal_ticket_names_one_of_its_own_accounts_installations_only() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "ib-ptk@x.cn").await;
    let (account, customer) = app.portal_user(&admin, "kehu-ptk@kehu.cn", "501").await;
    let account = id(&account);
    let other = id(&app.create_account(&admin.token, "其他", "502").await);
    let inst = id(&add(&app, &admin.token, account, installation("总部", "V15.1")).await);
    let other_inst = id(&add(&app, &admin.token, other, installation("总部", "V15.1")).await);
    let stranger = app.signup("S", "ib-ptk-s@y.cn").await;
    let stranger_account = id(&app.create_account(&stranger.token, "别家", "503").await);
    let their_inst = id(&add(
        &app,
        &stranger.token,
        stranger_account,
        installation("总部", "V13.0"),
    )
    .await);
    let ticket = |installation: Value| {
        json!({"module": "finance", "category": "bug", "priority": "p2",
               "subject": "凭证过账报错", "description": "月末", "installation_id": installation})
    };
    for bad in [other_inst, their_inst, 987_654] {
        let err = assert_error(
            app.post(
                "/api/v1/portal/tickets",
                &customer.token,
                ticket(json!(bad)),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(err["fields"]["installation_id"].is_string(), "{err}");
    }
    let queue = body(app.get("/api/v1/tickets", &admin.token).await).await;
    assert_eq!(
        queue["items"].as_array().unwrap().len(),
        0,
        "no ticket made"
    );

    let made = body(
        app.post(
            "/api/v1/portal/tickets",
            &customer.token,
            ticket(json!(inst)),
        )
        .await,
    )
    .await;
    // Staff see the installation and the version it ran, as for their own.
    let seen = body(
        app.get(&format!("/api/v1/tickets/{}", made["id"]), &admin.token)
            .await,
    )
    .await;
    assert_eq!(seen["installation_id"], inst);
    assert_eq!(seen["installed_version"], "V15.1");
    // Without one, as before.
    let plain = body(
        app.post(
            "/api/v1/portal/tickets",
            &customer.token,
            ticket(Value::Null),
        )
        .await,
    )
    .await;
    let seen = body(
        app.get(&format!("/api/v1/tickets/{}", plain["id"]), &admin.token)
            .await,
    )
    .await;
    assert_eq!(seen["installed_version"], Value::Null);
}
