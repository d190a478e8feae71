//! Article bodies are Markdown. Rendered HTML reaches customers' browsers,
//! so rendering is safe by construction: raw HTML in the source is shown as
//! text, never passed through, and a link or image whose URL has a scheme
//! other than http(s), mailto or tel (`javascript:`, `data:`, `vbscript:`)
//! loses its URL and keeps its text.

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Whether a link target may be rendered. Browsers ignore tabs and newlines
/// inside a URL and leading control characters or spaces before its scheme,
/// so those are removed before the scheme is read.
fn safe_url(url: &str, image: bool) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned.trim_start_matches(|c: char| c <= ' ');
    let Some(end) = cleaned.find([':', '/', '?', '#']) else {
        return true; // relative: `guide.html`
    };
    if !cleaned[end..].starts_with(':') {
        return true; // relative: `/kb/1`, `?a`, `#faq`
    }
    let scheme = cleaned[..end].to_ascii_lowercase();
    let allowed: &[&str] = if image {
        &["http", "https"]
    } else {
        &["http", "https", "mailto", "tel"]
    };
    allowed.contains(&scheme.as_str())
}

/// Markdown → HTML that is safe to insert into a page.
pub fn to_html(markdown: &str) -> String {
    // For each open link or image: whether it was dropped.
    let mut dropped: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options()).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link { ref dest_url, .. }) => {
            let drop = !safe_url(dest_url, false);
            dropped.push(drop);
            (!drop).then_some(event)
        }
        Event::Start(Tag::Image { ref dest_url, .. }) => {
            let drop = !safe_url(dest_url, true);
            dropped.push(drop);
            (!drop).then_some(event)
        }
        Event::End(TagEnd::Link | TagEnd::Image) => {
            let drop = dropped.pop().unwrap_or(false);
            (!drop).then_some(event)
        }
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The pieces of text a reader sees, in order, markup dropped and block
/// ends as line breaks.
fn plain_pieces(markdown: &str) -> impl Iterator<Item = pulldown_cmark::CowStr<'_>> {
    Parser::new_ext(markdown, options()).filter_map(|event| match event {
        Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => Some(t),
        Event::SoftBreak | Event::HardBreak => Some(" ".into()),
        Event::End(
            TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::Item
            | TagEnd::CodeBlock
            | TagEnd::TableCell
            | TagEnd::BlockQuote(_),
        ) => Some("\n".into()),
        _ => None,
    })
}

/// The text a reader sees, without markup: what search matches and
/// excerpts quote.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for piece in plain_pieces(markdown) {
        out.push_str(&piece);
    }
    out
}

const EXCERPT_BEFORE: usize = 30;
const EXCERPT_LEN: usize = 160;

/// Text with every run of whitespace turned into one space and none at
/// either end, kept up to `max` characters (`count` says how many).
struct Collapsed {
    text: String,
    count: usize,
    max: usize,
    space_pending: bool,
}

impl Collapsed {
    fn new(max: usize) -> Collapsed {
        Collapsed {
            text: String::new(),
            count: 0,
            max,
            space_pending: false,
        }
    }

    /// Appends `piece`; false once the text is full.
    fn push(&mut self, piece: &str) -> bool {
        for c in piece.chars() {
            if self.count >= self.max {
                return false;
            }
            if c.is_whitespace() {
                self.space_pending = !self.text.is_empty();
                continue;
            }
            if std::mem::take(&mut self.space_pending) {
                self.text.push(' ');
                self.count += 1;
                if self.count >= self.max {
                    return false;
                }
            }
            self.text.push(c);
            self.count += 1;
        }
        true
    }
}

/// `excerpt(&plain_text(markdown), terms)`, reading only as much of the
/// article as the excerpt needs: up to the first occurrence of a term and
/// the excerpt's length after it, or without terms its head (a result page
/// excerpts every article it lists, and most hits are in the first lines).
pub fn excerpt_of(markdown: &str, terms: &[String]) -> String {
    if terms.iter().any(|t| !t.is_empty()) {
        return excerpt_streamed(markdown, terms)
            .unwrap_or_else(|| excerpt(&plain_text(markdown), terms));
    }
    let mut head = Collapsed::new(EXCERPT_LEN + 1);
    for piece in plain_pieces(markdown) {
        if !head.push(&piece) {
            break;
        }
    }
    if head.count > EXCERPT_LEN {
        let mut out: String = head.text.chars().take(EXCERPT_LEN).collect();
        out.push('…');
        out
    } else {
        head.text
    }
}

