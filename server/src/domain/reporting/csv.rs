//! The CSV the reports are downloaded as: a BOM for Excel, quoted fields,
//! and cells that a spreadsheet would run as formulas neutralised.

/// A CSV cell: `Plain` values are ours (numbers, dates, codes); `Text`
/// came from users and is guarded against spreadsheet formulas.
pub enum Cell<'a> {
    Plain(&'a str),
    Text(&'a str),
}

/// RFC 4180 CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel
/// reads Chinese correctly), CRLF line ends, a field quoted when it holds a
/// comma, quote or line break (quotes doubled). Text from users that starts
/// with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a spreadsheet
/// shows it instead of evaluating it.
pub struct Csv {
    out: String,
}

impl Csv {
    pub fn new(header: &[&str]) -> Csv {
        let mut csv = Csv {
            out: String::from("\u{feff}"),
        };
        let cells: Vec<Cell> = header.iter().map(|h| Cell::Plain(h)).collect();
        csv.row(&cells);
        csv
    }

    /// More lines of a CSV begun elsewhere (a streamed download's later
    /// chunks): no BOM, no header.
    pub fn empty() -> Csv {
        Csv { out: String::new() }
    }

    pub fn row(&mut self, cells: &[Cell]) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let (text, guard) = match cell {
                Cell::Plain(t) => (*t, false),
                Cell::Text(t) => (*t, t.starts_with(['=', '+', '-', '@', '\t', '\r'])),
            };
            let field = if guard {
                format!("'{text}")
            } else {
                text.to_string()
            };
            if field.contains([',', '"', '\r', '\n']) {
                self.out.push('"');
                self.out.push_str(&field.replace('"', "\"\""));
                self.out.push('"');
            } else {
                self.out.push_str(&field);
            }
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_guards() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(&[Cell::Text("华为，有限公司, \"总部\""), Cell::Text("=1+1")]);
        csv.row(&[Cell::Plain("-0.05"), Cell::Text("x")]);
        assert_eq!(
            csv.finish(),
            "\u{feff}a,b\r\n\"华为，有限公司, \"\"总部\"\"\",'=1+1\r\n-0.05,x\r\n"
        );
    }
}
