//! `/reports`: the renewal report (rates, retention, outcomes, months,
//! churn reasons) and the staff KPIs over a period picked with dates or a
//! preset, in one currency; the period lives in the URL. Each report has
//! a CSV download, fetched with the session's token and saved by the
//! browser. Engineers are refused the renewal report (it is about money):
//! the page says so instead of failing.

use chrono::NaiveDate;
use leptos::prelude::*;
use shared::reports::{KpiReport, KpiRow, RenewalReport, ReportScope};
use shared::ErrorCode;

use crate::api::{self, ApiErr};
use crate::components::states::{ErrorState, SkeletonRows};
use crate::i18n::{role_key, use_i18n, Key};
use crate::logic::charts::{
    check_period, month_label, percent_text, PeriodProblem, Preset, ReportQuery,
};
use crate::logic::money::money;
use crate::logic::onboarding::browser_today;
use crate::pages::renewals::dashboard::month_chart;
use crate::pages::renewals::list::reason_label;
use crate::pages::renewals::time_report::{PackageBalancesSection, TimeReportSection};
use crate::router::{redirect, use_location};

type Loaded<T> = RwSignal<Option<Result<T, ApiErr>>>;

fn preset_key(p: Preset) -> Key {
    match p {
        Preset::ThisQuarter => Key::RpThisQuarter,
        Preset::LastQuarter => Key::RpLastQuarter,
        Preset::ThisYear => Key::RpThisYear,
        Preset::LastYear => Key::RpLastYear,
        Preset::Last12Months => Key::RpLast12,
        Preset::Next12Months => Key::RpNext12,
    }
}

fn problem_key(p: PeriodProblem) -> Key {
    match p {
        PeriodProblem::Date => Key::RpBadDate,
        PeriodProblem::ToBeforeFrom => Key::RpToBeforeFrom,
        PeriodProblem::TooLong => Key::RpTooLong,
        PeriodProblem::Currency => Key::CtBadCurrency,
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let today = browser_today();
    let query = Memo::new(move |_| ReportQuery::from_search(&location.search.get(), today));
    let renewals: Loaded<RenewalReport> = RwSignal::new(None);
    let kpi: Loaded<KpiReport> = RwSignal::new(None);
    let load_renewals = move || {
        let q = query.get_untracked();
        renewals.set(None);
        crate::task::spawn(async move { renewals.set(Some(api::reports::renewals(&q).await)) });
    };
    let load_kpi = move || {
        let q = query.get_untracked();
        kpi.set(None);
        crate::task::spawn(async move { kpi.set(Some(api::reports::kpi(&q).await)) });
    };
    Effect::new(move |_| {
        query.track();
        load_renewals();
        load_kpi();
    });
    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="reports-heading">{i.tr(Key::RpTitle)}</h1>
            </header>
            <PeriodForm query today on_same=Callback::new(move |_| { load_renewals(); load_kpi(); }) />
            <RenewalSection query renewals on_retry=Callback::new(move |_| load_renewals()) />
            <KpiSection query kpi on_retry=Callback::new(move |_| load_kpi()) />
            <TimeReportSection query />
            <PackageBalancesSection />
        </div>
    }
}

