//! Reading an uploaded file row by row, without loading it whole: CSV
//! through `csv` over a decoder of its character set (UTF-8 with or without
//! BOM, GB18030/GBK as Excel on Chinese Windows writes it, Big5, or what
//! the user chose), Excel through calamine's streaming cell reader. A
//! reader runs on a blocking thread and hands rows over in batches through
//! a bounded channel, so memory stays flat whatever the file's size.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use calamine::{DataRef, Reader, Xlsx};
use encoding_rs::Encoding;
use tokio::sync::mpsc;

/// Rows handed over at a time.
pub const BATCH: usize = 500;

/// How many bytes the character-set guess looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The format a file is in, from its first bytes (an .xlsx is a zip
    /// archive) and, failing that, its name.
    pub fn detect(name: &str, head: &[u8]) -> Option<Format> {
        if head.starts_with(b"PK\x03\x04") {
            return Some(Format::Xlsx);
        }
        let lower = name.to_lowercase();
        if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
            // Named like a workbook but not a zip archive.
            return None;
        }
        if lower.ends_with(".xls") {
            return None;
        }
        Some(Format::Csv)
    }
}

/// A character set the user may choose, by any of its labels (`utf-8`,
/// `gbk`, `gb18030`, `big5`, …). GBK and GB2312 are read as GB18030, which
/// contains them.
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let encoding = Encoding::for_label(label.trim().as_bytes())?;
    Some(widen(encoding))
}

fn widen(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        encoding
    }
}

/// The character set of a CSV from its first bytes: a BOM decides; text
/// that is valid UTF-8 is UTF-8; anything else is guessed (chardetng),
/// which tells GB18030 from Big5 and the single-byte sets.
pub fn sniff_encoding(head: &[u8]) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(head) {
        return encoding;
    }
    match std::str::from_utf8(head) {
        Ok(_) => return encoding_rs::UTF_8,
        // Cut off mid-character at the end of the sample: still UTF-8.
        Err(e) if e.error_len().is_none() => return encoding_rs::UTF_8,
        Err(_) => {}
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(head, head.len() < SNIFF_BYTES);
    widen(detector.guess(None, false))
}

/// The first bytes of a file.
pub fn head_of(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// One data row: its line in the file (the header is line 1) and its cells.
#[derive(Debug, Clone)]
pub struct Line {
    pub number: i32,
    pub cells: Vec<String>,
}

/// What a reader sends.
#[derive(Debug)]
pub enum Event {
    /// The header row and the number of data rows that follow.
    Start {
        headers: Vec<String>,
        rows_total: usize,
    },
    Rows(Vec<Line>),
    /// The file cannot be read (in English).
    Failed(String),
}

/// Starts reading `path` on a blocking thread: a `Start`, then the rows
/// after the first `skip` data rows in batches, or `Failed`.
/// `fit` scores a header row (how many of the import's columns it names):
/// of a workbook's worksheets, the one whose header row fits best is read
/// (a workbook often holds 客户 and 联系人 side by side), the first on a tie.
pub fn spawn(
    path: PathBuf,
    format: Format,
    encoding: Option<&'static Encoding>,
    skip: usize,
    fit: impl Fn(&[String]) -> usize + Send + 'static,
) -> mpsc::Receiver<Event> {
    let (tx, rx) = mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let result = match format {
            Format::Csv => read_csv(&path, encoding.unwrap_or(encoding_rs::UTF_8), skip, &tx),
            Format::Xlsx => read_xlsx(&path, skip, &fit, &tx),
        };
        if let Err(reason) = result {
            let _ = tx.blocking_send(Event::Failed(reason));
        }
    });
    rx
}

fn csv_reader(path: &Path, encoding: &'static Encoding) -> Result<csv::Reader<impl Read>, String> {
    let file = File::open(path).map_err(|e| format!("the uploaded file is gone: {e}"))?;
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(BufReader::with_capacity(256 * 1024, file));
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded))
}

fn csv_problem(e: csv::Error) -> String {
    format!("the file is not valid CSV: {e}")
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

fn read_csv(
    path: &Path,
    encoding: &'static Encoding,
    skip: usize,
    tx: &mpsc::Sender<Event>,
) -> Result<(), String> {
    // First pass: the number of rows, for the progress bar.
    let mut rows_total = 0usize;
    let mut record = csv::ByteRecord::new();
    let mut counter = csv_reader(path, encoding)?;
    let mut first = true;
    while counter.read_byte_record(&mut record).map_err(csv_problem)? {
        if first {
            first = false;
            continue;
        }
        if record
            .iter()
            .any(|c| !c.iter().all(u8::is_ascii_whitespace))
        {
            rows_total += 1;
        }
    }
    let mut reader = csv_reader(path, encoding)?;
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(r) => r.map_err(csv_problem)?.iter().map(str::to_string).collect(),
        None => return Err("the file is empty".into()),
    };
    if tx
        .blocking_send(Event::Start {
            headers,
            rows_total,
        })
        .is_err()
    {
        return Ok(());
    }
    let mut batch = Vec::with_capacity(BATCH);
    let mut seen = 0usize;
    for (index, record) in records.enumerate() {
        let record = record.map_err(csv_problem)?;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if is_blank(&cells) {
            continue;
        }
        seen += 1;
        if seen <= skip {
            continue;
        }
        batch.push(Line {
            number: index as i32 + 2,
            cells,
        });
        if batch.len() == BATCH
            && tx
                .blocking_send(Event::Rows(std::mem::take(&mut batch)))
                .is_err()
        {
            return Ok(());
        }
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(Event::Rows(batch));
    }
    Ok(())
}

