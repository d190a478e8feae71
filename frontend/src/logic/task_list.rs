//! The filters of `/tasks` as its URL holds them
//! (`/tasks?assignee=anyone&status=done&account_id=3&source=playbook`),
//! and the API filter they make. Without a query the page shows the
//! caller's open tasks.

use shared::filters::TaskFilter;
use shared::tasks::{TaskSource, TaskState};

use super::query::{get_param, QueryString};

/// Whose tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Assignee {
    #[default]
    Me,
    Anyone,
    Person(i64),
}

impl Assignee {
    /// The value of the URL and of the select: `me`, `anyone` or an id.
    pub fn value(self) -> String {
        match self {
            Assignee::Me => "me".into(),
            Assignee::Anyone => "anyone".into(),
            Assignee::Person(id) => id.to_string(),
        }
    }

    pub fn parse(value: &str) -> Self {
        match value.trim() {
            "anyone" => Assignee::Anyone,
            v => v.parse().map(Assignee::Person).unwrap_or_default(),
        }
    }
}

/// `any` in the URL and the select: every status.
pub const ANY: &str = "any";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskQuery {
    pub assignee: Assignee,
    /// `None`: every status.
    pub status: Option<TaskState>,
    pub account_id: Option<i64>,
    pub source: Option<TaskSource>,
}

impl Default for TaskQuery {
    /// The caller's open tasks.
    fn default() -> Self {
        TaskQuery {
            assignee: Assignee::Me,
            status: Some(TaskState::Open),
            account_id: None,
            source: None,
        }
    }
}

impl TaskQuery {
    /// The filters of a URL's query string; malformed values are ignored.
    pub fn from_search(search: &str) -> Self {
        let d = TaskQuery::default();
        let status = match get_param(search, "status").as_deref().map(str::trim) {
            Some(ANY) => None,
            Some(s) => s.parse().ok().or(d.status),
            None => d.status,
        };
        TaskQuery {
            assignee: get_param(search, "assignee")
                .map(|v| Assignee::parse(&v))
                .unwrap_or_default(),
            status,
            account_id: get_param(search, "account_id").and_then(|v| v.trim().parse().ok()),
            source: get_param(search, "source").and_then(|v| v.trim().parse().ok()),
        }
    }

    /// The page's URL with these filters (defaults left out).
    pub fn href(&self) -> String {
        let d = TaskQuery::default();
        let status = match self.status {
            None => Some(ANY),
            s if s == d.status => None,
            Some(s) => Some(s.as_str()),
        };
        let q = QueryString::new()
            .push_opt(
                "assignee",
                (self.assignee != d.assignee).then(|| self.assignee.value()),
            )
            .push_opt("status", status)
            .push_opt("account_id", self.account_id)
            .push_opt("source", self.source.map(|s| s.as_str()))
            .build();
        format!("/tasks{q}")
    }

    pub fn set_status(&mut self, value: &str) {
        self.status = if value == ANY {
            None
        } else {
            value.parse().ok()
        };
    }

    /// Whether the filters are the page's own (an empty answer then means
    /// "nothing to do" rather than "nothing matches").
    pub fn is_default(&self) -> bool {
        *self == TaskQuery::default()
    }

    /// The API's filter; `me` is the signed-in user's id.
    pub fn filter(&self, me: Option<i64>) -> TaskFilter {
        TaskFilter {
            assignee_id: match self.assignee {
                Assignee::Me => me,
                Assignee::Anyone => None,
                Assignee::Person(id) => Some(id),
            },
            account_id: self.account_id,
            status: self.status,
            source: self.source,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_query_is_my_open_tasks() {
        let q = TaskQuery::from_search("");
        assert!(q.is_default());
        assert_eq!(q.href(), "/tasks");
        let f = q.filter(Some(4));
        assert_eq!(f.assignee_id, Some(4));
        assert_eq!(f.status, Some(TaskState::Open));
        assert_eq!(f.account_id, None);
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let q = TaskQuery {
            assignee: Assignee::Person(7),
            status: Some(TaskState::Skipped),
            account_id: Some(12),
            source: Some(TaskSource::Playbook),
        };
        let href = q.href();
        assert_eq!(
            href,
            "/tasks?assignee=7&status=skipped&account_id=12&source=playbook"
        );
        assert_eq!(TaskQuery::from_search(&href[6..]), q);
        let any = TaskQuery {
            assignee: Assignee::Anyone,
            status: None,
            ..Default::default()
        };
        assert_eq!(any.href(), "/tasks?assignee=anyone&status=any");
        assert_eq!(TaskQuery::from_search("?assignee=anyone&status=any"), any);
        let f = any.filter(Some(4));
        assert_eq!(f.assignee_id, None);
        assert_eq!(f.status, None);
    }

    #[test]
    fn malformed_values_are_ignored() {
        let q = TaskQuery::from_search("?assignee=x&status=maybe&account_id=a&source=z");
        assert!(q.is_default());
    }

    #[test]
    fn the_status_select_sets_any_or_one() {
        let mut q = TaskQuery::default();
        q.set_status("any");
        assert_eq!(q.status, None);
        q.set_status("done");
        assert_eq!(q.status, Some(TaskState::Done));
        assert_eq!(Assignee::parse("me"), Assignee::Me);
        assert_eq!(Assignee::Person(3).value(), "3");
    }
}
