//! The staff ticket pages' logic: the queue's filters and saved views (in
//! the URL and in API query strings), the SLA countdown, the status changes
//! staff may make, and reading a blocker reference.

use chrono::{DateTime, Utc};
use shared::service_report::SlaOutcome;
use shared::tickets::{Ticket, TicketPriority, TicketStatus};
use shared::validation::{self as rules, Collector, Invalid};
use shared::{ErpModule, FieldErrors};

use super::query::{get_param, QueryString};
use crate::i18n::Lang;

/// "Breaching soon": targets due within four hours.
pub const BREACHING_SOON_MINUTES: i64 = 240;

/// The queue's filters, as the URL (`/tickets?…`) and the API both name them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TicketQuery {
    pub status: Option<TicketStatus>,
    pub module: Option<ErpModule>,
    pub priority: Option<TicketPriority>,
    pub assignee_id: Option<i64>,
    pub account_id: Option<i64>,
    /// Only tickets without an assignee.
    pub unassigned: bool,
    pub breached: Option<bool>,
    /// Minutes: only tickets whose next target is due this soon.
    pub due_within: Option<i64>,
    /// Only tickets logged outside (true) or within (false) the agreement.
    pub outside_agreement: Option<bool>,
    /// Only tickets opened on an installation at this version.
    pub version: Option<String>,
    /// The service report's figures (`/reports/service`) open these.
    pub report: ReportFilters,
}

/// The filters a service report figure opens the queue with.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ReportFilters {
    pub level: Option<String>,
    pub opened_from: Option<DateTime<Utc>>,
    pub opened_before: Option<DateTime<Utc>>,
    pub resolved_from: Option<DateTime<Utc>>,
    pub resolved_before: Option<DateTime<Utc>>,
    pub first_response: Option<SlaOutcome>,
    pub resolution: Option<SlaOutcome>,
    pub rated: Option<bool>,
    /// The service centre link whose escalated tickets these are.
    pub centre_id: Option<i64>,
}

