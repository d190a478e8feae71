//! Onboarding board and licence panel logic: tasks grouped by stage, dates
//! of the date inputs, and the licence form's request.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use shared::onboarding::{CreateLicenseRequest, OnboardingTask};
use shared::validation::{self as rules, Collector, Invalid};
use shared::{ErpModule, FieldErrors};

use crate::i18n::{dates, Lang};

/// The stages of a plan's tasks, in the tasks' order, each once.
pub fn stages(tasks: &[OnboardingTask]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tasks {
        if !out.contains(&t.stage) {
            out.push(t.stage.clone());
        }
    }
    out
}

/// `(finished, all)` tasks of one stage (skipped ones count as finished).
pub fn stage_counts(tasks: &[OnboardingTask], stage: &str) -> (usize, usize) {
    let of_stage = tasks.iter().filter(|t| t.stage == stage);
    let finished = of_stage.clone().filter(|t| t.status.is_finished()).count();
    (finished, of_stage.count())
}

pub fn task_title(t: &OnboardingTask, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &t.title_zh,
        Lang::En => &t.title_en,
    }
}

/// A date input's value (`YYYY-MM-DD`, or blank).
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// The value for a date input.
pub fn date_value(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Today in a zone `offset_minutes` east of UTC.
pub fn local_today(now: DateTime<Utc>, offset_minutes: i32) -> NaiveDate {
    (now + Duration::minutes(offset_minutes.into())).date_naive()
}

/// Today in the browser's zone.
pub fn browser_today() -> NaiveDate {
    let now = dates::now();
    local_today(now, dates::browser_offset_minutes(&now))
}

/// A required date field: its date, or `Required` on `field`.
pub fn required_date(c: &mut Collector, field: &str, value: &str) -> Option<NaiveDate> {
    let date = parse_date(value);
    c.check(field, date.map(drop).ok_or(Invalid::Required));
    date
}

/// The licence form's values as a request; the server checks the module
/// list and the seats again (and the serial's uniqueness).
pub fn license_request(
    edition: &str,
    modules: &[ErpModule],
    seats: &str,
    dongle_serial: &str,
    expires_on: &str,
) -> Result<CreateLicenseRequest, FieldErrors> {
    let mut c = Collector::default();
    c.check("edition", rules::required_text(edition, 200))
        .check("dongle_serial", rules::required_text(dongle_serial, 100));
    if modules.is_empty() {
        c.check("modules", Err(Invalid::Required));
    }
    let seats = seats.trim().parse::<i32>().ok().filter(|s| *s > 0);
    c.check("seats", seats.map(drop).ok_or(Invalid::Required));
    c.finish()?;
    Ok(CreateLicenseRequest {
        edition: edition.trim().to_string(),
        modules: modules.to_vec(),
        seats: seats.unwrap_or(1),
        dongle_serial: dongle_serial.trim().to_string(),
        expires_on: parse_date(expires_on),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use shared::onboarding::TaskStatus;
    use shared::Role;

    fn task(id: i64, stage: &str, status: TaskStatus) -> OnboardingTask {
        OnboardingTask {
            id,
            plan_id: 1,
            account_id: 1,
            position: id as i32,
            stage: stage.into(),
            title_zh: "核对包装清单".into(),
            title_en: "Check the packing list".into(),
            kind: shared::onboarding::TaskKind::General,
            module: None,
            owner_role: Role::Csm,
            owner_id: None,
            due_on: NaiveDate::from_ymd_opt(2027, 3, 2).unwrap(),
            status,
            skip_reason: None,
            notes: String::new(),
            overdue: false,
            completed_at: None,
            completed_by: None,
            updated_at: Utc::now(),
            version: 1,
        }
    }

    #[test]
    fn tasks_group_by_stage_in_order() {
        let tasks = vec![
            task(1, "preparation", TaskStatus::Done),
            task(2, "preparation", TaskStatus::Skipped),
            task(3, "master_data", TaskStatus::Todo),
            task(4, "preparation", TaskStatus::InProgress),
        ];
        assert_eq!(stages(&tasks), vec!["preparation", "master_data"]);
        assert_eq!(stage_counts(&tasks, "preparation"), (2, 3));
        assert_eq!(stage_counts(&tasks, "master_data"), (0, 1));
        assert_eq!(task_title(&tasks[0], Lang::Zh), "核对包装清单");
    }

    #[test]
    fn dates_round_trip_and_today_follows_the_zone() {
        let d = parse_date(" 2027-03-01 ").unwrap();
        assert_eq!(date_value(Some(d)), "2027-03-01");
        assert_eq!(parse_date("2027-02-30"), None);
        assert_eq!(date_value(None), "");
        let at = Utc.with_ymd_and_hms(2027, 2, 28, 20, 0, 0).unwrap();
        assert_eq!(local_today(at, 480), d);
        assert_eq!(local_today(at, 0).to_string(), "2027-02-28");
    }

    #[test]
    fn the_licence_form_checks_its_fields() {
        let err = license_request(" ", &[], "0", "", "").unwrap_err();
        for f in ["edition", "modules", "seats", "dongle_serial"] {
            assert!(err.contains_key(f), "{f}");
        }
        let ok = license_request(
            " K/3 WISE ",
            &[ErpModule::Sales],
            "10",
            " KD-1 ",
            "2028-02-29",
        )
        .unwrap();
        assert_eq!(ok.edition, "K/3 WISE");
        assert_eq!(ok.dongle_serial, "KD-1");
        assert_eq!(ok.seats, 10);
        assert_eq!(ok.expires_on, parse_date("2028-02-29"));
        assert!(license_request("e", &[ErpModule::Sales], "x", "s", "").is_err());
    }
}
