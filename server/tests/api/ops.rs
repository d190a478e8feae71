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

/// `/metrics` labels only the methods HTTP defines (a client inventing
/// methods cannot add series), and with a metrics token configured answers
/// only requests carrying it.
#[actix_web::test]
async fn metrics_bound_their_labels_and_can_require_a_token() {
    let app = spawn_app_with(|c| c.metrics_token = Some("metrics-secret-42".into())).await;
    let invented = Method::from_bytes(b"BREW").unwrap();
    for _ in 0..3 {
        app.request(invented.clone(), "/api/v1/accounts", None, None)
            .await;
    }
    for token in [None, Some("wrong"), Some("metrics-secret-4")] {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        assert_error(
            req.send().await.unwrap(),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("metrics-secret-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(!text.contains("BREW"), "{text}");
    assert!(text.contains("method=\"OTHER\""), "{text}");
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
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
        ("get", "/api/openapi.json"),
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
        ("get", "/api/v1/accounts/{id}/group"),
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
        ("get", "/api/v1/service-levels"),
        ("post", "/api/v1/service-levels"),
        ("get", "/api/v1/service-levels/{id}"),
        ("put", "/api/v1/service-levels/{id}"),
        ("delete", "/api/v1/service-levels/{id}"),
        ("get", "/api/v1/settings/entitlements"),
        ("put", "/api/v1/settings/entitlements"),
        ("get", "/api/v1/portal/entitlement"),
        ("get", "/api/v1/accounts/{id}/entitlement"),
        // Service centres and certifications.
        ("get", "/api/v1/service-centres"),
        ("post", "/api/v1/service-centres"),
        ("get", "/api/v1/service-centres/{id}"),
        ("post", "/api/v1/service-centres/{id}/revoke"),
        ("get", "/api/v1/service-centres/{id}/accounts"),
        ("post", "/api/v1/service-centres/{id}/accounts"),
        (
            "delete",
            "/api/v1/service-centres/{id}/accounts/{account_id}",
        ),
        ("post", "/api/v1/centre-invitations/preview"),
        ("post", "/api/v1/centre-invitations/accept"),
        ("get", "/api/v1/vendors"),
        ("post", "/api/v1/tickets/{id}/escalate-to-vendor"),
        ("get", "/api/v1/tickets/{id}/centre-link"),
        ("get", "/api/v1/users/{id}/certifications"),
        ("post", "/api/v1/users/{id}/certifications"),
        ("delete", "/api/v1/certifications/{id}"),
        ("get", "/api/v1/settings/routing"),
        ("put", "/api/v1/settings/routing"),
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
        ("post", "/api/v1/tickets/{id}/merge"),
        ("get", "/api/v1/tickets/{id}/links"),
        ("post", "/api/v1/tickets/{id}/links"),
        ("delete", "/api/v1/tickets/{id}/links/{other}"),
        ("get", "/api/v1/tickets/{id}/link-candidates"),
        ("post", "/api/v1/tickets/{id}/resolve-children"),
        ("get", "/api/v1/tasks"),
        ("post", "/api/v1/tasks"),
        ("get", "/api/v1/tasks/{id}"),
        ("patch", "/api/v1/tasks/{id}"),
        ("post", "/api/v1/tasks/{id}/complete"),
        ("post", "/api/v1/tasks/{id}/send-email"),
        ("post", "/api/v1/tasks/{id}/skip"),
        ("post", "/api/v1/tasks/{id}/snooze"),
        ("get", "/api/v1/my-work"),
        ("get", "/api/v1/my-work/counts"),
        ("get", "/api/v1/my-work/book"),
        ("get", "/api/v1/playbooks"),
        ("post", "/api/v1/playbooks"),
        ("post", "/api/v1/playbooks/library"),
        ("get", "/api/v1/playbooks/report"),
        ("get", "/api/v1/playbooks/{id}"),
        ("patch", "/api/v1/playbooks/{id}"),
        ("get", "/api/v1/playbook-runs"),
        ("post", "/api/v1/playbook-runs/{id}/cancel"),
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
        (
            "get",
            "/api/v1/accounts/{id}/licenses/{license_id}/registrations",
        ),
        (
            "post",
            "/api/v1/accounts/{id}/licenses/{license_id}/registrations",
        ),
        ("post", "/api/v1/accounts/{id}/licenses/{license_id}/split"),
        ("get", "/api/v1/accounts/{id}/licenses/seat-use"),
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
        ("get", "/api/v1/reports/service"),
        ("get", "/api/v1/dashboard"),
        ("post", "/api/v1/surveys"),
        ("get", "/api/v1/surveys"),
        ("get", "/api/v1/surveys/{id}"),
        ("get", "/api/v1/portal/surveys/{token}"),
        ("post", "/api/v1/portal/surveys/{token}"),
        ("post", "/api/v1/me/password"),
        ("post", "/api/v1/auth/password-reset"),
        ("post", "/api/v1/auth/password-reset/confirm"),
        ("post", "/api/v1/auth/verify-email"),
        ("post", "/api/v1/me/email-verification"),
        ("get", "/api/v1/me/workspaces"),
        ("post", "/api/v1/webhooks"),
        ("get", "/api/v1/webhooks"),
        ("get", "/api/v1/webhooks/{id}"),
        ("patch", "/api/v1/webhooks/{id}"),
        ("delete", "/api/v1/webhooks/{id}"),
        ("get", "/api/v1/webhooks/{id}/deliveries"),
        (
            "post",
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        ),
        ("post", "/api/v1/webhooks/{id}/test"),
        ("post", "/api/v1/settings/chat-bots"),
        ("get", "/api/v1/settings/chat-bots"),
        ("get", "/api/v1/settings/chat-bots/{id}"),
        ("patch", "/api/v1/settings/chat-bots/{id}"),
        ("delete", "/api/v1/settings/chat-bots/{id}"),
        ("get", "/api/v1/settings/chat-bots/{id}/deliveries"),
        (
            "post",
            "/api/v1/settings/chat-bots/{id}/deliveries/{delivery_id}/redeliver",
        ),
        ("post", "/api/v1/settings/chat-bots/{id}/test"),
        ("post", "/api/v1/imports"),
        ("get", "/api/v1/imports"),
        ("get", "/api/v1/imports/{id}"),
        ("get", "/api/v1/imports/{id}/errors.csv"),
        ("post", "/api/v1/imports/{id}/commit"),
        ("get", "/api/v1/imports/templates/{kind}"),
        ("get", "/api/v1/settings/mail-channels"),
        ("post", "/api/v1/settings/mail-channels"),
        ("get", "/api/v1/settings/mail-channels/{id}"),
        ("patch", "/api/v1/settings/mail-channels/{id}"),
        ("delete", "/api/v1/settings/mail-channels/{id}"),
        ("post", "/api/v1/settings/mail-channels/{id}/test"),
        ("post", "/api/v1/inbound/email/{channel}"),
        ("get", "/api/v1/inbound/unknown-senders"),
        ("post", "/api/v1/inbound/unknown-senders/{id}/attach"),
        ("post", "/api/v1/inbound/unknown-senders/{id}/refuse"),
        ("get", "/api/v1/inbound-messages"),
        ("get", "/api/v1/inbound-messages/{id}"),
        ("get", "/api/v1/macros"),
        ("post", "/api/v1/macros"),
        ("get", "/api/v1/macros/{id}"),
        ("patch", "/api/v1/macros/{id}"),
        ("delete", "/api/v1/macros/{id}"),
        ("post", "/api/v1/macros/{id}/apply"),
        ("get", "/api/v1/accounts/{id}/success-plans"),
        ("post", "/api/v1/accounts/{id}/success-plans"),
        ("get", "/api/v1/success-plans/{id}"),
        ("patch", "/api/v1/success-plans/{id}"),
        ("delete", "/api/v1/success-plans/{id}"),
        ("post", "/api/v1/success-plans/{id}/objectives"),
        ("patch", "/api/v1/success-objectives/{id}"),
        ("delete", "/api/v1/success-objectives/{id}"),
        ("post", "/api/v1/success-objectives/{id}/milestones"),
        ("patch", "/api/v1/success-milestones/{id}"),
        ("delete", "/api/v1/success-milestones/{id}"),
        ("post", "/api/v1/success-plans/{id}/comments"),
        ("get", "/api/v1/portal/success-plans"),
        ("get", "/api/v1/portal/success-plans/{id}"),
        ("post", "/api/v1/portal/success-plans/{id}/comments"),
        ("post", "/api/v1/portal/success-milestones/{id}/done"),
        // Time and person-day packages.
        ("get", "/api/v1/tickets/{id}/time-entries"),
        ("post", "/api/v1/tickets/{id}/time-entries"),
        ("put", "/api/v1/time-entries/{id}"),
        ("delete", "/api/v1/time-entries/{id}"),
        ("get", "/api/v1/accounts/{id}/packages"),
        ("post", "/api/v1/accounts/{id}/packages"),
        ("put", "/api/v1/packages/{id}"),
        ("delete", "/api/v1/packages/{id}"),
        ("get", "/api/v1/reports/time"),
        ("get", "/api/v1/reports/packages"),
        ("get", "/api/v1/portal/time"),
        // Installed base (issue 16).
        ("get", "/api/v1/accounts/{id}/installations"),
        ("post", "/api/v1/accounts/{id}/installations"),
        (
            "get",
            "/api/v1/accounts/{id}/installations/{installation_id}",
        ),
        (
            "put",
            "/api/v1/accounts/{id}/installations/{installation_id}",
        ),
        (
            "delete",
            "/api/v1/accounts/{id}/installations/{installation_id}",
        ),
        (
            "get",
            "/api/v1/accounts/{id}/installations/{installation_id}/upgrades",
        ),
        (
            "post",
            "/api/v1/accounts/{id}/installations/{installation_id}/upgrades",
        ),
        ("get", "/api/v1/portal/installations"),
        ("get", "/api/v1/advisories"),
        ("post", "/api/v1/advisories"),
        ("post", "/api/v1/advisories/preview"),
        ("get", "/api/v1/advisories/{id}"),
        ("post", "/api/v1/advisories/{id}/send"),
        // On-site visits (issue 16).
        ("get", "/api/v1/visits"),
        ("post", "/api/v1/visits"),
        ("get", "/api/v1/visits/{id}"),
        ("post", "/api/v1/visits/{id}/dispatch"),
        ("post", "/api/v1/visits/{id}/cancel"),
        ("post", "/api/v1/visits/{id}/check-in"),
        ("post", "/api/v1/visits/{id}/check-out"),
        ("put", "/api/v1/visits/{id}/report"),
        ("get", "/api/v1/visits/{id}/report.pdf"),
        ("get", "/api/v1/accounts/{id}/visit-entitlement"),
        ("get", "/api/v1/portal/visits"),
        ("get", "/api/v1/portal/visits/{id}"),
        ("post", "/api/v1/portal/visits/{id}/sign"),
        ("get", "/api/v1/portal/visits/{id}/report.pdf"),
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
    assert_eq!(doc["servers"][0]["url"], "/");
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["name"],
        "X-Api-Key"
    );
    assert_eq!(
        doc["paths"]["/api/v1/usage-events"]["post"]["security"][0]["api_key"],
        serde_json::json!([])
    );
    // A route that needs a token documents the 401 every such route answers.
    let list = &doc["paths"]["/api/v1/accounts"]["get"]["responses"];
    for status in ["200", "401", "403", "422"] {
        assert!(list[status].is_object(), "GET /accounts documents {status}");
    }
    assert!(doc["paths"]["/api/v1/accounts/{id}"]["patch"]["responses"]["412"].is_object());
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

/// A client generated from the document must read what the server writes:
/// every vocabulary is documented with its wire values (`on_track`), never
/// the Rust variant names (`OnTrack`), and the document says so for each
/// one that appears in it.
#[actix_web::test]
async fn openapi_enums_are_the_wire_values() {
    use shared::{approvals, contracts, health, kb, onboarding, tickets, timeline, training};
    fn wire<T: serde::Serialize>(all: &[T]) -> Vec<String> {
        all.iter()
            .map(|v| {
                serde_json::to_value(v)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }
    let vocabularies: Vec<(&str, Vec<String>)> = vec![
        ("ApprovalStatus", wire(approvals::ApprovalStatus::ALL)),
        ("RenewalStage", wire(contracts::RenewalStage::ALL)),
        ("ContractStatus", wire(contracts::ContractStatus::ALL)),
        ("Role", wire(shared::Role::ALL)),
        ("ErpModule", wire(shared::ErpModule::ALL)),
        ("LifecycleStage", wire(shared::LifecycleStage::ALL)),
        ("Locale", wire(shared::Locale::ALL)),
        ("HealthComponent", wire(health::HealthComponent::ALL)),
        ("HealthBand", wire(health::HealthBand::ALL)),
        ("KbVisibility", wire(kb::KbVisibility::ALL)),
        ("KbStatus", wire(kb::KbStatus::ALL)),
        ("LicenseStatus", wire(onboarding::LicenseStatus::ALL)),
        ("TaskStatus", wire(onboarding::TaskStatus::ALL)),
        ("TaskKind", wire(onboarding::TaskKind::ALL)),
        ("PlanStatus", wire(onboarding::PlanStatus::ALL)),
        ("TicketCategory", wire(tickets::TicketCategory::ALL)),
        ("TicketPriority", wire(tickets::TicketPriority::ALL)),
        ("TicketStatus", wire(tickets::TicketStatus::ALL)),
        ("TimelineKind", wire(timeline::TimelineKind::ALL)),
        ("ActivityKind", wire(timeline::ActivityKind::ALL)),
        ("TrainingStatus", wire(training::TrainingStatus::ALL)),
        ("ErrorCode", wire(shared::ErrorCode::ALL)),
        ("MatchMode", wire(kb::MatchMode::ALL)),
        ("SlaTarget", wire(tickets::SlaTarget::ALL)),
        ("LinkKind", wire(shared::ticket_links::LinkKind::ALL)),
        (
            "CandidatePurpose",
            wire(shared::ticket_links::CandidatePurpose::ALL),
        ),
        ("VisitStatus", wire(shared::visits::VisitStatus::ALL)),
        ("VisitSlot", wire(shared::visits::VisitSlot::ALL)),
    ];
    let app = spawn_app().await;
    let doc: Value = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .json()
        .await
        .unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut checked = 0;
    for (name, values) in &vocabularies {
        let Some(schema) = schemas.get(*name) else {
            continue;
        };
        let documented: Vec<String> = schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is documented without its values: {schema}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(&documented, values, "{name} in the OpenAPI document");
        checked += 1;
    }
    assert!(
        checked >= 15,
        "only {checked} vocabularies appear in the document"
    );
    // Every reference resolves (a generator stops at the first that does not).
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v.as_str()) {
                        ("$ref", Some(r)) => out.push(r.to_string()),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(&r);
        assert!(
            schemas.contains_key(name),
            "{r} is referenced but not defined"
        );
    }
    // And no schema anywhere lists a Rust-style variant name as a value.
    let text = doc.to_string();
    for rust_name in [
        "\"OnTrack\"",
        "\"Finance\"",
        "\"Green\"",
        "\"InNegotiation\"",
    ] {
        assert!(
            !text.contains(rust_name),
            "{rust_name} appears in the document"
        );
    }
}

#[actix_web::test]
async fn a_documented_path_refuses_other_methods_with_405_and_allow() {
    let app = spawn_app().await;
    // Asked without a token: the method is refused before anything else.
    let resp = app
        .request(Method::DELETE, "/api/v1/users", None, None)
        .await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = resp.headers()["allow"].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    // A path with a parameter, and a literal path beside it.
    let resp = app
        .request(Method::PUT, "/api/v1/accounts/123", None, None)
        .await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let resp = app.request(Method::POST, "/healthz", None, None).await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "GET");
    // The methods a path takes still reach their handlers.
    let resp = app.request(Method::GET, "/api/v1/users", None, None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Paths the document does not know are left to the router.
    let resp = app
        .request(Method::DELETE, "/api/v1/nowhere", None, None)
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

/// Request bodies are closed in the document as on the wire: a field the
/// server does not know is refused, and a generated client learns so.
#[actix_web::test]
async fn openapi_request_bodies_refuse_unknown_fields() {
    let app = spawn_app().await;
    let doc: Value = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .json()
        .await
        .unwrap();
    let schemas = &doc["components"]["schemas"];
    for name in [
        "CreateAccountRequest",
        "UsageEventBatch",
        "UsageEvent",
        "CreateTrainingRequest",
        "LoginRequest",
    ] {
        assert_eq!(
            schemas[name]["additionalProperties"],
            Value::Bool(false),
            "{name}: {}",
            schemas[name]
        );
    }
    // A response-only schema stays as it was.
    assert!(schemas["Dashboard"]["additionalProperties"].is_null());
}

/// `/healthz` is liveness (the process answers); `/readyz` is readiness:
/// the database and every added check, and 503 naming the failing check
/// in the error shape, `shutdown` once draining (SIGTERM).
#[actix_web::test]
async fn healthz_is_liveness_and_readyz_names_the_failing_check() {
    let app = spawn_app_with(|c| c.replica_name = Some("replica-7".into())).await;
    let response = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-steward-replica"], "replica-7");
    let response = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");

    app.readiness.add("storage", |_| async {
        Err("the bucket does not answer".into())
    });
    let response = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert_eq!(
        body["error"]["fields"]["storage"], "the bucket does not answer",
        "{body}"
    );
    // Liveness does not depend on it.
    let response = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);

    app.readiness.start_draining();
    let response = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["fields"]["shutdown"].is_string(), "{body}");
    // Requests are still served while draining.
    let response = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// The file store is one of readiness's checks: a replica whose store does
/// not answer is not sent traffic, and says so.
#[actix_web::test]
async fn readyz_fails_on_a_file_store_that_does_not_answer() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let app = spawn_app_with(|c| {
        c.storage_url = Some(format!(
            "s3://steward?endpoint=http://127.0.0.1:{port}&region=us-east-1\
             &access_key_id=test&secret_access_key=test"
        ))
    })
    .await;
    let response = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["fields"]["storage"].is_string(), "{body}");
    let response = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Probes every second or two reuse the checks' verdict for a moment
/// (the storage probe writes an object), and draining is never cached.
#[actix_web::test]
async fn readyz_reuses_its_verdict_briefly_but_never_a_ready_one_after_sigterm() {
    let app = spawn_app().await;
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    app.readiness.add("counted", move |_| {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    });
    for _ in 0..3 {
        let response = app.request(Method::GET, "/readyz", None, None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    tokio::time::sleep(server::readiness::VERDICT_TTL + std::time::Duration::from_millis(100))
        .await;
    let response = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    app.readiness.start_draining();
    let response = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}
