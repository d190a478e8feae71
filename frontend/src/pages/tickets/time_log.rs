//! The time log panel of a ticket: the time staff logged on it (who, the
//! day, how long, billable or not, what the account's packages cover) and
//! a form to log more. The person who logged an entry, a manager or an
//! admin changes or deletes it.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::time_log::TimeEntry;
use shared::{FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::list_view::{loaded_phase, ListView};
use crate::components::load::load;
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::onboarding::browser_today;
use crate::logic::time_log::{hours, EntryForm};
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::action_error;
use crate::session::use_session;

/// The open form: `None` closed; `Some((None, _))` a new entry;
/// `Some((Some(id), _))` changing one.
type Open = Option<(Option<i64>, EntryForm)>;

/// The ticket's time log; with `visit_id`, only the time of that on-site
/// visit (of this ticket), and new time names it.
#[component]
pub fn TimeLogSection(ticket_id: i64, #[prop(optional)] visit_id: Option<i64>) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let list = load(move || async move {
        let mut entries = api::time_log::entries(ticket_id).await?;
        if let Some(visit) = visit_id {
            entries.retain(|e| e.visit_id == Some(visit));
        }
        Ok(entries)
    });
    let open = RwSignal::new(None as Open);
    let done = Callback::new(move |changed: bool| {
        open.set(None);
        if changed {
            list.refresh.run(());
        }
    });
    let me = move || session.user().map(|u| (u.id, u.role));
    let may_change = Callback::new(move |author: i64| {
        me().is_some_and(|(id, role)| id == author || matches!(role, Role::Admin | Role::Manager))
    });
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::TmDate)}</th>
                    <th scope="col">{i.tr(Key::TmEngineer)}</th>
                    <th scope="col">{i.tr(Key::TmDuration)}</th>
                    <th scope="col">{i.tr(Key::TmBillable)}</th>
                    <th scope="col">{i.tr(Key::TmNote)}</th>
                    <th scope="col"></th>
                </tr>
            </thead>
        }
    };
    let total = move || {
        list.ok().filter(|l| !l.is_empty()).map(|l| {
            let all: i64 = l.iter().map(|e| i64::from(e.minutes)).sum();
            let billable: i64 = l
                .iter()
                .filter(|e| e.billable)
                .map(|e| i64::from(e.minutes))
                .sum();
            view! {
                <p class="muted" data-testid="time-total">
                    {move || i.f(Key::TmTotal, &[&hours(all), &hours(billable)])}
                </p>
            }
        })
    };
    let adding = move || matches!(open.get(), Some((None, _)));
    let phase = loaded_phase(list);
    view! {
        <section class="card" aria-labelledby="time-log-title" data-testid="time-log">
            <header class="section-header">
                <h2 id="time-log-title">{i.tr(Key::TmTitle)}</h2>
                <button
                    type="button"
                    class="btn"
                    data-testid="time-add"
                    aria-expanded=move || if adding() { "true" } else { "false" }
                    on:click=move |_| {
                        if adding() {
                            open.set(None);
                        } else {
                            let mut form = EntryForm::new_on(browser_today());
                            if let Some(v) = visit_id {
                                form.visit_id = v.to_string();
                            }
                            open.set(Some((None, form)));
                        }
                    }
                >
                    {i.tr(Key::TmAdd)}
                </button>
            </header>
            {move || {
                open.get()
                    .filter(|(id, _)| id.is_none())
                    .map(|(_, values)| view! { <EntryFormView ticket_id editing=None values done /> })
            }}
            {total}
            <ListView
                phase
                on_retry=list.reload
                header
                skeleton=(2, 6)
                testid="time-table"
                busy=false
                rows=move || {
                    move || {
                        list.ok()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|entry| view! { <EntryRow ticket_id entry open may_change done /> })
                            .collect_view()
                    }
                }
                empty=move || view! { <p class="muted" data-testid="time-empty">{i.tr(Key::TmNone)}</p> }
            />
        </section>
    }
}

