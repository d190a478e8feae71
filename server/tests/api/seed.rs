use reqwest::StatusCode;
use serde_json::{json, Value};
use server::seed;

use crate::helpers::*;

#[actix_web::test]
async fn the_demo_workspace_is_realistic_and_seeding_twice_is_harmless() {
    let app = spawn_app().await;
    seed::demo(&app.app_state.db).await.unwrap();
    seed::demo(&app.app_state.db).await.unwrap();
    let response = app.login(seed::DEMO_ADMIN, seed::DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let admin = session_of(response).await;
    let accounts: Value = app
        .get("/api/v1/accounts?limit=200", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let items = accounts["items"].as_array().unwrap();
    assert_eq!(items.len(), 30);
    assert!(items
        .iter()
        .any(|a| a["name"].as_str().unwrap().contains("有限公司")));
    let users: Value = app
        .get("/api/v1/users?limit=200", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    for role in ["admin", "manager", "csm", "engineer", "customer_admin"] {
        assert!(
            users["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["role"] == role),
            "{role}"
        );
    }
    let contacts: Value = app
        .get(
            &format!("/api/v1/accounts/{}/contacts", items[0]["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(!contacts["items"][0]["modules"]
        .as_array()
        .unwrap()
        .is_empty());
    let portal = session_of(
        app.login("portal@demo.steward.local", seed::DEMO_PASSWORD)
            .await,
    )
    .await;
    let home: Value = app
        .get("/api/v1/portal/account", &portal.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(home["name"].as_str().unwrap().contains("公司"));

    // Tickets in several states, routed to module owners, with SLA due
    // times; the customer sees their account's tickets and public replies only.
    let tickets: Value = app
        .get("/api/v1/tickets?limit=50", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let tickets = tickets["items"].as_array().unwrap();
    assert_eq!(tickets.len(), 7);
    let statuses: std::collections::HashSet<&str> = tickets
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert!(statuses.len() >= 5, "{statuses:?}");
    assert!(tickets.iter().all(|t| !t["assignee_id"].is_null()));
    let mine: Value = app
        .get("/api/v1/portal/tickets", &portal.token)
        .await
        .json()
        .await
        .unwrap();
    let mine = mine["items"].as_array().unwrap();
    assert_eq!(mine.len(), 2);
    let comments: Value = app
        .get(
            &format!("/api/v1/portal/tickets/{}/comments", mine[0]["id"]),
            &portal.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let bodies: Vec<&str> = comments
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert!(
        !bodies.is_empty() && bodies.iter().all(|b| !b.contains("内部")),
        "{bodies:?}"
    );
    // The manual: public articles reach the portal, the internal one does not.
    let found: Value = app
        .get(
            "/api/v1/portal/kb/search?q=%E7%BB%93%E8%B4%A6",
            &portal.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let titles: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    // 结账 (closing the period) finds the closing article first.
    assert_eq!(titles.first(), Some(&"期末结账与反结账"), "{titles:?}");
    let internal: Vec<String> = server::domain::kb::manual::manual()
        .unwrap()
        .into_iter()
        .filter(|a| a.visibility == shared::kb::KbVisibility::Internal)
        .map(|a| a.title)
        .collect();
    assert!(!internal.is_empty());
    assert!(
        titles.iter().all(|t| !internal.iter().any(|i| i == t)),
        "{titles:?}"
    );
}

#[actix_web::test]
async fn migrations_are_idempotent_and_bench_seeding_adds_accounts() {
    let app = spawn_app().await;
    app.app_state.db.migrate().await.unwrap();
    let size = |accounts, tickets, articles| seed::BenchSize {
        accounts,
        tickets,
        articles,
        contracts: 0,
        ticket_days: None,
    };
    seed::bench(&app.app_state.db, size(1200, 700, 40))
        .await
        .unwrap();
    seed::bench(&app.app_state.db, size(10, 0, 0))
        .await
        .unwrap();
    let admin = session_of(app.login(seed::BENCH_ADMIN, seed::BENCH_PASSWORD).await).await;
    let page: Value = app
        .get(
            "/api/v1/accounts?limit=50&q=%E7%A7%91%E6%8A%80",
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert!(page["next_cursor"].is_string());
    let last: Value = app
        .get("/api/v1/accounts?limit=1", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last["items"][0]["code"], "00001210");

    // Tickets: a tenth open, spread over modules; numbering continues.
    let open: Value = app
        .get(
            "/api/v1/tickets?status=open&module=finance&limit=50",
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let items = open["items"].as_array().unwrap();
    assert!(
        items.len() >= 5 && items.len() <= 15,
        "about 70/7 open finance tickets: {}",
        items.len()
    );
    assert!(items
        .iter()
        .all(|t| t["status"] == "open" && t["module"] == "finance"));
    let account_id = last["items"][0]["id"].as_i64().unwrap();
    let created: Value = app
        .post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": account_id, "module": "sales", "category": "bug",
                   "priority": "p2", "subject": "新工单"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["number"], 701);
    // Old breaches were marked already; the monitor runs cleanly over the rest.
    let run = app
        .post(
            "/api/v1/admin/jobs/sla-monitor/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(run.status(), StatusCode::OK);
    let breached: Value = app
        .get("/api/v1/tickets?breached=true&limit=200", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(!breached["items"].as_array().unwrap().is_empty());

    // Articles: public ones are found by a Chinese word in the portal search.
    let (_, customer) = app
        .portal_user(&admin, "bench-portal@x.cn", "99999999")
        .await;
    let found: Value = app
        .get(
            "/api/v1/portal/kb/search?q=%E7%9B%98%E7%82%B9",
            &customer.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let hits = found["items"].as_array().unwrap();
    assert!(!hits.is_empty(), "{found}");
    assert!(hits
        .iter()
        .all(|a| a["title"].as_str().unwrap().contains("盘点")));
}

#[actix_web::test]
async fn bench_contracts_give_the_daily_jobs_their_real_work() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use server::entity::{contracts, reminder_log, renewals};

    let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 3, 15, 1, 0, 0).unwrap();
    let app = spawn_app_at(now).await;
    let db = &app.app_state.db;
    seed::bench(
        db,
        seed::BenchSize {
            accounts: 300,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let admin = session_of(app.login(seed::BENCH_ADMIN, seed::BENCH_PASSWORD).await).await;
    let manager = app.staff(&admin, "manager", "bench-mgr@x.cn").await;
    let ws = admin.user["workspace_id"].as_i64().unwrap();
    let s = server::seed::bench::contracts::seed(db, ws, admin.id(), &[manager.id()], 5000, now)
        .await
        .unwrap();
    assert_eq!(s.contracts, 5000);
    let in_db = |q: sea_orm::Select<contracts::Entity>| async move {
        q.filter(contracts::Column::WorkspaceId.eq(ws))
            .count(&db.read)
            .await
            .unwrap()
    };
    assert_eq!(in_db(contracts::Entity::find()).await, 5000);
    assert!(s.successors > 50, "{s:?}");
    assert_eq!(
        renewals::Entity::find().count(&db.read).await.unwrap() as usize,
        s.renewals
    );
    assert_eq!(
        reminder_log::Entity::find().count(&db.read).await.unwrap() as usize,
        s.reminder_log
    );
    assert!(
        s.reminders_due_today > 0 && s.escalations_due_today > 0 && s.renewals_to_open > 0,
        "{s:?}"
    );
    // Some contracts ended, some run for two more years.
    let today = chrono::NaiveDate::from_ymd_opt(2027, 3, 15).unwrap();
    let ended = in_db(contracts::Entity::find().filter(contracts::Column::EndsOn.lt(today))).await;
    let far = in_db(
        contracts::Entity::find()
            .filter(contracts::Column::EndsOn.gt(today + chrono::Duration::days(540))),
    )
    .await;
    assert!(ended > 300 && far > 800, "{ended} ended, {far} far");
    // A renewed renewal names its next contract, which names it back.
    let renewed = renewals::Entity::find()
        .filter(renewals::Column::Stage.eq("renewed"))
        .all(&db.read)
        .await
        .unwrap();
    assert_eq!(renewed.len(), s.successors);
    for r in renewed.iter().take(20) {
        let next = contracts::Entity::find_by_id(r.next_contract_id.unwrap())
            .one(&db.read)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next.previous_contract_id, Some(r.contract_id));
        assert_eq!(next.account_id, r.account_id);
        assert_eq!(next.annual_value_cents % 10_000, 0);
    }

    // Today's run does exactly the day's work, once.
    let report = server::jobs::run(&app.app_state, "renewal-reminders")
        .await
        .unwrap()
        .summary;
    assert_eq!(
        report["renewals_opened"], s.renewals_to_open as u64,
        "{report}"
    );
    assert_eq!(
        report["reminders"], s.reminders_due_today as u64,
        "{report}"
    );
    assert_eq!(
        report["escalations"], s.escalations_due_today as u64,
        "{report}"
    );
    // One renewal.due_soon per renewal reminded today (one owner each).
    assert_eq!(report["due_soon"], s.reminders_due_today as u64, "{report}");
    let again = server::jobs::run(&app.app_state, "renewal-reminders")
        .await
        .unwrap()
        .summary;
    assert_eq!(
        (
            again["renewals_opened"].as_u64(),
            again["reminders"].as_u64(),
            again["escalations"].as_u64(),
            again["due_soon"].as_u64()
        ),
        (Some(0), Some(0), Some(0), Some(0))
    );

    // The dashboard and the renewal report see the book.
    let dash: Value = app
        .get("/api/v1/dashboard", &manager.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        dash["renewals_due"][2]["count"].as_u64().unwrap() > 100,
        "{dash}"
    );
    let report: Value = app
        .get(
            "/api/v1/reports/renewals?from=2026-12-15&to=2027-03-14",
            &manager.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(report["renewed_count"].as_u64().unwrap() > 50, "{report}");
    assert!(report["churned_count"].as_u64().unwrap() > 10, "{report}");
    // New contracts still get fresh ids (PostgreSQL's sequence follows).
    let account = app.create_account(&admin.token, "新客户", "99999998").await;
    let response = app
        .post(
            "/api/v1/contracts",
            &admin.token,
            json!({"account_id": account["id"], "starts_on": "2027-03-01", "ends_on": "2028-02-29",
                   "annual_value": "1.00"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// `steward seed-demo`: one story, consistent from end to end, seeded once.
#[actix_web::test]
async fn the_command_line_demo_tells_one_consistent_story_once() {
    use chrono::{Duration, NaiveDate, TimeZone, Utc};
    use std::collections::{BTreeMap, BTreeSet};

    // A Wednesday, 10:00 in Shanghai: "due within hours" is business time.
    let now = Utc.with_ymd_and_hms(2027, 3, 17, 2, 0, 0).unwrap();
    let today = NaiveDate::from_ymd_opt(2027, 3, 17).unwrap();
    let app = spawn_app_at(now).await;
    let started = std::time::Instant::now();
    seed::demo_story(&app.app_state).await.unwrap();
    let took = started.elapsed();
    seed::demo_story(&app.app_state).await.unwrap();
    let manager = session_of(app.login(seed::DEMO_MANAGER, seed::DEMO_PASSWORD).await).await;
    let get = |path: String| {
        let app = &app;
        let token = manager.token.clone();
        async move {
            let response = app.get(&path, &token).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            response.json::<Value>().await.unwrap()
        }
    };
    let accounts = get("/api/v1/accounts?limit=200".into()).await;
    let accounts = accounts["items"].as_array().unwrap().clone();
    assert_eq!(accounts.len(), 30, "seeding twice adds nothing");

    // Contracts: one per account plus the renewed ones' next contracts.
    let contracts = get("/api/v1/contracts?limit=200".into()).await;
    let contracts = contracts["items"].as_array().unwrap().clone();
    let renewals = get("/api/v1/renewals?limit=200".into()).await;
    let renewals = renewals["items"].as_array().unwrap().clone();
    let stage_count = |stage: &str| renewals.iter().filter(|r| r["stage"] == stage).count();
    let (renewed, churned) = (stage_count("renewed"), stage_count("churned"));
    assert!(
        renewed >= 3 && churned >= 2,
        "{renewed} renewed, {churned} churned"
    );
    assert_eq!(contracts.len(), 30 + renewed);
    assert!(
        stage_count("upcoming") + stage_count("in_negotiation") + stage_count("committed") >= 5
    );
    assert!(renewals
        .iter()
        .filter(|r| r["stage"] == "churned")
        .all(|r| r["churn_reason"].is_string()));

    let mut statuses = BTreeSet::new();
    let mut bands = BTreeMap::new();
    let mut weakest = BTreeSet::new();
    let (mut up, mut down) = (0, 0);
    let mut middling = 0;
    let (mut licensed, mut registered, mut old_history) = (0, 0, 0);
    for account in &accounts {
        let id = account["id"].as_i64().unwrap();
        let stage = account["stage"].as_str().unwrap();
        let licences = get(format!("/api/v1/accounts/{id}/licenses")).await;
        let licences = licences.as_array().unwrap();
        licensed += usize::from(!licences.is_empty());
        registered += licences
            .iter()
            .filter(|l| l["status"] == "registered")
            .count();
        let timeline = get(format!("/api/v1/accounts/{id}/timeline?limit=200")).await;
        let oldest = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["occurred_at"].as_str())
            .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .min()
            .unwrap();
        old_history += usize::from(oldest < now - Duration::days(60));
        if stage == "onboarding" {
            let plan = get(format!("/api/v1/accounts/{id}/onboarding")).await;
            statuses.insert(plan["status"].as_str().unwrap().to_string());
        }
        let health = get(format!("/api/v1/accounts/{id}/health")).await;
        middling += usize::from((45..=55).contains(&health["score"].as_i64().unwrap()));
        *bands
            .entry(health["band"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
        if let Some(w) = health["weakest"].as_str() {
            weakest.insert(w.to_string());
        }
        match health["trend_change"].as_i64() {
            Some(c) if c > 0 => up += 1,
            Some(c) if c < 0 => down += 1,
            _ => {}
        }
        let renewal_sub = health["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["component"] == "renewal")
            .unwrap()["sub_score"]
            .as_f64();
        if stage == "churned" {
            // No contract in force, and the renewal component says so.
            let theirs = get(format!("/api/v1/contracts?account_id={id}")).await;
            for c in theirs["items"].as_array().unwrap() {
                let ends: NaiveDate = c["ends_on"].as_str().unwrap().parse().unwrap();
                assert!(
                    ends < today,
                    "churned account {id} has a contract to {ends}"
                );
            }
            assert_eq!(renewal_sub, Some(0.0), "{health}");
        }
    }
    assert_eq!(licensed, 30);
    assert!((25..30).contains(&registered), "{registered} registered");
    for status in ["on_track", "behind", "stuck"] {
        assert!(statuses.contains(status), "{statuses:?}");
    }
    assert!(
        old_history >= 20,
        "{old_history} accounts with 60-day-old history"
    );
    // The spread of a real book (issue 16): some red, a good share of
    // green and yellow, not a crowd in the middle, several different
    // weakest components, trends both ways.
    let band = |b: &str| bands.get(b).copied().unwrap_or(0);
    assert!(
        band("red") >= 3 && band("yellow") >= 5 && band("green") >= 8,
        "{bands:?}"
    );
    assert!(
        middling < 10,
        "{middling} of 30 accounts score 45–55: {bands:?}"
    );
    assert!(weakest.len() >= 4, "{weakest:?}");
    assert!(up >= 4 && down >= 4, "{up} up, {down} down");

    // Tickets: breaches recorded by the SLA monitor, others due within hours.
    let breached = get("/api/v1/tickets?breached=true&limit=200".into()).await;
    assert!(
        breached["items"].as_array().unwrap().len() >= 3,
        "{breached}"
    );
    let soon = get("/api/v1/tickets?due_within=240&limit=200".into()).await;
    assert!(soon["items"].as_array().unwrap().len() >= 2, "{soon}");

    // Retention shows in the renewal report and the dashboard has its figures.
    let report = get("/api/v1/reports/renewals?from=2025-10-01&to=2027-12-31".into()).await;
    assert!(report["renewed_count"].as_u64().unwrap() >= 3, "{report}");
    assert!(report["churned_count"].as_u64().unwrap() >= 2, "{report}");
    assert!(report["gross_revenue_retention"].is_string(), "{report}");
    assert!(report["net_revenue_retention"].is_string(), "{report}");
    let dashboard = get("/api/v1/dashboard".into()).await;
    assert!(
        dashboard["breached_tickets"].as_u64().unwrap() >= 3,
        "{dashboard}"
    );
    // The dashboard tells the story: onboarding running late, renewals
    // due within a month, red accounts at risk with their ARR.
    let onboarding = &dashboard["onboarding"];
    assert!(
        onboarding["behind"].as_u64().unwrap() + onboarding["stuck"].as_u64().unwrap() >= 2,
        "{onboarding}"
    );
    assert!(
        dashboard["renewals_due"][0]["count"].as_u64().unwrap() >= 1,
        "{dashboard}"
    );
    let at_risk = dashboard["at_risk_accounts"].as_array().unwrap();
    assert!(
        at_risk.iter().filter(|a| a["band"] == "red").count() >= 3,
        "{at_risk:?}"
    );
    assert!(
        !dashboard["at_risk_arr"].as_array().unwrap().is_empty(),
        "{dashboard}"
    );
    assert!(
        took < std::time::Duration::from_secs(60),
        "seeding took {took:?}"
    );
}
