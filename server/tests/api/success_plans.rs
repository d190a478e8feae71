//! Success plans, shared with the customer (issue 15): CRUD and validation,
//! what the portal shows a `customer_admin` (shared objectives, public
//! comments — checked on the wire), who marks which milestone done, the
//! staff role rules, tenant isolation, progress, and the optional "plan
//! progress" health component.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

struct World {
    app: TestApp,
    admin: Session,
    /// The account's owner.
    csm: Session,
    other_csm: Session,
    engineer: Session,
    account: i64,
    /// The customer's administrator (portal) and their contact.
    boss: Session,
    boss_contact: i64,
    /// A plain portal user of the account and their contact.
    clerk: Session,
    clerk_contact: i64,
}

async fn portal_login(
    app: &TestApp,
    admin: &Session,
    contact: i64,
    role: &str,
    email: &str,
) -> Session {
    let r = app
        .post(
            &format!("/api/v1/contacts/{contact}/portal-access"),
            &admin.token,
            json!({ "role": role }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "portal access");
    app.accept_invitation(email).await
}

async fn world(tag: &str) -> World {
    let app = spawn_app().await;
    let admin = app.signup("W", &format!("{tag}-admin@x.cn")).await;
    let csm = app.staff(&admin, "csm", &format!("{tag}-csm@x.cn")).await;
    let other_csm = app.staff(&admin, "csm", &format!("{tag}-csm2@x.cn")).await;
    let engineer = app
        .staff(&admin, "engineer", &format!("{tag}-eng@x.cn"))
        .await;
    let account = app.create_account(&csm.token, "华强电子", "100200").await["id"]
        .as_i64()
        .unwrap();
    let boss_email = format!("{tag}-boss@kehu.cn");
    let boss_contact = app
        .create_contact(&admin.token, account, "王总", &boss_email)
        .await["id"]
        .as_i64()
        .unwrap();
    let boss = portal_login(&app, &admin, boss_contact, "customer_admin", &boss_email).await;
    let clerk_email = format!("{tag}-clerk@kehu.cn");
    let clerk_contact = app
        .create_contact(&admin.token, account, "李会计", &clerk_email)
        .await["id"]
        .as_i64()
        .unwrap();
    let clerk = portal_login(&app, &admin, clerk_contact, "customer", &clerk_email).await;
    World {
        app,
        admin,
        csm,
        other_csm,
        engineer,
        account,
        boss,
        boss_contact,
        clerk,
        clerk_contact,
    }
}

async fn ok(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

async fn delete(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.request(Method::DELETE, path, Some(token), None).await
}

/// A plan with a shared objective (a milestone of the customer's and one
/// of the CSM's) and an unshared one (one milestone of the CSM's).
struct Plan {
    id: i64,
    shared: i64,
    unshared: i64,
    customer_milestone: i64,
    staff_milestone: i64,
    hidden_milestone: i64,
}

async fn plan(w: &World) -> Plan {
    let app = &w.app;
    let token = &w.csm.token;
    let plan = ok(
        app.post(
            &format!("/api/v1/accounts/{}/success-plans", w.account),
            token,
            json!({"title": "2027 年度成功计划", "staff_note": "NOTE-SECRET 客户预算紧张"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = plan["id"].as_i64().unwrap();
    let objectives = format!("/api/v1/success-plans/{id}/objectives");
    let objective = |title: &str, shared: bool| {
        app.post(
            &objectives,
            token,
            json!({"title": title, "measure": "结账天数", "target_date": "2027-06-30",
                   "shared_with_customer": shared}),
        )
    };
    let shared = ok(
        objective("月末结账从5天缩短到2天", true).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let unshared = ok(
        objective("UNSHARED-SECRET 争取增购生产模块", false).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let milestone = |objective: i64, body: Value| async move {
        app.post(
            &format!("/api/v1/success-objectives/{objective}/milestones"),
            token,
            body,
        )
        .await
    };
    let customer_milestone = ok(
        milestone(
            shared,
            json!({"title": "整理期末凭证流程", "owner_contact_id": w.clerk_contact, "due_on": "2027-03-31"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let staff_milestone = ok(
        milestone(
            shared,
            json!({"title": "配置自动转账凭证", "owner_user_id": w.csm.id()}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let hidden_milestone = ok(
        milestone(
            unshared,
            json!({"title": "HIDDEN-SECRET 报价", "owner_contact_id": w.boss_contact}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    Plan {
        id,
        shared,
        unshared,
        customer_milestone,
        staff_milestone,
        hidden_milestone,
    }
}

#[actix_web::test]
async fn plans_objectives_and_milestones_are_made_changed_and_refused_when_invalid() {
    let w = world("crud").await;
    let app = &w.app;
    let token = &w.csm.token;
    let plans_path = format!("/api/v1/accounts/{}/success-plans", w.account);

    // Invalid input: 422 with field errors, nothing made.
    let e = assert_error(
        app.post(&plans_path, token, json!({"title": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(e["fields"]["title"].is_string());
    let list = ok(app.get(&plans_path, token).await, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);

    let p = plan(&w).await;
    let plan_path = format!("/api/v1/success-plans/{}", p.id);
    let r = app.get(&plan_path, token).await;
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let before = ok(r, StatusCode::OK).await;
    assert_eq!(before["objectives"].as_array().unwrap().len(), 2);
    assert_eq!(before["can_edit"], true);

    for (path, body, field) in [
        (
            format!("/api/v1/success-plans/{}/objectives", p.id),
            json!({"title": "x".repeat(201)}),
            "title",
        ),
        (
            format!("/api/v1/success-plans/{}/objectives", p.id),
            json!({"title": "上线生产管理模块", "target_date": "0479-01-01"}),
            "target_date",
        ),
        (
            format!("/api/v1/success-objectives/{}/milestones", p.shared),
            json!({"title": "两个负责人", "owner_user_id": w.csm.id(), "owner_contact_id": w.clerk_contact}),
            "owner_user_id",
        ),
        (
            format!("/api/v1/success-objectives/{}/milestones", p.shared),
            json!({"title": "客户不是员工", "owner_user_id": w.boss.id()}),
            "owner_user_id",
        ),
        (
            format!("/api/v1/success-plans/{}/comments", p.id),
            json!({"body": " "}),
            "body",
        ),
    ] {
        let e = assert_error(
            app.post(&path, token, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(e["fields"][field].is_string(), "{path}: {e}");
    }
    // A contact of another account cannot own a milestone.
    let elsewhere = app.create_account(&w.csm.token, "别家", "100300").await["id"]
        .as_i64()
        .unwrap();
    let stranger = app
        .create_contact(token, elsewhere, "外人", "stranger@else.cn")
        .await["id"]
        .as_i64()
        .unwrap();
    let e = assert_error(
        app.patch(
            &format!("/api/v1/success-milestones/{}", p.staff_milestone),
            token,
            json!({"owner_contact_id": stranger}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        e["field_keys"]["owner_contact_id"]["key"],
        "field.contact_of_account"
    );
    let after = ok(app.get(&plan_path, token).await, StatusCode::OK).await;
    assert_eq!(after, before, "refused changes changed nothing");

    // If-Match: a stale tag is refused, the current one accepted.
    let r = app
        .client
        .patch(app.url(&plan_path))
        .bearer_auth(token)
        .header("If-Match", "\"sp1v0\"")
        .json(&json!({"title": "改名"}))
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let r = app
        .client
        .patch(app.url(&plan_path))
        .bearer_auth(token)
        .header("If-Match", &etag)
        .json(&json!({"title": "2027 年度成功计划（修订）"}))
        .send()
        .await
        .unwrap();
    let changed = ok(r, StatusCode::OK).await;
    assert_eq!(changed["title"], "2027 年度成功计划（修订）");

    // Objective and milestone changes; reassigning a milestone to a contact.
    let o = ok(
        app.patch(
            &format!("/api/v1/success-objectives/{}", p.unshared),
            token,
            json!({"status": "in_progress", "target_date": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(o["status"], "in_progress");
    assert!(o["target_date"].is_null());
    let m = ok(
        app.patch(
            &format!("/api/v1/success-milestones/{}", p.staff_milestone),
            token,
            json!({"owner_contact_id": w.boss_contact}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(m["owner_side"], "customer");
    assert_eq!(m["owner_name"], "王总");
    assert!(m["owner_user_id"].is_null());

    // Removing an objective removes its milestones.
    ok(
        delete(
            app,
            &format!("/api/v1/success-objectives/{}", p.unshared),
            token,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let now = ok(app.get(&plan_path, token).await, StatusCode::OK).await;
    assert_eq!(now["objectives"].as_array().unwrap().len(), 1);
    assert_eq!(now["progress"]["total"], 2);
    ok(
        delete(
            app,
            &format!("/api/v1/success-milestones/{}", p.staff_milestone),
            token,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;

    // Archiving keeps the plan readable.
    let archived = ok(delete(app, &plan_path, token).await, StatusCode::OK).await;
    assert_eq!(archived["status"], "archived");
    let list = ok(app.get(&plans_path, token).await, StatusCode::OK).await;
    assert_eq!(list["items"][0]["status"], "archived");

    // Every change is in the audit log.
    let audit = ok(
        app.get(
            &format!("/api/v1/audit?entity_type=success_plan&entity_id={}", p.id),
            &w.admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["create", "update", "archive"] {
        assert!(actions.contains(&action), "{actions:?}");
    }
    let audit = ok(
        app.get(
            &format!(
                "/api/v1/audit?entity_type=success_objective&entity_id={}",
                p.unshared
            ),
            &w.admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 3, "{audit}");
}

#[actix_web::test]
async fn the_portal_shows_shared_objectives_and_public_comments_only() {
    let w = world("vis").await;
    let app = &w.app;
    let p = plan(&w).await;
    ok(
        app.post(
            &format!("/api/v1/success-plans/{}/comments", p.id),
            &w.csm.token,
            json!({"body": "INTERNAL-SECRET 客户可能不续约", "internal": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    ok(
        app.post(
            &format!("/api/v1/success-plans/{}/comments", p.id),
            &w.csm.token,
            json!({"body": "王总您好，计划已更新"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    for path in [
        "/api/v1/portal/success-plans".to_string(),
        format!("/api/v1/portal/success-plans/{}", p.id),
    ] {
        let r = app.get(&path, &w.boss.token).await;
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.unwrap();
        for secret in [
            "UNSHARED-SECRET",
            "HIDDEN-SECRET",
            "INTERNAL-SECRET",
            "NOTE-SECRET",
            "staff_note",
            "shared_with_customer",
            "owner_user_id",
            "version",
        ] {
            assert!(!text.contains(secret), "{path} shows {secret}: {text}");
        }
        assert!(text.contains("月末结账从5天缩短到2天"), "{text}");
        assert!(text.contains("王总您好，计划已更新"), "{text}");
    }
    let one = ok(
        app.get(
            &format!("/api/v1/portal/success-plans/{}", p.id),
            &w.boss.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let milestones = &one["objectives"][0]["milestones"];
    assert_eq!(milestones[0]["owner_side"], "customer");
    assert_eq!(milestones[0]["can_mark_done"], true);
    assert_eq!(milestones[1]["owner_side"], "staff");
    assert_eq!(milestones[1]["can_mark_done"], false);

    // The administrator comments; an internal one is refused.
    assert_error(
        app.post(
            &format!("/api/v1/portal/success-plans/{}/comments", p.id),
            &w.boss.token,
            json!({"body": "想偷偷写", "internal": true}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let c = ok(
        app.post(
            &format!("/api/v1/portal/success-plans/{}/comments", p.id),
            &w.boss.token,
            json!({"body": "财务部本月开始试行"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(c["author_side"], "customer");
    let staff = ok(
        app.get(&format!("/api/v1/success-plans/{}", p.id), &w.csm.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let bodies: Vec<&str> = staff["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.contains(&"财务部本月开始试行"));

    // Sharing the objective later shows it; archiving the plan hides it all.
    app.patch(
        &format!("/api/v1/success-objectives/{}", p.unshared),
        &w.csm.token,
        json!({"shared_with_customer": true}),
    )
    .await;
    let text = app
        .get(
            &format!("/api/v1/portal/success-plans/{}", p.id),
            &w.boss.token,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("UNSHARED-SECRET"));
    delete(
        app,
        &format!("/api/v1/success-plans/{}", p.id),
        &w.csm.token,
    )
    .await;
    assert_error(
        app.get(
            &format!("/api/v1/portal/success-plans/{}", p.id),
            &w.boss.token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list = ok(
        app.get("/api/v1/portal/success-plans", &w.boss.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn the_customer_admin_marks_customer_milestones_done_and_nothing_else() {
    let w = world("done").await;
    let app = &w.app;
    let p = plan(&w).await;
    let done = |id: i64, token: String| async move {
        app.post(
            &format!("/api/v1/portal/success-milestones/{id}/done"),
            &token,
            json!({}),
        )
        .await
    };
    // A plain portal user does not see plans at all.
    for r in [
        app.get("/api/v1/portal/success-plans", &w.clerk.token)
            .await,
        app.get(
            &format!("/api/v1/portal/success-plans/{}", p.id),
            &w.clerk.token,
        )
        .await,
        app.post(
            &format!("/api/v1/portal/success-plans/{}/comments", p.id),
            &w.clerk.token,
            json!({"body": "我也想说"}),
        )
        .await,
        done(p.customer_milestone, w.clerk.token.clone()).await,
    ] {
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // The vendor's milestone is refused; an unshared objective's is not there.
    let e = assert_error(
        done(p.staff_milestone, w.boss.token.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(e["message_key"], "success_plan.staff_milestone");
    assert_error(
        done(p.hidden_milestone, w.boss.token.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // A milestone a contact of the account owns (not the admin themselves).
    let plan = ok(
        done(p.customer_milestone, w.boss.token.clone()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(plan["objectives"][0]["milestones"][0]["status"], "done");
    assert_eq!(
        plan["objectives"][0]["milestones"][0]["can_mark_done"],
        false
    );
    assert_eq!(plan["progress"]["done"], 1);
    // Again: nothing more happens.
    ok(
        done(p.customer_milestone, w.boss.token.clone()).await,
        StatusCode::OK,
    )
    .await;

    // Staff see who and when, and the timeline says so once.
    let staff = ok(
        app.get(&format!("/api/v1/success-plans/{}", p.id), &w.csm.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let m = &staff["objectives"][0]["milestones"][0];
    assert_eq!(m["status"], "done");
    assert_eq!(m["done_by_id"], w.boss.id());
    assert!(m["done_at"].is_string());
    let timeline = ok(
        app.get(
            &format!("/api/v1/accounts/{}/timeline", w.account),
            &w.csm.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let entries: Vec<&Value> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "milestone_done")
        .collect();
    assert_eq!(entries.len(), 1, "{timeline}");
    assert_eq!(entries[0]["summary"], "整理期末凭证流程");
    assert_eq!(entries[0]["entity_id"], p.customer_milestone);

    // Staff mark the vendor's milestone done: a second entry.
    ok(
        app.patch(
            &format!("/api/v1/success-milestones/{}", p.staff_milestone),
            &w.csm.token,
            json!({"status": "done"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let timeline = ok(
        app.get(
            &format!("/api/v1/accounts/{}/timeline", w.account),
            &w.csm.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let n = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "milestone_done")
        .count();
    assert_eq!(n, 2);
}

#[actix_web::test]
async fn staff_roles_read_all_and_change_only_their_accounts_plans() {
    let w = world("roles").await;
    let app = &w.app;
    let p = plan(&w).await;
    let plans_path = format!("/api/v1/accounts/{}/success-plans", w.account);
    let plan_path = format!("/api/v1/success-plans/{}", p.id);
    for token in [&w.other_csm.token, &w.engineer.token] {
        let r = app
            .post(&plans_path, token, json!({"title": "不是我的"}))
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
        let r = app
            .patch(&plan_path, token, json!({"title": "不是我的"}))
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
        let r = app
            .post(
                &format!("{plan_path}/objectives"),
                token,
                json!({"title": "不是我的"}),
            )
            .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
        let r = delete(
            app,
            &format!("/api/v1/success-milestones/{}", p.customer_milestone),
            token,
        )
        .await;
        assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
        // Reading and commenting are for every staff member.
        let read = ok(app.get(&plan_path, token).await, StatusCode::OK).await;
        assert_eq!(read["can_edit"], false);
        ok(
            app.post(
                &format!("{plan_path}/comments"),
                token,
                json!({"body": "已阅"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    // A milestone's staff owner marks it done, but changes nothing else.
    let m = ok(
        app.post(
            &format!("/api/v1/success-objectives/{}/milestones", p.shared),
            &w.csm.token,
            json!({"title": "现场培训总账", "owner_user_id": w.engineer.id()}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/success-milestones/{}", m["id"]);
    assert_error(
        app.patch(&path, &w.engineer.token, json!({"title": "改名"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let marked = ok(
        app.patch(&path, &w.engineer.token, json!({"status": "done"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(marked["done_by_id"], w.engineer.id());
    // Managers and admins change any account's plans.
    let manager = app.staff(&w.admin, "manager", "roles-m@x.cn").await;
    for token in [&manager.token, &w.admin.token] {
        ok(
            app.patch(&plan_path, token, json!({"staff_note": "复核"}))
                .await,
            StatusCode::OK,
        )
        .await;
    }
    // Portal users never reach the staff routes.
    assert_error(
        app.get(&plan_path, &w.boss.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[actix_web::test]
async fn another_workspace_finds_none_of_the_plans() {
    let w = world("ten").await;
    let app = &w.app;
    let p = plan(&w).await;
    let intruder = app.signup("Intruder", "ten-intruder@x.cn").await;
    // The intruder's own customer admin.
    let their_account = app
        .create_account(&intruder.token, "入侵者客户", "901")
        .await["id"]
        .as_i64()
        .unwrap();
    let their_contact = app
        .create_contact(&intruder.token, their_account, "外人", "ten-ia@kehu.cn")
        .await["id"]
        .as_i64()
        .unwrap();
    let their_admin = portal_login(
        app,
        &intruder,
        their_contact,
        "customer_admin",
        "ten-ia@kehu.cn",
    )
    .await;

    let staff_calls: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::GET,
            format!("/api/v1/accounts/{}/success-plans", w.account),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{}/success-plans", w.account),
            Some(json!({"title": "x"})),
        ),
        (Method::GET, format!("/api/v1/success-plans/{}", p.id), None),
        (
            Method::PATCH,
            format!("/api/v1/success-plans/{}", p.id),
            Some(json!({"title": "x"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/success-plans/{}", p.id),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/success-plans/{}/objectives", p.id),
            Some(json!({"title": "x"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/success-objectives/{}", p.shared),
            Some(json!({"title": "x"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/success-objectives/{}", p.shared),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/success-objectives/{}/milestones", p.shared),
            Some(json!({"title": "x"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/success-milestones/{}", p.customer_milestone),
            Some(json!({"status": "done"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/success-milestones/{}", p.customer_milestone),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/success-plans/{}/comments", p.id),
            Some(json!({"body": "x"})),
        ),
    ];
    for (method, path, body) in staff_calls {
        let r = app
            .request(method.clone(), &path, Some(&intruder.token), body)
            .await;
        assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    }
    let portal_calls: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::GET,
            format!("/api/v1/portal/success-plans/{}", p.id),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/portal/success-plans/{}/comments", p.id),
            Some(json!({"body": "x"})),
        ),
        (
            Method::POST,
            format!(
                "/api/v1/portal/success-milestones/{}/done",
                p.customer_milestone
            ),
            Some(json!({})),
        ),
    ];
    for (method, path, body) in portal_calls {
        let r = app
            .request(method.clone(), &path, Some(&their_admin.token), body)
            .await;
        assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    }
    let theirs = ok(
        app.get("/api/v1/portal/success-plans", &their_admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs.as_array().unwrap().len(), 0);
    // Nothing changed for the victim.
    let plan = ok(
        app.get(&format!("/api/v1/success-plans/{}", p.id), &w.csm.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(plan["title"], "2027 年度成功计划");
    assert_eq!(plan["progress"]["done"], 0);
    assert_eq!(plan["comments"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn progress_counts_done_of_all_milestones_and_the_portal_the_shared_ones() {
    let w = world("prog").await;
    let app = &w.app;
    let p = plan(&w).await;
    let csm_token = &w.csm.token;
    let mark = |id: i64| async move {
        app.patch(
            &format!("/api/v1/success-milestones/{id}"),
            csm_token,
            json!({"status": "done"}),
        )
        .await
    };
    ok(mark(p.customer_milestone).await, StatusCode::OK).await;
    ok(mark(p.hidden_milestone).await, StatusCode::OK).await;
    let staff = ok(
        app.get(&format!("/api/v1/success-plans/{}", p.id), &w.csm.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        staff["progress"],
        json!({"done": 2, "total": 3, "percent": 66})
    );
    assert_eq!(
        staff["shared_progress"],
        json!({"done": 1, "total": 2, "percent": 50})
    );
    assert_eq!(
        staff["objectives"][1]["progress"],
        json!({"done": 1, "total": 1, "percent": 100})
    );
    let list = ok(
        app.get(
            &format!("/api/v1/accounts/{}/success-plans", w.account),
            &w.csm.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"][0]["progress"]["percent"], 66);
    assert_eq!(list["items"][0]["objective_count"], 2);
    let portal = ok(
        app.get(
            &format!("/api/v1/portal/success-plans/{}", p.id),
            &w.boss.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        portal["progress"],
        json!({"done": 1, "total": 2, "percent": 50})
    );
    // Reopening clears who and when.
    let reopened = ok(
        app.patch(
            &format!("/api/v1/success-milestones/{}", p.customer_milestone),
            &w.csm.token,
            json!({"status": "open"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(reopened["done_at"].is_null() && reopened["done_by_id"].is_null());
    // An empty plan has no percentage.
    let empty = ok(
        app.post(
            &format!("/api/v1/accounts/{}/success-plans", w.account),
            &w.csm.token,
            json!({"title": "空计划"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        empty["progress"],
        json!({"done": 0, "total": 0, "percent": null})
    );
}

async fn health(app: &TestApp, token: &str, account: i64) -> Value {
    ok(
        app.get(&format!("/api/v1/accounts/{account}/health"), token)
            .await,
        StatusCode::OK,
    )
    .await
}

fn component<'a>(health: &'a Value, name: &str) -> &'a Value {
    health["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["component"] == name)
        .unwrap()
}

#[actix_web::test]
async fn plan_progress_is_an_optional_health_component_off_by_default() {
    let w = world("hl").await;
    let app = &w.app;
    let token = &w.admin.token;
    let bare = app
        .create_account(&w.csm.token, "无计划客户", "100400")
        .await["id"]
        .as_i64()
        .unwrap();
    let before = health(app, token, w.account).await;
    let p = plan(&w).await;
    ok(
        app.patch(
            &format!("/api/v1/success-milestones/{}", p.customer_milestone),
            &w.csm.token,
            json!({"status": "done"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Off by default: listed with weight 0, the score as before.
    let model = ok(app.get("/api/v1/health-model", token).await, StatusCode::OK).await;
    let weight = model["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["component"] == "plan_progress")
        .unwrap()["weight"]
        .clone();
    assert_eq!(weight, 0);
    let off = health(app, token, w.account).await;
    assert_eq!(off["computed_score"], before["computed_score"]);
    let c = component(&off, "plan_progress");
    assert_eq!(c["sub_score"], 33.33);
    assert_eq!(c["contribution"], 0.0);
    assert_eq!(c["explanation_key"]["key"], "health.plan_progress.done");

    // On, and the only component: the score is the plan's progress.
    let mut components: Vec<Value> = [
        "usage",
        "support",
        "onboarding",
        "training",
        "satisfaction",
        "engagement",
        "renewal",
    ]
    .iter()
    .map(|c| json!({"component": c, "weight": 0}))
    .collect();
    components.push(json!({"component": "plan_progress", "weight": 100}));
    ok(
        app.put(
            "/api/v1/health-model",
            token,
            json!({"components": components, "green_min": 70, "yellow_min": 40}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let on = health(app, token, w.account).await;
    assert_eq!(on["computed_score"], 33, "{on}");
    assert_eq!(component(&on, "plan_progress")["effective_weight"], 100.0);
    // Without a plan: no data, as for the other optional components.
    let none = health(app, token, bare).await;
    let c = component(&none, "plan_progress");
    assert!(c["sub_score"].is_null());
    assert_eq!(c["explanation_key"]["key"], "health.plan_progress.none");
    // The nightly job scores the same from its grouped queries.
    let r = app
        .post("/api/v1/admin/jobs/health-scores/run", token, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let history = ok(
        app.get(
            &format!("/api/v1/accounts/{}/health/history", w.account),
            token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let latest = history["items"]
        .as_array()
        .or_else(|| history.as_array())
        .and_then(|items| items.first().cloned())
        .expect("a snapshot");
    assert_eq!(latest["computed_score"], 33, "{history}");
    // An archived plan no longer counts.
    delete(
        app,
        &format!("/api/v1/success-plans/{}", p.id),
        &w.csm.token,
    )
    .await;
    let archived = health(app, token, w.account).await;
    assert!(component(&archived, "plan_progress")["sub_score"].is_null());
}