impl ReportFilters {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn instant(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn parsed<T: std::str::FromStr>(search: &str, key: &str) -> Option<T> {
    get_param(search, key)?.trim().parse().ok()
}

impl TicketQuery {
    /// Reads the filters of a `?…` string; unknown or malformed values are
    /// ignored (a hand-edited URL still opens the queue).
    pub fn from_search(search: &str) -> Self {
        let assignee_id = parsed(search, "assignee_id");
        Self {
            status: parsed(search, "status"),
            module: parsed(search, "module"),
            priority: parsed(search, "priority"),
            assignee_id,
            account_id: parsed(search, "account_id"),
            unassigned: assignee_id.is_none() && parsed(search, "unassigned") == Some(true),
            breached: parsed(search, "breached"),
            due_within: parsed(search, "due_within").filter(|m: &i64| *m > 0),
            outside_agreement: parsed(search, "outside_agreement"),
            report: ReportFilters {
                level: get_param(search, "level").filter(|l| !l.trim().is_empty()),
                opened_from: parsed(search, "opened_from"),
                opened_before: parsed(search, "opened_before"),
                resolved_from: parsed(search, "resolved_from"),
                resolved_before: parsed(search, "resolved_before"),
                first_response: parsed(search, "first_response"),
                resolution: parsed(search, "resolution"),
                rated: parsed(search, "rated"),
                centre_id: parsed(search, "centre_id"),
            },
            version: get_param(search, "version")
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
        }
    }

    fn pairs(&self) -> QueryString {
        QueryString::new()
            .push_opt("status", self.status.map(|s| s.as_str()))
            .push_opt("module", self.module.map(|m| m.as_str()))
            .push_opt("priority", self.priority.map(|p| p.as_str()))
            .push_opt("assignee_id", self.assignee_id)
            .push_opt("account_id", self.account_id)
            .push_opt("unassigned", self.unassigned.then_some("true"))
            .push_opt("breached", self.breached)
            .push_opt("due_within", self.due_within)
            .push_opt("outside_agreement", self.outside_agreement)
            .push_opt("level", self.report.level.clone())
            .push_opt("opened_from", instant(self.report.opened_from))
            .push_opt("opened_before", instant(self.report.opened_before))
            .push_opt("resolved_from", instant(self.report.resolved_from))
            .push_opt("resolved_before", instant(self.report.resolved_before))
            .push_opt(
                "first_response",
                self.report.first_response.map(|o| o.as_str()),
            )
            .push_opt("resolution", self.report.resolution.map(|o| o.as_str()))
            .push_opt("rated", self.report.rated)
            .push_opt("centre_id", self.report.centre_id)
            .push_opt("version", self.version.as_deref())
    }

    /// The queue's URL for these filters.
    pub fn href(&self) -> String {
        format!("/tickets{}", self.pairs().build())
    }

    /// The API's filter (the wire contract's type).
    pub fn filter(&self) -> shared::filters::TicketFilter {
        shared::filters::TicketFilter {
            status: self.status,
            module: self.module,
            priority: self.priority,
            assignee_id: self.assignee_id,
            account_id: self.account_id,
            unassigned: self.unassigned.then_some(true),
            breached: self.breached,
            due_within: self.due_within,
            outside_agreement: self.outside_agreement,
            level: self.report.level.clone(),
            opened_from: self.report.opened_from,
            opened_before: self.report.opened_before,
            resolved_from: self.report.resolved_from,
            resolved_before: self.report.resolved_before,
            first_response: self.report.first_response,
            resolution: self.report.resolution,
            rated: self.report.rated,
            version: self.version.clone(),
            centre_id: self.report.centre_id,
        }
    }

    /// The API's query string (filters, page size, cursor).
    pub fn api_query(&self, limit: u64, cursor: Option<&str>) -> String {
        shared::filters::list_query(&self.filter(), Some(limit), cursor)
    }

    pub fn is_unfiltered(&self) -> bool {
        *self == Self::default()
    }

    /// The assignee filter as one select value: "" (anyone), "none"
    /// (unassigned) or a user id.
    pub fn assignee_value(&self) -> String {
        match (self.unassigned, self.assignee_id) {
            (true, _) => "none".into(),
            (false, Some(id)) => id.to_string(),
            (false, None) => String::new(),
        }
    }

    pub fn set_assignee_value(&mut self, value: &str) {
        self.unassigned = value == "none";
        self.assignee_id = value.parse().ok();
    }
}

/// The queue's saved views (tabs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueView {
    All,
    Mine,
    Unassigned,
    BreachingSoon,
}

impl QueueView {
    pub const ALL: [QueueView; 4] = [
        QueueView::All,
        QueueView::Mine,
        QueueView::Unassigned,
        QueueView::BreachingSoon,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            QueueView::All => "all",
            QueueView::Mine => "mine",
            QueueView::Unassigned => "unassigned",
            QueueView::BreachingSoon => "breaching-soon",
        }
    }

    /// The filters of the view; `me` is the signed-in user.
    pub fn query(self, me: Option<i64>) -> TicketQuery {
        let mut q = TicketQuery::default();
        match self {
            QueueView::All => {}
            QueueView::Mine => q.assignee_id = me,
            QueueView::Unassigned => q.unassigned = true,
            QueueView::BreachingSoon => q.due_within = Some(BREACHING_SOON_MINUTES),
        }
        q
    }

    /// The view whose filters are exactly `q`, if any.
    pub fn of(q: &TicketQuery, me: Option<i64>) -> Option<QueueView> {
        QueueView::ALL
            .into_iter()
            .filter(|v| *v != QueueView::Mine || me.is_some())
            .find(|v| v.query(me) == *q)
    }
}

/// Where a ticket's resolution clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Countdown {
    /// Resolved or closed: no clock.
    Stopped,
    Paused,
    /// Minutes left.
    Left(i64),
    /// Minutes past the due time.
    Overdue(i64),
}

/// The countdown to `due` (wall-clock minutes, rounded towards the due time).
pub fn countdown(due: DateTime<Utc>, paused: bool, now: DateTime<Utc>) -> Countdown {
    if paused {
        return Countdown::Paused;
    }
    let secs = (due - now).num_seconds();
    if secs >= 0 {
        Countdown::Left(secs / 60)
    } else {
        Countdown::Overdue((-secs + 59) / 60)
    }
}

/// The queue's SLA column: time to resolution.
pub fn resolution_countdown(t: &Ticket, now: DateTime<Utc>) -> Countdown {
    if matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed) {
        return Countdown::Stopped;
    }
    countdown(t.resolution_due_at, t.sla_paused, now)
}

