//! The error shape of every non-2xx answer:
//! `{"error": {"code": "...", "message": "...", "fields": {...}}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::texts::Msg;

/// Per-field messages of a `validation_failed` error, keyed by field name.
pub type FieldErrors = BTreeMap<String, String>;

/// Per-field texts as keys with parameters, for clients that render them
/// in their user's language (see [`crate::texts`]).
pub type FieldKeys = BTreeMap<String, Msg>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    ValidationFailed,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PreconditionFailed,
    PayloadTooLarge,
    MethodNotAllowed,
    RateLimited,
    /// 503: the server cannot serve now (a replica's `/readyz` while it
    /// drains or its database is away); try again shortly.
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order (the OpenAPI test checks the
    /// document against it).
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::ValidationFailed,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::PreconditionFailed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    pub fn status(self) -> u16 {
        match self {
            ErrorCode::ValidationFailed => 422,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::PreconditionFailed => 412,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, String>))]
    pub fields: FieldErrors,
    /// The key of `message` in [`crate::texts`], when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_key: Option<String>,
    /// The parameters of `message_key`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// `fields` as keys with parameters (the fields whose message has one).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, Msg>))]
    pub field_keys: FieldKeys,
}

impl ApiError {
    /// An error with a message only (no key, no fields).
    pub fn plain(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            fields: FieldErrors::new(),
            message_key: None,
            params: BTreeMap::new(),
            field_keys: FieldKeys::new(),
        }
    }

    /// An error whose message and field messages carry their keys where
    /// the texts table has them.
    pub fn keyed(code: ErrorCode, message: String, fields: FieldErrors) -> Self {
        let field_keys: FieldKeys = fields
            .iter()
            .filter_map(|(f, m)| Some((f.clone(), Msg::parse_en(m)?)))
            .collect();
        // `AppError::field` words its message "field: message".
        let single = fields
            .iter()
            .find(|(f, m)| message == format!("{f}: {m}"))
            .map(|(f, _)| field_keys.get(f).cloned());
        let msg = match single {
            Some(keyed) => keyed,
            None => Msg::parse_en(&message),
        };
        let (message_key, params) = match msg {
            Some(m) => (Some(m.key), m.params),
            None => (None, BTreeMap::new()),
        };
        ApiError {
            code,
            message,
            fields,
            message_key,
            params,
            field_keys,
        }
    }

    /// The message's key and parameters, if it has a key.
    pub fn message_msg(&self) -> Option<Msg> {
        Some(Msg {
            key: self.message_key.clone()?,
            params: self.params.clone(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ApiError,
}