/// Dates, currency and presets; applying puts them in the URL.
#[component]
fn PeriodForm(query: Memo<ReportQuery>, today: NaiveDate, on_same: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let currency = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<(&'static str, PeriodProblem)>::new());
    Effect::new(move |_| {
        let q = query.get();
        from.set(q.from.to_string());
        to.set(q.to.to_string());
        currency.set(q.currency);
        problems.set(Vec::new());
    });
    let go = move |q: ReportQuery| {
        if q == query.get_untracked() {
            on_same.run(());
        } else {
            redirect(&q.href());
        }
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match check_period(
            &from.get_untracked(),
            &to.get_untracked(),
            &currency.get_untracked(),
        ) {
            Ok(q) => go(q),
            Err(p) => problems.set(p),
        }
    };
    let error = move |field: &'static str| {
        move || {
            problems.with(|p| p.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)).map(|p| {
                view! {
                    <p class="field-error" role="alert" id=format!("report-{field}-error") data-testid=format!("error-report-{field}")>
                        {i.tr(problem_key(p))}
                    </p>
                }
            })
        }
    };
    let invalid = move |field: &'static str| {
        move || {
            problems
                .with(|p| p.iter().any(|(f, _)| *f == field))
                .then_some("true")
        }
    };
    let input =
        move |field: &'static str, label: Key, kind: &'static str, value: RwSignal<String>| {
            let id = format!("report-{field}");
            view! {
                <div class="field" class:has-error=move || invalid(field)().is_some()>
                    <label for=id.clone()>{i.tr(label)}</label>
                    <input
                        id=id.clone()
                        type=kind
                        data-testid=id
                        aria-invalid=invalid(field)
                        aria-describedby=format!("report-{field}-error")
                        prop:value=move || value.get()
                        on:input=move |ev| {
                            value.set(event_target_value(&ev));
                            problems.update(|p| p.retain(|(f, _)| *f != field));
                        }
                    />
                    {error(field)}
                </div>
            }
        };
    view! {
        <form class="card rp-period" data-testid="report-period" on:submit=apply novalidate>
            <div class="toolbar">
                {input("from", Key::RpFrom, "date", from)}
                {input("to", Key::RpTo, "date", to)}
                {input("currency", Key::RpCurrency, "text", currency)}
                <button type="submit" class="btn btn-primary" data-testid="report-apply">{i.tr(Key::RpApply)}</button>
            </div>
            <div class="rp-presets" role="group" aria-label=i.tr(Key::RpPresets)>
                {Preset::ALL
                    .iter()
                    .map(|p| {
                        let p = *p;
                        let (f, t) = p.range(today);
                        view! {
                            <button
                                type="button"
                                class="btn btn-small btn-ghost"
                                data-testid=p.testid()
                                aria-pressed=move || query.with(|q| q.from == f && q.to == t).to_string()
                                on:click=move |_| go(ReportQuery { from: f, to: t, currency: query.get_untracked().currency })
                            >
                                {i.tr(preset_key(p))}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </form>
    }
}

/// "Download CSV": fetched with the token, saved through a Blob URL.
#[component]
fn DownloadCsv(query: Memo<ReportQuery>, kpi: bool, testid: &'static str) -> impl IntoView {
    let i = use_i18n();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiErr>);
    let download = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let q = query.get_untracked();
        crate::task::spawn(async move {
            let done = if kpi {
                api::reports::kpi_csv(&q).await
            } else {
                api::reports::renewals_csv(&q).await
            };
            failure.set(done.err());
            busy.set(false);
        });
    };
    view! {
        <div class="rp-download">
            <button type="button" class="btn btn-small" data-testid=testid disabled=busy on:click=download aria-busy=move || busy.get().to_string()>
                {i.tr_when(busy, Key::RpPreparing, Key::RpDownload)}
            </button>
            {move || failure.get().map(|e| view! {
                <p class="field-error" role="alert" data-testid=format!("{testid}-error")>{i.error_of(e)}</p>
            })}
        </div>
    }
}

fn table_skeleton() -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table" aria-busy="true"><tbody><SkeletonRows rows=4 cols=5 /></tbody></table>
        </div>
    }
}

#[component]
fn RenewalSection(
    query: Memo<ReportQuery>,
    renewals: Loaded<RenewalReport>,
    on_retry: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let allowed = move || renewals.with(|r| matches!(r, Some(Ok(_))));
    view! {
        <section class="card rp-section" aria-labelledby="rp-renewals-title" data-testid="renewal-report">
            <div class="section-header">
                <h2 id="rp-renewals-title">{i.tr(Key::RpRenewals)}</h2>
                {move || allowed().then(|| view! { <DownloadCsv query kpi=false testid="download-renewals" /> })}
            </div>
            {move || match renewals.get() {
                None => table_skeleton().into_any(),
                Some(Err(e)) if e.is(ErrorCode::Forbidden) => view! {
                    <div class="state" data-testid="renewal-report-forbidden"><p>{i.tr(Key::RpRenewalsForbidden)}</p></div>
                }
                .into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry /> }.into_any(),
                Some(Ok(r)) => view! { <RenewalReportView r /> }.into_any(),
            }}
        </section>
    }
}

/// A labelled figure of a row of tiles.
fn tile(label: Key, value: String, testid: &'static str) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="rp-tile" data-testid=testid>
            <dt>{i.tr(label)}</dt>
            <dd>{value}</dd>
        </div>
    }
}

