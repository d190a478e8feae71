//! The dashboard's and the reports' arithmetic, tested on the host: chart
//! geometry (nice axis ticks, grouped bars, donut arcs, trend lines) and
//! the report period (presets, the URL, validation).
//!
//! Amounts stay the API's exact decimal strings for every figure shown;
//! [`draw_value`] reads one into an `f64` only to size a bar. Coordinates
//! are whole SVG units (the view boxes are large enough), which keeps
//! float formatting out of the WASM.

use chrono::{Datelike, Months, NaiveDate};
use shared::contracts::{valid_currency, DEFAULT_CURRENCY};
use shared::health::TrendPoint;

use crate::i18n::Lang;
use crate::logic::query::{get_param, QueryString};

// ---------- drawing ----------

/// A decimal amount (`"1234567.89"`, possibly beyond `i64` cents) as a
/// number, for sizing a bar only; what is not an amount counts as 0.
pub fn draw_value(amount: &str) -> f64 {
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let mut value = 0.0;
    for b in whole.bytes() {
        if !b.is_ascii_digit() {
            return 0.0;
        }
        value = value * 10.0 + f64::from(b - b'0');
    }
    let mut unit = 0.1;
    for b in frac.bytes().take(2) {
        if !b.is_ascii_digit() {
            return 0.0;
        }
        value += f64::from(b - b'0') * unit;
        unit /= 10.0;
    }
    value
}

/// The axis of values from 0: a "nice" step (1, 2, 2.5 or 5 × 10ⁿ) and
/// the ticks `0, step, …` up to the first one at or above `max`, at most
/// about `count` steps.
pub fn ticks(max: f64, count: u32) -> Vec<f64> {
    if max.is_nan() || max <= 0.0 {
        return vec![0.0, 1.0];
    }
    let raw = max / f64::from(count.max(1));
    let mut magnitude = 1.0;
    while magnitude * 10.0 <= raw {
        magnitude *= 10.0;
    }
    while magnitude > raw {
        magnitude /= 10.0;
    }
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let mut out = vec![0.0];
    let mut n = 1.0;
    while out.last().is_some_and(|t| *t < max) {
        out.push(step * n);
        n += 1.0;
    }
    out
}

/// A tick label: `850K`, `1.2M`, `3B` in English; `8500`, `12万`, `1.5亿`
/// in Chinese (the units readers of each language count in).
pub fn compact(value: f64, lang: Lang) -> String {
    let units: &[(f64, &str)] = match lang {
        Lang::En => &[(1e9, "B"), (1e6, "M"), (1e3, "K")],
        Lang::Zh => &[(1e8, "亿"), (1e4, "万")],
    };
    for (size, unit) in units {
        if value >= *size {
            let tenths = (value / size * 10.0).round() as i64;
            return if tenths % 10 == 0 {
                format!("{}{unit}", tenths / 10)
            } else {
                format!("{}.{}{unit}", tenths / 10, tenths % 10)
            };
        }
    }
    (value.round() as i64).to_string()
}

/// A chart's box and the margins around its plot area, in SVG units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: i32,
    pub height: i32,
    pub left: i32,
    pub right: i32,
    pub top: i32,
    pub bottom: i32,
}

impl Frame {
    pub fn plot_width(&self) -> i32 {
        self.width - self.left - self.right
    }

    pub fn plot_height(&self) -> i32 {
        self.height - self.top - self.bottom
    }

