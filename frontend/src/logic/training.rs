//! The training calendar's arithmetic (weeks from Monday, month grids, the
//! browser's local days and times) and the schedule and attendance forms'
//! values. Offsets are minutes east of UTC, passed in so this runs on the host.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, Utc};
use shared::training::{AttendanceRecord, CreateTrainingRequest, MAX_DURATION_MINUTES};
use shared::validation::{self as rules, Collector, Invalid};
use shared::{ErpModule, FieldErrors};

use crate::logic::account_form::opt_text;
use crate::logic::onboarding::parse_date;
use crate::logic::query::get_param;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalView {
    Week,
    Month,
}

/// The calendar's place: `?view=week|month&date=YYYY-MM-DD` (default: this
/// week).
pub fn from_search(search: &str, today: NaiveDate) -> (CalView, NaiveDate) {
    let view = match get_param(search, "view").as_deref() {
        Some("month") => CalView::Month,
        _ => CalView::Week,
    };
    let date = get_param(search, "date")
        .and_then(|d| parse_date(&d))
        .unwrap_or(today);
    (view, date)
}

pub fn href(view: CalView, date: NaiveDate) -> String {
    let v = if view == CalView::Month {
        "month"
    } else {
        "week"
    };
    format!("/trainings?view={v}&date={date}")
}

pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday().into())
}

/// The days shown: a week from Monday, or whole weeks covering the month.
pub fn days(view: CalView, anchor: NaiveDate) -> Vec<NaiveDate> {
    let (first, last) = match view {
        CalView::Week => {
            let first = week_start(anchor);
            (first, first + Duration::days(6))
        }
        CalView::Month => {
            let start = anchor.with_day(1).unwrap_or(anchor);
            let end = start
                .checked_add_months(Months::new(1))
                .unwrap_or(start)
                .pred_opt()
                .unwrap_or(start);
            (week_start(start), week_start(end) + Duration::days(6))
        }
    };
    first.iter_days().take_while(|d| *d <= last).collect()
}

/// The previous (`-1`) or next (`1`) week or month.
pub fn shift(view: CalView, anchor: NaiveDate, step: i32) -> NaiveDate {
    match view {
        CalView::Week => anchor + Duration::days(7 * i64::from(step)),
        CalView::Month => {
            let first = anchor.with_day(1).unwrap_or(anchor);
            let months = Months::new(step.unsigned_abs());
            let moved = if step < 0 {
                first.checked_sub_months(months)
            } else {
                first.checked_add_months(months)
            };
            moved.unwrap_or(first)
        }
    }
}

/// Local midnight starting `d`, as an instant.
pub fn day_start(d: NaiveDate, offset_minutes: i32) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::minutes(offset_minutes.into())
}

pub fn local(at: DateTime<Utc>, offset_minutes: i32) -> NaiveDateTime {
    (at + Duration::minutes(offset_minutes.into())).naive_utc()
}

/// `HH:MM` local.
pub fn hm(at: DateTime<Utc>, offset_minutes: i32) -> String {
    local(at, offset_minutes).format("%H:%M").to_string()
}

