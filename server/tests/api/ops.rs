use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;

#[actix_web::test]
async fn healthz_metrics_and_request_ids() {
    let app = spawn_app().await;
    let response = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-request-id"));
    app.signup("W", "ops@x.cn").await;
    let text = app
        .request(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("steward_http_requests_total{route=\"/api/v1/signup\",method=\"POST\",status=\"201\"} 1"), "{text}");
    assert!(
        text.contains("steward_http_request_duration_seconds_bucket{route=\"/healthz\""),
        "{text}"
    );
}

#[actix_web::test]
async fn security_headers_are_on_every_answer() {
    let app = spawn_app().await;
    for path in ["/healthz", "/api/v1/me", "/accounts"] {
        let response = app.request(Method::GET, path, None, None).await;
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(
            h["referrer-policy"].to_str().unwrap().contains("origin"),
            "{path}"
        );
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
    }
}

#[actix_web::test]
async fn openapi_documents_every_route() {
    let app = spawn_app().await;
    let doc: Value = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("post", "/api/v1/signup"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/accept-invite"),
        ("get", "/api/v1/me"),
        ("patch", "/api/v1/me"),
        ("get", "/api/v1/users"),
        ("post", "/api/v1/users"),
        ("get", "/api/v1/users/{id}"),
        ("patch", "/api/v1/users/{id}"),
        ("get", "/api/v1/accounts"),
        ("post", "/api/v1/accounts"),
        ("get", "/api/v1/accounts/{id}"),
        ("patch", "/api/v1/accounts/{id}"),
        ("post", "/api/v1/accounts/{id}/archive"),
        ("post", "/api/v1/accounts/{id}/restore"),
        ("get", "/api/v1/accounts/{id}/contacts"),
        ("post", "/api/v1/accounts/{id}/contacts"),
        ("get", "/api/v1/contacts/{id}"),
        ("patch", "/api/v1/contacts/{id}"),
        ("post", "/api/v1/contacts/{id}/archive"),
        ("post", "/api/v1/contacts/{id}/portal-access"),
        ("get", "/api/v1/settings/workspace"),
        ("put", "/api/v1/settings/workspace"),
        ("get", "/api/v1/audit"),
        ("get", "/api/v1/portal/account"),
        ("get", "/api/v1/portal/tickets"),
        ("post", "/api/v1/portal/tickets"),
        ("get", "/api/v1/portal/tickets/{id}"),
        ("get", "/api/v1/portal/tickets/{id}/comments"),
        ("post", "/api/v1/portal/tickets/{id}/comments"),
        ("post", "/api/v1/portal/tickets/{id}/satisfaction"),
        ("get", "/api/v1/accounts/{id}/agreements"),
        ("post", "/api/v1/accounts/{id}/agreements"),
        ("put", "/api/v1/accounts/{id}/agreements/{agreement_id}"),
        ("get", "/api/v1/sla-policies"),
        ("put", "/api/v1/sla-policies"),
        ("get", "/api/v1/calendar"),
        ("put", "/api/v1/calendar"),
        ("get", "/api/v1/settings/module-owners"),
        ("put", "/api/v1/settings/module-owners"),
        ("get", "/api/v1/tickets"),
        ("post", "/api/v1/tickets"),
        ("get", "/api/v1/tickets/{id}"),
        ("patch", "/api/v1/tickets/{id}"),
        ("post", "/api/v1/tickets/{id}/escalate"),
        ("get", "/api/v1/tickets/{id}/comments"),
        ("post", "/api/v1/tickets/{id}/comments"),
        ("get", "/api/v1/tickets/{id}/timeline"),
        ("get", "/api/v1/tickets/{id}/blockers"),
        ("post", "/api/v1/tickets/{id}/blockers"),
        ("delete", "/api/v1/tickets/{id}/blockers/{blocker_id}"),
        ("get", "/api/v1/approvals"),
        ("get", "/api/v1/approvals/{id}"),
        ("post", "/api/v1/approvals/{id}/approve"),
        ("post", "/api/v1/approvals/{id}/reject"),
        ("post", "/api/v1/approvals/{id}/withdraw"),
        ("post", "/api/v1/admin/jobs/{name}/run"),
        ("post", "/api/v1/tickets/{id}/attachments"),
        ("get", "/api/v1/tickets/{id}/attachments"),
        ("get", "/api/v1/attachments/{id}"),
        ("post", "/api/v1/portal/tickets/{id}/attachments"),
        ("get", "/api/v1/portal/tickets/{id}/attachments"),
        ("get", "/api/v1/portal/attachments/{id}"),
        ("get", "/api/v1/kb/articles"),
        ("post", "/api/v1/kb/articles"),
        ("get", "/api/v1/kb/articles/{id}"),
        ("patch", "/api/v1/kb/articles/{id}"),
        ("post", "/api/v1/kb/articles/{id}/archive"),
        ("post", "/api/v1/tickets/{id}/to-article"),
        ("get", "/api/v1/portal/kb/search"),
        ("get", "/api/v1/portal/kb/articles/{id}"),
        ("get", "/api/v1/accounts/{id}/licenses"),
        ("post", "/api/v1/accounts/{id}/licenses"),
        ("patch", "/api/v1/accounts/{id}/licenses/{license_id}"),
        (
            "post",
            "/api/v1/accounts/{id}/licenses/{license_id}/register",
        ),
        ("get", "/api/v1/onboarding-templates"),
        ("post", "/api/v1/onboarding-templates"),
        ("get", "/api/v1/onboarding-templates/{id}"),
        ("put", "/api/v1/onboarding-templates/{id}"),
        ("get", "/api/v1/accounts/{id}/onboarding"),
        ("post", "/api/v1/accounts/{id}/onboarding"),
        ("patch", "/api/v1/accounts/{id}/onboarding"),
        ("patch", "/api/v1/onboarding/tasks/{id}"),
        ("get", "/api/v1/onboarding"),
        ("get", "/api/v1/portal/onboarding"),
        ("get", "/api/v1/trainings"),
        ("post", "/api/v1/trainings"),
        ("get", "/api/v1/trainings/{id}"),
        ("patch", "/api/v1/trainings/{id}"),
        ("post", "/api/v1/trainings/{id}/cancel"),
        ("post", "/api/v1/trainings/{id}/attendance"),
        ("get", "/api/v1/accounts/{id}/training-coverage"),
        ("get", "/api/v1/portal/trainings"),
        ("get", "/api/v1/accounts/{id}/timeline"),
        ("post", "/api/v1/accounts/{id}/activities"),
        ("get", "/api/v1/contracts"),
        ("post", "/api/v1/contracts"),
        ("get", "/api/v1/contracts/{id}"),
        ("patch", "/api/v1/contracts/{id}"),
        ("get", "/api/v1/renewals"),
        ("get", "/api/v1/renewals/totals"),
        ("get", "/api/v1/renewals/{id}"),
        ("patch", "/api/v1/renewals/{id}"),
        ("post", "/api/v1/renewals/{id}/renew"),
        ("get", "/api/v1/health-model"),
        ("put", "/api/v1/health-model"),
        ("get", "/api/v1/accounts/{id}/health"),
        ("get", "/api/v1/accounts/{id}/health/history"),
        ("post", "/api/v1/accounts/{id}/health/override"),
        ("get", "/api/v1/api-keys"),
        ("post", "/api/v1/api-keys"),
        ("post", "/api/v1/api-keys/{id}/revoke"),
        ("post", "/api/v1/usage-events"),
        ("get", "/api/v1/settings/reminders"),
        ("put", "/api/v1/settings/reminders"),
        ("get", "/api/v1/reports/renewals"),
        ("get", "/api/v1/reports/kpi"),
        ("get", "/api/v1/dashboard"),
        ("post", "/api/v1/surveys"),
        ("get", "/api/v1/surveys"),
        ("get", "/api/v1/surveys/{id}"),
        ("get", "/api/v1/portal/surveys/{token}"),
        ("post", "/api/v1/portal/surveys/{token}"),
    ];
    for (method, path) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from OpenAPI"
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        expected.len(),
        "the OpenAPI lists routes this test does not know"
    );
    assert!(doc["components"]["schemas"]["Account"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[actix_web::test]
async fn the_spa_is_served_with_fallback_but_api_routes_never_fall_back() {
    let dir = std::env::temp_dir().join(format!("steward-static-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Steward</title>",
    )
    .unwrap();
    std::fs::write(dir.join("frontend-0123456789abcdef_bg.wasm"), b"\0asm").unwrap();
    std::fs::write(dir.join("frontend-0123456789abcdef_bg.wasm.gz"), b"gzipped").unwrap();
    std::fs::write(dir.join("frontend-0123456789abcdef_bg.wasm.br"), b"brotli").unwrap();
    let static_dir = dir.clone();
    let app = spawn_app_with(move |c| c.static_dir = static_dir).await;

    for path in ["/", "/accounts/12", "/portal"] {
        let response = app.request(Method::GET, path, None, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("<title>Steward</title>"));
    }
    let response = app
        .client
        .get(app.url("/frontend-0123456789abcdef_bg.wasm"))
        .header("Accept-Encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/wasm");
    assert!(response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"\0asm");
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let response = raw
        .get(app.url("/frontend-0123456789abcdef_bg.wasm"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"gzipped");
    let response = raw
        .get(app.url("/frontend-0123456789abcdef_bg.wasm"))
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "br");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"brotli");

    assert_eq!(
        app.request(Method::GET, "/missing-asset.js", None, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_error(
        app.request(Method::GET, "/api/v1/unknown", None, None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let response = app
        .request(Method::GET, "/../../etc/passwd", None, None)
        .await;
    assert!(!response.text().await.unwrap().contains("root:"));
}
