//! `/dashboard`: the caller's portfolio at a glance (every account for
//! admins, managers and engineers; a CSM's own). Stat cards, the health
//! distribution and the accounts at risk with their 30-day trends, open
//! renewals due in 30/60/90 days, renewals by month (value against
//! forecast, from the renewal report), accounts by stage and open tickets
//! by module. Every figure is the server's; amounts stay exact strings.

use chrono::NaiveDate;
use leptos::prelude::*;
use shared::contracts::DEFAULT_CURRENCY;
use shared::health::{HealthBand, HealthComponent};
use shared::reports::{
    AtRiskAccount, Dashboard, RenewalMonth, RenewalReport, RenewalWindow, ReportScope,
};
use shared::ErrorCode;

use crate::api;
use crate::components::charts::{BarChart, CountBars, Donut, Group, Series, Slice, Sparkline};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::i18n::{module_key, stage_key, use_i18n, Key};
use crate::logic::charts::{draw_value, month_label, next_twelve_months, ReportQuery};
use crate::logic::money::money;

pub fn band_key(b: HealthBand) -> Key {
    match b {
        HealthBand::Green => Key::HlGreen,
        HealthBand::Yellow => Key::HlYellow,
        HealthBand::Red => Key::HlRed,
    }
}

fn component_key(c: HealthComponent) -> Key {
    match c {
        HealthComponent::Usage => Key::HlUsage,
        HealthComponent::Support => Key::HlSupport,
        HealthComponent::Onboarding => Key::HlOnboarding,
        HealthComponent::Training => Key::HlTraining,
        HealthComponent::Satisfaction => Key::HlSatisfaction,
        HealthComponent::Engagement => Key::HlEngagement,
        HealthComponent::Renewal => Key::HlRenewal,
        HealthComponent::PlanProgress => Key::HlPlanProgress,
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i = use_i18n();
    let data = load(api::reports::dashboard);
    view! {
        <div class="page db-page">
            <header class="page-header">
                <div>
                    <h1 data-testid="dashboard-heading">{i.tr(Key::DbTitle)}</h1>
                    {move || data.ok().map(|d| {
                        let scope = match d.scope {
                            ReportScope::Workspace => Key::DbScopeWorkspace,
                            ReportScope::Own => Key::DbScopeOwn,
                        };
                        let at = d.computed_at;
                        view! {
                            <p class="muted db-as-of" data-testid="dashboard-as-of">
                                {i.tr(scope)} " · " {move || i.f(Key::DbAsOf, &[&i.datetime_of(at)()])}
                            </p>
                        }
                    })}
                </div>
                <button type="button" class="btn btn-small" data-testid="dashboard-reload" on:click=move |_| data.reload.run(())>
                    {i.tr(Key::Reload)}
                </button>
            </header>
            {move || match data.value.get() {
                None => view! {
                    <div class="db-grid" aria-busy="true" data-testid="dashboard-loading">
                        <SkeletonCard /><SkeletonCard /><SkeletonCard /><SkeletonCard />
                    </div>
                }
                .into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=data.reload /> }.into_any(),
                Some(Ok(d)) if d.accounts_total == 0 => view! {
                    <div class="state" data-testid="dashboard-empty">
                        <p>{i.tr(Key::DbEmpty)}</p>
                        <a class="btn" href="/accounts">{i.tr(Key::DbToAccounts)}</a>
                    </div>
                }
                .into_any(),
                Some(Ok(d)) => view! { <Figures d /> }.into_any(),
            }}
        </div>
    }
}

/// A stat card: a label, the figure, a note under it.
fn stat(label: Key, value: String, note: String, testid: &'static str) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="card db-stat" data-testid=testid>
            <p class="db-stat-label">{i.tr(label)}</p>
            <p class="db-stat-value" data-testid=format!("{testid}-value")>{value}</p>
            <p class="muted db-stat-note">{note}</p>
        </div>
    }
}

