//! The words of a text as knowledge-base search sees them, the same at
//! indexing and at query time, so that a customer's whole sentence
//! (「月末结账时凭证无法过账」) meets the manual's wording (「期末结账前凭证必须
//! 全部过账」).
//!
//! - Chinese is segmented with jieba (its dictionary plus the ERP vocabulary
//!   of [`vocabulary`]); a word of three or more characters also counts as
//!   its adjacent pairs (`外购入库单` → `外购入库单`, `外购`, `购入`, `入库`,
//!   `库单`), so a shorter word inside it is found.
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

pub use vocabulary::{stop_words, vocabulary, VARIANTS};

/// How often jieba should believe an ERP term occurs: high enough that
/// `凭证过账` splits as `凭证` + `过账`, whatever the general dictionary says.
const ERP_TERM_FREQUENCY: usize = 50_000;

/// jieba's general dictionary, cut to the words its corpus holds at least
/// five times (`make-dictionary.sh`): about 8 MB in memory where the whole
/// one takes about 33 MB, and the same segmentation of the manual's and the
/// customers' sentences (the ERP terms come from [`vocabulary`]; a word it
/// lacks falls back to character pairs).
const DICTIONARY: &str = include_str!("../data/dictionary.txt");

/// Built once per process (loading the dictionary takes a few hundred
/// milliseconds); segmentation itself is read-only and shared by all threads.
static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::with_dict(&mut DICTIONARY.as_bytes())
        .expect("the bundled dictionary is well-formed (a unit test reads it)");
    for word in vocabulary() {
        jieba.add_word(&word.to_lowercase(), Some(ERP_TERM_FREQUENCY), None);
    }
    jieba
});

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

static STOPS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| stop_words().collect());

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

/// Whether a long word is kept whole beside its pairs (an index, a sentence
/// search) or only as its pairs (a search that needs every word).
#[derive(Clone, Copy, PartialEq, Eq)]
enum LongWords {
    WholeAndPairs,
    PairsOnly,
}

/// One word's contribution: folded to its usual spelling, stemmed if
/// English; a Chinese word of three or more characters also gives its
/// adjacent pairs, so `委外` finds `委外加工` and `入库` finds `外购入库单`
/// whatever the dictionary holds.
fn push_word(word: &str, long: LongWords, out: &mut Vec<String>) {
    // A dictionary word mixing scripts (`bom清单`) counts as its parts.
    let mut parts = word.char_indices().skip(1).filter(|&(i, c)| {
        word[..i]
            .chars()
            .next_back()
            .is_some_and(|p| p.is_ascii() != c.is_ascii())
    });
    if let Some((at, _)) = parts.next() {
        push_word(&word[..at], long, out);
        push_word(&word[at..], long, out);
        return;
    }
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
    let chars: Vec<char> = word.chars().collect();
    if chars.len() >= 3 && chars.iter().all(|c| is_cjk(*c)) {
        if long == LongWords::WholeAndPairs {
            out.push(word.to_string());
        }
        for pair in chars.windows(2) {
            out.push(pair.iter().collect());
        }
    } else if chars.len() >= 2 {
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

fn segment(text: &str, long: LongWords) -> Vec<String> {
    let text = normalize(text);
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    for token in JIEBA.cut(&text, false) {
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
                    push_word(word, long, &mut out);
                }
            }
        }
    }
    flush_run(&mut run, &mut out);
    out
}

/// Every term of `text` in order, repeated as often as it occurs (term
/// frequency matters for ranking): what the index holds.
pub fn terms(text: &str) -> Vec<String> {
    segment(text, LongWords::WholeAndPairs)
}

/// The terms of `text` joined by spaces: what the index stores.
pub fn joined(text: &str) -> String {
    terms(text).join(" ")
}

fn distinct(terms: Vec<String>, max: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    terms
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .take(max)
        .collect()
}

/// The distinct terms of a sentence search (any may match; long words
/// count whole and by their pairs), in order, at most `max`.
pub fn query_terms(text: &str, max: usize) -> Vec<String> {
    distinct(terms(text), max)
}

/// The distinct terms an article must all hold to match `text` (long words
/// by their pairs only, so `订单变更单` needs `订单`, `单变`, `变更`, `更单`,
/// found inside `客户订单变更单`), at most `max`.
pub fn required_terms(text: &str, max: usize) -> Vec<String> {
    distinct(segment(text, LongWords::PairsOnly), max)
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
        assert!(has("委外加工入库单", "委外"));
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
        assert!(terms("c++ \"OR\" *")
            .iter()
            .all(|t| t.chars().all(char::is_alphanumeric)));
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
    fn required_terms_need_the_pairs_of_long_words_only() {
        let need = required_terms("订单变更单", 32);
        assert!(!need.contains(&"订单变更单".to_string()), "{need:?}");
        let article = terms("客户订单变更单需要审核");
        assert!(
            need.iter().all(|t| article.contains(t)),
            "{need:?} in {article:?}"
        );
    }

    #[test]
    fn the_bundled_dictionary_is_jiebas_common_words() {
        let words = DICTIONARY.lines().count();
        assert!((100_000..200_000).contains(&words), "{words} words");
        for line in DICTIONARY.lines() {
            let mut fields = line.split(' ');
            let (word, freq) = (fields.next(), fields.next().map(str::parse::<usize>));
            assert!(
                word.is_some_and(|w| !w.is_empty()) && matches!(freq, Some(Ok(f)) if f >= 5),
                "{line}"
            );
            assert_eq!(fields.next(), None, "{line}");
        }
        // Everyday words a customer writes are words, not characters
        // (请问, 无法, 怎么 are filler).
        assert_eq!(
            terms("请问系统无法登录怎么处理"),
            vec!["系统", "登录", "处理"]
        );
    }

    #[test]
    fn query_terms_are_distinct_and_capped() {
        assert_eq!(query_terms("凭证 凭证 凭证", 32), vec!["凭证"]);
        assert_eq!(query_terms("凭证 过账 结账", 2).len(), 2);
    }
}
