//! Serves the built SPA: files of `static_dir` (precompressed `.gz` when the
//! client accepts gzip; content-hashed names cached for a year), and
//! `index.html` for every other non-API path so client routes work on reload.
//! `/api/*` never falls back: an unknown API route is a JSON 404.

use std::path::{Path, PathBuf};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::state::AppState;

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A request path as a file under the static dir, refusing anything odd.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for segment in path.trim_start_matches('/').split('/') {
        if segment.is_empty() {
            continue;
        }
        let ok = !segment.starts_with('.')
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

/// Names like `frontend-1a2b3c4d.js`, and everything under a directory like
/// `app-1a2b3c4d/`, never change content.
fn is_hashed(path: &Path) -> bool {
    path.iter().filter_map(|s| s.to_str()).any(|name| {
        name.split(['-', '_', '.'])
            .skip(1)
            .any(|part| part.len() >= 8 && part.chars().all(|c| c.is_ascii_hexdigit()))
    })
}

pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let path = req.path();
    if path == "/api" || path.starts_with("/api/") {
        return Err(AppError::NotFound);
    }
    let root = &state.config.static_dir;
    let accepted = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let encodings = Encodings {
        brotli: accepted.contains("br"),
        gzip: accepted.contains("gzip"),
    };
    if let Some(rel) = safe_relative(path).filter(|r| !r.as_os_str().is_empty()) {
        let file = root.join(&rel);
        if file.is_file() {
            return Ok(file_response(&file, encodings, is_hashed(&rel)).await);
        }
        // A missing asset (anything with an extension) is a real 404.
        if rel.extension().is_some() {
            return Err(AppError::NotFound);
        }
    }
    let index = root.join("index.html");
    if index.is_file() {
        return Ok(file_response(&index, Encodings::default(), false).await);
    }
    Ok(HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "The Steward web app is not built (no {}). Run ./scripts/run.sh, which builds it.\n",
            index.display()
        )))
}

/// The precompressed variants (`.br`, `.gz` beside the file) a client accepts.
#[derive(Debug, Default, Clone, Copy)]
struct Encodings {
    brotli: bool,
    gzip: bool,
}

async fn file_response(file: &Path, encodings: Encodings, immutable: bool) -> HttpResponse {
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut builder = HttpResponse::Ok();
    builder
        .insert_header((header::CONTENT_TYPE, content_type(file)))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"));
    for (wanted, suffix, encoding) in [
        (encodings.brotli, "br", "br"),
        (encodings.gzip, "gz", "gzip"),
    ] {
        let variant = PathBuf::from(format!("{}.{suffix}", file.display()));
        if wanted && variant.is_file() {
            if let Ok(bytes) = tokio::fs::read(&variant).await {
                builder.insert_header((header::CONTENT_ENCODING, encoding));
                return builder.body(bytes);
            }
        }
    }
    match tokio::fs::read(file).await {
        Ok(bytes) => builder.body(bytes),
        Err(_) => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_served() {
        assert_eq!(
            safe_relative("/frontend-abc.js"),
            Some(PathBuf::from("frontend-abc.js"))
        );
        assert_eq!(safe_relative("/../etc/passwd"), None);
        assert_eq!(safe_relative("/.env"), None);
        assert_eq!(safe_relative("/a%2e%2e/b"), None);
        assert!(is_hashed(Path::new("frontend-1a2b3c4d5e6f.js")));
        assert!(is_hashed(Path::new("frontend-1a2b3c4d5e6f_bg.wasm")));
        assert!(!is_hashed(Path::new("frontend_bg.wasm")));
        assert!(is_hashed(Path::new("app-1a2b3c4d5e6f7a8b/chunk_3.wasm")));
        assert!(is_hashed(Path::new(
            "app-1a2b3c4d5e6f7a8b/snippets/x/inline0.js"
        )));
        assert!(!is_hashed(Path::new("app/chunk_3.wasm")));
        assert!(!is_hashed(Path::new("index.html")));
    }
}
