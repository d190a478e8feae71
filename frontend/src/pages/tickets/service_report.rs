//! `/reports/service`: the service report over the tickets opened in a
//! period (in the URL, `?from=&to=`): SLA attainment of first response and
//! resolution, business-hour medians and p90, the monthly backlog with a
//! chart, CSAT and its trend, by month, module, service level and
//! engineer. Every count opens the tickets behind it as a filtered queue;
//! the per-ticket CSV has their SLA times. CSMs are refused (the page says
//! so), an engineer sees their own tickets.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use shared::reports::ReportScope;
use shared::service_report::{
    Attainment, ServiceFigures, ServiceGroup, ServiceMonth, ServiceReport, SlaOutcome, Times,
};
use shared::{ErpModule, ErrorCode};

use crate::api::{self, ApiErr};
use crate::components::charts::{BarChart, Group, Series};
use crate::components::states::{ErrorState, SkeletonRows};
use crate::i18n::{module_key, use_i18n, Key};
use crate::logic::charts::{month_label, percent_text, Preset};
use crate::logic::onboarding::browser_today;
use crate::logic::query::{get_param, QueryString};
use crate::logic::tickets::{ReportFilters, TicketQuery};
use crate::router::{redirect, use_location};
use crate::session::use_session;

/// The period in the URL, or this calendar year.
fn period_of(search: &str, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let day = |key| {
        get_param(search, key).and_then(|v| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok())
    };
    match (day("from"), day("to")) {
        (Some(f), Some(t)) if f <= t => (f, t),
        _ => Preset::ThisYear.range(today),
    }
}

fn href_of(from: NaiveDate, to: NaiveDate) -> String {
    format!(
        "/reports/service{}",
        QueryString::new().push("from", from).push("to", to).build()
    )
}

/// Business minutes as hours with one decimal.
fn hours(minutes: Option<i64>) -> Option<String> {
    minutes.map(|m| format!("{:.1}", m as f64 / 60.0))
}

/// Where a figure's tickets are: the queue with the period's (or the
/// month's) opening instants, the scope's assignee and the figure's own
/// filter.
#[derive(Clone)]
struct Base {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    me: Option<i64>,
}

impl Base {
    fn query(&self) -> TicketQuery {
        TicketQuery {
            assignee_id: self.me,
            report: ReportFilters {
                opened_from: Some(self.start),
                opened_before: Some(self.end),
                ..ReportFilters::default()
            },
            ..TicketQuery::default()
        }
    }
}

/// A count that opens its tickets.
fn count_link(value: u64, q: TicketQuery, testid: &'static str) -> impl IntoView {
    view! {
        <a href=q.href() data-testid=testid data-count=value.to_string()>{value}</a>
    }
}