/// [`excerpt`] of the article's text, the text collapsed and searched piece
/// by piece as the Markdown parser yields it, stopping once the excerpt is
/// settled. `None` when lower-casing changes a character's length (`İ`):
/// the caller then takes the whole text.
fn excerpt_streamed(markdown: &str, terms: &[String]) -> Option<String> {
    let terms: Vec<&str> = terms
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect();
    let longest = terms.iter().map(|t| t.len()).max().unwrap_or(1);
    let mut all = Collapsed::new(usize::MAX);
    let mut lowered = String::new();
    let mut searched: usize = 0; // bytes of `lowered` searched through
                                 // The excerpt's end, in characters, once the first hit is known.
    let mut hit: Option<(usize, usize)> = None;
    for piece in plain_pieces(markdown) {
        all.push(&piece);
        if let Some((_, end)) = hit {
            if all.count > end {
                break;
            }
            continue;
        }
        let before = lowered.len();
        for c in all.text[before..].chars() {
            let at = lowered.len();
            lowered.extend(c.to_lowercase());
            if lowered.len() - at != c.len_utf8() {
                return None;
            }
        }
        // From a little before the new text, for a term across the seam.
        let mut from = searched.saturating_sub(longest - 1);
        while !lowered.is_char_boundary(from) {
            from -= 1;
        }
        searched = lowered.len();
        if let Some(byte) = terms
            .iter()
            .filter_map(|t| lowered[from..].find(t).map(|b| from + b))
            .min()
        {
            let start = all.text[..byte]
                .chars()
                .count()
                .saturating_sub(EXCERPT_BEFORE);
            let end = start + EXCERPT_LEN;
            hit = Some((start, end));
            if all.count > end {
                break;
            }
        }
    }
    let start = hit.map_or(0, |(start, _)| start);
    Some(cut(&all.text, all.count, start))
}

/// `EXCERPT_LEN` characters of `text` (`len` of them, or more to come) from
/// character `start`, marked with `…` where text was left out.
fn cut(text: &str, len: usize, start: usize) -> String {
    let end = (start + EXCERPT_LEN).min(len);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(text.chars().skip(start).take(end - start));
    if end < len {
        out.push('…');
    }
    out
}

/// About 160 characters of `text` around the first occurrence of any of
/// `terms` (lower-case), or from its beginning; whitespace collapsed.
pub fn excerpt(text: &str, terms: &[String]) -> String {
    let mut all = Collapsed::new(usize::MAX);
    all.push(text);
    let (collapsed, len) = (all.text, all.count);
    // Where the first term occurs, in characters of `collapsed`. Lower-casing
    // keeps byte positions unless a character lower-cases to another length
    // (`İ`): then positions are mapped character by character.
    let mut lowered = String::with_capacity(collapsed.len());
    let mut aligned = true;
    for c in collapsed.chars() {
        let before = lowered.len();
        lowered.extend(c.to_lowercase());
        aligned &= lowered.len() - before == c.len_utf8();
    }
    let first_hit = if aligned {
        terms
            .iter()
            .filter(|t| !t.is_empty())
            .filter_map(|t| lowered.find(t.as_str()))
            .min()
            .map(|byte| collapsed[..byte].chars().count())
    } else {
        first_hit_by_chars(&collapsed, terms)
    };
    let start = first_hit.map_or(0, |hit| hit.saturating_sub(EXCERPT_BEFORE));
    cut(&collapsed, len, start)
}

/// The character position of the first occurrence of any of `terms` in
/// `text`, compared lower-cased character by character.
fn first_hit_by_chars(text: &str, terms: &[String]) -> Option<usize> {
    let (lowered, origin): (Vec<char>, Vec<usize>) = text
        .chars()
        .enumerate()
        .flat_map(|(i, c)| c.to_lowercase().map(move |l| (l, i)))
        .unzip();
    terms
        .iter()
        .filter_map(|term| {
            let needle: Vec<char> = term.chars().collect();
            if needle.is_empty() || needle.len() > lowered.len() {
                return None;
            }
            lowered
                .windows(needle.len())
                .position(|w| w == needle.as_slice())
                .map(|at| origin[at])
        })
        .min()
}

