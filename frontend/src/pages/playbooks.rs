//! `/settings/playbooks` (admins and managers): the workspace's playbooks
//! with what each did (fired, completed, overdue, recovered, renewed), a
//! switch per playbook and the built-in library to install; and an
//! account's playbook history (its overview tab), where a run is
//! cancelled with a reason.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::playbooks::{PlaybookEffect, PlaybookRun, PlaybookTrigger, RunStatus};
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard, SkeletonRows};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{dates, use_i18n, Key};

pub fn trigger_key(t: PlaybookTrigger) -> Key {
    match t {
        PlaybookTrigger::HealthBandDrop => Key::PbTrHealthBand,
        PlaybookTrigger::HealthScoreDrop => Key::PbTrHealthScore,
        PlaybookTrigger::RenewalDue => Key::PbTrRenewal,
        PlaybookTrigger::OnboardingBehind => Key::PbTrOnboarding,
        PlaybookTrigger::P1Ticket => Key::PbTrP1,
        PlaybookTrigger::SlaBreach => Key::PbTrSla,
        PlaybookTrigger::NpsDetractor => Key::PbTrNps,
        PlaybookTrigger::NoTouchpoint => Key::PbTrQuiet,
        PlaybookTrigger::LicenseExpiring => Key::PbTrLicense,
        PlaybookTrigger::AgreementExpiring => Key::PbTrAgreement,
        PlaybookTrigger::UsageDrop => Key::PbTrUsage,
        PlaybookTrigger::TrainingGap => Key::PbTrTraining,
    }
}

fn status_key(s: RunStatus) -> Key {
    match s {
        RunStatus::Active => Key::PbRunActive,
        RunStatus::Completed => Key::PbRunCompleted,
        RunStatus::Cancelled => Key::PbRunCancelled,
    }
}

