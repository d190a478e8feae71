//! The SLA settings' pure logic: the business calendar as the API sends it
//! and as the form edits it (hours as `09:00-12:00, 13:00-18:00`, dates one
//! per line or as `2025-10-01~2025-10-08` ranges), and the level × priority
//! grid of SLA targets.
//!
//! Times and dates stay strings (`"09:00:00"`, `"2025-10-01"`) and are read
//! by hand: chrono's general parser and formatter would cost kilobytes of
//! WASM for this one page.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime};
use shared::tickets::{
    check_sla_targets, SlaPolicies, SlaPolicy, SlaTargetError, TicketPriority, MAX_SLA_MINUTES,
};

/// The calendar as the API carries it (`GET/PUT /api/v1/calendar`): the
/// wire contract's type, with its working intervals and dates.
pub use shared::calendar::{BusinessCalendar as Calendar, WeeklyHours, WorkInterval, WEEK};

/// Why a calendar field could not be read; the text in question comes along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalError {
    /// Not `HH:MM-HH:MM`.
    BadInterval(String),
    /// Ends before it starts.
    Backwards(String),
    /// Not `YYYY-MM-DD` (or a range of those).
    BadDate(String),
    /// A range longer than a year, or reversed.
    BadRange(String),
}

fn is_separator(c: char) -> bool {
    matches!(c, ',' | ';' | '，' | '；' | '、' | '\n')
}

/// `H:MM` or `HH:MM` (`24:00` is midnight) → minutes after midnight.
fn parse_time(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once([':', '：'])?;
    let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (m < 60 && (h < 24 || (h, m) == (24, 0))).then_some(h * 60 + m)
}

/// Minutes after midnight as a time of day (`24:00` is midnight, `00:00`).
fn time_of(minutes: u32) -> NaiveTime {
    NaiveTime::from_hms_opt((minutes / 60) % 24, minutes % 60, 0).unwrap_or(NaiveTime::MIN)
}

/// `09:00-12:00, 13:00-18:00` (also with `–`, `~`, full-width punctuation);
/// blank is a day off. `24:00` or `00:00` as an end means midnight.
pub fn parse_intervals(text: &str) -> Result<Vec<WorkInterval>, CalError> {
    let mut out = Vec::new();
    for piece in text
        .split(is_separator)
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let bad = || CalError::BadInterval(piece.to_string());
        let (a, b) = piece
            .split_once(['-', '–', '~', '～', '—'])
            .ok_or_else(bad)?;
        let (start, end) = (
            parse_time(a).ok_or_else(bad)?,
            parse_time(b).ok_or_else(bad)?,
        );
        // 24:00 and 00:00 as an end are both midnight.
        let end = if end == 0 { 24 * 60 } else { end };
        if start >= end {
            return Err(CalError::Backwards(piece.to_string()));
        }
        out.push((start, end));
    }
    out.sort();
    Ok(out
        .into_iter()
        .map(|(start, end)| WorkInterval::new(time_of(start), time_of(end)))
        .collect())
}

