//! The one error type of the HTTP layer. Domain functions return it too: its
//! variants are the client-visible outcomes of the SPEC (`validation_failed`,
//! `forbidden`, …); anything unexpected is `Internal`, logged with its cause
//! and answered with a generic message.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr, TransactionError};
use shared::texts::T;
use shared::{ApiError, ErrorBody, ErrorCode, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Validation {
        message: String,
        fields: FieldErrors,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{message}")]
    Conflict {
        message: String,
        fields: FieldErrors,
    },
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The path exists but does not take this method; `allow` lists the
    /// ones it takes (the `Allow` header).
    #[error("this path does not accept this method; it accepts {allow}")]
    MethodNotAllowed { allow: String },
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    /// A quota of the workspace is used up (429, with the quota in the
    /// message, and `Retry-After`).
    #[error("{message}")]
    QuotaExceeded {
        message: String,
        retry_after_secs: u64,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn validation(fields: FieldErrors) -> Self {
        AppError::Validation {
            message: "some fields are invalid".into(),
            fields,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        let message = message.into();
        fields.insert(field.to_string(), message.clone());
        AppError::Validation {
            message: format!("{field}: {message}"),
            fields,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::Validation {
            message: message.into(),
            fields: FieldErrors::new(),
        }
    }

    pub fn conflict_on(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut fields = FieldErrors::new();
        fields.insert(field.to_string(), message.clone());
        AppError::Conflict { message, fields }
    }

    pub fn forbidden() -> Self {
        AppError::Forbidden(T::RoleForbids.into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Validation { .. } => ErrorCode::ValidationFailed,
            AppError::Unauthorized(_) => ErrorCode::Unauthorized,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound => ErrorCode::NotFound,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::PreconditionFailed => ErrorCode::PreconditionFailed,
            AppError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            AppError::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            AppError::RateLimited { .. } | AppError::QuotaExceeded { .. } => ErrorCode::RateLimited,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// 429 with the wait rounded up to whole seconds (at least one).
    pub fn rate_limited(wait: std::time::Duration) -> AppError {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        AppError::RateLimited {
            retry_after_secs: secs.max(1),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let message = match self {
            AppError::Internal(_) => "an internal error occurred; it has been logged".to_string(),
            AppError::PreconditionFailed => {
                "the resource changed since you read it; reload it and try again".to_string()
            }
            AppError::RateLimited { retry_after_secs } => {
                format!("too many attempts; try again in {retry_after_secs} seconds")
            }
            other => other.to_string(),
        };
        let fields = match self {
            AppError::Validation { fields, .. } | AppError::Conflict { fields, .. } => {
                fields.clone()
            }
            _ => FieldErrors::new(),
        };
        // The English texts travel with their keys, for clients that show
        // them in another language.
        ErrorBody {
            error: ApiError::keyed(self.code(), message, fields),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let AppError::RateLimited { retry_after_secs }
        | AppError::QuotaExceeded {
            retry_after_secs, ..
        } = self
        {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::MethodNotAllowed { allow } = self {
            response.insert_header((header::ALLOW, allow.as_str()));
        }
        if let AppError::Unauthorized(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(self.body())
    }
}

/// A unique index a request can run into, and the request field it guards.
struct Guard {
    /// The index's name, as PostgreSQL reports it.
    index: &'static str,
    /// Its columns, as SQLite reports them (`table.column, …`).
    columns: &'static str,
    field: &'static str,
    message: T,
}

/// The unique indexes behind a request's fields: a violation (two requests
/// racing past the same check) answers 409 naming the field, as the
/// check would have. Others answer 409 without a field.
const GUARDS: &[Guard] = &[
    Guard {
        index: "ux_accounts_code",
        columns: "accounts.workspace_id, accounts.code",
        field: "code",
        message: T::CodeTaken,
    },
    Guard {
        index: "ux_users_workspace_email",
        columns: "users.workspace_id, users.email",
        field: "email",
        message: T::EmailInUse,
    },
    Guard {
        index: "ux_licenses_dongle",
        columns: "licenses.workspace_id, licenses.dongle_serial",
        field: "dongle_serial",
        message: T::SerialTaken,
    },
    Guard {
        index: "ux_contracts_number",
        columns: "contracts.workspace_id, contracts.number",
        field: "number",
        message: T::Duplicate,
    },
    Guard {
        index: "ux_service_levels_name",
        columns: "service_levels.workspace_id, service_levels.name",
        field: "name",
        message: T::LevelTaken,
    },
    Guard {
        index: "ux_onboarding_plans_account",
        columns: "onboarding_plans.workspace_id, onboarding_plans.account_id",
        field: "account_id",
        message: T::PlanExists,
    },
];

/// The guard behind a unique violation's text (PostgreSQL quotes the
/// index's name; SQLite ends with the columns).
fn guard_of(detail: &str) -> Option<&'static Guard> {
    GUARDS.iter().find(|g| {
        detail.contains(&format!("\"{}\"", g.index)) || detail.trim_end().ends_with(g.columns)
    })
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            return match guard_of(&detail) {
                Some(guard) => AppError::conflict_on(guard.field, guard.message),
                None => AppError::Conflict {
                    message: T::Duplicate.into(),
                    fields: FieldErrors::new(),
                },
            };
        }
        AppError::Internal(anyhow::Error::new(err))
    }
}

impl From<TransactionError<AppError>> for AppError {
    fn from(err: TransactionError<AppError>) -> Self {
        match err {
            TransactionError::Connection(db) => db.into(),
            TransactionError::Transaction(app) => app,
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_the_field_on_both_backends() {
        let sqlite = "UNIQUE constraint failed: accounts.workspace_id, accounts.code";
        let postgres =
            "duplicate key value violates unique constraint \"ux_users_workspace_email\"";
        assert_eq!(guard_of(sqlite).map(|g| g.field), Some("code"));
        assert_eq!(guard_of(postgres).map(|g| g.field), Some("email"));
        // Another index's name that contains a guarded one is not taken for it.
        assert!(
            guard_of("duplicate key value violates unique constraint \"ux_accounts_code_x\"")
                .is_none()
        );
        assert!(guard_of("UNIQUE constraint failed: email_outbox.dedupe_key").is_none());
    }

    #[test]
    fn every_guard_names_a_migrated_index() {
        let migrations: String =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/src"))
                .unwrap()
                .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect();
        for guard in GUARDS {
            assert!(
                migrations.contains(&format!("\"{}\"", guard.index)),
                "{} is not an index of the migrations",
                guard.index
            );
            let table = guard.columns.split('.').next().unwrap();
            for column in guard.columns.split(", ") {
                assert!(
                    column.starts_with(&format!("{table}.")),
                    "{}",
                    guard.columns
                );
            }
        }
    }
}