#[component]
fn RenewalReportView(r: RenewalReport) -> impl IntoView {
    let i = use_i18n();
    let cur = r.currency.clone();
    let m = |amount: &str| money(amount, &cur);
    let own = r.scope == ReportScope::Own;
    let period = {
        let (from, to, cur) = (r.from.to_string(), r.to.to_string(), r.currency.clone());
        move || i.f(Key::RpRenewalsPeriod, &[&from, &to, &cur])
    };
    let head = view! {
        <p class="muted" data-testid="renewal-report-period">
            {period} {own.then(|| view! { " " {i.tr(Key::RpOwnAccounts)} })}
        </p>
    };
    if r.due_count == 0 {
        let cur = r.currency.clone();
        return view! {
            {head}
            <div class="state" data-testid="renewal-report-empty"><p>{move || i.f(Key::RpNoRenewals, &[&cur])}</p></div>
        }
        .into_any();
    }
    let outcomes = [
        (Key::RpDue, r.due_count, m(&r.due_value), "due"),
        (
            Key::RnRenewed,
            r.renewed_count,
            m(&r.renewed_value),
            "renewed",
        ),
        (
            Key::RnChurned,
            r.churned_count,
            m(&r.churned_value),
            "churned",
        ),
        (Key::RpOpen, r.open_count, m(&r.open_value), "open"),
    ]
    .into_iter()
    .map(|(key, count, value, name)| {
        view! {
            <tr data-testid="outcome" data-outcome=name data-count=count.to_string()>
                <th scope="row">{i.tr(key)}</th>
                <td data-label=i.tr(Key::DbCount)>{count}</td>
                <td data-label=i.tr(Key::CtAnnualValue)>{value}</td>
            </tr>
        }
    })
    .collect_view();
    view! {
        {head}
        <dl class="rp-tiles">
            {tile(Key::RpRateCount, percent_text(r.renewal_rate_by_count.as_deref()), "rate-count")}
            {tile(Key::RpRateValue, percent_text(r.renewal_rate_by_value.as_deref()), "rate-value")}
            {tile(Key::RpGrr, percent_text(r.gross_revenue_retention.as_deref()), "grr")}
            {tile(Key::RpNrr, percent_text(r.net_revenue_retention.as_deref()), "nrr")}
        </dl>
        <p class="muted rp-note">{i.tr(Key::RpRatesNote)}</p>
        <div class="grid-2 rp-pair">
            <div class="table-wrap">
                <table class="table responsive" data-testid="renewal-outcomes">
                    <caption>{i.tr(Key::RpOutcomes)}</caption>
                    <thead><tr>
                        <th scope="col">{i.tr(Key::Stage)}</th>
                        <th scope="col">{i.tr(Key::DbCount)}</th>
                        <th scope="col">{i.tr(Key::CtAnnualValue)}</th>
                    </tr></thead>
                    <tbody>{outcomes}</tbody>
                </table>
            </div>
            <dl class="details rp-arr" data-testid="renewal-arr">
                <dt>{i.tr(Key::RpStartingArr)}</dt><dd>{m(&r.starting_arr)}</dd>
                <dt>{i.tr(Key::RpChurnedArr)}</dt><dd>{m(&r.churned_arr)}</dd>
                <dt>{i.tr(Key::RpDowngrade)}</dt><dd>{m(&r.downgrade_arr)}</dd>
                <dt>{i.tr(Key::RpExpansion)}</dt><dd>{m(&r.expansion_arr)}</dd>
            </dl>
        </div>
        <h3>{i.tr(Key::DbByMonth)}</h3>
        <MonthTable r=r.clone() />
        <h3>{i.tr(Key::RpChurnReasons)}</h3>
        <ChurnReasons r />
    }
    .into_any()
}

