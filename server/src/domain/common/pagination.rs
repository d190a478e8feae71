//! Keyset pagination over ids: `?limit=` (default 50, at most 200) and an
//! opaque `?cursor=` naming the last id seen. Pages run newest first.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use shared::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use shared::Page;

use crate::error::{AppError, AppResult};

pub use shared::filters::PageQuery;

#[derive(Debug, Clone, Copy)]
pub struct PageParams {
    pub limit: u64,
    /// Only rows with a smaller id follow.
    pub before_id: Option<i64>,
}

/// Reading a page's `?limit=&cursor=` (the type is the wire contract's, in
/// `shared`; checking it is the server's).
pub trait Paging {
    /// The page size and the id to continue below; 422 on a bad limit or cursor.
    fn params(&self) -> AppResult<PageParams>;
}

impl Paging for PageQuery {
    fn params(&self) -> AppResult<PageParams> {
        let limit = match self.limit {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            Some(_) => return Err(AppError::field("limit", "must be between 1 and 200")),
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

/// A cursor for lists ordered by a time, then the id: `prefix` names the
/// list. The time keeps its nanoseconds, so rows that share the last row's
/// second are neither skipped nor repeated.
pub fn encode_time_cursor(prefix: &str, at: chrono::DateTime<chrono::Utc>, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{prefix}:{}.{:09}:{id}",
        at.timestamp(),
        at.timestamp_subsec_nanos()
    ))
}

/// The time and id of a cursor [`encode_time_cursor`] made with `prefix`,
/// or a 422 on the `cursor` field.
pub fn decode_time_cursor(
    cursor: &str,
    prefix: &str,
) -> AppResult<(chrono::DateTime<chrono::Utc>, i64)> {
    let bad = || AppError::field("cursor", "is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let rest = text
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix(':'))
        .ok_or_else(bad)?;
    let (time, id) = rest.split_once(':').ok_or_else(bad)?;
    let (secs, nanos) = time.split_once('.').unwrap_or((time, "0"));
    let nanos: u32 = nanos.parse().map_err(|_| bad())?;
    let at = secs
        .parse()
        .ok()
        .filter(|_| nanos < 1_000_000_000)
        .and_then(|s| chrono::DateTime::from_timestamp(s, nanos))
        .ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

/// A cursor for lists ordered by more than the id: `prefix` names the
/// order (so a cursor of one list is refused by another), `parts` are the
/// sort key of the last row seen, none of which may contain `|`.
pub fn encode_key_cursor(prefix: &str, parts: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(format!("{prefix}|{}", parts.join("|")))
}

/// The parts of a cursor [`encode_key_cursor`] made with this `prefix`, or
/// a 422 on the `cursor` field.
pub fn decode_key_cursor(cursor: &str, prefix: &str, parts: usize) -> AppResult<Vec<String>> {
    let bad = || AppError::field("cursor", "is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut fields = text.split('|');
    if fields.next() != Some(prefix) {
        return Err(bad());
    }
    let rest: Vec<String> = fields.map(str::to_string).collect();
    if rest.len() == parts {
        Ok(rest)
    } else {
        Err(bad())
    }
}

/// Turns `limit + 1` fetched rows into a page and its cursor.
pub fn page_of<M, T>(
    rows: Vec<M>,
    params: PageParams,
    id_of: impl Fn(&M) -> i64,
    convert: impl FnMut(M) -> T,
) -> Page<T> {
    page_by(rows, params.limit, |m| encode_cursor(id_of(m)), convert)
}

/// A page whose rows each converted fallibly (a stored value read back, see
/// `crate::entity::stored`): the first row that fails fails the page.
pub fn try_page<T>(page: Page<AppResult<T>>) -> AppResult<Page<T>> {
    Ok(Page {
        items: page.items.into_iter().collect::<AppResult<Vec<T>>>()?,
        next_cursor: page.next_cursor,
    })
}

/// Turns `limit + 1` fetched rows, in page order, into a page whose cursor
/// is `cursor_of` the last row shown.
pub fn page_by<M, T>(
    mut rows: Vec<M>,
    limit: u64,
    cursor_of: impl Fn(&M) -> String,
    convert: impl FnMut(M) -> T,
) -> Page<T> {
    let has_more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(cursor_of)
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
    fn time_cursors_keep_sub_second_precision_and_their_list() {
        let at = chrono::DateTime::from_timestamp(1_764_000_000, 123_456_789).unwrap();
        let cursor = encode_time_cursor("ev", at, 42);
        assert_eq!(decode_time_cursor(&cursor, "ev").unwrap(), (at, 42));
        assert!(decode_time_cursor(&cursor, "tr").is_err());
        assert!(decode_time_cursor("bm90", "ev").is_err());
        // A whole-second cursor of an earlier version still reads.
        let old = URL_SAFE_NO_PAD.encode("ev:1764000000:7");
        let (t, id) = decode_time_cursor(&old, "ev").unwrap();
        assert_eq!(
            (t.timestamp(), t.timestamp_subsec_nanos(), id),
            (1_764_000_000, 0, 7)
        );
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let q = PageQuery {
            limit: Some(200),
            cursor: Some(encode_cursor(42)),
        };
        let p = q.params().unwrap();
        assert_eq!((p.limit, p.before_id), (200, Some(42)));
        // Beyond the documented bound is refused, not clamped.
        for limit in [0, 201, u64::MAX] {
            let q = PageQuery {
                limit: Some(limit),
                cursor: None,
            };
            assert!(q.params().is_err(), "limit {limit}");
        }
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

    #[test]
    fn key_cursors_round_trip_and_belong_to_one_order() {
        let c = encode_key_cursor("u", &["1", "2026-12-02T01:00:00Z", "p2", "7"]);
        assert_eq!(
            decode_key_cursor(&c, "u", 4).unwrap(),
            vec!["1", "2026-12-02T01:00:00Z", "p2", "7"]
        );
        assert!(decode_key_cursor(&c, "v", 4).is_err());
        assert!(decode_key_cursor(&c, "u", 3).is_err());
        assert!(decode_key_cursor(&encode_cursor(7), "u", 4).is_err());
        assert!(decode_key_cursor("%%", "u", 4).is_err());
    }
}
