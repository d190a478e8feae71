//! Builds the application: configuration → database (migrated) → state →
//! HTTP server on a bound listener (port 0 picks a free port, which tests use).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{from_fn, DefaultHeaders, Next};
use actix_web::{web, App, HttpMessage, HttpResponse, HttpServer};
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};

use crate::api::{self, ApiDoc};
use crate::auth::jwt::JwtKeys;
use crate::auth::rate_limit::{self, Limits, Throttle};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::db::Db;
use crate::domain::kb::index::KbIndexes;
use crate::mail::Mailer;
use crate::metrics::{self, Metrics};
use crate::spa;
use crate::state::AppState;
use crate::telemetry;

pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
    /// Kept alive as long as the application runs.
    _scheduler: Option<tokio_cron_scheduler::JobScheduler>,
}

/// Opens the database and applies migrations; shared by `serve`, `migrate`
/// and the seeding commands.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    crate::config::private_sqlite_file(&config.database_url())?;
    let mut db = Db::connect(&config.database_url(), config.db_max_connections).await?;
    db.kb_index = Arc::new(KbIndexes::new(config.kb_index_max_terms));
    // The service report's per-ticket figures need the business calendar
    // to fill in, so the migration that adds them is followed by this.
    let sla_figures = {
        use migrations::MigratorTrait;
        migrations::Migrator::get_pending_migrations(&db.write)
            .await?
            .iter()
            .any(|m| m.name() == migrations::m20261213_000500_ticket_sla_figures::NAME)
    };
    db.migrate().await?;
    if sla_figures {
        crate::domain::tickets::sla_figures::backfill(&db, None).await?;
    }
    Ok(db)
}

pub async fn build_state(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    config.check_transport()?;
    crate::config::private_dir(&config.data_dir)?;
    let secret = config.resolve_jwt_secret()?;
    let secrets = crate::secret_box::SecretBox::new(&config.resolve_secret_key()?);
    let throttle = throttle_of(&config)?;
    let db = open_database(&config).await?;
    let mailer = Mailer::new(&config)?;
    let integrations = crate::domain::integrations::Dispatcher::new(&config)?;
    let imap_tls = crate::domain::mail_in::imap_tls::ImapTls::new(&config)?;
    Ok(AppState {
        integrations,
        imap_tls,
        jwt: JwtKeys::new(&secret, config.access_token_ttl_secs),
        throttle: Arc::new(throttle),
        db,
        mailer,
        secrets,
        clock,
        config: Arc::new(config),
    })
}

fn throttle_of(config: &Config) -> anyhow::Result<Throttle> {
    let proxies =
        rate_limit::parse_trusted_proxies(&config.trusted_proxies).map_err(anyhow::Error::msg)?;
    Ok(Throttle::new(
        Limits {
            free_failures_per_account: config.login_max_failures_per_account,
            free_failures_per_ip: config.login_max_failures_per_ip,
            max_backoff: Duration::from_secs(config.login_backoff_max_secs),
            forget_after: Duration::from_secs(config.login_window_secs),
            signups_per_ip_per_hour: config.signups_per_ip_per_hour,
            token_links_per_ip_per_hour: config.token_links_per_ip_per_hour,
        },
        proxies,
    ))
}

/// Headers on every answer. Served behind `https://`, browsers are also
/// told to use nothing else for a year (HSTS).
fn default_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY));
    if https {
        headers.add((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
    } else {
        headers
    }
}

/// The OpenAPI document of every registered route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(api::v1))
        .split_for_parts();
    let mut doc = doc;
    api::complete_document(&mut doc);
    doc
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Application> {
        let bind = config.bind.clone();
        let state = build_state(config, clock).await?;
        // KB search's dictionary loads now, off the request path; then the
        // busiest workspaces' KB indexes, so no first search waits for them.
        let warm_db = state.db.clone();
        tokio::spawn(async move {
            if tokio::task::spawn_blocking(search_terms::warm_up)
                .await
                .is_ok()
            {
                match warm_db.kb_index.warm_recent(&warm_db.read).await {
                    Ok(n) => tracing::debug!(workspaces = n, "KB indexes warmed"),
                    Err(e) => tracing::warn!(error = %e, "warming the KB indexes failed"),
                }
            }
        });
        state
            .mailer
            .spawn_worker(state.db.clone(), state.clock.clone());
        // The service report's rollup of workspaces not built yet (after
        // its migration, or a bulk load), in the background.
        crate::domain::reporting::service_rollup::spawn_builds(state.db.clone());
        state.integrations.spawn_worker(state.clone());
        let scheduler = if state.config.scheduler {
            Some(crate::jobs::start_scheduler(state.clone()).await?)
        } else {
            None
        };
        let listener =
            TcpListener::bind(&bind).with_context(|| format!("cannot listen on {bind}"))?;
        let port = listener.local_addr()?.port();
        let document = openapi();
        let route_methods = web::Data::new(api::methods::RouteMethods::from_document(&document));
        let openapi_json = Arc::new(
            document
                .to_json()
                .context("serializing the OpenAPI document")?,
        );
        let metrics = web::Data::new(Metrics::default());
        let data = web::Data::new(state.clone());
        let https = state.config.public_url.starts_with("https://");
        let server = HttpServer::new(move || {
            let openapi_json = openapi_json.clone();
            App::new()
                .into_utoipa_app()
                .service(scope::scope("/api/v1").configure(api::v1))
                .into_app()
                .app_data(data.clone())
                .app_data(metrics.clone())
                .app_data(route_methods.clone())
                .app_data(api::json_config())
                .app_data(api::query_config())
                .app_data(api::path_config())
                .app_data(api::payload_config())
                .route("/healthz", web::get().to(api::healthz))
                .route("/metrics", web::get().to(api::metrics))
                .route(
                    "/api/openapi.json",
                    web::get().to(move || {
                        let body = openapi_json.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .body(body.as_str().to_owned())
                        }
                    }),
                )
                .default_service(web::to(spa::serve))
                .wrap(from_fn(api::methods::refuse_undocumented_methods))
                .wrap(from_fn(api::body::refuse_nul_in_url))
                .wrap(default_headers(https))
                .wrap(from_fn(metrics::track))
                .wrap(from_fn(request_id_header))
                .wrap(TracingLogger::<telemetry::RedactedRootSpan>::new())
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Application {
            port,
            server,
            state,
            _scheduler: scheduler,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Echoes the request id (from TracingLogger, which logs it on every line of
/// the request's span) as `X-Request-Id`.
async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(id) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), id);
    }
    Ok(res)
}
