//! The knowledge base (操作手册): articles per ERP module, `public` (the
//! customer portal shows them) or `internal` (staff only), with FAQ entries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::error::FieldErrors;
use crate::validation::{optional_text, required_text, Collector, Invalid};
use crate::ErpModule;

pub const MAX_TITLE_LEN: usize = 200;
/// Markdown source of an article body.
pub const MAX_BODY_LEN: usize = 50_000;
pub const MAX_FAQ_ENTRIES: usize = 50;
pub const MAX_QUESTION_LEN: usize = 500;
pub const MAX_ANSWER_LEN: usize = 5_000;
/// Longest search text (`?q=`), in characters.
pub const MAX_QUERY_LEN: usize = 200;

string_enum!(
    /// How the words of a search combine: `all` (every word must occur)
    /// or `any` (any word suffices; more and rarer shared words rank
    /// higher).
    MatchMode {
        All => "all",
        Any => "any",
    }
);

string_enum!(
    /// Who may read an article: `public` reaches the portal once published.
    KbVisibility {
        Public => "public",
        Internal => "internal",
    }
);

string_enum!(
    /// `archived` articles leave lists unless asked for and never reach the portal.
    KbStatus {
        Draft => "draft",
        Published => "published",
        Archived => "archived",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaqEntry {
    pub question: String,
    pub answer: String,
}

/// An article as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KbArticle {
    pub id: i64,
    pub module: ErpModule,
    pub title: String,
    /// Markdown source.
    pub body: String,
    /// `body` rendered to HTML: raw HTML is escaped, and links other than
    /// http(s), mailto, tel and relative ones are dropped.
    pub body_html: String,
    pub visibility: KbVisibility,
    pub faq: Vec<FaqEntry>,
    pub status: KbStatus,
    /// The resolved ticket this article was drafted from.
    pub source_ticket_id: Option<i64>,
    pub author_id: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the `ETag` is derived from it.
    pub version: i64,
}

/// One row of the staff article list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KbArticleSummary {
    pub id: i64,
    pub module: ErpModule,
    pub title: String,
    /// Plain text around the first match of `q` (or the body's beginning).
    pub excerpt: String,
    pub visibility: KbVisibility,
    pub status: KbStatus,
    pub source_ticket_id: Option<i64>,
    pub author_id: i64,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A published public article as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalKbArticle {
    pub id: i64,
    pub module: ErpModule,
    pub title: String,
    /// Plain text around the first match of `q` (or the body's beginning).
    pub excerpt: String,
    /// The body rendered to safe HTML. Search results leave it (and `faq`)
    /// out to stay small while a customer types; the article route has it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body_html: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faq: Vec<FaqEntry>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateKbArticleRequest {
    pub module: ErpModule,
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    /// Defaults to `internal`.
    #[serde(default)]
    pub visibility: Option<KbVisibility>,
    #[serde(default)]
    pub faq: Vec<FaqEntry>,
    /// Defaults to `draft`.
    #[serde(default)]
    pub status: Option<KbStatus>,
}

/// A partial update: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateKbArticleRequest {
    #[serde(default)]
    pub module: Option<ErpModule>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub visibility: Option<KbVisibility>,
    /// Replaces every FAQ entry.
    #[serde(default)]
    pub faq: Option<Vec<FaqEntry>>,
    #[serde(default)]
    pub status: Option<KbStatus>,
}

fn check_faq(c: &mut Collector, faq: &[FaqEntry]) {
    if faq.len() > MAX_FAQ_ENTRIES {
        c.fields.insert(
            "faq".into(),
            format!("may have at most {MAX_FAQ_ENTRIES} entries"),
        );
        return;
    }
    for (i, entry) in faq.iter().enumerate() {
        c.check(
            &format!("faq[{i}].question"),
            required_text(&entry.question, MAX_QUESTION_LEN),
        )
        .check(
            &format!("faq[{i}].answer"),
            required_text(&entry.answer, MAX_ANSWER_LEN),
        );
    }
}

fn check_body(body: &str) -> Result<(), Invalid> {
    optional_text(body, MAX_BODY_LEN)
}

pub fn validate_create(req: &CreateKbArticleRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("title", required_text(&req.title, MAX_TITLE_LEN))
        .check("body", check_body(&req.body));
    check_faq(&mut c, &req.faq);
    c.finish()
}

pub fn validate_update(req: &UpdateKbArticleRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    if let Some(title) = &req.title {
        c.check("title", required_text(title, MAX_TITLE_LEN));
    }
    if let Some(body) = &req.body {
        c.check("body", check_body(body));
    }
    if let Some(faq) = &req.faq {
        check_faq(&mut c, faq);
    }
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CreateKbArticleRequest {
        CreateKbArticleRequest {
            module: ErpModule::Sales,
            title: "销售订单审核流程".into(),
            body: String::new(),
            visibility: None,
            faq: vec![],
            status: None,
        }
    }

    #[test]
    fn titles_are_required_and_faq_entries_complete() {
        assert_eq!(validate_create(&request()), Ok(()));
        let mut req = request();
        req.title = "  ".into();
        req.faq = vec![FaqEntry {
            question: "怎么反审核？".into(),
            answer: "".into(),
        }];
        let fields = validate_create(&req).unwrap_err();
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            vec!["faq[0].answer", "title"]
        );
        let update = UpdateKbArticleRequest {
            title: Some("".into()),
            ..Default::default()
        };
        assert!(validate_update(&update).unwrap_err().contains_key("title"));
        assert_eq!(validate_update(&UpdateKbArticleRequest::default()), Ok(()));
    }
}

/// Characters written without spaces between words: Han, kana, Hangul.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'   // Hiragana, Katakana
        | '\u{3400}'..='\u{4dbf}' // CJK Extension A
        | '\u{4e00}'..='\u{9fff}' // CJK Unified Ideographs
        | '\u{ac00}'..='\u{d7af}' // Hangul syllables
        | '\u{f900}'..='\u{faff}' // CJK Compatibility Ideographs
        | '\u{20000}'..='\u{2ffff}')
}

/// Every distinct pair of adjacent CJK characters in `text`, separated by
/// spaces, in order of first appearance: `"盘点差异"` → `"盘点 点差 差异"`.
/// The index of migration `m20261127_000007` (replaced by word search in
/// `m20261202_000010`, whose down migration rebuilds it with this).
pub fn cjk_bigrams(text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if !is_cjk(c) {
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let gram: String = [p, c].iter().collect();
            if seen.insert(gram.clone()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&gram);
            }
        }
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod bigram_tests {
    use super::*;

    #[test]
    fn bigrams_pair_adjacent_cjk_characters_only() {
        assert_eq!(cjk_bigrams("盘点差异"), "盘点 点差 差异");
        assert_eq!(cjk_bigrams("bom 维护，盘点。盘点"), "维护 盘点");
        assert_eq!(cjk_bigrams("abc 1 2"), "");
        assert_eq!(cjk_bigrams("単価マスタ"), "単価 価マ マス スタ");
    }
}
