//! Dates from the API (RFC 3339, UTC) shown in the user's language and time
//! zone. The formatting is pure (the offset is passed in) so it is tested on
//! the host; the browser supplies the offset of the instant being shown,
//! which keeps daylight-saving zones right.

use chrono::{DateTime, Datelike, FixedOffset, Offset, Timelike, Utc};

use super::Lang;

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn local(at: &DateTime<Utc>, offset_minutes: i32) -> DateTime<FixedOffset> {
    let offset = offset_minutes
        .checked_mul(60)
        .and_then(FixedOffset::east_opt)
        .unwrap_or(Utc.fix());
    at.with_timezone(&offset)
}

/// `5 Mar 2024` / `2024年3月5日`.
pub fn format_date(at: &DateTime<Utc>, lang: Lang, offset_minutes: i32) -> String {
    let d = local(at, offset_minutes);
    match lang {
        Lang::En => format!(
            "{} {} {}",
            d.day(),
            MONTHS_EN[d.month0() as usize],
            d.year()
        ),
        Lang::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
    }
}

/// A calendar day (no time, no zone: contract ends, due dates) in the same
/// form as [`format_date`]: `5 Mar 2024` / `2024年3月5日`. The one way the
/// app writes a day, staff pages and portal alike.
pub fn format_day(day: chrono::NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "{} {} {}",
            day.day(),
            MONTHS_EN[day.month0() as usize],
            day.year()
        ),
        Lang::Zh => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
    }
}

/// `5 Mar 2024, 14:30` / `2024年3月5日 14:30`.
pub fn format_datetime(at: &DateTime<Utc>, lang: Lang, offset_minutes: i32) -> String {
    let d = local(at, offset_minutes);
    let date = format_date(at, lang, offset_minutes);
    match lang {
        Lang::En => format!("{date}, {:02}:{:02}", d.hour(), d.minute()),
        Lang::Zh => format!("{date} {:02}:{:02}", d.hour(), d.minute()),
    }
}

/// Whole days from `since` to `now` (never negative).
pub fn days_between(since: &DateTime<Utc>, now: &DateTime<Utc>) -> i64 {
    (*now - *since).num_days().max(0)
}

/// `12 days` / `12 天`, `today` / `今天` for less than a day.
pub fn format_days(days: i64, lang: Lang) -> String {
    match (lang, days) {
        (Lang::En, 0) => "today".into(),
        (Lang::En, 1) => "1 day".into(),
        (Lang::En, n) => format!("{n} days"),
        (Lang::Zh, 0) => "今天".into(),
        (Lang::Zh, n) => format!("{n} 天"),
    }
}

/// The browser's UTC offset, in minutes east, at the given instant.
#[cfg(target_arch = "wasm32")]
pub fn browser_offset_minutes(at: &DateTime<Utc>) -> i32 {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    -(date.get_timezone_offset() as i32)
}

#[cfg(not(target_arch = "wasm32"))]
pub fn browser_offset_minutes(_at: &DateTime<Utc>) -> i32 {
    0
}

/// Now, from the browser's clock (`Utc::now` has no clock on wasm32).
#[cfg(target_arch = "wasm32")]
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Date in the browser's zone.
pub fn date(at: &DateTime<Utc>, lang: Lang) -> String {
    format_date(at, lang, browser_offset_minutes(at))
}

/// Date and time in the browser's zone.
pub fn datetime(at: &DateTime<Utc>, lang: Lang) -> String {
    format_datetime(at, lang, browser_offset_minutes(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_follow_the_language_and_the_zone() {
        // 23:30 UTC on 4 March is 07:30 on 5 March in Shanghai (UTC+8).
        let at = Utc.with_ymd_and_hms(2024, 3, 4, 23, 30, 0).unwrap();
        assert_eq!(format_date(&at, Lang::En, 0), "4 Mar 2024");
        assert_eq!(format_date(&at, Lang::Zh, 480), "2024年3月5日");
        assert_eq!(format_datetime(&at, Lang::Zh, 480), "2024年3月5日 07:30");
        assert_eq!(format_datetime(&at, Lang::En, -300), "4 Mar 2024, 18:30");
    }

    #[test]
    fn rfc3339_from_the_api_parses_and_formats() {
        let at: DateTime<Utc> = "2025-12-31T16:05:00Z".parse().unwrap();
        assert_eq!(format_datetime(&at, Lang::Zh, 480), "2026年1月1日 00:05");
        assert_eq!(format_date(&at, Lang::En, 0), "31 Dec 2025");
    }

    #[test]
    fn day_counts_read_naturally() {
        let a = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
        let b = Utc.with_ymd_and_hms(2024, 3, 13, 12, 0, 0).unwrap();
        assert_eq!(days_between(&a, &b), 12);
        assert_eq!(days_between(&b, &a), 0);
        assert_eq!(format_days(12, Lang::En), "12 days");
        assert_eq!(format_days(1, Lang::En), "1 day");
        assert_eq!(format_days(0, Lang::Zh), "今天");
        assert_eq!(format_days(3, Lang::Zh), "3 天");
    }

    #[test]
    fn absurd_offsets_fall_back_to_utc() {
        let at = Utc.with_ymd_and_hms(2024, 3, 4, 23, 30, 0).unwrap();
        assert_eq!(format_datetime(&at, Lang::En, 100_000), "4 Mar 2024, 23:30");
    }

    #[test]
    fn a_day_reads_like_a_date() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(format_day(day, Lang::Zh), "2026年12月2日");
        assert_eq!(format_day(day, Lang::En), "2 Dec 2026");
    }
}
