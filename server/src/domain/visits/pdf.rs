//! The signed service report as a PDF (A4, bilingual labels), written with
//! `krilla`, which embeds the subset of a CJK font that the report uses
//! (TrueType, OpenType/CFF and font collections alike).
//!
//! The font is `STEWARD_REPORT_FONT` (and `STEWARD_REPORT_FONT_INDEX` for a
//! face of a `.ttc`), or else the first of [`FONT_CANDIDATES`] that exists:
//! Debian's fonts-noto-cjk and fonts-wqy-zenhei. Without one the report
//! cannot be written, and the error says what to install or set: start-up
//! logs it ([`check_font`]), signing still records the signature, and the
//! PDF is answered with 409 `visit.pdf_unavailable` until a font is there.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use krilla::geom::{Point, Size, Transform};
use krilla::image::Image;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::Document;

/// Fonts tried when none is configured, with the face of each collection
/// that holds Simplified Chinese (Noto Sans CJK's collection is JP, KR, SC,
/// TC, HK).
pub const FONT_CANDIDATES: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
];

/// Which font file and face the reports use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontChoice {
    pub path: PathBuf,
    pub index: u32,
}

/// The configured font, or the first candidate present; the error names
/// the setting and the packages.
pub fn choose_font(configured: Option<&Path>, index: u32) -> Result<FontChoice, String> {
    if let Some(path) = configured {
        return if path.is_file() {
            Ok(FontChoice {
                path: path.to_path_buf(),
                index,
            })
        } else {
            Err(format!(
                "STEWARD_REPORT_FONT is {}, which is not a readable font file",
                path.display()
            ))
        };
    }
    FONT_CANDIDATES
        .iter()
        .find(|(p, _)| Path::new(p).is_file())
        .map(|(p, i)| FontChoice {
            path: PathBuf::from(p),
            index: *i,
        })
        .ok_or_else(|| {
            format!(
                "no CJK font for service reports: set STEWARD_REPORT_FONT to a .ttf, .otf or .ttc \
                 file with Chinese glyphs, or install fonts-noto-cjk or fonts-wqy-zenhei (tried {})",
                FONT_CANDIDATES
                    .iter()
                    .map(|(p, _)| *p)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// The font the reports will use, read and parsed: called at start-up so a
/// missing or unreadable font is logged before anyone signs a report.
pub fn check_font(configured: Option<&Path>, index: u32) -> Result<FontChoice, String> {
    let font = choose_font(configured, index)?;
    parse(&font)?;
    Ok(font)
}

fn parse(font: &FontChoice) -> Result<Font, String> {
    let bytes = font_bytes(&font.path)?;
    Font::new(bytes.into(), font.index).ok_or_else(|| {
        format!(
            "{} (face {}) is not a font krilla can read; set STEWARD_REPORT_FONT to a .ttf, .otf or .ttc",
            font.path.display(),
            font.index
        )
    })
}

/// Font files read once per process (a CJK collection is 20 MB).
fn font_bytes(path: &Path) -> Result<Arc<Vec<u8>>, String> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<Vec<u8>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(bytes) = cache.lock().ok().and_then(|c| c.get(path).cloned()) {
        return Ok(bytes);
    }
    let bytes = Arc::new(
        std::fs::read(path).map_err(|e| format!("reading the font {}: {e}", path.display()))?,
    );
    if let Ok(mut c) = cache.lock() {
        c.insert(path.to_path_buf(), bytes.clone());
    }
    Ok(bytes)
}

/// What the report shows, already worded.
pub struct ReportContent {
    pub title: String,
    /// Label and value rows (account, date, engineer, times …).
    pub facts: Vec<(String, String)>,
    /// Headed paragraphs: work done, follow-ups.
    pub sections: Vec<(String, String)>,
    /// "Signed by 张伟 at 2027-03-01 16:00".
    pub signed_line: String,
    pub signature_png: Vec<u8>,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY: f32 = 11.0;
const LINE: f32 = 17.0;
const SIGNATURE_W: f32 = 200.0;
const SIGNATURE_H: f32 = 80.0;

/// A rough advance: CJK and full-width characters are square, the rest
/// about half as wide. Good enough to wrap lines inside the margins.
fn advance(c: char, size: f32) -> f32 {
    if (c as u32) >= 0x2E80 {
        size
    } else {
        size * 0.56
    }
}

/// Splits `text` into lines at most `width` wide (its own line breaks kept).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        let mut used = 0.0;
        for c in paragraph.chars() {
            let w = advance(c, size);
            if used + w > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0.0;
            }
            if c.is_control() {
                continue;
            }
            line.push(c);
            used += w;
        }
        lines.push(line);
    }
    lines
}

struct Placed {
    x: f32,
    y: f32,
    size: f32,
    text: String,
}

/// Lays the content out on A4 pages: text lines per page, and the page and
/// position of the signature picture.
fn layout(content: &ReportContent) -> (Vec<Vec<Placed>>, usize, f32) {
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut y = MARGIN + 20.0;
    let width = PAGE_W - 2.0 * MARGIN;
    let bottom = PAGE_H - MARGIN;
    let put = |pages: &mut Vec<Vec<Placed>>, y: &mut f32, x: f32, size: f32, text: String| {
        if *y > bottom {
            pages.push(Vec::new());
            *y = MARGIN + size;
        }
        if let Some(page) = pages.last_mut() {
            page.push(Placed {
                x,
                y: *y,
                size,
                text,
            });
        }
    };
    put(&mut pages, &mut y, MARGIN, 18.0, content.title.clone());
    y += 34.0;
    for (label, value) in &content.facts {
        let label_w = 130.0;
        let lines = wrap(value, BODY, width - label_w);
        for (n, line) in lines.into_iter().enumerate() {
            if n == 0 {
                put(&mut pages, &mut y, MARGIN, BODY, label.clone());
            }
            put(&mut pages, &mut y, MARGIN + label_w, BODY, line);
            y += LINE;
        }
    }
    for (heading, text) in &content.sections {
        y += 10.0;
        put(&mut pages, &mut y, MARGIN, 13.0, heading.clone());
        y += LINE + 3.0;
        for line in wrap(text, BODY, width) {
            put(&mut pages, &mut y, MARGIN, BODY, line);
            y += LINE;
        }
    }
    y += 18.0;
    if y + SIGNATURE_H + LINE > bottom {
        pages.push(Vec::new());
        y = MARGIN;
    }
    let signature_top = y;
    y += SIGNATURE_H + LINE;
    put(
        &mut pages,
        &mut y,
        MARGIN,
        BODY,
        content.signed_line.clone(),
    );
    let signature_page = pages.len() - 1;
    (pages, signature_page, signature_top)
}

/// The report as PDF bytes.
pub fn render(font: &FontChoice, content: &ReportContent) -> Result<Vec<u8>, String> {
    let font_face = parse(font)?;
    let signature = Image::from_png(content.signature_png.clone().into(), true)
        .map_err(|e| format!("the signature is not a PNG: {e}"))?;
    let (pages, signature_page, signature_top) = layout(content);
    let mut document = Document::new();
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(content.title.clone())
            .language("zh-CN".into()),
    );
    for (n, placed) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("bad page size")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for p in placed {
            surface.draw_text(
                Point::from_xy(p.x, p.y),
                font_face.clone(),
                p.size,
                &p.text,
                false,
                TextDirection::Auto,
            );
        }
        if n == signature_page {
            surface.push_transform(&Transform::from_translate(MARGIN, signature_top));
            if let Some(size) = Size::from_wh(SIGNATURE_W, SIGNATURE_H) {
                surface.draw_image(signature.clone(), size);
            }
            surface.pop();
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| format!("writing the PDF: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_inside_the_width_and_keep_their_breaks() {
        let lines = wrap("核对总账科目余额\nok", 10.0, 35.0);
        assert_eq!(lines, vec!["核对总", "账科目", "余额", "ok"]);
        assert!(wrap("", 10.0, 100.0).is_empty());
    }

    #[test]
    fn a_configured_font_that_is_missing_is_named() {
        let err = choose_font(Some(Path::new("/nonexistent/font.ttc")), 0).unwrap_err();
        assert!(err.contains("STEWARD_REPORT_FONT"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_font_is_named() {
        let path = std::env::temp_dir().join(format!("not-a-font-{}.ttf", std::process::id()));
        std::fs::write(&path, b"not a font").unwrap();
        let err = check_font(Some(&path), 0).unwrap_err();
        assert!(err.contains("STEWARD_REPORT_FONT"), "{err}");
        let _ = std::fs::remove_file(path);
    }
}
