//! Reliability drills (issue 13): many writers at once, optimistic-locking
//! races, a crash in the middle of a write load, and backup and restore
//! under writes. They check what clients saw acknowledged against what the
//! database holds afterwards; none of them times anything.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use server::entity::{accounts, ticket_comments, tickets};

use crate::helpers::*;

#[actix_web::test]
async fn twenty_clients_with_one_etag_one_wins_the_rest_get_412() {
    let app = spawn_app().await;
    let admin = app.signup("W", "etag@x.cn").await;
    let account = app.create_account(&admin.token, "并发测试", "1").await;
    let id = account["id"].as_i64().unwrap();
    let path = format!("/api/v1/accounts/{id}");
    let etag = app.get(&path, &admin.token).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let requests = (0..20).map(|i| {
        let (app, path, etag, token) = (&app, path.clone(), etag.clone(), admin.token.clone());
        async move {
            app.client
                .patch(app.url(&path))
                .bearer_auth(token)
                .header("If-Match", etag)
                .json(&json!({"industry": format!("行业 {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = join_all(requests).await;
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((won, stale), (1, 19), "{statuses:?}");
    let now: Value = app.get(&path, &admin.token).await.json().await.unwrap();
    assert_eq!(now["version"], 2, "exactly one update landed");
}

/// What the writers saw acknowledged.
#[derive(Default)]
struct Acknowledged {
    tickets: HashMap<i64, i64>,
    comments: HashMap<i64, usize>,
    account_updates: usize,
    failures: Vec<String>,
}

/// 50 writers for 30 s (`STEWARD_DRILL_SECS`): ticket creates from staff and
/// the portal, comments on those tickets, account updates. Afterwards every
/// acknowledged write is in the database, nothing else is, no ticket number
/// repeats, and no request answered 5xx (or anything but success).
#[actix_web::test]
async fn fifty_writers_for_thirty_seconds_lose_nothing() {
    let secs: u64 = std::env::var("STEWARD_DRILL_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let app = spawn_app().await;
    let admin = app.signup("W", "drill@x.cn").await;
    let (account, customer) = app.portal_user(&admin, "drill-c@x.cn", "1").await;
    let account_id = account["id"].as_i64().unwrap();
    let ack = Arc::new(Mutex::new(Acknowledged::default()));
    let counter = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);

    let writer = |w: usize| {
        let (app, ack, counter) = (&app, ack.clone(), counter.clone());
        let (staff, portal) = (admin.token.clone(), customer.token.clone());
        async move {
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let known: Vec<i64> = ack.lock().unwrap().tickets.keys().copied().collect();
                let (what, response) = match n % 4 {
                    0 => (
                        "staff ticket",
                        app.post(
                            "/api/v1/tickets",
                            &staff,
                            json!({"account_id": account_id, "module": "finance", "category": "bug",
                                   "priority": "p3", "subject": format!("凭证过账报错 {w}-{n}")}),
                        )
                        .await,
                    ),
                    1 => (
                        "portal ticket",
                        app.post(
                            "/api/v1/portal/tickets",
                            &portal,
                            json!({"module": "inventory", "category": "question", "priority": "p3",
                                   "subject": format!("仓存数量不对 {w}-{n}")}),
                        )
                        .await,
                    ),
                    2 if !known.is_empty() => {
                        let ticket = known[n % known.len()];
                        let r = app
                            .post(
                                &format!("/api/v1/tickets/{ticket}/comments"),
                                &staff,
                                json!({"body": format!("已处理 {w}-{n}"), "internal": n % 8 == 2}),
                            )
                            .await;
                        if r.status().is_success() {
                            *ack.lock().unwrap().comments.entry(ticket).or_default() += 1;
                        }
                        ("comment", r)
                    }
                    _ => (
                        "account update",
                        app.patch(
                            &format!("/api/v1/accounts/{account_id}"),
                            &staff,
                            json!({"industry": format!("制造业 {w}-{n}")}),
                        )
                        .await,
                    ),
                };
                let status = response.status();
                if !status.is_success() {
                    let body = response.text().await.unwrap_or_default();
                    ack.lock()
                        .unwrap()
                        .failures
                        .push(format!("{what}: {status} {body}"));
                    continue;
                }
                match what {
                    "staff ticket" | "portal ticket" => {
                        let t: Value = response.json().await.unwrap();
                        ack.lock()
                            .unwrap()
                            .tickets
                            .insert(t["id"].as_i64().unwrap(), t["number"].as_i64().unwrap());
                    }
                    "account update" => ack.lock().unwrap().account_updates += 1,
                    _ => {}
                }
            }
        }
    };
    join_all((0..50).map(writer)).await;

    let ack = std::mem::take(&mut *ack.lock().unwrap());
    assert!(
        ack.failures.is_empty(),
        "{} writes failed, e.g. {:?}",
        ack.failures.len(),
        &ack.failures[..ack.failures.len().min(5)]
    );
    assert!(
        ack.tickets.len() > 50,
        "the drill did work: {}",
        ack.tickets.len()
    );
    let db = &app.app_state.db.read;
    let account_row = accounts::Entity::find_by_id(account_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let stored = tickets::Entity::find()
        .filter(tickets::Column::WorkspaceId.eq(account_row.workspace_id))
        .all(db)
        .await
        .unwrap();
    let stored_ids: HashSet<i64> = stored.iter().map(|t| t.id).collect();
    let acked_ids: HashSet<i64> = ack.tickets.keys().copied().collect();
    assert_eq!(stored_ids, acked_ids, "tickets: stored = acknowledged");
    let numbers: HashSet<i64> = stored.iter().map(|t| t.number).collect();
    assert_eq!(numbers.len(), stored.len(), "no ticket number twice");
    for t in &stored {
        assert_eq!(
            ack.tickets[&t.id], t.number,
            "the number the client was told"
        );
    }
    for (ticket, count) in &ack.comments {
        let stored = ticket_comments::Entity::find()
            .filter(ticket_comments::Column::TicketId.eq(*ticket))
            .count(db)
            .await
            .unwrap();
        assert_eq!(stored as usize, *count, "comments of ticket {ticket}");
    }
    let all_comments = ticket_comments::Entity::find().count(db).await.unwrap();
    assert_eq!(
        all_comments as usize,
        ack.comments.values().sum::<usize>(),
        "no comment the clients were not told of"
    );
    assert_eq!(
        account_row.version as usize,
        1 + ack.account_updates,
        "every acknowledged account update counted once"
    );
}
