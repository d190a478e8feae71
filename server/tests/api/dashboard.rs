//! The dashboard's at-risk accounts: the lowest scores below green on the
//! latest health day, at most ten, ties by name; each with its weakest
//! component and the 30-day trend, oldest first; a CSM's own accounts only,
//! archived ones and other workspaces never (nor in the bands and the ARR
//! at risk, which the same snapshots give); nothing before the first
//! health run; the same scores, bands and weakest components the account's
//! health shows after a real `health-scores` run.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{json, Value};

use crate::helpers::*;

/// 2027-10-01 09:00 in Shanghai.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap()
}

fn sept(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 9, day).unwrap()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn dashboard(app: &TestApp, token: &str) -> Value {
    let response = app.get("/api/v1/dashboard", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// (name, score, band, weakest) of the listed accounts, in order.
fn listed(d: &Value) -> Vec<(String, i64, String, Value)> {
    d["at_risk_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["account_name"].as_str().unwrap().to_string(),
                a["score"].as_i64().unwrap(),
                a["band"].as_str().unwrap().to_string(),
                a["weakest"].clone(),
            )
        })
        .collect()
}

fn row(name: &str, score: i64, band: &str, weakest: Option<&str>) -> (String, i64, String, Value) {
    (name.to_string(), score, band.to_string(), json!(weakest))
}

async fn snapshot(
    app: &TestApp,
    workspace_id: i64,
    account_id: i64,
    day: NaiveDate,
    score: i32,
    band: &str,
    weakest: Option<&str>,
) {
    server::entity::health_snapshots::ActiveModel {
        workspace_id: Set(workspace_id),
        account_id: Set(account_id),
        day: Set(day),
        score: Set(score),
        band: Set(band.into()),
        computed_score: Set(score),
        overridden: Set(false),
        weakest: Set(weakest.map(str::to_string)),
        components: Set("[]".into()),
        computed_at: Set(start()),
        ..Default::default()
    }
    .insert(&app.app_state.db.write)
    .await
    .unwrap();
}

