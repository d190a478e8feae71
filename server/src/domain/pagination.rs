//! Keyset pagination over ids: `?limit=` (default 50, at most 200) and an
//! opaque `?cursor=` naming the last id seen. Pages run newest first.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use shared::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use shared::Page;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct PageParams {
    pub limit: u64,
    /// Only rows with a smaller id follow.
    pub before_id: Option<i64>,
}

impl PageQuery {
    pub fn params(&self) -> AppResult<PageParams> {
        let limit = match self.limit {
            None => DEFAULT_PAGE_SIZE,
            Some(0) => return Err(AppError::field("limit", "must be between 1 and 200")),
            Some(n) => n.min(MAX_PAGE_SIZE),
        };
        let before_id = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(cursor) => Some(decode_cursor(cursor)?),
        };
        Ok(PageParams { limit, before_id })
    }
}

fn decode_cursor(cursor: &str) -> AppResult<i64> {
    let bad = || AppError::field("cursor", "is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("id:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)
}

pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

/// Turns `limit + 1` fetched rows into a page and its cursor.
pub fn page_of<M, T>(
    mut rows: Vec<M>,
    params: PageParams,
    id_of: impl Fn(&M) -> i64,
    convert: impl FnMut(M) -> T,
) -> Page<T> {
    let has_more = rows.len() as u64 > params.limit;
    rows.truncate(params.limit as usize);
    let next_cursor = if has_more {
        rows.last().map(|m| encode_cursor(id_of(m)))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(convert).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let q = PageQuery {
            limit: Some(500),
            cursor: Some(encode_cursor(42)),
        };
        let p = q.params().unwrap();
        assert_eq!((p.limit, p.before_id), (200, Some(42)));
        for bad in ["", "!!!", "aWQ6eA"] {
            let q = PageQuery {
                limit: None,
                cursor: Some(bad.into()),
            };
            if bad.is_empty() {
                assert!(q.params().unwrap().before_id.is_none());
            } else {
                assert!(q.params().is_err(), "{bad}");
            }
        }
        assert!(PageQuery {
            limit: Some(0),
            cursor: None
        }
        .params()
        .is_err());
    }

    #[test]
    fn page_of_sets_the_cursor_only_when_more_rows_exist() {
        let params = PageParams {
            limit: 2,
            before_id: None,
        };
        let page = page_of(vec![9, 8, 7], params, |n| *n, |n| n);
        assert_eq!(page.items, vec![9, 8]);
        assert_eq!(page.next_cursor, Some(encode_cursor(8)));
        let page = page_of(vec![9, 8], params, |n| *n, |n| n);
        assert_eq!(page.next_cursor, None);
    }
}
