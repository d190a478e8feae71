//! The portal's pure logic: when to ask the knowledge base for suggestions
//! while a ticket is typed, the query strings of the portal's lists, the
//! new-ticket and reply checks, and who may rate a ticket.

use std::time::Duration;

use shared::tickets::{
    PortalCreateTicketRequest, PortalTicket, SatisfactionRequest, TicketCategory, TicketPriority,
    TicketStatus,
};
use shared::validation::{self as rules, Collector};
use shared::ErpModule;

use super::forms::Verdict;

/// Suggestions wait this long after the last keystroke of the subject.
pub const SUGGEST_DEBOUNCE: Duration = Duration::from_millis(300);
/// Fewer characters than this ask nothing (one Chinese character is too vague).
pub const SUGGEST_MIN_CHARS: usize = 2;
/// How many suggestions the form shows.
pub const SUGGEST_LIMIT: u64 = 5;
pub use shared::tickets::MAX_BODY as MAX_TICKET_BODY;
/// The server's limits (`server/src/domain/tickets`).
pub use shared::tickets::MAX_SUBJECT;
pub const MAX_RATING_COMMENT: usize = 2_000;

/// The search text to suggest articles for, or `None` when the subject is
/// too short to be worth a request.
pub fn suggest_text(subject: &str) -> Option<String> {
    let text = subject.trim();
    (text.chars().count() >= SUGGEST_MIN_CHARS).then(|| {
        // The server refuses longer searches; the first words are enough.
        text.chars().take(shared::kb::MAX_QUERY_LEN).collect()
    })
}

/// `?limit=…&q=…&module=…&cursor=…` of `/portal/kb/search`.
pub fn kb_search_query(
    q: &str,
    module: Option<ErpModule>,
    limit: u64,
    cursor: Option<&str>,
) -> String {
    let filter = shared::filters::PortalKbFilter {
        q: super::query::non_blank(q),
        module,
        match_mode: None,
    };
    shared::filters::list_query(&filter, Some(limit), cursor)
}

/// The modules a customer may raise a ticket for: those their account
/// licenses, in the usual order; every module if none is recorded (an
/// account set up before its licence must still reach support).
pub fn ticket_modules(licensed: &[ErpModule]) -> Vec<ErpModule> {
    let offered: Vec<ErpModule> = ErpModule::ALL
        .iter()
        .copied()
        .filter(|m| licensed.contains(m))
        .collect();
    if offered.is_empty() {
        ErpModule::ALL.to_vec()
    } else {
        offered
    }
}

/// What the new-ticket form holds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    /// None until the customer picks one ("请选择").
    pub module: Option<ErpModule>,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub subject: String,
    pub description: String,
    /// Suggestions were on screen at some point while typing.
    pub suggestions_shown: bool,
    /// The customer opened one of them.
    pub article_opened: bool,
    /// The installation the ticket is about (one of the account's).
    pub installation_id: Option<i64>,
}

impl Default for NewTicket {
    fn default() -> Self {
        NewTicket {
            module: None,
            category: TicketCategory::Question,
            priority: TicketPriority::P3,
            subject: String::new(),
            description: String::new(),
            suggestions_shown: false,
            article_opened: false,
            installation_id: None,
        }
    }
}

impl NewTicket {
    /// The request, or the fields to fix (the server's own rules).
    pub fn request(&self) -> Result<PortalCreateTicketRequest, shared::FieldErrors> {
        let mut c = Collector::default();
        if self.module.is_none() {
            c.check("module", Err(rules::Invalid::Required));
        }
        c.check("subject", rules::required_text(&self.subject, MAX_SUBJECT))
            .check(
                "description",
                rules::optional_text(&self.description, MAX_TICKET_BODY),
            );
        c.finish()?;
        let Some(module) = self.module else {
            return Err(shared::FieldErrors::new());
        };
        Ok(PortalCreateTicketRequest {
            module,
            category: self.category,
            priority: self.priority,
            subject: self.subject.trim().to_string(),
            description: self.description.trim().to_string(),
            kb_suggestions_shown: self.suggestions_shown,
            // Opening implies they were shown.
            kb_article_opened: self.article_opened,
            installation_id: self.installation_id,
        })
    }
}

/// A reply must say something.
pub fn reply(body: &str) -> Verdict {
    let mut c = Collector::default();
    c.check("body", rules::required_text(body, MAX_TICKET_BODY));
    c.finish()
}

/// The rating to send: 1–5 and an optional comment (blank = none).
pub fn satisfaction(
    rating: Option<i32>,
    comment: &str,
) -> Result<SatisfactionRequest, shared::FieldErrors> {
    let mut c = Collector::default();
    let rating = rating.filter(|r| (1..=5).contains(r));
    if rating.is_none() {
        c.check("rating", Err(rules::Invalid::Required));
    }
    c.check("comment", rules::optional_text(comment, MAX_RATING_COMMENT));
    c.finish()?;
    let comment = comment.trim();
    Ok(SatisfactionRequest {
        rating: rating.unwrap_or(5),
        comment: (!comment.is_empty()).then(|| comment.to_string()),
    })
}

/// Resolved or closed: the work is done and may be rated.
pub fn is_done(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::Resolved | TicketStatus::Closed)
}

