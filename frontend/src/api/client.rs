//! The HTTP plumbing every endpoint module goes through. It holds the
//! access token (in memory only, never in storage), attaches it as
//! `Authorization: Bearer`, renews it once through the HttpOnly refresh
//! cookie when the server answers 401, and turns error answers into
//! [`ApiErr`] carrying the API's `ErrorBody`.
//!
//! Session changes are announced through one listener (installed by
//! `session`), so the rest of the app learns of a renewed or ended session
//! without this module knowing about signals or routes.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo_net::http::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::auth::AuthResponse;
use shared::{ApiError, ErrorBody, ErrorCode, FieldErrors};
use web_sys::RequestCredentials;

pub(super) const BASE: &str = "/api/v1";

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiErr {
    /// The server answered with an error (`{"error": {...}}`).
    Api {
        status: u16,
        error: ApiError,
        /// Seconds from `Retry-After` (429).
        retry_after: Option<u64>,
    },
    /// No answer: offline, or the server is down.
    Network,
    /// An answer we could not read.
    Unexpected,
    /// The session ended and could not be renewed; the app sends the user
    /// to sign in, so pages need not show anything for this one.
    SignedOut,
}

impl ApiErr {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiErr::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }

    pub fn is(&self, code: ErrorCode) -> bool {
        self.code() == Some(code)
    }

    /// Per-field messages of a 422 (empty otherwise). A message the server
    /// sent with its key is kept keyed (see `logic::forms::keyed_message`),
    /// so the form shows it in the user's language.
    pub fn fields(&self) -> FieldErrors {
        match self {
            ApiErr::Api { error, .. } => error
                .fields
                .iter()
                .map(|(field, message)| {
                    let shown = match error.field_keys.get(field) {
                        Some(msg) => crate::logic::forms::keyed_message(msg, message),
                        None => message.clone(),
                    };
                    (field.clone(), shown)
                })
                .collect(),
            _ => FieldErrors::new(),
        }
    }
}

/// What the rest of the app hears about the session.
pub enum AuthEvent {
    /// Signed in, signed up, invitation accepted or token renewed.
    Renewed(AuthResponse),
    /// The session is over (renewal refused, or logout).
    Ended,
}

type Listener = Rc<dyn Fn(AuthEvent)>;
type Renewed = Result<AuthResponse, ApiErr>;

/// One renewal in flight, which later callers wait for instead of starting
/// their own (a hand-made shared future: small, single-threaded).
#[derive(Default)]
struct Renewal {
    outcome: RefCell<Option<Renewed>>,
    waiting: RefCell<Vec<Waker>>,
}

struct AwaitRenewal(Rc<Renewal>);

impl Future for AwaitRenewal {
    type Output = Renewed;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Renewed> {
        if let Some(outcome) = self.0.outcome.borrow().as_ref() {
            return Poll::Ready(outcome.clone());
        }
        self.0.waiting.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

// WASM in the browser is single-threaded: these are the app's globals.
thread_local! {
    static TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    static LISTENER: RefCell<Option<Listener>> = const { RefCell::new(None) };
    static RENEWAL: RefCell<Option<Rc<Renewal>>> = const { RefCell::new(None) };
}

pub fn set_listener(listener: impl Fn(AuthEvent) + 'static) {
    LISTENER.with(|l| *l.borrow_mut() = Some(Rc::new(listener)));
}

fn announce(event: AuthEvent) {
    // Clone the Rc out first: the listener may call back into this module.
    let listener = LISTENER.with(|l| l.borrow().clone());
    if let Some(listener) = listener {
        listener(event);
    }
}

pub(super) fn token() -> Option<String> {
    TOKEN.with(|t| t.borrow().clone())
}

pub(super) fn adopt(auth: &AuthResponse) {
    TOKEN.with(|t| *t.borrow_mut() = Some(auth.access_token.clone()));
    announce(AuthEvent::Renewed(auth.clone()));
}

fn forget() {
    TOKEN.with(|t| *t.borrow_mut() = None);
}

/// The error code an answer without a readable error body stands for.
pub fn code_for_status(status: u16) -> ErrorCode {
    match status {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Conflict,
        412 => ErrorCode::PreconditionFailed,
        413 => ErrorCode::PayloadTooLarge,
        405 => ErrorCode::MethodNotAllowed,
        400 | 422 => ErrorCode::ValidationFailed,
        429 => ErrorCode::RateLimited,
        502..=504 => ErrorCode::Unavailable,
        _ => ErrorCode::Internal,
    }
}

/// `Retry-After` in its delta-seconds form (the HTTP-date form is ignored).
pub fn parse_retry_after(value: Option<&str>) -> Option<u64> {
    value?.trim().parse().ok()
}

/// Reads an error answer's body into the API's error shape.
pub fn parse_error(status: u16, body: &str) -> ApiError {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(parsed) => parsed.error,
        Err(_) => ApiError::plain(
            code_for_status(status),
            body.chars().take(200).collect::<String>(),
        ),
    }
}

pub(super) struct Call {
    method: Method,
    path: String,
    pub(super) body: Option<String>,
    if_match: Option<String>,
}

impl Call {
    pub(super) fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            if_match: None,
        }
    }

    pub(super) fn json(mut self, body: &impl Serialize) -> Result<Self, ApiErr> {
        self.body = Some(serde_json::to_string(body).map_err(|_| ApiErr::Unexpected)?);
        Ok(self)
    }

    pub(super) fn if_match(mut self, etag: Option<&str>) -> Self {
        self.if_match = etag.map(str::to_string);
        self
    }
}

