//! Reports and the dashboard: renewal arithmetic (rates, GRR/NRR, months,
//! churn reasons) against hand-computed fixtures with exact decimals, the
//! CSV exports (BOM, header, quoting), KPI figures, dashboard counts,
//! portfolio scoping (CSM vs manager), tenant isolation and portal
//! exclusion.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{json, Value};

use crate::helpers::*;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// 2027-10-01 09:00 in Shanghai.
fn start() -> DateTime<Utc> {
    at(2027, 10, 1, 1, 0)
}

async fn contract(
    app: &TestApp,
    token: &str,
    account: &Value,
    ends_on: &str,
    value: &str,
    currency: &str,
) -> Value {
    let starts_on = NaiveDate::parse_from_str(ends_on, "%Y-%m-%d").unwrap() - Duration::days(364);
    let response = app
        .post(
            "/api/v1/contracts",
            token,
            json!({"account_id": account["id"], "starts_on": starts_on, "ends_on": ends_on,
                   "annual_value": value, "currency": currency}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// The renewal of a contract (opened when the contract was created within
/// the horizon, or by the scheduler's pass).
async fn renewal_of(app: &TestApp, token: &str, contract: &Value) -> i64 {
    let list: Value = app
        .get("/api/v1/renewals?limit=200", token)
        .await
        .json()
        .await
        .unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["contract_id"] == contract["id"])
        .unwrap_or_else(|| panic!("no renewal for {contract}: {list}"))["id"]
        .as_i64()
        .unwrap()
}

/// A staff user with the given display name.
async fn named_staff(
    app: &TestApp,
    admin: &Session,
    role: &str,
    email: &str,
    name: &str,
) -> Session {
    let response = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"name": name, "email": email, "role": role}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.accept_invitation(email).await
}

struct TicketRow {
    account_id: i64,
    assignee: Option<i64>,
    module: &'static str,
    status: &'static str,
    created: DateTime<Utc>,
    first_response: Option<DateTime<Utc>>,
    resolved: Option<DateTime<Utc>>,
    resolution_due: DateTime<Utc>,
    breached: bool,
}

impl TicketRow {
    fn new(account_id: i64, assignee: Option<i64>, created: DateTime<Utc>) -> TicketRow {
        TicketRow {
            account_id,
            assignee,
            module: "finance",
            status: "open",
            created,
            first_response: None,
            resolved: None,
            resolution_due: created + Duration::days(3),
            breached: false,
        }
    }
}

/// Writes a ticket row directly, with the timestamps a test needs.
async fn insert_ticket(app: &TestApp, workspace_id: i64, creator: i64, number: i64, t: TicketRow) {
    server::entity::tickets::ActiveModel {
        workspace_id: Set(workspace_id),
        number: Set(number),
        account_id: Set(t.account_id),
        requester_user_id: Set(None),
        created_by_user_id: Set(creator),
        module: Set(t.module.into()),
        category: Set("question".into()),
        priority: Set("p3".into()),
        status: Set(t.status.into()),
        tier: Set(1),
        assignee_id: Set(t.assignee),
        subject: Set(format!("工单 {number}")),
        description: Set("描述".into()),
        service_level: Set("silver".into()),
        first_response_due_at: Set(t.created + Duration::hours(4)),
        resolution_due_at: Set(t.resolution_due),
        first_responded_at: Set(t.first_response),
        resolved_at: Set(t.resolved),
        closed_at: Set(None),
        paused_since: Set(None),
        first_response_breached_at: Set(None),
        resolution_breached_at: Set(t.breached.then_some(t.resolution_due)),
        csat_rating: Set(None),
        csat_comment: Set(None),
        csat_at: Set(None),
        kb_suggestions_shown: Set(false),
        kb_article_opened: Set(false),
        created_at: Set(t.created),
        updated_at: Set(t.created),
        version: Set(1),
        ..Default::default()
    }
    .insert(&app.app_state.db.write)
    .await
    .unwrap();
}

struct World {
    app: TestApp,
    admin: Session,
    csm_a: Session,
    csm_b: Session,
    engineer: Session,
    accounts: Vec<Value>,
}

/// Workspace with CSM A (accounts 1, 2, 5) and CSM B (3, 4, 6), contracts
/// ending in Q4 2027 and one in 2028:
/// 1: 100000.10 → renewed at 120000.30 (expansion 20000.20)
/// 2: 50000.20 → renewed at 40000.00 (downgrade 10000.20)
/// 3: 30000.30 → churned (price)
/// 4: 70000.00 → open, forecast 65000.00, upsell 5000.50
/// 5: USD 999.99 (another currency), 6: ends 2028-01-15 (after the period).
async fn world() -> World {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("报表", "rep-admin@x.cn").await;
    let csm_a = named_staff(&app, &admin, "csm", "rep-a@x.cn", "李雷,客户成功").await;
    let csm_b = named_staff(&app, &admin, "csm", "rep-b@x.cn", "韩梅梅").await;
    let engineer = named_staff(&app, &admin, "engineer", "rep-e@x.cn", "Engineer \"E\"").await;
    let mut accounts = Vec::new();
    for (i, (owner, name)) in [
        (&csm_a, "华为,北京分公司"),
        (&csm_a, "二号客户"),
        (&csm_b, "三号客户"),
        (&csm_b, "四号客户"),
        (&csm_a, "五号客户"),
        (&csm_b, "六号客户"),
    ]
    .into_iter()
    .enumerate()
    {
        accounts.push(
            app.create_account(&owner.token, name, &(i + 1).to_string())
                .await,
        );
    }
    let c1 = contract(
        &app,
        &csm_a.token,
        &accounts[0],
        "2027-10-31",
        "100000.10",
        "CNY",
    )
    .await;
    let c2 = contract(
        &app,
        &csm_a.token,
        &accounts[1],
        "2027-11-15",
        "50000.20",
        "CNY",
    )
    .await;
    let c3 = contract(
        &app,
        &csm_b.token,
        &accounts[2],
        "2027-11-30",
        "30000.30",
        "CNY",
    )
    .await;
    let c4 = contract(
        &app,
        &csm_b.token,
        &accounts[3],
        "2027-12-20",
        "70000.00",
        "CNY",
    )
    .await;
    contract(
        &app,
        &csm_a.token,
        &accounts[4],
        "2027-12-01",
        "999.99",
        "USD",
    )
    .await;
    contract(
        &app,
        &csm_b.token,
        &accounts[5],
        "2028-01-15",
        "5.00",
        "CNY",
    )
    .await;

    let r1 = renewal_of(&app, &admin.token, &c1).await;
    let response = app
        .post(
            &format!("/api/v1/renewals/{r1}/renew"),
            &csm_a.token,
            json!({"annual_value": "120000.30"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let r2 = renewal_of(&app, &admin.token, &c2).await;
    let response = app
        .post(
            &format!("/api/v1/renewals/{r2}/renew"),
            &csm_a.token,
            json!({"annual_value": "40000"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let r3 = renewal_of(&app, &admin.token, &c3).await;
    let response = app
        .patch(
            &format!("/api/v1/renewals/{r3}"),
            &csm_b.token,
            json!({"stage": "churned", "churn_reason": "price"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let r4 = renewal_of(&app, &admin.token, &c4).await;
    let response = app
        .patch(
            &format!("/api/v1/renewals/{r4}"),
            &csm_b.token,
            json!({"forecast_amount": "65000.00", "upsell_amount": "5000.50"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    World {
        app,
        admin,
        csm_a,
        csm_b,
        engineer,
        accounts,
    }
}

const Q4: &str = "from=2027-10-01&to=2027-12-31";

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/reports/renewals?{query}"), token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[actix_web::test]
async fn the_renewal_report_matches_the_hand_computed_figures() {
    let w = world().await;
    let app = &w.app;
    let r = report(app, &w.admin.token, Q4).await;
    assert_eq!(r["scope"], "workspace");
    assert_eq!(r["currency"], "CNY");
    assert_eq!(r["due_count"], 4, "{r}");
    assert_eq!(r["due_value"], "250000.60");
    assert_eq!(
        (r["renewed_count"].as_u64(), r["renewed_value"].as_str()),
        (Some(2), Some("150000.30"))
    );
    assert_eq!(
        (r["churned_count"].as_u64(), r["churned_value"].as_str()),
        (Some(1), Some("30000.30"))
    );
    assert_eq!(
        (r["open_count"].as_u64(), r["open_value"].as_str()),
        (Some(1), Some("70000.00"))
    );
    assert_eq!(r["renewal_rate_by_count"], "66.67");
    assert_eq!(r["renewal_rate_by_value"], "83.33");
    assert_eq!(r["starting_arr"], "180000.60");
    assert_eq!(r["churned_arr"], "30000.30");
    assert_eq!(r["downgrade_arr"], "10000.20");
    assert_eq!(r["expansion_arr"], "20000.20");
    // (180000.60 − 30000.30 − 10000.20) / 180000.60 = 77.7775… %
    assert_eq!(r["gross_revenue_retention"], "77.78");
    // (140000.10 + 20000.20) / 180000.60 = 88.8887… %
    assert_eq!(r["net_revenue_retention"], "88.89");
    let months = r["by_month"].as_array().unwrap();
    assert_eq!(months.len(), 3);
    assert_eq!(months[0]["month"], "2027-10");
    assert_eq!(
        (
            months[0]["count"].as_u64(),
            months[0]["annual_value"].as_str(),
            months[0]["renewed_count"].as_u64()
        ),
        (Some(1), Some("100000.10"), Some(1))
    );
    assert_eq!(
        (
            months[1]["count"].as_u64(),
            months[1]["annual_value"].as_str(),
            months[1]["churned_count"].as_u64()
        ),
        (Some(2), Some("80000.50"), Some(1))
    );
    assert_eq!(months[1]["forecast_amount"], "80000.50");
    assert_eq!(
        (
            months[2]["open_count"].as_u64(),
            months[2]["forecast_amount"].as_str(),
            months[2]["upsell_amount"].as_str()
        ),
        (Some(1), Some("65000.00"), Some("5000.50"))
    );
    assert_eq!(
        r["churn_reasons"],
        json!([{"reason": "price", "count": 1, "annual_value": "30000.30"}])
    );

    // Another currency is a report of its own.
    let usd = report(app, &w.admin.token, &format!("{Q4}&currency=USD")).await;
    assert_eq!(
        (usd["due_count"].as_u64(), usd["open_value"].as_str()),
        (Some(1), Some("999.99"))
    );
    // A period without closed renewals has no rates (null, not zero).
    let empty = report(app, &w.admin.token, "from=2028-01-01&to=2028-03-31").await;
    assert_eq!(empty["due_count"], 1);
    assert!(empty["renewal_rate_by_count"].is_null() && empty["gross_revenue_retention"].is_null());

    // A CSM sees their own accounts: 1 and 2.
    let own = report(app, &w.csm_a.token, Q4).await;
    assert_eq!(own["scope"], "own");
    assert_eq!(own["due_count"], 2);
    assert_eq!(own["starting_arr"], "150000.30");
    assert_eq!(own["renewal_rate_by_value"], "100.00");
    assert_eq!(own["gross_revenue_retention"], "93.33");
    assert_eq!(own["net_revenue_retention"], "106.67");
    let own_b = report(app, &w.csm_b.token, Q4).await;
    assert_eq!(own_b["renewal_rate_by_count"], "0.00");
    assert_eq!(own_b["churn_reasons"][0]["reason"], "price");

    // Engineers are refused; bad parameters are 422.
    let response = app
        .get(&format!("/api/v1/reports/renewals?{Q4}"), &w.engineer.token)
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    for bad in [
        "from=2027-12-31&to=2027-01-01",
        "from=2000-01-01&to=2027-01-01",
        "currency=cny",
        "format=xlsx",
        "from=yesterday",
    ] {
        let response = app
            .get(&format!("/api/v1/reports/renewals?{bad}"), &w.admin.token)
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }

    // Another workspace sees none of it.
    let other = app.signup("别家", "rep-other@x.cn").await;
    let theirs = report(app, &other.token, Q4).await;
    assert_eq!(theirs["due_count"], 0);
    assert_eq!(theirs["due_value"], "0.00");
}

#[actix_web::test]
async fn the_renewal_csv_has_a_bom_a_header_and_quoted_fields() {
    let w = world().await;
    let app = &w.app;
    let response = app
        .get(
            &format!("/api/v1/reports/renewals?{Q4}&format=csv"),
            &w.admin.token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "account_code,account_name,owner,due_on,stage,currency,annual_value,forecast_amount,upsell_amount,next_annual_value,churn_reason"
    );
    assert_eq!(
        lines[1],
        "1,\"华为,北京分公司\",\"李雷,客户成功\",2027-10-31,renewed,CNY,100000.10,100000.10,0.00,120000.30,"
    );
    assert_eq!(
        lines[3],
        "3,三号客户,韩梅梅,2027-11-30,churned,CNY,30000.30,30000.30,0.00,,price"
    );
    assert_eq!(
        lines[4],
        "4,四号客户,韩梅梅,2027-12-20,upcoming,CNY,70000.00,65000.00,5000.50,,"
    );
    assert_eq!(lines.len(), 6, "four rows and the final line end: {text}");

    // The CSM's export holds their own accounts only.
    let text = app
        .get(
            &format!("/api/v1/reports/renewals?{Q4}&format=csv"),
            &w.csm_a.token,
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(!text.contains("三号客户"));
}

#[actix_web::test]
async fn kpis_count_per_csm_and_engineer() {
    let w = world().await;
    let app = &w.app;
    let ws = w.admin.user["workspace_id"].as_i64().unwrap();
    let e = w.engineer.id();
    let a = w.csm_a.id();
    let acc = w.accounts[0]["id"].as_i64().unwrap();
    let base = at(2027, 10, 2, 1, 0);
    let mut n = 0;
    let mut add = |t: TicketRow| {
        n += 1;
        (n, t)
    };
    let mut rows = Vec::new();
    // The engineer: three resolved (one in time, one late, one breached),
    // first responses after 10, 30, 20 and 5 minutes.
    let mut t = TicketRow::new(acc, Some(e), base);
    t.first_response = Some(base + Duration::minutes(10));
    t.resolved = Some(base + Duration::days(1));
    t.status = "resolved";
    rows.push(add(t));
    let mut t = TicketRow::new(acc, Some(e), base + Duration::days(2));
    t.first_response = Some(base + Duration::days(2) + Duration::minutes(30));
    t.resolved = Some(base + Duration::days(8));
    t.status = "resolved";
    rows.push(add(t));
    let mut t = TicketRow::new(acc, Some(e), base + Duration::days(3));
    t.first_response = Some(base + Duration::days(3) + Duration::seconds(20 * 60 + 59));
    t.resolved = Some(base + Duration::days(4));
    t.breached = true;
    t.status = "closed";
    rows.push(add(t));
    let mut t = TicketRow::new(acc, Some(e), base + Duration::days(4));
    t.first_response = Some(base + Duration::days(4) + Duration::minutes(5));
    rows.push(add(t));
    // Outside the period (23:59 on 30 September in Shanghai): not counted.
    let before = at(2027, 9, 30, 15, 59);
    let mut t = TicketRow::new(acc, Some(e), before - Duration::hours(1));
    t.first_response = Some(before);
    t.resolved = Some(before);
    t.status = "resolved";
    rows.push(add(t));
    // CSM A: resolved at 00:30 on 1 October in Shanghai (inside), answered
    // after 7 minutes.
    let inside = at(2027, 9, 30, 16, 30);
    let mut t = TicketRow::new(acc, Some(a), inside - Duration::minutes(7));
    t.first_response = Some(inside);
    t.resolved = Some(inside);
    t.status = "resolved";
    rows.push(add(t));
    for (number, t) in rows {
        insert_ticket(app, ws, w.admin.id(), number, t).await;
    }
    // Health: the latest snapshots up to the period's end (30 December).
    for (account, day, score) in [
        (0, (2027, 12, 30), 80),
        (1, (2027, 12, 30), 65),
        (2, (2027, 12, 30), 40),
        (3, (2027, 12, 29), 99),
        (0, (2028, 1, 2), 5),
    ] {
        server::entity::health_snapshots::ActiveModel {
            workspace_id: Set(ws),
            account_id: Set(w.accounts[account]["id"].as_i64().unwrap()),
            day: Set(NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap()),
            score: Set(score),
            band: Set("yellow".into()),
            computed_score: Set(score),
            overridden: Set(false),
            weakest: Set(None),
            components: Set("[]".into()),
            computed_at: Set(start()),
            ..Default::default()
        }
        .insert(&app.app_state.db.write)
        .await
        .unwrap();
    }

    let response = app
        .get(&format!("/api/v1/reports/kpi?{Q4}"), &w.admin.token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["scope"], "workspace");
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{report}");
    let row = |id: i64| rows.iter().find(|r| r["user_id"] == id).unwrap().clone();
    let re = row(e);
    assert_eq!(re["role"], "engineer");
    assert_eq!(re["tickets_resolved"], 3);
    assert_eq!(re["resolved_within_sla"], 1);
    assert_eq!(re["sla_compliance"], "33.33");
    assert_eq!(re["first_responses"], 4);
    // 5, 10, 20, 30 → (10 + 20) / 2.
    assert_eq!(re["median_first_response_minutes"], "15.0");
    assert_eq!(re["accounts_owned"], 0);
    assert!(re["renewal_rate"].is_null());
    assert!(re["average_health"].is_null());
    let ra = row(a);
    assert_eq!(ra["name"], "李雷,客户成功");
    assert_eq!(ra["accounts_owned"], 3);
    // (80 + 65) / 2; B: 40 (the 29 December snapshot is not the latest).
    assert_eq!(ra["average_health"], "72.5");
    assert_eq!(
        (
            ra["renewals_closed"].as_u64(),
            ra["renewals_renewed"].as_u64()
        ),
        (Some(2), Some(1 + 1))
    );
    assert_eq!(ra["renewal_rate"], "100.00");
    assert_eq!(ra["tickets_resolved"], 1);
    assert_eq!(ra["sla_compliance"], "100.00");
    assert_eq!(ra["median_first_response_minutes"], "7.0");
    let rb = row(w.csm_b.id());
    assert_eq!(rb["renewal_rate"], "0.00");
    assert_eq!(rb["average_health"], "40.0");
    assert!(rb["sla_compliance"].is_null());
    assert!(rb["median_first_response_minutes"].is_null());

    // A CSM and an engineer see their own row only.
    for (who, id) in [(&w.csm_a, a), (&w.engineer, e)] {
        let own: Value = app
            .get(&format!("/api/v1/reports/kpi?{Q4}"), &who.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(own["scope"], "own");
        let rows = own["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["user_id"], id);
    }

    // CSV: BOM, header, the name with a comma quoted, the empty rate empty.
    let response = app
        .get(
            &format!("/api/v1/reports/kpi?{Q4}&format=csv"),
            &w.admin.token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let text = response.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines[0], "user_id,name,role,accounts_owned,average_health,renewals_closed,renewals_renewed,renewal_rate_percent,tickets_resolved,resolved_within_sla,sla_compliance_percent,first_responses,median_first_response_minutes");
    assert!(
        lines.contains(
            &format!("{a},\"李雷,客户成功\",csm,3,72.5,2,2,100.00,1,1,100.00,1,7.0").as_str()
        ),
        "{text}"
    );
    assert!(
        lines.contains(
            &format!("{e},\"Engineer \"\"E\"\"\",engineer,0,,0,0,,3,1,33.33,4,15.0").as_str()
        ),
        "{text}"
    );

    // Another workspace: its own (empty) people only.
    let other = app.signup("别家", "kpi-other@x.cn").await;
    let theirs: Value = app
        .get(&format!("/api/v1/reports/kpi?{Q4}"), &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["rows"], json!([]));
}

#[actix_web::test]
async fn the_dashboard_counts_the_callers_portfolio() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("看板", "dash-admin@x.cn").await;
    let manager = app.staff(&admin, "manager", "dash-mgr@x.cn").await;
    let csm_a = app.staff(&admin, "csm", "dash-a@x.cn").await;
    let csm_b = app.staff(&admin, "csm", "dash-b@x.cn").await;
    let ws = admin.user["workspace_id"].as_i64().unwrap();
    let x1 = app.create_account(&csm_a.token, "一号", "1").await;
    let x2 = app.create_account(&csm_a.token, "二号", "2").await;
    let x3 = app.create_account(&csm_b.token, "三号", "3").await;
    // Today is 2027-10-01: windows end 10-31, 11-30 and 12-30. The
    // contracts were signed in March, before the renewal horizon reached
    // them, and the scheduler has not opened their renewals yet: the
    // accounts are still onboarding, and the dashboard counts the
    // contracts due all the same.
    let clock = app.clock.clone().unwrap();
    clock.set(at(2027, 3, 1, 1, 0));
    contract(&app, &csm_a.token, &x1, "2027-10-20", "10.10", "CNY").await;
    contract(&app, &csm_a.token, &x1, "2028-03-01", "99.00", "CNY").await;
    contract(&app, &csm_a.token, &x2, "2027-11-20", "20.20", "CNY").await;
    let overdue = contract(&app, &csm_a.token, &x2, "2027-09-15", "1.00", "CNY").await;
    contract(&app, &csm_b.token, &x3, "2027-12-20", "30.30", "CNY").await;
    contract(&app, &csm_b.token, &x3, "2027-10-10", "5.55", "USD").await;
    clock.set(start());

    let id = |v: &Value| v["id"].as_i64().unwrap();
    let base = at(2027, 9, 20, 1, 0);
    let mut tickets = Vec::new();
    let mut t = TicketRow::new(id(&x1), None, base);
    t.breached = true;
    tickets.push(t);
    let mut t = TicketRow::new(id(&x1), None, base);
    t.module = "sales";
    t.status = "pending_customer";
    tickets.push(t);
    tickets.push(TicketRow::new(id(&x3), None, base));
    let mut t = TicketRow::new(id(&x3), None, base);
    t.status = "resolved";
    t.resolved = Some(base + Duration::days(1));
    tickets.push(t);
    for (i, t) in tickets.into_iter().enumerate() {
        insert_ticket(&app, ws, admin.id(), i as i64 + 1, t).await;
    }

    // Onboarding plans: x1 stuck (overdue, idle 20 days), x2 on track,
    // x3 behind (overdue, active yesterday).
    let now = start();
    for (account, last_activity, overdue_task) in [
        (&x1, now - Duration::days(20), true),
        (&x2, now - Duration::days(20), false),
        (&x3, now - Duration::days(1), true),
    ] {
        let plan = server::entity::onboarding_plans::ActiveModel {
            workspace_id: Set(ws),
            account_id: Set(id(account)),
            template_id: Set(None),
            starts_on: Set(NaiveDate::from_ymd_opt(2027, 9, 1).unwrap()),
            planned_go_live: Set(None),
            actual_go_live: Set(None),
            last_activity_at: Set(last_activity),
            created_by: Set(admin.id()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(&app.app_state.db.write)
        .await
        .unwrap();
        for (position, (due, status)) in [
            (
                NaiveDate::from_ymd_opt(2027, 9, 10).unwrap(),
                if overdue_task { "todo" } else { "done" },
            ),
            (NaiveDate::from_ymd_opt(2027, 9, 11).unwrap(), "skipped"),
            (NaiveDate::from_ymd_opt(2027, 12, 1).unwrap(), "todo"),
        ]
        .into_iter()
        .enumerate()
        {
            server::entity::onboarding_tasks::ActiveModel {
                workspace_id: Set(ws),
                plan_id: Set(plan.id),
                account_id: Set(id(account)),
                position: Set(position as i32),
                stage: Set("setup".into()),
                title_zh: Set("任务".into()),
                title_en: Set("Task".into()),
                kind: Set("custom".into()),
                module: Set(None),
                owner_role: Set("csm".into()),
                owner_id: Set(None),
                due_on: Set(due),
                status: Set(status.into()),
                skip_reason: Set(None),
                notes: Set(String::new()),
                completed_at: Set(None),
                completed_by: Set(None),
                updated_at: Set(now),
                version: Set(1),
                ..Default::default()
            }
            .insert(&app.app_state.db.write)
            .await
            .unwrap();
        }
    }

    // Health: the latest snapshots (30 September) put x1 and x3 in red;
    // an older one does not count.
    for (account, day, band, score) in [
        (&x1, 30, "red", 20),
        (&x2, 30, "green", 90),
        (&x3, 30, "red", 35),
        (&x2, 29, "red", 10),
    ] {
        server::entity::health_snapshots::ActiveModel {
            workspace_id: Set(ws),
            account_id: Set(id(account)),
            day: Set(NaiveDate::from_ymd_opt(2027, 9, day).unwrap()),
            score: Set(score),
            band: Set(band.into()),
            computed_score: Set(score),
            overridden: Set(false),
            weakest: Set(None),
            components: Set("[]".into()),
            computed_at: Set(now),
            ..Default::default()
        }
        .insert(&app.app_state.db.write)
        .await
        .unwrap();
    }

    let dash = |token: String| {
        let app = &app;
        async move {
            let response = app.get("/api/v1/dashboard", &token).await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    let stage = |d: &Value, s: &str| {
        d["accounts_by_stage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["stage"] == s)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    let window = |d: &Value, days: i64| {
        d["renewals_due"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["within_days"] == days)
            .unwrap()
            .clone()
    };
    let module = |d: &Value, m: &str| {
        let x = d["open_tickets_by_module"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["module"] == m)
            .unwrap()
            .clone();
        (x["open"].as_u64().unwrap(), x["breached"].as_u64().unwrap())
    };

    let m = dash(manager.token.clone()).await;
    assert_eq!(m["scope"], "workspace");
    assert_eq!(m["today"], "2027-10-01");
    assert_eq!(m["accounts_total"], 3);
    assert_eq!(stage(&m, "onboarding"), 3);
    assert_eq!(stage(&m, "churned"), 0);
    // 30 days: x1 10.10 + the overdue 1.00 (CNY) and 5.55 USD.
    assert_eq!(
        window(&m, 30),
        json!({"within_days": 30, "count": 3, "totals": [
            {"currency": "CNY", "annual_value": "11.10", "forecast_amount": "11.10"},
            {"currency": "USD", "annual_value": "5.55", "forecast_amount": "5.55"}]})
    );
    assert_eq!(window(&m, 60)["count"], 4);
    assert_eq!(window(&m, 60)["totals"][0]["annual_value"], "31.30");
    assert_eq!(window(&m, 90)["count"], 5);
    assert_eq!(window(&m, 90)["totals"][0]["annual_value"], "61.60");
    assert_eq!(
        (m["open_tickets"].as_u64(), m["breached_tickets"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(module(&m, "finance"), (2, 1));
    assert_eq!(module(&m, "sales"), (1, 0));
    assert_eq!(module(&m, "inventory"), (0, 0));
    assert_eq!(
        m["onboarding"],
        json!({"accounts": 3, "with_plan": 3, "behind": 1, "stuck": 1})
    );
    assert_eq!(m["nps"]["days"], 90);
    assert_eq!(m["nps"]["responses"], 0);
    assert!(m["nps"]["nps"].is_null());
    assert_eq!(m["health_day"], "2027-09-30");
    assert_eq!(
        m["accounts_by_band"],
        json!([{"band": "green", "count": 1}, {"band": "yellow", "count": 0}, {"band": "red", "count": 2}])
    );
    // Red accounts' contracts running today: x1 10.10 + 99.00, x3 30.30
    // and 5.55 USD.
    assert_eq!(
        m["at_risk_arr"],
        json!([{"currency": "CNY", "amount": "139.40", "accounts": 2},
               {"currency": "USD", "amount": "5.55", "accounts": 1}])
    );
    // Admins see the same.
    assert_eq!(
        dash(admin.token.clone()).await["renewals_due"],
        m["renewals_due"]
    );

    // CSM A: x1 and x2 only.
    let a = dash(csm_a.token.clone()).await;
    assert_eq!(a["scope"], "own");
    assert_eq!(a["accounts_total"], 2);
    assert_eq!(window(&a, 30)["count"], 2);
    assert_eq!(window(&a, 30)["totals"][0]["annual_value"], "11.10");
    assert_eq!(window(&a, 90)["count"], 3);
    assert_eq!(window(&a, 90)["totals"][0]["annual_value"], "31.30");
    assert_eq!(
        (a["open_tickets"].as_u64(), a["breached_tickets"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(module(&a, "finance"), (1, 1));
    assert_eq!(
        a["onboarding"],
        json!({"accounts": 2, "with_plan": 2, "behind": 0, "stuck": 1})
    );
    assert_eq!(a["accounts_by_band"][0]["count"], 1);
    assert_eq!(a["accounts_by_band"][2]["count"], 1);
    assert_eq!(
        a["at_risk_arr"],
        json!([{"currency": "CNY", "amount": "109.10", "accounts": 1}])
    );

    // The scheduler's pass opens the renewals; a churned one is no longer
    // due, and the account's stage follows.
    server::domain::renewals::open_all_due(&app.app_state.db, start())
        .await
        .unwrap();
    let r = renewal_of(&app, &csm_a.token, &overdue).await;
    let response = app
        .patch(
            &format!("/api/v1/renewals/{r}"),
            &csm_a.token,
            json!({"stage": "churned", "churn_reason": "budget"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let a = dash(csm_a.token.clone()).await;
    assert_eq!(window(&a, 30)["count"], 1);
    assert_eq!(window(&a, 30)["totals"][0]["annual_value"], "10.10");
    assert_eq!(stage(&a, "churned"), 1);

    // Another workspace: empty.
    let other = app.signup("别家", "dash-other@x.cn").await;
    let o = dash(other.token.clone()).await;
    assert_eq!(o["accounts_total"], 0);
    assert_eq!(o["open_tickets"], 0);
    assert_eq!(window(&o, 90)["count"], 0);
    assert_eq!(window(&o, 90)["totals"], json!([]));
    assert!(o["health_day"].is_null());
    assert_eq!(o["accounts_by_band"][2], json!({"band": "red", "count": 0}));
    assert_eq!(o["at_risk_arr"], json!([]));
    let _ = csm_b;
}

#[actix_web::test]
async fn portal_users_reach_no_report_and_no_dashboard() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("门户", "rep-portal@x.cn").await;
    let (account, portal) = app.portal_user(&admin, "rep-cust@x.cn", "77").await;
    contract(
        &app,
        &admin.token,
        &account,
        "2027-11-01",
        "128000.00",
        "CNY",
    )
    .await;
    for path in [
        "/api/v1/reports/renewals",
        "/api/v1/reports/renewals?format=csv",
        "/api/v1/reports/kpi",
        "/api/v1/reports/kpi?format=csv",
        "/api/v1/dashboard",
    ] {
        let response = app.get(path, &portal.token).await;
        let text = response.text().await.unwrap();
        assert!(!text.contains("128000"), "{path}: {text}");
        let response = app.get(path, &portal.token).await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app.request(reqwest::Method::GET, path, None, None).await;
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

#[actix_web::test]
async fn a_big_workspaces_kpis_come_from_a_snapshot_a_small_ones_are_always_fresh() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = spawn_app_at(start()).await;
    let clock = app.clock.clone().unwrap();
    let q = "from=2027-01-01&to=2027-12-31";

    // Small: every read computes the figures now.
    let small = app.signup("小", "kpi-small@x.cn").await;
    let csm = app.staff(&small, "csm", "kpi-small-csm@x.cn").await;
    app.create_account(&csm.token, "客户", "1").await;
    let first: Value = app
        .get(&format!("/api/v1/reports/kpi?{q}"), &small.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["rows"][0]["accounts_owned"], 1);
    assert_eq!(
        first["computed_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        start()
    );
    clock.set(start() + Duration::minutes(1));
    app.create_account(&csm.token, "客户二", "2").await;
    let second: Value = app
        .get(&format!("/api/v1/reports/kpi?{q}"), &small.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["rows"][0]["accounts_owned"], 2);
    assert_eq!(
        second["computed_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        start() + Duration::minutes(1)
    );

    // Big (1,000 accounts owned by a CSM): the first read computes, the
    // next ones within the snapshot's life get the same figures and say
    // when they were computed.
    let db = &app.app_state.db;
    server::seed::bench(
        db,
        server::seed::BenchSize {
            accounts: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let admin = session_of(
        app.login(server::seed::BENCH_ADMIN, server::seed::BENCH_PASSWORD)
            .await,
    )
    .await;
    let ws = admin.user["workspace_id"].as_i64().unwrap();
    let big_csm = app.staff(&admin, "csm", "kpi-big-csm@x.cn").await;
    server::entity::accounts::Entity::update_many()
        .col_expr(
            server::entity::accounts::Column::OwnerId,
            Expr::value(big_csm.id()),
        )
        .filter(server::entity::accounts::Column::WorkspaceId.eq(ws))
        .exec(&db.write)
        .await
        .unwrap();
    let at = start() + Duration::minutes(2);
    clock.set(at);
    let read = || async {
        let r: Value = app
            .get(&format!("/api/v1/reports/kpi?{q}"), &admin.token)
            .await
            .json()
            .await
            .unwrap();
        r
    };
    let one = read().await;
    let row = one["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == big_csm.id())
        .unwrap()
        .clone();
    assert_eq!(row["accounts_owned"], 1000);
    clock.set(at + Duration::minutes(1));
    app.create_account(&big_csm.token, "又一个", "990001").await;
    let two = read().await;
    assert_eq!(two, one, "served from the snapshot");
    assert_eq!(
        two["computed_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        at
    );
    // The CSM's own report is its own snapshot, computed now.
    let own: Value = app
        .get(&format!("/api/v1/reports/kpi?{q}"), &big_csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["scope"], "own");
    assert_eq!(own["rows"][0]["accounts_owned"], 1001);
    // Another period is another snapshot.
    let other: Value = app
        .get(
            "/api/v1/reports/kpi?from=2027-01-01&to=2027-06-30",
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let row = other["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == big_csm.id())
        .unwrap()
        .clone();
    assert_eq!(row["accounts_owned"], 1001);

    // The snapshot is kept in the database: a second server on the same
    // database (another replica, or this one restarted) serves it rather
    // than computing the figures while its first requests wait.
    let url = app.app_state.config.database_url.clone();
    let replica = spawn_app_at_with(at + Duration::minutes(1), |c| c.database_url = url).await;
    let from_replica: Value = replica
        .get(&format!("/api/v1/reports/kpi?{q}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(from_replica, one, "the stored snapshot, not figures of now");
    let stored = server::entity::report_snapshots::Entity::find()
        .filter(server::entity::report_snapshots::Column::WorkspaceId.eq(ws))
        .filter(server::entity::report_snapshots::Column::Kind.eq("kpi"))
        .all(&db.read)
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        3,
        "the workspace's two periods and the CSM's own report"
    );
    // Another workspace's server reads none of them: the small one's
    // figures were never kept.
    let none = server::entity::report_snapshots::Entity::find()
        .filter(server::entity::report_snapshots::Column::WorkspaceId.ne(ws))
        .all(&db.read)
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[actix_web::test]
async fn a_big_portfolios_renewal_report_comes_from_a_snapshot() {
    let app = spawn_app_at(start()).await;
    let clock = app.clock.clone().unwrap();
    server::seed::bench(
        &app.app_state.db,
        server::seed::BenchSize {
            accounts: 300,
            contracts: 1500,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let admin = session_of(
        app.login(server::seed::BENCH_ADMIN, server::seed::BENCH_PASSWORD)
            .await,
    )
    .await;
    let q = "from=2020-01-01&to=2029-12-31";
    let read = || async {
        let r: Value = app
            .get(&format!("/api/v1/reports/renewals?{q}"), &admin.token)
            .await
            .json()
            .await
            .unwrap();
        r
    };
    let one = read().await;
    assert!(
        one["due_count"].as_u64().unwrap()
            >= server::domain::reporting::renewal_report::RENEWAL_REPORT_CACHE_MIN_ROWS as u64,
        "a big portfolio: {}",
        one["due_count"]
    );
    assert_eq!(
        one["computed_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        start()
    );
    clock.set(start() + Duration::minutes(1));
    let account = app.create_account(&admin.token, "又一家", "990002").await;
    contract(
        &app,
        &admin.token,
        &account,
        "2027-11-01",
        "128000.00",
        "CNY",
    )
    .await;
    let two = read().await;
    assert_eq!(
        two, one,
        "served from the snapshot, which says when it was computed"
    );
}
