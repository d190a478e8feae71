//! `/visits/:id`: an on-site visit (上门服务). Dispatchers (admins,
//! managers, CSMs) dispatch or cancel it; the engineer dispatched to it
//! checks in and out with large buttons and writes the report — the page is
//! laid out for a phone (one column at 390 px).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::visits::{validate_report, DispatchVisit, Visit, VisitSlot, VisitStatus, WriteReport};
use shared::{ErrorCode, FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::load::load;
use crate::components::pickers::OwnerSelect;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::i18n::{dates, use_i18n, Key};
use crate::logic::account_form::opt_text;
use crate::pages::accounts::list::Directory;
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::{action_error, ActionError};
use crate::pages::tickets::time_log::TimeLogSection;
use crate::session::use_session;

pub fn status_key(s: VisitStatus) -> Key {
    match s {
        VisitStatus::Requested => Key::ViRequested,
        VisitStatus::Dispatched => Key::ViDispatched,
        VisitStatus::CheckedIn => Key::ViCheckedIn,
        VisitStatus::CheckedOut => Key::ViCheckedOut,
        VisitStatus::Reported => Key::ViReported,
        VisitStatus::Signed => Key::ViSigned,
        VisitStatus::Cancelled => Key::ViCancelled,
    }
}

pub fn slot_key(s: VisitSlot) -> Key {
    match s {
        VisitSlot::Morning => Key::ViMorning,
        VisitSlot::Afternoon => Key::ViAfternoon,
        VisitSlot::FullDay => Key::ViFullDay,
    }
}

#[component]
pub fn VisitPage(id: i64) -> impl IntoView {
    let i = use_i18n();
    let visit = load(move || api::visits::get(id));
    let content = move || match visit.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) if e.is(ErrorCode::NotFound) => {
            view! { <p class="state" data-testid="visit-not-found">{i.tr(Key::ErrNotFound)}</p> }
                .into_any()
        }
        Some(Err(e)) => view! { <ErrorState error=e on_retry=visit.reload /> }.into_any(),
        Some(Ok(v)) => view! {
            <VisitView v on_change=Callback::new(move |v| visit.value.set(Some(Ok(v)))) />
        }
        .into_any(),
    };
    view! {
        <div class="page visit-page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/trainings" data-testid="back-to-calendar">{i.tr(Key::TrTitle)}</a>
            </nav>
            {content}
        </div>
    }
}

