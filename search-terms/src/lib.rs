//! The words of a text as knowledge-base search sees them, the same at
//! indexing and at query time, so that a customer's whole sentence
//! (「月末结账时凭证无法过账」) meets the manual's wording (「期末结账前凭证必须
//! 全部过账」).
//!
//! - Chinese is segmented with jieba (its dictionary plus the ERP vocabulary
//!   of [`VOCABULARY`]) in search mode, which also gives the shorter words
//!   inside a long one (`外购入库单` → `外购`, `入库`, `入库单`, `外购入库单`).
//! - What the dictionary lacks comes out of jieba as single characters; a run
//!   of them is kept as its adjacent pairs (the bigram fallback), so an
//!   unknown product name or term still matches itself.
//! - English words are lower-cased and stemmed (`posting` → `post`).
//! - Variants a clerk types are folded to one spelling (`帐` → `账`,
//!   `月底` → `月末`), and words that carry no meaning (`的`, `怎么办`,
//!   `the`) are dropped.
//!
//! Terms hold letters and digits only, so a database's word tokenizer
//! (SQLite FTS5 `unicode61`) splits a space-joined list of them exactly where
//! this crate did.
//!
//! This crate is for the server: jieba's dictionary is several megabytes and
//! must stay out of the WASM SPA (`shared` compiles to wasm32; this does not).

use std::collections::HashSet;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};

mod vocabulary;

pub use vocabulary::{STOP_WORDS, VARIANTS, VOCABULARY};

/// How often jieba should believe an ERP term occurs: high enough that
/// `凭证过账` splits as `凭证` + `过账`, whatever the general dictionary says.
const ERP_TERM_FREQUENCY: usize = 50_000;

/// Built once per process (loading the dictionary takes a few hundred
/// milliseconds); segmentation itself is read-only and shared by all threads.
static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for word in VOCABULARY {
        jieba.add_word(&word.to_lowercase(), Some(ERP_TERM_FREQUENCY), None);
    }
    jieba
});

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

static STOPS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| STOP_WORDS.iter().copied().collect());

/// Loads the dictionary now rather than on the first search (start-up).
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

/// Characters written without spaces between words (Han, kana, Hangul).
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}'
        | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{2ffff}')
}

/// Lower case, variant characters folded, everything but letters and digits
/// turned into spaces (so no term carries punctuation).
fn normalize(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '帐' => '账',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect()
}

/// One word's contribution: folded to its usual spelling, stemmed if English.
fn push_word(word: &str, out: &mut Vec<String>) {
    let word = VARIANTS
        .iter()
        .find(|(variant, _)| *variant == word)
        .map_or(word, |(_, canonical)| canonical);
    if STOPS.contains(word) {
        return;
    }
    if word.chars().all(|c| c.is_ascii_alphabetic()) {
        if word.len() >= 2 {
            out.push(STEMMER.stem(word).into_owned());
        }
        return;
    }
    if word.chars().count() >= 2 {
        out.push(word.to_string());
    }
}

/// Pairs of a run of characters the dictionary did not join into words.
fn flush_run(run: &mut Vec<char>, out: &mut Vec<String>) {
    for pair in run.windows(2) {
        out.push(pair.iter().collect());
    }
    run.clear();
}

/// Every term of `text` in order, repeated as often as it occurs (term
/// frequency matters for ranking).
pub fn terms(text: &str) -> Vec<String> {
    let text = normalize(text);
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    for token in JIEBA.cut_for_search(&text, false) {
        let word = token.word;
        let mut chars = word.chars();
        let single = match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        match single {
            Some(c) if is_cjk(c) && !STOPS.contains(word) => run.push(c),
            _ => {
                flush_run(&mut run, &mut out);
                if !word.trim().is_empty() {
                    push_word(word, &mut out);
                }
            }
        }
    }
    flush_run(&mut run, &mut out);
    out
}

/// The terms of `text` joined by spaces: what the index stores.
pub fn joined(text: &str) -> String {
    terms(text).join(" ")
}

/// The distinct terms of a query, in order of first appearance, at most
/// `max` of them.
pub fn query_terms(text: &str, max: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    terms(text)
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(text: &str, term: &str) -> bool {
        terms(text).iter().any(|t| t == term)
    }

    #[test]
    fn a_customers_sentence_meets_the_manuals_words() {
        let query = query_terms("月末结账时凭证无法过账", 32);
        for word in ["月末", "结账", "凭证", "过账"] {
            assert!(query.iter().any(|t| t == word), "{word} in {query:?}");
        }
        let article = terms("期末结账前，所有凭证必须审核并过账。");
        for word in ["结账", "凭证", "过账", "期末"] {
            assert!(article.iter().any(|t| t == word), "{word} in {article:?}");
        }
    }

    #[test]
    fn erp_vocabulary_is_kept_whole() {
        assert!(has("反结账以后才能修改凭证", "反结账"));
        assert!(has("仓存系统里的物料", "仓存"));
        assert!(has("应收应付核销", "应收"));
        assert!(has("应收应付核销", "应付"));
        assert!(has("新建套账", "套账"));
        assert!(has("外购入库单审核", "外购入库单"));
        assert!(has("外购入库单审核", "入库"));
        assert!(has("BOM清单维护", "bom"));
    }

    #[test]
    fn variants_fold_and_filler_words_drop() {
        assert!(has("月底结帐", "结账"));
        assert!(has("月底结帐", "月末"));
        let t = terms("的 了 怎么办 the of");
        assert!(t.is_empty(), "{t:?}");
    }

    #[test]
    fn english_is_stemmed_and_punctuation_never_reaches_a_term() {
        let t = terms("Posting vouchers, closing the period (K/3-ERP)!");
        assert_eq!(t, vec!["post", "voucher", "close", "period", "erp"]);
        assert!(terms("c++ \"OR\" *").iter().all(|t| t.chars().all(char::is_alphanumeric)));
    }

    #[test]
    fn unknown_words_fall_back_to_character_pairs() {
        // Not a dictionary word: kept as its pairs, so it still finds itself.
        let t = terms("犇骉");
        assert_eq!(t, vec!["犇骉"]);
        let q = terms("骉犇骉");
        assert!(q.contains(&"犇骉".to_string()), "{q:?}");
    }

    #[test]
    fn query_terms_are_distinct_and_capped() {
        assert_eq!(query_terms("凭证 凭证 凭证", 32), vec!["凭证"]);
        assert_eq!(query_terms("凭证 过账 结账", 2).len(), 2);
    }
}
