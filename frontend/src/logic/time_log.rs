//! The time log's and the packages' forms: typed values to requests (with
//! the shared rules), and minutes shown as hours and person-days.

use chrono::NaiveDate;
use shared::time_log::{
    validate_entry, validate_package, PackageRequest, TimeEntry, TimeEntryRequest,
    MAX_ENTRY_MINUTES, MAX_PACKAGE_DAYS,
};
use shared::validation::{self as rules, Collector};
use shared::FieldErrors;

use crate::logic::onboarding::required_date;

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The time entry form's typed values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryForm {
    pub work_date: String,
    pub minutes: String,
    pub billable: bool,
    pub note: String,
    pub internal_note: String,
    pub visit_id: String,
}

impl EntryForm {
    /// A new entry: today, billable.
    pub fn new_on(today: NaiveDate) -> Self {
        EntryForm {
            work_date: date_text(today),
            billable: true,
            ..EntryForm::default()
        }
    }

    pub fn of(e: &TimeEntry) -> Self {
        EntryForm {
            work_date: date_text(e.work_date),
            minutes: e.minutes.to_string(),
            billable: e.billable,
            note: e.note.clone(),
            internal_note: e.internal_note.clone(),
            visit_id: e.visit_id.map(|v| v.to_string()).unwrap_or_default(),
        }
    }

    /// The request, or the fields to fix; `today` refuses a future day.
    pub fn request(&self, today: NaiveDate) -> Result<TimeEntryRequest, FieldErrors> {
        let mut c = Collector::default();
        let day = required_date(&mut c, "work_date", &self.work_date);
        let minutes = rules::whole_number_in(&self.minutes, 1, MAX_ENTRY_MINUTES.into());
        let visit = if self.visit_id.trim().is_empty() {
            None
        } else {
            let v = rules::whole_number_in(&self.visit_id, 1, i64::MAX);
            c.check("visit_id", v.clone().map(drop));
            v.ok()
        };
        c.check("minutes", minutes.clone().map(drop));
        let (Some(work_date), Ok(minutes)) = (day, minutes) else {
            return Err(c.fields);
        };
        let req = TimeEntryRequest {
            work_date,
            minutes: i32::try_from(minutes).unwrap_or(0),
            billable: self.billable,
            note: self.note.trim().to_string(),
            internal_note: self.internal_note.trim().to_string(),
            visit_id: visit,
        };
        let mut fields = c.fields;
        if let Err(more) = validate_entry(&req, Some(today)) {
            for (k, v) in more {
                fields.entry(k).or_insert(v);
            }
        }
        if fields.is_empty() {
            Ok(req)
        } else {
            Err(fields)
        }
    }
}

/// The package form's typed values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageForm {
    pub name: String,
    pub days: String,
    pub valid_from: String,
    pub valid_to: String,
}

impl PackageForm {
    pub fn request(&self) -> Result<PackageRequest, FieldErrors> {
        let mut c = Collector::default();
        let from = required_date(&mut c, "valid_from", &self.valid_from);
        let to = required_date(&mut c, "valid_to", &self.valid_to);
        let days = rules::whole_number_in(&self.days, 1, MAX_PACKAGE_DAYS.into());
        c.check("days", days.clone().map(drop));
        c.check("name", rules::required_text(&self.name, 100));
        let (Some(valid_from), Some(valid_to), Ok(days)) = (from, to, days) else {
            return Err(c.fields);
        };
        let req = PackageRequest {
            name: self.name.trim().to_string(),
            days: i32::try_from(days).unwrap_or(0),
            valid_from,
            valid_to,
        };
        let mut fields = c.fields;
        if let Err(more) = validate_package(&req) {
            for (k, v) in more {
                fields.entry(k).or_insert(v);
            }
        }
        if fields.is_empty() {
            Ok(req)
        } else {
            Err(fields)
        }
    }
}

/// Minutes as hours with one decimal, e.g. `1.5`.
pub fn hours(minutes: i64) -> String {
    let tenths = (minutes * 10 + 30) / 60;
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_entry_form_becomes_a_request_or_names_its_fields() {
        let mut form = EntryForm::new_on(d("2027-03-10"));
        form.minutes = "90".into();
        let req = form.request(d("2027-03-10")).unwrap();
        assert_eq!((req.minutes, req.billable, req.visit_id), (90, true, None));
        form.minutes = "0".into();
        form.visit_id = "x".into();
        form.work_date = "2027-03-11".into();
        let fields = form.request(d("2027-03-10")).unwrap_err();
        assert!(fields.contains_key("minutes") && fields.contains_key("visit_id"));
        form.minutes = "30".into();
        form.visit_id = "7".into();
        let fields = form.request(d("2027-03-10")).unwrap_err();
        assert!(fields.contains_key("work_date"), "{fields:?}");
    }

    #[test]
    fn a_package_form_checks_its_dates() {
        let form = PackageForm {
            name: "2027".into(),
            days: "10".into(),
            valid_from: "2027-12-31".into(),
            valid_to: "2027-01-01".into(),
        };
        assert!(form.request().unwrap_err().contains_key("valid_to"));
    }

    #[test]
    fn minutes_read_as_hours() {
        assert_eq!(hours(90), "1.5");
        assert_eq!(hours(0), "0.0");
        assert_eq!(hours(100), "1.7");
    }
}
