//! `/trainings/:id`: a training session: details, reschedule, cancel, and
//! attendance entry (attended, score 0–100, feedback) per attendee.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::training::{
    AttendanceRequest, CancelTrainingRequest, TrainingSession, TrainingStatus,
    UpdateTrainingRequest,
};
use shared::{ErrorCode, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{expanded, ErrorBanner, ModuleChips, TextField};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{dates, use_i18n, Key};
use crate::logic::account_form::opt_text;
use crate::logic::training::{self as cal, attendance_record};
use crate::pages::tickets::common::{action_error, ActionError};

#[component]
pub fn TrainingPage(id: i64) -> impl IntoView {
    let i = use_i18n();
    let session = load(move || api::training::get(id));
    let content = move || match session.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) if e.is(ErrorCode::NotFound) => {
            view! { <p class="state" data-testid="training-not-found">{i.tr(Key::ErrNotFound)}</p> }
                .into_any()
        }
        Some(Err(e)) => view! { <ErrorState error=e on_retry=session.reload /> }.into_any(),
        Some(Ok(s)) => view! {
            <SessionView s on_change=Callback::new(move |s| session.value.set(Some(Ok(s)))) />
        }
        .into_any(),
    };
    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/trainings" data-testid="back-to-trainings">{i.tr(Key::TrTitle)}</a>
            </nav>
            {content}
        </div>
    }
}

