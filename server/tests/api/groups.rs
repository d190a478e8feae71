//! Group accounts (issue 15): parents and subsidiaries without cycles, the
//! group roll-up, the portal's group tickets per setting, and merges
//! within a group.

use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::ticket_links::ticket;

/// 2027-10-01 10:00 in Shanghai: contracts of 2027 are running, and those
/// ending this year are within the renewal horizon.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 10, 1, 2, 0, 0).unwrap()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(path, token).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn set_parent(
    app: &TestApp,
    token: &str,
    account: i64,
    parent: Option<i64>,
) -> reqwest::Response {
    app.patch(
        &format!("/api/v1/accounts/{account}"),
        token,
        json!({ "parent_id": parent }),
    )
    .await
}

async fn child(app: &TestApp, token: &str, name: &str, code: &str, parent: i64) -> i64 {
    let response = app
        .post(
            "/api/v1/accounts",
            token,
            json!({"name": name, "code": code, "parent_id": parent}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["parent_id"], parent);
    id(&body)
}

/// Refused with 422 on `parent_id`, with the text key `key`.
async fn refused(response: reqwest::Response, key: &str) -> Value {
    let e = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(e["field_keys"]["parent_id"]["key"], key, "{e}");
    e
}

async fn contract(app: &TestApp, token: &str, account: i64, value: &str, ends_on: &str) {
    contract_from(app, token, account, value, "2027-01-01", ends_on).await;
}

async fn contract_from(
    app: &TestApp,
    token: &str,
    account: i64,
    value: &str,
    starts_on: &str,
    ends_on: &str,
) {
    let response = app
        .post(
            "/api/v1/contracts",
            token,
            json!({"account_id": account, "starts_on": starts_on, "ends_on": ends_on,
                   "annual_value": value}),
        )
        .await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
}

/// A health override of `score` for `account`, asked by `maker` and
/// approved by `checker`.
async fn override_health(
    app: &TestApp,
    maker: &Session,
    checker: &Session,
    account: i64,
    score: i32,
) {
    let response = app
        .post(
            &format!("/api/v1/accounts/{account}/health/override"),
            &maker.token,
            json!({"score": score, "reason": "集团评估", "expires_on": "2027-12-31"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let approval: Value = response.json().await.unwrap();
    let response = app
        .post(
            &format!("/api/v1/approvals/{}/approve", approval["id"]),
            &checker.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// A portal login of `role` for a new contact of `account`.
async fn portal_login(
    app: &TestApp,
    admin: &Session,
    account: i64,
    email: &str,
    role: &str,
) -> Session {
    let contact = app
        .create_contact(&admin.token, account, "联系人", email)
        .await;
    let response = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", contact["id"]),
            &admin.token,
            json!({ "role": role }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "portal access");
    app.accept_invitation(email).await
}

/// The portal user cannot see ticket `ticket` (404, as if it did not exist).
async fn unseen(app: &TestApp, user: &Session, ticket: i64) {
    let response = app
        .get(&format!("/api/v1/portal/tickets/{ticket}"), &user.token)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

/// Lets `account`'s customer admins see its group's tickets.
async fn show_group_tickets(app: &TestApp, admin: &Session, account: i64) {
    let response = app
        .patch(
            &format!("/api/v1/accounts/{account}"),
            &admin.token,
            json!({"portal_group_tickets": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

fn ids_of(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(id).collect()
}

#[actix_web::test]
async fn parents_never_make_a_cycle_nor_cross_workspaces() {
    let app = spawn_app().await;
    let admin = app.signup("W", "groups-cycle@x.cn").await;
    let p = id(&app.create_account(&admin.token, "华强集团", "1").await);
    let a = child(&app, &admin.token, "华强电子", "2", p).await;
    let g = child(&app, &admin.token, "华强电子深圳", "3", a).await;

    // The account shows its parent; the parent its subsidiaries.
    let got = get(&app, &admin.token, &format!("/api/v1/accounts/{a}")).await;
    assert_eq!(got["parent"], json!({"id": p, "name": "华强集团"}));
    assert_eq!(
        got["subsidiaries"],
        json!([{"id": g, "name": "华强电子深圳"}])
    );
    let top = get(&app, &admin.token, &format!("/api/v1/accounts/{p}")).await;
    assert_eq!(top["parent"], Value::Null);
    assert_eq!(top["subsidiaries"], json!([{"id": a, "name": "华强电子"}]));
    let list = get(&app, &admin.token, "/api/v1/accounts").await;
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| id(x) == g)
        .unwrap()
        .clone();
    assert_eq!(listed["parent"]["name"], "华强电子");

    // Itself, one level (P under A), two levels (P under G): refused, and
    // nothing changes.
    let before = get(&app, &admin.token, &format!("/api/v1/accounts/{p}")).await;
    let e = refused(
        set_parent(&app, &admin.token, p, Some(p)).await,
        "account.parent_self",
    )
    .await;
    assert_eq!(
        e["fields"]["parent_id"],
        "an account cannot be its own parent"
    );
    let e = refused(
        set_parent(&app, &admin.token, p, Some(a)).await,
        "account.parent_cycle",
    )
    .await;
    assert_eq!(e["field_keys"]["parent_id"]["params"]["name"], "华强电子");
    refused(
        set_parent(&app, &admin.token, p, Some(g)).await,
        "account.parent_cycle",
    )
    .await;
    // A under its own child.
    refused(
        set_parent(&app, &admin.token, a, Some(g)).await,
        "account.parent_cycle",
    )
    .await;
    let after = get(&app, &admin.token, &format!("/api/v1/accounts/{p}")).await;
    assert_eq!(before, after);
    let a_now = get(&app, &admin.token, &format!("/api/v1/accounts/{a}")).await;
    assert_eq!(a_now["parent_id"], p);

    // Another workspace's account, or none, is no parent: on update and
    // on create (which then creates nothing).
    let other = app.signup("Other", "groups-other@x.cn").await;
    let foreign = id(&app.create_account(&other.token, "外部集团", "9").await);
    refused(
        set_parent(&app, &admin.token, g, Some(foreign)).await,
        "account.no_such_here",
    )
    .await;
    refused(
        set_parent(&app, &admin.token, g, Some(999_999)).await,
        "account.no_such_here",
    )
    .await;
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "新公司", "code": "77", "parent_id": foreign}),
        )
        .await;
    refused(response, "account.no_such_here").await;
    let all = get(&app, &admin.token, "/api/v1/accounts?q=新公司").await;
    assert!(all["items"].as_array().unwrap().is_empty());
    // Nor does the other workspace reach ours.
    refused(
        set_parent(&app, &other.token, foreign, Some(p)).await,
        "account.no_such_here",
    )
    .await;

    // Moving and clearing a parent work; the old parent loses the child.
    let response = set_parent(&app, &admin.token, g, Some(p)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let moved: Value = response.json().await.unwrap();
    assert_eq!(moved["parent"]["id"], p);
    let top = get(&app, &admin.token, &format!("/api/v1/accounts/{p}")).await;
    assert_eq!(top["subsidiaries"].as_array().unwrap().len(), 2);
    let response = set_parent(&app, &admin.token, g, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cleared: Value = response.json().await.unwrap();
    assert_eq!(cleared["parent_id"], Value::Null);
    assert_eq!(cleared["parent"], Value::Null);

    // At most MAX_GROUP_DEPTH levels: a chain of 8 takes no ninth, below
    // or above.
    let mut chain = vec![p, a];
    for n in 0..6 {
        let last = *chain.last().unwrap();
        chain.push(
            child(
                &app,
                &admin.token,
                &format!("层级{n}"),
                &format!("4{n}"),
                last,
            )
            .await,
        );
    }
    let last = *chain.last().unwrap();
    let response = app
        .post(
            "/api/v1/accounts",
            &admin.token,
            json!({"name": "太深", "code": "50", "parent_id": last}),
        )
        .await;
    refused(response, "account.group_too_deep").await;
    let loose = id(&app.create_account(&admin.token, "独立公司", "51").await);
    refused(
        set_parent(&app, &admin.token, p, Some(loose)).await,
        "account.group_too_deep",
    )
    .await;
}

#[actix_web::test]
async fn the_portal_setting_is_for_managers_and_admins() {
    let app = spawn_app().await;
    let admin = app.signup("W", "groups-setting@x.cn").await;
    let csm = app.staff(&admin, "csm", "groups-setting-csm@x.cn").await;
    let manager = app.staff(&admin, "manager", "groups-setting-m@x.cn").await;
    let p = id(&app.create_account(&csm.token, "集团", "1").await);
    let path = format!("/api/v1/accounts/{p}");
    // The owning CSM may set a parent, not what customers see.
    let response = app
        .patch(&path, &csm.token, json!({"portal_group_tickets": true}))
        .await;
    let e = assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(e["message_key"], "account.group_setting_roles", "{e}");
    let response = app
        .patch(&path, &manager.token, json!({"portal_group_tickets": true}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let got = get(&app, &csm.token, &path).await;
    assert_eq!(got["portal_group_tickets"], true);
    // Unchanged, it is no change (the CSM's other edits go through).
    let response = app
        .patch(
            &path,
            &csm.token,
            json!({"portal_group_tickets": true, "industry": "电子"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn the_group_rolls_up_health_by_value_tickets_and_renewals() {
    let app = spawn_app_at(t0()).await;
    let admin = app.signup("W", "groups-rollup@x.cn").await;
    let manager = app.staff(&admin, "manager", "groups-rollup-m@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "groups-rollup-e@x.cn").await;
    let p = id(&app.create_account(&admin.token, "华强集团", "1").await);
    let a = child(&app, &admin.token, "华强电子", "2", p).await;
    let d = child(&app, &admin.token, "华强物流", "3", p).await;
    let gone = child(&app, &admin.token, "已注销子公司", "4", p).await;
    contract(&app, &admin.token, p, "300000", "2027-12-31").await;
    contract(&app, &admin.token, a, "100000", "2027-11-30").await;
    contract(&app, &admin.token, gone, "999999", "2027-12-31").await;
    // An ended contract counts for nothing.
    contract_from(&app, &admin.token, d, "555555", "2026-01-01", "2026-12-31").await;
    let response = app
        .post(
            &format!("/api/v1/accounts/{gone}/archive"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    override_health(&app, &manager, &admin, p, 80).await;
    override_health(&app, &manager, &admin, a, 40).await;
    let response = app
        .post(
            "/api/v1/admin/jobs/health-scores/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let d_score = get(
        &app,
        &admin.token,
        &format!("/api/v1/accounts/{d}/health/history"),
    )
    .await[0]["score"]
        .as_i64()
        .unwrap();
    // Created after the snapshots: no score yet.
    let g = child(&app, &admin.token, "华强电子深圳", "5", a).await;

    ticket(&app, &admin.token, a, None, "凭证过账失败").await;
    ticket(&app, &admin.token, a, None, "报表取数错误").await;
    ticket(&app, &admin.token, g, None, "库存盘点差异").await;
    let done = ticket(&app, &admin.token, p, None, "已解决的问题").await;
    let response = app
        .patch(
            &format!("/api/v1/tickets/{}", id(&done)),
            &admin.token,
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let r = get(&app, &admin.token, &format!("/api/v1/accounts/{p}/group")).await;
    // By hand: P 80 × 300000, A 40 × 100000, D (no running contract)
    // weighs nothing, G (no snapshot) is left out:
    // (80·300000 + 40·100000) / 400000 = 70.
    assert_eq!(r["health_score"], 70, "{r}");
    assert_eq!(r["health_band"], "green");
    assert_eq!(r["weighted_by"], "CNY");
    assert_eq!(r["scored_members"], 3);
    assert_eq!(
        r["annual_value"],
        json!([{"currency": "CNY", "amount": "400000.00"}])
    );
    assert_eq!(r["open_tickets"], 3);
    assert_eq!(r["open_renewals"], 2);
    assert_eq!(r["next_renewal_due"], "2027-11-30");
    assert_eq!(r["top"]["id"], p);
    let members: Vec<(i64, i64, Value, Value, u64)> = r["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["account"]["id"].as_i64().unwrap(),
                m["depth"].as_i64().unwrap(),
                m["health_score"].clone(),
                m["annual_value"].clone(),
                m["open_tickets"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        members,
        vec![
            (
                p,
                0,
                json!(80),
                json!([{"currency": "CNY", "amount": "300000.00"}]),
                0
            ),
            // By name (华强物流 sorts before 华强电子).
            (d, 1, json!(d_score), json!([]), 0),
            (
                a,
                1,
                json!(40),
                json!([{"currency": "CNY", "amount": "100000.00"}]),
                2
            ),
            (g, 2, Value::Null, json!([]), 1),
        ]
    );
    assert_eq!(r["members"][2]["health_band"], "yellow");
    assert_eq!(r["members"][3]["health_band"], Value::Null);

    // A subsidiary's roll-up is its own branch; the top is the group's.
    let r = get(&app, &admin.token, &format!("/api/v1/accounts/{a}/group")).await;
    assert_eq!(r["top"], json!({"id": p, "name": "华强集团"}));
    assert_eq!(r["members"].as_array().unwrap().len(), 2);
    assert_eq!(r["health_score"], 40);
    assert_eq!(r["open_tickets"], 3);
    assert_eq!(r["next_renewal_due"], "2027-11-30");

    // Without values anywhere the scores count alike: D's group of one.
    let r = get(&app, &admin.token, &format!("/api/v1/accounts/{d}/group")).await;
    assert_eq!(r["health_score"], d_score);
    assert_eq!(r["weighted_by"], Value::Null);

    // Engineers read the group, without amounts.
    let r = get(
        &app,
        &engineer.token,
        &format!("/api/v1/accounts/{p}/group"),
    )
    .await;
    assert_eq!(r["health_score"], 70);
    assert_eq!(r["annual_value"], json!([]));
    assert_eq!(r["members"][0]["annual_value"], json!([]));
}

#[actix_web::test]
async fn the_group_route_is_for_staff_of_the_workspace() {
    let app = spawn_app().await;
    let alice = app.signup("Alice", "groups-ten-a@x.cn").await;
    let bob = app.signup("Bob", "groups-ten-b@x.cn").await;
    let p = id(&app.create_account(&alice.token, "集团", "1").await);
    child(&app, &alice.token, "子公司", "2", p).await;
    let path = format!("/api/v1/accounts/{p}/group");
    assert_error(
        app.get(&path, &bob.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.get("/api/v1/accounts/999999/group", &bob.token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let customer = portal_login(&app, &alice, p, "groups-ten-c@x.cn", "customer_admin").await;
    let response = app.get(&path, &customer.token).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app.request(reqwest::Method::GET, &path, None, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // Bob's own account with Alice's as parent: refused (see above), and
    // Bob's group route never names Alice's accounts.
    let mine = id(&app.create_account(&bob.token, "Bob 客户", "1").await);
    let r = get(&app, &bob.token, &format!("/api/v1/accounts/{mine}/group")).await;
    assert_eq!(r["members"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_parents_customer_admin_sees_the_group_tickets_when_allowed() {
    let app = spawn_app().await;
    let admin = app.signup("W", "groups-portal@x.cn").await;
    let p = id(&app.create_account(&admin.token, "华强集团", "1").await);
    let s = child(&app, &admin.token, "华强电子", "2", p).await;
    let other = id(&app.create_account(&admin.token, "无关公司", "3").await);
    let parent_admin = portal_login(&app, &admin, p, "pa@hq.cn", "customer_admin").await;
    let parent_user = portal_login(&app, &admin, p, "pu@hq.cn", "customer").await;
    let sub_admin = portal_login(&app, &admin, s, "sa@hq.cn", "customer_admin").await;
    let own = id(&ticket(&app, &admin.token, p, Some(parent_user.id()), "集团的工单").await);
    let sub_ticket = ticket(&app, &admin.token, s, Some(sub_admin.id()), "子公司的工单").await;
    let sub = id(&sub_ticket);
    let unrelated = id(&ticket(&app, &admin.token, other, None, "无关的工单").await);
    // An internal note on the subsidiary's ticket never reaches the portal.
    let response = app
        .post(
            &format!("/api/v1/tickets/{sub}/comments"),
            &admin.token,
            json!({"body": "内部备注：客户欠费", "internal": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app
        .post(
            &format!("/api/v1/tickets/{sub}/comments"),
            &admin.token,
            json!({"body": "已收到，正在处理", "internal": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // Setting off: nothing changes.
    let list = get(&app, &parent_admin.token, "/api/v1/portal/tickets").await;
    assert_eq!(ids_of(&list), [own]);
    assert_eq!(list["items"][0]["account_name"], "华强集团");
    let me = get(&app, &parent_admin.token, "/api/v1/portal/account").await;
    assert_eq!(me["group_tickets"], false);
    unseen(&app, &parent_admin, sub).await;

    show_group_tickets(&app, &admin, p).await;

    // Setting on: the parent's admin reads the subsidiary's tickets, each
    // naming its company, and nothing internal.
    let me = get(&app, &parent_admin.token, "/api/v1/portal/account").await;
    assert_eq!(me["group_tickets"], true);
    let list = get(&app, &parent_admin.token, "/api/v1/portal/tickets").await;
    assert_eq!(ids_of(&list), [sub, own]);
    assert_eq!(list["items"][0]["account_name"], "华强电子");
    assert_eq!(list["items"][0]["account_id"], s);
    let detail = get(
        &app,
        &parent_admin.token,
        &format!("/api/v1/portal/tickets/{sub}"),
    )
    .await;
    assert_eq!(detail["subject"], "子公司的工单");
    assert_eq!(detail["read_only"], true);
    assert_eq!(list["items"][0]["read_only"], true);
    assert_eq!(list["items"][1]["read_only"], false);
    let own_detail = get(
        &app,
        &parent_admin.token,
        &format!("/api/v1/portal/tickets/{own}"),
    )
    .await;
    assert_eq!(own_detail["read_only"], false);
    assert!(detail.get("assignee_id").is_none(), "{detail}");
    let comments = get(
        &app,
        &parent_admin.token,
        &format!("/api/v1/portal/tickets/{sub}/comments"),
    )
    .await;
    let bodies: Vec<&str> = comments
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["已收到，正在处理"]);
    // Reading, not replying: the subsidiary's users answer there.
    let response = app
        .post(
            &format!("/api/v1/portal/tickets/{sub}/comments"),
            &parent_admin.token,
            json!({"body": "集团补充说明"}),
        )
        .await;
    let e = assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(e["message_key"], "portal.group_ticket_read_only");
    // Unrelated accounts stay unseen.
    unseen(&app, &parent_admin, unrelated).await;

    // A plain customer of the parent sees their own tickets only.
    let list = get(&app, &parent_user.token, "/api/v1/portal/tickets").await;
    assert_eq!(ids_of(&list), [own]);
    let me = get(&app, &parent_user.token, "/api/v1/portal/account").await;
    assert_eq!(me["group_tickets"], false);
    unseen(&app, &parent_user, sub).await;
    // The subsidiary's admin never looks up.
    let list = get(&app, &sub_admin.token, "/api/v1/portal/tickets").await;
    assert_eq!(ids_of(&list), [sub]);
    unseen(&app, &sub_admin, own).await;
    // Even with the setting on the subsidiary itself (it has no children).
    show_group_tickets(&app, &admin, s).await;
    let list = get(&app, &sub_admin.token, "/api/v1/portal/tickets").await;
    assert_eq!(ids_of(&list), [sub]);
}

#[actix_web::test]
async fn merges_cross_accounts_within_a_group_only() {
    let app = spawn_app().await;
    let admin = app.signup("W", "groups-merge@x.cn").await;
    let p = id(&app.create_account(&admin.token, "华强集团", "1").await);
    let a = child(&app, &admin.token, "华强电子", "2", p).await;
    let b = child(&app, &admin.token, "华强物流", "3", p).await;
    let g = child(&app, &admin.token, "华强电子深圳", "4", a).await;
    let other = id(&app.create_account(&admin.token, "无关公司", "5").await);
    let dup = id(&ticket(&app, &admin.token, g, None, "对账 重复").await);
    let cousin = id(&ticket(&app, &admin.token, b, None, "对账 物流").await);
    let unrelated = id(&ticket(&app, &admin.token, other, None, "对账 无关").await);

    // The picker offers the group's open tickets, never the unrelated one.
    let found = get(
        &app,
        &admin.token,
        &format!("/api/v1/tickets/{dup}/link-candidates?purpose=merge&q=对账"),
    )
    .await;
    let found: Vec<i64> = found.as_array().unwrap().iter().map(id).collect();
    assert_eq!(found, [cousin]);

    // Across unrelated accounts: refused, nothing changes.
    let response = app
        .post(
            &format!("/api/v1/tickets/{dup}/merge"),
            &admin.token,
            json!({"into_ticket_id": unrelated}),
        )
        .await;
    let e = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        e["field_keys"]["into_ticket_id"]["key"],
        "ticket.merge_other_account"
    );
    let still = get(&app, &admin.token, &format!("/api/v1/tickets/{dup}")).await;
    assert_eq!(still["merged_into_id"], Value::Null);

    // Within the group (a grandchild into a cousin): merged.
    let response = app
        .post(
            &format!("/api/v1/tickets/{dup}/merge"),
            &admin.token,
            json!({"into_ticket_id": cousin}),
        )
        .await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    let merged = get(&app, &admin.token, &format!("/api/v1/tickets/{dup}")).await;
    assert_eq!(merged["merged_into_id"], cousin);
    assert_eq!(merged["status"], "closed");

    // Once the subsidiary leaves the group, its tickets no longer merge.
    let response = set_parent(&app, &admin.token, b, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let again = id(&ticket(&app, &admin.token, g, None, "又一个").await);
    let response = app
        .post(
            &format!("/api/v1/tickets/{again}/merge"),
            &admin.token,
            json!({"into_ticket_id": cousin}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[actix_web::test]
async fn two_requests_at_once_cannot_close_a_circle() {
    let app = spawn_app().await;
    let admin = app.signup("W", "groups-race@x.cn").await;
    for round in 0..5 {
        let a = id(&app
            .create_account(&admin.token, "甲", &format!("{round}1"))
            .await);
        let b = id(&app
            .create_account(&admin.token, "乙", &format!("{round}2"))
            .await);
        // A under B and B under A, sent together: one of them at most.
        let (first, second) = tokio::join!(
            set_parent(&app, &admin.token, a, Some(b)),
            set_parent(&app, &admin.token, b, Some(a)),
        );
        let ok = [first.status(), second.status()]
            .iter()
            .filter(|s| **s == StatusCode::OK)
            .count();
        assert!(ok <= 1, "round {round}: both parents were set");
        let a_now = get(&app, &admin.token, &format!("/api/v1/accounts/{a}")).await;
        let b_now = get(&app, &admin.token, &format!("/api/v1/accounts/{b}")).await;
        assert!(
            !(a_now["parent_id"] == b && b_now["parent_id"] == a),
            "round {round}: a circle"
        );
    }
}
