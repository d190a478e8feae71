//! 405 for a documented path asked with a method it does not take.
//!
//! actix routes by path and method together, so `DELETE /api/v1/users`
//! would fall through to the SPA fallback and answer 404. This middleware
//! knows, from the OpenAPI document, which methods every path takes, and
//! answers any other method with 405, an `Allow` header and the SPEC's
//! error shape, before the request reaches a handler.

use std::collections::HashMap;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};

use crate::error::AppError;

/// One documented path: its segments (`None` for a `{parameter}`) and the
/// methods it takes, as the `Allow` header lists them.
struct Template {
    segments: Vec<Option<String>>,
    methods: Vec<Method>,
    allow: String,
}

/// Every documented path, grouped by its number of segments.
#[derive(Default)]
pub struct RouteMethods {
    by_len: HashMap<usize, Vec<Template>>,
}

impl RouteMethods {
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut by_len: HashMap<usize, Vec<Template>> = HashMap::new();
        for (path, item) in doc.paths.paths.iter() {
            let segments: Vec<Option<String>> = path
                .trim_start_matches('/')
                .split('/')
                .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
                .collect();
            let mut methods = Vec::new();
            for (present, method) in [
                (item.get.is_some(), Method::GET),
                (item.post.is_some(), Method::POST),
                (item.put.is_some(), Method::PUT),
                (item.patch.is_some(), Method::PATCH),
                (item.delete.is_some(), Method::DELETE),
            ] {
                if present {
                    methods.push(method);
                }
            }
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            by_len.entry(segments.len()).or_default().push(Template {
                segments,
                methods,
                allow,
            });
        }
        // The most literal template first, so `/accounts/export` wins over
        // `/accounts/{id}`.
        for templates in by_len.values_mut() {
            templates.sort_by_key(|t| std::cmp::Reverse(t.segments.iter().flatten().count()));
        }
        RouteMethods { by_len }
    }

    /// `Some(allow)` when `path` is documented and does not take `method`.
    pub fn refusal(&self, method: &Method, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let templates = self.by_len.get(&parts.len())?;
        // The most literal template the path fits is the one the router
        // takes (`/renewals/totals`, not `/renewals/{id}`).
        let first = templates.iter().find(|t| {
            t.segments
                .iter()
                .zip(&parts)
                .all(|(seg, part)| seg.as_deref().is_none_or(|s| s == *part))
        })?;
        if first.methods.contains(method)
            || (*method == Method::HEAD && first.methods.contains(&Method::GET))
        {
            return None;
        }
        Some(first.allow.as_str())
    }
}

/// The middleware: refuses a documented path's undocumented methods.
pub async fn refuse_undocumented_methods(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refusal = req
        .app_data::<web::Data<RouteMethods>>()
        .and_then(|table| table.refusal(req.method(), req.path()))
        .map(|allow| AppError::MethodNotAllowed {
            allow: allow.to_string(),
        });
    if let Some(error) = refusal {
        let response = error.error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_the_most_literal_fitting_path_does_not_take() {
        let table = RouteMethods::from_document(&crate::startup::openapi());
        assert_eq!(table.refusal(&Method::GET, "/api/v1/users"), None);
        assert!(table
            .refusal(&Method::DELETE, "/api/v1/users")
            .is_some_and(|allow| allow.contains("GET") && allow.contains("POST")));
        assert_eq!(table.refusal(&Method::HEAD, "/healthz"), None);
        assert_eq!(table.refusal(&Method::POST, "/healthz"), Some("GET"));
        // A literal segment wins over a parameter beside it.
        assert_eq!(
            table.refusal(&Method::PATCH, "/api/v1/renewals/totals"),
            Some("GET")
        );
        assert_eq!(table.refusal(&Method::PATCH, "/api/v1/renewals/7"), None);
        // Not documented: left to the router (the SPA, or 404).
        assert_eq!(table.refusal(&Method::POST, "/accounts/17"), None);
        assert_eq!(table.refusal(&Method::DELETE, "/api/v1/nowhere"), None);
    }
}