pub fn format_intervals(intervals: &[WorkInterval]) -> String {
    intervals
        .iter()
        .map(|i| format!("{}-{}", i.start.format("%H:%M"), i.end.format("%H:%M")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().splitn(3, '-');
    let mut next = || parts.next()?.trim().parse::<u32>().ok();
    let (y, m, d) = (next()?, next()?, next()?);
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

fn date_string(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Dates separated by commas, spaces or lines; `a~b` (or `a..b`) is every
/// day from `a` to `b`. Sorted, without repeats, as `YYYY-MM-DD`.
pub fn parse_dates(text: &str) -> Result<Vec<NaiveDate>, CalError> {
    let mut out = Vec::new();
    for piece in text
        .split(|c: char| is_separator(c) || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let range = piece
            .split_once("..")
            .or_else(|| piece.split_once(['~', '～']));
        match range {
            None => out.push(parse_date(piece).ok_or_else(|| CalError::BadDate(piece.into()))?),
            Some((a, b)) => {
                let bad = || CalError::BadDate(piece.to_string());
                let (mut day, last) = (
                    parse_date(a).ok_or_else(bad)?,
                    parse_date(b).ok_or_else(bad)?,
                );
                if last < day || (last - day).num_days() > 366 {
                    return Err(CalError::BadRange(piece.into()));
                }
                while day <= last {
                    out.push(day);
                    match day.succ_opt() {
                        Some(next) => day = next,
                        None => break,
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// One date or `first~last` per line, consecutive days folded into ranges.
pub fn format_dates(dates: &[NaiveDate]) -> String {
    let mut sorted: Vec<NaiveDate> = dates.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut lines: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j].succ_opt() == Some(sorted[j + 1]) {
            j += 1;
        }
        lines.push(if i == j {
            date_string(sorted[i])
        } else {
            format!("{}~{}", date_string(sorted[i]), date_string(sorted[j]))
        });
        i = j + 1;
    }
    lines.join("\n")
}

/// The calendar form's texts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalendarForm {
    pub time_zone: String,
    /// Monday to Sunday.
    pub days: [String; 7],
    pub holidays: String,
    pub working_days: String,
    /// Blank: Monday's hours.
    pub working_day_hours: String,
}

impl CalendarForm {
    pub fn from_calendar(c: &Calendar) -> Self {
        CalendarForm {
            time_zone: c.time_zone.clone(),
            days: WEEK.map(|d| format_intervals(c.weekly_hours.day(d))),
            holidays: format_dates(&c.holidays),
            working_days: format_dates(&c.working_days),
            working_day_hours: c
                .working_day_hours
                .as_deref()
                .map(format_intervals)
                .unwrap_or_default(),
        }
    }

    /// The calendar, or the first field that could not be read (its id in
    /// the form: `time_zone`, `day-0`…`day-6`, `holidays`, `working_days`,
    /// `working_day_hours`) and why.
    pub fn to_calendar(&self) -> Result<Calendar, (String, CalError)> {
        let mut weekly_hours = WeeklyHours::default();
        for (i, text) in self.days.iter().enumerate() {
            *weekly_hours.day_mut(WEEK[i]) =
                parse_intervals(text).map_err(|e| (format!("day-{i}"), e))?;
        }
        let hours = self.working_day_hours.trim();
        Ok(Calendar {
            time_zone: self.time_zone.trim().to_string(),
            weekly_hours,
            holidays: parse_dates(&self.holidays).map_err(|e| ("holidays".into(), e))?,
            working_days: parse_dates(&self.working_days)
                .map_err(|e| ("working_days".into(), e))?,
            working_day_hours: if hours.is_empty() {
                None
            } else {
                Some(parse_intervals(hours).map_err(|e| ("working_day_hours".into(), e))?)
            },
        })
    }
}

/// The form field a calendar error of the server (`weekly_hours.mon`, …)
/// belongs to.
pub fn calendar_field(server_key: &str) -> String {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    match server_key.strip_prefix("weekly_hours") {
        Some(rest) => {
            let day = rest.trim_start_matches('.');
            let at = DAYS.iter().position(|d| *d == day).unwrap_or(0);
            format!("day-{at}")
        }
        None => server_key.to_string(),
    }
}

pub const PRIORITIES: [TicketPriority; 4] = [
    TicketPriority::P1,
    TicketPriority::P2,
    TicketPriority::P3,
    TicketPriority::P4,
];

/// One service level of the grid: targets per priority (p1…p4) as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LevelRow {
    pub level: String,
    pub first: [String; 4],
    pub resolution: [String; 4],
}

/// What is wrong with the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlaError {
    /// Not a positive whole number of minutes.
    NotMinutes,
    FirstAfterResolution,
    /// Blank or longer than 40 characters.
    LevelName,
    DuplicateLevel,
    NoLevels,
    /// The default level is not in the grid.
    DefaultLevel,
}

/// The grid of `policies`, levels in the order the server sends them.
pub fn rows_from(policies: &SlaPolicies) -> Vec<LevelRow> {
    let mut rows: Vec<LevelRow> = Vec::new();
    for p in &policies.policies {
        let at = match rows.iter().position(|r| r.level == p.level) {
            Some(at) => at,
            None => {
                rows.push(LevelRow {
                    level: p.level.clone(),
                    ..Default::default()
                });
                rows.len() - 1
            }
        };
        if let Some(col) = PRIORITIES.iter().position(|x| *x == p.priority) {
            rows[at].first[col] = p.first_response_minutes.to_string();
            rows[at].resolution[col] = p.resolution_minutes.to_string();
        }
    }
    rows
}

/// A valid level name not in `rows` yet (trimmed), or why not.
pub fn new_level(rows: &[LevelRow], name: &str) -> Result<String, SlaError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(SlaError::LevelName);
    }
    if rows.iter().any(|r| r.level == name) {
        return Err(SlaError::DuplicateLevel);
    }
    Ok(name.to_string())
}

fn minutes(text: &str) -> Option<i32> {
    text.trim().parse().ok().filter(|m: &i32| *m > 0)
}

/// Cell ids of errors: `{row}-{col}-first`, `{row}-{col}-resolution`,
/// `{row}` for the level name, `default_level`, `policies`.
pub type GridErrors = BTreeMap<String, SlaError>;

pub fn to_policies(rows: &[LevelRow], default_level: &str) -> Result<SlaPolicies, GridErrors> {
    let mut errors = GridErrors::new();
    let mut policies = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let level = row.level.trim();
        if level.is_empty() || level.chars().count() > 40 {
            errors.insert(r.to_string(), SlaError::LevelName);
        } else if rows[..r].iter().any(|o| o.level.trim() == level) {
            errors.insert(r.to_string(), SlaError::DuplicateLevel);
        }
        for (c, priority) in PRIORITIES.iter().enumerate() {
            let first = minutes(&row.first[c]);
            let resolution = minutes(&row.resolution[c]);
            if first.is_none() {
                errors.insert(format!("{r}-{c}-first"), SlaError::NotMinutes);
            }
            if resolution.is_none() {
                errors.insert(format!("{r}-{c}-resolution"), SlaError::NotMinutes);
            }
            if let (Some(first), Some(resolution)) = (first, resolution) {
                // The rule the server applies too (shared).
                match check_sla_targets(first, resolution) {
                    Ok(()) => {}
                    Err(SlaTargetError::FirstAfterResolution) => {
                        errors.insert(format!("{r}-{c}-first"), SlaError::FirstAfterResolution);
                    }
                    Err(SlaTargetError::OutOfRange) => {
                        for (cell, value) in [("first", first), ("resolution", resolution)] {
                            if !(1..=MAX_SLA_MINUTES).contains(&value) {
                                errors.insert(format!("{r}-{c}-{cell}"), SlaError::NotMinutes);
                            }
                        }
                    }
                }
                policies.push(SlaPolicy {
                    level: level.to_string(),
                    priority: *priority,
                    first_response_minutes: first,
                    resolution_minutes: resolution,
                });
            }
        }
    }
    if rows.is_empty() {
        errors.insert("policies".into(), SlaError::NoLevels);
    } else if !rows.iter().any(|r| r.level.trim() == default_level.trim()) {
        errors.insert("default_level".into(), SlaError::DefaultLevel);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(SlaPolicies {
        default_level: default_level.trim().to_string(),
        policies,
    })
}

/// `90 min` as `1 h 30 min` / `1 小时 30 分钟`-style hint: (hours, minutes).
pub fn hours_minutes(text: &str) -> Option<(i32, i32)> {
    minutes(text).map(|m| (m / 60, m % 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::tickets::default_sla_policies;

    fn iv(start: &str, end: &str) -> WorkInterval {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M:%S").unwrap();
        WorkInterval::new(t(start), t(end))
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn hours_are_read_in_several_spellings() {
        assert_eq!(parse_intervals("  "), Ok(vec![]));
        assert_eq!(
            parse_intervals("13:00–18:00， 9:00-12:00"),
            Ok(vec![iv("09:00:00", "12:00:00"), iv("13:00:00", "18:00:00")])
        );
        assert_eq!(
            parse_intervals("00:00-24:00"),
            Ok(vec![iv("00:00:00", "00:00:00")])
        );
        assert_eq!(
            parse_intervals("9-12"),
            Err(CalError::BadInterval("9-12".into()))
        );
        assert_eq!(
            parse_intervals("18:00-09:00"),
            Err(CalError::Backwards("18:00-09:00".into()))
        );
        assert_eq!(
            format_intervals(&parse_intervals("9:00-12:00,13:30-18:00").unwrap()),
            "09:00-12:00, 13:30-18:00"
        );
    }

    #[test]
    fn odd_times_and_dates_are_refused_or_normalised() {
        assert!(parse_intervals("25:00-26:00").is_err());
        assert!(parse_intervals("09:60-10:00").is_err());
        assert_eq!(parse_dates("2025-2-3"), Ok(vec![d("2025-02-03")]));
        assert_eq!(
            format_intervals(&[iv("09:00:00", "18:30:00")]),
            "09:00-18:30"
        );
    }

    #[test]
    fn dates_and_ranges_round_trip() {
        let dates =
            parse_dates("2025-10-01~2025-10-03\n2025-01-01, 2025-10-02 2025-05-01..2025-05-02")
                .unwrap();
        assert_eq!(
            dates,
            vec![
                d("2025-01-01"),
                d("2025-05-01"),
                d("2025-05-02"),
                d("2025-10-01"),
                d("2025-10-02"),
                d("2025-10-03"),
            ]
        );
        let text = format_dates(&dates);
        assert_eq!(
            text,
            "2025-01-01\n2025-05-01~2025-05-02\n2025-10-01~2025-10-03"
        );
        assert_eq!(parse_dates(&text).unwrap(), dates);
        assert_eq!(
            parse_dates("2025-13-01"),
            Err(CalError::BadDate("2025-13-01".into()))
        );
        assert_eq!(
            parse_dates("2025-10-08~2025-10-01"),
            Err(CalError::BadRange("2025-10-08~2025-10-01".into()))
        );
        assert_eq!(parse_dates(""), Ok(vec![]));
    }

    #[test]
    fn the_calendar_form_round_trips_and_points_at_bad_fields() {
        let json = r#"{"time_zone":"Asia/Shanghai","weekly_hours":{"mon":[{"start":"09:00:00","end":"18:00:00"}],"fri":[{"start":"09:00:00","end":"12:00:00"}]},"holidays":["2025-10-01","2025-10-02"],"working_days":["2025-09-28"]}"#;
        let cal: Calendar = serde_json::from_str(json).unwrap();
        assert!(cal.weekly_hours.sat.is_empty());
        let form = CalendarForm::from_calendar(&cal);
        assert_eq!(form.days[0], "09:00-18:00");
        assert_eq!(form.days[4], "09:00-12:00");
        assert_eq!(form.holidays, "2025-10-01~2025-10-02");
        assert_eq!(form.working_day_hours, "");
        assert_eq!(form.to_calendar().unwrap(), cal);
        let sent = serde_json::to_value(&cal).unwrap();
        assert!(sent.get("working_day_hours").is_none());
        assert_eq!(sent["weekly_hours"]["mon"][0]["start"], "09:00:00");

        let mut bad = form.clone();
        bad.days[2] = "nine to six".into();
        assert_eq!(bad.to_calendar().unwrap_err().0, "day-2");
        let mut bad = form;
        bad.working_day_hours = "9:00-18:00".into();
        assert!(bad.to_calendar().unwrap().working_day_hours.is_some());
        bad.holidays = "十月一日".into();
        assert_eq!(bad.to_calendar().unwrap_err().0, "holidays");
    }

    #[test]
    fn server_errors_find_their_field() {
        assert_eq!(calendar_field("weekly_hours.sat"), "day-5");
        assert_eq!(calendar_field("weekly_hours"), "day-0");
        assert_eq!(calendar_field("time_zone"), "time_zone");
        assert_eq!(calendar_field("working_days"), "working_days");
    }

    #[test]
    fn the_grid_round_trips_the_defaults() {
        let defaults = default_sla_policies();
        let rows = rows_from(&defaults);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].level, "gold");
        assert_eq!(rows[0].first[0], "30");
        assert_eq!(rows[2].resolution[3], "8640");
        assert_eq!(to_policies(&rows, "bronze").unwrap(), defaults);
    }

    #[test]
    fn grid_errors_point_at_cells() {
        let mut rows = rows_from(&default_sla_policies());
        rows[0].first[1] = "abc".into();
        rows[1].first[2] = "99999".into();
        rows[2].resolution[0] = "0".into();
        let errors = to_policies(&rows, "platinum").unwrap_err();
        assert_eq!(errors["0-1-first"], SlaError::NotMinutes);
        assert_eq!(errors["1-2-first"], SlaError::FirstAfterResolution);
        assert_eq!(errors["2-0-resolution"], SlaError::NotMinutes);
        assert_eq!(errors["default_level"], SlaError::DefaultLevel);
        assert_eq!(
            to_policies(&[], "gold").unwrap_err()["policies"],
            SlaError::NoLevels
        );
    }

    #[test]
    fn new_levels_need_a_fresh_name() {
        let rows = rows_from(&default_sla_policies());
        assert_eq!(new_level(&rows, " platinum "), Ok("platinum".into()));
        assert_eq!(new_level(&rows, "gold"), Err(SlaError::DuplicateLevel));
        assert_eq!(new_level(&rows, " "), Err(SlaError::LevelName));
        assert_eq!(hours_minutes("90"), Some((1, 30)));
        assert_eq!(hours_minutes("x"), None);
    }
}