#[actix_web::test]
async fn at_risk_accounts_are_the_portfolios_lowest_scores_with_their_trends() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("风险", "risk-admin@x.cn").await;
    let manager = app.staff(&admin, "manager", "risk-mgr@x.cn").await;
    let csm_a = app.staff(&admin, "csm", "risk-a@x.cn").await;
    let csm_b = app.staff(&admin, "csm", "risk-b@x.cn").await;
    let ws = admin.user["workspace_id"].as_i64().unwrap();

    // Before the first health run: no health day, nothing listed.
    let first = app.create_account(&csm_a.token, "Acme", "1").await;
    let d = dashboard(&app, &manager.token).await;
    assert!(d["health_day"].is_null());
    assert_eq!(d["at_risk_accounts"], json!([]));

    // (owner, name, score on 30 September, band, weakest).
    let plan: [(&Session, &str, i32, &str, Option<&str>); 13] = [
        (&csm_a, "Acme", 20, "red", Some("support")),
        (&csm_a, "Birch", 20, "red", Some("engagement")),
        (&csm_a, "Cedar", 55, "yellow", Some("usage")),
        (&csm_a, "Delta", 80, "green", Some("training")),
        (&csm_a, "Echo", 5, "red", None),
        (&csm_a, "Fjord", 39, "red", Some("renewal")),
        (&csm_b, "Gamma", 10, "red", Some("onboarding")),
        (&csm_b, "Harbor", 45, "yellow", Some("training")),
        (&csm_b, "Iris", 60, "yellow", Some("satisfaction")),
        (&csm_b, "Jade", 69, "yellow", Some("support")),
        (&csm_b, "Kilo", 15, "red", Some("usage")),
        (&csm_b, "Lumen", 65, "yellow", Some("usage")),
        (&csm_a, "Zed", 1, "red", Some("support")),
    ];
    let mut ids = std::collections::HashMap::new();
    for (i, (owner, name, score, band, weakest)) in plan.iter().enumerate() {
        let account = if *name == "Acme" {
            first.clone()
        } else {
            app.create_account(&owner.token, name, &(i + 10).to_string())
                .await
        };
        ids.insert(*name, id(&account));
        snapshot(&app, ws, id(&account), sept(30), *score, band, *weakest).await;
    }
    // Zed is archived: it leaves the dashboard with the lists.
    let response = app
        .post(
            &format!("/api/v1/accounts/{}/archive", ids["Zed"]),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // Contracts: Echo (red) has a running one and one in EUR that ended;
    // Zed (red, archived) and Delta (green) have running ones.
    for (name, starts_on, ends_on, value, currency) in [
        ("Echo", "2027-01-01", "2027-12-31", "1000.50", "CNY"),
        ("Echo", "2026-09-16", "2027-09-15", "700.00", "EUR"),
        ("Zed", "2027-01-01", "2027-12-31", "9.00", "CNY"),
        ("Delta", "2027-01-01", "2027-12-31", "5.00", "CNY"),
    ] {
        let response = app
            .post(
                "/api/v1/contracts",
                &admin.token,
                json!({"account_id": ids[name], "starts_on": starts_on, "ends_on": ends_on,
                       "annual_value": value, "currency": currency}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    // Acme's history, written out of order: the day 30 days before the
    // health day is outside the trend, the others are in it.
    for (day, score) in [(15, 30), (1, 45)] {
        snapshot(&app, ws, ids["Acme"], sept(day), score, "red", None).await;
    }
    snapshot(
        &app,
        ws,
        ids["Acme"],
        NaiveDate::from_ymd_opt(2027, 8, 31).unwrap(),
        50,
        "yellow",
        None,
    )
    .await;
    // Delta was red the day before: only the latest day ranks.
    snapshot(&app, ws, ids["Delta"], sept(29), 3, "red", Some("usage")).await;

    // Another workspace's worse accounts never show.
    let other = app.signup("别家", "risk-other@x.cn").await;
    let theirs = app.create_account(&other.token, "Aardvark", "1").await;
    let other_ws = other.user["workspace_id"].as_i64().unwrap();
    snapshot(
        &app,
        other_ws,
        id(&theirs),
        sept(30),
        0,
        "red",
        Some("usage"),
    )
    .await;

    // The manager: the ten lowest below green, ties by name; Jade (69) is
    // the eleventh, Delta is green, Zed archived.
    let m = dashboard(&app, &manager.token).await;
    assert_eq!(m["health_day"], "2027-09-30");
    assert_eq!(
        listed(&m),
        vec![
            row("Echo", 5, "red", None),
            row("Gamma", 10, "red", Some("onboarding")),
            row("Kilo", 15, "red", Some("usage")),
            row("Acme", 20, "red", Some("support")),
            row("Birch", 20, "red", Some("engagement")),
            row("Fjord", 39, "red", Some("renewal")),
            row("Harbor", 45, "yellow", Some("training")),
            row("Cedar", 55, "yellow", Some("usage")),
            row("Iris", 60, "yellow", Some("satisfaction")),
            row("Lumen", 65, "yellow", Some("usage")),
        ]
    );
    let acme = &m["at_risk_accounts"][3];
    assert_eq!(acme["account_id"], ids["Acme"]);
    assert_eq!(
        acme["trend"],
        json!([{"day": "2027-09-01", "score": 45}, {"day": "2027-09-15", "score": 30},
               {"day": "2027-09-30", "score": 20}])
    );
    assert_eq!(
        m["at_risk_accounts"][0]["trend"],
        json!([{"day": "2027-09-30", "score": 5}])
    );
    assert_eq!(
        m["accounts_by_band"],
        json!([{"band": "green", "count": 1}, {"band": "yellow", "count": 5},
               {"band": "red", "count": 6}])
    );
    assert_eq!(
        m["at_risk_arr"],
        json!([{"currency": "CNY", "amount": "1000.50", "accounts": 1}])
    );
    // Admins see the same.
    assert_eq!(
        dashboard(&app, &admin.token).await["at_risk_accounts"],
        m["at_risk_accounts"]
    );

    // A CSM: their own accounts only.
    let a = dashboard(&app, &csm_a.token).await;
    assert_eq!(
        listed(&a),
        vec![
            row("Echo", 5, "red", None),
            row("Acme", 20, "red", Some("support")),
            row("Birch", 20, "red", Some("engagement")),
            row("Fjord", 39, "red", Some("renewal")),
            row("Cedar", 55, "yellow", Some("usage")),
        ]
    );
    assert_eq!(a["at_risk_accounts"][1]["trend"], acme["trend"]);
    assert_eq!(
        a["accounts_by_band"],
        json!([{"band": "green", "count": 1}, {"band": "yellow", "count": 1},
               {"band": "red", "count": 4}])
    );
    assert_eq!(a["at_risk_arr"], m["at_risk_arr"]);
    let b = dashboard(&app, &csm_b.token).await;
    let names: Vec<String> = listed(&b).into_iter().map(|r| r.0).collect();
    assert_eq!(names, ["Gamma", "Kilo", "Harbor", "Iris", "Lumen", "Jade"]);
    assert_eq!(b["at_risk_arr"], json!([]));

    // The other workspace sees only its own.
    let o = dashboard(&app, &other.token).await;
    assert_eq!(listed(&o), vec![row("Aardvark", 0, "red", Some("usage"))]);

    // A portfolio without any account below green lists nothing.
    let calm = app.signup("平安", "risk-calm@x.cn").await;
    let fine = app.create_account(&calm.token, "Fine", "1").await;
    let calm_ws = calm.user["workspace_id"].as_i64().unwrap();
    snapshot(&app, calm_ws, id(&fine), sept(30), 90, "green", None).await;
    let c = dashboard(&app, &calm.token).await;
    assert_eq!(c["health_day"], "2027-09-30");
    assert_eq!(c["at_risk_accounts"], json!([]));
}

async fn ticket(app: &TestApp, token: &str, account: i64, priority: &str) {
    let r = app
        .post(
            "/api/v1/tickets",
            token,
            json!({"account_id": account, "module": "finance", "category": "how_to",
                   "priority": priority, "subject": "月末结账报错", "description": "凭证无法过账"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn the_at_risk_list_agrees_with_the_health_job() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("健康", "risk-job@x.cn").await;
    // Only support load counts: 100 − 15 per open p1 − 5 per open p2.
    let components: Vec<Value> = [
        "usage",
        "support",
        "onboarding",
        "training",
        "satisfaction",
        "engagement",
        "renewal",
    ]
    .iter()
    .map(|c| json!({"component": c, "weight": if *c == "support" { 100 } else { 0 }}))
    .collect();
    let r = app
        .put(
            "/api/v1/health-model",
            &admin.token,
            json!({"components": components, "green_min": 70, "yellow_min": 40}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut accounts = Vec::new();
    for (i, (name, p1, p2)) in [
        ("四单", 4, 0),
        ("五单", 5, 0),
        ("无单", 0, 0),
        ("两单", 0, 2),
    ]
    .into_iter()
    .enumerate()
    {
        let account = app
            .create_account(&admin.token, name, &(i + 1).to_string())
            .await;
        for _ in 0..p1 {
            ticket(&app, &admin.token, id(&account), "p1").await;
        }
        for _ in 0..p2 {
            ticket(&app, &admin.token, id(&account), "p2").await;
        }
        accounts.push(account);
    }
    let d = dashboard(&app, &admin.token).await;
    assert!(d["health_day"].is_null());
    assert_eq!(d["at_risk_accounts"], json!([]));

    let r = app
        .post(
            "/api/v1/admin/jobs/health-scores/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let d = dashboard(&app, &admin.token).await;
    assert_eq!(d["health_day"], "2027-10-01");
    assert_eq!(
        listed(&d),
        vec![
            row("五单", 25, "red", Some("support")),
            row("四单", 40, "yellow", Some("support")),
        ]
    );
    for entry in d["at_risk_accounts"].as_array().unwrap() {
        let health: Value = app
            .get(
                &format!("/api/v1/accounts/{}/health", entry["account_id"]),
                &admin.token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(entry["score"], health["score"]);
        assert_eq!(entry["band"], health["band"]);
        assert_eq!(entry["weakest"], health["weakest"]);
        assert_eq!(
            entry["trend"],
            json!([{"day": "2027-10-01", "score": health["score"]}])
        );
    }

    // The next day's run adds a point to the trend.
    app.clock.as_ref().unwrap().set(start() + Duration::days(1));
    let r = app
        .post(
            "/api/v1/admin/jobs/health-scores/run",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let d = dashboard(&app, &admin.token).await;
    assert_eq!(d["health_day"], "2027-10-02");
    assert_eq!(
        d["at_risk_accounts"][0]["trend"],
        json!([{"day": "2027-10-01", "score": 25}, {"day": "2027-10-02", "score": 25}])
    );
    assert_eq!(d["at_risk_accounts"][0]["account_id"], accounts[1]["id"]);
}