#[component]
fn EntryRow(
    ticket_id: i64,
    entry: TimeEntry,
    open: RwSignal<Open>,
    may_change: Callback<i64, bool>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = entry.id;
    let busy = RwSignal::new(false);
    let stored = StoredValue::new(entry.clone());
    let remove = move |_| {
        if busy.get_untracked() {
            return;
        }
        if !window()
            .confirm_with_message(i.t(Key::TmConfirmDelete))
            .unwrap_or(false)
        {
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            match api::time_log::delete_entry(id).await {
                Ok(()) => {
                    toasts.success(i.t(Key::TmDeleted));
                    done.run(true);
                }
                Err(e) => toasts.error(action_error(i, &e)),
            }
            busy.set(false);
        });
    };
    let billable = entry.billable;
    let overage = entry.uncovered_minutes;
    let covered = entry.covered_minutes;
    let minutes = entry.minutes;
    let notes = {
        let mut parts = Vec::new();
        if !entry.note.is_empty() {
            parts.push(entry.note.clone());
        }
        parts
    };
    let internal = entry.internal_note.clone();
    let visit = entry.visit_id;
    let changeable = may_change.run(entry.user_id);
    view! {
        <tr data-testid="time-row" data-entry-id=id.to_string()>
            <td data-label=i.tr(Key::TmDate)>{entry.work_date.to_string()}</td>
            <td data-label=i.tr(Key::TmEngineer) data-testid="time-engineer">{entry.user_name.clone()}</td>
            <td data-label=i.tr(Key::TmDuration) data-testid="time-minutes">
                {move || i.f(Key::TmMinutesN, &[&minutes.to_string()])}
            </td>
            <td data-label=i.tr(Key::TmBillable)>
                {if billable {
                    view! {
                        <span class="badge badge-ok" data-testid="time-billable">{i.tr(Key::TmBillable)}</span>
                        {(covered > 0).then(|| view! { " " <span class="muted">{i.tr(Key::TmCovered)} ": " {move || i.f(Key::TmMinutesN, &[&covered.to_string()])}</span> })}
                        {(overage > 0).then(|| view! { " " <span class="badge badge-warning" data-testid="time-overage">{i.tr(Key::TmOverage)} ": " {move || i.f(Key::TmMinutesN, &[&overage.to_string()])}</span> })}
                    }
                    .into_any()
                } else {
                    view! { <span class="badge badge-muted">{i.tr(Key::TmNotBillable)}</span> }.into_any()
                }}
            </td>
            <td data-label=i.tr(Key::TmNote) class="pre-wrap">
                {notes.join(" ")}
                {(!internal.is_empty()).then(|| view! { <p class="muted" data-testid="time-internal">{i.tr(Key::TmInternalNote)} ": " {internal.clone()}</p> })}
                {visit.map(|v| view! { <p class="muted">{move || i.f(Key::PtVisitN, &[&v.to_string()])}</p> })}
            </td>
            <td>
                {changeable.then(|| view! {
                    <div class="actions">
                        <button
                            type="button"
                            class="btn btn-small btn-ghost"
                            data-testid="time-edit"
                            on:click=move |_| open.set(Some((Some(id), stored.with_value(EntryForm::of))))
                        >
                            {i.tr(Key::Edit)}
                        </button>
                        <button type="button" class="btn btn-small btn-ghost" data-testid="time-delete" disabled=busy on:click=remove>
                            {i.tr(Key::TmDelete)}
                        </button>
                    </div>
                })}
            </td>
        </tr>
        {move || {
            open.get()
                .filter(|(editing, _)| *editing == Some(id))
                .map(|(_, values)| {
                    view! {
                        <tr class="subrow">
                            <td colspan="6">
                                <EntryFormView ticket_id editing=Some(id) values done />
                            </td>
                        </tr>
                    }
                })
        }}
    }
}

/// Logs time (`editing: None`) or changes an entry.
#[component]
fn EntryFormView(
    ticket_id: i64,
    editing: Option<i64>,
    values: EntryForm,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let work_date = RwSignal::new(values.work_date);
    let minutes = RwSignal::new(values.minutes);
    let billable = RwSignal::new(values.billable);
    let note = RwSignal::new(values.note);
    let internal = RwSignal::new(values.internal_note);
    let visit = RwSignal::new(values.visit_id);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = EntryForm {
            work_date: work_date.get_untracked(),
            minutes: minutes.get_untracked(),
            billable: billable.get_untracked(),
            note: note.get_untracked(),
            internal_note: internal.get_untracked(),
            visit_id: visit.get_untracked(),
        };
        let req = match form.request(browser_today()) {
            Ok(req) => req,
            Err(f) => return errors.set(f),
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure)
            .conflict_on("minutes")
            .send(
                async move {
                    match editing {
                        None => api::time_log::log(ticket_id, &req).await,
                        Some(id) => api::time_log::update_entry(id, &req).await,
                    }
                },
                move |_| {
                    toasts.success(i.t(Key::TmSaved));
                    done.run(true);
                },
            );
    };
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="time-form">
            <ErrorBanner failure testid="time-form-error" />
            <div class="form-grid">
                <TextField id="time-date" label=Key::TmDate value=work_date field="work_date" errors error_prefix="time-" kind="date" required=true />
                <TextField id="time-minutes-input" label=Key::TmMinutes value=minutes field="minutes" errors error_prefix="time-" kind="number" required=true />
                <TextField id="time-visit" label=Key::TmVisit value=visit field="visit_id" errors error_prefix="time-" kind="number" />
            </div>
            <label class="check" for="time-billable-input">
                <input type="checkbox" id="time-billable-input" data-testid="time-billable-input"
                    prop:checked=move || billable.get()
                    on:change=move |ev| billable.set(event_target_checked(&ev)) />
                {i.tr(Key::TmBillable)}
            </label>
            <TextArea id="time-note" label=Key::TmNote value=note field="note" errors rows=2 />
            <TextArea id="time-internal-note" label=Key::TmInternalNote value=internal field="internal_note" errors rows=2 />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="time-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="time-cancel" on:click=move |_| done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