#[component]
fn MonthTable(r: RenewalReport) -> impl IntoView {
    let i = use_i18n();
    let (months, cur) = (r.by_month.clone(), r.currency.clone());
    let chart = move || {
        let label = i.f(Key::RpByMonthAria, &[&cur]);
        month_chart(&months, &cur, label, "report-month-chart")
    };
    let cur = r.currency.clone();
    let rows = r
        .by_month
        .into_iter()
        .map(|m| {
            let month = m.month.clone();
            view! {
                <tr data-testid="report-month" data-month=m.month.clone() data-count=m.count.to_string()>
                    <th scope="row">{move || month_label(&month, i.lang(), true)}</th>
                    <td data-label=i.tr(Key::DbCount)>{m.count}</td>
                    <td data-label=i.tr(Key::CtAnnualValue)>{money(&m.annual_value, &cur)}</td>
                    <td data-label=i.tr(Key::RnForecast)>{money(&m.forecast_amount, &cur)}</td>
                    <td data-label=i.tr(Key::RpUpsell)>{money(&m.upsell_amount, &cur)}</td>
                    <td data-label=i.tr(Key::RnRenewed)>{m.renewed_count}</td>
                    <td data-label=i.tr(Key::RnChurned)>{m.churned_count}</td>
                    <td data-label=i.tr(Key::RpOpen)>{m.open_count}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {chart}
        <div class="table-wrap">
            <table class="table responsive" data-testid="report-months">
                <thead><tr>
                    <th scope="col">{i.tr(Key::RpMonth)}</th>
                    <th scope="col">{i.tr(Key::RpDue)}</th>
                    <th scope="col">{i.tr(Key::CtAnnualValue)}</th>
                    <th scope="col">{i.tr(Key::RnForecast)}</th>
                    <th scope="col">{i.tr(Key::RpUpsell)}</th>
                    <th scope="col">{i.tr(Key::RnRenewed)}</th>
                    <th scope="col">{i.tr(Key::RnChurned)}</th>
                    <th scope="col">{i.tr(Key::RpOpen)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn ChurnReasons(r: RenewalReport) -> impl IntoView {
    let i = use_i18n();
    if r.churn_reasons.is_empty() {
        return view! { <p class="muted" data-testid="churn-reasons-none">{i.tr(Key::RpNoChurn)}</p> }.into_any();
    }
    let cur = r.currency;
    let rows = r
        .churn_reasons
        .into_iter()
        .map(|c| {
            let reason = c.reason.clone();
            view! {
                <tr data-testid="churn-reason-row" data-reason=c.reason data-count=c.count.to_string()>
                    <th scope="row">{move || reason_label(&reason, i.lang())}</th>
                    <td data-label=i.tr(Key::DbCount)>{c.count}</td>
                    <td data-label=i.tr(Key::CtAnnualValue)>{money(&c.annual_value, &cur)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table responsive" data-testid="churn-reasons">
                <thead><tr>
                    <th scope="col">{i.tr(Key::RnChurnReason)}</th>
                    <th scope="col">{i.tr(Key::DbCount)}</th>
                    <th scope="col">{i.tr(Key::CtAnnualValue)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn KpiSection(
    query: Memo<ReportQuery>,
    kpi: Loaded<KpiReport>,
    on_retry: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let loaded = move || kpi.with(|r| matches!(r, Some(Ok(_))));
    view! {
        <section class="card rp-section" aria-labelledby="rp-kpi-title" data-testid="kpi-report">
            <div class="section-header">
                <h2 id="rp-kpi-title">{i.tr(Key::RpKpi)}</h2>
                {move || loaded().then(|| view! { <DownloadCsv query kpi=true testid="download-kpi" /> })}
            </div>
            {move || match kpi.get() {
                None => table_skeleton().into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry /> }.into_any(),
                Some(Ok(r)) if r.rows.is_empty() => view! {
                    <div class="state" data-testid="kpi-empty"><p>{i.tr(Key::RpNoKpi)}</p></div>
                }
                .into_any(),
                Some(Ok(r)) => view! { <KpiTable r /> }.into_any(),
            }}
        </section>
    }
}

fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "—".into())
}

#[component]
fn KpiTable(r: KpiReport) -> impl IntoView {
    let i = use_i18n();
    let own = r.scope == ReportScope::Own;
    let rows = r.rows.into_iter().map(|k: KpiRow| {
        let minutes = k.median_first_response_minutes.clone();
        view! {
            <tr data-testid="kpi-row" data-user-id=k.user_id.to_string()>
                <th scope="row">
                    <span class="rp-person">{k.name}</span>
                    <span class="muted rp-role">{i.tr(role_key(k.role))}</span>
                </th>
                <td data-label=i.tr(Key::RpAccountsOwned) data-testid="kpi-accounts">{k.accounts_owned}</td>
                <td data-label=i.tr(Key::RpAvgHealth)>{or_dash(k.average_health)}</td>
                <td data-label=i.tr(Key::RpRenewalsClosed)>{format!("{} / {}", k.renewals_renewed, k.renewals_closed)}</td>
                <td data-label=i.tr(Key::RpRenewalRate)>{percent_text(k.renewal_rate.as_deref())}</td>
                <td data-label=i.tr(Key::RpTicketsResolved)>{k.tickets_resolved}</td>
                <td data-label=i.tr(Key::RpSla)>
                    {percent_text(k.sla_compliance.as_deref())}
                    <span class="muted">{format!(" ({}/{})", k.resolved_within_sla, k.tickets_resolved.saturating_sub(k.resolved_outside_agreement))}</span>
                </td>
                <td data-label=i.tr(Key::RpFirstResponse)>
                    {move || minutes.as_ref().map_or_else(|| "—".to_string(), |m| i.f(Key::RpMinutes, &[m]))}
                </td>
            </tr>
        }
    }).collect_view();
    view! {
        {own.then(|| view! { <p class="muted" data-testid="kpi-own">{i.tr(Key::RpOwnRow)}</p> })}
        <div class="table-wrap">
            <table class="table responsive" data-testid="kpi-table">
                <thead><tr>
                    <th scope="col">{i.tr(Key::RpPerson)}</th>
                    <th scope="col">{i.tr(Key::RpAccountsOwned)}</th>
                    <th scope="col">{i.tr(Key::RpAvgHealth)}</th>
                    <th scope="col">{i.tr(Key::RpRenewalsClosed)}</th>
                    <th scope="col">{i.tr(Key::RpRenewalRate)}</th>
                    <th scope="col">{i.tr(Key::RpTicketsResolved)}</th>
                    <th scope="col">{i.tr(Key::RpSla)}</th>
                    <th scope="col">{i.tr(Key::RpFirstResponse)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="muted rp-note">{i.tr(Key::RpKpiNote)}</p>
    }
}