#[component]
fn Figures(d: Dashboard) -> impl IntoView {
    let i = use_i18n();
    let scored = d.health_day.is_some();
    let at_risk_arr = if d.at_risk_arr.is_empty() {
        "—".to_string()
    } else {
        d.at_risk_arr
            .iter()
            .map(|a| money(&a.amount, &a.currency))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let red_accounts: u64 = d.at_risk_arr.iter().map(|a| a.accounts).sum();
    let (open, breached) = (d.open_tickets, d.breached_tickets);
    let onboarding = d.onboarding.clone();
    let nps = d.nps.clone();
    let stats = move || {
        let arr_note = match (scored, red_accounts) {
            (false, _) => i.t(Key::DbNotScored).to_string(),
            (true, 0) => i.t(Key::DbNoRedAccounts).to_string(),
            (true, n) => i.f(Key::DbRedAccounts, &[&n.to_string()]),
        };
        view! {
            {stat(Key::DbOpenTickets, open.to_string(), i.f(Key::DbBreached, &[&breached.to_string()]), "stat-tickets")}
            {stat(Key::DbAtRiskArr, at_risk_arr.clone(), arr_note, "stat-at-risk-arr")}
            {stat(
                Key::DbOnboarding,
                onboarding.accounts.to_string(),
                i.f(Key::DbOnboardingNote, &[&onboarding.behind.to_string(), &onboarding.stuck.to_string()]),
                "stat-onboarding",
            )}
            {stat(
                Key::DbNps,
                nps.summary.nps.clone().unwrap_or_else(|| "—".into()),
                i.f(Key::DbNpsNote, &[&nps.summary.responses.to_string(), &nps.days.to_string()]),
                "stat-nps",
            )}
        }
    };
    let total = d.accounts_total;
    let stages: Vec<_> = d
        .accounts_by_stage
        .iter()
        .map(|s| (s.stage, s.count))
        .collect();
    let modules: Vec<_> = d
        .open_tickets_by_module
        .iter()
        .map(|m| (m.module, m.open, m.breached))
        .collect();
    let today = d.today;
    let currencies = currencies_of(&d);
    view! {
        <section class="db-stats" aria-label=i.tr(Key::DbFigures) data-testid="dashboard-stats">
            {stat(Key::DbAccounts, total.to_string(), String::new(), "stat-accounts")}
            {stats}
        </section>
        <div class="db-grid">
            <section class="card" aria-labelledby="db-health-title" data-testid="dashboard-health">
                <h2 id="db-health-title">{i.tr(Key::DbHealthTitle)}</h2>
                <HealthDistribution d=d.clone() />
            </section>
            <section class="card db-span-2" aria-labelledby="db-risk-title" data-testid="dashboard-at-risk">
                <h2 id="db-risk-title">{i.tr(Key::DbAtRiskTitle)}</h2>
                <AtRiskList accounts=d.at_risk_accounts.clone() scored />
            </section>
            <section class="card db-wide" aria-labelledby="db-months-title" data-testid="dashboard-renewals-by-month">
                <h2 id="db-months-title">{i.tr(Key::DbByMonth)}</h2>
                <RenewalsByMonth today currencies />
            </section>
            <section class="card" aria-labelledby="db-due-title" data-testid="dashboard-renewals-due">
                <h2 id="db-due-title">{i.tr(Key::DbRenewalsDue)}</h2>
                <RenewalsDue windows=d.renewals_due.clone() />
            </section>
            <section class="card" aria-labelledby="db-stage-title" data-testid="dashboard-stages">
                <h2 id="db-stage-title">{i.tr(Key::DbStages)}</h2>
                {move || {
                    let rows = stages
                        .iter()
                        .map(|(s, n)| (s.as_str().to_string(), i.t(stage_key(*s)).to_string(), *n, None))
                        .collect();
                    view! { <CountBars rows testid="stage-bars" /> }
                }}
            </section>
            <section class="card" aria-labelledby="db-tickets-title" data-testid="dashboard-tickets">
                <h2 id="db-tickets-title">{i.tr(Key::DbTicketsByModule)}</h2>
                {move || {
                    if open == 0 {
                        return view! { <p class="muted" data-testid="tickets-none">{i.tr(Key::DbNoOpenTickets)}</p> }.into_any();
                    }
                    let rows = modules
                        .iter()
                        .filter(|(_, n, _)| *n > 0)
                        .map(|(m, n, b)| {
                            let note = (*b > 0).then(|| i.f(Key::DbBreached, &[&b.to_string()]));
                            (m.as_str().to_string(), i.t(module_key(*m)).to_string(), *n, note)
                        })
                        .collect();
                    view! { <CountBars rows testid="module-bars" /> }.into_any()
                }}
            </section>
        </div>
    }
}

/// The currencies the dashboard's money is in, the default one first.
fn currencies_of(d: &Dashboard) -> Vec<String> {
    let mut out = vec![DEFAULT_CURRENCY.to_string()];
    let seen = d
        .renewals_due
        .iter()
        .flat_map(|w| w.totals.iter().map(|t| &t.currency))
        .chain(d.at_risk_arr.iter().map(|a| &a.currency));
    for c in seen {
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    out
}

#[component]
fn NotScored() -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="db-empty" data-testid="health-not-scored">
            <p><strong>{i.tr(Key::DbNotScored)}</strong></p>
            <p class="muted">{i.tr(Key::DbNotScoredBody)}</p>
        </div>
    }
}

