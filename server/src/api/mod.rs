//! The HTTP API under `/api/v1`: one module per resource, each handler parses
//! input, calls one domain function and shapes the answer. Routes are
//! registered through utoipa-actix-web, so `/api/openapi.json` lists exactly
//! the routes that exist.

mod accounts;
mod advisories;
mod agreements;
mod approvals;
mod attachments;
mod audit;
mod auth;
pub mod body;
mod centres;
mod contacts;
mod contracts;
mod health;
mod imports;
mod installations;
mod integrations;
mod jobs;
mod kb;
mod licenses;
mod macros;
mod mail_in;
pub mod methods;
mod onboarding;
mod onboarding_portfolio;
mod ops;
mod playbook_events;
mod playbooks;
mod portal;
mod renewals;
mod reports;
mod service_levels;
mod settings;
mod sla;
mod success_plans;
mod surveys;
mod tasks;
mod ticket_links;
mod tickets;
mod time_log;
mod timeline;
mod training;
mod users;
// On-site visits (issue 16).
mod visits;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::AppError;

pub use ops::{healthz, metrics, not_found, readyz};

/// The request's `If-Match` value; one that is not text can never match.
pub(crate) fn if_match(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("\u{0}invalid"))
}

/// A JSON answer carrying the `ETag` of the version it shows.
pub(crate) fn tagged<T: serde::Serialize>(
    status: actix_web::http::StatusCode,
    etag: String,
    body: &T,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .insert_header((actix_web::http::header::ETAG, etag))
        .json(body)
}

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Steward API",
        description = "Customer success for ERP software vendors: accounts, contacts, users, the customer portal.",
    ),
    modifiers(&BearerAuth),
    components(schemas(
        shared::ErrorBody,
        crate::domain::kb::search::MatchMode,
        shared::ticket_links::CandidatePurpose,
        shared::service_report::SlaOutcome,
        shared::contracts::ContractStatus
    ))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        // Raw mail is posted by an MTA or a provider with a channel's token.
        components.add_security_scheme(
            "channel_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The inbound token of a mail channel (shown once, when it is created)",
                    ))
                    .build(),
            ),
        );
        // Usage events come from the customer's ERP with a workspace key.
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "An API key of the workspace (Settings → API keys)",
            ))),
        );
    }
}

/// Makes the generated document say what the server really does, beyond
/// what each route declares: the error statuses its shared machinery answers
/// on every route (401/403 where a token is required, 404 where the path
/// names a record, 409/412/413 on writes, 422 for any malformed input, 429
/// on sign-in), the operational routes outside `/api/v1` and the `servers`
/// entry. Each added status carries the SPEC's error body.
pub fn complete_document(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, Server};

    let error = || -> RefOr<utoipa::openapi::Response> {
        ResponseBuilder::new()
            .description(
                "An error in the SPEC's shape (`error.code`, `error.message`, `error.fields`)",
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
            .into()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let names_record = path.contains('{');
        let sign_in = path.contains("/auth/") || path.ends_with("/signup");
        let operations = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, writes) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let mut statuses = vec!["422"];
            if secured {
                statuses.extend(["401", "403"]);
            }
            if names_record || secured {
                statuses.push("404");
            }
            if writes {
                statuses.extend(["409", "412", "413"]);
            }
            if sign_in {
                statuses.push("429");
            }
            for status in statuses {
                operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(error);
            }
        }
    }
    close_request_bodies(doc);
    let plain = |summary: &str, content_type: &str| {
        PathItem::new(
            HttpMethod::Get,
            OperationBuilder::new()
                .tag("ops")
                .summary(Some(summary))
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description(summary)
                        .content(content_type, ContentBuilder::new().build())
                        .build(),
                ),
        )
    };
    // A further JSON answer of a path's GET.
    let or_answers = |mut item: PathItem, status: &str, description: &str| {
        if let Some(get) = item.get.as_mut() {
            get.responses.responses.insert(
                status.into(),
                ResponseBuilder::new()
                    .description(description)
                    .content("application/json", ContentBuilder::new().build())
                    .build()
                    .into(),
            );
        }
        item
    };
    doc.paths.paths.insert(
        "/healthz".into(),
        plain("The process is up (liveness)", "application/json"),
    );
    doc.paths.paths.insert(
        "/readyz".into(),
        or_answers(
            plain(
                "The replica takes traffic: its database (and storage) answer (readiness)",
                "application/json",
            ),
            "503",
            "Not ready: shutting down, or a named check fails",
        ),
    );
    doc.paths.paths.insert(
        "/metrics".into(),
        or_answers(
            plain(
                "Request counts and latencies (Prometheus text)",
                "text/plain",
            ),
            "401",
            "A metrics token is configured and the request lacks it",
        ),
    );
    doc.paths.paths.insert(
        "/api/openapi.json".into(),
        plain("This document", "application/json"),
    );
    doc.servers = Some(vec![Server::new("/")]);
}