    /// The y of `value` on an axis from 0 (bottom) to `max` (top).
    pub fn y(&self, value: f64, max: f64) -> i32 {
        let share = if max > 0.0 {
            (value / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.top + self.plot_height() - (share * f64::from(self.plot_height())).round() as i32
    }

    /// The middle of group `index` of `groups` along the x axis.
    pub fn group_center(&self, index: usize, groups: usize) -> i32 {
        let band = f64::from(self.plot_width()) / groups.max(1) as f64;
        self.left + (band * (index as f64 + 0.5)).round() as i32
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

/// Bars of several series side by side per group (`values[group][series]`),
/// against an axis from 0 to `max`. A group's bars fill 70 % of its band,
/// centred; a non-zero value is at least one unit high, so it shows.
pub fn grouped_bars(frame: &Frame, values: &[Vec<f64>], max: f64) -> Vec<Vec<Rect>> {
    let band = f64::from(frame.plot_width()) / values.len().max(1) as f64;
    let base = frame.top + frame.plot_height();
    values
        .iter()
        .enumerate()
        .map(|(g, series)| {
            let bar = band * 0.7 / series.len().max(1) as f64;
            let start = f64::from(frame.left) + band * g as f64 + band * 0.15;
            series
                .iter()
                .enumerate()
                .map(|(s, v)| {
                    let x = (start + bar * s as f64).round() as i32;
                    let next = (start + bar * (s + 1) as f64).round() as i32;
                    let mut y = frame.y(*v, max);
                    if *v > 0.0 && y == base {
                        y -= 1;
                    }
                    Rect {
                        x,
                        y,
                        width: (next - x - 1).max(1),
                        height: base - y,
                    }
                })
                .collect()
        })
        .collect()
}

/// Arcs of a donut drawn with `stroke-dasharray` on a circle whose
/// `pathLength` is `length`: `(dash, start)` per count, the dashes adding
/// up to exactly `length` (largest remainders get the rounding), zero
/// counts zero-length. All zero: no arcs.
pub fn donut_arcs(counts: &[u64], length: u32) -> Vec<(u32, u32)> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return counts.iter().map(|_| (0, 0)).collect();
    }
    let length = u64::from(length);
    let mut dashes: Vec<u64> = counts.iter().map(|c| c * length / total).collect();
    let mut short = length - dashes.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(counts[*i] * length % total));
    for i in order {
        if short == 0 {
            break;
        }
        if counts[i] > 0 {
            dashes[i] += 1;
            short -= 1;
        }
    }
    let mut start = 0;
    dashes
        .into_iter()
        .map(|d| {
            let arc = (d as u32, start as u32);
            start += d;
            arc
        })
        .collect()
}

/// `count` of `total` as a whole percentage (`None` for no total).
pub fn share(count: u64, total: u64) -> Option<u64> {
    (total > 0).then(|| (count * 200 + total) / (total * 2))
}

/// A 30-day trend (scores 0–100) as polyline points in a `width` ×
/// `height` box: x by day from the first point's day (so a missing day
/// leaves a longer segment), 100 at the top.
pub fn trend_points(trend: &[TrendPoint], width: i32, height: i32) -> String {
    let (Some(first), Some(last)) = (trend.first(), trend.last()) else {
        return String::new();
    };
    let span = (last.day - first.day).num_days().max(1);
    trend
        .iter()
        .map(|p| {
            let x = (p.day - first.day).num_days() * i64::from(width) / span;
            let y = height - p.score.clamp(0, 100) * height / 100;
            format!("{x},{y}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2026-03` as `Mar` / `3月`, or with the year `Mar 2026` / `2026年3月`;
/// anything else as given.
pub fn month_label(month: &str, lang: Lang, with_year: bool) -> String {
    let parsed = month.split_once('-').and_then(|(y, m)| {
        let m: usize = m.parse().ok().filter(|m| (1..=12).contains(m))?;
        Some((y, m))
    });
    let Some((year, m)) = parsed else {
        return month.to_string();
    };
    match (lang, with_year) {
        (Lang::En, false) => MONTHS_EN[m - 1].to_string(),
        (Lang::En, true) => format!("{} {year}", MONTHS_EN[m - 1]),
        (Lang::Zh, false) => format!("{m}月"),
        (Lang::Zh, true) => format!("{year}年{m}月"),
    }
}

/// A rate from the API (`"66.67"`) as `66.67%`; none as a dash.
pub fn percent_text(rate: Option<&str>) -> String {
    rate.map_or_else(|| "—".to_string(), |r| format!("{r}%"))
}

// ---------- the report period ----------

/// The longest period the server reports on.
pub const MAX_PERIOD_DAYS: i64 = 3660;

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The last day of the month `months` after `d`'s (negative: before).
fn month_end(d: NaiveDate, months: i32) -> NaiveDate {
    let start = month_start(d);
    let first_after = if months >= -1 {
        start.checked_add_months(Months::new((months + 1) as u32))
    } else {
        start.checked_sub_months(Months::new((-months - 1) as u32))
    };
    first_after.and_then(|f| f.pred_opt()).unwrap_or(start)
}

fn shift_months(d: NaiveDate, months: i32) -> NaiveDate {
    let shifted = if months >= 0 {
        d.checked_add_months(Months::new(months as u32))
    } else {
        d.checked_sub_months(Months::new((-months) as u32))
    };
    shifted.unwrap_or(d)
}

/// The dashboard's renewal horizon: this month and the eleven after it.
pub fn next_twelve_months(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (month_start(today), month_end(today, 11))
}

/// The periods offered with one click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    ThisQuarter,
    LastQuarter,
    ThisYear,
    LastYear,
    /// The twelve complete months before this one.
    Last12Months,
    /// This month and the eleven after it (what is coming up).
    Next12Months,
}

impl Preset {
    pub const ALL: [Preset; 6] = [
        Preset::ThisQuarter,
        Preset::LastQuarter,
        Preset::ThisYear,
        Preset::LastYear,
        Preset::Last12Months,
        Preset::Next12Months,
    ];

    pub fn testid(self) -> &'static str {
        match self {
            Preset::ThisQuarter => "preset-this-quarter",
            Preset::LastQuarter => "preset-last-quarter",
            Preset::ThisYear => "preset-this-year",
            Preset::LastYear => "preset-last-year",
            Preset::Last12Months => "preset-last-12-months",
            Preset::Next12Months => "preset-next-12-months",
        }
    }

    pub fn range(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let year_start = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(today);
        let year_end = |y: i32| NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(today);
        let quarter_start = shift_months(month_start(today), -(today.month0() as i32 % 3));
        match self {
            Preset::ThisQuarter => (quarter_start, month_end(quarter_start, 2)),
            Preset::LastQuarter => {
                let start = shift_months(quarter_start, -3);
                (start, month_end(start, 2))
            }
            Preset::ThisYear => (year_start(today.year()), year_end(today.year())),
            Preset::LastYear => (year_start(today.year() - 1), year_end(today.year() - 1)),
            Preset::Last12Months => (shift_months(month_start(today), -12), month_end(today, -1)),
            Preset::Next12Months => next_twelve_months(today),
        }
    }
}

/// What the reports page shows: `/reports?from=&to=&currency=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The renewal report's currency (the KPI report has none).
    pub currency: String,
}

impl ReportQuery {
    /// The URL's period, or this calendar year (the server's default);
    /// an unusable currency is the default one.
    pub fn from_search(search: &str, today: NaiveDate) -> Self {
        let date = |key| get_param(search, key).and_then(|v| parse_day(&v));
        let (year_from, year_to) = Preset::ThisYear.range(today);
        let (from, to) = match (date("from"), date("to")) {
            (Some(f), Some(t)) if f <= t => (f, t),
            _ => (year_from, year_to),
        };
        let currency = get_param(search, "currency")
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| valid_currency(c))
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_string());
        ReportQuery { from, to, currency }
    }

