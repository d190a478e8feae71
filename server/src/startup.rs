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
use crate::readiness::Readiness;
use crate::spa;
use crate::state::AppState;
use crate::telemetry;

pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// How long `/readyz` waits for the file store's probe (a store that does
/// not answer would otherwise hold the probe for the client's retries).
const STORAGE_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
    /// What `/readyz` checks; add checks before serving.
    pub readiness: Arc<Readiness>,
    /// The listening socket (a second handle), closed first on SIGTERM.
    listener: Option<TcpListener>,
    /// Kept alive as long as the application runs.
    scheduler: Option<tokio_cron_scheduler::JobScheduler>,
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
    let storage = crate::storage::Storage::from_config(&config)?;
    Ok(AppState {
        storage,
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
/// told to use nothing else for a year (HSTS). With a replica name, an
/// `X-Steward-Replica` header names the process that answered.
fn default_headers(https: bool, replica: Option<&str>) -> DefaultHeaders {
    let mut headers = DefaultHeaders::new();
    if let Some(name) = replica.filter(|n| HeaderValue::from_str(n).is_ok()) {
        headers = headers.add(("x-steward-replica", name.to_owned()));
    }
    let headers = headers
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
        // Signed visit reports need a CJK font: say so now, not at the
        // first signature.
        match crate::domain::visits::pdf::check_font(
            state.config.report_font.as_deref(),
            state.config.report_font_index,
        ) {
            Ok(font) => tracing::info!(font = %font.path.display(), "service report font"),
            Err(e) => tracing::warn!(
                "signed visit reports cannot be written as PDF (signatures are still recorded): {e}"
            ),
        }
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
        // PostgreSQL: hear the other replicas' session revocations.
        crate::auth::session_cache::listen(state.db.sessions.clone());
        state
            .mailer
            .spawn_worker(state.db.clone(), state.clock.clone());
        // The service report's rollup of workspaces not built yet (after
        // its migration, or a bulk load), in the background.
        crate::domain::tickets::service_rollup::spawn_builds(state.db.clone());
        state.integrations.spawn_worker(state.clone());
        let scheduler = if state.config.scheduler {
            Some(crate::jobs::start_scheduler(state.clone()).await?)
        } else {
            None
        };
        let listener =
            TcpListener::bind(&bind).with_context(|| format!("cannot listen on {bind}"))?;
        let port = listener.local_addr()?.port();
        let listener_handle = listener.try_clone().ok();
        let document = openapi();
        let route_methods = web::Data::new(api::methods::RouteMethods::from_document(&document));
        let openapi_json = Arc::new(
            document
                .to_json()
                .context("serializing the OpenAPI document")?,
        );
        let metrics = web::Data::new(Metrics::default());
        let data = web::Data::new(state.clone());
        let readiness = Readiness::with_database();
        // The store of attachments and reports: a replica that cannot
        // reach it would fail every upload and download it is sent.
        readiness.add("storage", |state| async move {
            match tokio::time::timeout(STORAGE_CHECK_TIMEOUT, state.storage.check()).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("the file store does not answer: {e}")),
                Err(_) => Err("the file store does not answer in time".into()),
            }
        });
        let readiness_data = web::Data::new(readiness.clone());
        let https = state.config.public_url.starts_with("https://");
        let replica = state.config.replica_name.clone();
        let grace = state.config.shutdown_grace_seconds;
        let server = HttpServer::new(move || {
            let openapi_json = openapi_json.clone();
            App::new()
                .into_utoipa_app()
                .service(scope::scope("/api/v1").configure(api::v1))
                .into_app()
                .app_data(data.clone())
                .app_data(metrics.clone())
                .app_data(readiness_data.clone())
                .app_data(route_methods.clone())
                .app_data(api::json_config())
                .app_data(api::query_config())
                .app_data(api::path_config())
                .app_data(api::payload_config())
                .route("/healthz", web::get().to(api::healthz))
                .route("/readyz", web::get().to(api::readyz))
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
                .wrap(default_headers(https, replica.as_deref()))
                .wrap(from_fn(metrics::track))
                .wrap(from_fn(request_id_header))
                .wrap(from_fn(count_in_flight))
                .wrap(TracingLogger::<telemetry::RedactedRootSpan>::new())
        })
        .listen(listener)?
        // Signals are handled by `run_until_signalled` (readiness first).
        .disable_signals()
        .shutdown_timeout(grace)
        .run();
        Ok(Application {
            port,
            server,
            state,
            readiness,
            listener: listener_handle,
            scheduler,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Serves until SIGTERM or SIGINT, then drains: `/readyz` answers 503
    /// at once, the scheduler starts no more jobs, the listening socket is
    /// shut (new connections are refused, so a load balancer sends them to
    /// another replica), the requests in flight get `shutdown_grace_seconds`
    /// to finish, and only then do the server's workers stop.
    ///
    /// Why wait before stopping the workers: each worker runs its own
    /// runtime, and a pooled database connection opened on one worker's
    /// runtime breaks when that runtime ends, so a worker that stopped
    /// early would fail another worker's request still in flight.
    pub async fn run_until_signalled(mut self) -> anyhow::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: draining"),
            _ = int.recv() => tracing::info!("SIGINT: draining"),
        }
        let deadline = tokio::time::Instant::now()
            + Duration::from_secs(self.state.config.shutdown_grace_seconds);
        self.readiness.start_draining();
        // Shut, the socket refuses new connections at once; actix's accept
        // loop then logs "Error accepting connection: Invalid argument"
        // every half second until the workers stop.
        if let Some(listener) = self.listener.take() {
            if let Err(e) = socket2::SockRef::from(&listener).shutdown(std::net::Shutdown::Both) {
                tracing::warn!(error = %e, "closing the listening socket failed");
            }
        }
        if let Some(mut scheduler) = self.scheduler.take() {
            if let Err(e) = scheduler.shutdown().await {
                tracing::warn!(error = %e, "stopping the scheduler failed");
            }
        }
        while self.readiness.in_flight() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tracing::info!(
            in_flight = self.readiness.in_flight(),
            "stopping the workers"
        );
        handle.stop(true).await;
        server.await??;
        tracing::info!("drained; exiting");
        Ok(())
    }
}

/// Counts the request while it is handled (the drain waits for none).
async fn count_in_flight(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let guard = req
        .app_data::<web::Data<Arc<Readiness>>>()
        .map(|r| r.get_ref().enter());
    let res = next.call(req).await;
    drop(guard);
    res
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