#[component]
fn HealthDistribution(d: Dashboard) -> impl IntoView {
    let i = use_i18n();
    let Some(day) = d.health_day else {
        return view! { <NotScored /> }.into_any();
    };
    let bands = d.accounts_by_band;
    let day = day.and_hms_opt(12, 0, 0).map(|t| t.and_utc());
    (move || {
        let slices: Vec<Slice> = bands
            .iter()
            .map(|b| Slice {
                class: match b.band {
                    HealthBand::Green => "band-green",
                    HealthBand::Yellow => "band-yellow",
                    HealthBand::Red => "band-red",
                },
                label: i.t(band_key(b.band)).to_string(),
                count: b.count,
            })
            .collect();
        let total: u64 = slices.iter().map(|s| s.count).sum();
        let parts = slices
            .iter()
            .map(|s| format!("{} {}", s.label, s.count))
            .collect::<Vec<_>>()
            .join(", ");
        let label = i.f(Key::DbHealthAria, &[&parts]);
        let as_of = day.map(|t| i.f(Key::DbScoresOf, &[&i.date_of(t)()]));
        view! {
            <Donut slices label center=total.to_string() testid="health-chart" />
            <p class="muted db-note" data-testid="health-day">{as_of}</p>
        }
    })
    .into_any()
}

#[component]
fn AtRiskList(accounts: Vec<AtRiskAccount>, scored: bool) -> impl IntoView {
    let i = use_i18n();
    if !scored {
        return view! { <NotScored /> }.into_any();
    }
    if accounts.is_empty() {
        return view! { <p class="muted" data-testid="at-risk-empty">{i.tr(Key::DbAtRiskEmpty)}</p> }
            .into_any();
    }
    let items = accounts
        .into_iter()
        .map(|a| {
            let band = a.band;
            let name = a.account_name.clone();
            let trend = a.trend;
            let weakest = a.weakest;
            view! {
                <li class="db-risk" data-testid="at-risk-item" data-account-id=a.account_id.to_string() data-band=band.as_str()>
                    <span class=format!("db-risk-score hl-{}", band.as_str()) data-testid="at-risk-score">{a.score}</span>
                    <div class="db-risk-main">
                        <a href=format!("/accounts/{}", a.account_id) data-testid="at-risk-link">{a.account_name}</a>
                        <span class="muted db-risk-meta">
                            <span class=format!("badge hl-{}", band.as_str())>{i.tr(band_key(band))}</span>
                            {weakest.map(|w| view! { " " {move || i.f(Key::DbWeakest, &[i.t(component_key(w))])} })}
                        </span>
                    </div>
                    {move || {
                        let label = i.f(Key::DbTrendOf, &[&name]);
                        (trend.len() > 1).then(|| view! { <Sparkline trend=trend.clone() label /> })
                    }}
                </li>
            }
        })
        .collect_view();
    view! {
        <ol class="plain-list db-risk-list" data-testid="at-risk-list">{items}</ol>
    }
    .into_any()
}

