//! A workspace's working calendar (time zone, weekly hours, holidays,
//! make-up working days 调休) as it crosses the wire (`GET/PUT
//! /api/v1/calendar`) and is stored, with the rules of a valid one. The
//! server counts business time with it (`domain::common::business_time`);
//! the web app edits it.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use crate::texts::{Msg, T};
use crate::FieldErrors;

/// One working interval of a day in local time, `[start, end)`. An `end` of
/// `00:00` means midnight at the end of the day, so `00:00–00:00` is a whole
/// day. Times (de)serialize as `"09:00:00"`; `"09:00"` is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkInterval {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl WorkInterval {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Self {
        WorkInterval { start, end }
    }

    /// Seconds from midnight of the start.
    pub fn start_secs(&self) -> u32 {
        self.start.num_seconds_from_midnight()
    }

    /// Seconds from midnight of the end; `00:00` is the end of the day.
    pub fn end_secs(&self) -> u32 {
        match self.end.num_seconds_from_midnight() {
            0 => 24 * 3600,
            secs => secs,
        }
    }
}

/// Working intervals per weekday; a missing day has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct WeeklyHours {
    pub mon: Vec<WorkInterval>,
    pub tue: Vec<WorkInterval>,
    pub wed: Vec<WorkInterval>,
    pub thu: Vec<WorkInterval>,
    pub fri: Vec<WorkInterval>,
    pub sat: Vec<WorkInterval>,
    pub sun: Vec<WorkInterval>,
}

pub const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

impl WeeklyHours {
    /// The same intervals Monday to Friday, nothing at the weekend.
    pub fn monday_to_friday(intervals: Vec<WorkInterval>) -> Self {
        WeeklyHours {
            mon: intervals.clone(),
            tue: intervals.clone(),
            wed: intervals.clone(),
            thu: intervals.clone(),
            fri: intervals,
            sat: Vec::new(),
            sun: Vec::new(),
        }
    }

    pub fn day(&self, weekday: Weekday) -> &[WorkInterval] {
        match weekday {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }

    pub fn day_mut(&mut self, weekday: Weekday) -> &mut Vec<WorkInterval> {
        match weekday {
            Weekday::Mon => &mut self.mon,
            Weekday::Tue => &mut self.tue,
            Weekday::Wed => &mut self.wed,
            Weekday::Thu => &mut self.thu,
            Weekday::Fri => &mut self.fri,
            Weekday::Sat => &mut self.sat,
            Weekday::Sun => &mut self.sun,
        }
    }
}

/// A workspace's working calendar, stored as JSON. Missing fields take the
/// default's values, so `{}` is the default calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct BusinessCalendar {
    /// IANA name, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    pub weekly_hours: WeeklyHours,
    /// Dates not worked even if their weekday is.
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days (调休): worked whatever their weekday.
    pub working_days: Vec<NaiveDate>,
    /// Hours of a make-up working day; `None` means Monday's hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_day_hours: Option<Vec<WorkInterval>>,
}

const fn hm(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(time) => time,
        None => panic!("not a time of day"),
    }
}

const OFFICE_OPENS: NaiveTime = hm(9, 0);
const OFFICE_CLOSES: NaiveTime = hm(18, 0);

impl Default for BusinessCalendar {
    /// Monday to Friday 09:00–18:00 Asia/Shanghai, no holidays.
    fn default() -> Self {
        BusinessCalendar {
            time_zone: "Asia/Shanghai".to_string(),
            weekly_hours: WeeklyHours::monday_to_friday(vec![WorkInterval::new(
                OFFICE_OPENS,
                OFFICE_CLOSES,
            )]),
            holidays: Vec::new(),
            working_days: Vec::new(),
            working_day_hours: None,
        }
    }
}

impl BusinessCalendar {
    /// Per-field messages, keyed `time_zone`, `weekly_hours`,
    /// `weekly_hours.mon` … `weekly_hours.sun`, `working_day_hours` and
    /// `working_days`; `known_zone` says whether an IANA zone name exists
    /// (the server knows every zone; the web app leaves that to it).
    pub fn check(&self, known_zone: impl Fn(&str) -> bool) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if !known_zone(&self.time_zone) {
            errors.insert(
                "time_zone".into(),
                Msg::new(T::UnknownTimeZone)
                    .with("zone", &self.time_zone)
                    .into(),
            );
        }
        for weekday in WEEK {
            if let Err(message) = check_intervals(self.weekly_hours.day(weekday)) {
                let key = weekday.to_string().to_lowercase();
                errors.insert(format!("weekly_hours.{key}"), message);
            }
        }
        if WEEK.iter().all(|&d| self.weekly_hours.day(d).is_empty()) {
            errors.insert(
                "weekly_hours".into(),
                "at least one weekday needs working hours".into(),
            );
        }
        if let Some(hours) = &self.working_day_hours {
            if let Err(message) = check_intervals(hours) {
                errors.insert("working_day_hours".into(), message);
            }
        }
        if !self.working_days.is_empty() && self.make_up_day_hours().is_empty() {
            errors.insert(
                "working_day_hours".into(),
                "make-up working days need hours (Monday has none to copy)".into(),
            );
        }
        let mut clashes: Vec<NaiveDate> = (self.working_days.iter())
            .filter(|d| self.holidays.contains(d))
            .copied()
            .collect();
        clashes.sort();
        clashes.dedup();
        if !clashes.is_empty() {
            let dates: Vec<String> = clashes.iter().map(|d| d.to_string()).collect();
            errors.insert(
                "working_days".into(),
                format!("also listed as holidays: {}", dates.join(", ")),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The hours of a make-up working day: its own, or Monday's.
    pub fn make_up_day_hours(&self) -> &[WorkInterval] {
        match &self.working_day_hours {
            Some(hours) => hours,
            None => &self.weekly_hours.mon,
        }
    }

    /// Holidays win over make-up days (a date in both fails validation).
    pub fn intervals_on(&self, date: NaiveDate) -> &[WorkInterval] {
        if self.holidays.contains(&date) {
            &[]
        } else if self.working_days.contains(&date) {
            self.make_up_day_hours()
        } else {
            self.weekly_hours.day(date.weekday())
        }
    }

    /// Whether any day of the week or a make-up day has working hours.
    pub fn has_any_hours(&self) -> bool {
        WEEK.iter().any(|&d| !self.weekly_hours.day(d).is_empty())
            || (!self.working_days.is_empty() && !self.make_up_day_hours().is_empty())
    }
}

fn check_intervals(intervals: &[WorkInterval]) -> Result<(), String> {
    let show = |t: NaiveTime| t.format("%H:%M").to_string();
    for i in intervals {
        if i.start_secs() >= i.end_secs() {
            return Err(format!(
                "{}–{}: the start must be before the end",
                show(i.start),
                show(i.end)
            ));
        }
    }
    let mut sorted = intervals.to_vec();
    sorted.sort_by_key(WorkInterval::start_secs);
    for pair in sorted.windows(2) {
        if pair[1].start_secs() < pair[0].end_secs() {
            return Err(format!(
                "{}–{} overlaps {}–{}",
                show(pair[0].start),
                show(pair[0].end),
                show(pair[1].start),
                show(pair[1].end)
            ));
        }
    }
    Ok(())
}
