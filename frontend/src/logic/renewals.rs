//! The renewal pipeline's logic: the filters in the URL, moving a card a
//! stage on or back, the per-stage totals, and the reminder settings form.

use shared::contracts::{RenewalStage, RenewalTotals};

use crate::i18n::{text, Key, Lang};
use crate::logic::query::{get_param, QueryString};

fn parsed<T: std::str::FromStr>(search: &str, key: &str) -> Option<T> {
    get_param(search, key)?.trim().parse().ok()
}

/// The choices of the "due within" filter, in days.
pub const DUE_WITHIN: [i64; 5] = [30, 60, 90, 180, 365];

/// `/renewals?due_within_days=&stage=&owner_id=&view=table`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenewalQuery {
    pub due_within_days: Option<i64>,
    pub stage: Option<RenewalStage>,
    pub owner_id: Option<i64>,
    /// The table instead of the board.
    pub table: bool,
}

impl RenewalQuery {
    pub fn from_search(search: &str) -> Self {
        RenewalQuery {
            due_within_days: parsed(search, "due_within_days").filter(|d: &i64| *d > 0),
            stage: parsed(search, "stage"),
            owner_id: parsed(search, "owner_id"),
            table: get_param(search, "view").as_deref() == Some("table"),
        }
    }

    fn filters(&self) -> QueryString {
        QueryString::new()
            .push_opt("due_within_days", self.due_within_days)
            .push_opt("stage", self.stage.map(|s| s.as_str()))
            .push_opt("owner_id", self.owner_id)
    }

    pub fn href(&self) -> String {
        let q = self
            .filters()
            .push_opt("view", self.table.then_some("table"));
        format!("/renewals{}", q.build())
    }

    /// The API's filter (the wire contract's type).
    pub fn filter(&self) -> shared::filters::RenewalFilter {
        shared::filters::RenewalFilter {
            due_within_days: self.due_within_days,
            stage: self.stage,
            owner_id: self.owner_id,
            account_id: None,
        }
    }

    /// The list's query (filters, page size, cursor).
    pub fn api_query(&self, limit: u64, cursor: Option<&str>) -> String {
        shared::filters::list_query(&self.filter(), Some(limit), cursor)
    }

    /// The totals' query: the same filters.
    pub fn totals_query(&self) -> String {
        shared::filters::list_query(&self.filter(), None, None)
    }

    pub fn is_unfiltered(&self) -> bool {
        RenewalQuery {
            table: false,
            ..self.clone()
        } == RenewalQuery::default()
    }
}

/// The stage a card's "advance" moves it to (`committed` goes on by
/// renewing, which creates the next contract).
pub fn next_stage(s: RenewalStage) -> Option<RenewalStage> {
    match s {
        RenewalStage::Upcoming => Some(RenewalStage::InNegotiation),
        RenewalStage::InNegotiation => Some(RenewalStage::Committed),
        _ => None,
    }
}

pub fn previous_stage(s: RenewalStage) -> Option<RenewalStage> {
    match s {
        RenewalStage::InNegotiation => Some(RenewalStage::Upcoming),
        RenewalStage::Committed => Some(RenewalStage::InNegotiation),
        _ => None,
    }
}

/// `(currency, count, forecast)` of one stage, per currency, as the server
/// summed them.
pub fn stage_totals(totals: &RenewalTotals, stage: RenewalStage) -> Vec<(String, u64, String)> {
    totals
        .totals
        .iter()
        .filter_map(|t| {
            let s = t.by_stage.iter().find(|s| s.stage == stage)?;
            Some((t.currency.clone(), s.count, s.forecast_amount.clone()))
        })
        .collect()
}

