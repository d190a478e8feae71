//! The service report (issue 16): hand-checked SLA attainment, business
//! hours across a weekend, a breached ticket, a ticket outside agreement
//! (in no attainment, counted apart), medians and p90, backlog and CSAT;
//! the queue filters its figures open; the per-ticket CSV; who may see it;
//! tenant isolation; and the KPI report leaving tickets outside agreement
//! out of its SLA compliance.
//!
//! The workspace keeps the default calendar (Monday to Friday 09:00–18:00,
//! Asia/Shanghai) and bronze targets for p3: first response 480 business
//! minutes, resolution 4320.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{json, Value};

use crate::helpers::*;

/// Shanghai local time in March 2027 (UTC+8).
fn sh(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, day, hour, 0, 0).unwrap() - Duration::hours(8)
}

const MARCH: &str = "from=2027-03-01&to=2027-03-31";

struct World {
    app: TestApp,
    admin_email: &'static str,
    engineer_email: &'static str,
    engineer_id: i64,
    /// Ticket ids: A (weekend, met), B (late first response), C (outside
    /// agreement), D (unanswered, breached by the monitor).
    a: i64,
    b: i64,
    c: i64,
    d: i64,
}

impl World {
    /// Moves the clock and signs in again (tokens follow the clock).
    async fn at(&self, when: DateTime<Utc>, email: &str) -> Session {
        self.app.clock.as_ref().unwrap().set(when);
        self.app.login_ok(email).await
    }