#[component]
pub fn ServiceReportPage() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let today = browser_today();
    let period = Memo::new(move |_| period_of(&location.search.get(), today));
    let report = RwSignal::new(None::<Result<ServiceReport, ApiErr>>);
    let load = move || {
        let (from, to) = period.get_untracked();
        report.set(None);
        crate::task::spawn(async move { report.set(Some(api::reports::service(from, to).await)) });
    };
    Effect::new(move |_| {
        period.track();
        load();
    });
    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="service-report-heading">{i.tr(Key::SrTitle)}</h1>
            </header>
            <p class="muted">{i.tr(Key::SrIntro)}</p>
            <PeriodForm period today on_same=Callback::new(move |_| load()) />
            {move || match report.get() {
                None => view! {
                    <div class="table-wrap" data-testid="service-report-loading">
                        <table class="table" aria-busy="true"><tbody><SkeletonRows rows=5 cols=5 /></tbody></table>
                    </div>
                }
                .into_any(),
                Some(Err(e)) if e.is(ErrorCode::Forbidden) => view! {
                    <div class="state" data-testid="service-report-forbidden"><p>{i.tr(Key::SrForbidden)}</p></div>
                }
                .into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=Callback::new(move |_| load()) /> }.into_any(),
                Some(Ok(r)) if r.totals.tickets == 0 => view! {
                    <div class="state" data-testid="service-report-empty"><p>{i.tr(Key::SrEmpty)}</p></div>
                }
                .into_any(),
                Some(Ok(r)) => view! { <ReportView r period /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn PeriodForm(
    period: Memo<(NaiveDate, NaiveDate)>,
    today: NaiveDate,
    on_same: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let bad = RwSignal::new(false);
    Effect::new(move |_| {
        let (f, t) = period.get();
        from.set(f.to_string());
        to.set(t.to_string());
        bad.set(false);
    });
    let go = move |f: NaiveDate, t: NaiveDate| {
        if (f, t) == period.get_untracked() {
            on_same.run(());
        } else {
            redirect(&href_of(f, t));
        }
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let day = |s: String| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        match (day(from.get_untracked()), day(to.get_untracked())) {
            (Some(f), Some(t)) if f <= t => go(f, t),
            _ => bad.set(true),
        }
    };
    let input = move |id: &'static str, label: Key, value: RwSignal<String>| {
        view! {
            <div class="field" class:has-error=move || bad.get()>
                <label for=id>{i.tr(label)}</label>
                <input
                    id=id
                    type="date"
                    data-testid=id
                    aria-invalid=move || bad.get().then_some("true")
                    aria-describedby="service-period-error"
                    prop:value=move || value.get()
                    on:input=move |ev| {
                        value.set(event_target_value(&ev));
                        bad.set(false);
                    }
                />
            </div>
        }
    };
    let presets = [
        Preset::ThisQuarter,
        Preset::LastQuarter,
        Preset::ThisYear,
        Preset::LastYear,
        Preset::Last12Months,
    ];
    view! {
        <form class="card rp-period" data-testid="service-period" on:submit=apply novalidate>
            <div class="toolbar">
                {input("service-from", Key::RpFrom, from)}
                {input("service-to", Key::RpTo, to)}
                <button type="submit" class="btn btn-primary" data-testid="service-apply">{i.tr(Key::RpApply)}</button>
            </div>
            {move || bad.get().then(|| view! {
                <p class="field-error" role="alert" id="service-period-error" data-testid="error-service-period">
                    {i.tr(Key::RpToBeforeFrom)}
                </p>
            })}
            <div class="rp-presets" role="group" aria-label=i.tr(Key::RpPresets)>
                {presets
                    .into_iter()
                    .map(|p| {
                        let (f, t) = p.range(today);
                        let key = match p {
                            Preset::ThisQuarter => Key::RpThisQuarter,
                            Preset::LastQuarter => Key::RpLastQuarter,
                            Preset::ThisYear => Key::RpThisYear,
                            Preset::LastYear => Key::RpLastYear,
                            _ => Key::RpLast12,
                        };
                        view! {
                            <button
                                type="button"
                                class="btn btn-small btn-ghost"
                                data-testid=p.testid()
                                aria-pressed=move || (period.get() == (f, t)).to_string()
                                on:click=move |_| go(f, t)
                            >
                                {i.tr(key)}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </form>
    }
}

#[component]
fn DownloadCsv(period: Memo<(NaiveDate, NaiveDate)>) -> impl IntoView {
    let i = use_i18n();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiErr>);
    let download = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let (from, to) = period.get_untracked();
        crate::task::spawn(async move {
            failure.set(api::reports::service_csv(from, to).await.err());
            busy.set(false);
        });
    };
    view! {
        <div class="rp-download">
            <button type="button" class="btn btn-small" data-testid="download-service" disabled=busy on:click=download aria-busy=move || busy.get().to_string()>
                {i.tr_when(busy, Key::RpPreparing, Key::SrDownloadTickets)}
            </button>
            {move || failure.get().map(|e| view! {
                <p class="field-error" role="alert" data-testid="download-service-error">{i.error_of(e)}</p>
            })}
        </div>
    }
}

/// "met / breached" of a target, each opening its tickets, and the rate.
fn attainment(
    a: &Attainment,
    base: &TicketQuery,
    resolution: bool,
    testid: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    let with = |o: SlaOutcome| {
        let mut q = base.clone();
        if resolution {
            q.report.resolution = Some(o);
        } else {
            q.report.first_response = Some(o);
        }
        q
    };
    let rate = percent_text(a.rate.as_deref());
    view! {
        <span class="sr-attainment" data-testid=testid>
            <strong>{rate}</strong>
            <span class="muted">
                " ("
                <span title=i.tr(Key::SrMet)>{count_link(a.met, with(SlaOutcome::Met), "met")}</span>
                " / "
                <span title=i.tr(Key::SrBreached) class="sr-breached">{count_link(a.breached, with(SlaOutcome::Breached), "breached")}</span>
                ")"
            </span>
        </span>
    }
}

fn csat_text(f: &ServiceFigures) -> String {
    f.csat.average.clone().unwrap_or_else(|| "—".into())
}

fn time_text(t: &Times) -> String {
    match (hours(t.median_minutes), hours(t.p90_minutes)) {
        (Some(m), Some(p)) => format!("{m} / {p}"),
        _ => "—".into(),
    }
}

#[component]
fn ReportView(r: ServiceReport, period: Memo<(NaiveDate, NaiveDate)>) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let own = r.scope == ReportScope::Own;
    let me = if own {
        session.user().map(|u| u.id)
    } else {
        None
    };
    let base = Base {
        start: r.start,
        end: r.end,
        me,
    };
    let total = base.query();
    let t = r.totals.clone();
    let outside = {
        let mut q = total.clone();
        q.outside_agreement = Some(true);
        q
    };
    let rated = {
        let mut q = total.clone();
        q.report.rated = Some(true);
        q
    };
    let tiles = view! {
        <dl class="rp-tiles" data-testid="service-totals">
            <div class="rp-tile" data-testid="total-tickets">
                <dt>{i.tr(Key::SrTickets)}</dt>
                <dd>{count_link(t.tickets, total.clone(), "total-tickets-link")}</dd>
            </div>
            <div class="rp-tile" data-testid="total-first-response">
                <dt>{i.tr(Key::SrFirstResponse)}</dt>
                <dd>{attainment(&t.first_response, &total, false, "total-fr")}</dd>
            </div>
            <div class="rp-tile" data-testid="total-resolution">
                <dt>{i.tr(Key::SrResolution)}</dt>
                <dd>{attainment(&t.resolution, &total, true, "total-res")}</dd>
            </div>
            <div class="rp-tile" data-testid="total-csat">
                <dt>{i.tr(Key::SrCsat)}</dt>
                <dd>
                    {csat_text(&t)}
                    <span class="muted">" (" {count_link(t.csat.responses, rated, "csat-link")} ")"</span>
                </dd>
            </div>
            <div class="rp-tile" data-testid="total-outside">
                <dt>{i.tr(Key::SrOutside)}</dt>
                <dd>{count_link(t.outside_agreement, outside, "outside-link")}</dd>
            </div>
        </dl>
    };
    let times = {
        let (fr, res) = (r.first_response_time.clone(), r.resolution_time.clone());
        view! {
            <h3>{i.tr(Key::SrTimes)}</h3>
            <div class="table-wrap">
                <table class="table responsive" data-testid="service-times">
                    <thead><tr>
                        <th scope="col"></th>
                        <th scope="col">{i.tr(Key::SrMedian)}</th>
                        <th scope="col">{i.tr(Key::SrP90)}</th>
                        <th scope="col">{i.tr(Key::SrTickets)}</th>
                    </tr></thead>
                    <tbody>
                        {[(Key::SrFirstResponse, fr, "first-response"), (Key::SrResolution, res, "resolution")]
                            .into_iter()
                            .map(|(label, t, name)| {
                                let (m, p) = (hours(t.median_minutes), hours(t.p90_minutes));
                                view! {
                                    <tr data-testid="service-time" data-target=name>
                                        <th scope="row">{i.tr(label)}</th>
                                        <td data-label=i.tr(Key::SrMedian) data-testid="median">
                                            {move || m.as_ref().map_or_else(|| "—".to_string(), |h| i.f(Key::SrHours, &[h]))}
                                        </td>
                                        <td data-label=i.tr(Key::SrP90) data-testid="p90">
                                            {move || p.as_ref().map_or_else(|| "—".to_string(), |h| i.f(Key::SrHours, &[h]))}
                                        </td>
                                        <td data-label=i.tr(Key::SrTickets)>{t.count}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
    };
    let months = r.months.clone();
    let by_module = r.by_module.clone();
    let by_level = r.by_level.clone();
    let by_engineer = r.by_engineer.clone();
    let by_centre = r.by_centre.clone();
    view! {
        <section class="card rp-section" data-testid="service-report">
            <div class="section-header">
                <h2>{i.tr(Key::SrTotals)}</h2>
                <DownloadCsv period />
            </div>
            {own.then(|| view! { <p class="muted" data-testid="service-own">{i.tr(Key::SrOwn)}</p> })}
            {tiles}
            {times}
            <p class="muted rp-note">{i.tr(Key::SrNote)}</p>
        </section>
        <section class="card rp-section" data-testid="service-months">
            <h2>{i.tr(Key::SrByMonth)}</h2>
            <BacklogChart months=months.clone() />
            <MonthTable months me />
        </section>
        <GroupTable title=Key::SrByModule head=Key::TkModule groups=by_module base=base.clone() kind=GroupKind::Module testid="by-module" />
        <GroupTable title=Key::SrByLevel head=Key::SrLevel groups=by_level base=base.clone() kind=GroupKind::Level testid="by-level" />
        <GroupTable title=Key::SrByEngineer head=Key::SrEngineer groups=by_engineer base=base.clone() kind=GroupKind::Engineer testid="by-engineer" />
        {(!by_centre.is_empty()).then(|| view! {
            <GroupTable title=Key::SrByCentre head=Key::SrCentre groups=by_centre base kind=GroupKind::Centre testid="by-centre" />
        })}
    }
}

#[component]
fn BacklogChart(months: Vec<ServiceMonth>) -> impl IntoView {
    let i = use_i18n();
    let lang = i.lang();
    let groups = months
        .iter()
        .enumerate()
        .map(|(n, m)| Group {
            key: m.month.clone(),
            label: month_label(&m.month, lang, false),
            sub: (n == 0 || m.month.ends_with("-01"))
                .then(|| m.month.split('-').next().unwrap_or_default().to_string()),
            count: Some(m.opened),
            values: vec![
                (m.opened as f64, m.opened.to_string()),
                (m.resolved as f64, m.resolved.to_string()),
                (m.open_at_end as f64, m.open_at_end.to_string()),
            ],
        })
        .collect();
    let series = vec![
        Series {
            class: "series-value",
            label: i.t(Key::SrOpened).to_string(),
        },
        Series {
            class: "series-forecast",
            label: i.t(Key::SrResolved).to_string(),
        },
        Series {
            class: "series-backlog",
            label: i.t(Key::SrOpenAtEnd).to_string(),
        },
    ];
    let label = i.t(Key::SrBacklogChart).to_string();
    view! { <BarChart series groups label lang testid="service-backlog-chart" /> }
}

#[component]
fn MonthTable(months: Vec<ServiceMonth>, me: Option<i64>) -> impl IntoView {
    let i = use_i18n();
    let rows = months
        .into_iter()
        .map(|m| {
            let base = Base {
                start: m.start,
                end: m.end,
                me,
            }
            .query();
            let resolved = TicketQuery {
                assignee_id: me,
                report: ReportFilters {
                    resolved_from: Some(m.start),
                    resolved_before: Some(m.end),
                    ..ReportFilters::default()
                },
                ..TicketQuery::default()
            };
            let rated = {
                let mut q = base.clone();
                q.report.rated = Some(true);
                q
            };
            let month = m.month.clone();
            let f = m.figures.clone();
            view! {
                <tr data-testid="service-month" data-month=m.month.clone()>
                    <th scope="row">{move || month_label(&month, i.lang(), true)}</th>
                    <td data-label=i.tr(Key::SrOpened)>{count_link(m.opened, base.clone(), "month-opened")}</td>
                    <td data-label=i.tr(Key::SrResolved)>{count_link(m.resolved, resolved, "month-resolved")}</td>
                    <td data-label=i.tr(Key::SrOpenAtEnd) data-testid="month-open-at-end">{m.open_at_end}</td>
                    <td data-label=i.tr(Key::SrFirstResponse)>{attainment(&f.first_response, &base, false, "month-fr")}</td>
                    <td data-label=i.tr(Key::SrResolution)>{attainment(&f.resolution, &base, true, "month-res")}</td>
                    <td data-label=i.tr(Key::SrFirstResponse) data-testid="month-fr-times">{time_text(&m.first_response_time)}</td>
                    <td data-label=i.tr(Key::SrResolution) data-testid="month-res-times">{time_text(&m.resolution_time)}</td>
                    <td data-label=i.tr(Key::SrCsatTrend) data-testid="month-csat">
                        {csat_text(&f)}
                        <span class="muted">" (" {count_link(f.csat.responses, rated, "month-csat-link")} ")"</span>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table responsive" data-testid="service-month-table">
                <thead><tr>
                    <th scope="col">{i.tr(Key::RpMonth)}</th>
                    <th scope="col">{i.tr(Key::SrOpened)}</th>
                    <th scope="col">{i.tr(Key::SrResolved)}</th>
                    <th scope="col">{i.tr(Key::SrOpenAtEnd)}</th>
                    <th scope="col">{i.tr(Key::SrFirstResponse)} " " {i.tr(Key::SrAttainment)}</th>
                    <th scope="col">{i.tr(Key::SrResolution)} " " {i.tr(Key::SrAttainment)}</th>
                    <th scope="col">{i.tr(Key::SrFirstResponse)} " " {i.tr(Key::SrMedian)} " / " {i.tr(Key::SrP90)}</th>
                    <th scope="col">{i.tr(Key::SrResolution)} " " {i.tr(Key::SrMedian)} " / " {i.tr(Key::SrP90)}</th>
                    <th scope="col">{i.tr(Key::SrCsatTrend)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum GroupKind {
    Module,
    Level,
    Engineer,
    Centre,
}

#[component]
fn GroupTable(
    title: Key,
    head: Key,
    groups: Vec<ServiceGroup>,
    base: Base,
    kind: GroupKind,
    testid: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    let rows = groups
        .into_iter()
        .map(|g| {
            let mut q = base.query();
            let name: Box<dyn Fn() -> String + Send + Sync> = match kind {
                GroupKind::Module => {
                    let module = g.key.as_deref().and_then(|k| k.parse::<ErpModule>().ok());
                    q.module = module;
                    let key = g.key.clone().unwrap_or_default();
                    Box::new(move || match module {
                        Some(m) => i.t(module_key(m)).to_string(),
                        None => key.clone(),
                    })
                }
                GroupKind::Level => {
                    q.report.level = g.key.clone();
                    let key = g.key.clone().unwrap_or_default();
                    Box::new(move || key.clone())
                }
                GroupKind::Engineer => {
                    match g.key.as_deref().and_then(|k| k.parse::<i64>().ok()) {
                        Some(id) => q.assignee_id = Some(id),
                        None => {
                            q.assignee_id = None;
                            q.unassigned = true;
                        }
                    }
                    let person = g.name.clone().or_else(|| g.key.clone().map(|k| format!("#{k}")));
                    Box::new(move || person.clone().unwrap_or_else(|| i.t(Key::Unassigned).to_string()))
                }
                GroupKind::Centre => {
                    q.report.centre_id = g.key.as_deref().and_then(|k| k.parse::<i64>().ok());
                    let centre = g.name.clone().unwrap_or_default();
                    Box::new(move || centre.clone())
                }
            };
            let f = g.figures.clone();
            let outside = {
                let mut o = q.clone();
                o.outside_agreement = Some(true);
                o
            };
            view! {
                <tr data-testid="service-group" data-key=g.key.clone().unwrap_or_default()>
                    <th scope="row">{name}</th>
                    <td data-label=i.tr(Key::SrTickets)>{count_link(f.tickets, q.clone(), "group-tickets")}</td>
                    <td data-label=i.tr(Key::SrFirstResponse)>{attainment(&f.first_response, &q, false, "group-fr")}</td>
                    <td data-label=i.tr(Key::SrResolution)>{attainment(&f.resolution, &q, true, "group-res")}</td>
                    <td data-label=i.tr(Key::SrCsat)>{csat_text(&f)}</td>
                    <td data-label=i.tr(Key::SrOutside)>{count_link(f.outside_agreement, outside, "group-outside")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card rp-section" data-testid=testid>
            <h2>{i.tr(title)}</h2>
            <div class="table-wrap">
                <table class="table responsive">
                    <thead><tr>
                        <th scope="col">{i.tr(head)}</th>
                        <th scope="col">{i.tr(Key::SrTickets)}</th>
                        <th scope="col">{i.tr(Key::SrFirstResponse)}</th>
                        <th scope="col">{i.tr(Key::SrResolution)}</th>
                        <th scope="col">{i.tr(Key::SrCsat)}</th>
                        <th scope="col">{i.tr(Key::SrOutside)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_comes_from_the_url_or_is_this_year() {
        let today = NaiveDate::from_ymd_opt(2027, 5, 9).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            period_of("?from=2027-03-01&to=2027-03-31", today),
            (d("2027-03-01"), d("2027-03-31"))
        );
        assert_eq!(
            period_of("?from=2027-04-01&to=2027-03-31", today),
            (d("2027-01-01"), d("2027-12-31"))
        );
        assert_eq!(
            href_of(d("2027-03-01"), d("2027-03-31")),
            "/reports/service?from=2027-03-01&to=2027-03-31"
        );
        assert_eq!(hours(Some(90)).as_deref(), Some("1.5"));
    }
}
