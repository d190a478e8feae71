//! Merging duplicate tickets, linking tickets (related, parent/children)
//! and resolving a parent's children with one reply (issue 15).

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use server::entity::{email_outbox, ticket_comments, ticket_links};

use crate::helpers::*;
use crate::reminders::flush;

/// Monday 2027-03-01, 10:00 in Shanghai (the future: tokens are checked
/// against the real time too).
fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap()
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// A portal login (`customer`) for a new contact of an existing account.
async fn requester(app: &TestApp, admin: &Session, account_id: i64, email: &str) -> Session {
    let contact = app
        .create_contact(&admin.token, account_id, "联系人", email)
        .await;
    let response = app
        .post(
            &format!("/api/v1/contacts/{}/portal-access", contact["id"]),
            &admin.token,
            json!({"role": "customer"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "portal access");
    app.accept_invitation(email).await
}

/// A staff ticket of `account_id` asked by `requester`.
pub(crate) async fn ticket(
    app: &TestApp,
    token: &str,
    account_id: i64,
    requester: Option<i64>,
    subject: &str,
) -> Value {
    let response = app
        .post(
            "/api/v1/tickets",
            token,
            json!({"account_id": account_id, "module": "finance", "category": "bug",
                   "priority": "p3", "subject": subject, "requester_user_id": requester}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "create ticket");
    response.json().await.unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

async fn comment(app: &TestApp, token: &str, path: &str, body: &str, internal: bool) -> Value {
    let response = app
        .post(path, token, json!({"body": body, "internal": internal}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "comment on {path}");
    response.json().await.unwrap()
}

async fn upload(app: &TestApp, token: &str, path: &str, name: &str, internal: bool) -> Value {
    let response = app
        .client
        .post(app.url(&format!(
            "{path}?file_name={name}{}",
            if internal { "&internal=true" } else { "" }
        )))
        .bearer_auth(token)
        .header("Content-Type", "text/plain")
        .body(format!("{name}: 凭证号 0042 过账失败"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "upload {name}");
    response.json().await.unwrap()
}

/// Subjects of the mails `to` received.
fn subjects_to(app: &TestApp, to: &str) -> Vec<String> {
    app.mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .map(|m| m.header("Subject").unwrap_or_default())
        .collect()
}

/// Bodies of the mails `to` received.
fn bodies_to(app: &TestApp, to: &str) -> Vec<String> {
    app.mail
        .messages
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .map(|m| m.body())
        .collect()
}

async fn outbox_rows(app: &TestApp) -> u64 {
    email_outbox::Entity::find()
        .count(&app.app_state.db.read)
        .await
        .unwrap()
}

async fn comment_rows_of(app: &TestApp, ticket_id: i64) -> u64 {
    ticket_comments::Entity::find()
        .filter(ticket_comments::Column::TicketId.eq(ticket_id))
        .count(&app.app_state.db.read)
        .await
        .unwrap()
}

fn kinds(timeline: &Value) -> Vec<String> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn audit_actions(app: &TestApp, admin: &Session, entity: &str, id: i64) -> Vec<String> {
    let page = get(
        app,
        &admin.token,
        &format!("/api/v1/audit?entity_type={entity}&entity_id={id}"),
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn a_merge_moves_the_conversation_and_tells_the_requester_once() {
    let app = spawn_app_at(monday()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "merge@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "merge-eng@x.cn").await;
    let account = app.create_account(&admin.token, "华强电子", "100").await;
    let account_id = id_of(&account);
    let alice = requester(&app, &admin, account_id, "alice@hq.cn").await;
    let bob = requester(&app, &admin, account_id, "bob@hq.cn").await;
    // Alice reads English: her mail and the note she reads are in English.
    let me = app
        .request(
            Method::PATCH,
            "/api/v1/me",
            Some(&alice.token),
            Some(json!({"locale": "en"})),
        )
        .await;
    assert_eq!(me.status(), StatusCode::OK);

    let target = ticket(
        &app,
        &engineer.token,
        account_id,
        Some(bob.id()),
        "凭证过账失败",
    )
    .await;
    let dup = ticket(
        &app,
        &engineer.token,
        account_id,
        Some(alice.id()),
        "无法过账",
    )
    .await;
    let (t, d) = (id_of(&target), id_of(&dup));
    let t_number = target["number"].as_i64().unwrap();

    // The conversations interleave in time; the duplicate's first comment
    // is the oldest of all although it was written last.
    clock.advance(Duration::minutes(20));
    let t_reply = comment(
        &app,
        &engineer.token,
        &format!("/api/v1/tickets/{t}/comments"),
        "请提供凭证号",
        false,
    )
    .await;
    clock.advance(Duration::minutes(10));
    let d_note = comment(
        &app,
        &engineer.token,
        &format!("/api/v1/tickets/{d}/comments"),
        "可能与 #1 相同",
        true,
    )
    .await;
    clock.set(monday() + Duration::minutes(5));
    let d_customer = comment(
        &app,
        &alice.token,
        &format!("/api/v1/portal/tickets/{d}/comments"),
        "截图见附件",
        false,
    )
    .await;
    clock.set(monday() + Duration::minutes(40));
    let public_file = upload(
        &app,
        &alice.token,
        &format!("/api/v1/portal/tickets/{d}/attachments"),
        "error.txt",
        false,
    )
    .await;
    let internal_file = upload(
        &app,
        &engineer.token,
        &format!("/api/v1/tickets/{d}/attachments"),
        "log.txt",
        true,
    )
    .await;
    assert_eq!(internal_file["internal"], true);
    flush(&app).await;
    let before_merge = subjects_to(&app, "alice@hq.cn").len();

    clock.advance(Duration::minutes(5));
    let merged_at = clock_now(&app);
    // The spelling of the body (`into`) works as SPEC's does.
    let response = app
        .post(
            &format!("/api/v1/tickets/{d}/merge"),
            &engineer.token,
            json!({"into": t}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let outcome: Value = response.json().await.unwrap();
    assert_eq!(outcome["comments_moved"], 2);
    assert_eq!(outcome["attachments_moved"], 2);
    assert_eq!(outcome["merged"]["status"], "closed");
    assert_eq!(outcome["merged"]["merged_into_id"], t);
    assert_eq!(outcome["into"]["id"], t);

    // The target holds both conversations in time order, authors, times
    // and visibility kept, and then its system note (internal).
    let comments = get(
        &app,
        &engineer.token,
        &format!("/api/v1/tickets/{t}/comments"),
    )
    .await;
    let comments = comments.as_array().unwrap();
    let ids: Vec<i64> = comments.iter().map(id_of).collect();
    assert_eq!(
        ids[..3],
        [id_of(&d_customer), id_of(&t_reply), id_of(&d_note)]
    );
    assert_eq!(comments.len(), 4, "{comments:?}");
    assert_eq!(comments[0]["author_user_id"], alice.id());
    assert_eq!(comments[0]["created_at"], d_customer["created_at"]);
    assert_eq!(comments[0]["internal"], false);
    assert_eq!(comments[2]["internal"], true);
    assert_eq!(comments[2]["author_user_id"], engineer.id());
    let note = &comments[3];
    assert_eq!(note["via"], "system");
    assert_eq!(note["internal"], true);
    assert!(note["body"]
        .as_str()
        .unwrap()
        .contains(&format!("#{}", dup["number"])));
    let files = get(
        &app,
        &engineer.token,
        &format!("/api/v1/tickets/{t}/attachments"),
    )
    .await;
    let file_ids: Vec<i64> = files.as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(file_ids, [id_of(&public_file), id_of(&internal_file)]);
    let download = app
        .get(
            &format!("/api/v1/attachments/{}", id_of(&public_file)),
            &engineer.token,
        )
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert!(download.text().await.unwrap().contains("过账失败"));

    // The duplicate: closed, pointing at the target, with a public system
    // comment in its requester's language and nothing else.
    let closed = get(&app, &engineer.token, &format!("/api/v1/tickets/{d}")).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["merged_into_id"], t);
    assert_eq!(
        closed["closed_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        merged_at
    );
    let left = get(
        &app,
        &engineer.token,
        &format!("/api/v1/tickets/{d}/comments"),
    )
    .await;
    let left = left.as_array().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["via"], "system");
    assert_eq!(left[0]["internal"], false);
    assert_eq!(
        left[0]["body"],
        format!("This ticket was merged into #{t_number}; the conversation continues there.")
    );
    let left_files = get(
        &app,
        &engineer.token,
        &format!("/api/v1/tickets/{d}/attachments"),
    )
    .await;
    assert_eq!(left_files.as_array().unwrap().len(), 0);

    // Timelines and audit entries on both.
    let d_timeline = get(
        &app,
        &engineer.token,
        &format!("/api/v1/tickets/{d}/timeline"),
    )
    .await;
    let d_kinds = kinds(&d_timeline);
    assert!(d_kinds.contains(&"merged".to_string()), "{d_kinds:?}");
    let merged_event = d_timeline
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "merged")
        .unwrap();
    assert_eq!(merged_event["detail"]["into"], t);
    assert_eq!(merged_event["detail"]["comments"], 2);
    let status_event = d_timeline
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["kind"] == "status")
        .unwrap();
    assert_eq!(status_event["detail"]["to"], "closed");
    assert_eq!(
        status_event["detail"]["reason"],
        "merged into another ticket"
    );
    let t_kinds = kinds(
        &get(
            &app,
            &engineer.token,
            &format!("/api/v1/tickets/{t}/timeline"),
        )
        .await,
    );
    assert!(t_kinds.contains(&"merged_in".to_string()), "{t_kinds:?}");
    assert!(audit_actions(&app, &admin, "ticket", d)
        .await
        .contains(&"merge".to_string()));
    assert!(audit_actions(&app, &admin, "ticket", t)
        .await
        .contains(&"merge_into".to_string()));

    // One mail to the duplicate's requester, in English, naming the target.
    flush(&app).await;
    let alice_mail = subjects_to(&app, "alice@hq.cn");
    assert_eq!(alice_mail.len(), before_merge + 1, "{alice_mail:?}");
    let merged_mail: Vec<&String> = alice_mail.iter().filter(|s| s.contains("merged")).collect();
    assert_eq!(merged_mail.len(), 1, "{alice_mail:?}");
    assert!(
        merged_mail[0].contains(&format!("merged into #{t_number}")),
        "{merged_mail:?}"
    );
    assert!(!subjects_to(&app, "bob@hq.cn")
        .iter()
        .any(|s| s.contains("merge") || s.contains("合并")));

    // A retried request is refused and sends nothing.
    let rows = outbox_rows(&app).await;
    let response = app
        .post(
            &format!("/api/v1/tickets/{d}/merge"),
            &engineer.token,
            json!({"into_ticket_id": t}),
        )
        .await;
    let error = assert_error(response, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        error["message"],
        format!("this ticket was already merged into #{t_number}")
    );
    flush(&app).await;
    assert_eq!(outbox_rows(&app).await, rows);
    assert_eq!(
        subjects_to(&app, "alice@hq.cn")
            .iter()
            .filter(|s| s.contains("merged"))
            .count(),
        1
    );

    // In the portal: the duplicate says where it went, and its requester
    // follows it there (public comments only).
    let mine = get(&app, &alice.token, &format!("/api/v1/portal/tickets/{d}")).await;
    assert_eq!(mine["status"], "closed");
    assert_eq!(mine["merged_into_id"], t);
    assert_eq!(mine["merged_into_number"], t_number);
    let listed = get(&app, &alice.token, "/api/v1/portal/tickets").await;
    let listed = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| id_of(x) == d)
        .cloned()
        .unwrap();
    assert_eq!(listed["merged_into_number"], t_number);
    let there = get(
        &app,
        &alice.token,
        &format!("/api/v1/portal/tickets/{t}/comments"),
    )
    .await;
    let bodies: Vec<&str> = there
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["截图见附件", "请提供凭证号"]);
    let their_files = get(
        &app,
        &alice.token,
        &format!("/api/v1/portal/tickets/{t}/attachments"),
    )
    .await;
    assert_eq!(
        their_files.as_array().unwrap().len(),
        1,
        "the internal file stays internal"
    );
    // Another customer of the account who asked neither still sees neither.
    let carol = requester(&app, &admin, account_id, "carol@hq.cn").await;
    for id in [d, t] {
        let response = app
            .get(&format!("/api/v1/portal/tickets/{id}"), &carol.token)
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}

fn clock_now(app: &TestApp) -> DateTime<Utc> {
    use server::clock::Clock;
    app.clock.as_ref().unwrap().now()
}

#[actix_web::test]
async fn refused_merges_change_nothing() {
    let app = spawn_app().await;
    let admin = app.signup("W", "guards@x.cn").await;
    let csm = app.staff(&admin, "csm", "guards-csm@x.cn").await;
    let a = id_of(&app.create_account(&admin.token, "甲公司", "1").await);
    let b = id_of(&app.create_account(&admin.token, "乙公司", "2").await);
    let alice = requester(&app, &admin, a, "alice@a.cn").await;
    let dup = ticket(&app, &csm.token, a, Some(alice.id()), "重复的工单").await;
    let d = id_of(&dup);
    comment(
        &app,
        &csm.token,
        &format!("/api/v1/tickets/{d}/comments"),
        "原有回复",
        false,
    )
    .await;
    let open = id_of(&ticket(&app, &csm.token, a, None, "另一个工单").await);
    let other_account = id_of(&ticket(&app, &csm.token, b, None, "乙公司的工单").await);
    let closed = id_of(&ticket(&app, &csm.token, a, None, "已关闭").await);
    let response = app
        .patch(
            &format!("/api/v1/tickets/{closed}"),
            &csm.token,
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let approval = app
        .post(
            "/api/v1/tickets",
            &csm.token,
            json!({"account_id": a, "module": "finance", "category": "master_data_change",
                   "priority": "p3", "subject": "修改物料编码"}),
        )
        .await;
    let approval = id_of(&approval.json::<Value>().await.unwrap());
    let intruder = app.signup("Other", "guards-intruder@x.cn").await;
    let foreign_account = id_of(&app.create_account(&intruder.token, "外部", "9").await);
    let foreign = id_of(&ticket(&app, &intruder.token, foreign_account, None, "外部工单").await);
    flush(&app).await;

    let before = get(&app, &csm.token, &format!("/api/v1/tickets/{d}")).await;
    let rows = outbox_rows(&app).await;
    let merge = |id: i64, body: Value| {
        let app = &app;
        let token = csm.token.clone();
        async move {
            app.post(&format!("/api/v1/tickets/{id}/merge"), &token, body)
                .await
        }
    };

    // Into itself; into nothing; into another workspace's ticket (as if it
    // did not exist); of another workspace's ticket.
    let e = assert_error(
        merge(d, json!({"into_ticket_id": d})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        e["fields"]["into_ticket_id"],
        "a ticket cannot be merged into itself"
    );
    assert_error(
        merge(d, json!({"into_ticket_id": 999_999})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        merge(d, json!({"into_ticket_id": foreign})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        merge(foreign, json!({"into_ticket_id": open})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Across accounts; into a closed ticket; a ticket awaiting approval.
    let e = assert_error(
        merge(d, json!({"into_ticket_id": other_account})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        e["fields"]["into_ticket_id"]
            .as_str()
            .unwrap()
            .contains("another account"),
        "{e}"
    );
    let e = assert_error(
        merge(d, json!({"into_ticket_id": closed})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        e["fields"]["into_ticket_id"]
            .as_str()
            .unwrap()
            .contains("is closed"),
        "{e}"
    );
    let e = assert_error(
        merge(approval, json!({"into_ticket_id": open})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        e["fields"]["status"]
            .as_str()
            .unwrap()
            .contains("awaits approval"),
        "{e}"
    );
    // A closed ticket is final.
    assert_error(
        merge(closed, json!({"into_ticket_id": open})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Bad bodies.
    for body in [
        json!({}),
        json!({"into_ticket_id": "x"}),
        json!({"into_ticket_id": open, "extra": 1}),
        json!([open]),
    ] {
        let response = merge(d, body.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
    }
    // Portal users have no business here.
    let response = app
        .post(
            &format!("/api/v1/tickets/{d}/merge"),
            &alice.token,
            json!({"into_ticket_id": open}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    // Nothing changed.
    let after = get(&app, &csm.token, &format!("/api/v1/tickets/{d}")).await;
    assert_eq!(after, before);
    assert_eq!(comment_rows_of(&app, d).await, 1);
    flush(&app).await;
    assert_eq!(outbox_rows(&app).await, rows);

    // No cycles: once `d` went into `open`, `open` cannot go back into `d`
    // (closed and merged: the answer names where it went), nor can a third
    // ticket be merged into `d`.
    let response = merge(d, json!({"into_ticket_id": open})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let open_number = get(&app, &csm.token, &format!("/api/v1/tickets/{open}")).await["number"]
        .as_i64()
        .unwrap();
    let e = assert_error(
        merge(open, json!({"into_ticket_id": d})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        e["fields"]["into_ticket_id"]
            .as_str()
            .unwrap()
            .contains(&format!("merge into #{open_number} instead")),
        "{e}"
    );
    let third = id_of(&ticket(&app, &csm.token, a, None, "第三个").await);
    assert_error(
        merge(third, json!({"into_ticket_id": d})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let open_now = get(&app, &csm.token, &format!("/api/v1/tickets/{open}")).await;
    assert_eq!(open_now["merged_into_id"], Value::Null);
    assert_ne!(open_now["status"], "closed");

    // A ticket merged into `third` takes its earlier duplicates along: the
    // pointer names where the conversation is now.
    let response = merge(open, json!({"into_ticket_id": third})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let first = get(&app, &csm.token, &format!("/api/v1/tickets/{d}")).await;
    assert_eq!(first["merged_into_id"], third);
    assert_eq!(
        comment_rows_of(&app, third).await,
        3,
        "the reply of `d`, the note of the first merge, the note of this one"
    );

    // A merged ticket is not linked: its conversation went elsewhere.
    let response = app
        .post(
            &format!("/api/v1/tickets/{third}/links"),
            &csm.token,
            json!({"ticket_id": d, "kind": "related"}),
        )
        .await;
    let e = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let third_number = get(&app, &csm.token, &format!("/api/v1/tickets/{third}")).await["number"]
        .as_i64()
        .unwrap();
    assert!(
        e["fields"]["ticket_id"]
            .as_str()
            .unwrap()
            .contains(&format!("was merged into #{third_number}")),
        "{e}"
    );
    let response = app
        .post(
            &format!("/api/v1/tickets/{d}/links"),
            &csm.token,
            json!({"ticket_id": third, "kind": "related"}),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "conflict").await;
}

#[actix_web::test]
async fn links_relate_tickets_and_parents_never_cycle() {
    let app = spawn_app().await;
    let admin = app.signup("W", "links@x.cn").await;
    let csm = app.staff(&admin, "csm", "links-csm@x.cn").await;
    let a = id_of(&app.create_account(&admin.token, "甲公司", "1").await);
    let b = id_of(&app.create_account(&admin.token, "乙公司", "2").await);
    let alice = requester(&app, &admin, a, "alice@links.cn").await;
    let problem = id_of(&ticket(&app, &csm.token, a, Some(alice.id()), "总账模块升级后报错").await);
    let child = id_of(&ticket(&app, &csm.token, a, Some(alice.id()), "凭证无法审核").await);
    let secret = ticket(&app, &csm.token, b, None, "BRAVO-ONLY 乙公司的报错").await;
    let other_child = id_of(&secret);
    let related = id_of(&ticket(&app, &csm.token, a, None, "相关问题").await);
    let grandchild = id_of(&ticket(&app, &csm.token, a, None, "下级的下级").await);
    let link = |from: i64, to: i64, kind: &str| {
        let app = &app;
        let token = csm.token.clone();
        let body = json!({"ticket_id": to, "kind": kind});
        async move {
            app.post(&format!("/api/v1/tickets/{from}/links"), &token, body)
                .await
        }
    };

    // A child from either end, one of another account too (staff link
    // across accounts), and a related ticket.
    let response = link(problem, child, "child").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["kind"], "child");
    assert_eq!(created["ticket"]["id"], child);
    assert_eq!(
        link(other_child, problem, "parent").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        link(related, problem, "related").await.status(),
        StatusCode::CREATED
    );
    // The same link again changes nothing.
    assert_eq!(
        link(child, problem, "parent").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        link(problem, related, "related").await.status(),
        StatusCode::OK
    );

    let links = get(
        &app,
        &csm.token,
        &format!("/api/v1/tickets/{problem}/links"),
    )
    .await;
    let seen: Vec<(String, i64)> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["ticket"]["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("child".into(), child),
            ("child".into(), other_child),
            ("related".into(), related)
        ]
    );
    let from_child = get(&app, &csm.token, &format!("/api/v1/tickets/{child}/links")).await;
    assert_eq!(from_child[0]["kind"], "parent");
    assert_eq!(from_child[0]["ticket"]["id"], problem);
    let stored = ticket_links::Entity::find()
        .count(&app.app_state.db.read)
        .await
        .unwrap();
    assert_eq!(stored, 3);

    // Refused, changing nothing: itself, an unknown or foreign ticket, an
    // unknown kind, a second link between two tickets, a second parent, a
    // ticket above itself.
    let e = assert_error(
        link(problem, problem, "related").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        e["fields"]["ticket_id"],
        "a ticket cannot be linked to itself"
    );
    assert_error(
        link(problem, 999_999, "related").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let intruder = app.signup("Other", "links-intruder@x.cn").await;
    let foreign_account = id_of(&app.create_account(&intruder.token, "外部", "9").await);
    let foreign = id_of(&ticket(&app, &intruder.token, foreign_account, None, "外部工单").await);
    assert_error(
        link(problem, foreign, "related").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let response = app
        .post(
            &format!("/api/v1/tickets/{foreign}/links"),
            &intruder.token,
            json!({"ticket_id": problem, "kind": "related"}),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        link(problem, child, "sibling").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_error(
        link(problem, child, "related").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_error(
        link(related, child, "child").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    // problem → child → grandchild; the grandchild cannot be problem's parent.
    assert_eq!(
        link(child, grandchild, "child").await.status(),
        StatusCode::CREATED
    );
    let e = assert_error(
        link(grandchild, problem, "child").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        e["fields"]["ticket_id"]
            .as_str()
            .unwrap()
            .contains("its own ancestor"),
        "{e}"
    );
    assert_error(
        link(problem, grandchild, "parent").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        ticket_links::Entity::find()
            .count(&app.app_state.db.read)
            .await
            .unwrap(),
        4
    );

    // Unlinking, from either end; the timelines tell both.
    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/tickets/{grandchild}/links/{child}"),
            Some(&csm.token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/tickets/{grandchild}/links/{child}"),
            Some(&csm.token),
            None,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let child_kinds = kinds(
        &get(
            &app,
            &csm.token,
            &format!("/api/v1/tickets/{child}/timeline"),
        )
        .await,
    );
    assert!(
        child_kinds.contains(&"linked".to_string())
            && child_kinds.contains(&"unlinked".to_string())
    );
    assert!(audit_actions(&app, &admin, "ticket_link", 4)
        .await
        .contains(&"delete".to_string()));

    // Linking does not change the tickets themselves (their ETags hold).
    let t = get(&app, &csm.token, &format!("/api/v1/tickets/{problem}")).await;
    assert_eq!(t["version"], 1);

    // The portal shows no links, and nothing of the other account.
    let response = app
        .get(&format!("/api/v1/portal/tickets/{problem}"), &alice.token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("BRAVO-ONLY") && !text.contains("links"),
        "{text}"
    );
    let text = app
        .get("/api/v1/portal/tickets", &alice.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains("BRAVO-ONLY"), "{text}");
    let text = app
        .get(
            &format!("/api/v1/portal/tickets/{problem}/comments"),
            &alice.token,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains("BRAVO-ONLY"), "{text}");
}

#[actix_web::test]
async fn the_picker_finds_merge_targets_of_the_account_and_link_ends_anywhere() {
    let app = spawn_app().await;
    let admin = app.signup("W", "picker@x.cn").await;
    let a = id_of(&app.create_account(&admin.token, "甲公司", "1").await);
    let b = id_of(&app.create_account(&admin.token, "乙公司", "2").await);
    let base = ticket(&app, &admin.token, a, None, "应收账款对账").await;
    let id = id_of(&base);
    let same = ticket(&app, &admin.token, a, None, "Receivables 对账差异").await;
    let closed = ticket(&app, &admin.token, a, None, "对账已解决").await;
    app.patch(
        &format!("/api/v1/tickets/{}", id_of(&closed)),
        &admin.token,
        json!({"status": "closed"}),
    )
    .await;
    let elsewhere = ticket(&app, &admin.token, b, None, "对账 乙公司").await;
    let ids = |v: Value| -> Vec<i64> { v.as_array().unwrap().iter().map(id_of).collect() };

    let merge = get(
        &app,
        &admin.token,
        &format!("/api/v1/tickets/{id}/link-candidates?purpose=merge&q=对账"),
    )
    .await;
    assert_eq!(ids(merge), [id_of(&same)]);
    let by_number = get(
        &app,
        &admin.token,
        &format!(
            "/api/v1/tickets/{id}/link-candidates?purpose=merge&q=%23{}",
            same["number"]
        ),
    )
    .await;
    assert_eq!(ids(by_number), [id_of(&same)]);
    let any_case = get(
        &app,
        &admin.token,
        &format!("/api/v1/tickets/{id}/link-candidates?q=RECEIVABLES"),
    )
    .await;
    assert_eq!(ids(any_case), [id_of(&same)]);
    let link = get(
        &app,
        &admin.token,
        &format!("/api/v1/tickets/{id}/link-candidates?q=对账"),
    )
    .await;
    assert_eq!(ids(link), [id_of(&elsewhere), id_of(&closed), id_of(&same)]);
    let response = app
        .get(
            &format!("/api/v1/tickets/{id}/link-candidates?q={}", "x".repeat(201)),
            &admin.token,
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app
        .get(
            &format!("/api/v1/tickets/{id}/link-candidates?purpose=steal"),
            &admin.token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .get("/api/v1/tickets/999999/link-candidates", &admin.token)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[actix_web::test]
async fn resolving_a_parent_replies_once_to_each_open_child() {
    let app = spawn_app().await;
    let admin = app.signup("W", "kids@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "kids-eng@x.cn").await;
    let a = id_of(&app.create_account(&admin.token, "甲公司", "1").await);
    let b = id_of(&app.create_account(&admin.token, "乙公司", "2").await);
    let alice = requester(&app, &admin, a, "alice@kids.cn").await;
    let carol = requester(&app, &admin, b, "carol@kids.cn").await;
    let dave = requester(&app, &admin, a, "dave@kids.cn").await;
    let erin = requester(&app, &admin, b, "erin@kids.cn").await;
    let parent = id_of(&ticket(&app, &engineer.token, a, None, "升级补丁导致过账失败").await);
    let new_child = id_of(&ticket(&app, &engineer.token, a, Some(alice.id()), "过账失败").await);
    let waiting = id_of(&ticket(&app, &engineer.token, b, Some(carol.id()), "凭证无法过账").await);
    app.patch(
        &format!("/api/v1/tickets/{waiting}"),
        &engineer.token,
        json!({"status": "pending_customer"}),
    )
    .await;
    let blocked = id_of(&ticket(&app, &engineer.token, a, Some(dave.id()), "结账被阻塞").await);
    let blocker = id_of(&ticket(&app, &engineer.token, a, None, "数据错误").await);
    let response = app
        .post(
            &format!("/api/v1/tickets/{blocked}/blockers"),
            &engineer.token,
            json!({"blocked_by": blocker}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let done = id_of(&ticket(&app, &engineer.token, b, Some(erin.id()), "早已解决").await);
    app.patch(
        &format!("/api/v1/tickets/{done}"),
        &engineer.token,
        json!({"status": "resolved"}),
    )
    .await;
    for child in [new_child, waiting, blocked, done] {
        let response = app
            .post(
                &format!("/api/v1/tickets/{parent}/links"),
                &engineer.token,
                json!({"ticket_id": child, "kind": "child"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    flush(&app).await;
    let reply = "补丁 K3-2027-03 已发布，请更新后重试。";
    let resolve = |body: Value| {
        let app = &app;
        let token = engineer.token.clone();
        async move {
            app.post(
                &format!("/api/v1/tickets/{parent}/resolve-children"),
                &token,
                body,
            )
            .await
        }
    };

    // Not before the parent is resolved; never without a reply.
    let e = assert_error(
        resolve(json!({"reply": reply})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(e["fields"]["status"]
        .as_str()
        .unwrap()
        .contains("resolve this ticket first"));
    let response = app
        .patch(
            &format!("/api/v1/tickets/{parent}"),
            &engineer.token,
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for body in [
        json!({"reply": "  "}),
        json!({}),
        json!({"reply": "x".repeat(20_001)}),
    ] {
        assert_eq!(
            resolve(body).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let response = app
        .post(
            &format!("/api/v1/tickets/{parent}/resolve-children"),
            &alice.token,
            json!({"reply": reply}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        get(
            &app,
            &engineer.token,
            &format!("/api/v1/tickets/{new_child}")
        )
        .await["status"],
        "new"
    );

    let response = resolve(json!({"reply": reply})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let outcome: Value = response.json().await.unwrap();
    let resolved: Vec<i64> = outcome["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ticket_id"].as_i64().unwrap())
        .collect();
    assert_eq!(resolved, [new_child, waiting]);
    let skipped = outcome["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["ticket_id"], blocked);
    assert_eq!(skipped[0]["status"], "blocked");
    assert!(skipped[0]["reason"].as_str().unwrap().contains("blocked"));

    // Each resolved child: the reply as a public comment, resolved through
    // the usual transition (timeline, first response).
    for child in [new_child, waiting] {
        let t = get(&app, &engineer.token, &format!("/api/v1/tickets/{child}")).await;
        assert_eq!(t["status"], "resolved");
        assert!(t["first_responded_at"].is_string());
        let comments = get(
            &app,
            &engineer.token,
            &format!("/api/v1/tickets/{child}/comments"),
        )
        .await;
        let public: Vec<&Value> = comments
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["body"] == reply)
            .collect();
        assert_eq!(public.len(), 1);
        assert_eq!(public[0]["internal"], false);
        assert_eq!(public[0]["author_user_id"], engineer.id());
        let timeline = get(
            &app,
            &engineer.token,
            &format!("/api/v1/tickets/{child}/timeline"),
        )
        .await;
        assert!(timeline
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "status" && e["detail"]["to"] == "resolved"));
    }
    // The blocked child and the one resolved before are as they were.
    assert_eq!(
        get(&app, &engineer.token, &format!("/api/v1/tickets/{blocked}")).await["status"],
        "blocked"
    );
    assert_eq!(comment_rows_of(&app, blocked).await, 0);
    assert_eq!(comment_rows_of(&app, done).await, 0);
    // The parent notes what happened.
    let notes = get(
        &app,
        &engineer.token,
        &format!("/api/v1/tickets/{parent}/comments"),
    )
    .await;
    let note = notes.as_array().unwrap().last().unwrap().clone();
    assert_eq!(note["internal"], true);
    assert!(
        note["body"]
            .as_str()
            .unwrap()
            .contains("已用同一条回复解决 2 个下级工单"),
        "{note}"
    );
    assert!(audit_actions(&app, &admin, "ticket", parent)
        .await
        .contains(&"resolve_children".to_string()));

    // Each child's requester got the reply once; the others none.
    flush(&app).await;
    for to in ["alice@kids.cn", "carol@kids.cn"] {
        let with_reply = bodies_to(&app, to)
            .iter()
            .filter(|b| b.contains(reply))
            .count();
        assert_eq!(with_reply, 1, "{to}");
        assert_eq!(
            subjects_to(&app, to)
                .iter()
                .filter(|s| s.contains("新回复"))
                .count(),
            1,
            "{to}"
        );
        assert_eq!(
            subjects_to(&app, to)
                .iter()
                .filter(|s| s.contains("已解决"))
                .count(),
            1,
            "{to}"
        );
    }
    for to in ["dave@kids.cn", "erin@kids.cn"] {
        assert!(
            !bodies_to(&app, to).iter().any(|b| b.contains(reply)),
            "{to}"
        );
    }

    // Again: nothing left to resolve, no second reply.
    let rows = outbox_rows(&app).await;
    let outcome: Value = resolve(json!({"reply": reply})).await.json().await.unwrap();
    assert_eq!(outcome["resolved"], json!([]));
    assert_eq!(outcome["skipped"].as_array().unwrap().len(), 1);
    flush(&app).await;
    assert_eq!(outbox_rows(&app).await, rows);
    for to in ["alice@kids.cn", "carol@kids.cn"] {
        assert_eq!(
            bodies_to(&app, to)
                .iter()
                .filter(|b| b.contains(reply))
                .count(),
            1
        );
    }
}

#[actix_web::test]
async fn portal_users_reach_none_of_it() {
    let app = spawn_app().await;
    let admin = app.signup("W", "roles-links@x.cn").await;
    let (account, customer) = app.portal_user(&admin, "cust@roles.cn", "1").await;
    let a = id_of(&account);
    let contact = app
        .create_contact(&admin.token, a, "管理员", "cadmin@roles.cn")
        .await;
    app.post(
        &format!("/api/v1/contacts/{}/portal-access", contact["id"]),
        &admin.token,
        json!({"role": "customer_admin"}),
    )
    .await;
    let customer_admin = app.accept_invitation("cadmin@roles.cn").await;
    let one = id_of(&ticket(&app, &admin.token, a, Some(customer.id()), "一").await);
    let two = id_of(&ticket(&app, &admin.token, a, Some(customer.id()), "二").await);
    for token in [&customer.token, &customer_admin.token] {
        for (method, path, body) in [
            (
                Method::POST,
                format!("/api/v1/tickets/{one}/merge"),
                Some(json!({"into_ticket_id": two})),
            ),
            (Method::GET, format!("/api/v1/tickets/{one}/links"), None),
            (
                Method::POST,
                format!("/api/v1/tickets/{one}/links"),
                Some(json!({"ticket_id": two, "kind": "related"})),
            ),
            (
                Method::DELETE,
                format!("/api/v1/tickets/{one}/links/{two}"),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/tickets/{one}/link-candidates"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/tickets/{one}/resolve-children"),
                Some(json!({"reply": "x"})),
            ),
        ] {
            let response = app.request(method.clone(), &path, Some(token), body).await;
            assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
    // Every staff role may: an engineer links, a CSM unlinks.
    let engineer = app.staff(&admin, "engineer", "roles-eng@x.cn").await;
    let csm = app.staff(&admin, "csm", "roles-csm@x.cn").await;
    let response = app
        .post(
            &format!("/api/v1/tickets/{one}/links"),
            &engineer.token,
            json!({"ticket_id": two, "kind": "related"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/tickets/{two}/links/{one}"),
            Some(&csm.token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(&app, &admin.token, &format!("/api/v1/tickets/{one}")).await["status"],
        "new"
    );
}

#[actix_web::test]
async fn a_mailed_reply_about_a_merged_ticket_lands_on_its_target() {
    let app = spawn_app().await;
    let admin = app.signup("W", "merge-mail@vendor.cn").await;
    let a = id_of(&app.create_account(&admin.token, "客户公司", "1001").await);
    app.create_contact(&admin.token, a, "李娜", "li.na@kehu.cn")
        .await;
    let response = app
        .post(
            "/api/v1/settings/mail-channels",
            &admin.token,
            json!({"name": "客服邮箱", "address": "support@vendor.cn", "kind": "inbound"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let channel: Value = response.json().await.unwrap();
    let channel_id = channel["channel"]["id"].as_i64().unwrap();
    let token = channel["inbound_token"].as_str().unwrap().to_string();
    let post = |message_id: &str, subject: &str, body: &str| {
        let raw = format!(
            "From: li.na@kehu.cn\r\nTo: support@vendor.cn\r\nSubject: {subject}\r\n\
             Message-ID: <{message_id}>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0800\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n{body}"
        );
        let request = app
            .client
            .post(app.url(&format!("/api/v1/inbound/email/{channel_id}")))
            .header("Content-Type", "message/rfc822")
            .bearer_auth(&token)
            .body(raw.into_bytes());
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    let first = post("first@kehu.cn", "凭证无法过账", "过账时报错").await;
    let dup = first["ticket_id"].as_i64().unwrap();
    let dup_number = get(&app, &admin.token, &format!("/api/v1/tickets/{dup}")).await["number"]
        .as_i64()
        .unwrap();
    let target = id_of(&ticket(&app, &admin.token, a, None, "过账失败").await);
    let response = app
        .post(
            &format!("/api/v1/tickets/{dup}/merge"),
            &admin.token,
            json!({"into_ticket_id": target}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let reply = post(
        "reply@kehu.cn",
        &format!("Re: [#{dup_number}]"),
        "补充：凭证号 0042",
    )
    .await;
    assert_eq!(reply["status"], "commented", "{reply}");
    assert_eq!(reply["ticket_id"], target);
    let comments = get(
        &app,
        &admin.token,
        &format!("/api/v1/tickets/{target}/comments"),
    )
    .await;
    assert!(comments
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["body"] == "补充：凭证号 0042" && c["via"] == "email"));
    let merged = get(&app, &admin.token, &format!("/api/v1/tickets/{dup}")).await;
    assert_eq!(merged["status"], "closed", "the merged ticket stays closed");
}