/// `text` cut to at most `max` characters, marked with `…` when cut.
pub(super) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_raw_html_is_escaped() {
        let html = to_html(
            "# 审核\n\n**销售主管**审核\n\n<script>alert(1)</script>\n\nA <b onclick=x>b</b>",
        );
        assert!(html.contains("<h1>审核</h1>"), "{html}");
        assert!(html.contains("<strong>销售主管</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<b "), "{html}");
    }

    #[test]
    fn dangerous_urls_are_dropped_and_safe_ones_kept() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](javascript&#58;alert(1))",
            "<javascript:alert(1)>",
            "[x](vbscript:msgbox)",
            "![x](data:image/svg+xml;base64,PHN2Zz4=)",
            "[x][r]\n\n[r]: javascript:alert(1)",
        ] {
            let html = to_html(md);
            assert!(
                !html.contains("<a") && !html.contains("href"),
                "{md} → {html}"
            );
            assert!(
                !html.contains("<img") && !html.contains("src="),
                "{md} → {html}"
            );
        }
        let html = to_html(
            "[手册](https://example.cn/kb) [邮件](mailto:a@b.cn) [本页](#faq) [相对](guide/1)",
        );
        for href in ["https://example.cn/kb", "mailto:a@b.cn", "#faq", "guide/1"] {
            assert!(html.contains(&format!("href=\"{href}\"")), "{href}: {html}");
        }
        assert!(to_html("![图](https://example.cn/a.png)").contains("<img src="));
    }

    #[test]
    fn plain_text_drops_markup_and_excerpts_centre_on_the_match() {
        let text = plain_text("# 标题\n\n**客户订单**变更单需要[销售主管](https://x.cn)审核");
        assert_eq!(text, "标题\n客户订单变更单需要销售主管审核\n");
        assert_eq!(excerpt(&text, &[]), "标题 客户订单变更单需要销售主管审核");
        let long = format!("{}需要销售主管审核{}", "前".repeat(100), "后".repeat(300));
        let e = excerpt(&long, &["销售主管".to_string()]);
        assert!(e.starts_with('…') && e.ends_with('…'), "{e}");
        assert!(e.contains("销售主管"));
        assert_eq!(e.chars().count(), EXCERPT_LEN + 2);
        // Case-insensitive, and positions survive characters that lower-case longer.
        assert!(excerpt("İİİ Voucher posting", &["voucher".to_string()]).contains("Voucher"));
    }

    #[test]
    fn an_excerpt_without_terms_reads_only_the_head_of_the_article() {
        let short = "# 标题\n\n**客户订单**变更单  需要\n\n- 销售主管审核";
        assert_eq!(excerpt_of(short, &[]), excerpt(&plain_text(short), &[]));
        for n in [EXCERPT_LEN - 1, EXCERPT_LEN, EXCERPT_LEN + 1, 1_000] {
            let body = format!("## 步骤\n\n{}\n\n末尾", "凭证 过账。".repeat(n / 3 + 1));
            assert_eq!(
                excerpt_of(&body, &[]),
                excerpt(&plain_text(&body), &[]),
                "{n}"
            );
        }
        let exact: String = "账".repeat(EXCERPT_LEN);
        assert_eq!(
            excerpt_of(&exact, &[]),
            exact,
            "exactly the length: not cut"
        );
        let terms = ["过账".to_string()];
        let body = format!("{}\n\n月末结账前过账。", "前言。".repeat(100));
        assert_eq!(
            excerpt_of(&body, &terms),
            excerpt(&plain_text(&body), &terms)
        );
        assert!(excerpt_of(&body, &terms).contains("过账"));
    }

    /// Reading only up to the excerpt gives what reading it all gives: hits
    /// at the start, the middle, the end, across pieces of markup, in
    /// upper case, none, and after a character that lower-cases longer.
    #[test]
    fn a_streamed_excerpt_equals_the_excerpt_of_the_whole_text() {
        let filler = "前言说明。".repeat(40);
        let bodies = [
            "过账 at the start".to_string(),
            format!("{filler}\n\n月末**结账**前先*过*账。\n\n{filler}"),
            format!("# 标题\n\n{filler}\n\n- 第一步\n- 最后 Voucher POSTING"),
            format!("{filler}{filler}末尾过账"),
            format!("`代码` {filler} 过\n账 跨行"),
            format!("İİİ {filler} voucher"),
            "短文".to_string(),
            String::new(),
        ];
        let term_sets: [&[&str]; 5] = [
            &["过账"],
            &["voucher", "posting"],
            &["结账", "过账", "月末"],
            &["不存在"],
            &["", "过账"],
        ];
        for body in &bodies {
            for terms in term_sets {
                let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
                assert_eq!(
                    excerpt_of(body, &terms),
                    excerpt(&plain_text(body), &terms),
                    "{body:?} {terms:?}"
                );
            }
        }
    }
}
