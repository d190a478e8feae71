//! The service report's rollup (`service_rollup`, issue 16): after a
//! random mix of ticket operations through the API, concurrent writes on
//! the same day and key, a build interleaved with writes, and a change of
//! the workspace's time zone, the report read from the rollup equals the
//! report computed from the tickets, figure for figure (the reference:
//! the same request while the workspace's rollup is marked unbuilt, which
//! makes the server read the tickets' own figures).

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::*;

/// Shanghai local time (UTC+8).
fn sh(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, month, day, hour, 0, 0).unwrap() - Duration::hours(8)
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

async fn workspace_of(app: &TestApp, user_id: i64) -> i64 {
    server::entity::users::Entity::find_by_id(user_id)
        .one(&app.app_state.db.write)
        .await
        .unwrap()
        .unwrap()
        .workspace_id
}

async fn exec(app: &TestApp, sql: String) {
    let db = &app.app_state.db.write;
    db.execute(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
}

async fn built(app: &TestApp, ws: i64) -> bool {
    let db = &app.app_state.db.write;
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT done FROM service_rollup_state WHERE workspace_id = {ws}"),
        ))
        .await
        .unwrap();
    row.is_some_and(|r| r.try_get::<bool>("", "done").unwrap())
}

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/reports/service?{query}"), token)
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let mut v: Value = r.json().await.unwrap();
    v.as_object_mut().unwrap().remove("computed_at");
    v
}

/// Each request's report from the rollup equals the one from the tickets.
async fn assert_rollup_matches(app: &TestApp, ws: i64, token: &str, queries: &[String]) {
    assert!(built(app, ws).await, "the rollup is built");
    let mut from_rollup = Vec::new();
    for q in queries {
        from_rollup.push(report(app, token, q).await);
    }
    exec(
        app,
        format!("UPDATE service_rollup_state SET done = FALSE WHERE workspace_id = {ws}"),
    )
    .await;
    for (q, rolled) in queries.iter().zip(&from_rollup) {
        let scanned = report(app, token, q).await;
        assert_eq!(rolled, &scanned, "{q}");
    }
    exec(
        app,
        format!("UPDATE service_rollup_state SET done = TRUE WHERE workspace_id = {ws}"),
    )
    .await;
}