/// An answer, read whole: what every endpoint function decodes from.
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) body: String,
    pub(super) etag: Option<String>,
    pub(super) retry_after: Option<u64>,
}

/// Counts the API requests under way in `window.stewardInFlight`, from
/// before sending until the answer is read (or the request is dropped):
/// what a browser test or the view recorder waits on to know the page's
/// requests have all come back, which the browser's own network log (only
/// finished requests) cannot tell.
struct InFlight;

impl InFlight {
    fn add(delta: f64) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let key = wasm_bindgen::JsValue::from_str("stewardInFlight");
        let now = js_sys::Reflect::get(&window, &key)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        let _ = js_sys::Reflect::set(&window, &key, &(now + delta).max(0.0).into());
    }

    fn start() -> InFlight {
        InFlight::add(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        InFlight::add(-1.0);
    }
}

async fn send_once(call: &Call) -> Result<Reply, ApiErr> {
    let _in_flight = InFlight::start();
    let url = format!("{BASE}{}", call.path);
    let mut builder = RequestBuilder::new(&url)
        .method(call.method.clone())
        // The refresh cookie is HttpOnly and same-origin; the browser adds it.
        .credentials(RequestCredentials::SameOrigin)
        .header("Accept", "application/json");
    if let Some(token) = token() {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    if let Some(etag) = &call.if_match {
        builder = builder.header("If-Match", etag);
    }
    let request = match &call.body {
        Some(json) => builder
            .header("Content-Type", "application/json")
            .body(json.clone()),
        None => builder.build(),
    }
    .map_err(|_| ApiErr::Unexpected)?;
    let response = request.send().await.map_err(|_| ApiErr::Network)?;
    let headers = response.headers();
    Ok(Reply {
        status: response.status(),
        etag: headers.get("ETag"),
        retry_after: parse_retry_after(headers.get("Retry-After").as_deref()),
        body: response.text().await.map_err(|_| ApiErr::Network)?,
    })
}

/// Turns a non-2xx answer into an error.
pub(super) fn check(reply: Reply) -> Result<Reply, ApiErr> {
    if (200..300).contains(&reply.status) {
        return Ok(reply);
    }
    Err(ApiErr::Api {
        status: reply.status,
        error: parse_error(reply.status, &reply.body),
        retry_after: reply.retry_after,
    })
}

/// Sends a call. On behalf of the signed-in user (`session`), a 401 renews
/// the session once and repeats the call; if renewal fails the session
/// ends. Otherwise (sign-in and friends) a 401 means wrong credentials.
///
/// Deliberately not generic: each endpoint only decodes the reply, so the
/// async machinery is compiled once (a smaller WASM).
pub(super) async fn exchange(call: Call, session: bool) -> Result<Reply, ApiErr> {
    let reply = send_once(&call).await?;
    if reply.status != 401 || !session {
        return check(reply);
    }
    match renew().await {
        Ok(_) => {
            let reply = send_once(&call).await?;
            if reply.status == 401 {
                end_session();
                return Err(ApiErr::SignedOut);
            }
            check(reply)
        }
        Err(ApiErr::Network) => Err(ApiErr::Network),
        Err(_) => {
            end_session();
            Err(ApiErr::SignedOut)
        }
    }
}

pub(super) fn decode<T: DeserializeOwned>(reply: &Reply) -> Result<T, ApiErr> {
    serde_json::from_str(&reply.body).map_err(|_| ApiErr::Unexpected)
}

pub(super) fn end_session() {
    forget();
    announce(AuthEvent::Ended);
}

/// Renews the access token with the refresh cookie. Concurrent callers share
/// one request: the server rotates the refresh token, so a second parallel
/// refresh would present a token that was just replaced.
pub async fn renew() -> Renewed {
    let running = RENEWAL.with(|slot| slot.borrow().clone());
    if let Some(running) = running {
        return AwaitRenewal(running).await;
    }
    let renewal = Rc::new(Renewal::default());
    RENEWAL.with(|slot| *slot.borrow_mut() = Some(renewal.clone()));
    let finish = Finish(renewal);
    let result = refresh_request().await;
    if let Err(e) = &result {
        if *e != ApiErr::Network {
            forget();
        }
    }
    *finish.0.outcome.borrow_mut() = Some(result.clone());
    result
}

/// Ends a renewal however its task ends: frees the slot and wakes those
/// waiting (with a network error, should the task have been dropped).
struct Finish(Rc<Renewal>);

impl Drop for Finish {
    fn drop(&mut self) {
        RENEWAL.with(|slot| *slot.borrow_mut() = None);
        self.0
            .outcome
            .borrow_mut()
            .get_or_insert(Err(ApiErr::Network));
        for waker in self.0.waiting.take() {
            waker.wake();
        }
    }
}

/// The refresh itself (not through `exchange`, which may call `renew`).
async fn refresh_request() -> Renewed {
    let reply = check(send_once(&Call::new(Method::POST, "/auth/refresh")).await?)?;
    let auth: AuthResponse = decode(&reply)?;
    adopt(&auth);
    Ok(auth)
}

/// A value with the `ETag` it was read with, for a later `If-Match`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged<T> {
    pub value: T,
    pub etag: Option<String>,
}