#[component]
pub fn PlaybooksPage() -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let books = load(api::tasks::playbooks);
    let report = load(api::tasks::playbook_report);
    let busy = RwSignal::new(false);
    let install = move |_| {
        busy.set(true);
        crate::task::spawn(async move {
            match api::tasks::install_library().await {
                Ok(_) => {
                    toasts.success(i.t(Key::PbInstalled).to_string());
                    books.refresh.run(());
                    report.refresh.run(());
                }
                Err(e) => toasts.error(i.error(&e)),
            }
            busy.set(false);
        });
    };
    let effect_of = move |id: i64| -> Option<PlaybookEffect> {
        report
            .ok()
            .and_then(|r| r.into_iter().find(|e| e.playbook_id == id))
    };
    view! {
        <div class="page">
            <header class="page-header">
                <div>
                    <h1 data-testid="playbooks-heading">{i.tr(Key::PbTitle)}</h1>
                    <p class="muted">{i.tr(Key::PbIntro)}</p>
                </div>
                <div class="page-actions">
                    <button type="button" class="btn" data-testid="playbooks-install"
                        disabled=busy on:click=install>{i.tr(Key::PbInstall)}</button>
                    <a class="btn btn-primary" href="/settings/playbooks/new" data-testid="playbook-new">{i.tr(Key::PeNew)}</a>
                </div>
            </header>
            {move || match books.value.get() {
                None => view! { <SkeletonRows rows=4 cols=6 /> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=books.reload /> }.into_any(),
                Some(Ok(page)) if page.items.is_empty() => view! {
                    <div class="card empty-state" data-testid="playbooks-empty">
                        <p>{i.tr(Key::PbEmpty)}</p>
                        <a class="btn btn-primary" href="/settings/playbooks/new" data-testid="playbooks-empty-new">{i.tr(Key::PeNew)}</a>
                    </div>
                }.into_any(),
                Some(Ok(page)) => view! {
                    <div class="table-wrap card">
                        <table class="table" data-testid="playbooks-table">
                            <thead><tr>
                                <th>{i.tr(Key::PbName)}</th>
                                <th>{i.tr(Key::PbTrigger)}</th>
                                <th class="num">{i.tr(Key::PbFired)}</th>
                                <th class="num">{i.tr(Key::PbCompleted)}</th>
                                <th class="num">{i.tr(Key::PbOverdue)}</th>
                                <th class="num">{i.tr(Key::PbRecovered)}</th>
                                <th>{i.tr(Key::PbActive)}</th>
                                <th><span class="visually-hidden">{i.tr(Key::Edit)}</span></th>
                            </tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|b| {
                                    let id = b.id;
                                    let on = RwSignal::new(b.active);
                                    let toggle = move |ev: leptos::ev::Event| {
                                        let want = event_target_checked(&ev);
                                        crate::task::spawn(async move {
                                            match api::tasks::set_playbook_active(id, want).await {
                                                Ok(p) => on.set(p.active),
                                                Err(e) => { on.set(!want); toasts.error(i.error(&e)); }
                                            }
                                        });
                                    };
                                    let threshold = b.threshold.map(|n| format!(" · N = {n}"));
                                    view! {
                                        <tr data-testid=format!("playbook-{id}")>
                                            <td data-label=i.tr(Key::PbName)>
                                                <a href=format!("/settings/playbooks/{id}") data-testid="playbook-name">{b.name.clone()}</a>
                                            </td>
                                            <td>{i.tr(trigger_key(b.trigger))}{threshold}</td>
                                            <td class="num">{move || effect_of(id).map(|e| e.fired).unwrap_or_default()}</td>
                                            <td class="num">{move || effect_of(id).map(|e| e.completed).unwrap_or_default()}</td>
                                            <td class="num">{move || effect_of(id).map(|e| e.overdue).unwrap_or_default()}</td>
                                            <td class="num">{move || effect_of(id).map(|e| e.recovered + e.renewed).unwrap_or_default()}</td>
                                            <td>
                                                <input type="checkbox" aria-label=i.tr(Key::PbActive)
                                                    data-testid=format!("playbook-{id}-active")
                                                    prop:checked=move || on.get() on:change=toggle />
                                            </td>
                                            <td>
                                                <a class="btn btn-small" href=format!("/settings/playbooks/{id}")
                                                    data-testid=format!("playbook-{id}-edit")>{i.tr(Key::Edit)}</a>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </div>
    }
}

/// An account's playbook runs, newest first, each with its open tasks and
/// (while active) a cancel with a reason.
#[component]
pub fn AccountPlaybookRuns(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let runs = load(move || api::tasks::runs_of_account(account_id));
    view! {
        <section class="card" data-testid="account-playbook-runs" aria-labelledby="account-runs-title">
            <h2 id="account-runs-title">{i.tr(Key::PbHistory)}</h2>
            {move || match runs.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=runs.reload /> }.into_any(),
                Some(Ok(page)) if page.items.is_empty() => view! {
                    <p class="muted">{i.tr(Key::PbNoRuns)}</p>
                }.into_any(),
                Some(Ok(page)) => view! {
                    <ul class="mw-list">
                        {page.items.into_iter().map(|r| view! {
                            <RunLine run=r changed=runs.refresh />
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn RunLine(run: PlaybookRun, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = run.id;
    let cancelling = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let req = shared::playbooks::CancelRunRequest {
            reason: reason.get_untracked(),
        };
        if let Err(f) = shared::playbooks::validate_cancel(&req) {
            errors.set(f);
            return;
        }
        Submit::new(busy, errors, failure).send(
            async move { api::tasks::cancel_run(id, req.reason).await },
            move |_| {
                toasts.success(i.t(Key::PbCancelled).to_string());
                changed.run(());
            },
        );
    };
    let started = dates::datetime(&run.started_at, i.lang_untracked());
    let active = run.status == RunStatus::Active;
    view! {
        <li class="mw-task" data-testid=format!("run-{id}")>
            <div class="mw-task-main">
                <strong>{run.playbook_name.clone()}</strong>
                <span class="mw-task-meta">
                    {i.tr(trigger_key(run.trigger))} " · " {started} " · " {i.tr(status_key(run.status))}
                    " · " {i.f(Key::PbOpenTasks, &[&run.tasks_open.to_string(), &run.tasks_total.to_string()])}
                </span>
                {run.cancel_reason.clone().map(|r| view! { <span class="muted">{r}</span> })}
            </div>
            {active.then(|| view! {
                <button type="button" class="btn btn-small" data-testid=format!("run-{id}-cancel")
                    on:click=move |_| cancelling.update(|c| *c = !*c)>{i.tr(Key::PbCancel)}</button>
            })}
            {move || cancelling.get().then(|| view! {
                <form class="mw-inline" on:submit=submit novalidate=true>
                    <ErrorBanner failure testid="run-cancel-error" />
                    <TextField id="run-cancel-reason" label=Key::PbCancelReason value=reason field="reason" errors required=true />
                    <button type="submit" class="btn btn-small btn-primary" disabled=busy>{i.tr(Key::MwConfirm)}</button>
                </form>
            })}
        </li>
    }
}
