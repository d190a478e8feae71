//! `/portal/time`: the customer's person-day balance (人天余额) — each
//! package's days, validity, use and balance, the billable time no package
//! covers — and the billable time behind it: day, engineer, time, the note
//! meant for the customer, the ticket or on-site visit.

use leptos::prelude::*;
use shared::time_log::{days_text, PortalTime, PortalTimeEntry};
use shared::ErrorCode;

use crate::api;
use crate::components::load::load;
use crate::components::states::{ErrorState, Forbidden, SkeletonCard};
use crate::i18n::{use_i18n, Key};
use crate::logic::time_log::hours;
use crate::pages::accounts::packages::PackageCells;

#[component]
pub fn PortalTimePage() -> impl IntoView {
    let i = use_i18n();
    let time = load(api::time_log::portal_time);
    let body = move || match time.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) if e.is(ErrorCode::Forbidden) => view! { <Forbidden /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=time.reload /> }.into_any(),
        Some(Ok(t)) => view! { <Balance t /> }.into_any(),
    };
    view! {
        <div class="page" data-testid="portal-time">
            <header class="page-header">
                <div>
                    <h1>{i.tr(Key::PtTimeTitle)}</h1>
                    <p class="muted">{i.tr(Key::PtTimeIntro)}</p>
                </div>
            </header>
            {body}
        </div>
    }
}

#[component]
fn Balance(t: PortalTime) -> impl IntoView {
    let i = use_i18n();
    let b = t.balance;
    let uncovered = b.uncovered_minutes;
    let remaining: i64 = b.packages.iter().map(|p| p.remaining_minutes).sum();
    view! {
        <section class="card" aria-labelledby="pt-balance-title" data-testid="portal-balance">
            <h2 id="pt-balance-title">{i.tr(Key::PkTitle)}</h2>
            <p class="kpi" data-testid="portal-remaining">
                {i.tr(Key::PkRemaining)} ": " <strong>{days_text(remaining)}</strong>
            </p>
            {(uncovered > 0).then(|| view! {
                <p class="banner banner-warning" data-testid="portal-uncovered">
                    {move || i.f(Key::PkUncovered, &[&days_text(uncovered)])}
                </p>
            })}
            {if b.packages.is_empty() {
                view! { <p class="muted" data-testid="portal-no-packages">{i.tr(Key::PtNoPackages)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table responsive" data-testid="portal-packages">
                            <thead>
                                <tr>
                                    <th scope="col">{i.tr(Key::PkName)}</th>
                                    <th scope="col">{i.tr(Key::PkDays)}</th>
                                    <th scope="col">{i.tr(Key::PkValidFrom)}</th>
                                    <th scope="col">{i.tr(Key::PkValidTo)}</th>
                                    <th scope="col">{i.tr(Key::PkUsed)}</th>
                                    <th scope="col">{i.tr(Key::PkRemaining)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {b.packages.into_iter().map(|p| view! {
                                    <tr data-testid="portal-package"><PackageCells p /></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="pt-entries-title" data-testid="portal-entries">
            <h2 id="pt-entries-title">{i.tr(Key::PtTimeEntries)}</h2>
            {if t.entries.is_empty() {
                view! { <p class="muted" data-testid="portal-entries-empty">{i.tr(Key::PtTimeNone)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table responsive">
                            <thead>
                                <tr>
                                    <th scope="col">{i.tr(Key::TmDate)}</th>
                                    <th scope="col">{i.tr(Key::TmEngineer)}</th>
                                    <th scope="col">{i.tr(Key::TxHours)}</th>
                                    <th scope="col">{i.tr(Key::PtTicket)}</th>
                                    <th scope="col">{i.tr(Key::TmNote)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {t.entries.into_iter().map(|e| view! { <EntryRow e /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn EntryRow(e: PortalTimeEntry) -> impl IntoView {
    let i = use_i18n();
    let over = e.minutes - e.covered_minutes;
    let visit = e.visit_id;
    view! {
        <tr data-testid="portal-entry">
            <td data-label=i.tr(Key::TmDate)>{e.work_date.to_string()}</td>
            <td data-label=i.tr(Key::TmEngineer) data-testid="portal-entry-engineer">{e.engineer}</td>
            <td data-label=i.tr(Key::TxHours) data-testid="portal-entry-hours">
                {hours(i64::from(e.minutes))}
                {(over > 0).then(|| view! { " " <span class="badge badge-warning">{i.tr(Key::TmOverage)}</span> })}
            </td>
            <td data-label=i.tr(Key::PtTicket)>
                <a href=format!("/portal/tickets/{}", e.ticket_id)>{format!("#{} ", e.ticket_number)} {e.ticket_subject}</a>
                {visit.map(|v| view! { <p class="muted">{move || i.f(Key::PtVisitN, &[&v.to_string()])}</p> })}
            </td>
            <td data-label=i.tr(Key::TmNote) class="pre-wrap" data-testid="portal-entry-note">{e.note}</td>
        </tr>
    }
}