pub(super) fn tagged<T: DeserializeOwned>(reply: Reply) -> Result<Tagged<T>, ApiErr> {
    Ok(Tagged {
        value: decode(&reply)?,
        etag: reply.etag,
    })
}

/// A session call with an optional JSON body.
pub(super) async fn call(
    method: Method,
    path: String,
    body: Option<String>,
) -> Result<Reply, ApiErr> {
    let mut call = Call::new(method, path);
    call.body = body;
    exchange(call, true).await
}

pub(super) fn json(body: &impl Serialize) -> Result<Option<String>, ApiErr> {
    serde_json::to_string(body)
        .map(Some)
        .map_err(|_| ApiErr::Unexpected)
}

/// The most a list answers at once; used for pick lists (owners) and contacts.
pub const MAX_PAGE: u64 = 200;

/// Sends a raw body (a file as a `Blob`, or a `FormData`), renewing the
/// session once on 401 like every other call. `path` is under `/api/v1`.
/// Without a content type the browser sets one (a form's boundary).
pub(super) async fn send_raw(
    method: Method,
    path: &str,
    body: Option<(&wasm_bindgen::JsValue, Option<String>)>,
) -> Result<gloo_net::http::Response, ApiErr> {
    for attempt in 0..2 {
        let mut builder = RequestBuilder::new(&format!("{BASE}{path}"))
            .method(method.clone())
            .credentials(RequestCredentials::SameOrigin);
        if let Some(token) = token() {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        let request = match &body {
            Some((value, Some(content_type))) => builder
                .header("Content-Type", content_type)
                .body((*value).clone()),
            Some((value, None)) => builder.body((*value).clone()),
            None => builder.build(),
        }
        .map_err(|_| ApiErr::Unexpected)?;
        let in_flight = InFlight::start();
        let response = request.send().await.map_err(|_| ApiErr::Network)?;
        drop(in_flight);
        if response.status() != 401 {
            return Ok(response);
        }
        if attempt == 0 {
            match renew().await {
                Ok(_) => continue,
                Err(ApiErr::Network) => return Err(ApiErr::Network),
                Err(_) => break,
            }
        }
    }
    end_session();
    Err(ApiErr::SignedOut)
}

/// Reads a whole answer as text, then checks its status.
pub(super) async fn read(response: gloo_net::http::Response) -> Result<Reply, ApiErr> {
    let headers = response.headers();
    check(Reply {
        status: response.status(),
        etag: headers.get("ETag"),
        retry_after: parse_retry_after(headers.get("Retry-After").as_deref()),
        body: response.text().await.map_err(|_| ApiErr::Network)?,
    })
}

/// `None` for a 404 (nothing there yet).
pub(super) fn absent_is_none<T: serde::de::DeserializeOwned>(
    reply: Result<Reply, ApiErr>,
) -> Result<Option<T>, ApiErr> {
    match reply {
        Ok(reply) => decode(&reply).map(Some),
        Err(e) if e.is(ErrorCode::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_read_in_the_api_shape() {
        let body = r#"{"error":{"code":"validation_failed","message":"bad","fields":{"code":"is required"}}}"#;
        let err = parse_error(422, body);
        assert_eq!(err.code, ErrorCode::ValidationFailed);
        assert_eq!(err.fields["code"], "is required");
        let err = parse_error(
            412,
            r#"{"error":{"code":"precondition_failed","message":"stale"}}"#,
        );
        assert_eq!(err.code, ErrorCode::PreconditionFailed);
        assert!(err.fields.is_empty());
    }

    #[test]
    fn unreadable_error_bodies_fall_back_to_the_status() {
        // A balancer's own 502/503/504 page: a replica down or restarting.
        assert_eq!(
            parse_error(502, "<html>Bad Gateway</html>").code,
            ErrorCode::Unavailable
        );
        assert_eq!(parse_error(500, "").code, ErrorCode::Internal);
        assert_eq!(parse_error(429, "").code, ErrorCode::RateLimited);
        assert_eq!(parse_error(409, "dup").code, ErrorCode::Conflict);
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        assert_eq!(parse_retry_after(Some(" 30 ")), Some(30));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(parse_retry_after(None), None);
    }

    #[test]
    fn api_errors_expose_code_and_fields() {
        let err = ApiErr::Api {
            status: 409,
            error: parse_error(409, r#"{"error":{"code":"conflict","message":"dup"}}"#),
            retry_after: None,
        };
        assert!(err.is(ErrorCode::Conflict));
        assert!(err.fields().is_empty());
        assert_eq!(ApiErr::Network.code(), None);
    }
}