#[component]
fn SessionView(s: TrainingSession, on_change: Callback<TrainingSession>) -> impl IntoView {
    let i = use_i18n();
    let cancelled = s.status == TrainingStatus::Cancelled;
    let rescheduling = RwSignal::new(false);
    let cancelling = RwSignal::new(false);
    let (starts, ends) = (s.starts_at, s.ends_at);
    let when = move || {
        let end = cal::hm(ends, dates::browser_offset_minutes(&ends));
        format!("{} – {end}", dates::datetime(&starts, i.lang()))
    };
    let for_form = StoredValue::new(s.clone());
    view! {
        <header class="page-header">
            <div>
                <h1 data-testid="training-topic-title">{s.topic.clone()}</h1>
                <p class="muted">
                    <span
                        class=if cancelled { "badge badge-muted" } else { "badge badge-ok" }
                        data-testid="training-status"
                        data-status=s.status.as_str()
                    >
                        {i.tr(if cancelled { Key::TrCancelled } else { Key::TrScheduled })}
                    </span>
                </p>
            </div>
            {(!cancelled)
                .then(|| {
                    view! {
                        <div class="actions">
                            <button type="button" class="btn" data-testid="training-reschedule" aria-expanded=expanded(rescheduling) on:click=move |_| rescheduling.update(|r| *r = !*r)>
                                {i.tr(Key::TrReschedule)}
                            </button>
                            <button type="button" class="btn btn-danger-ghost" data-testid="training-cancel" aria-expanded=expanded(cancelling) on:click=move |_| cancelling.update(|c| *c = !*c)>
                                {i.tr(Key::TrCancel)}
                            </button>
                        </div>
                    }
                })}
        </header>
        {move || rescheduling.get().then(|| view! { <RescheduleForm s=for_form.get_value() on_change open=rescheduling /> })}
        {move || cancelling.get().then(|| view! { <CancelForm id=for_form.with_value(|s| s.id) on_change /> })}
        <section class="card" data-testid="training-details">
            <dl class="details">
                <dt>{i.tr(Key::AccountName)}</dt>
                <dd><a href=format!("/accounts/{}", s.account_id)>{s.account_name.clone()}</a></dd>
                <dt>{i.tr(Key::TkModule)}</dt>
                <dd><ModuleChips modules=vec![s.module] /></dd>
                <dt>{i.tr(Key::TrTrainer)}</dt>
                <dd>{s.trainer_name.clone()}</dd>
                <dt>{i.tr(Key::TrStart)}</dt>
                <dd data-testid="training-when">{when}</dd>
                <dt>{i.tr(Key::TrPlace)}</dt>
                <dd>{s.location.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{i.tr(Key::TrLink)}</dt>
                <dd>
                    {s.online_url.clone().map(|u| { let href = u.clone(); view! { <a href=href rel="external" target="_blank">{u}</a> } })}
                </dd>
                {s.cancel_reason.clone().map(|r| view! { <dt>{i.tr(Key::TrCancelReason)}</dt><dd data-testid="training-cancel-reason">{r}</dd> })}
            </dl>
        </section>
        <Attendance s on_change />
    }
}

#[component]
fn RescheduleForm(
    s: TrainingSession,
    on_change: Callback<TrainingSession>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let id = s.id;
    let start = RwSignal::new(cal::input_value(
        s.starts_at,
        dates::browser_offset_minutes(&s.starts_at),
    ));
    let duration = RwSignal::new(s.duration_minutes.to_string());
    let place = RwSignal::new(s.location.clone().unwrap_or_default());
    let url = RwSignal::new(s.online_url.clone().unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let starts_at = cal::parse_local(&start.get_untracked(), dates::browser_offset_minutes);
        let minutes = cal::parse_duration(&duration.get_untracked());
        let mut f = FieldErrors::new();
        let required = shared::validation::Invalid::Required.message_en();
        if starts_at.is_none() {
            f.insert("starts_at".into(), required.clone());
        }
        if let Err(why) = &minutes {
            f.insert("duration_minutes".into(), why.message_en());
        }
        if !f.is_empty() || busy.get_untracked() {
            errors.set(f);
            return;
        }
        let req = UpdateTrainingRequest {
            starts_at,
            duration_minutes: minutes.ok(),
            location: Some(opt_text(&place.get_untracked())),
            online_url: Some(opt_text(&url.get_untracked())),
            ..Default::default()
        };
        Submit::new(busy, errors, failure).leaving().send(
            async move { api::training::update(id, &req).await },
            move |s| {
                open.set(false);
                on_change.run(s);
            },
        );
    };
    view! {
        <form class="card inline-form" on:submit=submit novalidate=true data-testid="reschedule-form">
            <ErrorBanner failure testid="reschedule-error" />
            <div class="form-grid">
                <TextField id="reschedule-start" label=Key::TrStart value=start field="starts_at" errors kind="datetime-local" required=true />
                <TextField id="reschedule-duration" label=Key::TrDuration value=duration field="duration_minutes" errors kind="number" required=true />
                <TextField id="reschedule-location" label=Key::TrPlace value=place field="location" errors />
                <TextField id="reschedule-url" label=Key::TrLink value=url field="online_url" errors kind="url" />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="reschedule-save" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn CancelForm(id: i64, on_change: Callback<TrainingSession>) -> impl IntoView {
    let i = use_i18n();
    let reason = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let req = CancelTrainingRequest {
            reason: opt_text(&reason.get_untracked()),
        };
        crate::task::spawn(async move {
            match api::training::cancel(id, &req).await {
                Ok(s) => on_change.run(s),
                Err(e) => {
                    failure.set(Some(action_error(i, &e)));
                    busy.set(false);
                }
            }
        });
    };
    let errors = RwSignal::new(FieldErrors::new());
    view! {
        <form class="banner banner-warning" on:submit=submit novalidate=true data-testid="cancel-form">
            <ActionError failure testid="cancel-error" />
            <TextField id="cancel-reason" label=Key::TrCancelReason value=reason field="reason" errors />
            <div class="form-actions">
                <button type="submit" class="btn btn-danger" data-testid="cancel-confirm" disabled=busy>
                    {i.tr(Key::TrCancel)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn Attendance(s: TrainingSession, on_change: Callback<TrainingSession>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = s.id;
    let rows: Vec<_> = s
        .attendees
        .iter()
        .map(|a| {
            (
                a.contact_id,
                RwSignal::new(a.attended.unwrap_or(false)),
                RwSignal::new(a.score.map(|s| s.to_string()).unwrap_or_default()),
                RwSignal::new(a.feedback.clone().unwrap_or_default()),
            )
        })
        .collect();
    let stored = StoredValue::new(rows.clone());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let save = move |_| {
        if busy.get_untracked() {
            return;
        }
        let mut records = Vec::new();
        for (cid, attended, score, feedback) in stored.get_value() {
            match attendance_record(
                cid,
                attended.get_untracked(),
                &score.get_untracked(),
                &feedback.get_untracked(),
            ) {
                Ok(r) => records.push(r),
                Err(()) => {
                    failure.set(Some(i.t(Key::TrBadScore).to_string()));
                    return;
                }
            }
        }
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            match api::training::record_attendance(id, &AttendanceRequest { records }).await {
                Ok(s) => {
                    toasts.success(i.t(Key::TrAttendanceSaved));
                    on_change.run(s);
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    if s.attendees.is_empty() {
        return view! {
            <section class="card" data-testid="attendance">
                <h2>{i.tr(Key::TrAttendance)}</h2>
                <p class="muted" data-testid="attendance-empty">{i.tr(Key::TrNoAttendees)}</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="card" data-testid="attendance">
            <h2>{i.tr(Key::TrAttendance)}</h2>
            <ActionError failure testid="attendance-error" />
            <div class="table-wrap">
                <table class="table responsive">
                    <thead>
                        <tr>
                            <th scope="col">{i.tr(Key::Name)}</th>
                            <th scope="col">{i.tr(Key::TrAttended)}</th>
                            <th scope="col">{i.tr(Key::TrScore)}</th>
                            <th scope="col">{i.tr(Key::TrFeedback)}</th>
                            <th scope="col">{i.tr(Key::TrCompleted)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {s
                            .attendees
                            .into_iter()
                            .zip(rows)
                            .map(|(a, (cid, attended, score, feedback))| {
                                let (att_id, score_id, fb_id) = (format!("attended-{cid}"), format!("score-{cid}"), format!("feedback-{cid}"));
                                view! {
                                    <tr data-testid="attendance-row" data-contact-id=cid.to_string()>
                                        <td data-label=i.tr(Key::Name)>{a.name}</td>
                                        <td data-label=i.tr(Key::TrAttended)>
                                            <input
                                                type="checkbox"
                                                id=att_id.clone()
                                                data-testid=att_id
                                                aria-label=i.tr(Key::TrAttended)
                                                prop:checked=move || attended.get()
                                                on:change=move |ev| attended.set(event_target_checked(&ev))
                                            />
                                        </td>
                                        <td data-label=i.tr(Key::TrScore)>
                                            <input
                                                type="number"
                                                min="0"
                                                max="100"
                                                class="score-input"
                                                id=score_id.clone()
                                                data-testid=score_id
                                                aria-label=i.tr(Key::TrScore)
                                                prop:value=move || score.get()
                                                on:input=move |ev| score.set(event_target_value(&ev))
                                            />
                                        </td>
                                        <td data-label=i.tr(Key::TrFeedback)>
                                            <input
                                                type="text"
                                                id=fb_id.clone()
                                                data-testid=fb_id
                                                aria-label=i.tr(Key::TrFeedback)
                                                prop:value=move || feedback.get()
                                                on:input=move |ev| feedback.set(event_target_value(&ev))
                                            />
                                        </td>
                                        <td data-label=i.tr(Key::TrCompleted) data-testid="attendee-completed" data-completed=a.completed.to_string()>
                                            {i.tr(if a.completed { Key::TrYes } else { Key::TrNo })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-primary" data-testid="attendance-save" disabled=busy on:click=save>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
            </div>
        </section>
    }
    .into_any()
}
