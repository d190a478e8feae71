//! Query strings for API URLs: percent-encoding and list filters.

use shared::LifecycleStage;

/// Builds `?a=1&b=x` from pairs, skipping empty values so that an unset
/// filter never reaches the server as `owner_id=`.
#[derive(Debug, Default, Clone)]
pub struct QueryString {
    pairs: Vec<(&'static str, String)>,
}

impl QueryString {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(mut self, key: &'static str, value: impl ToString) -> Self {
        let value = value.to_string();
        if !value.is_empty() {
            self.pairs.push((key, value));
        }
        self
    }

    pub fn push_opt<V: ToString>(self, key: &'static str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.push(key, v),
            None => self,
        }
    }

    /// `""` when there is nothing to send, otherwise `?k=v&…`.
    pub fn build(&self) -> String {
        if self.pairs.is_empty() {
            return String::new();
        }
        let joined = self
            .pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        format!("?{joined}")
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, byte by
/// byte of the UTF-8 form (so Chinese search text travels intact).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The filters of the accounts list.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AccountFilter {
    pub q: String,
    pub owner_id: Option<i64>,
    pub stage: Option<LifecycleStage>,
}

impl AccountFilter {
    /// True when no filter narrows the list: an empty answer then means
    /// "no accounts yet" rather than "nothing matches".
    pub fn is_unfiltered(&self) -> bool {
        self.q.trim().is_empty() && self.owner_id.is_none() && self.stage.is_none()
    }

    /// The filters of an `/accounts?q=&owner_id=&stage=` URL; malformed
    /// values are ignored.
    pub fn from_search(search: &str) -> Self {
        AccountFilter {
            q: get_param(search, "q").unwrap_or_default(),
            owner_id: get_param(search, "owner_id").and_then(|v| v.trim().parse().ok()),
            stage: get_param(search, "stage").and_then(|v| v.trim().parse().ok()),
        }
    }

    /// The list's URL with these filters (kept in the address bar, so a
    /// reload, a shared link or the back button keeps them).
    pub fn href(&self) -> String {
        let q = QueryString::new()
            .push("q", self.q.trim())
            .push_opt("owner_id", self.owner_id)
            .push_opt("stage", self.stage.map(|s| s.as_str()))
            .build();
        format!("/accounts{q}")
    }

    /// The API's filter (the wire contract's type).
    pub fn filter(&self) -> shared::filters::AccountFilter {
        shared::filters::AccountFilter {
            q: non_blank(&self.q),
            owner_id: self.owner_id,
            stage: self.stage,
            ..Default::default()
        }
    }

    pub fn query(&self, limit: u64, cursor: Option<&str>) -> String {
        shared::filters::list_query(&self.filter(), Some(limit), cursor)
    }
}

/// The filters of the users list (`/users?q=&role=`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct UserFilter {
    pub q: String,
    pub role: Option<shared::Role>,
}

impl UserFilter {
    pub fn is_unfiltered(&self) -> bool {
        self.q.trim().is_empty() && self.role.is_none()
    }

    /// Malformed values are ignored.
    pub fn from_search(search: &str) -> Self {
        UserFilter {
            q: get_param(search, "q").unwrap_or_default(),
            role: get_param(search, "role").and_then(|v| v.trim().parse().ok()),
        }
    }

    fn filters(&self) -> QueryString {
        QueryString::new()
            .push("q", self.q.trim())
            .push_opt("role", self.role.map(|r| r.as_str()))
    }

    pub fn href(&self) -> String {
        format!("/users{}", self.filters().build())
    }

    pub fn query(&self, limit: u64, cursor: Option<&str>) -> String {
        let filter = shared::filters::UserFilter {
            q: non_blank(&self.q),
            role: self.role,
            active: None,
        };
        shared::filters::list_query(&filter, Some(limit), cursor)
    }
}

