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
use serde_json::value::RawValue;

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

fn parse<T: DeserializeOwned>(raw: &RawValue) -> Result<T, AppError> {
    if !raw.get().trim_start().starts_with('{') {
        return Err(AppError::bad_request("the JSON body must be an object"));
    }
    serde_json::from_str(raw.get())
        .map_err(|e| AppError::bad_request(format!("the JSON body is invalid: {e}")))
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
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

/// A body that may be left out (no body, or an empty one); when sent, it
/// must be a valid `T`, exactly as [`Json`].
pub struct OptionalJson<T>(pub Option<T>);

impl<T> OptionalJson<T> {
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            let raw: Box<RawValue> = serde_json::from_slice(&bytes)
                .map_err(|e| AppError::bad_request(format!("the JSON body is invalid: {e}")))?;
            Ok(OptionalJson(Some(parse(&raw)?)))
        })
    }
}