/// Time to the first response, while there is none.
pub fn first_response_countdown(t: &Ticket, now: DateTime<Utc>) -> Countdown {
    if t.first_responded_at.is_some()
        || matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed)
    {
        return Countdown::Stopped;
    }
    countdown(t.first_response_due_at, t.sla_paused, now)
}

/// Which SLA target a ticket works towards next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaTarget {
    FirstResponse,
    Resolution,
}

/// The next target and its clock: the first response while the ticket is
/// unanswered, the resolution after. The queue shows this one, the deadline
/// the "breaching soon" view filters on.
pub fn next_target_countdown(t: &Ticket, now: DateTime<Utc>) -> (SlaTarget, Countdown) {
    if t.first_responded_at.is_none()
        && !matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed)
    {
        (SlaTarget::FirstResponse, first_response_countdown(t, now))
    } else {
        (SlaTarget::Resolution, resolution_countdown(t, now))
    }
}

/// A missed target (recorded by the server), or a running clock past due.
pub fn is_breached(t: &Ticket, now: DateTime<Utc>) -> bool {
    t.first_response_breached_at.is_some()
        || t.resolution_breached_at.is_some()
        || matches!(resolution_countdown(t, now), Countdown::Overdue(_))
}

/// `2h 15m`, `3d 4h`, `45m` / `2小时15分`, `3天4小时`, `45分钟`.
pub fn format_minutes(minutes: i64, lang: Lang) -> String {
    let minutes = minutes.max(0);
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let (ud, uh, um, um_alone) = match lang {
        Lang::En => ("d", "h", "m", "m"),
        Lang::Zh => ("天", "小时", "分", "分钟"),
    };
    let sep = if lang == Lang::En { " " } else { "" };
    match (d, h, m) {
        (0, 0, m) => format!("{m}{um_alone}"),
        (0, h, 0) => format!("{h}{uh}"),
        (0, h, m) => format!("{h}{uh}{sep}{m}{um}"),
        (d, 0, _) => format!("{d}{ud}"),
        (d, h, _) => format!("{d}{ud}{sep}{h}{uh}"),
    }
}

/// The countdown as the queue shows it: `2h 15m left`, `overdue 1h`,
/// `paused`, or `—` once resolved.
pub fn format_countdown(c: Countdown, lang: Lang) -> String {
    match (c, lang) {
        (Countdown::Stopped, _) => "—".into(),
        (Countdown::Paused, Lang::En) => "paused".into(),
        (Countdown::Paused, Lang::Zh) => "已暂停".into(),
        (Countdown::Left(m), Lang::En) => format!("{} left", format_minutes(m, lang)),
        (Countdown::Left(m), Lang::Zh) => format!("剩余 {}", format_minutes(m, lang)),
        (Countdown::Overdue(m), Lang::En) => format!("overdue {}", format_minutes(m, lang)),
        (Countdown::Overdue(m), Lang::Zh) => format!("超时 {}", format_minutes(m, lang)),
    }
}

/// The statuses staff may move a ticket to from `from` (the shared
/// transition table, which the server enforces too).
pub fn next_statuses(from: TicketStatus) -> Vec<TicketStatus> {
    TicketStatus::ALL
        .iter()
        .copied()
        .filter(|to| *to != from && from.transition(*to).is_ok())
        .collect()
}

/// The server's limits (subject; description and comment bodies).
pub use shared::tickets::{MAX_BODY, MAX_SUBJECT};

/// The staff new-ticket form's rules (the server's, checked early).
pub fn check_new_ticket(
    account_id: Option<i64>,
    module: &str,
    subject: &str,
    description: &str,
) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    let chosen = |ok: bool| if ok { Ok(()) } else { Err(Invalid::Required) };
    c.check("account_id", chosen(account_id.is_some()))
        .check("module", chosen(module.parse::<ErpModule>().is_ok()))
        .check("subject", rules::required_text(subject, MAX_SUBJECT))
        .check("description", rules::optional_text(description, MAX_BODY));
    c.finish()
}

/// A comment, an escalation reason or a rejection comment must say something.
pub fn check_text(field: &str, text: &str, max: usize) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check(field, rules::required_text(text, max));
    c.finish()
}