/// A `datetime-local` input's value for an instant.
pub fn input_value(at: DateTime<Utc>, offset_minutes: i32) -> String {
    local(at, offset_minutes)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` value as an instant; `offset_at` gives the zone's
/// offset at an instant (asked twice, so a daylight-saving change between
/// the guess and the answer is followed).
pub fn parse_local(
    value: &str,
    offset_at: impl Fn(&DateTime<Utc>) -> i32,
) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M").ok()?;
    let guess = naive.and_utc();
    let first = guess - Duration::minutes(offset_at(&guess).into());
    Some(guess - Duration::minutes(offset_at(&first).into()))
}

/// Minutes from 1 to a day; why not, when not (blank, not a number, or
/// out of range with the bounds).
pub fn parse_duration(value: &str) -> Result<i32, Invalid> {
    rules::whole_number_in(value, 1, MAX_DURATION_MINUTES.into())
        .map(|m| i32::try_from(m).unwrap_or(MAX_DURATION_MINUTES))
}

/// The schedule form's values.
pub struct TrainingForm<'a> {
    pub account_id: Option<i64>,
    pub module: &'a str,
    pub topic: &'a str,
    pub trainer_id: Option<i64>,
    pub starts_at: Option<DateTime<Utc>>,
    pub duration: &'a str,
    pub location: &'a str,
    pub online_url: &'a str,
    pub attendee_ids: Vec<i64>,
}

impl TrainingForm<'_> {
    pub fn request(&self) -> Result<CreateTrainingRequest, FieldErrors> {
        let mut c = Collector::default();
        let module = self.module.parse::<ErpModule>().ok();
        let duration = parse_duration(self.duration);
        let required = |ok: bool| if ok { Ok(()) } else { Err(Invalid::Required) };
        c.check("account_id", required(self.account_id.is_some()))
            .check("module", required(module.is_some()))
            .check("topic", rules::required_text(self.topic, 200))
            .check("trainer_id", required(self.trainer_id.is_some()))
            .check("starts_at", required(self.starts_at.is_some()))
            .check("duration_minutes", duration.clone().map(|_| ()));
        c.finish()?;
        Ok(CreateTrainingRequest {
            account_id: self.account_id.unwrap_or_default(),
            module: module.unwrap_or(ErpModule::System),
            topic: self.topic.trim().to_string(),
            trainer_id: self.trainer_id.unwrap_or_default(),
            starts_at: self.starts_at.unwrap_or_default(),
            duration_minutes: duration.unwrap_or(60),
            location: opt_text(self.location),
            online_url: opt_text(self.online_url),
            attendee_ids: self.attendee_ids.clone(),
        })
    }
}

/// One attendee's attendance entry: a blank score is "not assessed"; a
/// score must be a whole number 0–100 (`Err` otherwise).
pub fn attendance_record(
    contact_id: i64,
    attended: bool,
    score: &str,
    feedback: &str,
) -> Result<AttendanceRecord, ()> {
    let score = match score.trim() {
        "" => None,
        s => Some(
            s.parse::<i32>()
                .ok()
                .filter(|s| (0..=100).contains(s))
                .ok_or(())?,
        ),
    };
    Ok(AttendanceRecord {
        contact_id,
        attended,
        score,
        feedback: opt_text(feedback),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_cover_whole_weeks() {
        // 2027-03-03 is a Wednesday.
        assert_eq!(week_start(d("2027-03-03")), d("2027-03-01"));
        assert_eq!(week_start(d("2027-03-07")), d("2027-03-01"));
        let week = days(CalView::Week, d("2027-03-03"));
        assert_eq!(
            (week[0], week[6], week.len()),
            (d("2027-03-01"), d("2027-03-07"), 7)
        );
        let month = days(CalView::Month, d("2027-03-15"));
        assert_eq!(month[0], d("2027-03-01"));
        assert_eq!(*month.last().unwrap(), d("2027-04-04"));
        assert_eq!(month.len() % 7, 0);
        let feb = days(CalView::Month, d("2027-02-10"));
        assert_eq!((feb[0], feb.len()), (d("2027-02-01"), 28));
    }

    #[test]
    fn navigation_moves_by_a_week_or_a_month() {
        assert_eq!(shift(CalView::Week, d("2027-03-03"), -1), d("2027-02-24"));
        assert_eq!(shift(CalView::Month, d("2027-01-31"), 1), d("2027-02-01"));
        assert_eq!(shift(CalView::Month, d("2027-01-31"), -1), d("2026-12-01"));
        let (view, date) = from_search("?view=month&date=2027-03-09", d("2020-01-01"));
        assert_eq!((view, date), (CalView::Month, d("2027-03-09")));
        assert_eq!(
            from_search("", d("2020-01-01")),
            (CalView::Week, d("2020-01-01"))
        );
        assert_eq!(
            href(CalView::Week, d("2027-03-01")),
            "/trainings?view=week&date=2027-03-01"
        );
    }

    #[test]
    fn local_times_follow_the_offset() {
        // 02:00 UTC is 10:00 in Shanghai.
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap();
        assert_eq!(hm(at, 480), "10:00");
        assert_eq!(input_value(at, 480), "2027-03-01T10:00");
        assert_eq!(parse_local("2027-03-01T10:00", |_| 480), Some(at));
        assert_eq!(parse_local("nonsense", |_| 0), None);
        assert_eq!(
            day_start(d("2027-03-01"), 480),
            Utc.with_ymd_and_hms(2027, 2, 28, 16, 0, 0).unwrap()
        );
        assert_eq!(local(at, -300).date(), d("2027-02-28"));
    }

    #[test]
    fn the_schedule_form_needs_its_fields() {
        let mut form = TrainingForm {
            account_id: None,
            module: "",
            topic: " ",
            trainer_id: None,
            starts_at: None,
            duration: "0",
            location: "",
            online_url: "",
            attendee_ids: vec![],
        };
        let err = form.request().unwrap_err();
        for f in [
            "account_id",
            "module",
            "topic",
            "trainer_id",
            "starts_at",
            "duration_minutes",
        ] {
            assert!(err.contains_key(f), "{f}");
        }
        form.account_id = Some(3);
        form.module = "sales";
        form.topic = " 销售订单 ";
        form.trainer_id = Some(2);
        form.starts_at = Some(Utc::now());
        form.duration = "90";
        form.online_url = " https://meet.example/x ";
        form.attendee_ids = vec![7];
        // A typed duration out of range says so, with the bounds, in both
        // languages — never "required".
        form.duration = "120,120";
        let err = form.request().unwrap_err();
        assert_eq!(
            crate::logic::forms::localize(&err["duration_minutes"], crate::i18n::Lang::Zh),
            "必须在 1 到 1440 之间"
        );
        assert_eq!(err["duration_minutes"], "must be between 1 and 1440");
        form.duration = "一小时";
        let err = form.request().unwrap_err();
        assert_eq!(err["duration_minutes"], "must be a whole number");
        form.duration = "90";
        let req = form.request().unwrap();
        assert_eq!((req.topic.as_str(), req.duration_minutes), ("销售订单", 90));
        assert_eq!(req.module, ErpModule::Sales);
        assert_eq!(req.online_url.as_deref(), Some("https://meet.example/x"));
        assert_eq!(req.location, None);
    }

    #[test]
    fn scores_are_blank_or_0_to_100() {
        assert_eq!(attendance_record(1, true, "", " ").unwrap().score, None);
        assert_eq!(
            attendance_record(1, true, " 85 ", "好").unwrap().score,
            Some(85)
        );
        assert!(attendance_record(1, true, "101", "").is_err());
        assert!(attendance_record(1, true, "-1", "").is_err());
        assert!(attendance_record(1, true, "8.5", "").is_err());
        assert_eq!(
            attendance_record(1, false, "0", "病假")
                .unwrap()
                .feedback
                .as_deref(),
            Some("病假")
        );
    }
}