/// Every `/api/v1` route.
pub fn v1(cfg: &mut ServiceConfig) {
    auth::routes(cfg);
    users::routes(cfg);
    accounts::routes(cfg);
    contacts::routes(cfg);
    settings::routes(cfg);
    audit::routes(cfg);
    portal::routes(cfg);
    agreements::routes(cfg);
    approvals::routes(cfg);
    attachments::routes(cfg);
    sla::routes(cfg);
    service_levels::routes(cfg);
    tickets::routes(cfg);
    ticket_links::routes(cfg);
    jobs::routes(cfg);
    kb::routes(cfg);
    licenses::routes(cfg);
    onboarding::routes(cfg);
    onboarding_portfolio::routes(cfg);
    training::routes(cfg);
    timeline::routes(cfg);
    contracts::routes(cfg);
    renewals::routes(cfg);
    reports::routes(cfg);
    surveys::routes(cfg);
    health::routes(cfg);
    imports::routes(cfg);
    tasks::routes(cfg);
    playbooks::routes(cfg);
    integrations::routes(cfg);
    mail_in::routes(cfg);
    macros::routes(cfg);
    success_plans::routes(cfg);
    centres::routes(cfg);
    time_log::routes(cfg);
    // Installed base (issue 16).
    installations::routes(cfg);
    advisories::routes(cfg);
    // On-site visits (issue 16).
    visits::routes(cfg);
}

/// Extractor configuration: malformed input is a 4xx in the SPEC's shape.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> AppError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::PayloadTooLarge(format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes"
            ))
        }
        JsonPayloadError::ContentType => {
            AppError::bad_request("send the body as JSON with Content-Type: application/json")
        }
        JsonPayloadError::Deserialize(e) => {
            AppError::bad_request(format!("the JSON body is invalid: {e}"))
        }
        other => AppError::bad_request(format!("the request body could not be read: {other}")),
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req: &HttpRequest| {
        AppError::bad_request(format!("invalid query parameters: {err}")).into()
    })
}

/// A path id that is not a number names nothing: 404, like an unknown id.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|_err: PathError, _req: &HttpRequest| AppError::NotFound.into())
}

pub fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::default().limit(MAX_BODY_BYTES)
}

/// Marks every schema a request body uses (and the objects nested in it)
/// `additionalProperties: false`: the server refuses a field it does not
/// know with 422 naming it (`body::Json`), and the document says so.
/// `allOf` members are left open: each would refuse the others' fields.
fn close_request_bodies(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;

    let mut pending: Vec<String> = Vec::new();
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let Some(body) = operation.request_body.as_mut() else {
                continue;
            };
            for content in body.content.values_mut() {
                if let Some(schema) = content.schema.as_mut() {
                    close_schema(schema, &mut pending);
                }
            }
        }
    }
    let mut closed = std::collections::HashSet::new();
    while let Some(name) = pending.pop() {
        if !closed.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = doc
            .components
            .as_mut()
            .and_then(|c| c.schemas.get_mut(&name))
        {
            close_schema(schema, &mut pending);
        }
    }

    fn close_schema(schema: &mut RefOr<utoipa::openapi::schema::Schema>, refs: &mut Vec<String>) {
        use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema};
        match schema {
            RefOr::Ref(r) => refs.push(
                r.ref_location
                    .trim_start_matches("#/components/schemas/")
                    .to_string(),
            ),
            RefOr::T(Schema::Object(object)) => {
                if !object.properties.is_empty() && object.additional_properties.is_none() {
                    object.additional_properties =
                        Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
                for property in object.properties.values_mut() {
                    close_schema(property, refs);
                }
            }
            RefOr::T(Schema::Array(array)) => {
                if let ArrayItems::RefOrSchema(items) = &mut array.items {
                    close_schema(items, refs);
                }
            }
            RefOr::T(Schema::OneOf(one_of)) => {
                for item in one_of.items.iter_mut() {
                    close_schema(item, refs);
                }
            }
            _ => {}
        }
    }
}
