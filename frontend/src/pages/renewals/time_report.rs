//! The reports page's time sections: time per account, engineer or month
//! over the page's period (all, billable, covered by packages, overage),
//! and every person-day package's balance, each with its CSV download.
//! Engineers are refused both: the sections say so instead of failing.

use leptos::prelude::*;
use shared::time_log::{days_text, PackageReport, TimeReport, TimeReportParams};
use shared::ErrorCode;

use crate::api::{self, ApiErr};
use crate::components::states::{ErrorState, SkeletonRows};
use crate::i18n::{use_i18n, Key};
use crate::logic::charts::ReportQuery;
use crate::logic::time_log::hours;

type Loaded<T> = RwSignal<Option<Result<T, ApiErr>>>;

fn skeleton() -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table" aria-busy="true"><tbody><SkeletonRows rows=3 cols=5 /></tbody></table>
        </div>
    }
}

/// A CSV download button: fetched with the token, saved by the browser.
#[component]
fn CsvButton(
    run: Callback<(), ()>,
    busy: RwSignal<bool>,
    failure: RwSignal<Option<ApiErr>>,
    testid: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="rp-download">
            <button type="button" class="btn btn-small" data-testid=testid disabled=busy on:click=move |_| run.run(())
                aria-busy=move || busy.get().to_string()>
                {i.tr_when(busy, Key::RpPreparing, Key::RpDownload)}
            </button>
            {move || failure.get().map(|e| view! {
                <p class="field-error" role="alert" data-testid=format!("{testid}-error")>{i.error_of(e)}</p>
            })}
        </div>
    }
}

