//! The JSON body extractors of every handler.
//!
//! actix's `web::Json<T>` lets serde read a struct from a JSON array
//! (`[null, null]` fills the fields in order), and `Option<web::Json<T>>`
//! turns a body that does not parse into `None`. Both accept what the
//! document says is invalid. These read the body the same way (the
//! workspace's `JsonConfig`: size limit, content type, error shape) and
//! then insist on a JSON object, and on a valid one when a body is sent.

use std::ops::{Deref, DerefMut};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::AppError;

/// A request body that must be a JSON object of `T`'s shape.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Whether a JSON text holds an escaped NUL (`\u0000`) in a string: no
/// text column stores one (PostgreSQL refuses it), and no user types one.
pub fn has_escaped_nul(json: &str) -> bool {
    let bytes = json.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            // Skip the escaped character (`\\` included).
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The path of the first place where `sent` has an array that `read` has
/// as an object: serde fills a struct from an array (`"conditions":
/// [null, null]`), which the document calls invalid.
fn array_for_object(sent: &Value, read: &Value, path: &str) -> Option<String> {
    match (sent, read) {
        (Value::Array(_), Value::Object(_)) => Some(path.to_string()),
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(key, value)| {
            let inner = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            b.get(key)
                .and_then(|read| array_for_object(value, read, &inner))
        }),
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(n, (x, y))| array_for_object(x, y, &format!("{path}[{n}]"))),
        _ => None,
    }
}

fn parse<T: DeserializeOwned + Serialize>(raw: &RawValue) -> Result<T, AppError> {
    if !raw.get().trim_start().starts_with('{') {
        return Err(AppError::bad_request("the JSON body must be an object"));
    }
    if has_escaped_nul(raw.get()) {
        return Err(AppError::bad_request(
            "text in the body must not contain NUL characters (\\u0000)",
        ));
    }
    // A field the type does not know is refused, not dropped: a typo
    // (`attendee_contact_ids` for `attendee_ids`) must not quietly save a
    // training without attendees. Nested objects included.
    let mut unknown = Vec::new();
    let mut de = serde_json::Deserializer::from_str(raw.get());
    let value: T = serde_ignored::deserialize(&mut de, |path| unknown.push(path.to_string()))
        .map_err(|e| AppError::bad_request(format!("the JSON body is invalid: {e}")))?;
    let sent: Value = serde_json::from_str(raw.get())
        .map_err(|e| AppError::bad_request(format!("the JSON body is invalid: {e}")))?;
    let read = serde_json::to_value(&value).map_err(|e| AppError::Internal(e.into()))?;
    if let Some(path) = array_for_object(&sent, &read, "") {
        return Err(AppError::field(&path, "must be an object, not an array"));
    }
    match unknown.as_slice() {
        [] => Ok(value),
        [one] => Err(AppError::field(one, UNKNOWN_FIELD)),
        many => Err(AppError::validation(
            many.iter()
                .map(|path| (path.clone(), UNKNOWN_FIELD.to_string()))
                .collect(),
        )),
    }
}

const UNKNOWN_FIELD: &str = "is not a field of this request; check its spelling";

impl<T: DeserializeOwned + Serialize + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = web::Json::<Box<RawValue>>::from_request(req, payload);
        Box::pin(async move {
            let raw = raw.await?.into_inner();
            Ok(Json(parse(&raw)?))
        })
    }
}

/// A body that may be left out (no body); when sent, it
/// must be a valid `T`, exactly as [`Json`].
pub struct OptionalJson<T>(pub Option<T>);

impl<T> OptionalJson<T> {
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<T: DeserializeOwned + Serialize + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            if bytes.is_empty() {
                return Ok(OptionalJson(None));
            }
            let raw: Box<RawValue> = serde_json::from_slice(&bytes)
                .map_err(|e| AppError::bad_request(format!("the JSON body is invalid: {e}")))?;
            Ok(OptionalJson(Some(parse(&raw)?)))
        })
    }
}

/// The middleware that refuses a NUL (`%00`) in the query string, for the
/// same reason as in bodies: a query parameter reaches text columns and
/// searches. (Path parameters are ids: `/users/%00` is simply not found.)
pub async fn refuse_nul_in_url(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    use actix_web::ResponseError;
    let has_nul = req.query_string().contains("%00");
    if has_nul {
        let response =
            AppError::bad_request("the query string must not contain NUL characters (%00)")
                .error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::{array_for_object, has_escaped_nul};
    use serde_json::json;

    #[test]
    fn an_array_read_as_an_object_is_found_where_it_is() {
        let read = json!({"a": {"x": null}, "steps": [{"t": 1}]});
        assert_eq!(
            array_for_object(&json!({"a": [null], "steps": []}), &read, ""),
            Some("a".into())
        );
        assert_eq!(
            array_for_object(&json!({"a": {}, "steps": [[1]]}), &read, ""),
            Some("steps[0]".into())
        );
        assert_eq!(
            array_for_object(&json!({"a": {"x": null}, "steps": [{"t": 1}]}), &read, ""),
            None
        );
    }

    #[test]
    fn finds_escaped_nul_only_in_strings_escapes() {
        assert!(has_escaped_nul(r#"{"a": "x\u0000y"}"#));
        assert!(has_escaped_nul(r#"{"a\u0000": 1}"#));
        // An escaped backslash followed by the letters u0000 is plain text.
        assert!(!has_escaped_nul(r#"{"a": "x\\u0000"}"#));
        assert!(has_escaped_nul(r#"{"a": "\u00001"}"#));
        assert!(!has_escaped_nul(r#"{"a": "\u0001 \n \" 0000"}"#));
    }
}
