//! The renewal pipeline at scale keeps its answers: the totals (read from
//! the sums kept on write) equal a brute-force sum over the renewals after
//! every kind of change, the list pages in order under every filter, reads
//! open nothing (writes and the scheduler do), bad parameters are 4xx, and
//! another workspace sees none of it.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// 2027-10-01 09:00 in Shanghai.
fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 10, 1).unwrap()
}

async fn contract(
    app: &TestApp,
    token: &str,
    account: &Value,
    ends_on: &str,
    value: &str,
    currency: &str,
) -> Value {
    let end = NaiveDate::parse_from_str(ends_on, "%Y-%m-%d").unwrap();
    let response = app
        .post(
            "/api/v1/contracts",
            token,
            json!({"account_id": account["id"], "starts_on": end - Duration::days(364),
                   "ends_on": ends_on, "annual_value": value, "currency": currency}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn json_of(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

/// Every renewal the list gives with `query`, following the cursor `limit`
/// at a time.
async fn all_pages(app: &TestApp, token: &str, query: &str, limit: u64) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut path = format!("/api/v1/renewals?limit={limit}");
        if !query.is_empty() {
            path.push('&');
            path.push_str(query);
        }
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = json_of(app, &path, token).await;
        let got = page["items"].as_array().unwrap();
        assert!(got.len() as u64 <= limit);
        items.extend(got.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return items,
        }
    }
    panic!("the list never ended");
}

/// "1234.56" → 123456 cents.
fn cents(text: &str) -> i128 {
    let (whole, frac) = text.split_once('.').unwrap();
    whole.parse::<i128>().unwrap() * 100 + frac.parse::<i128>().unwrap()
}

/// Totals as comparable data: currency → (count, value, forecast, upsell,
/// stage → (count, forecast)), amounts in cents.
type Sums = BTreeMap<String, (u64, i128, i128, i128, BTreeMap<String, (u64, i128)>)>;

fn sums_of_totals(totals: &Value) -> Sums {
    let mut out = Sums::new();
    for t in totals["totals"].as_array().unwrap() {
        let stages = t["by_stage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["stage"].as_str().unwrap().to_string(),
                    (
                        s["count"].as_u64().unwrap(),
                        cents(s["forecast_amount"].as_str().unwrap()),
                    ),
                )
            })
            .collect();
        out.insert(
            t["currency"].as_str().unwrap().to_string(),
            (
                t["count"].as_u64().unwrap(),
                cents(t["annual_value"].as_str().unwrap()),
                cents(t["forecast_amount"].as_str().unwrap()),
                cents(t["upsell_amount"].as_str().unwrap()),
                stages,
            ),
        );
    }
    out
}

fn brute_force<'a>(items: impl Iterator<Item = &'a Value>) -> Sums {
    let mut out = Sums::new();
    for r in items {
        let e = out
            .entry(r["currency"].as_str().unwrap().to_string())
            .or_default();
        let forecast = cents(r["forecast_amount"].as_str().unwrap());
        e.0 += 1;
        e.1 += cents(r["annual_value"].as_str().unwrap());
        e.2 += forecast;
        e.3 += cents(r["upsell_amount"].as_str().unwrap());
        let s =
            e.4.entry(r["stage"].as_str().unwrap().to_string())
                .or_default();
        s.0 += 1;
        s.1 += forecast;
    }
    out
}

/// A filter as the API takes it and as the brute force applies it.
struct Filter {
    query: String,
    due_within: Option<i64>,
    stage: Option<&'static str>,
    owner: Option<i64>,
    account: Option<i64>,
}