#[component]
pub fn TimeReportSection(query: Memo<ReportQuery>) -> impl IntoView {
    let i = use_i18n();
    let group = RwSignal::new("account".to_string());
    let report: Loaded<TimeReport> = RwSignal::new(None);
    let params = move || {
        let q = query.get_untracked();
        TimeReportParams {
            group: Some(group.get_untracked()),
            from: Some(q.from),
            to: Some(q.to),
            format: None,
        }
    };
    let fetch = move || {
        let p = params();
        report.set(None);
        crate::task::spawn(async move { report.set(Some(api::time_log::time_report(&p).await)) });
    };
    Effect::new(move |_| {
        query.track();
        group.track();
        fetch();
    });
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiErr>);
    let download = Callback::new(move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let p = params();
        crate::task::spawn(async move {
            failure.set(api::time_log::time_csv(&p).await.err());
            busy.set(false);
        });
    });
    let allowed = move || report.with(|r| matches!(r, Some(Ok(_))));
    let choices = [
        ("account", Key::TxByAccount),
        ("engineer", Key::TxByEngineer),
        ("month", Key::TxByMonth),
    ];
    view! {
        <section class="card rp-section" aria-labelledby="rp-time-title" data-testid="time-report">
            <div class="section-header">
                <h2 id="rp-time-title">{i.tr(Key::TxTitle)}</h2>
                {move || allowed().then(|| view! { <CsvButton run=download busy failure testid="download-time" /> })}
            </div>
            <div class="field">
                <label for="time-group">{i.tr(Key::TxGroup)}</label>
                <select id="time-group" data-testid="time-group" on:change=move |ev| group.set(event_target_value(&ev))>
                    {choices.into_iter().map(|(value, key)| view! {
                        <option value=value prop:selected=move || group.with(|g| g == value)>{i.tr(key)}</option>
                    }).collect_view()}
                </select>
            </div>
            {move || match report.get() {
                None => skeleton().into_any(),
                Some(Err(e)) if e.is(ErrorCode::Forbidden) => view! {
                    <div class="state" data-testid="time-report-forbidden"><p>{i.tr(Key::TxForbidden)}</p></div>
                }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=Callback::new(move |_| fetch()) /> }.into_any(),
                Some(Ok(r)) if r.rows.is_empty() => view! {
                    <p class="muted" data-testid="time-report-empty">{i.tr(Key::TxNone)}</p>
                }.into_any(),
                Some(Ok(r)) => {
                    let first = match r.group.as_str() {
                        "engineer" => Key::TxByEngineer,
                        "month" => Key::TxByMonth,
                        _ => Key::TxByAccount,
                    };
                    view! {
                        <div class="table-wrap">
                            <table class="table responsive" data-testid="time-report-table">
                                <thead>
                                    <tr>
                                        <th scope="col">{i.tr(first)}</th>
                                        <th scope="col">{i.tr(Key::TxHours)}</th>
                                        <th scope="col">{i.tr(Key::TxBillable)}</th>
                                        <th scope="col">{i.tr(Key::TxCovered)}</th>
                                        <th scope="col">{i.tr(Key::TxOverage)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {r.rows.into_iter().map(|row| view! {
                                        <tr data-testid="time-report-row">
                                            <td data-label=i.tr(first)>{row.label}</td>
                                            <td data-label=i.tr(Key::TxHours)>{hours(row.minutes)}</td>
                                            <td data-label=i.tr(Key::TxBillable)>{hours(row.billable_minutes)}</td>
                                            <td data-label=i.tr(Key::TxCovered)>{hours(row.covered_minutes)}</td>
                                            <td data-label=i.tr(Key::TxOverage)>{hours(row.uncovered_minutes)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn PackageBalancesSection() -> impl IntoView {
    let i = use_i18n();
    let report: Loaded<PackageReport> = RwSignal::new(None);
    let fetch = move || {
        report.set(None);
        crate::task::spawn(async move { report.set(Some(api::time_log::package_report().await)) });
    };
    fetch();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiErr>);
    let download = Callback::new(move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            failure.set(api::time_log::package_csv().await.err());
            busy.set(false);
        });
    });
    let allowed = move || report.with(|r| matches!(r, Some(Ok(_))));
    view! {
        <section class="card rp-section" aria-labelledby="rp-packages-title" data-testid="package-report">
            <div class="section-header">
                <h2 id="rp-packages-title">{i.tr(Key::TxPackages)}</h2>
                {move || allowed().then(|| view! { <CsvButton run=download busy failure testid="download-packages" /> })}
            </div>
            {move || match report.get() {
                None => skeleton().into_any(),
                Some(Err(e)) if e.is(ErrorCode::Forbidden) => view! {
                    <div class="state" data-testid="package-report-forbidden"><p>{i.tr(Key::TxForbidden)}</p></div>
                }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=Callback::new(move |_| fetch()) /> }.into_any(),
                Some(Ok(r)) if r.packages.is_empty() => view! {
                    <p class="muted" data-testid="package-report-empty">{i.tr(Key::TxNoPackages)}</p>
                }.into_any(),
                Some(Ok(r)) => view! {
                    <div class="table-wrap">
                        <table class="table responsive" data-testid="package-report-table">
                            <thead>
                                <tr>
                                    <th scope="col">{i.tr(Key::TxAccount)}</th>
                                    <th scope="col">{i.tr(Key::TxPackage)}</th>
                                    <th scope="col">{i.tr(Key::PkValidTo)}</th>
                                    <th scope="col">{i.tr(Key::PkUsed)}</th>
                                    <th scope="col">{i.tr(Key::PkRemaining)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {r.packages.into_iter().map(|b| view! {
                                    <tr data-testid="package-report-row">
                                        <td data-label=i.tr(Key::TxAccount)>
                                            <a href=format!("/accounts/{}?tab=agreements", b.package.account_id)>{b.account_name}</a>
                                        </td>
                                        <td data-label=i.tr(Key::TxPackage)>{b.package.name.clone()}</td>
                                        <td data-label=i.tr(Key::PkValidTo)>{b.package.valid_to.to_string()}</td>
                                        <td data-label=i.tr(Key::PkUsed)>{days_text(b.package.used_minutes)} " (" {b.package.used_percent} "%)"</td>
                                        <td data-label=i.tr(Key::PkRemaining)>{days_text(b.package.remaining_minutes)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
