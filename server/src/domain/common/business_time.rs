//! Business-time arithmetic for SLA due times. Owns the workspace's working
//! calendar (time zone, weekly hours, holidays, make-up working days 调休) and
//! the three questions SLA logic asks of it: when are `n` business minutes up,
//! how many business minutes lie between two instants, and where does a due
//! time move once the clock's pauses are taken out.
//!
//! Business time is real elapsed time inside working intervals: a DST switch
//! inside working hours makes that day an hour shorter or longer. Instants are
//! always passed in (nothing here reads the clock) and are kept at full
//! precision; only the public amounts are whole minutes.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime};
use chrono::{TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use shared::FieldErrors;

pub use shared::calendar::{BusinessCalendar, WeeklyHours, WorkInterval, WEEK};

/// How many calendar days ahead counting looks for working time before it
/// gives up with [`BusinessTimeError::NoWorkingTime`] (about ten years). This
/// bounds every loop, even for a calendar without any working hours.
pub const HORIZON_DAYS: u32 = 3660;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusinessTimeError {
    #[error("unknown time zone {0:?}")]
    InvalidTimeZone(String),
    #[error("the calendar has no working time for that within {HORIZON_DAYS} days")]
    NoWorkingTime,
}

/// A working interval of one concrete day, as instants.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// Business-time arithmetic over a workspace's calendar (the type is the
/// wire contract's, in `shared`).
pub trait BusinessTime {
    /// The per-field messages of an invalid calendar (the shared rules,
    /// with the time zone checked against every IANA zone).
    fn validate(&self) -> Result<(), FieldErrors>;
    fn zone(&self) -> Tz;
    fn tz(&self) -> Result<Tz, BusinessTimeError>;
    fn add_business_minutes(
        &self,
        start: DateTime<Utc>,
        minutes: i64,
    ) -> Result<DateTime<Utc>, BusinessTimeError>;
    fn business_minutes_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64, BusinessTimeError>;
    fn due_after_pauses(
        &self,
        due: DateTime<Utc>,
        pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Result<DateTime<Utc>, BusinessTimeError>;
}

impl BusinessTime for BusinessCalendar {
    fn validate(&self) -> Result<(), FieldErrors> {
        self.check(|zone| zone.parse::<Tz>().is_ok())
    }

    /// The zone dates are read in: the calendar's, or Asia/Shanghai should
    /// a stored name ever fail to parse (saving validates it).
    fn zone(&self) -> Tz {
        self.tz().unwrap_or(chrono_tz::Asia::Shanghai)
    }

    fn tz(&self) -> Result<Tz, BusinessTimeError> {
        self.time_zone
            .parse()
            .map_err(|_| BusinessTimeError::InvalidTimeZone(self.time_zone.clone()))
    }

    /// The instant at which `minutes` business minutes have elapsed after
    /// `start`; counting begins at the first working moment at or after
    /// `start`. With `0` (or a negative amount) that moment itself is the
    /// answer; otherwise the answer is the earliest such instant, so work
    /// ending at closing time is due at closing time (Friday 18:00), not at
    /// the next opening.
    ///
    /// Errors when the time zone is unknown, or when the calendar has no
    /// working time to count within [`HORIZON_DAYS`] days (an empty calendar,
    /// or an absurd amount) — never loops unbounded.
    fn add_business_minutes(
        &self,
        start: DateTime<Utc>,
        minutes: i64,
    ) -> Result<DateTime<Utc>, BusinessTimeError> {
        let tz = self.tz()?;
        // More than the horizon could ever hold; keeps the multiplication safe.
        let cap = i64::from(HORIZON_DAYS + 1) * 24 * 60;
        let wanted = TimeDelta::try_minutes(minutes.clamp(0, cap))
            .ok_or(BusinessTimeError::NoWorkingTime)?;
        self.advance(tz, start, wanted)
    }

    /// Whole business minutes in `[from, to)`, rounded down; `0` when
    /// `to <= from`. Takes time linear in the calendar days spanned.
    fn business_minutes_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64, BusinessTimeError> {
        let tz = self.tz()?;
        Ok(self.business_time_between(tz, from, to).num_minutes())
    }

    /// Moves a due time later by the business time that elapsed while the SLA
    /// clock was paused. `pauses` are `(paused_at, resumed_at)` in any order
    /// (overlaps count once); for a pause still running pass `now` as its end.
    /// A pause that starts at or after the (already shifted) due time does not
    /// move it: the target was missed before the clock stopped.
    fn due_after_pauses(
        &self,
        due: DateTime<Utc>,
        pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Result<DateTime<Utc>, BusinessTimeError> {
        let tz = self.tz()?;
        let mut sorted: Vec<Span> = pauses.iter().copied().filter(|(p, r)| p < r).collect();
        sorted.sort();
        let mut merged: Vec<Span> = Vec::with_capacity(sorted.len());
        for (paused_at, resumed_at) in sorted {
            match merged.last_mut() {
                Some(last) if paused_at <= last.1 => last.1 = last.1.max(resumed_at),
                _ => merged.push((paused_at, resumed_at)),
            }
        }
        let mut due = due;
        for (paused_at, resumed_at) in merged {
            if paused_at >= due {
                break;
            }
            let paused = self.business_time_between(tz, paused_at, resumed_at);
            // A pause outside working hours leaves the due time exactly as is.
            if paused > TimeDelta::zero() {
                due = self.advance(tz, due, paused)?;
            }
        }
        Ok(due)
    }
}

/// The arithmetic's own steps.
trait Spans {
    fn day_spans(&self, tz: Tz, date: NaiveDate) -> Vec<Span>;
    fn advance(
        &self,
        tz: Tz,
        start: DateTime<Utc>,
        remaining: TimeDelta,
    ) -> Result<DateTime<Utc>, BusinessTimeError>;
    fn business_time_between(&self, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta;
}

impl Spans for BusinessCalendar {
    /// The working spans of one local date, sorted and merged, so even an
    /// unvalidated calendar with overlaps never counts a moment twice.
    fn day_spans(&self, tz: Tz, date: NaiveDate) -> Vec<Span> {
        let intervals = self.intervals_on(date);
        if intervals.is_empty() {
            return Vec::new();
        }
        let Some(next_day) = date.succ_opt() else {
            return Vec::new();
        };
        let mut spans: Vec<Span> = intervals
            .iter()
            .filter(|i| i.start_secs() < i.end_secs())
            .map(|i| {
                let start = local_to_utc(tz, date.and_time(i.start));
                let end = if i.end_secs() == 24 * 3600 {
                    local_to_utc(tz, next_day.and_time(NaiveTime::MIN))
                } else {
                    local_to_utc(tz, date.and_time(i.end))
                };
                (start, end)
            })
            .filter(|(start, end)| start < end)
            .collect();
        spans.sort();
        let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
        for (start, end) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }

    /// Walks day by day from `start`'s local date, consuming `remaining`.
    fn advance(
        &self,
        tz: Tz,
        start: DateTime<Utc>,
        mut remaining: TimeDelta,
    ) -> Result<DateTime<Utc>, BusinessTimeError> {
        if !self.has_any_hours() {
            return Err(BusinessTimeError::NoWorkingTime);
        }
        let mut date = start.with_timezone(&tz).date_naive();
        for _ in 0..=HORIZON_DAYS {
            for (open, close) in self.day_spans(tz, date) {
                if close <= start {
                    continue;
                }
                let from = open.max(start);
                let available = close - from;
                if remaining <= available {
                    return Ok(from + remaining);
                }
                remaining -= available;
            }
            date = date.succ_opt().ok_or(BusinessTimeError::NoWorkingTime)?;
        }
        Err(BusinessTimeError::NoWorkingTime)
    }

    fn business_time_between(&self, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        let mut total = TimeDelta::zero();
        if to <= from {
            return total;
        }
        let last = to.with_timezone(&tz).date_naive();
        let mut date = from.with_timezone(&tz).date_naive();
        while date <= last {
            for (open, close) in self.day_spans(tz, date) {
                let (a, b) = (open.max(from), close.min(to));
                if a < b {
                    total += b - a;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }
}

/// Local wall time to an instant. An ambiguous time (clocks went back) is its
/// first occurrence; a time that does not exist (clocks jumped forward) is the
/// moment of the jump, so an interval reaching into the gap simply starts or
/// ends when the clocks change.
fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earliest, _) => earliest.with_timezone(&Utc),
        LocalResult::None => moment_of_jump(tz, local),
    }
}

/// The first instant whose local time is at or after `local`, for a `local`
/// inside a gap. Offsets stay within ±16 h and gaps within 24 h, so the jump
/// lies within 27 h either side of `local` read as UTC; bisect by seconds.
fn moment_of_jump(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let naive_utc = local.and_utc();
    let reached = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .is_none_or(|t| t.with_timezone(&tz).naive_local() >= local)
    };
    let mut lo = naive_utc.timestamp() - 27 * 3600;
    let mut hi = naive_utc.timestamp() + 27 * 3600;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or(naive_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Weekday};

    fn time(s: &str) -> NaiveTime {
        s.parse().unwrap()
    }

    fn iv(start: &str, end: &str) -> WorkInterval {
        WorkInterval::new(time(start), time(end))
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
    }

    /// Local wall time in the calendar's zone ("2026-10-09 17:00") as an instant.
    fn at(cal: &BusinessCalendar, local: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
        let tz = cal.tz().unwrap();
        tz.from_local_datetime(&naive)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    /// An instant as local wall time with its weekday, for readable asserts.
    fn show(cal: &BusinessCalendar, t: DateTime<Utc>) -> String {
        let tz = cal.tz().unwrap();
        t.with_timezone(&tz).format("%a %Y-%m-%d %H:%M").to_string()
    }

    fn add(cal: &BusinessCalendar, local: &str, minutes: i64) -> String {
        show(
            cal,
            cal.add_business_minutes(at(cal, local), minutes).unwrap(),
        )
    }

    fn between(cal: &BusinessCalendar, from: &str, to: &str) -> i64 {
        cal.business_minutes_between(at(cal, from), at(cal, to))
            .unwrap()
    }

    fn shanghai() -> BusinessCalendar {
        BusinessCalendar::default()
    }

    /// 国庆 2026: Thu 10-01 … Wed 10-07 off; Sun 09-27 and Sat 10-10 worked.
    fn national_day_2026() -> BusinessCalendar {
        BusinessCalendar {
            holidays: (1..=7).map(|d| date(&format!("2026-10-0{d}"))).collect(),
            working_days: vec![date("2026-09-27"), date("2026-10-10")],
            ..BusinessCalendar::default()
        }
    }

    fn with_lunch_break() -> BusinessCalendar {
        BusinessCalendar {
            weekly_hours: WeeklyHours::monday_to_friday(vec![
                iv("09:00", "12:00"),
                iv("13:00", "18:00"),
            ]),
            ..BusinessCalendar::default()
        }
    }

    fn berlin_office() -> BusinessCalendar {
        BusinessCalendar {
            time_zone: "Europe/Berlin".into(),
            ..BusinessCalendar::default()
        }
    }

    /// Every day, all day: business time is plain elapsed time.
    fn berlin_round_the_clock() -> BusinessCalendar {
        let all_day = vec![iv("00:00", "00:00")];
        let mut weekly_hours = WeeklyHours::default();
        for day in WEEK {
            *weekly_hours.day_mut(day) = all_day.clone();
        }
        BusinessCalendar {
            time_zone: "Europe/Berlin".into(),
            weekly_hours,
            ..BusinessCalendar::default()
        }
    }

    /// Berlin, Sundays only, with the given hours (DST switches on Sundays).
    fn berlin_sundays(hours: Vec<WorkInterval>) -> BusinessCalendar {
        BusinessCalendar {
            time_zone: "Europe/Berlin".into(),
            weekly_hours: WeeklyHours {
                sun: hours,
                ..WeeklyHours::default()
            },
            ..BusinessCalendar::default()
        }
    }

    fn no_hours() -> BusinessCalendar {
        BusinessCalendar {
            weekly_hours: WeeklyHours::default(),
            ..BusinessCalendar::default()
        }
    }

    // --- default calendar -------------------------------------------------

    #[test]
    fn default_is_weekdays_nine_to_six_in_shanghai() {
        let cal = BusinessCalendar::default();
        assert_eq!(cal.time_zone, "Asia/Shanghai");
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            assert_eq!(cal.weekly_hours.day(day), [iv("09:00", "18:00")]);
        }
        assert!(cal.weekly_hours.sat.is_empty() && cal.weekly_hours.sun.is_empty());
        assert!(cal.holidays.is_empty() && cal.working_days.is_empty());
        assert_eq!(cal.validate(), Ok(()));
    }

    // --- add_business_minutes ----------------------------------------------

    #[test]
    fn friday_five_pm_plus_two_hours_is_due_monday_ten() {
        assert_eq!(
            add(&shanghai(), "2026-10-16 17:00", 120),
            "Mon 2026-10-19 10:00"
        );
    }

    #[test]
    fn within_one_day() {
        let cal = shanghai();
        assert_eq!(add(&cal, "2026-06-01 10:00", 120), "Mon 2026-06-01 12:00");
        assert_eq!(add(&cal, "2026-06-01 09:00", 540), "Mon 2026-06-01 18:00");
        assert_eq!(add(&cal, "2026-06-01 09:00", 541), "Tue 2026-06-02 09:01");
    }

    #[test]
    fn work_that_ends_at_closing_time_is_due_at_closing_time() {
        assert_eq!(
            add(&shanghai(), "2026-06-05 17:00", 60),
            "Fri 2026-06-05 18:00"
        );
    }

    #[test]
    fn exact_boundaries() {
        let cal = shanghai();
        // At closing time the day is over; at opening time it has begun.
        assert_eq!(add(&cal, "2026-06-01 18:00", 1), "Tue 2026-06-02 09:01");
        assert_eq!(add(&cal, "2026-06-01 18:00", 0), "Tue 2026-06-02 09:00");
        assert_eq!(add(&cal, "2026-06-01 09:00", 0), "Mon 2026-06-01 09:00");
        assert_eq!(add(&cal, "2026-06-01 09:00", 1), "Mon 2026-06-01 09:01");
        assert_eq!(add(&cal, "2026-06-01 08:59", 1), "Mon 2026-06-01 09:01");
    }

    #[test]
    fn created_outside_hours_counts_from_the_next_opening() {
        let cal = shanghai();
        assert_eq!(add(&cal, "2026-06-06 10:00", 30), "Mon 2026-06-08 09:30"); // Saturday
        assert_eq!(add(&cal, "2026-06-07 23:59", 30), "Mon 2026-06-08 09:30"); // Sunday night
        assert_eq!(add(&cal, "2026-06-02 20:00", 30), "Wed 2026-06-03 09:30"); // evening
        assert_eq!(add(&cal, "2026-06-03 07:00", 30), "Wed 2026-06-03 09:30"); // early
        assert_eq!(add(&cal, "2026-06-05 20:00", 600), "Tue 2026-06-09 10:00");
    }

    #[test]
    fn zero_minutes_is_the_next_working_moment() {
        let cal = shanghai();
        assert_eq!(add(&cal, "2026-06-01 11:17", 0), "Mon 2026-06-01 11:17");
        assert_eq!(add(&cal, "2026-06-06 11:17", 0), "Mon 2026-06-08 09:00");
        // Negative amounts count as zero.
        assert_eq!(add(&cal, "2026-06-01 11:17", -30), "Mon 2026-06-01 11:17");
        assert_eq!(
            add(&cal, "2026-06-06 11:17", i64::MIN),
            "Mon 2026-06-08 09:00"
        );
    }

    #[test]
    fn seconds_of_the_start_are_kept() {
        let cal = shanghai();
        let start = at(&cal, "2026-06-01 17:59") + TimeDelta::seconds(30);
        let due = cal.add_business_minutes(start, 1).unwrap();
        assert_eq!(due, at(&cal, "2026-06-02 09:00") + TimeDelta::seconds(30));
        assert_eq!(cal.business_minutes_between(start, due).unwrap(), 1);
    }

    #[test]
    fn national_day_holidays_are_skipped() {
        let cal = national_day_2026();
        // Wed 09-30 17:00: one hour before the holiday week, one after it.
        assert_eq!(add(&cal, "2026-09-30 17:00", 120), "Thu 2026-10-08 10:00");
        assert_eq!(add(&cal, "2026-10-03 12:00", 60), "Thu 2026-10-08 10:00");
        assert_eq!(add(&cal, "2026-10-01 09:00", 0), "Thu 2026-10-08 09:00");
    }

    #[test]
    fn make_up_working_days_are_worked() {
        let cal = national_day_2026();
        // Fri 10-09 17:00 → Saturday 10-10 is a make-up day with Monday's hours.
        assert_eq!(add(&cal, "2026-10-09 17:00", 120), "Sat 2026-10-10 10:00");
        assert_eq!(
            add(&cal, "2026-10-09 17:00", 60 + 540 + 30),
            "Mon 2026-10-12 09:30"
        );
        // Sat 09-26 is an ordinary weekend day, Sun 09-27 a make-up day.
        assert_eq!(add(&cal, "2026-09-26 10:00", 30), "Sun 2026-09-27 09:30");
        // Without the make-up entry that Saturday is off.
        let plain = BusinessCalendar {
            working_days: Vec::new(),
            ..cal
        };
        assert_eq!(add(&plain, "2026-10-09 17:00", 120), "Mon 2026-10-12 10:00");
    }

    #[test]
    fn make_up_days_can_have_their_own_hours() {
        let cal = BusinessCalendar {
            working_day_hours: Some(vec![iv("10:00", "12:00")]),
            ..national_day_2026()
        };
        assert_eq!(add(&cal, "2026-10-09 17:00", 90), "Sat 2026-10-10 10:30");
        assert_eq!(
            add(&cal, "2026-10-09 17:00", 60 + 120 + 15),
            "Mon 2026-10-12 09:15"
        );
        assert_eq!(between(&cal, "2026-10-10 00:00", "2026-10-11 00:00"), 120);
    }

    #[test]
    fn lunch_break_is_not_counted() {
        let cal = with_lunch_break();
        assert_eq!(add(&cal, "2026-06-01 11:00", 90), "Mon 2026-06-01 13:30");
        assert_eq!(add(&cal, "2026-06-01 11:00", 60), "Mon 2026-06-01 12:00");
        assert_eq!(add(&cal, "2026-06-01 12:30", 0), "Mon 2026-06-01 13:00");
        assert_eq!(add(&cal, "2026-06-01 12:00", 1), "Mon 2026-06-01 13:01");
        assert_eq!(add(&cal, "2026-06-01 09:00", 480), "Mon 2026-06-01 18:00");
        assert_eq!(add(&cal, "2026-06-01 09:00", 481), "Tue 2026-06-02 09:01");
        assert_eq!(between(&cal, "2026-06-01 11:00", "2026-06-01 14:00"), 120);
        assert_eq!(between(&cal, "2026-06-01 00:00", "2026-06-02 00:00"), 480);
    }

    #[test]
    fn intervals_may_be_listed_in_any_order() {
        let mut cal = with_lunch_break();
        cal.weekly_hours.mon = vec![iv("13:00", "18:00"), iv("09:00", "12:00")];
        assert_eq!(add(&cal, "2026-06-01 11:00", 90), "Mon 2026-06-01 13:30");
        assert_eq!(between(&cal, "2026-06-01 00:00", "2026-06-02 00:00"), 480);
    }

    #[test]
    fn overlapping_intervals_of_an_unvalidated_calendar_count_once() {
        let mut cal = shanghai();
        cal.weekly_hours.mon = vec![iv("09:00", "13:00"), iv("12:00", "18:00")];
        assert!(cal.validate().is_err());
        assert_eq!(between(&cal, "2026-06-01 00:00", "2026-06-02 00:00"), 540);
        assert_eq!(add(&cal, "2026-06-01 09:00", 540), "Mon 2026-06-01 18:00");
    }

    #[test]
    fn long_spans_skip_whole_days() {
        let cal = shanghai();
        // 200 working days of 540 minutes: 40 whole weeks later.
        assert_eq!(
            add(&cal, "2026-01-05 09:00", 200 * 540),
            "Fri 2026-10-09 18:00"
        );
        // Five years of weekdays.
        let (from, to) = (date("2024-01-01"), date("2029-01-01"));
        let weekdays = from
            .iter_days()
            .take_while(|d| *d < to)
            .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
            .count() as i64;
        assert_eq!(
            between(&cal, "2024-01-01 00:00", "2029-01-01 00:00"),
            weekdays * 540
        );
    }

    #[test]
    fn a_lone_make_up_day_years_ahead_is_found() {
        let cal = BusinessCalendar {
            working_days: vec![date("2030-01-02")],
            working_day_hours: Some(vec![iv("09:00", "18:00")]),
            ..no_hours()
        };
        assert_eq!(add(&cal, "2026-01-01 12:00", 60), "Wed 2030-01-02 10:00");
    }

    // --- calendars without working time never hang ---------------------------

    #[test]
    fn an_empty_calendar_errors_instead_of_looping() {
        let cal = no_hours();
        let start = at(&cal, "2026-06-01 10:00");
        assert_eq!(
            cal.add_business_minutes(start, 60),
            Err(BusinessTimeError::NoWorkingTime)
        );
        assert_eq!(
            cal.add_business_minutes(start, 0),
            Err(BusinessTimeError::NoWorkingTime)
        );
        assert_eq!(between(&cal, "2026-06-01 00:00", "2027-06-01 00:00"), 0);
    }

    #[test]
    fn working_time_only_in_the_past_errors_after_the_horizon() {
        let cal = BusinessCalendar {
            working_days: vec![date("2020-01-02")],
            working_day_hours: Some(vec![iv("09:00", "18:00")]),
            ..no_hours()
        };
        let start = at(&cal, "2026-06-01 10:00");
        assert_eq!(
            cal.add_business_minutes(start, 60),
            Err(BusinessTimeError::NoWorkingTime)
        );
    }

    #[test]
    fn an_absurd_amount_errors_without_overflow() {
        let cal = shanghai();
        let start = at(&cal, "2026-06-01 10:00");
        assert_eq!(
            cal.add_business_minutes(start, i64::MAX),
            Err(BusinessTimeError::NoWorkingTime)
        );
    }

    #[test]
    fn an_unknown_time_zone_is_an_error() {
        let cal = BusinessCalendar {
            time_zone: "Mars/Olympus_Mons".into(),
            ..shanghai()
        };
        let now = utc("2026-06-01 02:00");
        let unknown = Err(BusinessTimeError::InvalidTimeZone(
            "Mars/Olympus_Mons".into(),
        ));
        assert_eq!(cal.add_business_minutes(now, 1), unknown);
        assert_eq!(cal.due_after_pauses(now, &[]), unknown);
        assert!(cal.business_minutes_between(now, now).is_err());
    }

    // --- business_minutes_between -------------------------------------------

    #[test]
    fn minutes_between_counts_only_working_time() {
        let cal = shanghai();
        assert_eq!(between(&cal, "2026-06-01 10:00", "2026-06-01 11:30"), 90);
        assert_eq!(between(&cal, "2026-06-05 17:00", "2026-06-08 10:00"), 120);
        assert_eq!(between(&cal, "2026-06-06 00:00", "2026-06-08 00:00"), 0);
        assert_eq!(
            between(&cal, "2026-06-01 00:00", "2026-06-08 00:00"),
            5 * 540
        );
        assert_eq!(between(&cal, "2026-06-01 18:00", "2026-06-02 09:00"), 0);
    }

    #[test]
    fn minutes_between_is_zero_for_empty_or_reversed_ranges() {
        let cal = shanghai();
        assert_eq!(between(&cal, "2026-06-01 10:00", "2026-06-01 10:00"), 0);
        assert_eq!(between(&cal, "2026-06-01 12:00", "2026-06-01 10:00"), 0);
    }

    #[test]
    fn minutes_between_rounds_down() {
        let cal = shanghai();
        let from = at(&cal, "2026-06-01 10:00");
        let to = from + TimeDelta::seconds(119);
        assert_eq!(cal.business_minutes_between(from, to).unwrap(), 1);
    }

    #[test]
    fn minutes_between_skips_holidays_and_counts_make_up_days() {
        let cal = national_day_2026();
        // Mon 09-28 … Sun 10-11: Mon–Wed and Thu 10-08, Fri 10-09, Sat 10-10.
        assert_eq!(
            between(&cal, "2026-09-28 00:00", "2026-10-12 00:00"),
            6 * 540
        );
        assert_eq!(between(&cal, "2026-09-27 10:00", "2026-09-27 11:00"), 60);
    }

    /// `between(start, add(start, n)) == n`, the due time is the earliest
    /// such instant, and adding in two steps equals adding at once.
    fn check_add_and_between_agree(cal: &BusinessCalendar, first: &str, last: &str) {
        let (first, last) = (at(cal, first), at(cal, last));
        let targets = [
            0, 1, 2, 59, 60, 61, 179, 180, 181, 539, 540, 541, 1000, 2222, 5000,
        ];
        let mut start = first;
        let mut checked = 0;
        while start < last {
            for n in targets {
                let due = cal.add_business_minutes(start, n).unwrap();
                assert!(due >= start);
                let elapsed = cal.business_minutes_between(start, due).unwrap();
                assert_eq!(elapsed, n, "{} + {n}", show(cal, start));
                if n > 0 {
                    let just_before = due - TimeDelta::minutes(1);
                    let elapsed = cal.business_minutes_between(start, just_before).unwrap();
                    assert_eq!(elapsed, n - 1, "{} + {n} earliest", show(cal, start));
                    let in_two = cal.add_business_minutes(start, n / 3).unwrap();
                    let in_two = cal.add_business_minutes(in_two, n - n / 3).unwrap();
                    assert_eq!(in_two, due, "{} + {n} in two steps", show(cal, start));
                }
                checked += 1;
            }
            start += TimeDelta::minutes(53);
        }
        assert!(checked > 1000);
    }

    #[test]
    fn between_inverts_add_around_national_day_with_lunch_breaks() {
        let cal = BusinessCalendar {
            weekly_hours: with_lunch_break().weekly_hours,
            ..national_day_2026()
        };
        check_add_and_between_agree(&cal, "2026-09-24 00:00", "2026-10-14 00:00");
    }

    #[test]
    fn between_inverts_add_across_berlin_dst_switches() {
        check_add_and_between_agree(&berlin_office(), "2026-03-25 00:00", "2026-04-01 00:00");
        check_add_and_between_agree(&berlin_office(), "2026-10-21 00:00", "2026-10-28 00:00");
        let all_day = berlin_round_the_clock();
        check_add_and_between_agree(&all_day, "2026-03-27 00:00", "2026-03-31 00:00");
        check_add_and_between_agree(&all_day, "2026-10-23 00:00", "2026-10-27 00:00");
    }

    // --- time zones and DST ---------------------------------------------------

    #[test]
    fn shanghai_has_no_dst() {
        let cal = shanghai();
        let summer = cal.add_business_minutes(at(&cal, "2026-07-06 08:00"), 60);
        let winter = cal.add_business_minutes(at(&cal, "2026-01-05 08:00"), 60);
        assert_eq!(summer, Ok(utc("2026-07-06 02:00")));
        assert_eq!(winter, Ok(utc("2026-01-05 02:00")));
    }

    #[test]
    fn berlin_office_hours_follow_the_wall_clock_across_dst() {
        let cal = berlin_office();
        // Spring forward on Sun 03-29: Friday is CET (+1), Monday CEST (+2).
        let due = cal.add_business_minutes(utc("2026-03-27 16:00"), 120);
        assert_eq!(due, Ok(utc("2026-03-30 08:00")));
        assert_eq!(add(&cal, "2026-03-27 17:00", 120), "Mon 2026-03-30 10:00");
        // Fall back on Sun 10-25: Friday is CEST (+2), Monday CET (+1).
        let due = cal.add_business_minutes(utc("2026-10-23 15:00"), 120);
        assert_eq!(due, Ok(utc("2026-10-26 09:00")));
        assert_eq!(between(&cal, "2026-10-23 17:00", "2026-10-26 10:00"), 120);
    }

    #[test]
    fn round_the_clock_days_are_23_and_25_hours_long_at_the_switches() {
        let cal = berlin_round_the_clock();
        assert_eq!(
            between(&cal, "2026-03-29 00:00", "2026-03-30 00:00"),
            23 * 60
        );
        assert_eq!(
            between(&cal, "2026-10-25 00:00", "2026-10-26 00:00"),
            25 * 60
        );
        assert_eq!(
            between(&cal, "2026-03-28 00:00", "2026-03-29 00:00"),
            24 * 60
        );
        // 24 business hours are 24 real hours, which the wall clock shows as 25 or 23.
        assert_eq!(
            add(&cal, "2026-03-28 12:00", 24 * 60),
            "Sun 2026-03-29 13:00"
        );
        assert_eq!(
            add(&cal, "2026-10-24 12:00", 24 * 60),
            "Sun 2026-10-25 11:00"
        );
    }

    #[test]
    fn hours_reaching_into_the_spring_gap_start_or_end_at_the_jump() {
        // On 03-29 Berlin clocks jump from 02:00 to 03:00.
        let across = berlin_sundays(vec![iv("01:00", "04:00")]);
        assert_eq!(
            between(&across, "2026-03-29 00:00", "2026-03-30 00:00"),
            120
        );
        let inside = berlin_sundays(vec![iv("02:00", "03:00")]);
        assert_eq!(between(&inside, "2026-03-29 00:00", "2026-03-30 00:00"), 0);
        assert_eq!(add(&inside, "2026-03-28 12:00", 30), "Sun 2026-04-05 02:30");
        let from_gap = berlin_sundays(vec![iv("02:30", "05:00")]);
        assert_eq!(
            between(&from_gap, "2026-03-29 00:00", "2026-03-30 00:00"),
            120
        );
        let opens = from_gap.add_business_minutes(utc("2026-03-28 12:00"), 0);
        assert_eq!(opens, Ok(utc("2026-03-29 01:00"))); // 03:00 CEST
        assert_eq!(
            add(&from_gap, "2026-03-28 12:00", 0),
            "Sun 2026-03-29 03:00"
        );
    }

    #[test]
    fn hours_across_the_autumn_repeat_count_the_extra_hour() {
        // On 10-25 Berlin clocks go back from 03:00 to 02:00.
        let cal = berlin_sundays(vec![iv("01:00", "04:00")]);
        assert_eq!(
            between(&cal, "2026-10-25 00:00", "2026-10-26 00:00"),
            4 * 60
        );
        assert_eq!(
            add(&cal, "2026-10-24 12:00", 4 * 60),
            "Sun 2026-10-25 04:00"
        );
    }

    // --- pauses -------------------------------------------------------------

    fn pause(cal: &BusinessCalendar, from: &str, to: &str) -> (DateTime<Utc>, DateTime<Utc>) {
        (at(cal, from), at(cal, to))
    }

    fn shifted(cal: &BusinessCalendar, due: &str, pauses: &[(&str, &str)]) -> String {
        let pauses: Vec<_> = pauses.iter().map(|(p, r)| pause(cal, p, r)).collect();
        show(cal, cal.due_after_pauses(at(cal, due), &pauses).unwrap())
    }

    #[test]
    fn without_pauses_the_due_time_stays() {
        let cal = shanghai();
        // Even a due time at closing time is not moved to the next opening.
        assert_eq!(
            shifted(&cal, "2026-06-05 18:00", &[]),
            "Fri 2026-06-05 18:00"
        );
    }

    #[test]
    fn a_pause_in_working_hours_moves_the_due_time_by_its_length() {
        let cal = shanghai();
        // Created Mon 09:00 with a 240-minute target: due Mon 13:00.
        let due = add(&cal, "2026-06-01 09:00", 240);
        assert_eq!(due, "Mon 2026-06-01 13:00");
        let pauses = [("2026-06-01 10:00", "2026-06-01 11:00")];
        assert_eq!(
            shifted(&cal, "2026-06-01 13:00", &pauses),
            "Mon 2026-06-01 14:00"
        );
    }

    #[test]
    fn a_pause_over_a_weekend_only_counts_its_working_part() {
        let cal = shanghai();
        // Created Fri 16:00, 240 minutes: due Mon 11:00.
        assert_eq!(add(&cal, "2026-06-05 16:00", 240), "Mon 2026-06-08 11:00");
        let weekend = [("2026-06-05 18:30", "2026-06-08 08:30")];
        assert_eq!(
            shifted(&cal, "2026-06-08 11:00", &weekend),
            "Mon 2026-06-08 11:00"
        );
        // Paused Fri 17:00 with 180 minutes left, resumed Mon 10:00: due 13:00.
        let longer = [("2026-06-05 17:00", "2026-06-08 10:00")];
        assert_eq!(
            shifted(&cal, "2026-06-08 11:00", &longer),
            "Mon 2026-06-08 13:00"
        );
    }

    #[test]
    fn overlapping_and_unordered_pauses_count_once() {
        let cal = shanghai();
        let overlapping = [
            ("2026-06-01 10:30", "2026-06-01 11:30"),
            ("2026-06-01 10:00", "2026-06-01 11:00"),
        ];
        assert_eq!(
            shifted(&cal, "2026-06-01 13:00", &overlapping),
            "Mon 2026-06-01 14:30"
        );
        let unordered = [
            ("2026-06-01 11:00", "2026-06-01 11:30"),
            ("2026-06-01 09:30", "2026-06-01 10:00"),
        ];
        assert_eq!(
            shifted(&cal, "2026-06-01 13:00", &unordered),
            "Mon 2026-06-01 14:00"
        );
        let empty_or_reversed = [
            ("2026-06-01 10:00", "2026-06-01 10:00"),
            ("2026-06-01 11:00", "2026-06-01 10:00"),
        ];
        let kept = shifted(&cal, "2026-06-01 13:00", &empty_or_reversed);
        assert_eq!(kept, "Mon 2026-06-01 13:00");
    }

    #[test]
    fn a_pause_running_past_the_due_time_moves_it_beyond_the_resume() {
        let cal = shanghai();
        // 60 minutes were left at 12:00; resumed at 16:00, due at 17:00.
        let straddling = [("2026-06-01 12:00", "2026-06-01 16:00")];
        assert_eq!(
            shifted(&cal, "2026-06-01 13:00", &straddling),
            "Mon 2026-06-01 17:00"
        );
        // The second pause starts before the shifted due time, so it counts.
        let two = [
            ("2026-06-01 12:00", "2026-06-01 16:00"),
            ("2026-06-01 16:30", "2026-06-01 17:00"),
        ];
        assert_eq!(
            shifted(&cal, "2026-06-01 13:00", &two),
            "Mon 2026-06-01 17:30"
        );
        // Still paused: the caller passes `now` as the end.
        let running = [("2026-06-01 12:00", "2026-06-02 10:00")];
        assert_eq!(
            shifted(&cal, "2026-06-01 13:00", &running),
            "Tue 2026-06-02 11:00"
        );
    }

    #[test]
    fn a_pause_after_a_missed_due_time_does_not_move_it() {
        let cal = shanghai();
        let after = [("2026-06-01 14:00", "2026-06-01 15:00")];
        assert_eq!(
            shifted(&cal, "2026-06-01 13:00", &after),
            "Mon 2026-06-01 13:00"
        );
        let at_due = [("2026-06-01 13:00", "2026-06-01 15:00")];
        assert_eq!(
            shifted(&cal, "2026-06-01 13:00", &at_due),
            "Mon 2026-06-01 13:00"
        );
    }

    #[test]
    fn pause_shift_keeps_seconds() {
        let cal = shanghai();
        let due = at(&cal, "2026-06-01 13:00");
        let paused_at = at(&cal, "2026-06-01 10:00");
        let pauses = [(paused_at, paused_at + TimeDelta::seconds(90))];
        let shifted = cal.due_after_pauses(due, &pauses).unwrap();
        assert_eq!(shifted, due + TimeDelta::seconds(90));
    }

    // --- validation -----------------------------------------------------------

    fn errors(cal: &BusinessCalendar) -> FieldErrors {
        cal.validate().unwrap_err()
    }

    #[test]
    fn an_unknown_time_zone_fails_validation() {
        for zone in ["Asia/Beijing", "", "asia/shanghai", "UTC+8"] {
            let cal = BusinessCalendar {
                time_zone: zone.into(),
                ..shanghai()
            };
            let errors = errors(&cal);
            assert!(errors["time_zone"].contains("unknown time zone"), "{zone}");
            assert_eq!(errors.len(), 1);
        }
        for zone in ["Europe/Berlin", "UTC", "America/New_York", "Asia/Hong_Kong"] {
            let cal = BusinessCalendar {
                time_zone: zone.into(),
                ..shanghai()
            };
            assert_eq!(cal.validate(), Ok(()), "{zone}");
        }
    }

    #[test]
    fn an_interval_must_start_before_it_ends() {
        let mut cal = shanghai();
        cal.weekly_hours.mon = vec![iv("18:00", "09:00")];
        cal.weekly_hours.wed = vec![iv("09:00", "09:00")];
        let errors = errors(&cal);
        assert_eq!(
            errors["weekly_hours.mon"],
            "18:00–09:00: the start must be before the end"
        );
        assert!(errors["weekly_hours.wed"].contains("before the end"));
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn overlapping_intervals_fail_validation() {
        let mut cal = shanghai();
        cal.weekly_hours.tue = vec![iv("12:00", "18:00"), iv("09:00", "13:00")];
        assert_eq!(
            errors(&cal)["weekly_hours.tue"],
            "09:00–13:00 overlaps 12:00–18:00"
        );
    }

    #[test]
    fn touching_intervals_and_whole_days_are_valid() {
        let mut cal = shanghai();
        cal.weekly_hours.mon = vec![iv("09:00", "12:00"), iv("12:00", "18:00")];
        cal.weekly_hours.sat = vec![iv("00:00", "00:00")];
        cal.weekly_hours.sun = vec![iv("22:00", "00:00"), iv("00:00", "02:00")];
        assert_eq!(cal.validate(), Ok(()));
        assert_eq!(
            between(&cal, "2026-06-06 00:00", "2026-06-07 00:00"),
            24 * 60
        );
        assert_eq!(
            between(&cal, "2026-06-07 00:00", "2026-06-08 00:00"),
            4 * 60
        );
    }

    #[test]
    fn a_date_cannot_be_both_holiday_and_working_day() {
        let mut cal = national_day_2026();
        cal.working_days.push(date("2026-10-01"));
        cal.working_days.push(date("2026-10-02"));
        assert_eq!(
            errors(&cal)["working_days"],
            "also listed as holidays: 2026-10-01, 2026-10-02"
        );
        // Arithmetic on such a calendar treats the date as a holiday.
        assert_eq!(between(&cal, "2026-10-01 00:00", "2026-10-02 00:00"), 0);
    }

    #[test]
    fn a_calendar_needs_some_working_hours() {
        assert_eq!(
            errors(&no_hours())["weekly_hours"],
            "at least one weekday needs working hours"
        );
    }

    #[test]
    fn make_up_days_need_hours_when_monday_has_none() {
        let mut cal = national_day_2026();
        cal.weekly_hours.mon = Vec::new();
        cal.weekly_hours.sat = vec![iv("09:00", "18:00")];
        assert!(errors(&cal)["working_day_hours"].contains("Monday has none"));
        cal.working_day_hours = Some(vec![iv("09:00", "18:00")]);
        assert_eq!(cal.validate(), Ok(()));
        cal.working_day_hours = Some(vec![iv("09:00", "18:00"), iv("17:00", "19:00")]);
        assert!(errors(&cal)["working_day_hours"].contains("overlaps"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut cal = national_day_2026();
        cal.time_zone = "Nowhere".into();
        cal.weekly_hours.fri = vec![iv("10:00", "08:00")];
        cal.working_days.push(date("2026-10-03"));
        let keys: Vec<String> = errors(&cal).into_keys().collect();
        assert_eq!(keys, ["time_zone", "weekly_hours.fri", "working_days"]);
    }

    // --- stored as JSON ---------------------------------------------------------

    #[test]
    fn json_round_trip() {
        let cal = BusinessCalendar {
            working_day_hours: Some(vec![iv("10:00", "16:00")]),
            ..national_day_2026()
        };
        let json = serde_json::to_string(&cal).unwrap();
        assert_eq!(
            serde_json::from_str::<BusinessCalendar>(&json).unwrap(),
            cal
        );
    }

    #[test]
    fn json_shape_of_the_default() {
        let json = serde_json::to_value(BusinessCalendar::default()).unwrap();
        assert_eq!(json["time_zone"], "Asia/Shanghai");
        assert_eq!(json["weekly_hours"]["mon"][0]["start"], "09:00:00");
        assert_eq!(json["weekly_hours"]["fri"][0]["end"], "18:00:00");
        assert_eq!(json["weekly_hours"]["sat"], serde_json::json!([]));
        assert_eq!(json["holidays"], serde_json::json!([]));
        assert!(json.get("working_day_hours").is_none());
    }

    #[test]
    fn json_missing_fields_take_defaults_and_short_times_parse() {
        let cal: BusinessCalendar = serde_json::from_str("{}").unwrap();
        assert_eq!(cal, BusinessCalendar::default());
        let cal: BusinessCalendar = serde_json::from_str(
            r#"{"time_zone": "Europe/Berlin",
                "weekly_hours": {"mon": [{"start": "09:00", "end": "17:30"}]},
                "holidays": ["2026-12-25"]}"#,
        )
        .unwrap();
        assert_eq!(cal.weekly_hours.mon, [iv("09:00", "17:30")]);
        assert!(cal.weekly_hours.tue.is_empty());
        assert_eq!(cal.holidays, [date("2026-12-25")]);
        assert!(cal.working_days.is_empty());
        assert_eq!(cal.validate(), Ok(()));
    }
}
