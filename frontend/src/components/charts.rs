//! Hand-drawn SVG charts: a donut with its legend, grouped bars with a
//! value axis, a trend sparkline and horizontal count bars. No JavaScript
//! library: plain SVG elements (attributes only, nothing the strict CSP
//! refuses), each chart an image with an accessible name, each mark with
//! a `<title>` that states its exact figure. The geometry is in
//! `logic::charts`.

use leptos::prelude::*;
use shared::health::TrendPoint;

use crate::i18n::Lang;
use crate::logic::charts::{compact, donut_arcs, grouped_bars, share, ticks, trend_points, Frame};

/// One part of a whole: `class` colours it (`band-green`…) and names it
/// in the DOM (`data-key`).
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub class: &'static str,
    pub label: String,
    pub count: u64,
}

const ARC: u32 = 1000;

/// A donut of counts with the total in its middle and a legend with each
/// count and share. `label` is the chart's accessible name.
#[component]
pub fn Donut(
    slices: Vec<Slice>,
    label: String,
    /// The text in the middle (the total, usually).
    center: String,
    testid: &'static str,
) -> impl IntoView {
    let counts: Vec<u64> = slices.iter().map(|s| s.count).collect();
    let total: u64 = counts.iter().sum();
    let arcs = donut_arcs(&counts, ARC);
    let marks = slices
        .iter()
        .zip(&arcs)
        .filter(|(_, (dash, _))| *dash > 0)
        .map(|(s, (dash, start))| {
            view! {
                <circle
                    class=format!("donut-arc {}", s.class)
                    cx="60"
                    cy="60"
                    r="46"
                    pathLength=ARC.to_string()
                    stroke-dasharray=format!("{dash} {}", ARC - dash)
                    stroke-dashoffset=format!("-{start}")
                    transform="rotate(-90 60 60)"
                >
                    <title>{format!("{}: {}", s.label, s.count)}</title>
                </circle>
            }
        })
        .collect_view();
    let legend = slices
        .into_iter()
        .map(|s| {
            let pct = share(s.count, total)
                .map(|p| format!("{p}%"))
                .unwrap_or_default();
            view! {
                <li data-testid="legend-item" data-key=s.class data-count=s.count.to_string()>
                    <span class=format!("swatch {}", s.class) aria-hidden="true"></span>
                    <span>{s.label}</span>
                    <strong>{s.count}</strong>
                    <span class="muted">{pct}</span>
                </li>
            }
        })
        .collect_view();
    let aria = label.clone();
    view! {
        <figure class="chart donut-chart" data-testid=testid>
            <svg viewBox="0 0 120 120" role="img" aria-label=aria data-testid=format!("{testid}-svg")>
                <title>{label}</title>
                <circle class="donut-track" cx="60" cy="60" r="46" />
                {marks}
                <text class="donut-total" x="60" y="60" text-anchor="middle" dominant-baseline="central">
                    {center}
                </text>
            </svg>
            <figcaption>
                <ul class="legend">{legend}</ul>
            </figcaption>
        </figure>
    }
}

/// One series of a bar chart (a colour and its name in the legend).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub class: &'static str,
    pub label: String,
}

/// One group of bars (a month): each series' value to draw and its exact
/// text for the tooltip.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `data-key` of the group (`2026-03`).
    pub key: String,
    pub label: String,
    /// A second label line (the year, on January and the first group).
    pub sub: Option<String>,
    /// What the group counts (renewals due), as `data-count`.
    pub count: Option<u64>,
    pub values: Vec<(f64, String)>,
}

const BARS: Frame = Frame {
    width: 960,
    height: 260,
    left: 56,
    right: 8,
    top: 12,
    bottom: 40,
};

