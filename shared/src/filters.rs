//! The query strings of the lists: what each list endpoint accepts after
//! `?`, as one type per list. The server reads them (`web::Query`), the SPA
//! writes them with [`ToQuery::to_query`], so a key's name and a value's
//! wire form are defined once, here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::approvals::ApprovalStatus;
use crate::contracts::RenewalStage;
use crate::kb::{KbStatus, KbVisibility, MatchMode};
use crate::macros::MacroScope;
use crate::onboarding::PlanStatus;
use crate::service_report::SlaOutcome;
use crate::tasks::{TaskSource, TaskState};
use crate::tickets::{TicketPriority, TicketStatus};
use crate::{ErpModule, LifecycleStage, Role};

/// Writes a filter as a query string: `status=open&module=finance`, absent
/// fields left out, values in their wire form and percent-encoded.
pub trait ToQuery: Serialize {
    fn to_query(&self) -> String {
        // Every filter is a flat struct of strings, numbers, booleans, dates
        // and vocabularies, which always serialise.
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// A list request's whole query string, `?` included (empty when nothing
/// is set): the filter's fields, then the page's `limit` and `cursor`.
pub fn list_query(filter: &impl ToQuery, limit: Option<u64>, cursor: Option<&str>) -> String {
    let page = PageQuery {
        limit,
        cursor: cursor.map(str::to_string),
    };
    let parts: Vec<String> = [filter.to_query(), page.to_query()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// `?limit=&cursor=` of every keyset-paginated list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct PageQuery {
    /// Page size, 1–200 (default 50); anything else is refused with 422.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
impl ToQuery for PageQuery {}

/// The staff ticket queue (`GET /tickets`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct TicketFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TicketStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<ErpModule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<TicketPriority>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    /// `true`: only tickets without an assignee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unassigned: Option<bool>,
    /// `true`: only tickets that missed a first-response or resolution
    /// target; `false`: only tickets that missed neither.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breached: Option<bool>,
    /// Minutes (1 to 10080): only "breaching soon" tickets, those whose
    /// clock runs (status new or open) and whose next target, first response
    /// while unanswered or else resolution, falls within this many minutes
    /// from now and has not been missed yet.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 10080))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_within: Option<i64>,
    /// `true`: only tickets logged outside the account's agreement;
    /// `false`: only those within it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outside_agreement: Option<bool>,
    // The service report's figures open these (`service_report`).
    /// A service level's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Only tickets opened at or after this instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opened_from: Option<DateTime<Utc>>,
    /// Only tickets opened before this instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opened_before: Option<DateTime<Utc>>,
    /// Only tickets resolved at or after this instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_from: Option<DateTime<Utc>>,
    /// Only tickets resolved before this instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_before: Option<DateTime<Utc>>,
    /// The first-response SLA's outcome (`met`, `breached`); tickets
    /// outside agreement have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_response: Option<SlaOutcome>,
    /// The resolution SLA's outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<SlaOutcome>,
    /// `true`: only tickets the customer rated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rated: Option<bool>,
    /// Only tickets that named an installation running this version when
    /// they were opened (exactly as the installation spelled it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Only tickets an authorised service centre escalated to this
    /// workspace through this link (`/service-centres/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub centre_id: Option<i64>,
}
impl ToQuery for TicketFilter {}

/// `GET /accounts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct AccountFilter {
    /// Name or customer code contains (case-insensitive; Chinese works).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<LifecycleStage>,
    /// Include archived accounts (default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_archived: Option<bool>,
    /// Only these accounts: their ids, comma-separated, at most 200 (a
    /// client naming the accounts of a page of tickets it lists).
    #[cfg_attr(
        feature = "openapi",
        param(pattern = "^[0-9]{1,19}(,[0-9]{1,19}){0,199}$")
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<String>,
}
impl ToQuery for AccountFilter {}

/// `GET /accounts/{id}/timeline`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct TimelineFilter {
    /// Only entries of these kinds, comma-separated (e.g.
    /// `call,meeting,email_sent`); an unknown kind is refused with 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}
impl ToQuery for TimelineFilter {}

impl TimelineFilter {
    /// The kinds asked for (none: every kind), or the field error.
    pub fn kinds(&self) -> Result<Vec<crate::timeline::TimelineKind>, String> {
        crate::timeline::parse_kinds(self.kind.as_deref().unwrap_or(""))
    }
}

/// `GET /users`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct UserFilter {
    /// Name or e-mail contains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}
impl ToQuery for UserFilter {}

/// `GET /macros`: the reader's personal macros and the workspace's shared
/// ones, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct MacroFilter {
    /// Name or reply text contains (case-insensitive; Chinese works), at
    /// most 200 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only `personal` or only `shared` macros.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<MacroScope>,
}
impl ToQuery for MacroFilter {}

/// `GET /tasks`: soonest due first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct TaskFilter {
    /// Only this staff member's tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    /// Defaults to every status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<TaskSource>,
    /// Only the tasks of this playbook run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playbook_run_id: Option<i64>,
    /// Only tasks due before this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_before: Option<DateTime<Utc>>,
}
impl ToQuery for TaskFilter {}

/// `GET /audit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct AuditFilter {
    /// `user`, `account`, `contact` or `workspace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<i64>,
    /// What was done: `create`, `update`, `archive`, `restore`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}
impl ToQuery for AuditFilter {}

/// `GET /approvals`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ApprovalFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ApprovalStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<i64>,
}
impl ToQuery for ApprovalFilter {}