/// A cell as text: numbers without a spurious `.0`, dates as `YYYY-MM-DD`.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().to_string(),
            Some(dt) => dt.to_string(),
            None => d.as_f64().to_string(),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

fn xlsx_problem(e: impl std::fmt::Display) -> String {
    format!("the file is not a readable Excel workbook (.xlsx): {e}")
}

fn open_xlsx(path: &Path) -> Result<Xlsx<BufReader<File>>, String> {
    let file = File::open(path).map_err(|e| format!("the uploaded file is gone: {e}"))?;
    Xlsx::new(BufReader::new(file)).map_err(xlsx_problem)
}

/// The worksheet whose first non-blank row `fit`s best; the first on a tie.
fn pick_sheet(path: &Path, fit: &dyn Fn(&[String]) -> usize) -> Result<String, String> {
    let names = open_xlsx(path)?.sheet_names();
    let mut best: Option<(usize, &String)> = None;
    for name in &names {
        let mut score = 0;
        each_xlsx_row(path, name, |_, values| {
            if is_blank(&values) {
                return true;
            }
            score = fit(&values);
            false
        })?;
        if best.is_none_or(|(top, _)| score > top) {
            best = Some((score, name));
        }
    }
    best.map(|(_, name)| name.clone())
        .ok_or_else(|| "the workbook has no worksheet".to_string())
}

/// Streams one worksheet row by row, while `each` asks for more.
fn each_xlsx_row(
    path: &Path,
    sheet: &str,
    mut each: impl FnMut(u32, Vec<String>) -> bool,
) -> Result<(), String> {
    let mut workbook = open_xlsx(path)?;
    let mut cells = workbook
        .worksheet_cells_reader(sheet)
        .map_err(xlsx_problem)?;
    let mut row: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(xlsx_problem)? {
        let (r, c) = cell.get_position();
        if row.as_ref().is_some_and(|(current, _)| *current != r) {
            if let Some((number, values)) = row.take() {
                if !each(number, values) {
                    return Ok(());
                }
            }
        }
        let (_, values) = row.get_or_insert_with(|| (r, Vec::new()));
        let c = c as usize;
        if values.len() <= c {
            values.resize(c + 1, String::new());
        }
        values[c] = cell_text(cell.get_value());
    }
    if let Some((number, values)) = row {
        each(number, values);
    }
    Ok(())
}

fn read_xlsx(
    path: &Path,
    skip: usize,
    fit: &dyn Fn(&[String]) -> usize,
    tx: &mpsc::Sender<Event>,
) -> Result<(), String> {
    let sheet = pick_sheet(path, fit)?;
    let mut rows_total = 0usize;
    let mut header_row: Option<u32> = None;
    each_xlsx_row(path, &sheet, |r, values| {
        if header_row.is_none() {
            if !is_blank(&values) {
                header_row = Some(r);
            }
        } else if !is_blank(&values) {
            rows_total += 1;
        }
        true
    })?;
    let mut started = false;
    let mut batch = Vec::with_capacity(BATCH);
    let mut seen = 0usize;
    let mut open = true;
    each_xlsx_row(path, &sheet, |r, values| {
        if is_blank(&values) {
            return true;
        }
        if !started {
            started = true;
            open = tx
                .blocking_send(Event::Start {
                    headers: values,
                    rows_total,
                })
                .is_ok();
            return open;
        }
        seen += 1;
        if seen <= skip {
            return true;
        }
        batch.push(Line {
            number: r as i32 + 1,
            cells: values,
        });
        if batch.len() == BATCH {
            open = tx
                .blocking_send(Event::Rows(std::mem::take(&mut batch)))
                .is_ok();
        }
        open
    })?;
    if !started {
        return Err("the file is empty".into());
    }
    if open && !batch.is_empty() {
        let _ = tx.blocking_send(Event::Rows(batch));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_character_set_of_a_csv_is_recognised() {
        let text =
            "客户编码,客户名称\n000123,上海精密机械有限公司\n000124,苏州华鼎电子科技有限公司\n";
        assert_eq!(sniff_encoding(text.as_bytes()), encoding_rs::UTF_8);
        let mut bom = vec![0xef, 0xbb, 0xbf];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(sniff_encoding(&bom), encoding_rs::UTF_8);
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(sniff_encoding(&gbk), encoding_rs::GB18030);
        assert_eq!(encoding_for_label("GBK"), Some(encoding_rs::GB18030));
        assert_eq!(encoding_for_label("utf8"), Some(encoding_rs::UTF_8));
        assert_eq!(encoding_for_label("klingon"), None);
    }

    #[test]
    fn a_workbook_is_told_from_a_csv_by_its_first_bytes() {
        assert_eq!(
            Format::detect("a.csv", b"PK\x03\x04rest"),
            Some(Format::Xlsx)
        );
        assert_eq!(Format::detect("a.xlsx", b"code,name"), None);
        assert_eq!(Format::detect("a.xls", b"\xd0\xcf\x11\xe0"), None);
        assert_eq!(Format::detect("a.csv", b"code,name"), Some(Format::Csv));
    }
}