#[component]
fn VisitView(v: Visit, on_change: Callback<Visit>) -> impl IntoView {
    let i = use_i18n();
    let me = use_session().user();
    let my_id = me.as_ref().map(|u| u.id);
    let role = me.as_ref().map(|u| u.role);
    let mine = v.engineer_id.is_some() && v.engineer_id == my_id;
    let dispatcher = matches!(role, Some(Role::Admin | Role::Manager | Role::Csm));
    let status = v.status;
    let can_dispatch =
        dispatcher && matches!(status, VisitStatus::Requested | VisitStatus::Dispatched);
    let can_cancel = dispatcher && !matches!(status, VisitStatus::Signed | VisitStatus::Cancelled);
    let id = v.id;
    let (starts, ends) = (v.starts_at, v.ends_at);
    let when = move || {
        let offset = dates::browser_offset_minutes(&starts);
        format!(
            "{} – {}",
            dates::format_datetime(&starts, i.lang(), offset),
            crate::logic::training::hm(ends, offset)
        )
    };
    let at = move |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| dates::format_datetime(&t, i.lang(), dates::browser_offset_minutes(&t)))
            .unwrap_or_else(|| "—".into())
    };
    let (checked_in, checked_out) = (v.checked_in_at, v.checked_out_at);
    let on_site = v.on_site_minutes;
    let billable = v.billable;
    let account_id = v.account_id;
    let visit_date = v.visit_date;
    let step_failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let step = move |which: &'static str| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        step_failure.set(None);
        crate::task::spawn(async move {
            match api::visits::step(id, which).await {
                Ok(v) => on_change.run(v),
                Err(e) => step_failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    let for_report = StoredValue::new(v.clone());
    view! {
        <header class="page-header">
            <div>
                <h1 data-testid="visit-title">{i.f(Key::ViVisitNo, &[&id.to_string()])}</h1>
                <p class="muted">
                    <span class="badge" data-testid="visit-status" data-status=status.as_str()>
                        {i.tr(status_key(status))}
                    </span>
                    " "
                    <span class=if billable { "badge badge-warning" } else { "badge badge-ok" } data-testid="visit-billable" data-billable=billable.to_string()>
                        {i.tr(if billable { Key::ViBillable } else { Key::ViIncluded })}
                    </span>
                </p>
            </div>
            {can_cancel.then(|| view! {
                <div class="actions">
                    <button type="button" class="btn btn-danger-ghost" data-testid="visit-cancel" disabled=busy on:click=move |_| step("cancel")>
                        {i.tr(Key::ViCancel)}
                    </button>
                </div>
            })}
        </header>
        <ActionError failure=step_failure testid="visit-step-error" />
        {(mine && status == VisitStatus::Dispatched).then(|| view! {
            <button type="button" class="btn btn-primary btn-block btn-large" data-testid="visit-check-in" disabled=busy on:click=move |_| step("check-in")>
                {i.tr(Key::ViCheckIn)}
            </button>
        })}
        {(mine && status == VisitStatus::CheckedIn).then(|| view! {
            <button type="button" class="btn btn-primary btn-block btn-large" data-testid="visit-check-out" disabled=busy on:click=move |_| step("check-out")>
                {i.tr(Key::ViCheckOut)}
            </button>
        })}
        {can_dispatch.then(|| view! { <DispatchForm id current=v.engineer_id on_change /> })}
        {(mine && matches!(status, VisitStatus::CheckedOut | VisitStatus::Reported))
            .then(|| view! { <ReportForm v=for_report.get_value() on_change /> })}
        <section class="card" data-testid="visit-details">
            <dl class="details">
                <dt>{i.tr(Key::AccountName)}</dt>
                <dd><a href=format!("/accounts/{}", v.account_id)>{v.account_name.clone()}</a></dd>
                {v.ticket_id.map(|t| view! {
                    <dt>{i.tr(Key::ViTicket)}</dt>
                    <dd><a href=format!("/tickets/{t}") data-testid="visit-ticket">{format!("#{}", v.ticket_number.unwrap_or(t))}</a></dd>
                })}
                <dt>{i.tr(Key::ViDate)}</dt>
                <dd data-testid="visit-when">{when} " · " {i.tr(slot_key(v.slot))}</dd>
                <dt>{i.tr(Key::ViEngineer)}</dt>
                <dd data-testid="visit-engineer">{v.engineer_name.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{i.tr(Key::ViPurpose)}</dt>
                <dd class="pre-wrap">{v.purpose.clone()}</dd>
                <dt>{i.tr(Key::ViAddress)}</dt>
                <dd>{v.address.clone().unwrap_or_else(|| "—".into())}</dd>
                {v.internal_note.clone().map(|n| view! { <dt>{i.tr(Key::ViInternalNote)}</dt><dd class="pre-wrap">{n}</dd> })}
                <dt>{i.tr(Key::ViCheckedInAt)}</dt>
                <dd data-testid="visit-checked-in">{move || at(checked_in)}</dd>
                <dt>{i.tr(Key::ViCheckedOutAt)}</dt>
                <dd data-testid="visit-checked-out">{move || at(checked_out)}</dd>
                <dt>{i.tr(Key::ViOnSite)}</dt>
                <dd>{on_site.map(|m| i.f(Key::ViMinutes, &[&m.to_string()])).unwrap_or_else(|| "—".into())}</dd>
            </dl>
            <Entitlement account_id visit_date />
        </section>
        // Time is logged on tickets: a visit from a ticket takes it here,
        // naming the visit (the staff who worked on it log their own).
        {v.ticket_id
            .filter(|_| status != VisitStatus::Cancelled)
            .map(|ticket_id| view! { <TimeLogSection ticket_id visit_id=id /> })}
        {v.report.clone().map(|r| view! {
            <section class="card" data-testid="visit-report">
                <h2>{i.tr(Key::ViReport)}</h2>
                <dl class="details">
                    <dt>{i.tr(Key::ViWorkDone)}</dt>
                    <dd class="pre-wrap" data-testid="visit-work-done">{r.work_done}</dd>
                    <dt>{i.tr(Key::ViTimeSpent)}</dt>
                    <dd>{i.f(Key::ViMinutes, &[&r.time_spent_minutes.to_string()])}</dd>
                    <dt>{i.tr(Key::ViFollowUps)}</dt>
                    <dd class="pre-wrap">{r.follow_ups.unwrap_or_else(|| "—".into())}</dd>
                </dl>
                {match v.signature.clone() {
                    Some(s) => view! {
                        <p data-testid="visit-signed-by">{i.f(Key::ViSignedBy, &[&s.signed_name])}</p>
                        <PdfButton id />
                    }.into_any(),
                    None => view! { <p class="muted" data-testid="visit-awaiting">{i.tr(Key::ViAwaitingSignature)}</p> }.into_any(),
                }}
            </section>
        })}
    }
}

/// Used and included visits of the agreement year the visit falls in.
#[component]
fn Entitlement(account_id: i64, visit_date: chrono::NaiveDate) -> impl IntoView {
    let i = use_i18n();
    let e = load(move || api::visits::entitlement(account_id, visit_date));
    move || {
        e.ok().map(|e| match (e.year_from, e.year_to) {
            (Some(from), Some(to)) => view! {
                <p class="muted" data-testid="visit-entitlement" data-used=e.used data-included=e.included>
                    {i.f(Key::ViEntitlement, &[&format!("{from} – {to}"), &e.used.to_string(), &e.included.to_string()])}
                </p>
            }
            .into_any(),
            _ => view! { <p class="muted" data-testid="visit-entitlement">{i.tr(Key::ViNoAgreement)}</p> }.into_any(),
        })
    }
}

#[component]
fn PdfButton(id: i64) -> impl IntoView {
    let i = use_i18n();
    let failure = RwSignal::new(None::<String>);
    let download = move |_| {
        crate::task::spawn(async move {
            let name = format!("visit-{id}-report.pdf");
            if let Err(e) =
                api::attachments::download_file(&format!("/visits/{id}/report.pdf"), &name).await
            {
                failure.set(Some(action_error(i, &e)));
            }
        });
    };
    view! {
        <ActionError failure testid="visit-pdf-error" />
        <button type="button" class="btn" data-testid="visit-pdf" on:click=download>
            {i.tr(Key::ViPdf)}
        </button>
    }
}

#[component]
fn DispatchForm(id: i64, current: Option<i64>, on_change: Callback<Visit>) -> impl IntoView {
    let i = use_i18n();
    let directory = Directory::load();
    let engineer = RwSignal::new(current);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(engineer_id) = engineer.get_untracked() else {
            let mut f = FieldErrors::new();
            f.insert(
                "engineer_id".into(),
                shared::validation::Invalid::Required.message_en(),
            );
            errors.set(f);
            return;
        };
        if busy.get_untracked() {
            return;
        }
        let req = DispatchVisit { engineer_id };
        Submit::new(busy, errors, failure).send(
            async move { api::visits::dispatch(id, &req).await },
            move |v| on_change.run(v),
        );
    };
    view! {
        <form class="card inline-form" on:submit=submit novalidate=true data-testid="dispatch-form">
            <ErrorBanner failure testid="dispatch-error" />
            <OwnerSelect id="dispatch-engineer" label=Key::ViEngineer owners=directory.owners() value=engineer none_label=Key::TrChoose />
            <crate::components::fields::FieldError errors field="engineer_id" id="dispatch-engineer-error".to_string() />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="dispatch-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::ViDispatch)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn ReportForm(v: Visit, on_change: Callback<Visit>) -> impl IntoView {
    let i = use_i18n();
    let id = v.id;
    let work = RwSignal::new(
        v.report
            .as_ref()
            .map(|r| r.work_done.clone())
            .unwrap_or_default(),
    );
    // The time on site is the default time spent.
    let minutes = RwSignal::new(
        v.report
            .as_ref()
            .map(|r| r.time_spent_minutes)
            .or(v.on_site_minutes.filter(|m| *m > 0))
            .map(|m| m.to_string())
            .unwrap_or_default(),
    );
    let follow = RwSignal::new(
        v.report
            .as_ref()
            .and_then(|r| r.follow_ups.clone())
            .unwrap_or_default(),
    );
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let time = shared::validation::whole_number_in(
            &minutes.get_untracked(),
            1,
            shared::visits::MAX_TIME_SPENT_MINUTES.into(),
        );
        let req = WriteReport {
            work_done: work.get_untracked(),
            time_spent_minutes: time
                .as_ref()
                .ok()
                .and_then(|m| i32::try_from(*m).ok())
                .unwrap_or(0),
            follow_ups: opt_text(&follow.get_untracked()),
        };
        let mut f = validate_report(&req).err().unwrap_or_default();
        if let Err(why) = time {
            f.insert("time_spent_minutes".into(), why.message_en());
        }
        if !f.is_empty() {
            errors.set(f);
            return;
        }
        errors.set(FieldErrors::new());
        Submit::new(busy, errors, failure).send(
            async move { api::visits::report(id, &req).await },
            move |v| on_change.run(v),
        );
    };
    view! {
        <form class="card" on:submit=submit novalidate=true data-testid="report-form">
            <h2>{i.tr(Key::ViReport)}</h2>
            <ErrorBanner failure testid="report-error" />
            <TextArea id="report-work" label=Key::ViWorkDone value=work field="work_done" errors required=true />
            <TextField id="report-minutes" label=Key::ViTimeSpent value=minutes field="time_spent_minutes" errors kind="number" required=true />
            <TextArea id="report-follow-ups" label=Key::ViFollowUps value=follow field="follow_ups" errors rows=3 />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary btn-block" data-testid="report-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::ViSaveReport)}
                </button>
            </div>
        </form>
    }
}
