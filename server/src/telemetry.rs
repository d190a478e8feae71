//! Structured logs through tracing: text for people, JSON for log pipelines.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_subscriber::fmt::format::FmtSpan;

use crate::auth::ClientIp;
use tracing_subscriber::{fmt, EnvFilter};

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_env("STEWARD_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    // Closing a request's span logs one line per request, with its
    // request_id, route, status and latency (fields from TracingLogger).
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_span_events(FmtSpan::CLOSE);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The request log's root span, without secrets: it names the matched route
/// (`/api/v1/portal/surveys/{token}`), never the path it matched, and a
/// query whose secret-looking values are replaced by `REDACTED`. Invitation
/// and survey tokens, API keys and passwords therefore never reach a log
/// line. The client address is the one the rate limits use.
pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = match request.match_pattern() {
            Some(pattern) => pattern,
            None => redact_path(request.path()),
        };
        let method = request.method().as_str();
        let query = redact_query(request.query_string());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let client_ip = ClientIp::of(request.request()).0;
        tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.query = %query,
            http.client_ip = %client_ip,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Query parameters whose values are secrets, whatever they hold.
const SECRET_KEYS: [&str; 8] = [
    "token", "key", "secret", "password", "code", "sig", "auth", "session",
];

/// A value this long made only of token characters is treated as a secret
/// whatever its parameter is called.
const TOKEN_LIKE_LEN: usize = 20;

fn token_like(value: &str) -> bool {
    value.len() >= TOKEN_LIKE_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `status=open&token=abc` → `status=open&token=REDACTED`.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let lower = key.to_ascii_lowercase();
            let secret = SECRET_KEYS.iter().any(|s| lower.contains(s)) || token_like(value);
            if secret && !value.is_empty() {
                format!("{key}=REDACTED")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A path no route matched (the SPA's own pages, a mistyped link): its
/// token-like segments are replaced, so a pasted link leaks nothing.
pub fn redact_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if token_like(segment) {
                "REDACTED"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_leave_no_trace_in_the_query_or_an_unmatched_path() {
        assert_eq!(
            redact_query("status=open&token=abc&limit=50"),
            "status=open&token=REDACTED&limit=50"
        );
        assert_eq!(
            redact_query("api_key=k1&x=Zx8vQ2mN4pL6rT0yU1wE3a"),
            "api_key=REDACTED&x=REDACTED"
        );
        assert_eq!(
            redact_query("q=%E7%A7%91%E6%8A%80&sort=-updated_at"),
            "q=%E7%A7%91%E6%8A%80&sort=-updated_at"
        );
        assert_eq!(redact_query(""), "");
        assert_eq!(
            redact_path("/survey/Zx8vQ2mN4pL6rT0yU1wE3aBc/thanks"),
            "/survey/REDACTED/thanks"
        );
        assert_eq!(redact_path("/accounts/42"), "/accounts/42");
    }

    /// What the request log writes, captured.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    #[actix_web::test]
    async fn the_request_log_names_the_route_not_the_token() {
        use actix_web::{test, web, App};
        let captured = Captured::default();
        let subscriber = fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .with_span_events(FmtSpan::CLOSE)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(tracing_actix_web::TracingLogger::<RedactedRootSpan>::new())
                .route("/portal/surveys/{token}", web::get().to(|| async { "ok" })),
        )
        .await;
        for uri in [
            "/portal/surveys/Zx8vQ2mN4pL6rT0yU1wE3aBc?token=s3cr3t&status=open",
            "/survey/Qw7eR5tY3uI1oP9aS8dF6gH4/thanks",
        ] {
            test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
        }
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("/portal/surveys/{token}"), "{log}");
        assert!(log.contains("status=open"), "{log}");
        assert!(log.contains("/survey/REDACTED/thanks"), "{log}");
        for secret in [
            "Zx8vQ2mN4pL6rT0yU1wE3aBc",
            "s3cr3t",
            "Qw7eR5tY3uI1oP9aS8dF6gH4",
        ] {
            assert!(!log.contains(secret), "{secret} in {log}");
        }
    }
}