impl Filter {
    fn keeps(&self, r: &Value) -> bool {
        let due = NaiveDate::parse_from_str(r["due_on"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        self.due_within
            .is_none_or(|d| due <= today() + Duration::days(d))
            && self.stage.is_none_or(|s| r["stage"] == s)
            && self.owner.is_none_or(|o| r["owner_id"] == o)
            && self.account.is_none_or(|a| r["account_id"] == a)
    }
}

fn filters(owners: &[i64], account: i64) -> Vec<Filter> {
    let mut out = Vec::new();
    let stages = [
        None,
        Some("upcoming"),
        Some("in_negotiation"),
        Some("committed"),
        Some("renewed"),
        Some("churned"),
    ];
    for due_within in [
        None,
        Some(0),
        Some(19),
        Some(30),
        Some(31),
        Some(61),
        Some(90),
        Some(3650),
    ] {
        for stage in stages {
            let mut query = Vec::new();
            if let Some(d) = due_within {
                query.push(format!("due_within_days={d}"));
            }
            if let Some(s) = stage {
                query.push(format!("stage={s}"));
            }
            out.push(Filter {
                query: query.join("&"),
                due_within,
                stage,
                owner: None,
                account: None,
            });
        }
    }
    for owner in owners {
        for (stage, due_within) in [(None, None), (Some("upcoming"), Some(90))] {
            let mut query = format!("owner_id={owner}");
            if let Some(s) = stage {
                query.push_str(&format!("&stage={s}"));
            }
            if let Some(d) = due_within {
                query.push_str(&format!("&due_within_days={d}"));
            }
            out.push(Filter {
                query,
                due_within,
                stage,
                owner: Some(*owner),
                account: None,
            });
        }
    }
    out.push(Filter {
        query: format!("account_id={account}"),
        due_within: None,
        stage: None,
        owner: None,
        account: Some(account),
    });
    out
}

/// Every filter: the totals equal the brute-force sums over every renewal,
/// and the list's pages, concatenated, are exactly the renewals the filter
/// keeps, nearest end first then by id.
async fn check_every_filter(app: &TestApp, token: &str, owners: &[i64], account: i64) {
    let every = all_pages(app, token, "", 200).await;
    assert!(!every.is_empty());
    for f in filters(owners, account) {
        let totals = json_of(app, &format!("/api/v1/renewals/totals?{}", f.query), token).await;
        assert_eq!(
            sums_of_totals(&totals),
            brute_force(every.iter().filter(|r| f.keeps(r))),
            "totals of ?{}",
            f.query
        );
        let paged = all_pages(app, token, &f.query, 3).await;
        let mut expected: Vec<&Value> = every.iter().filter(|r| f.keeps(r)).collect();
        expected.sort_by_key(|r| (r["due_on"].as_str().unwrap().to_string(), r["id"].as_i64()));
        let ids = |v: Vec<&Value>| {
            v.iter()
                .map(|r| r["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(paged.iter().collect()),
            ids(expected),
            "pages of ?{}",
            f.query
        );
    }
}

#[actix_web::test]
async fn renewal_totals_equal_a_brute_force_sum_through_every_kind_of_change() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "sums@x.cn").await;
    let checker = app.staff(&admin, "manager", "sums-mgr@x.cn").await;
    let csm1 = app.staff(&admin, "csm", "sums-csm1@x.cn").await;
    let csm2 = app.staff(&admin, "csm", "sums-csm2@x.cn").await;
    // Ends across months, overdue to the horizon's edge (2028-03-29) and
    // beyond; two currencies; cents, and the largest amount there is.
    let book = [
        ("2027-09-15", "1000.10", "CNY"),
        ("2027-10-01", "2500.00", "USD"),
        ("2027-10-20", "999999999999.99", "CNY"),
        ("2027-10-31", "0.01", "CNY"),
        ("2027-11-01", "77777.77", "USD"),
        ("2027-11-30", "120000.00", "CNY"),
        ("2027-12-31", "999999999999.99", "CNY"),
        ("2028-01-15", "3000.30", "CNY"),
        ("2028-03-29", "45000.00", "USD"),
        ("2028-03-30", "5.00", "CNY"),
        ("2028-06-30", "6.00", "CNY"),
    ];
    let mut accounts = Vec::new();
    let mut contracts = Vec::new();
    for (n, (end, value, currency)) in book.iter().enumerate() {
        let owner = if n % 2 == 0 { &csm1 } else { &csm2 };
        let account = app
            .create_account(&owner.token, &format!("合计{n}"), &format!("{}", 100 + n))
            .await;
        contracts.push(contract(&app, &owner.token, &account, end, value, currency).await);
        accounts.push(account);
    }
    let owners = [csm1.id(), csm2.id()];
    let first_account = accounts[0]["id"].as_i64().unwrap();
    // Opened with the contracts: the nine within the horizon.
    assert_eq!(all_pages(&app, &admin.token, "", 200).await.len(), 9);
    check_every_filter(&app, &admin.token, &owners, first_account).await;

    let renewal_of = |c: &Value, items: &[Value]| -> i64 {
        items
            .iter()
            .find(|r| r["contract_id"] == c["id"])
            .unwrap_or_else(|| panic!("no renewal of {c}"))["id"]
            .as_i64()
            .unwrap()
    };
    let items = all_pages(&app, &admin.token, "", 200).await;
    // Stage, forecast and upsell changes.
    for (c, body) in [
        (
            &contracts[1],
            json!({"stage": "in_negotiation", "forecast_amount": "2600.55"}),
        ),
        (
            &contracts[2],
            json!({"stage": "committed", "upsell_amount": "999999999999.99"}),
        ),
        (
            &contracts[4],
            json!({"forecast_amount": "0.00", "upsell_amount": "12.34"}),
        ),
        (
            &contracts[7],
            json!({"stage": "churned", "churn_reason": "price"}),
        ),
    ] {
        let response = app
            .patch(
                &format!("/api/v1/renewals/{}", renewal_of(c, &items)),
                &admin.token,
                body,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Renewed (its next contract ends beyond the horizon).
    let response = app
        .post(
            &format!(
                "/api/v1/renewals/{}/renew",
                renewal_of(&contracts[5], &items)
            ),
            &admin.token,
            json!({"annual_value": "130000.00"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // A contract's end moves (its renewal with it), another's currency
    // changes, and one beyond the horizon moves into it.
    for (c, body) in [
        (&contracts[3], json!({"ends_on": "2028-02-29"})),
        (&contracts[8], json!({"currency": "CNY"})),
        (&contracts[10], json!({"ends_on": "2027-12-01"})),
    ] {
        let response = app
            .patch(
                &format!("/api/v1/contracts/{}", c["id"]),
                &admin.token,
                body,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    // A value change takes effect when another manager approves it.
    let response = app
        .patch(
            &format!("/api/v1/contracts/{}", contracts[0]["id"]),
            &admin.token,
            json!({"annual_value": "1.50"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    let approval = body["pending_approval"]["approval_id"].as_i64().unwrap();
    let response = app
        .post(
            &format!("/api/v1/approvals/{approval}/approve"),
            &checker.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let items = all_pages(&app, &admin.token, "", 200).await;
    assert_eq!(items.len(), 10, "the moved-in contract has its renewal");
    let first = items
        .iter()
        .find(|r| r["contract_id"] == contracts[0]["id"])
        .unwrap();
    assert_eq!(first["annual_value"], "1.50");
    check_every_filter(&app, &admin.token, &owners, first_account).await;

    // A CSM reads the same pipeline.
    check_every_filter(&app, &csm2.token, &owners, first_account).await;

    // Another workspace: none of it, whatever the filter.
    let other = app.signup("别家", "sums-other@x.cn").await;
    for query in [
        String::new(),
        "due_within_days=90".into(),
        format!("account_id={first_account}"),
        format!("owner_id={}", csm1.id()),
    ] {
        let totals = json_of(
            &app,
            &format!("/api/v1/renewals/totals?{query}"),
            &other.token,
        )
        .await;
        assert_eq!(totals["totals"], json!([]), "{query}");
        let list = json_of(&app, &format!("/api/v1/renewals?{query}"), &other.token).await;
        assert_eq!(list["items"], json!([]), "{query}");
    }
}

#[actix_web::test]
async fn reads_open_no_renewal_writes_and_the_scheduler_do() {
    let app = spawn_app_at(start()).await;
    let clock = app.clock.clone().unwrap();
    let admin = app.signup("W", "open@x.cn").await;
    let near = app.create_account(&admin.token, "近期", "1").await;
    let later = app.create_account(&admin.token, "稍后", "2").await;
    let far = app.create_account(&admin.token, "远期", "3").await;
    let moved = app.create_account(&admin.token, "改期", "4").await;
    // Within the horizon at creation: its renewal is there at once.
    contract(&app, &admin.token, &near, "2027-12-31", "10.00", "CNY").await;
    // 2028-04-15 enters the 180-day horizon on 2027-10-18.
    contract(&app, &admin.token, &later, "2028-04-15", "20.00", "CNY").await;
    contract(&app, &admin.token, &far, "2028-09-30", "30.00", "CNY").await;
    let m = contract(&app, &admin.token, &moved, "2028-12-31", "40.00", "CNY").await;
    let count = || async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        server::entity::renewals::Entity::find()
            .count(&app.app_state.db.read)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 1);

    // Time passes: reading shows nothing new, and writes nothing.
    clock.set(start() + Duration::days(20));
    for path in [
        "/api/v1/renewals",
        "/api/v1/renewals/totals",
        "/api/v1/renewals?due_within_days=365",
    ] {
        json_of(&app, path, &admin.token).await;
    }
    assert_eq!(count().await, 1);
    let acc = json_of(
        &app,
        &format!("/api/v1/accounts/{}", later["id"]),
        &admin.token,
    )
    .await;
    assert_ne!(acc["stage"], "renewal");

    // The scheduler's pass opens it (once, however often it runs).
    let db = &app.app_state.db;
    let now = start() + Duration::days(20);
    assert_eq!(
        server::domain::renewals::open_all_due(db, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        server::domain::renewals::open_all_due(db, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(count().await, 2);
    let acc = json_of(
        &app,
        &format!("/api/v1/accounts/{}", later["id"]),
        &admin.token,
    )
    .await;
    assert_eq!(acc["stage"], "renewal");
    let totals = json_of(&app, "/api/v1/renewals/totals", &admin.token).await;
    assert_eq!(totals["totals"][0]["count"], 2);
    assert_eq!(totals["totals"][0]["annual_value"], "30.00");

    // A wider horizon opens what it reaches at once.
    let response = app
        .put(
            "/api/v1/settings/reminders",
            &admin.token,
            json!({"renewal_horizon_days": 365}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(count().await, 3);
    // So does moving a contract's end into it.
    let response = app
        .patch(
            &format!("/api/v1/contracts/{}", m["id"]),
            &admin.token,
            json!({"ends_on": "2028-06-30"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(count().await, 4);
    let totals = json_of(&app, "/api/v1/renewals/totals", &admin.token).await;
    assert_eq!(totals["totals"][0]["count"], 4);
    assert_eq!(totals["totals"][0]["annual_value"], "100.00");
    let list = json_of(&app, "/api/v1/renewals?due_within_days=365", &admin.token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
}

#[actix_web::test]
async fn bad_renewal_parameters_are_refused_with_4xx() {
    let app = spawn_app_at(start()).await;
    let admin = app.signup("W", "bad@x.cn").await;
    let account = app.create_account(&admin.token, "客户", "1").await;
    contract(&app, &admin.token, &account, "2027-12-31", "10.00", "CNY").await;
    for query in [
        "due_within_days=-1",
        "due_within_days=3651",
        "due_within_days=abc",
        "due_within_days=99999999999999999999",
        "stage=bogus",
        "owner_id=x",
        "account_id=1.5",
    ] {
        for path in ["/api/v1/renewals", "/api/v1/renewals/totals"] {
            let response = app.get(&format!("{path}?{query}"), &admin.token).await;
            let status = response.status();
            assert!(status.is_client_error(), "{path}?{query}: {status}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"]["code"].is_string(), "{path}?{query}: {body}");
        }
    }
    for query in ["cursor=bm9wZQ", "cursor=%25%25", "limit=0", "limit=-3"] {
        let response = app
            .get(&format!("/api/v1/renewals?{query}"), &admin.token)
            .await;
        let status = response.status();
        assert!(status.is_client_error(), "?{query}: {status}");
    }
    // A cursor of another list (the contracts') is not this list's.
    let contracts = json_of(&app, "/api/v1/contracts?limit=1", &admin.token).await;
    if let Some(c) = contracts["next_cursor"].as_str() {
        assert_error(
            app.get(&format!("/api/v1/renewals?cursor={c}"), &admin.token)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
}