/// Reminder offsets typed as `90, 60, 30, 7` (commas, spaces or `、`):
/// whole days, largest first; `None` if a part is not a positive number.
/// The server checks the range and distinctness again.
pub fn parse_offsets(text: &str) -> Option<Vec<i32>> {
    let mut days = Vec::new();
    for part in text
        .split([',', '，', '、', ' '])
        .filter(|p| !p.trim().is_empty())
    {
        days.push(part.trim().parse::<i32>().ok().filter(|d| *d > 0)?);
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    (!days.is_empty()).then_some(days)
}

pub fn offsets_text(days: &[i32]) -> String {
    days.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Churn reasons typed one per line: trimmed, blank lines dropped.
pub fn reason_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The churn reasons the product names (codes on the wire), with their text.
pub const CHURN_REASONS: [(&str, Key); 7] = [
    ("price", Key::RnReasonPrice),
    ("budget", Key::RnReasonBudget),
    ("competitor", Key::RnReasonCompetitor),
    ("product_fit", Key::RnReasonProductFit),
    ("poor_adoption", Key::RnReasonPoorAdoption),
    ("business_closed", Key::RnReasonBusinessClosed),
    ("other", Key::RnReasonOther),
];

/// A churn reason as the reader says it: a known code in their language, a
/// workspace's own reason as typed.
pub fn churn_reason_label(code: &str, lang: Lang) -> String {
    CHURN_REASONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, key)| text(lang, *key).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The settings' reasons as the text area shows them: one label a line.
pub fn churn_reasons_text(codes: &[String], lang: Lang) -> String {
    codes
        .iter()
        .map(|c| churn_reason_label(c, lang))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text area's lines back as codes: a known label (in either language)
/// or code becomes its code; anything else is the workspace's own reason.
pub fn churn_reason_codes(text_area: &str) -> Vec<String> {
    reason_lines(text_area)
        .into_iter()
        .map(|line| {
            CHURN_REASONS
                .iter()
                .find(|(code, key)| {
                    *code == line
                        || Lang::ALL
                            .iter()
                            .any(|lang| text(*lang, *key) == line.as_str())
                })
                .map(|(code, _)| code.to_string())
                .unwrap_or(line)
        })
        .collect()
}

/// A renewal still open after its contract has ended: the most urgent.
pub fn is_overdue(
    due_on: chrono::NaiveDate,
    stage: RenewalStage,
    today: chrono::NaiveDate,
) -> bool {
    due_on < today && !matches!(stage, RenewalStage::Renewed | RenewalStage::Churned)
}

/// A whole number of days, 1 or more.
pub fn positive_days(text: &str) -> Option<i32> {
    text.trim().parse().ok().filter(|d| *d > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::contracts::{CurrencyTotal, StageTotal};

    #[test]
    fn filters_live_in_the_url() {
        let q = RenewalQuery::from_search("?due_within_days=90&stage=committed&owner_id=4");
        assert_eq!(q.due_within_days, Some(90));
        assert_eq!(q.stage, Some(RenewalStage::Committed));
        assert_eq!(q.owner_id, Some(4));
        assert!(!q.table);
        assert_eq!(
            q.href(),
            "/renewals?due_within_days=90&stage=committed&owner_id=4"
        );
        assert_eq!(
            q.api_query(200, Some("c")),
            "?due_within_days=90&stage=committed&owner_id=4&limit=200&cursor=c"
        );
        let t = RenewalQuery::from_search("view=table&stage=nope&due_within_days=-3");
        assert_eq!(
            t,
            RenewalQuery {
                table: true,
                ..RenewalQuery::default()
            }
        );
        assert!(t.is_unfiltered());
        assert_eq!(t.href(), "/renewals?view=table");
        assert_eq!(t.totals_query(), "");
        assert!(!q.is_unfiltered());
    }

    #[test]
    fn cards_move_one_open_stage_at_a_time() {
        use RenewalStage::*;
        assert_eq!(next_stage(Upcoming), Some(InNegotiation));
        assert_eq!(next_stage(InNegotiation), Some(Committed));
        assert_eq!(next_stage(Committed), None);
        assert_eq!(next_stage(Renewed), None);
        assert_eq!(previous_stage(Committed), Some(InNegotiation));
        assert_eq!(previous_stage(InNegotiation), Some(Upcoming));
        assert_eq!(previous_stage(Upcoming), None);
        assert_eq!(previous_stage(Churned), None);
    }

    #[test]
    fn stage_totals_are_the_servers_per_currency() {
        let totals = RenewalTotals {
            totals: vec![
                CurrencyTotal {
                    currency: "CNY".into(),
                    count: 3,
                    annual_value: "300.00".into(),
                    forecast_amount: "0.30".into(),
                    upsell_amount: "0.00".into(),
                    by_stage: vec![StageTotal {
                        stage: RenewalStage::Upcoming,
                        count: 2,
                        forecast_amount: "0.30".into(),
                    }],
                },
                CurrencyTotal {
                    currency: "USD".into(),
                    count: 1,
                    annual_value: "5.00".into(),
                    forecast_amount: "5.00".into(),
                    upsell_amount: "0.00".into(),
                    by_stage: vec![StageTotal {
                        stage: RenewalStage::Committed,
                        count: 1,
                        forecast_amount: "5.00".into(),
                    }],
                },
            ],
        };
        assert_eq!(
            stage_totals(&totals, RenewalStage::Upcoming),
            vec![("CNY".to_string(), 2, "0.30".to_string())]
        );
        assert_eq!(stage_totals(&totals, RenewalStage::Committed).len(), 1);
        assert!(stage_totals(&totals, RenewalStage::Churned).is_empty());
    }

    #[test]
    fn reminder_settings_are_read_from_text() {
        assert_eq!(parse_offsets("7, 90,30 60"), Some(vec![90, 60, 30, 7]));
        assert_eq!(parse_offsets("90，30、7"), Some(vec![90, 30, 7]));
        assert_eq!(parse_offsets(""), None);
        assert_eq!(parse_offsets("90, x"), None);
        assert_eq!(parse_offsets("0"), None);
        assert_eq!(offsets_text(&[90, 60]), "90, 60");
        assert_eq!(
            reason_lines(" price \n\nbudget\r\n"),
            vec!["price".to_string(), "budget".to_string()]
        );
        assert_eq!(positive_days(" 180 "), Some(180));
        assert_eq!(positive_days("0"), None);
        assert_eq!(positive_days("1.5"), None);
    }

    #[test]
    fn churn_reasons_are_edited_as_words_and_saved_as_codes() {
        let codes: Vec<String> = ["price", "competitor", "被集团统一采购"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let zh = churn_reasons_text(&codes, Lang::Zh);
        assert!(!zh.contains("price") && !zh.contains("competitor"), "{zh}");
        assert!(zh.contains("被集团统一采购"));
        assert_eq!(churn_reason_codes(&zh), codes);
        let en = churn_reasons_text(&codes, Lang::En);
        assert_eq!(churn_reason_codes(&en), codes);
        // Codes typed by hand still count as the reason they name.
        assert_eq!(churn_reason_codes("budget\n\n"), vec!["budget".to_string()]);
    }

    #[test]
    fn open_renewals_past_their_end_are_overdue() {
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        let today = day("2026-12-02");
        assert!(is_overdue(day("2026-12-01"), RenewalStage::Upcoming, today));
        assert!(is_overdue(
            day("2026-11-01"),
            RenewalStage::InNegotiation,
            today
        ));
        assert!(!is_overdue(
            day("2026-12-02"),
            RenewalStage::Upcoming,
            today
        ));
        assert!(!is_overdue(day("2026-11-01"), RenewalStage::Renewed, today));
        assert!(!is_overdue(day("2026-11-01"), RenewalStage::Churned, today));
    }
}