struct Shop {
    app: TestApp,
    ws: i64,
    admin_email: &'static str,
    engineers: Vec<(i64, &'static str)>,
    portal_email: &'static str,
    /// Staff accounts: covered, outside agreement.
    accounts: [i64; 2],
    tickets: Vec<i64>,
    portal_tickets: Vec<i64>,
}

impl Shop {
    async fn new(at: DateTime<Utc>) -> Shop {
        let app = spawn_app_at(at).await;
        let admin = app.signup("汇总", "rollup-admin@x.cn").await;
        let ws = workspace_of(&app, admin.id()).await;
        let e1 = app.staff(&admin, "engineer", "rollup-e1@x.cn").await;
        let e2 = app.staff(&admin, "engineer", "rollup-e2@x.cn").await;
        let r = app
            .put(
                "/api/v1/settings/module-owners",
                &admin.token,
                json!({"finance": e1.id(), "sales": e2.id()}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = app
            .post(
                "/api/v1/service-levels",
                &admin.token,
                json!({"name": "标准服务", "tickets_included": false,
                       "channels": {"portal": true, "email": true, "phone": true},
                       "sla_policy": "bronze", "person_days_per_year": 0,
                       "onsite_visits_per_year": 0, "modules": ["finance"]}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let covered = app.create_account(&admin.token, "华南电子", "1").await["id"]
            .as_i64()
            .unwrap();
        let standard = app.create_account(&admin.token, "标准客户", "2").await["id"]
            .as_i64()
            .unwrap();
        let r = app
            .post(
                &format!("/api/v1/accounts/{standard}/agreements"),
                &admin.token,
                json!({"level": "标准服务", "starts_on": "2027-01-01", "ends_on": "2027-12-31",
                       "signed_on": "2027-01-01", "service_content": "远程支持",
                       "complaint_procedure": "致电客户部经理", "service_process": "热线"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let _ = app.portal_user(&admin, "rollup-cust@x.cn", "9").await;
        Shop {
            app,
            ws,
            admin_email: "rollup-admin@x.cn",
            engineers: vec![(e1.id(), "rollup-e1@x.cn"), (e2.id(), "rollup-e2@x.cn")],
            portal_email: "rollup-cust@x.cn",
            accounts: [covered, standard],
            tickets: Vec::new(),
            portal_tickets: Vec::new(),
        }
    }

    /// Moves the clock and signs the admin in again (tokens follow it).
    async fn at(&self, when: DateTime<Utc>) -> Session {
        self.app.clock.as_ref().unwrap().set(when);
        self.app.login_ok(self.admin_email).await
    }

    fn ok(&self, status: StatusCode, what: &str) {
        assert!(status.as_u16() < 500, "{what}: {status}");
    }

    /// One random operation through the API.
    async fn step(&mut self, rng: &mut Rng, staff: &Session) {
        const MODULES: [&str; 3] = ["finance", "sales", "inventory"];
        let app = &self.app;
        let pick = |rng: &mut Rng, v: &Vec<i64>| (!v.is_empty()).then(|| v[rng.below(v.len())]);
        match rng.below(12) {
            0 | 1 => {
                let account = self.accounts[usize::from(rng.below(5) == 0)];
                let priority = ["p2", "p3"][rng.below(2)];
                let r = app
                    .post(
                        "/api/v1/tickets",
                        &staff.token,
                        json!({"account_id": account, "module": MODULES[rng.below(3)],
                               "category": "how_to", "priority": priority,
                               "subject": "凭证过账报错", "description": "月末结账"}),
                    )
                    .await;
                assert_eq!(r.status(), StatusCode::CREATED);
                self.tickets
                    .push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
            }
            2 => {
                let portal = app.login_ok(self.portal_email).await;
                let r = app
                    .post(
                        "/api/v1/portal/tickets",
                        &portal.token,
                        json!({"module": MODULES[rng.below(3)], "category": "bug",
                               "priority": "p3", "subject": "库存对不上",
                               "description": "盘点后数量不一致"}),
                    )
                    .await;
                self.ok(r.status(), "portal ticket");
                if r.status() == StatusCode::CREATED {
                    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
                    self.tickets.push(id);
                    self.portal_tickets.push(id);
                }
            }
            3 | 4 => {
                if let Some(id) = pick(rng, &self.tickets) {
                    let r = app
                        .post(
                            &format!("/api/v1/tickets/{id}/comments"),
                            &staff.token,
                            json!({"body": "已处理，请查看", "internal": rng.below(4) == 0}),
                        )
                        .await;
                    self.ok(r.status(), "reply");
                }
            }
            5 | 6 => {
                if let Some(id) = pick(rng, &self.tickets) {
                    let status = ["resolved", "resolved", "open", "closed", "pending_customer"]
                        [rng.below(5)];
                    let r = app
                        .patch(
                            &format!("/api/v1/tickets/{id}"),
                            &staff.token,
                            json!({"status": status}),
                        )
                        .await;
                    self.ok(r.status(), "status");
                }
            }
            7 => {
                if let Some(id) = pick(rng, &self.tickets) {
                    let to = match rng.below(3) {
                        0 => Value::Null,
                        k => json!(self.engineers[k - 1].0),
                    };
                    let module = MODULES[rng.below(3)];
                    let r = app
                        .patch(
                            &format!("/api/v1/tickets/{id}"),
                            &staff.token,
                            json!({"assignee_id": to, "module": module}),
                        )
                        .await;
                    self.ok(r.status(), "assign");
                }
            }
            8 => {
                if let Some(id) = pick(rng, &self.tickets) {
                    let r = app
                        .post(
                            &format!("/api/v1/tickets/{id}/escalate"),
                            &staff.token,
                            json!({"reason": "需要二线"}),
                        )
                        .await;
                    self.ok(r.status(), "escalate");
                }
            }
            9 => {
                if let (Some(d), Some(t)) = (pick(rng, &self.tickets), pick(rng, &self.tickets)) {
                    let r = app
                        .post(
                            &format!("/api/v1/tickets/{d}/merge"),
                            &staff.token,
                            json!({"into": t}),
                        )
                        .await;
                    self.ok(r.status(), "merge");
                }
            }
            10 => {
                if let Some(id) = pick(rng, &self.portal_tickets) {
                    let portal = app.login_ok(self.portal_email).await;
                    let r = app
                        .post(
                            &format!("/api/v1/portal/tickets/{id}/satisfaction"),
                            &portal.token,
                            json!({"rating": 1 + rng.below(5)}),
                        )
                        .await;
                    self.ok(r.status(), "rating");
                    // The customer writes again (reopens a resolved one).
                    let r = app
                        .post(
                            &format!("/api/v1/portal/tickets/{id}/comments"),
                            &portal.token,
                            json!({"body": "还是不行"}),
                        )
                        .await;
                    self.ok(r.status(), "portal reply");
                }
            }
            _ => {
                let r = app
                    .post(
                        "/api/v1/admin/jobs/sla-monitor/run",
                        &staff.token,
                        json!({}),
                    )
                    .await;
                self.ok(r.status(), "monitor");
            }
        }
    }

    /// The requests compared: periods with whole and partial months, the
    /// filters, and an engineer's own view.
    fn queries(&self) -> Vec<String> {
        let e1 = self.engineers[0].0;
        vec![
            "from=2027-01-15&to=2027-04-10".into(),
            "from=2027-02-01&to=2027-03-31".into(),
            "from=2027-02-25&to=2027-03-02".into(),
            "from=2027-03-01&to=2027-03-31".into(),
            "from=2027-03-05&to=2027-05-31".into(),
            "from=2027-01-15&to=2027-04-10&module=finance".into(),
            "from=2027-02-01&to=2027-03-31&level=bronze".into(),
            format!("from=2027-02-01&to=2027-03-20&assignee_id={e1}"),
            format!("from=2027-01-15&to=2027-04-10&assignee_id={e1}&module=sales"),
        ]
    }
}

#[actix_web::test]
async fn after_random_operations_the_rollup_equals_the_tickets() {
    let mut shop = Shop::new(sh(2, 20, 9)).await;
    let mut rng = Rng(0x5eed_2027_0220_0916);
    let mut now = sh(2, 20, 9);
    for _ in 0..22 {
        // Across days, nights (a Shanghai day is not the UTC day) and the
        // end of February.
        now += Duration::hours(3 + rng.below(20) as i64);
        let staff = if rng.below(3) == 0 {
            let (_, email) = shop.engineers[rng.below(2)];
            shop.app.clock.as_ref().unwrap().set(now);
            shop.app.login_ok(email).await
        } else {
            shop.at(now).await
        };
        for _ in 0..(2 + rng.below(4)) {
            shop.step(&mut rng, &staff).await;
        }
    }
    let admin = shop.at(now).await;
    assert!(shop.tickets.len() >= 10, "{}", shop.tickets.len());
    let queries = shop.queries();
    assert_rollup_matches(&shop.app, shop.ws, &admin.token, &queries).await;
    // An engineer's own view.
    let engineer = shop.app.login_ok(shop.engineers[0].1).await;
    assert_rollup_matches(&shop.app, shop.ws, &engineer.token, &queries[..4]).await;
    // The totals add up to the tickets opened in the period.
    let r = report(&shop.app, &admin.token, "from=2027-01-01&to=2027-12-31").await;
    assert_eq!(r["totals"]["tickets"], shop.tickets.len() as u64, "{r}");

    // Built again from the tickets, the same.
    server::domain::tickets::service_rollup::rebuild(&shop.app.app_state.db, shop.ws)
        .await
        .unwrap();
    assert_rollup_matches(&shop.app, shop.ws, &admin.token, &queries).await;
}

#[actix_web::test]
async fn concurrent_writes_on_one_day_and_key_lose_nothing() {
    let shop = Shop::new(sh(3, 3, 9)).await;
    let admin = shop.at(sh(3, 3, 10)).await;
    let app = &shop.app;
    // Twelve finance tickets of one account at once: one assignee (the
    // module owner), one level, one day.
    let created = futures_util::future::join_all((0..12).map(|_| {
        app.post(
            "/api/v1/tickets",
            &admin.token,
            json!({"account_id": shop.accounts[0], "module": "finance", "category": "how_to",
                   "priority": "p3", "subject": "同时", "description": "并发"}),
        )
    }))
    .await;
    let mut ids = Vec::new();
    for r in created {
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let admin = shop.at(sh(3, 3, 11)).await;
    // Their first replies at once, then their resolutions at once.
    for r in futures_util::future::join_all(ids.iter().map(|id| {
        let path = format!("/api/v1/tickets/{id}/comments");
        let token = admin.token.clone();
        async move {
            app.post(&path, &token, json!({"body": "收到", "internal": false}))
                .await
        }
    }))
    .await
    {
        assert!(r.status().is_success());
    }
    let admin = shop.at(sh(3, 3, 15)).await;
    for r in futures_util::future::join_all(ids.iter().map(|id| {
        let path = format!("/api/v1/tickets/{id}");
        let token = admin.token.clone();
        async move {
            app.patch(&path, &token, json!({"status": "resolved"}))
                .await
        }
    }))
    .await
    {
        assert!(r.status().is_success());
    }
    let q = "from=2027-03-01&to=2027-03-31".to_string();
    let r = report(app, &admin.token, &q).await;
    assert_eq!(r["totals"]["tickets"], 12, "{r}");
    assert_eq!(r["first_response_time"]["count"], 12);
    assert_eq!(r["resolution_time"]["count"], 12);
    assert_eq!(r["months"][0]["resolved"], 12);
    assert_rollup_matches(app, shop.ws, &admin.token, &[q]).await;
}

#[actix_web::test]
async fn a_build_between_writes_counts_every_ticket_once() {
    let mut shop = Shop::new(sh(2, 26, 9)).await;
    let mut rng = Rng(0xb11d_0000_2027_0226);
    let mut now = sh(2, 26, 9);
    let staff = shop.at(now).await;
    for _ in 0..12 {
        shop.step(&mut rng, &staff).await;
    }
    // As after the migration: nothing built, no time zone yet; then the
    // build goes two tickets at a time while the operations go on.
    exec(
        &shop.app,
        format!(
            "UPDATE service_rollup_state SET time_zone = '', after_id = 0, done = FALSE \
             WHERE workspace_id = {}",
            shop.ws
        ),
    )
    .await;
    let db = shop.app.app_state.db.clone();
    loop {
        let done = server::domain::tickets::service_rollup::build_step(&db, shop.ws, 2)
            .await
            .unwrap();
        if done {
            break;
        }
        now += Duration::hours(2);
        let staff = shop.at(now).await;
        for _ in 0..2 {
            shop.step(&mut rng, &staff).await;
        }
    }
    let staff = shop.at(now + Duration::hours(1)).await;
    for _ in 0..6 {
        shop.step(&mut rng, &staff).await;
    }
    let queries = shop.queries();
    assert_rollup_matches(&shop.app, shop.ws, &staff.token, &queries).await;
}

#[actix_web::test]
async fn a_new_time_zone_builds_the_rollup_again() {
    let mut shop = Shop::new(sh(2, 27, 9)).await;
    let mut rng = Rng(0x7a7a_2027_0227_0001);
    let mut now = sh(2, 27, 9);
    for _ in 0..8 {
        now += Duration::hours(5);
        let staff = shop.at(now).await;
        for _ in 0..3 {
            shop.step(&mut rng, &staff).await;
        }
    }
    let admin = shop.at(now).await;
    let mut calendar = body(shop.app.get("/api/v1/calendar", &admin.token).await).await;
    calendar["time_zone"] = json!("America/Los_Angeles");
    let r = shop
        .app
        .put("/api/v1/calendar", &admin.token, calendar)
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    // Built again in the background; the report reads the tickets until.
    for _ in 0..200 {
        if built(&shop.app, shop.ws).await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let queries = shop.queries();
    assert_rollup_matches(&shop.app, shop.ws, &admin.token, &queries).await;
}