    async fn ticket(&self, token: &str, account: i64) -> i64 {
        let r = self
            .app
            .post(
                "/api/v1/tickets",
                token,
                json!({"account_id": account, "module": "finance", "category": "how_to",
                       "priority": "p3", "subject": "凭证过账报错", "description": "月末结账"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    async fn reply(&self, token: &str, id: i64) {
        let r = self
            .app
            .post(
                &format!("/api/v1/tickets/{id}/comments"),
                token,
                json!({"body": "已处理，请查看", "internal": false}),
            )
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }

    async fn resolve(&self, token: &str, id: i64) {
        let r = self
            .app
            .patch(
                &format!("/api/v1/tickets/{id}"),
                token,
                json!({"status": "resolved"}),
            )
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
}

async fn world() -> World {
    let app = spawn_app_at(sh(1, 9)).await;
    let admin = app.signup("服务", "svc-admin@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "svc-eng@x.cn").await;
    let r = app
        .put(
            "/api/v1/settings/module-owners",
            &admin.token,
            json!({"finance": engineer.id()}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A level without tickets, and an account whose agreement is at it.
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
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
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
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );

    let mut w = World {
        app,
        admin_email: "svc-admin@x.cn",
        engineer_email: "svc-eng@x.cn",
        engineer_id: engineer.id(),
        a: 0,
        b: 0,
        c: 0,
        d: 0,
    };
    // A: opened Friday 5 March 17:00, answered Monday 10:00 (60 + 60 =
    // 120 business minutes, due Monday 16:00: met), resolved Monday 12:00
    // (240 minutes: met).
    let s = w.at(sh(5, 17), w.admin_email).await;
    w.a = w.ticket(&s.token, covered).await;
    // C: outside agreement, opened at the same time.
    w.c = w.ticket(&s.token, standard).await;
    let s = w.at(sh(8, 9), w.admin_email).await;
    // B: opened Monday 09:00 (first response due 17:00).
    w.b = w.ticket(&s.token, covered).await;
    let s = w.at(sh(8, 10), w.engineer_email).await;
    w.reply(&s.token, w.a).await;
    let s = w.at(sh(8, 12), w.engineer_email).await;
    w.resolve(&s.token, w.a).await;
    // C answered and resolved Monday 12:00, a weekend late: no SLA.
    w.reply(&s.token, w.c).await;
    w.resolve(&s.token, w.c).await;
    // B answered Tuesday 10:00 (540 + 60 = 600 minutes: breached),
    // resolved Tuesday 11:00 (660 minutes, within 4320: met).
    let s = w.at(sh(9, 9), w.admin_email).await;
    // D: opened Tuesday 09:00 and never answered.
    w.d = w.ticket(&s.token, covered).await;
    let s = w.at(sh(9, 10), w.engineer_email).await;
    w.reply(&s.token, w.b).await;
    let s = w.at(sh(9, 11), w.engineer_email).await;
    w.resolve(&s.token, w.b).await;
    // Thursday: the monitor marks D's first response missed.
    let s = w.at(sh(11, 10), w.admin_email).await;
    let r = w
        .app
        .post("/api/v1/admin/jobs/sla-monitor/run", &s.token, json!({}))
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // Ratings: A 5, B 2.
    for (id, rating) in [(w.a, 5), (w.b, 2)] {
        let row = server::entity::tickets::Entity::find_by_id(id)
            .one(&w.app.app_state.db.write)
            .await
            .unwrap()
            .unwrap();
        let mut row: server::entity::tickets::ActiveModel = row.into();
        row.csat_rating = Set(Some(rating));
        row.csat_at = Set(Some(sh(10, 9)));
        row.update(&w.app.app_state.db.write).await.unwrap();
    }
    // Written directly, past the service report's rollup: built again.
    let ws = server::entity::tickets::Entity::find_by_id(w.a)
        .one(&w.app.app_state.db.write)
        .await
        .unwrap()
        .unwrap()
        .workspace_id;
    server::domain::tickets::service_rollup::rebuild(&w.app.app_state.db, ws)
        .await
        .unwrap();
    w
}

fn ids(page: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

#[actix_web::test]
async fn the_service_report_adds_up_by_hand() {
    let w = world().await;
    let admin = w.at(sh(11, 10), w.admin_email).await;
    let r = body(
        w.app
            .get(&format!("/api/v1/reports/service?{MARCH}"), &admin.token)
            .await,
    )
    .await;
    let t = &r["totals"];
    assert_eq!(t["tickets"], 4, "{r}");
    assert_eq!(t["outside_agreement"], 1);
    assert_eq!(
        t["first_response"],
        json!({"met": 1, "breached": 2, "pending": 0, "rate": "33.33"})
    );
    assert_eq!(
        t["resolution"],
        json!({"met": 2, "breached": 0, "pending": 1, "rate": "100.00"})
    );
    assert_eq!(t["csat"], json!({"responses": 2, "average": "3.5"}));
    // Business minutes, outside agreement left out: first responses 120
    // and 600, resolutions 240 and 660.
    assert_eq!(
        r["first_response_time"],
        json!({"count": 2, "median_minutes": 120, "p90_minutes": 600})
    );
    assert_eq!(
        r["resolution_time"],
        json!({"count": 2, "median_minutes": 240, "p90_minutes": 660})
    );
    let months = r["months"].as_array().unwrap();
    assert_eq!(months.len(), 1);
    assert_eq!(months[0]["month"], "2027-03");
    assert_eq!(months[0]["opened"], 4);
    assert_eq!(months[0]["resolved"], 3);
    assert_eq!(months[0]["open_at_end"], 1);
    assert_eq!(r["by_module"][0]["key"], "finance");
    let levels: Vec<&str> = r["by_level"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["bronze", "标准服务"]);
    assert_eq!(r["by_level"][1]["figures"]["outside_agreement"], 1);
    assert_eq!(r["by_engineer"][0]["key"], w.engineer_id.to_string());
    assert_eq!(r["by_engineer"][0]["figures"]["tickets"], 4);

    // Each figure opens its tickets in the queue.
    let month = &months[0];
    let q = format!(
        "opened_from={}&opened_before={}",
        month["start"].as_str().unwrap(),
        month["end"].as_str().unwrap()
    )
    .replace('+', "%2B");
    let queue = |filter: &str| {
        let path = format!("/api/v1/tickets?{q}&{filter}");
        let token = admin.token.clone();
        let app = &w.app;
        async move { body(app.get(&path, &token).await).await }
    };
    assert_eq!(ids(&queue("first_response=breached").await), [w.b, w.d]);
    assert_eq!(ids(&queue("first_response=met").await), [w.a]);
    assert_eq!(ids(&queue("resolution=met").await), [w.a, w.b]);
    assert_eq!(ids(&queue("outside_agreement=true").await), [w.c]);
    assert_eq!(ids(&queue("level=bronze&rated=true").await), [w.a, w.b]);
    assert_eq!(
        ids(&queue(&format!("assignee_id={}&module=finance", w.engineer_id)).await).len(),
        4
    );
    // Opened before the month: nothing.
    let none = body(
        w.app
            .get(
                "/api/v1/tickets?opened_before=2027-03-01T00:00:00Z",
                &admin.token,
            )
            .await,
    )
    .await;
    assert_eq!(ids(&none), Vec::<i64>::new());

    // A filtered report: the breached ticket's level only.
    let r = body(
        w.app
            .get(
                &format!(
                    "/api/v1/reports/service?{MARCH}&level=%E6%A0%87%E5%87%86%E6%9C%8D%E5%8A%A1"
                ),
                &admin.token,
            )
            .await,
    )
    .await;
    assert_eq!(r["totals"]["tickets"], 1);
    assert_eq!(r["totals"]["first_response"]["rate"], Value::Null);

    // The KPI report: C was resolved by the engineer but outside agreement.
    let kpi = body(
        w.app
            .get(&format!("/api/v1/reports/kpi?{MARCH}"), &admin.token)
            .await,
    )
    .await;
    let row = kpi["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["user_id"] == w.engineer_id)
        .unwrap()
        .clone();
    assert_eq!(row["tickets_resolved"], 3, "{row}");
    assert_eq!(row["resolved_outside_agreement"], 1);
    assert_eq!(row["resolved_within_sla"], 2);
    assert_eq!(row["sla_compliance"], "100.00");
}

#[actix_web::test]
async fn the_csv_has_a_line_per_ticket_with_its_sla_times() {
    let w = world().await;
    let admin = w.at(sh(11, 10), w.admin_email).await;
    let r = w
        .app
        .get(
            &format!("/api/v1/reports/service?{MARCH}&format=csv"),
            &admin.token,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a BOM");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "number,subject,account,module,service_level,priority,status,assignee,outside_agreement,\
         opened_at,first_response_due_at,first_responded_at,first_response_business_minutes,\
         first_response_sla,resolution_due_at,resolved_at,resolution_business_minutes,\
         resolution_sla,csat"
    );
    assert_eq!(lines.len(), 5, "{text}");
    // A, opened first: 120 and 240 business minutes, both met, rated 5.
    let a: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(a[2], "华南电子");
    assert_eq!(a[8], "false");
    assert_eq!(a[9], "2027-03-05T09:00:00Z");
    assert_eq!(a[10], "2027-03-08T08:00:00Z");
    assert_eq!(a[11], "2027-03-08T02:00:00Z");
    assert_eq!(&a[12..14], ["120", "met"]);
    assert_eq!(&a[16..], ["240", "met", "5"]);
    // C: outside agreement, no due times, no outcome.
    let c: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(c[2], "标准客户");
    assert_eq!(c[8], "true");
    assert_eq!(c[10], "");
    assert_eq!(c[13], "none");
    assert_eq!(c[14], "");
    assert_eq!(c[17], "none");
    // B breached its first response; D is still unanswered.
    let b: Vec<&str> = lines[3].split(',').collect();
    assert_eq!(&b[12..14], ["600", "breached"]);
    let d: Vec<&str> = lines[4].split(',').collect();
    assert_eq!(&d[11..14], ["", "", "breached"]);
    assert_eq!(d[17], "pending");
}

#[actix_web::test]
async fn who_may_see_the_service_report() {
    let w = world().await;
    let admin = w.at(sh(11, 10), w.admin_email).await;
    let manager = w.app.staff(&admin, "manager", "svc-mgr@x.cn").await;
    let csm = w.app.staff(&admin, "csm", "svc-csm@x.cn").await;
    let other = w.app.staff(&admin, "engineer", "svc-eng2@x.cn").await;
    let engineer = w.app.login_ok(w.engineer_email).await;
    let path = format!("/api/v1/reports/service?{MARCH}");
    let r = body(w.app.get(&path, &manager.token).await).await;
    assert_eq!(r["scope"], "workspace");
    assert_eq!(r["totals"]["tickets"], 4);
    // An engineer sees their own tickets; another engineer none of them.
    let r = body(w.app.get(&path, &engineer.token).await).await;
    assert_eq!(r["scope"], "own");
    assert_eq!(r["totals"]["tickets"], 4);
    let r = body(w.app.get(&path, &other.token).await).await;
    assert_eq!(r["totals"]["tickets"], 0);
    assert_error(
        w.app
            .get(
                &format!("{path}&assignee_id={}", w.engineer_id),
                &other.token,
            )
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for p in [path.clone(), format!("{path}&format=csv")] {
        assert_error(
            w.app.get(&p, &csm.token).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let (_, portal) = w.app.portal_user(&admin, "svc-cust@x.cn", "9").await;
    assert_error(
        w.app.get(&path, &portal.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Bad input: 422, never 5xx.
    for bad in [
        "from=2027-03-31&to=2027-03-01",
        "from=2025-01-01&to=2027-03-01",
        "format=xml",
        "from=nonsense",
        "module=nonsense",
    ] {
        let r = w
            .app
            .get(&format!("/api/v1/reports/service?{bad}"), &admin.token)
            .await;
        assert!(
            r.status().is_client_error(),
            "{bad}: {}",
            r.status().as_u16()
        );
    }
}

#[actix_web::test]
async fn another_workspace_sees_none_of_it() {
    let w = world().await;
    let _ = w.at(sh(11, 10), w.admin_email).await;
    let stranger = w.app.signup("别家", "svc-other@x.cn").await;
    let r = body(
        w.app
            .get(&format!("/api/v1/reports/service?{MARCH}"), &stranger.token)
            .await,
    )
    .await;
    assert_eq!(r["totals"]["tickets"], 0);
    assert_eq!(r["by_engineer"], json!([]));
    let r = body(
        w.app
            .get(
                &format!(
                    "/api/v1/reports/service?{MARCH}&assignee_id={}",
                    w.engineer_id
                ),
                &stranger.token,
            )
            .await,
    )
    .await;
    assert_eq!(r["totals"]["tickets"], 0);
    let csv = w
        .app
        .get(
            &format!("/api/v1/reports/service?{MARCH}&format=csv"),
            &stranger.token,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.contains("华南电子"), "{csv}");
    assert_eq!(csv.trim_end().lines().count(), 1);
    let queue = body(
        w.app
            .get("/api/v1/tickets?first_response=breached", &stranger.token)
            .await,
    )
    .await;
    assert_eq!(ids(&queue), Vec::<i64>::new());
}
