//! Contracts and renewals: exact money, the value-change approval path, the
//! renewal pipeline, tenant isolation and portal exclusion.

use chrono::{TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

async fn create_contract(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app.post("/api/v1/contracts", token, body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn contract_body(account_id: &Value, value: &str) -> Value {
    json!({
        "account_id": account_id,
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "annual_value": value,
    })
}

#[actix_web::test]
async fn contract_values_are_exact_decimal_strings_and_anything_else_is_refused() {
    // 2027-10-01: contracts ending 2027-12-31 are within the renewal horizon.
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap()).await;
    let admin = app.signup("W", "money@x.cn").await;
    let account = app.create_account(&admin.token, "金额客户", "1").await;

    let c = create_contract(&app, &admin.token, contract_body(&account["id"], "128000")).await;
    assert_eq!(c["annual_value"], "128000.00");
    assert_eq!(c["currency"], "CNY");
    assert_eq!(c["auto_renew"], false);
    assert_eq!(c["notice_days"], 30);
    assert!(c["pending_approval"].is_null());

    for bad in [
        json!("1e3"),
        json!(12.5),
        json!(1000),
        json!("-1"),
        json!("1.234"),
        json!("abc"),
        json!(""),
        json!(" 10"),
        json!("1,000.00"),
        json!("1000000000000.00"),
        json!(null),
    ] {
        let mut body = contract_body(&account["id"], "0");
        body["annual_value"] = bad.clone();
        let response = app.post("/api/v1/contracts", &admin.token, body).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    // The end must be after the start; currencies are three capitals.
    for (field, value) in [
        ("ends_on", json!("2027-01-01")),
        ("ends_on", json!("2026-12-31")),
        ("currency", json!("cny")),
        ("currency", json!("RMB1")),
        ("notice_days", json!(-1)),
    ] {
        let mut body = contract_body(&account["id"], "1.00");
        body[field] = value;
        let response = app.post("/api/v1/contracts", &admin.token, body).await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["fields"][field].is_string(), "{error}");
    }

    // Sums are exact: 0.10 + 0.20 = 0.30, in the contracts and the forecasts.
    let other = app.create_account(&admin.token, "小额客户", "2").await;
    let a = create_contract(&app, &admin.token, contract_body(&other["id"], "0.1")).await;
    assert_eq!(a["annual_value"], "0.10");
    create_contract(&app, &admin.token, contract_body(&other["id"], "0.20")).await;
    let totals: Value = app
        .get(
            &format!("/api/v1/renewals/totals?account_id={}", other["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let cny = &totals["totals"][0];
    assert_eq!(cny["currency"], "CNY");
    assert_eq!(cny["count"], 2);
    assert_eq!(cny["annual_value"], "0.30");
    assert_eq!(cny["forecast_amount"], "0.30");
    assert_eq!(cny["upsell_amount"], "0.00");

    // A forecast refuses the same garbage.
    let renewals: Value = app
        .get(
            &format!("/api/v1/renewals?account_id={}", other["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let id = renewals["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["forecast_amount"] == "0.10")
        .unwrap()["id"]
        .clone();
    for bad in [json!("1e3"), json!(12.5), json!("-1"), json!("1.234")] {
        let response = app
            .patch(
                &format!("/api/v1/renewals/{id}"),
                &admin.token,
                json!({"forecast_amount": bad}),
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let response = app
        .patch(
            &format!("/api/v1/renewals/{id}"),
            &admin.token,
            json!({"forecast_amount": "0.2", "upsell_amount": "0.1"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let totals: Value = app
        .get(
            &format!("/api/v1/renewals/totals?account_id={}", other["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    // 0.20 (edited from 0.10) + 0.20 (the other) = 0.40; upsell 0.10.
    assert_eq!(totals["totals"][0]["forecast_amount"], "0.40");
    assert_eq!(totals["totals"][0]["upsell_amount"], "0.10");
}

#[actix_web::test]
async fn a_value_change_takes_effect_only_when_another_manager_approves() {
    let app = spawn_app().await;
    let admin = app.signup("W", "appr@x.cn").await;
    let maker = app.staff(&admin, "manager", "maker@x.cn").await;
    let checker = app.staff(&admin, "manager", "checker@x.cn").await;
    let csm = app.staff(&admin, "csm", "appr-csm@x.cn").await;
    let account = app.create_account(&csm.token, "审批客户", "1").await;
    let c = create_contract(&app, &csm.token, contract_body(&account["id"], "128000.00")).await;
    let path = format!("/api/v1/contracts/{}", c["id"]);

    // Other fields change at once (200); the ETag guards them.
    let response = app.get(&path, &maker.token).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&maker.token)
        .header("If-Match", &etag)
        .json(&json!({"auto_renew": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&maker.token)
        .header("If-Match", &etag)
        .json(&json!({"annual_value": "1.00"}))
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    // A new value is a request: 202, unchanged value, pending_approval.
    let response = app
        .patch(&path, &maker.token, json!({"annual_value": "150000.50"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["annual_value"], "128000.00");
    assert_eq!(body["auto_renew"], true);
    assert_eq!(body["pending_approval"]["annual_value"], "150000.50");
    assert_eq!(body["pending_approval"]["maker_id"], maker.id());
    let approval_id = body["pending_approval"]["approval_id"].as_i64().unwrap();
    let approval: Value = app
        .get(&format!("/api/v1/approvals/{approval_id}"), &checker.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approval["kind"], "contract_value_change");
    assert_eq!(approval["subject_type"], "contract");
    assert_eq!(approval["status"], "pending");
    // One pending change at a time.
    let response = app
        .patch(&path, &csm.token, json!({"annual_value": "1.00"}))
        .await;
    assert_error(response, StatusCode::CONFLICT, "conflict").await;

    // The maker cannot decide; nor can a CSM.
    let approve = format!("/api/v1/approvals/{approval_id}/approve");
    let reject = format!("/api/v1/approvals/{approval_id}/reject");
    assert_error(
        app.post(&approve, &maker.token, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        app.post(&approve, &csm.token, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Rejection leaves the value.
    let response = app
        .post(
            &reject,
            &checker.token,
            json!({"comment": "金额未经客户确认"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let now: Value = app.get(&path, &maker.token).await.json().await.unwrap();
    assert_eq!(now["annual_value"], "128000.00");
    assert!(now["pending_approval"].is_null());

    // Asked again (by the CSM) and approved by a manager: the value changes.
    let response = app
        .patch(&path, &csm.token, json!({"annual_value": "150000.5"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    let approval_id = body["pending_approval"]["approval_id"].as_i64().unwrap();
    let version = body["version"].as_i64().unwrap();
    let response = app
        .post(
            &format!("/api/v1/approvals/{approval_id}/approve"),
            &maker.token,
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let now: Value = app.get(&path, &csm.token).await.json().await.unwrap();
    assert_eq!(now["annual_value"], "150000.50");
    assert!(now["pending_approval"].is_null());
    assert_eq!(now["version"].as_i64().unwrap(), version + 1);
    // Deciding twice is a conflict.
    let response = app
        .post(
            &format!("/api/v1/approvals/{approval_id}/reject"),
            &checker.token,
            json!({"comment": "再次"}),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "conflict").await;
    // The same value again is no request.
    let response = app
        .patch(&path, &csm.token, json!({"annual_value": "150000.50"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // The audit log has the change, by the checker.
    let audit: Value = app
        .get(
            &format!("/api/v1/audit?entity_type=contract&entity_id={}", c["id"]),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        audit["items"].as_array().unwrap().iter().any(|e| {
            e["action"] == "update"
                && e["actor_id"] == maker.id()
                && e["after"]["annual_value"] == "150000.50"
        }),
        "{audit}"
    );
}

#[actix_web::test]
async fn renewals_move_through_the_pipeline_and_the_account_follows() {
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap()).await;
    let admin = app.signup("W", "pipe@x.cn").await;
    let csm = app.staff(&admin, "csm", "pipe-csm@x.cn").await;
    let other_csm = app.staff(&admin, "csm", "pipe-csm2@x.cn").await;
    let account = app.create_account(&csm.token, "续约客户", "1").await;
    let far = app.create_account(&csm.token, "远期客户", "2").await;
    let contract =
        create_contract(&app, &csm.token, contract_body(&account["id"], "100000.00")).await;
    // Ends beyond the 180-day horizon: no renewal yet.
    create_contract(
        &app,
        &csm.token,
        json!({"account_id": far["id"], "starts_on": "2027-09-01", "ends_on": "2028-08-31", "annual_value": "5"}),
    )
    .await;

    let list: Value = app
        .get("/api/v1/renewals", &csm.token)
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    let r = &items[0];
    assert_eq!(r["contract_id"], contract["id"]);
    assert_eq!(r["stage"], "upcoming");
    assert_eq!(r["due_on"], "2027-12-31");
    assert_eq!(r["forecast_amount"], "100000.00");
    assert_eq!(r["annual_value"], "100000.00");
    assert_eq!(r["owner_id"], csm.id());
    assert_eq!(r["account_name"], "续约客户");
    let id = r["id"].as_i64().unwrap();
    let path = format!("/api/v1/renewals/{id}");
    // The account is now in renewal.
    let acc: Value = app
        .get(&format!("/api/v1/accounts/{}", account["id"]), &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(acc["stage"], "renewal");

    // Filters.
    for (query, count) in [
        ("due_within_days=30", 0),
        ("due_within_days=91", 1),
        ("stage=upcoming", 1),
        ("stage=committed", 0),
        (&format!("owner_id={}", csm.id()) as &str, 1),
        (&format!("owner_id={}", other_csm.id()), 0),
    ] {
        let list: Value = app
            .get(&format!("/api/v1/renewals?{query}"), &csm.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), count, "{query}");
    }
    let response = app
        .get("/api/v1/renewals?due_within_days=-1", &csm.token)
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // Only the owner CSM (or a manager/admin) works it.
    let response = app
        .patch(&path, &other_csm.token, json!({"stage": "in_negotiation"}))
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .patch(
            &path,
            &csm.token,
            json!({"stage": "in_negotiation", "probability": 70, "upsell_amount": "20000"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let r: Value = response.json().await.unwrap();
    assert_eq!(
        (r["stage"].as_str(), r["probability"].as_i64()),
        (Some("in_negotiation"), Some(70))
    );
    for bad in [
        json!({"probability": 101}),
        json!({"stage": "renewed"}),
        json!({"stage": "churned"}),
        json!({"stage": "churned", "churn_reason": "不喜欢"}),
        json!({"stage": "committed", "churn_reason": "price"}),
    ] {
        let response = app.patch(&path, &csm.token, bad.clone()).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    app.patch(&path, &csm.token, json!({"stage": "committed"}))
        .await;

    // Renewing creates the next contract: same length, value forecast + upsell.
    let response = app
        .post(&format!("{path}/renew"), &csm.token, json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let outcome: Value = response.json().await.unwrap();
    assert_eq!(outcome["renewal"]["stage"], "renewed");
    assert_eq!(outcome["contract"]["starts_on"], "2028-01-01");
    assert_eq!(outcome["contract"]["ends_on"], "2028-12-31");
    assert_eq!(outcome["contract"]["annual_value"], "120000.00");
    assert_eq!(outcome["contract"]["previous_contract_id"], contract["id"]);
    assert_eq!(
        outcome["renewal"]["next_contract_id"],
        outcome["contract"]["id"]
    );
    let acc: Value = app
        .get(&format!("/api/v1/accounts/{}", account["id"]), &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(acc["stage"], "renewed");
    // Final.
    let response = app
        .post(&format!("{path}/renew"), &csm.token, json!({}))
        .await;
    assert_error(response, StatusCode::CONFLICT, "conflict").await;
    let response = app
        .patch(&path, &csm.token, json!({"stage": "upcoming"}))
        .await;
    assert_error(response, StatusCode::CONFLICT, "conflict").await;

    // A churn needs a reason from the (configurable) list; the account churns.
    let lost = app.create_account(&csm.token, "流失客户", "3").await;
    create_contract(&app, &csm.token, contract_body(&lost["id"], "9.99")).await;
    let response = app
        .put(
            "/api/v1/settings/reminders",
            &admin.token,
            json!({"churn_reasons": ["价格", "倒闭"]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let list: Value = app
        .get(
            &format!("/api/v1/renewals?account_id={}", lost["id"]),
            &csm.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let lost_path = format!("/api/v1/renewals/{}", list["items"][0]["id"]);
    let response = app
        .patch(
            &lost_path,
            &csm.token,
            json!({"stage": "churned", "churn_reason": "price"}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let response = app
        .patch(
            &lost_path,
            &csm.token,
            json!({"stage": "churned", "churn_reason": "倒闭"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let r: Value = response.json().await.unwrap();
    assert_eq!(
        (r["stage"].as_str(), r["churn_reason"].as_str()),
        (Some("churned"), Some("倒闭"))
    );
    let acc: Value = app
        .get(&format!("/api/v1/accounts/{}", lost["id"]), &csm.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(acc["stage"], "churned");
}

#[actix_web::test]
async fn contracts_renewals_and_reminder_settings_are_staff_only_and_workspace_scoped() {
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap()).await;
    let admin = app.signup("A", "iso-a@x.cn").await;
    let intruder = app.signup("B", "iso-b@x.cn").await;
    let engineer = app.staff(&admin, "engineer", "iso-eng@x.cn").await;
    let (account, portal) = app.portal_user(&admin, "iso-portal@x.cn", "1").await;
    let contract = create_contract(
        &app,
        &admin.token,
        contract_body(&account["id"], "128000.00"),
    )
    .await;
    let renewals: Value = app
        .get("/api/v1/renewals", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let renewal_id = renewals["items"][0]["id"].as_i64().unwrap();
    let cid = contract["id"].as_i64().unwrap();

    // Another workspace: 404 for every id, nothing in its lists.
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/contracts/{cid}"), None),
        (
            Method::PATCH,
            format!("/api/v1/contracts/{cid}"),
            Some(json!({"auto_renew": true})),
        ),
        (
            Method::GET,
            format!("/api/v1/contracts?account_id={}", account["id"]),
            None,
        ),
        (
            Method::POST,
            "/api/v1/contracts".to_string(),
            Some(contract_body(&account["id"], "1")),
        ),
        (Method::GET, format!("/api/v1/renewals/{renewal_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/renewals/{renewal_id}"),
            Some(json!({"probability": 1})),
        ),
        (
            Method::POST,
            format!("/api/v1/renewals/{renewal_id}/renew"),
            Some(json!({})),
        ),
    ] {
        let response = app
            .request(method.clone(), &path, Some(&intruder.token), body)
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    for path in [
        "/api/v1/contracts",
        "/api/v1/renewals",
        "/api/v1/renewals/totals",
    ] {
        let body: Value = app.get(path, &intruder.token).await.json().await.unwrap();
        let text = body.to_string();
        assert!(!text.contains("128000"), "{path}: {text}");
    }

    // Engineers see no contract values or ARR (issue 13): not the
    // contracts, not the renewals, not the dashboard's money.
    for path in [
        format!("/api/v1/contracts/{cid}"),
        "/api/v1/contracts".to_string(),
        format!("/api/v1/contracts?account_id={}", account["id"]),
        "/api/v1/renewals".to_string(),
        "/api/v1/renewals/totals".to_string(),
        format!("/api/v1/renewals/{renewal_id}"),
    ] {
        assert_error(
            app.get(&path, &engineer.token).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let dashboard: Value = app
        .get("/api/v1/dashboard", &engineer.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(dashboard["at_risk_arr"].as_array().unwrap().is_empty());
    assert!(dashboard["renewals_due"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["totals"].as_array().unwrap().is_empty()));
    assert!(!dashboard.to_string().contains("128000"), "{dashboard}");
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/contracts/{cid}"),
            json!({"auto_renew": true}),
        ),
        (
            Method::POST,
            "/api/v1/contracts".to_string(),
            contract_body(&account["id"], "1"),
        ),
        (
            Method::PATCH,
            format!("/api/v1/renewals/{renewal_id}"),
            json!({"probability": 1}),
        ),
        (
            Method::PUT,
            "/api/v1/settings/reminders".to_string(),
            json!({"notify_customer": true}),
        ),
    ] {
        let response = app
            .request(method, &path, Some(&engineer.token), Some(body))
            .await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }

    // Portal users never reach any of it.
    for (method, path, body) in [
        (Method::GET, "/api/v1/contracts".to_string(), None),
        (
            Method::POST,
            "/api/v1/contracts".to_string(),
            Some(contract_body(&account["id"], "1")),
        ),
        (Method::GET, format!("/api/v1/contracts/{cid}"), None),
        (
            Method::PATCH,
            format!("/api/v1/contracts/{cid}"),
            Some(json!({"annual_value": "1"})),
        ),
        (Method::GET, "/api/v1/renewals".to_string(), None),
        (Method::GET, "/api/v1/renewals/totals".to_string(), None),
        (Method::GET, format!("/api/v1/renewals/{renewal_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/renewals/{renewal_id}"),
            Some(json!({"probability": 1})),
        ),
        (
            Method::POST,
            format!("/api/v1/renewals/{renewal_id}/renew"),
            Some(json!({})),
        ),
        (Method::GET, "/api/v1/settings/reminders".to_string(), None),
        (
            Method::PUT,
            "/api/v1/settings/reminders".to_string(),
            Some(json!({"notify_customer": true})),
        ),
    ] {
        let response = app
            .request(method.clone(), &path, Some(&portal.token), body)
            .await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // And nothing of contracts shows on the portal's own routes.
    for path in ["/api/v1/portal/account", "/api/v1/portal/tickets"] {
        let response = app.get(path, &portal.token).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let text = response.text().await.unwrap();
        for leak in ["128000", "annual_value", "contract", "renewal"] {
            assert!(!text.contains(leak), "{path} leaks {leak}: {text}");
        }
    }
}

/// The workspace-wide contract list (issue 16, "gaps"): filters by
/// account, owner, status against today and the end (renewal) date, keyset
/// pages, refusals of bad filters, and another workspace sees none of it.
#[actix_web::test]
async fn the_contract_list_filters_by_status_end_date_owner_and_account() {
    // Today is 2027-10-01 in the workspace.
    let app = spawn_app_at(Utc.with_ymd_and_hms(2027, 10, 1, 1, 0, 0).unwrap()).await;
    let admin = app.signup("W", "clist@x.cn").await;
    let csm = app.staff(&admin, "csm", "clist-csm@x.cn").await;
    let owned = app.create_account(&admin.token, "归属客户", "11").await;
    let other = app.create_account(&admin.token, "其他客户", "12").await;
    let response = app
        .patch(
            &format!("/api/v1/accounts/{}", owned["id"]),
            &admin.token,
            json!({"owner_id": csm.id()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let make = |account: &Value, starts: &str, ends: &str| json!({"account_id": account["id"], "starts_on": starts, "ends_on": ends, "annual_value": "1000"});
    let ended = create_contract(&app, &admin.token, make(&owned, "2026-01-01", "2026-12-31")).await;
    let running =
        create_contract(&app, &admin.token, make(&owned, "2027-01-01", "2027-12-31")).await;
    let upcoming =
        create_contract(&app, &admin.token, make(&other, "2028-01-01", "2028-12-31")).await;
    let other_running =
        create_contract(&app, &admin.token, make(&other, "2027-06-01", "2028-05-31")).await;

    let ids = |query: &str| {
        let app = &app;
        let token = admin.token.clone();
        let path = format!("/api/v1/contracts?{query}");
        async move {
            let response = app.get(&path, &token).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body: Value = response.json().await.unwrap();
            let mut ids: Vec<i64> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect();
            ids.sort_unstable();
            ids
        }
    };
    let id = |c: &Value| c["id"].as_i64().unwrap();
    let sorted = |mut v: Vec<i64>| {
        v.sort_unstable();
        v
    };
    assert_eq!(
        ids("status=running").await,
        sorted(vec![id(&running), id(&other_running)])
    );
    assert_eq!(ids("status=ended").await, vec![id(&ended)]);
    assert_eq!(ids("status=upcoming").await, vec![id(&upcoming)]);
    assert_eq!(
        ids(&format!("owner_id={}", csm.id())).await,
        sorted(vec![id(&ended), id(&running)])
    );
    assert_eq!(
        ids(&format!("owner_id={}&status=running", csm.id())).await,
        vec![id(&running)]
    );
    assert_eq!(
        ids("ends_from=2027-12-01&ends_to=2028-06-30").await,
        sorted(vec![id(&running), id(&other_running)])
    );
    assert_eq!(
        ids(&format!("account_id={}&ends_from=2028-01-01", other["id"])).await,
        sorted(vec![id(&upcoming), id(&other_running)])
    );
    assert!(ids(&format!("owner_id={}", admin.id())).await.is_empty());

    // Keyset pages: two pages of two, then none, every contract once.
    let first: Value = app
        .get("/api/v1/contracts?limit=2", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second: Value = app
        .get(
            &format!("/api/v1/contracts?limit=2&cursor={cursor}"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let mut seen: Vec<i64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(id)
        .collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        sorted(vec![
            id(&ended),
            id(&running),
            id(&upcoming),
            id(&other_running)
        ])
    );
    assert!(second["next_cursor"].is_null(), "{second}");

    // Bad filters are 422, naming the field.
    for query in [
        "status=expired",
        "ends_from=2028-01-01&ends_to=2027-01-01",
        "ends_from=someday",
        "owner_id=x",
    ] {
        let response = app
            .get(&format!("/api/v1/contracts?{query}"), &admin.token)
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }

    // CSMs read the list (they own accounts); engineers and portal users
    // do not; another workspace sees nothing of it, filter or not.
    assert_eq!(
        ids(&format!("owner_id={}", csm.id())).await.len(),
        2,
        "the admin's view"
    );
    let mine: Value = app
        .get(
            &format!("/api/v1/contracts?owner_id={}&status=running", csm.id()),
            &csm.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
    let engineer = app.staff(&admin, "engineer", "clist-eng@x.cn").await;
    assert_error(
        app.get("/api/v1/contracts?status=running", &engineer.token)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let intruder = app.signup("B", "clist-b@x.cn").await;
    for query in [
        "status=running".to_string(),
        format!("owner_id={}", csm.id()),
        "ends_from=2000-01-01".to_string(),
    ] {
        let body: Value = app
            .get(&format!("/api/v1/contracts?{query}"), &intruder.token)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            body["items"].as_array().unwrap().is_empty(),
            "{query}: {body}"
        );
    }
    assert_error(
        app.get(
            &format!("/api/v1/contracts?account_id={}", owned["id"]),
            &intruder.token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