/// `?limit=N&cursor=C` for lists without filters.
pub fn page_query(limit: u64, cursor: Option<&str>) -> String {
    shared::filters::list_query(&shared::filters::PageQuery::default(), Some(limit), cursor)
}

/// A text filter as the API takes it: trimmed, and absent when blank.
pub fn non_blank(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// Reads one parameter of a `?a=b&c=d` string (with or without the `?`).
pub fn get_param(search: &str, key: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find(|(k, _)| decode(k) == key)
        .map(|(_, v)| decode(v))
}

/// Decodes `%XX` and `+` (a malformed escape stays as it is).
pub fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_filters_round_trip_through_the_url() {
        let f = UserFilter::from_search("?q=%E7%8E%8B&role=engineer");
        assert_eq!(f.q, "王");
        assert_eq!(f.role, Some(shared::Role::Engineer));
        assert_eq!(f.href(), "/users?q=%E7%8E%8B&role=engineer");
        assert_eq!(UserFilter::from_search(&f.href()[6..]), f);
        assert_eq!(f.query(50, None), "?q=%E7%8E%8B&role=engineer&limit=50");
        // A role that does not exist is no filter, not an error.
        assert!(UserFilter::from_search("?role=owner").is_unfiltered());
        assert_eq!(UserFilter::default().href(), "/users");
    }

    #[test]
    fn empty_filters_are_left_out() {
        let f = AccountFilter::default();
        assert_eq!(f.query(50, None), "?limit=50");
        assert!(f.is_unfiltered());
    }

    #[test]
    fn all_filters_and_cursor_are_encoded() {
        let f = AccountFilter {
            q: " 华强 & co ".into(),
            owner_id: Some(7),
            stage: Some(LifecycleStage::Renewal),
        };
        assert!(!f.is_unfiltered());
        assert_eq!(
            f.query(50, Some("abc=")),
            "?q=%E5%8D%8E%E5%BC%BA+%26+co&owner_id=7&stage=renewal&limit=50&cursor=abc%3D"
        );
    }

    #[test]
    fn blank_search_text_counts_as_unfiltered() {
        let f = AccountFilter {
            q: "   ".into(),
            ..Default::default()
        };
        assert!(f.is_unfiltered());
        assert_eq!(f.query(10, None), "?limit=10");
    }

    #[test]
    fn encoding_keeps_any_text_intact() {
        for text in [
            "深圳 / 100%",
            "a+b=c&d",
            "~safe-chars_.",
            "华强电子（深圳）有限公司",
        ] {
            assert_eq!(decode(&encode(text)), text);
        }
        assert_eq!(encode("a b"), "a%20b");
        assert_eq!(decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn params_are_read_and_decoded() {
        let search = "?next=%2Faccounts%2F5&token=a+b%3D&x";
        assert_eq!(get_param(search, "next").as_deref(), Some("/accounts/5"));
        assert_eq!(get_param(search, "token").as_deref(), Some("a b="));
        assert_eq!(get_param(search, "x").as_deref(), Some(""));
        assert_eq!(get_param(search, "missing"), None);
        assert_eq!(get_param("", "next"), None);
    }

    #[test]
    fn page_query_has_limit_and_optional_cursor() {
        assert_eq!(page_query(200, None), "?limit=200");
        assert_eq!(page_query(50, Some("c1")), "?limit=50&cursor=c1");
    }

    #[test]
    fn account_filters_round_trip_through_the_url() {
        let f = AccountFilter {
            q: "华强 & co".into(),
            owner_id: Some(4),
            stage: Some(LifecycleStage::Renewal),
        };
        let href = f.href();
        let search = &href[href.find('?').unwrap()..];
        assert_eq!(AccountFilter::from_search(search), f);
        assert_eq!(AccountFilter::default().href(), "/accounts");
        assert_eq!(
            AccountFilter::from_search("?owner_id=x&stage=nope"),
            AccountFilter::default()
        );
    }
}