    pub fn href(&self) -> String {
        format!(
            "/reports{}",
            QueryString::new()
                .push("from", self.from)
                .push("to", self.to)
                .push("currency", &self.currency)
                .build()
        )
    }

    /// The renewal report's query; `csv` asks for the export.
    pub fn renewals_query(&self, csv: bool) -> String {
        QueryString::new()
            .push("from", self.from)
            .push("to", self.to)
            .push("currency", &self.currency)
            .push_opt("format", csv.then_some("csv"))
            .build()
    }

    pub fn kpi_query(&self, csv: bool) -> String {
        QueryString::new()
            .push("from", self.from)
            .push("to", self.to)
            .push_opt("format", csv.then_some("csv"))
            .build()
    }

    /// The export's file name: `renewals-2026-01-01-2026-12-31-CNY.csv`.
    pub fn file_name(&self, report: &str) -> String {
        if report == "renewals" {
            format!("{report}-{}-{}-{}.csv", self.from, self.to, self.currency)
        } else {
            format!("{report}-{}-{}.csv", self.from, self.to)
        }
    }
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Why the period form is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodProblem {
    /// Empty or not a date.
    Date,
    ToBeforeFrom,
    TooLong,
    Currency,
}

/// The period form, as typed (dates as `<input type=date>` gives them).
pub fn check_period(
    from: &str,
    to: &str,
    currency: &str,
) -> Result<ReportQuery, Vec<(&'static str, PeriodProblem)>> {
    let mut problems = Vec::new();
    let (from, to) = (parse_day(from), parse_day(to));
    if from.is_none() {
        problems.push(("from", PeriodProblem::Date));
    }
    match (from, to) {
        (_, None) => problems.push(("to", PeriodProblem::Date)),
        (Some(f), Some(t)) if t < f => problems.push(("to", PeriodProblem::ToBeforeFrom)),
        (Some(f), Some(t)) if (t - f).num_days() > MAX_PERIOD_DAYS => {
            problems.push(("to", PeriodProblem::TooLong))
        }
        _ => {}
    }
    let currency = currency.trim().to_ascii_uppercase();
    if !valid_currency(&currency) {
        problems.push(("currency", PeriodProblem::Currency));
    }
    match (from, to) {
        (Some(from), Some(to)) if problems.is_empty() => Ok(ReportQuery { from, to, currency }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn amounts_are_read_for_drawing() {
        assert_eq!(draw_value("128000.00"), 128_000.0);
        assert_eq!(draw_value("0.5"), 0.5);
        assert!((draw_value("1234.56") - 1234.56).abs() < 1e-9);
        assert_eq!(draw_value("7"), 7.0);
        // Beyond i64 cents: still a (rough) number, never a panic.
        assert!(draw_value("922337203685477580.70") > 9.2e17);
        assert_eq!(draw_value("-3"), 0.0);
        assert_eq!(draw_value("abc"), 0.0);
        assert_eq!(draw_value(""), 0.0);
    }

    #[test]
    fn axis_ticks_are_round_numbers_covering_the_maximum() {
        assert_eq!(ticks(95.0, 4), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(
            ticks(128_000.0, 4),
            vec![0.0, 50_000.0, 100_000.0, 150_000.0]
        );
        assert_eq!(ticks(3.0, 4), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(ticks(0.4, 4), vec![0.0, 0.1, 0.2, 0.30000000000000004, 0.4]);
        assert_eq!(ticks(0.0, 4), vec![0.0, 1.0]);
        assert_eq!(ticks(f64::NAN, 4), vec![0.0, 1.0]);
        let t = ticks(987_654_321.0, 5);
        assert!(*t.last().unwrap() >= 987_654_321.0);
        assert!(t.len() <= 7, "{t:?}");
    }

    #[test]
    fn tick_labels_count_in_the_readers_units() {
        assert_eq!(compact(0.0, Lang::En), "0");
        assert_eq!(compact(850.0, Lang::En), "850");
        assert_eq!(compact(50_000.0, Lang::En), "50K");
        assert_eq!(compact(1_250_000.0, Lang::En), "1.3M");
        assert_eq!(compact(2_000_000_000.0, Lang::En), "2B");
        assert_eq!(compact(8_500.0, Lang::Zh), "8500");
        assert_eq!(compact(150_000.0, Lang::Zh), "15万");
        assert_eq!(compact(25_000.0, Lang::Zh), "2.5万");
        assert_eq!(compact(300_000_000.0, Lang::Zh), "3亿");
    }

    const FRAME: Frame = Frame {
        width: 220,
        height: 120,
        left: 20,
        right: 0,
        top: 10,
        bottom: 10,
    };

    #[test]
    fn values_map_onto_the_plot_height() {
        assert_eq!(FRAME.plot_width(), 200);
        assert_eq!(FRAME.plot_height(), 100);
        assert_eq!(FRAME.y(0.0, 50.0), 110);
        assert_eq!(FRAME.y(50.0, 50.0), 10);
        assert_eq!(FRAME.y(25.0, 50.0), 60);
        assert_eq!(FRAME.y(80.0, 50.0), 10, "clamped");
        assert_eq!(FRAME.y(5.0, 0.0), 110, "no axis: flat");
        assert_eq!(FRAME.group_center(0, 2), 70);
        assert_eq!(FRAME.group_center(1, 2), 170);
    }

    #[test]
    fn grouped_bars_sit_side_by_side_in_their_band() {
        let bars = grouped_bars(&FRAME, &[vec![100.0, 50.0], vec![0.0, 0.1]], 100.0);
        assert_eq!(bars.len(), 2);
        // Band 100 wide; bars fill 70 (35 each) starting 15 in.
        assert_eq!(
            bars[0][0],
            Rect {
                x: 35,
                y: 10,
                width: 34,
                height: 100
            }
        );
        assert_eq!(
            bars[0][1],
            Rect {
                x: 70,
                y: 60,
                width: 34,
                height: 50
            }
        );
        assert_eq!(bars[1][0].x, 135);
        assert_eq!(bars[1][0].height, 0, "zero is no bar");
        assert_eq!(bars[1][1].height, 1, "a tiny value still shows");
        assert!(grouped_bars(&FRAME, &[], 1.0).is_empty());
    }

    #[test]
    fn donut_arcs_add_up_exactly() {
        let arcs = donut_arcs(&[1, 1, 1], 1000);
        assert_eq!(arcs.iter().map(|a| a.0).sum::<u32>(), 1000);
        assert_eq!(arcs[0].1, 0);
        assert_eq!(arcs[1].1, arcs[0].0);
        assert_eq!(arcs[2].1, arcs[0].0 + arcs[1].0);
        assert_eq!(
            donut_arcs(&[5, 0, 5], 100),
            vec![(50, 0), (0, 50), (50, 50)]
        );
        assert_eq!(
            donut_arcs(&[0, 3, 0], 100),
            vec![(0, 0), (100, 0), (0, 100)]
        );
        assert_eq!(donut_arcs(&[0, 0], 100), vec![(0, 0), (0, 0)]);
        assert_eq!(share(1, 3), Some(33));
        assert_eq!(share(2, 3), Some(67));
        assert_eq!(share(1, 8), Some(13));
        assert_eq!(share(0, 0), None);
    }

    #[test]
    fn trends_are_placed_by_day() {
        let p = |d, score| TrendPoint {
            day: day(2026, 3, d),
            score,
        };
        assert_eq!(
            trend_points(&[p(1, 100), p(2, 50), p(5, 0)], 40, 20),
            "0,0 10,10 40,20"
        );
        assert_eq!(trend_points(&[p(1, 70)], 40, 20), "0,6");
        assert_eq!(trend_points(&[], 40, 20), "");
        assert_eq!(trend_points(&[p(1, 120), p(2, -5)], 10, 10), "0,0 10,10");
    }

    #[test]
    fn months_and_rates_read_naturally() {
        assert_eq!(month_label("2026-03", Lang::En, false), "Mar");
        assert_eq!(month_label("2026-03", Lang::En, true), "Mar 2026");
        assert_eq!(month_label("2026-12", Lang::Zh, false), "12月");
        assert_eq!(month_label("2026-01", Lang::Zh, true), "2026年1月");
        assert_eq!(month_label("2026-13", Lang::En, false), "2026-13");
        assert_eq!(month_label("soon", Lang::Zh, true), "soon");
        assert_eq!(percent_text(Some("66.67")), "66.67%");
        assert_eq!(percent_text(None), "—");
    }

    #[test]
    fn presets_cover_whole_months() {
        let today = day(2026, 5, 17);
        let range = |p: Preset| p.range(today);
        assert_eq!(
            range(Preset::ThisQuarter),
            (day(2026, 4, 1), day(2026, 6, 30))
        );
        assert_eq!(
            range(Preset::LastQuarter),
            (day(2026, 1, 1), day(2026, 3, 31))
        );
        assert_eq!(
            range(Preset::ThisYear),
            (day(2026, 1, 1), day(2026, 12, 31))
        );
        assert_eq!(
            range(Preset::LastYear),
            (day(2025, 1, 1), day(2025, 12, 31))
        );
        assert_eq!(
            range(Preset::Last12Months),
            (day(2025, 5, 1), day(2026, 4, 30))
        );
        assert_eq!(
            range(Preset::Next12Months),
            (day(2026, 5, 1), day(2027, 4, 30))
        );
        // Across the year's edge and February.
        let jan = day(2026, 1, 31);
        assert_eq!(
            Preset::LastQuarter.range(jan),
            (day(2025, 10, 1), day(2025, 12, 31))
        );
        assert_eq!(
            Preset::Last12Months.range(jan),
            (day(2025, 1, 1), day(2025, 12, 31))
        );
        assert_eq!(
            next_twelve_months(day(2027, 3, 31)),
            (day(2027, 3, 1), day(2028, 2, 29))
        );
        for p in Preset::ALL {
            let (from, to) = p.range(today);
            assert!(from <= to, "{p:?}");
        }
    }

    #[test]
    fn the_period_lives_in_the_url() {
        let today = day(2026, 5, 17);
        let q = ReportQuery::from_search("?from=2026-01-01&to=2026-03-31&currency=usd", today);
        assert_eq!(
            q,
            ReportQuery {
                from: day(2026, 1, 1),
                to: day(2026, 3, 31),
                currency: "USD".into()
            }
        );
        assert_eq!(
            q.href(),
            "/reports?from=2026-01-01&to=2026-03-31&currency=USD"
        );
        assert_eq!(
            q.renewals_query(true),
            "?from=2026-01-01&to=2026-03-31&currency=USD&format=csv"
        );
        assert_eq!(q.kpi_query(false), "?from=2026-01-01&to=2026-03-31");
        assert_eq!(q.file_name("kpi"), "kpi-2026-01-01-2026-03-31.csv");
        assert_eq!(
            q.file_name("renewals"),
            "renewals-2026-01-01-2026-03-31-USD.csv"
        );
        // Missing, unreadable or backwards: this year, in CNY.
        for search in [
            "",
            "?from=2026-05-01&to=2026-04-01",
            "?from=x&to=2026-01-01&currency=yuan",
        ] {
            let q = ReportQuery::from_search(search, today);
            assert_eq!(
                (q.from, q.to),
                (day(2026, 1, 1), day(2026, 12, 31)),
                "{search}"
            );
            assert_eq!(q.currency, "CNY");
        }
    }

    #[test]
    fn the_period_form_is_checked_before_asking() {
        let q = check_period("2026-01-01", "2026-06-30", " cny ").unwrap();
        assert_eq!(q.currency, "CNY");
        assert_eq!(q.to, day(2026, 6, 30));
        assert_eq!(
            check_period("", "2026-01-01", "CNY").unwrap_err(),
            vec![("from", PeriodProblem::Date)]
        );
        assert_eq!(
            check_period("2026-02-01", "2026-01-01", "EURO").unwrap_err(),
            vec![
                ("to", PeriodProblem::ToBeforeFrom),
                ("currency", PeriodProblem::Currency)
            ]
        );
        assert_eq!(
            check_period("2010-01-01", "2026-01-01", "CNY").unwrap_err(),
            vec![("to", PeriodProblem::TooLong)]
        );
        assert_eq!(
            check_period("2026-01-01", "31/12/2026", "CNY").unwrap_err(),
            vec![("to", PeriodProblem::Date)]
        );
        assert!(check_period("2026-01-01", "2026-01-01", "HKD").is_ok());
    }
}
