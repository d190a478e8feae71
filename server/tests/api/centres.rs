//! Authorised service centres (issue 16): the invitation and its
//! acceptance, assigned accounts (the centre's own linked copy), escalation
//! to the vendor with the two-way sync of public replies and status
//! (exactly once, no loops, internal notes never crossing), the vendor's
//! roll-ups, the tenancy of the vendor–centre link, roles, certifications
//! and certified routing, and the expiry reminders (once each).

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Wednesday 2027-03-10 10:00 in Shanghai.
fn wednesday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 10, 2, 0, 0).unwrap()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_string()
}

/// A vendor with an account, a centre that accepted its invitation and
/// was assigned the account, and a second centre of the same vendor.
struct World {
    app: TestApp,
    vendor: Session,
    centre: Session,
    other: Session,
    link: i64,
    other_link: i64,
    vendor_account: i64,
    centre_account: i64,
}

async fn invite(app: &TestApp, vendor: &Session, name: &str) -> Value {
    let r = app
        .post(
            "/api/v1/service-centres",
            &vendor.token,
            json!({"name": name}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    r.json().await.unwrap()
}

async fn accept(app: &TestApp, admin: &Session, link: &Value) -> reqwest::Response {
    let token = token_of(link["invitation_link"].as_str().unwrap());
    app.post(
        "/api/v1/centre-invitations/accept",
        &admin.token,
        json!({ "token": token }),
    )
    .await
}

async fn world() -> World {
    let app = spawn_app_at(wednesday()).await;
    let vendor = app.signup("金蝶厂商", "admin@vendor.cn").await;
    let centre = app.signup("华南授权服务中心", "admin@centre.cn").await;
    let other = app.signup("华北授权服务中心", "admin@other.cn").await;
    let link = invite(&app, &vendor, "华南中心").await;
    assert_eq!(link["status"], "invited");
    let r = accept(&app, &centre, &link).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let other_link = invite(&app, &vendor, "华北中心").await;
    assert_eq!(
        accept(&app, &other, &other_link).await.status(),
        StatusCode::OK
    );
    let account = app.create_account(&vendor.token, "深圳电子", "2001").await;
    let r = app
        .post(
            &format!("/api/v1/service-centres/{}/accounts", id(&link)),
            &vendor.token,
            json!({"account_id": id(&account)}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    // The centre serves its own copy, in its own workspace.
    let centre_accounts = body(app.get("/api/v1/accounts", &centre.token).await).await;
    let copy = centre_accounts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "2001")
        .expect("the centre's copy")
        .clone();
    assert_eq!(copy["name"], "深圳电子");
    World {
        app,
        vendor,
        centre,
        other,
        link: id(&link),
        other_link: id(&other_link),
        vendor_account: id(&account),
        centre_account: id(&copy),
    }
}

async fn centre_ticket(w: &World) -> Value {
    let r = w
        .app
        .post(
            "/api/v1/tickets",
            &w.centre.token,
            json!({"account_id": w.centre_account, "module": "finance", "category": "bug",
                   "priority": "p2", "subject": "凭证过账报错", "description": "月末结账时报错 E1024"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    r.json().await.unwrap()
}

async fn comment(app: &TestApp, token: &str, ticket: i64, text: &str, internal: bool) {
    let r = app
        .post(
            &format!("/api/v1/tickets/{ticket}/comments"),
            token,
            json!({"body": text, "internal": internal}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
}

async fn comments(app: &TestApp, token: &str, ticket: i64) -> Vec<Value> {
    body(
        app.get(&format!("/api/v1/tickets/{ticket}/comments"), token)
            .await,
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

async fn to_tier_three(app: &TestApp, token: &str, ticket: i64) {
    for _ in 0..2 {
        let r = app
            .post(
                &format!("/api/v1/tickets/{ticket}/escalate"),
                token,
                json!({"reason": "需要上级处理"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }
}

/// Escalates a centre ticket to the vendor; returns the vendor's ticket.
async fn escalated(w: &World) -> (i64, i64) {
    let ticket = centre_ticket(w).await;
    let t = id(&ticket);
    comment(&w.app, &w.centre.token, t, "您好，我们正在排查", false).await;
    comment(&w.app, &w.centre.token, t, "内部：客户操作不规范", true).await;
    to_tier_three(&w.app, &w.centre.token, t).await;
    let r = w
        .app
        .post(
            &format!("/api/v1/tickets/{t}/escalate-to-vendor"),
            &w.centre.token,
            json!({"reason": "疑似产品缺陷", "share_fields": ["description", "priority"]}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let bridge: Value = r.json().await.unwrap();
    assert_eq!(bridge["side"], "centre");
    assert_eq!(bridge["counterpart"], "金蝶厂商");
    let number = bridge["counterpart_number"].as_i64().unwrap();
    let list = body(w.app.get("/api/v1/tickets", &w.vendor.token).await).await;
    let vendor_ticket = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["number"].as_i64() == Some(number))
        .expect("the vendor's linked ticket")
        .clone();
    assert_eq!(vendor_ticket["account_id"].as_i64(), Some(w.vendor_account));
    assert_eq!(vendor_ticket["subject"], "凭证过账报错");
    assert_eq!(vendor_ticket["priority"], "p2");
    assert_eq!(
        vendor_ticket["category"], "question",
        "category was not shared"
    );
    (t, id(&vendor_ticket))
}

#[actix_web::test]
async fn invitation_is_accepted_once_by_another_workspace_admin() {
    let app = spawn_app_at(wednesday()).await;
    let vendor = app.signup("金蝶厂商", "admin@vendor.cn").await;
    let centre = app.signup("华南授权服务中心", "admin@centre.cn").await;
    let link = invite(&app, &vendor, "华南中心").await;
    let token = token_of(link["invitation_link"].as_str().unwrap());
    // The acceptance page's preview needs no sign-in.
    let r = app
        .request(
            reqwest::Method::POST,
            "/api/v1/centre-invitations/preview",
            None,
            Some(json!({ "token": token })),
        )
        .await;
    let preview = body(r).await;
    assert_eq!(preview["vendor_name"], "金蝶厂商");
    assert_eq!(preview["centre_name"], "华南中心");
    // The vendor's own admin cannot accept it for the vendor.
    assert_error(
        accept(&app, &vendor, &link).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A non-admin of the centre may not accept.
    let engineer = app.staff(&centre, "engineer", "eng@centre.cn").await;
    assert_error(
        accept(&app, &engineer, &link).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let r = accept(&app, &centre, &link).await;
    assert_eq!(r.status(), StatusCode::OK);
    let vendors = body(r).await;
    assert_eq!(vendors["vendor_name"], "金蝶厂商");
    assert_eq!(vendors["status"], "active");
    // Used: a second acceptance, by anyone, is refused.
    let third = app.signup("第三方", "admin@third.cn").await;
    assert_error(
        accept(&app, &third, &link).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A second invitation for the same centre: already linked.
    let again = invite(&app, &vendor, "华南中心 2").await;
    assert_error(
        accept(&app, &centre, &again).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // Revoked invitations cannot be accepted.
    let r = app
        .post(
            &format!("/api/v1/service-centres/{}/revoke", id(&again)),
            &vendor.token,
            json!({}),
        )
        .await;
    assert_eq!(body(r).await["status"], "revoked");
    assert_error(
        accept(&app, &third, &again).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Expired ones neither.
    let late = invite(&app, &vendor, "过期").await;
    app.clock.as_ref().unwrap().advance(Duration::days(15));
    assert_error(
        accept(&app, &third, &late).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let list = body(app.get("/api/v1/service-centres", &vendor.token).await).await;
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["expired", "revoked", "active"]);
    assert!(
        list[0]["invitation_link"].is_null(),
        "the link is shown once"
    );
    let mine = body(app.get("/api/v1/vendors", &centre.token).await).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn escalation_carries_only_public_conversation_and_syncs_both_ways_once() {
    let w = world().await;
    let app = &w.app;
    let (centre_t, vendor_t) = escalated(&w).await;
    let vendor_view = comments(app, &w.vendor.token, vendor_t).await;
    let bodies: Vec<&str> = vendor_view
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["您好，我们正在排查"], "internal notes never cross");
    assert_eq!(vendor_view[0]["via"], "centre");
    let vendor_ticket = body(
        app.get(&format!("/api/v1/tickets/{vendor_t}"), &w.vendor.token)
            .await,
    )
    .await;
    assert_eq!(vendor_ticket["description"], "月末结账时报错 E1024");

    // The vendor's internal note stays; its public reply reaches the centre once.
    comment(
        app,
        &w.vendor.token,
        vendor_t,
        "厂商内部：已知缺陷 #88",
        true,
    )
    .await;
    comment(app, &w.vendor.token, vendor_t, "请安装补丁 SP2", false).await;
    let centre_view = comments(app, &w.centre.token, centre_t).await;
    let bodies: Vec<&str> = centre_view
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "您好，我们正在排查",
            "内部：客户操作不规范",
            "请安装补丁 SP2"
        ]
    );
    assert_eq!(centre_view[2]["via"], "vendor");
    assert_eq!(centre_view[2]["internal"], false);

    // The centre's reply reaches the vendor once, and is not echoed back.
    comment(app, &w.centre.token, centre_t, "已安装，问题解决", false).await;
    let vendor_view = comments(app, &w.vendor.token, vendor_t).await;
    let bodies: Vec<&str> = vendor_view
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "您好，我们正在排查",
            "厂商内部：已知缺陷 #88",
            "请安装补丁 SP2",
            "已安装，问题解决"
        ],
        "the vendor's own note stays its own; the centre's never arrives"
    );
    assert_eq!(comments(app, &w.centre.token, centre_t).await.len(), 4);

    // Status flows both ways, once.
    let set = |token: String, t: i64, status: &'static str| async move {
        let r = app
            .patch(
                &format!("/api/v1/tickets/{t}"),
                &token,
                json!({"status": status}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    };
    let status = |token: String, t: i64| async move {
        body(app.get(&format!("/api/v1/tickets/{t}"), &token).await).await["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    set(w.vendor.token.clone(), vendor_t, "pending_customer").await;
    assert_eq!(
        status(w.centre.token.clone(), centre_t).await,
        "pending_customer"
    );
    set(w.centre.token.clone(), centre_t, "open").await;
    assert_eq!(status(w.vendor.token.clone(), vendor_t).await, "open");
    set(w.vendor.token.clone(), vendor_t, "resolved").await;
    assert_eq!(status(w.centre.token.clone(), centre_t).await, "resolved");
    let timeline = body(
        app.get(
            &format!("/api/v1/tickets/{centre_t}/timeline"),
            &w.centre.token,
        )
        .await,
    )
    .await;
    let linked = timeline
        .as_array()
        .or(timeline["items"].as_array())
        .unwrap()
        .iter()
        .filter(|e| e.to_string().contains("linked_ticket"))
        .count();
    assert_eq!(
        linked, 2,
        "pending_customer and resolved came from the vendor, once each"
    );

    // The link indicator on both sides.
    let centre_link = body(
        app.get(
            &format!("/api/v1/tickets/{centre_t}/centre-link"),
            &w.centre.token,
        )
        .await,
    )
    .await;
    assert_eq!(centre_link["side"], "centre");
    assert_eq!(
        centre_link["shared_fields"],
        json!(["description", "priority"])
    );
    let vendor_link = body(
        app.get(
            &format!("/api/v1/tickets/{vendor_t}/centre-link"),
            &w.vendor.token,
        )
        .await,
    )
    .await;
    assert_eq!(vendor_link["side"], "vendor");
    assert_eq!(vendor_link["counterpart"], "华南授权服务中心");
    assert_eq!(vendor_link["reason"], "疑似产品缺陷");
    // Escalating twice is refused.
    let r = app
        .post(
            &format!("/api/v1/tickets/{centre_t}/escalate-to-vendor"),
            &w.centre.token,
            json!({"reason": "again"}),
        )
        .await;
    assert!(r.status().is_client_error());
}

#[actix_web::test]
async fn the_link_isolates_vendor_and_centres() {
    let w = world().await;
    let app = &w.app;
    let (centre_t, vendor_t) = escalated(&w).await;
    // A centre sees nothing of the vendor beyond the linked ticket's mirror.
    for path in [
        format!("/api/v1/tickets/{vendor_t}"),
        format!("/api/v1/tickets/{vendor_t}/comments"),
        format!("/api/v1/tickets/{vendor_t}/centre-link"),
        format!("/api/v1/accounts/{}", w.vendor_account),
        format!("/api/v1/service-centres/{}", w.link),
        format!("/api/v1/service-centres/{}/accounts", w.link),
    ] {
        assert_error(
            app.get(&path, &w.centre.token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    assert_eq!(
        body(app.get("/api/v1/service-centres", &w.centre.token).await).await,
        json!([])
    );
    // The other centre sees nothing of the first, nor of the vendor.
    for path in [
        format!("/api/v1/tickets/{centre_t}"),
        format!("/api/v1/tickets/{centre_t}/centre-link"),
        format!("/api/v1/tickets/{vendor_t}"),
        format!("/api/v1/accounts/{}", w.centre_account),
        format!("/api/v1/service-centres/{}", w.other_link),
    ] {
        assert_error(
            app.get(&path, &w.other.token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let other_tickets = body(app.get("/api/v1/tickets", &w.other.token).await).await;
    assert_eq!(other_tickets["items"], json!([]));
    // The vendor sees nothing of the centre beyond the roll-ups and its
    // linked ticket.
    for path in [
        format!("/api/v1/tickets/{centre_t}"),
        format!("/api/v1/tickets/{centre_t}/comments"),
        format!("/api/v1/accounts/{}", w.centre_account),
    ] {
        assert_error(
            app.get(&path, &w.vendor.token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let r = app
        .post(
            &format!("/api/v1/tickets/{centre_t}/comments"),
            &w.vendor.token,
            json!({"body": "x", "internal": false}),
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    // The other centre cannot escalate the first centre's ticket, nor act
    // on the vendor's links.
    let r = app
        .post(
            &format!("/api/v1/tickets/{centre_t}/escalate-to-vendor"),
            &w.other.token,
            json!({"reason": "x"}),
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    for path in [
        format!("/api/v1/service-centres/{}/revoke", w.link),
        format!("/api/v1/service-centres/{}/accounts", w.link),
    ] {
        let r = app
            .post(
                &path,
                &w.other.token,
                json!({"account_id": w.centre_account}),
            )
            .await;
        assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    }
    // Roll-ups: figures only.
    let centres = body(app.get("/api/v1/service-centres", &w.vendor.token).await).await;
    let south = centres
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"].as_i64() == Some(w.link))
        .unwrap()
        .clone();
    assert_eq!(south["rollup"]["accounts"], 1);
    assert_eq!(south["rollup"]["open_tickets"], 1);
    assert_eq!(south["workspace_name"], "华南授权服务中心");
    let north = centres
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"].as_i64() == Some(w.other_link))
        .unwrap()
        .clone();
    assert_eq!(north["rollup"]["accounts"], 0);
    // The vendor's account is with one centre at a time.
    let r = app
        .post(
            &format!("/api/v1/service-centres/{}/accounts", w.other_link),
            &w.vendor.token,
            json!({"account_id": w.vendor_account}),
        )
        .await;
    assert_error(r, StatusCode::CONFLICT, "conflict").await;
    // Revoked: the linked tickets stop syncing and escalation stops.
    let r = app
        .post(
            &format!("/api/v1/service-centres/{}/revoke", w.link),
            &w.vendor.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    comment(app, &w.vendor.token, vendor_t, "撤销后的回复", false).await;
    let centre_view = comments(app, &w.centre.token, centre_t).await;
    assert!(centre_view.iter().all(|c| c["body"] != "撤销后的回复"));
}

#[actix_web::test]
async fn escalation_rules_and_roles() {
    let w = world().await;
    let app = &w.app;
    let ticket = centre_ticket(&w).await;
    let t = id(&ticket);
    // Only a tier-3 ticket goes to the vendor.
    let r = app
        .post(
            &format!("/api/v1/tickets/{t}/escalate-to-vendor"),
            &w.centre.token,
            json!({"reason": "x"}),
        )
        .await;
    let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(e.to_string().contains("tier"), "{e}");
    to_tier_three(app, &w.centre.token, t).await;
    // An engineer of the centre may not; nor a CSM.
    let engineer = app.staff(&w.centre, "engineer", "eng@centre.cn").await;
    let r = app
        .post(
            &format!("/api/v1/tickets/{t}/escalate-to-vendor"),
            &engineer.token,
            json!({"reason": "x"}),
        )
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    // A private attachment id, or one of another ticket, cannot be shared.
    let r = app
        .post(
            &format!("/api/v1/tickets/{t}/escalate-to-vendor"),
            &w.centre.token,
            json!({"reason": "x", "share_attachment_ids": [999999]}),
        )
        .await;
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // Bad input: 4xx, nothing changed.
    let r = app
        .post(
            &format!("/api/v1/tickets/{t}/escalate-to-vendor"),
            &w.centre.token,
            json!({"reason": "", "share_fields": ["description"]}),
        )
        .await;
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let r = app
        .post(
            &format!("/api/v1/tickets/{t}/escalate-to-vendor"),
            &w.centre.token,
            json!({"reason": "x", "share_fields": ["internal_notes"]}),
        )
        .await;
    assert!(r.status().is_client_error());
    assert_eq!(
        body(app.get("/api/v1/tickets", &w.vendor.token).await).await["items"],
        json!([])
    );
    // A ticket of the centre's own account (not assigned by a vendor).
    let own = app
        .create_account(&w.centre.token, "本地客户", "3001")
        .await;
    let r = app
        .post(
            "/api/v1/tickets",
            &w.centre.token,
            json!({"account_id": id(&own), "module": "sales", "category": "bug",
                   "priority": "p3", "subject": "本地", "description": ""}),
        )
        .await;
    let own_t = id(&body(r).await);
    to_tier_three(app, &w.centre.token, own_t).await;
    let r = app
        .post(
            &format!("/api/v1/tickets/{own_t}/escalate-to-vendor"),
            &w.centre.token,
            json!({"reason": "x"}),
        )
        .await;
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // Vendor roles: managers read centres and assign; only admins invite
    // and revoke; CSMs and engineers neither.
    let manager = app.staff(&w.vendor, "manager", "mgr@vendor.cn").await;
    let csm = app.staff(&w.vendor, "csm", "csm@vendor.cn").await;
    assert_eq!(
        app.get("/api/v1/service-centres", &manager.token)
            .await
            .status(),
        StatusCode::OK
    );
    let r = app
        .post(
            "/api/v1/service-centres",
            &manager.token,
            json!({"name": "x"}),
        )
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = app
        .post(
            &format!("/api/v1/service-centres/{}/revoke", w.link),
            &manager.token,
            json!({}),
        )
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    assert_error(
        app.get("/api/v1/service-centres", &csm.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/service-centres/{}/accounts", w.link),
            &csm.token,
            json!({"account_id": w.vendor_account}),
        )
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    // Portal users reach none of it.
    let (_, customer) = app.portal_user(&w.vendor, "kehu@kehu.cn", "1001").await;
    for path in [
        "/api/v1/service-centres",
        "/api/v1/vendors",
        "/api/v1/settings/routing",
    ] {
        assert_error(
            app.get(path, &customer.token).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let r = app
        .post(
            "/api/v1/service-centres",
            &w.vendor.token,
            json!({"name": ""}),
        )
        .await;
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // Unassigning: the centre keeps its copy, but escalation stops.
    let r = app
        .request(
            reqwest::Method::DELETE,
            &format!(
                "/api/v1/service-centres/{}/accounts/{}",
                w.link, w.vendor_account
            ),
            Some(&w.vendor.token),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .post(
            &format!("/api/v1/tickets/{t}/escalate-to-vendor"),
            &w.centre.token,
            json!({"reason": "x"}),
        )
        .await;
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(
        app.get(
            &format!("/api/v1/accounts/{}", w.centre_account),
            &w.centre.token
        )
        .await
        .status(),
        StatusCode::OK
    );
}

async fn certify(
    app: &TestApp,
    admin: &Session,
    user: i64,
    module: &str,
    expires_on: &str,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/users/{user}/certifications"),
        &admin.token,
        json!({"module": module, "certificate_no": "KD-2027-001", "expires_on": expires_on}),
    )
    .await
}

#[actix_web::test]
async fn certified_routing_assigns_only_certified_engineers() {
    let app = spawn_app_at(wednesday()).await;
    let admin = app.signup("华南授权服务中心", "admin@centre.cn").await;
    let certified = app.staff(&admin, "engineer", "li@centre.cn").await;
    let uncertified = app.staff(&admin, "engineer", "wang@centre.cn").await;
    let expired = app.staff(&admin, "engineer", "zhao@centre.cn").await;
    let r = certify(&app, &admin, certified.id(), "finance", "2027-12-31").await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(
        certify(&app, &admin, expired.id(), "finance", "2027-03-01")
            .await
            .status(),
        StatusCode::CREATED
    );
    // Once per user and module; only admins; staff only; not across workspaces.
    assert_error(
        certify(&app, &admin, certified.id(), "finance", "2028-01-01").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_error(
        certify(&app, &certified, uncertified.id(), "sales", "2028-01-01").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let other = app.signup("别家", "admin@other.cn").await;
    assert_error(
        certify(&app, &other, certified.id(), "sales", "2028-01-01").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        app.get(
            &format!("/api/v1/users/{}/certifications", certified.id()),
            &other.token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let held = body(
        app.get(
            &format!("/api/v1/users/{}/certifications", certified.id()),
            &uncertified.token,
        )
        .await,
    )
    .await;
    assert_eq!(held[0]["module"], "finance");
    // The setting: admins write, staff read.
    let r = app
        .put(
            "/api/v1/settings/routing",
            &certified.token,
            json!({"certified_only": true}),
        )
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = app
        .put(
            "/api/v1/settings/routing",
            &admin.token,
            json!({"certified_only": true}),
        )
        .await;
    assert_eq!(body(r).await["certified_only"], true);
    assert_eq!(
        body(app.get("/api/v1/settings/routing", &certified.token).await).await["certified_only"],
        true
    );
    assert_eq!(
        body(app.get("/api/v1/settings/routing", &other.token).await).await["certified_only"],
        false
    );

    let account = app.create_account(&admin.token, "深圳电子", "2001").await;
    let open = |module: &'static str| {
        let app = &app;
        let admin = &admin;
        let account = id(&account);
        async move {
            let r = app
                .post(
                    "/api/v1/tickets",
                    &admin.token,
                    json!({"account_id": account, "module": module, "category": "bug",
                           "priority": "p2", "subject": "报错", "description": ""}),
                )
                .await;
            body(r).await
        }
    };
    // Tier 1: no module owner, so the certified engineer takes it.
    let finance = open("finance").await;
    assert_eq!(finance["assignee_id"].as_i64(), Some(certified.id()));
    // Tier 2: among engineers only the certified one, not the expired.
    let r = app
        .post(
            &format!("/api/v1/tickets/{}/escalate", id(&finance)),
            &admin.token,
            json!({"reason": "难"}),
        )
        .await;
    assert_eq!(body(r).await["assignee_id"].as_i64(), Some(certified.id()));
    // Nobody is certified for sales: a clear refusal, nothing changed.
    let sales = open("sales").await;
    assert!(sales["assignee_id"].is_null());
    let r = app
        .post(
            &format!("/api/v1/tickets/{}/escalate", id(&sales)),
            &admin.token,
            json!({"reason": "难"}),
        )
        .await;
    let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(e.to_string().contains("certified"), "{e}");
    let after = body(
        app.get(&format!("/api/v1/tickets/{}", id(&sales)), &admin.token)
            .await,
    )
    .await;
    assert_eq!(after["tier"], 1);
    // Setting off: anyone again.
    app.put(
        "/api/v1/settings/routing",
        &admin.token,
        json!({"certified_only": false}),
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/tickets/{}/escalate", id(&sales)),
            &admin.token,
            json!({"reason": "难"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Deleting: admins only, in their workspace.
    let cert = held[0]["id"].as_i64().unwrap();
    let del = |token: String| {
        let app = &app;
        async move {
            app.request(
                reqwest::Method::DELETE,
                &format!("/api/v1/certifications/{cert}"),
                Some(&token),
                None,
            )
            .await
        }
    };
    assert_error(
        del(other.token.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        del(certified.token.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        del(admin.token.clone()).await.status(),
        StatusCode::NO_CONTENT
    );
}

async fn run_reminders(app: &TestApp, admin: &Session) -> i64 {
    let r = app
        .post(
            "/api/v1/admin/jobs/certification-reminders/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    body(r).await["summary"]["reminders"].as_i64().unwrap()
}

#[actix_web::test]
async fn expiring_certifications_remind_each_admin_once() {
    let app = spawn_app_at(wednesday()).await;
    let admin = app.signup("华南授权服务中心", "admin@centre.cn").await;
    let second = app.staff(&admin, "admin", "admin2@centre.cn").await;
    let engineer = app.staff(&admin, "engineer", "li@centre.cn").await;
    // 20 days left: due now; 60 days left: not yet.
    certify(&app, &admin, engineer.id(), "finance", "2027-03-30").await;
    certify(&app, &admin, engineer.id(), "sales", "2027-05-09").await;
    assert_eq!(run_reminders(&app, &admin).await, 2, "one per admin");
    assert_eq!(run_reminders(&app, &second).await, 0, "never twice");
    let mail = app.mail.wait_for("admin2@centre.cn").await;
    assert!(mail.body().contains("2027-03-30"), "{}", mail.body());
    // Thirty days on, the sales certification is due: once per admin.
    app.clock.as_ref().unwrap().advance(Duration::days(30));
    let admin = app.login_ok("admin@centre.cn").await;
    assert_eq!(run_reminders(&app, &admin).await, 2);
    assert_eq!(run_reminders(&app, &admin).await, 0);
    // Another workspace's run covers only its own.
    let other = app.signup("别家", "admin@other.cn").await;
    assert_eq!(run_reminders(&app, &other).await, 0);
}

/// Public replies on both sides of a linked pair at the same moment: every
/// one is accepted (no deadlock between the two tickets' locks, which each
/// reply takes in the same order) and each crosses exactly once.
#[actix_web::test]
async fn replies_on_both_sides_at_once_all_land_and_cross_once() {
    let w = world().await;
    let (centre_t, vendor_t) = escalated(&w).await;
    let before_centre = comments(&w.app, &w.centre.token, centre_t).await.len();
    let before_vendor = comments(&w.app, &w.vendor.token, vendor_t).await.len();
    let rounds = 8;
    for round in 0..rounds {
        let path_c = format!("/api/v1/tickets/{centre_t}/comments");
        let path_v = format!("/api/v1/tickets/{vendor_t}/comments");
        let (c, v) = futures_util::join!(
            w.app.post(
                &path_c,
                &w.centre.token,
                json!({"body": format!("中心回复 {round}"), "internal": false}),
            ),
            w.app.post(
                &path_v,
                &w.vendor.token,
                json!({"body": format!("厂商回复 {round}"), "internal": false}),
            ),
        );
        assert_eq!(
            c.status(),
            StatusCode::CREATED,
            "{}",
            c.text().await.unwrap()
        );
        assert_eq!(
            v.status(),
            StatusCode::CREATED,
            "{}",
            v.text().await.unwrap()
        );
    }
    let on_centre = comments(&w.app, &w.centre.token, centre_t).await;
    let on_vendor = comments(&w.app, &w.vendor.token, vendor_t).await;
    assert_eq!(on_centre.len(), before_centre + 2 * rounds);
    assert_eq!(on_vendor.len(), before_vendor + 2 * rounds);
    for round in 0..rounds {
        for text in [format!("中心回复 {round}"), format!("厂商回复 {round}")] {
            for side in [&on_centre, &on_vendor] {
                assert_eq!(
                    side.iter().filter(|c| c["body"] == text.as_str()).count(),
                    1,
                    "{text}"
                );
            }
        }
    }
}

/// The centre's customer hears of what the vendor does on the linked
/// ticket as if the centre had done it: the vendor's public reply and its
/// resolution each reach the requester once; internal notes never do.
#[actix_web::test]
async fn the_centres_customer_hears_the_vendors_reply_and_resolution_once() {
    let w = world().await;
    let contact = w
        .app
        .create_contact(&w.centre.token, w.centre_account, "李工", "li@kehu.cn")
        .await;
    let r = w
        .app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", id(&contact)),
            &w.centre.token,
            json!({"role": "customer"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let customer = w.app.accept_invitation("li@kehu.cn").await;
    let r = w
        .app
        .post(
            "/api/v1/portal/tickets",
            &customer.token,
            json!({"module": "finance", "category": "bug", "priority": "p2",
                   "subject": "凭证过账报错", "description": "月末结账时报错 E1024"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let t = id(&body(r).await);
    to_tier_three(&w.app, &w.centre.token, t).await;
    let r = w
        .app
        .post(
            &format!("/api/v1/tickets/{t}/escalate-to-vendor"),
            &w.centre.token,
            json!({"reason": "疑似产品缺陷", "share_fields": ["description"]}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let number = body(r).await["counterpart_number"].as_i64().unwrap();
    let list = body(w.app.get("/api/v1/tickets", &w.vendor.token).await).await;
    let vendor_t = id(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["number"].as_i64() == Some(number))
        .unwrap());
    // The receipt of the ticket the customer opened comes first.
    let receipt = w.app.mail.wait_for("li@kehu.cn").await;
    assert!(receipt.body().contains("凭证过账报错"));
    w.app.mail.messages.lock().unwrap().clear();

    comment(
        &w.app,
        &w.vendor.token,
        vendor_t,
        "厂商内部：缺陷 #4711",
        true,
    )
    .await;
    comment(
        &w.app,
        &w.vendor.token,
        vendor_t,
        "补丁 PT-2031 已修复该问题",
        false,
    )
    .await;
    let reply = w.app.mail.wait_for("li@kehu.cn").await;
    assert!(reply.body().contains("PT-2031"), "{}", reply.body());
    let r = w
        .app
        .patch(
            &format!("/api/v1/tickets/{vendor_t}"),
            &w.vendor.token,
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let centre_ticket = body(
        w.app
            .get(&format!("/api/v1/tickets/{t}"), &w.centre.token)
            .await,
    )
    .await;
    assert_eq!(centre_ticket["status"], "resolved");
    // Wait for the resolution's mail (the second to the customer).
    for _ in 0..200 {
        if w.app
            .mail
            .messages
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.contains("li@kehu.cn")))
            .count()
            >= 2
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let to_customer: Vec<_> = w
        .app
        .mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("li@kehu.cn")))
        .cloned()
        .collect();
    assert_eq!(
        to_customer.len(),
        2,
        "the reply and the resolution, once each"
    );
    assert!(to_customer.iter().all(|m| !m.body().contains("#4711")));
    assert!(
        to_customer[1].body().contains("/satisfaction"),
        "{}",
        to_customer[1].body()
    );
}

/// The vendor's service report counts the tickets each centre escalated,
/// per centre, and the figure opens exactly those tickets in the queue; a
/// centre's own report has no such breakdown.
#[actix_web::test]
async fn the_service_report_breaks_escalated_tickets_down_by_centre() {
    let w = world().await;
    let (_, vendor_t) = escalated(&w).await;
    // A ticket of the vendor's own, not escalated.
    let own = w
        .app
        .post(
            "/api/v1/tickets",
            &w.vendor.token,
            json!({"account_id": w.vendor_account, "module": "finance", "category": "bug",
                   "priority": "p3", "subject": "厂商自己的工单"}),
        )
        .await;
    assert_eq!(own.status(), StatusCode::CREATED);
    let period = "from=2027-01-01&to=2027-12-31";
    let report = body(
        w.app
            .get(
                &format!("/api/v1/reports/service?{period}"),
                &w.vendor.token,
            )
            .await,
    )
    .await;
    assert_eq!(report["totals"]["tickets"], 2, "{report}");
    let groups = report["by_centre"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{report}");
    assert_eq!(groups[0]["key"], w.link.to_string());
    assert_eq!(groups[0]["name"], "华南中心");
    assert_eq!(groups[0]["figures"]["tickets"], 1);
    // A filter that leaves the escalated ticket out leaves the group out.
    let report = body(
        w.app
            .get(
                &format!("/api/v1/reports/service?{period}&module=sales"),
                &w.vendor.token,
            )
            .await,
    )
    .await;
    assert_eq!(report["by_centre"], json!([]), "{report}");

    let queue = body(
        w.app
            .get(
                &format!("/api/v1/tickets?centre_id={}", w.link),
                &w.vendor.token,
            )
            .await,
    )
    .await;
    let ids: Vec<i64> = queue["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids, vec![vendor_t]);
    let queue = body(
        w.app
            .get(
                &format!("/api/v1/tickets?centre_id={}", w.other_link),
                &w.vendor.token,
            )
            .await,
    )
    .await;
    assert_eq!(queue["items"], json!([]));
    // The centre's own report and queue know nothing of the vendor's link.
    let report = body(
        w.app
            .get(
                &format!("/api/v1/reports/service?{period}"),
                &w.centre.token,
            )
            .await,
    )
    .await;
    assert_eq!(report["by_centre"], json!([]), "{report}");
    let queue = body(
        w.app
            .get(
                &format!("/api/v1/tickets?centre_id={}", w.link),
                &w.centre.token,
            )
            .await,
    )
    .await;
    assert_eq!(queue["items"], json!([]));
}