#[component]
fn RenewalsDue(windows: Vec<RenewalWindow>) -> impl IntoView {
    let i = use_i18n();
    if windows.iter().all(|w| w.count == 0) {
        return view! { <p class="muted" data-testid="renewals-due-none">{i.tr(Key::DbNoRenewalsDue)}</p> }
            .into_any();
    }
    let rows = windows
        .into_iter()
        .map(|w| {
            let days = w.within_days.to_string();
            let totals = w.totals;
            let money_line = move || {
                totals
                    .iter()
                    .map(|t| {
                        i.f(
                            Key::DbValueForecast,
                            &[&money(&t.annual_value, &t.currency), &money(&t.forecast_amount, &t.currency)],
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" · ")
            };
            view! {
                <li data-testid="renewal-window" data-days=w.within_days.to_string() data-count=w.count.to_string()>
                    <span>{move || i.f(Key::DbWithin, &[&days])}</span>
                    <strong class="db-window-count">{w.count}</strong>
                    <span class="db-window-money">{money_line}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="plain-list db-windows" data-testid="renewals-due-list">{rows}</ul>
        <p class="muted db-note">{i.tr(Key::DbOverdueNote)}</p>
        <a href="/renewals" class="btn-link">{i.tr(Key::DbToPipeline)}</a>
    }
    .into_any()
}

/// The renewal report of this month and the next eleven, as grouped bars
/// of the expiring value against the forecast per month.
#[component]
fn RenewalsByMonth(today: NaiveDate, currencies: Vec<String>) -> impl IntoView {
    let i = use_i18n();
    let (from, to) = next_twelve_months(today);
    let query = RwSignal::new(ReportQuery {
        from,
        to,
        currency: DEFAULT_CURRENCY.to_string(),
    });
    let report = load(move || {
        let q = query.get_untracked();
        async move { api::reports::renewals(&q).await }
    });
    let picker = (currencies.len() > 1).then(|| {
        view! {
            <div class="field db-currency">
                <label for="db-currency">{i.tr(Key::RpCurrency)}</label>
                <select
                    id="db-currency"
                    data-testid="dashboard-currency"
                    on:change=move |ev| {
                        let c = event_target_value(&ev);
                        query.update(|q| q.currency = c);
                        report.reload.run(());
                    }
                >
                    {currencies
                        .into_iter()
                        .map(|c| view! { <option value=c.clone()>{c.clone()}</option> })
                        .collect_view()}
                </select>
            </div>
        }
    });
    view! {
        {picker}
        {move || match report.value.get() {
            None => view! { <div class="skeleton db-chart-skeleton" aria-busy="true"></div> }.into_any(),
            Some(Err(e)) if e.is(ErrorCode::Forbidden) => {
                view! { <p class="muted" data-testid="renewals-chart-forbidden">{i.tr(Key::DbRenewalsHidden)}</p> }.into_any()
            }
            Some(Err(e)) => view! { <ErrorState error=e on_retry=report.reload /> }.into_any(),
            Some(Ok(r)) => view! { <MonthChart r /> }.into_any(),
        }}
    }
}

#[component]
fn MonthChart(r: RenewalReport) -> impl IntoView {
    let i = use_i18n();
    let link = ReportQuery {
        from: r.from,
        to: r.to,
        currency: r.currency.clone(),
    }
    .href();
    let summary = {
        let (count, value, cur) = (
            r.due_count.to_string(),
            r.due_value.clone(),
            r.currency.clone(),
        );
        move || i.f(Key::DbDueSummary, &[&count, &money(&value, &cur)])
    };
    if r.due_count == 0 {
        let cur = r.currency.clone();
        return view! {
            <p class="muted" data-testid="renewals-chart-empty">{move || i.f(Key::DbByMonthEmpty, &[&cur])}</p>
            <a href=link class="btn-link">{i.tr(Key::DbToReport)}</a>
        }
        .into_any();
    }
    let chart = move || {
        let lang = i.lang();
        let span = |d: NaiveDate| month_label(&d.format("%Y-%m").to_string(), lang, true);
        let label = i.f(
            Key::DbByMonthAria,
            &[&span(r.from), &span(r.to), &r.currency],
        );
        month_chart(&r.by_month, &r.currency, label, "renewals-chart")
    };
    view! {
        <p class="db-note" data-testid="renewals-chart-summary">{summary}</p>
        {chart}
        <a href=link class="btn-link" data-testid="to-renewal-report">{i.tr(Key::DbToReport)}</a>
    }
    .into_any()
}

/// Grouped bars of the expiring annual value against the forecast per
/// month (`label`: the chart's accessible name). Re-run it when the
/// language changes.
pub fn month_chart(
    months: &[RenewalMonth],
    currency: &str,
    label: String,
    testid: &'static str,
) -> impl IntoView {
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
            count: Some(m.count),
            values: vec![
                (
                    draw_value(&m.annual_value),
                    money(&m.annual_value, currency),
                ),
                (
                    draw_value(&m.forecast_amount),
                    money(&m.forecast_amount, currency),
                ),
            ],
        })
        .collect();
    let series = vec![
        Series {
            class: "series-value",
            label: i.t(Key::CtAnnualValue).to_string(),
        },
        Series {
            class: "series-forecast",
            label: i.t(Key::RnForecast).to_string(),
        },
    ];
    view! { <BarChart series groups label lang testid /> }
}