/// Whether `user_id` may rate the ticket now: it is done, not rated yet,
/// and they raised it (the server lets only the requester rate).
pub fn can_rate(ticket: &PortalTicket, user_id: Option<i64>) -> bool {
    is_done(ticket.status)
        && ticket.csat_rating.is_none()
        && user_id.is_some()
        && ticket.requester_user_id == user_id
}

/// `12.5 KB`, `3.1 MB`: an attachment's size.
pub fn file_size(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    if bytes < 1024.0 {
        format!("{bytes} B")
    } else if bytes < 1024.0 * 1024.0 {
        format!("{:.1} KB", bytes / 1024.0)
    } else {
        format!("{:.1} MB", bytes / 1024.0 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(status: TicketStatus, rating: Option<i32>, requester: Option<i64>) -> PortalTicket {
        PortalTicket {
            id: 1,
            number: 7,
            requester_user_id: requester,
            module: ErpModule::Sales,
            category: TicketCategory::Question,
            priority: TicketPriority::P3,
            status,
            subject: "销售订单无法审核".into(),
            description: String::new(),
            created_at: chrono::DateTime::default(),
            updated_at: chrono::DateTime::default(),
            resolved_at: None,
            csat_rating: rating,
            merged_into_id: None,
            merged_into_number: None,
            account_id: 1,
            account_name: "华强电子".into(),
            read_only: false,
        }
    }

    #[test]
    fn suggestions_start_at_two_characters_chinese_included() {
        assert_eq!(suggest_text(""), None);
        assert_eq!(suggest_text("  审 "), None);
        assert_eq!(suggest_text(" 审核 ").as_deref(), Some("审核"));
        assert_eq!(suggest_text("ab").as_deref(), Some("ab"));
        let long = "字".repeat(500);
        assert_eq!(
            suggest_text(&long).map(|t| t.chars().count()),
            Some(shared::kb::MAX_QUERY_LEN)
        );
    }

    #[test]
    fn search_queries_carry_text_module_and_cursor() {
        assert_eq!(kb_search_query(" ", None, 5, None), "?limit=5");
        assert_eq!(
            kb_search_query("订单 审核", Some(ErpModule::Sales), 20, Some("c")),
            "?q=%E8%AE%A2%E5%8D%95+%E5%AE%A1%E6%A0%B8&module=sales&limit=20&cursor=c"
        );
    }

    #[test]
    fn new_tickets_need_a_subject_and_record_the_suggestions() {
        let mut form = NewTicket::default();
        let fields = form.request().unwrap_err();
        assert!(fields.contains_key("subject"));
        // No module is chosen for the customer.
        assert!(fields.contains_key("module"));
        form.module = Some(ErpModule::Finance);
        form.subject = "  应收款对账不平 ".into();
        form.description = " 详见附件 ".into();
        form.suggestions_shown = true;
        form.article_opened = true;
        let req = form.request().unwrap();
        assert_eq!(req.subject, "应收款对账不平");
        assert_eq!(req.description, "详见附件");
        assert!(req.kb_suggestions_shown && req.kb_article_opened);
        form.subject = "x".repeat(MAX_SUBJECT + 1);
        assert!(form.request().unwrap_err().contains_key("subject"));
    }

    #[test]
    fn only_licensed_modules_are_offered() {
        use ErpModule::*;
        assert_eq!(ticket_modules(&[Finance, Sales]), vec![Sales, Finance]);
        assert_eq!(ticket_modules(&[]), ErpModule::ALL.to_vec());
    }

    #[test]
    fn replies_must_not_be_blank() {
        assert!(reply("  ").unwrap_err().contains_key("body"));
        assert_eq!(reply("谢谢"), Ok(()));
    }

    #[test]
    fn ratings_are_one_to_five_with_an_optional_comment() {
        assert!(satisfaction(None, "").unwrap_err().contains_key("rating"));
        assert!(satisfaction(Some(0), "").is_err());
        assert!(satisfaction(Some(6), "").is_err());
        let req = satisfaction(Some(4), "  ").unwrap();
        assert_eq!((req.rating, req.comment), (4, None));
        let req = satisfaction(Some(1), " 太慢 ").unwrap();
        assert_eq!(req.comment.as_deref(), Some("太慢"));
        let long = "好".repeat(MAX_RATING_COMMENT + 1);
        assert!(satisfaction(Some(5), &long)
            .unwrap_err()
            .contains_key("comment"));
    }

    #[test]
    fn only_the_requester_rates_a_done_unrated_ticket() {
        use TicketStatus::*;
        assert!(can_rate(&ticket(Resolved, None, Some(3)), Some(3)));
        assert!(can_rate(&ticket(Closed, None, Some(3)), Some(3)));
        assert!(!can_rate(&ticket(Open, None, Some(3)), Some(3)));
        assert!(!can_rate(&ticket(Resolved, Some(5), Some(3)), Some(3)));
        assert!(!can_rate(&ticket(Resolved, None, Some(3)), Some(4)));
        assert!(!can_rate(&ticket(Resolved, None, None), None));
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(file_size(512), "512 B");
        assert_eq!(file_size(2048), "2.0 KB");
        assert_eq!(file_size(3 * 1024 * 1024 + 100_000), "3.1 MB");
    }
}