/// Grouped bars against a value axis from 0 with round ticks labelled in
/// the reader's units (`50K`, `5万`).
#[component]
pub fn BarChart(
    series: Vec<Series>,
    groups: Vec<Group>,
    label: String,
    lang: Lang,
    testid: &'static str,
) -> impl IntoView {
    let f = BARS;
    let values: Vec<Vec<f64>> = groups
        .iter()
        .map(|g| g.values.iter().map(|v| v.0).collect())
        .collect();
    let max = values.iter().flatten().copied().fold(0.0, f64::max);
    let axis = ticks(max, 4);
    let top = axis.last().copied().unwrap_or(1.0);
    let rects = grouped_bars(&f, &values, top);
    let grid = axis
        .iter()
        .map(|t| {
            let y = f.y(*t, top);
            view! {
                <line class="grid-line" x1=f.left.to_string() x2=(f.width - f.right).to_string() y1=y.to_string() y2=y.to_string() />
                <text class="axis-label" x=(f.left - 6).to_string() y=(y + 4).to_string() text-anchor="end">
                    {compact(*t, lang)}
                </text>
            }
        })
        .collect_view();
    let count = groups.len();
    let base = f.top + f.plot_height();
    let bars = groups
        .into_iter()
        .zip(rects)
        .enumerate()
        .map(|(n, (g, rects))| {
            let x = f.group_center(n, count).to_string();
            let marks = rects
                .into_iter()
                .zip(&g.values)
                .zip(&series)
                .map(|((r, (_, text)), s)| {
                    view! {
                        <rect
                            class=format!("bar {}", s.class)
                            data-series=s.class
                            x=r.x.to_string()
                            y=r.y.to_string()
                            width=r.width.to_string()
                            height=r.height.to_string()
                        >
                            <title>{format!("{} · {}: {text}", g.label, s.label)}</title>
                        </rect>
                    }
                })
                .collect_view();
            view! {
                <g data-testid="chart-group" data-key=g.key data-count=g.count.map(|c| c.to_string())>
                    {marks}
                    <text class="axis-label" x=x.clone() y=(base + 16).to_string() text-anchor="middle">{g.label}</text>
                    {g.sub.map(|s| view! {
                        <text class="axis-label axis-sub" x=x y=(base + 30).to_string() text-anchor="middle">{s}</text>
                    })}
                </g>
            }
        })
        .collect_view();
    let legend = series
        .into_iter()
        .map(|s| {
            view! {
                <li>
                    <span class=format!("swatch {}", s.class) aria-hidden="true"></span>
                    <span>{s.label}</span>
                </li>
            }
        })
        .collect_view();
    let aria = label.clone();
    view! {
        <figure class="chart bar-chart" data-testid=testid>
            <div class="chart-scroll">
                <svg viewBox=format!("0 0 {} {}", f.width, f.height) role="img" aria-label=aria>
                    <title>{label}</title>
                    {grid}
                    <line class="axis-line" x1=f.left.to_string() x2=(f.width - f.right).to_string() y1=base.to_string() y2=base.to_string() />
                    {bars}
                </svg>
            </div>
            <figcaption>
                <ul class="legend">{legend}</ul>
            </figcaption>
        </figure>
    }
}

/// A 30-day trend of 0–100 scores, 100 at the top (every account on the
/// same scale, so lines compare).
#[component]
pub fn Sparkline(trend: Vec<TrendPoint>, label: String) -> impl IntoView {
    let points = trend_points(&trend, 100, 28);
    let last = points.rsplit(' ').next().unwrap_or_default().to_string();
    let dot = last.split_once(',').map(|(x, y)| {
        view! { <circle class="spark-dot" cx=x.to_string() cy=y.to_string() r="2.5" /> }
    });
    let aria = label.clone();
    view! {
        <svg class="sparkline" viewBox="-3 -3 106 34" role="img" aria-label=aria data-testid="sparkline" data-points=trend.len().to_string()>
            <title>{label}</title>
            <line class="spark-mid" x1="0" x2="100" y1="14" y2="14" />
            <polyline fill="none" points=points />
            {dot}
        </svg>
    }
}

/// Counts as horizontal bars scaled to the largest, with the count and an
/// optional note (e.g. breaches) after each; rows carry `data-key` and
/// `data-count`.
#[component]
pub fn CountBars(
    rows: Vec<(String, String, u64, Option<String>)>,
    testid: &'static str,
) -> impl IntoView {
    let max = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1);
    let items = rows
        .into_iter()
        .map(|(key, label, count, note)| {
            let width = (count * 100 / max).max(u64::from(count > 0));
            view! {
                <li class="count-bar" data-testid="count-row" data-key=key data-count=count.to_string()>
                    <span class="count-label">{label}</span>
                    <svg class="count-track" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">
                        <rect width=width.to_string() height="8" rx="2" />
                    </svg>
                    <strong class="count-value">{count}</strong>
                    {note.map(|n| view! { <span class="count-note">{n}</span> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="plain-list count-bars" data-testid=testid>{items}</ul> }
}