/// A blocking ticket typed as `42` or `#42` (its id).
pub fn parse_ticket_ref(text: &str) -> Option<i64> {
    text.trim()
        .trim_start_matches('#')
        .trim()
        .parse()
        .ok()
        .filter(|id| *id > 0)
}

/// Escalation is possible below the top tier, before resolution.
pub fn can_escalate(t: &Ticket) -> bool {
    t.tier < shared::tickets::MAX_TIER
        && !matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed)
}

/// A resolved (or closed) ticket can become a KB article.
pub fn can_draft_article(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::Resolved | TicketStatus::Closed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use shared::tickets::TicketCategory;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    fn ticket() -> Ticket {
        Ticket {
            id: 1,
            number: 1001,
            account_id: 3,
            requester_user_id: None,
            created_by_user_id: 1,
            module: ErpModule::Finance,
            category: TicketCategory::Question,
            priority: TicketPriority::P2,
            status: TicketStatus::Open,
            tier: 1,
            assignee_id: None,
            subject: "凭证无法过账".into(),
            description: String::new(),
            service_level: "gold".into(),
            first_response_due_at: at(60),
            resolution_due_at: at(135),
            first_responded_at: None,
            resolved_at: None,
            closed_at: None,
            sla_paused: false,
            first_response_breached_at: None,
            resolution_breached_at: None,
            csat_rating: None,
            csat_comment: None,
            kb_suggestions_shown: false,
            kb_article_opened: false,
            created_at: at(0),
            updated_at: at(0),
            version: 1,
            follow_up_of: None,
            merged_into_id: None,
            outside_agreement: false,
            installation_id: None,
            installed_version: None,
        }
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let q = TicketQuery {
            status: Some(TicketStatus::PendingCustomer),
            module: Some(ErpModule::Finance),
            priority: Some(TicketPriority::P1),
            assignee_id: Some(7),
            account_id: Some(12),
            unassigned: false,
            breached: Some(false),
            due_within: None,
            outside_agreement: Some(true),
            report: ReportFilters::default(),
            version: Some("V15.1 SP1".into()),
        };
        assert_eq!(
            q.href(),
            "/tickets?status=pending_customer&module=finance&priority=p1&assignee_id=7&account_id=12&breached=false&outside_agreement=true&version=V15.1%20SP1"
        );
        let search = q.href().trim_start_matches("/tickets").to_string();
        assert_eq!(TicketQuery::from_search(&search), q);
        assert_eq!(TicketQuery::default().href(), "/tickets");
        assert!(TicketQuery::from_search("").is_unfiltered());
    }

    #[test]
    fn the_service_reports_filters_round_trip_through_the_url() {
        use chrono::TimeZone;
        let q = TicketQuery {
            report: ReportFilters {
                level: Some("标准服务".into()),
                opened_from: Some(Utc.with_ymd_and_hms(2027, 2, 28, 16, 0, 0).unwrap()),
                opened_before: Some(Utc.with_ymd_and_hms(2027, 3, 31, 16, 0, 0).unwrap()),
                first_response: Some(SlaOutcome::Breached),
                rated: Some(true),
                ..ReportFilters::default()
            },
            ..TicketQuery::default()
        };
        let href = q.href();
        assert!(
            href.contains("opened_from=2027-02-28T16%3A00%3A00Z")
                || href.contains("opened_from=2027-02-28T16:00:00Z"),
            "{href}"
        );
        assert!(href.contains("first_response=breached"), "{href}");
        let search = href.trim_start_matches("/tickets").to_string();
        assert_eq!(TicketQuery::from_search(&search), q);
        assert_eq!(q.filter().first_response, Some(SlaOutcome::Breached));
    }

    #[test]
    fn bad_url_values_are_ignored() {
        let q = TicketQuery::from_search("?status=bogus&priority=p9&assignee_id=x&due_within=-5");
        assert!(q.is_unfiltered());
        let q = TicketQuery::from_search("?unassigned=true&breached=true&due_within=240");
        assert!(q.unassigned);
        assert_eq!(q.breached, Some(true));
        assert_eq!(q.due_within, Some(240));
    }

    #[test]
    fn api_query_adds_limit_and_cursor() {
        let q = QueueView::BreachingSoon.query(None);
        assert_eq!(q.api_query(50, None), "?due_within=240&limit=50");
        let q = QueueView::Unassigned.query(None);
        assert_eq!(
            q.api_query(50, Some("c=")),
            "?unassigned=true&limit=50&cursor=c%3D"
        );
    }

    #[test]
    fn views_are_recognised_from_their_filters() {
        let me = Some(4);
        for v in QueueView::ALL {
            assert_eq!(QueueView::of(&v.query(me), me), Some(v));
        }
        assert_eq!(QueueView::Mine.query(me).href(), "/tickets?assignee_id=4");
        let mut q = QueueView::Mine.query(me);
        q.priority = Some(TicketPriority::P1);
        assert_eq!(QueueView::of(&q, me), None);
        // Someone else's tickets are not "mine".
        assert_eq!(QueueView::of(&QueueView::Mine.query(Some(9)), me), None);
    }

    #[test]
    fn the_assignee_select_covers_anyone_none_and_a_user() {
        let mut q = TicketQuery::default();
        assert_eq!(q.assignee_value(), "");
        q.set_assignee_value("none");
        assert!(q.unassigned && q.assignee_id.is_none());
        assert_eq!(q.assignee_value(), "none");
        q.set_assignee_value("8");
        assert!(!q.unassigned);
        assert_eq!(q.assignee_id, Some(8));
        q.set_assignee_value("");
        assert!(q.is_unfiltered());
    }

    #[test]
    fn countdowns_read_simply() {
        let t = ticket();
        let c = resolution_countdown(&t, at(0));
        assert_eq!(c, Countdown::Left(135));
        assert_eq!(format_countdown(c, Lang::En), "2h 15m left");
        assert_eq!(format_countdown(c, Lang::Zh), "剩余 2小时15分");
        let c = resolution_countdown(&t, at(195));
        assert_eq!(c, Countdown::Overdue(60));
        assert_eq!(format_countdown(c, Lang::En), "overdue 1h");
        assert_eq!(format_countdown(c, Lang::Zh), "超时 1小时");
        assert!(is_breached(&t, at(195)));
        assert!(!is_breached(&t, at(0)));

        let mut paused = t.clone();
        paused.sla_paused = true;
        assert_eq!(
            format_countdown(resolution_countdown(&paused, at(500)), Lang::En),
            "paused"
        );
        let mut done = t.clone();
        done.status = TicketStatus::Resolved;
        assert_eq!(resolution_countdown(&done, at(500)), Countdown::Stopped);
        assert!(!is_breached(&done, at(500)));
        done.resolution_breached_at = Some(at(136));
        assert!(is_breached(&done, at(500)));
    }

    #[test]
    fn first_response_stops_once_answered() {
        let mut t = ticket();
        assert_eq!(first_response_countdown(&t, at(30)), Countdown::Left(30));
        t.first_responded_at = Some(at(10));
        assert_eq!(first_response_countdown(&t, at(30)), Countdown::Stopped);
    }

    #[test]
    fn partial_minutes_round_towards_the_due_time() {
        let due = at(10);
        assert_eq!(
            countdown(due, false, due - Duration::seconds(90)),
            Countdown::Left(1)
        );
        assert_eq!(
            countdown(due, false, due + Duration::seconds(30)),
            Countdown::Overdue(1)
        );
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(format_minutes(0, Lang::En), "0m");
        assert_eq!(format_minutes(45, Lang::En), "45m");
        assert_eq!(format_minutes(45, Lang::Zh), "45分钟");
        assert_eq!(format_minutes(120, Lang::En), "2h");
        assert_eq!(format_minutes(3 * 1440 + 250, Lang::En), "3d 4h");
        assert_eq!(format_minutes(2 * 1440 + 5, Lang::Zh), "2天");
        assert_eq!(format_minutes(1440 + 60, Lang::Zh), "1天1小时");
    }

    #[test]
    fn only_allowed_transitions_are_offered() {
        use TicketStatus::*;
        assert_eq!(
            next_statuses(New),
            vec![Open, PendingCustomer, Resolved, Closed]
        );
        assert_eq!(next_statuses(Resolved), vec![Open, Closed]);
        assert!(next_statuses(Closed).is_empty());
        assert!(next_statuses(Blocked).is_empty());
        assert!(next_statuses(AwaitingApproval).is_empty());
        assert!(!next_statuses(Open).contains(&Blocked));
    }

    #[test]
    fn new_tickets_need_an_account_a_module_and_a_subject() {
        let fields = check_new_ticket(None, "", " ", "").unwrap_err();
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            vec!["account_id", "module", "subject"]
        );
        assert!(check_new_ticket(Some(1), "finance", "凭证无法过账", "").is_ok());
        let long = "字".repeat(MAX_SUBJECT + 1);
        assert!(check_new_ticket(Some(1), "finance", &long, "")
            .unwrap_err()
            .contains_key("subject"));
        assert!(check_text("body", "  ", MAX_BODY).is_err());
        assert!(check_text("body", "好的", MAX_BODY).is_ok());
    }

    #[test]
    fn history_entries_read_as_the_shared_typed_changes() {
        use shared::tickets::{TicketChange, TicketEvent};
        let body = r#"[
            {"id":1,"actor_id":null,"kind":"created","detail":{"assignee_id":4,"tier":1,"service_level":"gold"},"at":"2024-03-05T01:00:00Z"},
            {"id":2,"actor_id":4,"kind":"status","detail":{"from":"new","to":"open"},"at":"2024-03-05T02:00:00Z"},
            {"id":3,"actor_id":4,"kind":"assigned","detail":{"from":null,"to":7},"at":"2024-03-05T03:00:00Z"},
            {"id":4,"actor_id":4,"kind":"escalated","detail":{"from_tier":1,"to_tier":2,"reason":"急","assignee_id":null},"at":"2024-03-05T04:00:00Z"},
            {"id":5,"actor_id":4,"kind":"comment","detail":{"comment_id":9,"internal":true},"at":"2024-03-05T05:00:00Z"}
        ]"#;
        let events: Vec<TicketEvent> = serde_json::from_str(body).unwrap();
        assert_eq!(events.len(), 5);
        assert!(matches!(
            events[0].change,
            TicketChange::Created { tier: 1, .. }
        ));
        assert!(matches!(
            events[1].change,
            TicketChange::Status {
                from: TicketStatus::New,
                to: TicketStatus::Open,
                ..
            }
        ));
        assert!(matches!(
            events[2].change,
            TicketChange::Assigned {
                from: None,
                to: Some(7)
            }
        ));
        assert!(matches!(
            events[4].change,
            TicketChange::Comment { internal: true, .. }
        ));
    }

    #[test]
    fn blocker_references_accept_a_hash() {
        assert_eq!(parse_ticket_ref(" #42 "), Some(42));
        assert_eq!(parse_ticket_ref("42"), Some(42));
        assert_eq!(parse_ticket_ref("# 7"), Some(7));
        assert_eq!(parse_ticket_ref("abc"), None);
        assert_eq!(parse_ticket_ref("0"), None);
        assert_eq!(parse_ticket_ref(""), None);
    }

    #[test]
    fn escalation_and_articles_follow_the_status() {
        let mut t = ticket();
        assert!(can_escalate(&t));
        t.tier = 3;
        assert!(!can_escalate(&t));
        t.tier = 2;
        t.status = TicketStatus::Resolved;
        assert!(!can_escalate(&t));
        assert!(can_draft_article(TicketStatus::Resolved));
        assert!(can_draft_article(TicketStatus::Closed));
        assert!(!can_draft_article(TicketStatus::Open));
    }

    #[test]
    fn the_queue_counts_down_to_the_next_target() {
        let now = Utc::now();
        let mut t = ticket();
        t.status = TicketStatus::Open;
        t.first_responded_at = None;
        t.sla_paused = false;
        t.first_response_due_at = now + chrono::Duration::minutes(30);
        t.resolution_due_at = now + chrono::Duration::minutes(600);
        let (target, clock) = next_target_countdown(&t, now);
        assert_eq!(target, SlaTarget::FirstResponse);
        assert_eq!(clock, countdown(t.first_response_due_at, false, now));
        t.first_responded_at = Some(now);
        let (target, clock) = next_target_countdown(&t, now);
        assert_eq!(target, SlaTarget::Resolution);
        assert_eq!(clock, countdown(t.resolution_due_at, false, now));
    }
}