/// `GET /kb/articles` (staff).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct KbFilter {
    /// Words that must all occur in the title, body or FAQ (Chinese is
    /// segmented into words: `订单变更` finds `客户订单变更单`), best match
    /// (BM25, title first) first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<ErpModule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<KbVisibility>,
    /// Default: every status but `archived`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<KbStatus>,
    /// `all` (default): every word must occur. `any`: any word suffices.
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(rename = "match"))]
    pub match_mode: Option<MatchMode>,
}
impl ToQuery for KbFilter {}

/// `GET /portal/kb/articles`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct PortalKbFilter {
    /// A question or sentence as a customer types it (`月末结账时凭证无法过账`),
    /// segmented into words; the best matches (BM25, title first) first.
    /// Blank: the newest articles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// With `q`: articles of this module rank higher (others still come).
    /// Without: only this module's articles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<ErpModule>,
    /// `any` (default): articles sharing any word with `q`, those sharing
    /// more and rarer words first. `all`: every word must occur.
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(rename = "match"))]
    pub match_mode: Option<MatchMode>,
}
impl ToQuery for PortalKbFilter {}

/// `GET /trainings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct TrainingFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trainer_id: Option<i64>,
    /// Sessions starting at or after this instant (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    /// Sessions starting before this instant (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<DateTime<Utc>>,
    /// Include cancelled sessions (default `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_cancelled: Option<bool>,
}
impl ToQuery for TrainingFilter {}

/// `GET /contracts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ContractFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    /// The account's owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    /// Against the workspace's today (`upcoming`, `running`, `ended`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<crate::contracts::ContractStatus>,
    /// Ends (is up for renewal) on or after this day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_from: Option<NaiveDate>,
    /// Ends (is up for renewal) on or before this day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_to: Option<NaiveDate>,
}
impl ToQuery for ContractFilter {}

/// `GET /renewals` and its totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct RenewalFilter {
    /// Due (contract end) within this many days from today; overdue open
    /// renewals are included.
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 3650))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_within_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<RenewalStage>,
    /// The account owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
}
impl ToQuery for RenewalFilter {}

/// `GET /onboarding/portfolio`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct PortfolioFilter {
    /// `on_track`, `behind` or `stuck` (accounts without a plan never match).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<PlanStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    /// `status` (default: stuck, behind, on track, no plan; then least
    /// progress), `progress`, `-progress`, `go_live` or `name`.
    #[cfg_attr(
        feature = "openapi",
        param(pattern = "^(status|progress|-progress|go_live|name)$")
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
}
impl ToQuery for PortfolioFilter {}

/// `GET /accounts/{id}/health/history`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct HistoryQuery {
    /// How many days back (default 90, at most 730).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 730))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
}
impl ToQuery for HistoryQuery {}

/// `GET /reports/kpi` and `/reports/renewals`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ReportParams {
    /// First day of the period (default: 1 January of the current year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last day of the period, inclusive (default: 31 December of the
    /// current year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Renewal report only: the contracts' currency (default `CNY`).
    #[cfg_attr(feature = "openapi", param(pattern = "^[A-Z]{3}$"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// `json` (default) or `csv`.
    #[cfg_attr(feature = "openapi", param(pattern = "^(json|csv)$"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}
impl ToQuery for ReportParams {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_writes_only_what_is_set_in_wire_form() {
        let filter = TicketFilter {
            status: Some(TicketStatus::PendingCustomer),
            module: Some(ErpModule::Finance),
            breached: Some(true),
            ..TicketFilter::default()
        };
        assert_eq!(
            filter.to_query(),
            "status=pending_customer&module=finance&breached=true"
        );
        assert_eq!(TicketFilter::default().to_query(), "");
    }

    #[test]
    fn text_is_percent_encoded_and_renamed_keys_keep_their_wire_name() {
        let filter = PortalKbFilter {
            q: Some("月末 结账&过账".into()),
            module: None,
            match_mode: Some(MatchMode::Any),
        };
        let query = filter.to_query();
        assert!(query.starts_with("q=%E6%9C%88%E6%9C%AB+"), "{query}");
        assert!(query.contains("%26"), "{query}");
        assert!(query.ends_with("&match=any"), "{query}");
        let back: PortalKbFilter = serde_urlencoded::from_str(&query).unwrap();
        assert_eq!(back, filter);
    }

    #[test]
    fn a_list_query_puts_the_filter_before_the_page() {
        let filter = UserFilter {
            role: Some(Role::Engineer),
            ..UserFilter::default()
        };
        assert_eq!(
            list_query(&filter, Some(50), Some("c=")),
            "?role=engineer&limit=50&cursor=c%3D"
        );
        assert_eq!(list_query(&UserFilter::default(), None, None), "");
        assert_eq!(
            list_query(&PageQuery::default(), Some(200), None),
            "?limit=200"
        );
    }

    #[test]
    fn every_filter_reads_back_what_it_wrote() {
        let page = PageQuery {
            limit: Some(20),
            cursor: Some("u:a+b/c=".into()),
        };
        assert_eq!(
            serde_urlencoded::from_str::<PageQuery>(&page.to_query()).unwrap(),
            page
        );
        let renewals = RenewalFilter {
            due_within_days: Some(90),
            stage: Some(RenewalStage::InNegotiation),
            owner_id: Some(3),
            account_id: None,
        };
        assert_eq!(
            serde_urlencoded::from_str::<RenewalFilter>(&renewals.to_query()).unwrap(),
            renewals
        );
        let trainings = TrainingFilter {
            from: Some(DateTime::from_timestamp(1_700_000_000, 0).unwrap()),
            include_cancelled: Some(false),
            ..TrainingFilter::default()
        };
        assert_eq!(
            serde_urlencoded::from_str::<TrainingFilter>(&trainings.to_query()).unwrap(),
            trainings
        );
    }
}
