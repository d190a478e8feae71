//! The onboarding board of an account (on `/accounts/:id`): starting a plan
//! from a template, its progress and status, the tasks grouped by stage with
//! quick complete, skip with a reason, owner and due-date edits, and moving
//! the plan's dates.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::onboarding::{
    CreatePlanRequest, OnboardingPlan, OnboardingTask, PlanStatus, TaskKind, TaskStatus,
    UpdatePlanRequest, UpdateTaskRequest,
};
use shared::validation::Collector;
use shared::{ErrorCode, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{expanded, ErrorBanner, ModuleChips, TextField};
use crate::components::load::{load, Loaded};
use crate::components::pickers::OwnerSelect;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{dates, role_key, use_i18n, I18n, Key};
use crate::logic::account_form::opt_text;
use crate::logic::onboarding::{
    browser_today, date_value, parse_date, required_date, stage_counts, stages, task_title,
};
use crate::pages::accounts::list::Directory;
use crate::pages::tickets::common::{action_error, ActionError, ChoiceSelect};

pub fn plan_status_key(s: PlanStatus) -> Key {
    match s {
        PlanStatus::OnTrack => Key::ObOnTrack,
        PlanStatus::Behind => Key::ObBehind,
        PlanStatus::Stuck => Key::ObStuck,
    }
}

pub fn task_status_key(s: TaskStatus) -> Key {
    match s {
        TaskStatus::Todo => Key::ObTodo,
        TaskStatus::InProgress => Key::ObInProgress,
        TaskStatus::Done => Key::ObDone,
        TaskStatus::Skipped => Key::ObSkipped,
    }
}

/// The built-in template's stages by name; a copied template's own stage
/// names are shown as written.
fn stage_text(i: I18n, stage: &str) -> String {
    let key = match stage {
        "preparation" => Key::ObStagePreparation,
        "master_data" => Key::ObStageMasterData,
        "training" => Key::ObStageTraining,
        "go_live" => Key::ObStageGoLive,
        "month_end" => Key::ObStageMonthEnd,
        other => return other.to_string(),
    };
    i.t(key).to_string()
}

/// A plan's status as a badge (`data-status`: on_track, behind, stuck).
#[component]
pub fn PlanStatusBadge(status: PlanStatus) -> impl IntoView {
    let i = use_i18n();
    view! {
        <span class=format!("badge ob-{}", status.as_str()) data-testid="onboarding-status" data-status=status.as_str()>
            {i.tr(plan_status_key(status))}
        </span>
    }
}

/// Progress 0–100 as a bar and a number.
#[component]
pub fn ProgressBar(value: Signal<i32>) -> impl IntoView {
    let text = move || format!("{}%", value.get());
    view! {
        <span class="ob-progress">
            <progress
                max="100"
                prop:value=move || value.get()
                data-testid="onboarding-progress"
                data-value=move || value.get().to_string()
            ></progress>
            <span class="ob-progress-text">{text}</span>
        </span>
    }
}

/// The account page's onboarding section.
#[component]
pub fn OnboardingSection(account_id: i64, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let loaded = load(move || api::onboarding::plan(account_id));
    // 0 loading, 1 failed, 2 no plan, 3 a plan: the board is built once and
    // then follows the plan's changes row by row.
    let phase = Memo::new(move |_| {
        loaded.value.with(|v| match v {
            None => 0,
            Some(Err(_)) => 1,
            Some(Ok(None)) => 2,
            Some(Ok(Some(_))) => 3,
        })
    });
    let body = move || match phase.get() {
        0 => view! { <SkeletonCard /> }.into_any(),
        1 => match loaded.value.get_untracked() {
            Some(Err(e)) => view! { <ErrorState error=e on_retry=loaded.reload /> }.into_any(),
            _ => ().into_any(),
        },
        2 => view! { <StartForm account_id loaded /> }.into_any(),
        _ => view! { <Board account_id loaded directory /> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="onboarding-title" data-testid="onboarding">
            <h2 id="onboarding-title">{i.tr(Key::ObTitle)}</h2>
            {body}
        </section>
    }
}

type PlanLoad = Loaded<Option<OnboardingPlan>>;

/// Reads the plan again without the loading state (after a task changed:
/// progress and status are the server's to compute).
fn refresh(account_id: i64, loaded: PlanLoad) {
    crate::task::spawn(async move {
        if let Ok(plan) = api::onboarding::plan(account_id).await {
            loaded.value.set(Some(Ok(plan)));
        }
    });
}

#[component]
fn StartForm(account_id: i64, loaded: PlanLoad) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let templates = load(api::onboarding::templates);
    let template = RwSignal::new(String::new());
    let starts = RwSignal::new(date_value(Some(browser_today())));
    let go_live = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut c = Collector::default();
        let Some(starts_on) = required_date(&mut c, "starts_on", &starts.get_untracked()) else {
            errors.set(c.fields);
            return;
        };
        let req = CreatePlanRequest {
            template_id: template.get_untracked().parse().ok(),
            starts_on,
            planned_go_live: parse_date(&go_live.get_untracked()),
        };
        failure.set(None);
        Submit::new(busy, errors, failure).leaving().send(
            async move { api::onboarding::start(account_id, &req).await },
            move |plan| {
                toasts.success(i.t(Key::ObStarted));
                loaded.value.set(Some(Ok(Some(plan))));
            },
        );
    };

    view! {
        <p class="muted" data-testid="onboarding-empty">{i.tr(Key::ObNoPlan)}</p>
        <form class="inline-form" on:submit=submit novalidate=true data-testid="start-onboarding-form">
            <ErrorBanner failure testid="start-onboarding-error" />
            <div class="form-grid">
                <div class="field">
                    <label for="onboarding-template">{i.tr(Key::ObTemplate)}</label>
                    <select
                        id="onboarding-template"
                        data-testid="onboarding-template"
                        on:change=move |ev| template.set(event_target_value(&ev))
                    >
                        <option value="">{i.tr(Key::ObBuiltin)}</option>
                        {move || {
                            templates
                                .ok()
                                .unwrap_or_default()
                                .into_iter()
                                .filter(|t| !t.builtin)
                                .map(|t| view! { <option value=t.id.to_string()>{t.name}</option> })
                                .collect_view()
                        }}
                    </select>
                </div>
                <TextField id="onboarding-starts" label=Key::ObStartsOn value=starts field="starts_on" errors kind="date" required=true />
                <TextField id="onboarding-go-live" label=Key::ObPlannedGoLive value=go_live field="planned_go_live" errors kind="date" />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="start-onboarding" disabled=busy>
                    {i.tr_when(busy, Key::Working, Key::ObStart)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn Board(account_id: i64, loaded: PlanLoad, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let plan = Memo::new(move |_| {
        loaded
            .value
            .with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).cloned().flatten())
    });
    let get = move |f: fn(&OnboardingPlan) -> String| {
        move || plan.with(|p| p.as_ref().map(f).unwrap_or_default())
    };
    let progress = Signal::derive(move || plan.with(|p| p.as_ref().map_or(0, |p| p.progress)));
    let status = move || {
        plan.with(|p| p.as_ref().map(|p| p.status))
            .map(|status| view! { <PlanStatusBadge status /> })
    };
    let stage_names = Memo::new(move |_| plan.with(|p| p.as_ref().map(|p| stages(&p.tasks))));
    // One task form open at a time: (task, 1 = skip, 2 = edit).
    let open = RwSignal::new(None::<(i64, u8)>);
    let moving = RwSignal::new(false);
    let on_saved = Callback::new(move |task: OnboardingTask| {
        loaded.value.update(|v| {
            if let Some(Ok(Some(p))) = v {
                if let Some(t) = p.tasks.iter_mut().find(|t| t.id == task.id) {
                    *t = task;
                }
            }
        });
        refresh(account_id, loaded);
    });

    let lang_date = move |d: Option<chrono::NaiveDate>| {
        d.map(|d| {
            let at = d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
            dates::format_date(&at, i.lang(), 0)
        })
        .unwrap_or_else(|| "—".into())
    };

    view! {
        <div class="ob-summary" data-testid="onboarding-board">
            {status}
            <ProgressBar value=progress />
            {move || {
                let n = plan.with(|p| p.as_ref().map_or(0, |p| p.overdue_tasks));
                (n > 0)
                    .then(|| {
                        view! {
                            <span class="badge ob-overdue" data-testid="onboarding-overdue">
                                {move || i.f(Key::ObOverdueN, &[&n.to_string()])}
                            </span>
                        }
                    })
            }}
        </div>
        <dl class="details">
            <dt>{i.tr(Key::ObStartsOn)}</dt>
            <dd data-testid="onboarding-starts">{move || lang_date(plan.with(|p| p.as_ref().map(|p| p.starts_on)))}</dd>
            <dt>{i.tr(Key::ObPlannedGoLive)}</dt>
            <dd data-testid="onboarding-planned-go-live">
                {move || lang_date(plan.with(|p| p.as_ref().and_then(|p| p.planned_go_live)))}
            </dd>
            <dt>{i.tr(Key::ObActualGoLive)}</dt>
            <dd data-testid="onboarding-actual-go-live">
                {move || lang_date(plan.with(|p| p.as_ref().and_then(|p| p.actual_go_live)))}
            </dd>
        </dl>
        <div class="form-actions">
            <button
                type="button"
                class="btn btn-small"
                data-testid="onboarding-move"
                aria-expanded=expanded(moving)
                on:click=move |_| moving.update(|m| *m = !*m)
            >
                {i.tr(Key::ObMoveDates)}
            </button>
        </div>
        {move || {
            moving
                .get()
                .then(|| {
                    let starts = get(|p| date_value(Some(p.starts_on)))();
                    let go_live = get(|p| date_value(p.planned_go_live))();
                    view! { <MoveDatesForm account_id loaded starts go_live moving /> }
                })
        }}
        {move || {
            stage_names
                .get()
                .unwrap_or_default()
                .into_iter()
                .map(|stage| {
                    let of_stage = stage.clone();
                    let counted = stage.clone();
                    let tasks = move || {
                        plan.with(|p| {
                            p.as_ref()
                                .map(|p| {
                                    p.tasks.iter().filter(|t| t.stage == of_stage).cloned().collect::<Vec<_>>()
                                })
                                .unwrap_or_default()
                        })
                    };
                    let counts = move || {
                        let (d, n) = plan.with(|p| p.as_ref().map_or((0, 0), |p| stage_counts(&p.tasks, &counted)));
                        format!("{d}/{n}")
                    };
                    view! {
                        <section class="ob-stage" data-testid="onboarding-stage" data-stage=stage.clone()>
                            <h3 class="h-small">
                                {stage_text(i, &stage)} " " <span class="muted" data-testid="stage-count">{counts}</span>
                            </h3>
                            <ul class="plain-list ob-tasks">
                                <For
                                    each=tasks
                                    key=|t| (t.id, t.version, t.overdue)
                                    children=move |task| view! { <TaskRow task directory open on_saved /> }
                                />
                            </ul>
                        </section>
                    }
                })
                .collect_view()
        }}
    }
}

#[component]
fn MoveDatesForm(
    account_id: i64,
    loaded: PlanLoad,
    starts: String,
    go_live: String,
    moving: RwSignal<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let original = (starts.clone(), go_live.clone());
    let starts = RwSignal::new(starts);
    let go_live = RwSignal::new(go_live);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (s, g) = (starts.get_untracked(), go_live.get_untracked());
        let mut c = Collector::default();
        let Some(starts_on) = required_date(&mut c, "starts_on", &s) else {
            errors.set(c.fields);
            return;
        };
        let req = UpdatePlanRequest {
            starts_on: (s != original.0).then_some(starts_on),
            // A moved start moves the planned go-live too, unless given.
            planned_go_live: (g != original.1).then(|| parse_date(&g)),
        };
        Submit::new(busy, errors, failure).leaving().send(
            async move { api::onboarding::update_plan(account_id, &req).await },
            move |plan| {
                loaded.value.set(Some(Ok(Some(plan))));
                moving.set(false);
            },
        );
    };
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="onboarding-move-form">
            <ErrorBanner failure testid="onboarding-move-error" />
            <p class="field-hint">{i.tr(Key::ObMoveHint)}</p>
            <div class="form-grid">
                <TextField id="plan-starts" label=Key::ObStartsOn value=starts field="starts_on" errors kind="date" required=true />
                <TextField id="plan-go-live" label=Key::ObPlannedGoLive value=go_live field="planned_go_live" errors kind="date" />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="onboarding-move-save" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| moving.set(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

/// A refused change in words: the licence and agreement preconditions get
/// their own sentence, other refusals the server's reason.
fn task_error(i: I18n, kind: TaskKind, err: &ApiErr) -> String {
    if err.is(ErrorCode::ValidationFailed) && err.fields().is_empty() {
        match kind {
            TaskKind::LicenseRegistration => return i.t(Key::ObNeedsLicence).to_string(),
            TaskKind::ServiceAgreement => return i.t(Key::ObNeedsAgreement).to_string(),
            _ => {}
        }
    }
    action_error(i, err)
}

#[component]
fn TaskRow(
    task: OnboardingTask,
    directory: Directory,
    open: RwSignal<Option<(i64, u8)>>,
    on_saved: Callback<OnboardingTask>,
) -> impl IntoView {
    let i = use_i18n();
    let id = task.id;
    let kind = task.kind;
    let status = task.status;
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let send = move |req: UpdateTaskRequest| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::onboarding::update_task(id, &req).await {
                Ok(t) => {
                    open.set(None);
                    on_saved.run(t);
                }
                Err(e) => failure.set(Some(task_error(i, kind, &e))),
            }
            busy.set(false);
        });
    };
    let set_status = move |s: TaskStatus| {
        send(UpdateTaskRequest {
            status: Some(s),
            ..Default::default()
        })
    };
    let title = {
        let t = task.clone();
        move || task_title(&t, i.lang()).to_string()
    };
    let owner = task.owner_id;
    let owner_role = task.owner_role;
    let owner_text = move || {
        directory
            .name_of(owner)
            .unwrap_or_else(|| i.t(role_key(owner_role)).to_string())
    };
    let due = task.due_on;
    let due_text = move || {
        let at = due.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
        i.f(Key::ObDueOn, &[&dates::format_date(&at, i.lang(), 0)])
    };
    let mode = move || open.get().filter(|o| o.0 == id).map(|o| o.1);
    let toggle = move |m: u8| {
        open.update(|o| {
            *o = if o.map(|o| o == (id, m)).unwrap_or(false) {
                None
            } else {
                Some((id, m))
            }
        })
    };
    let reason = task.skip_reason.clone();
    let (overdue, module) = (task.overdue, task.module);
    // Signing the agreement is done in the account's agreements panel.
    let agreements_href = (kind == TaskKind::ServiceAgreement && !status.is_finished())
        .then(|| crate::logic::account_summary::AccountTab::Agreements.href(task.account_id));
    let for_edit = StoredValue::new(task);
    view! {
        <li
            class="ob-task"
            class:ob-task-overdue=overdue
            data-testid="task-row"
            data-task-id=id.to_string()
            data-status=status.as_str()
            data-kind=kind.as_str()
        >
            <div class="ob-task-main">
                <span class=format!("badge ob-task-{}", status.as_str())>{i.tr(task_status_key(status))}</span>
                <span class="ob-task-title" data-testid="task-title">{title}</span>
                {module.map(|m| view! { <ModuleChips modules=vec![m] /> })}
                <span class="muted">{owner_text} " · " {due_text}</span>
                {overdue
                    .then(|| view! { <span class="badge ob-overdue" data-testid="task-overdue">{i.tr(Key::ObOverdue)}</span> })}
                {reason
                    .map(|r| view! { <span class="muted" data-testid="task-skip-reason">{move || i.f(Key::ObSkippedBecause, &[&r])}</span> })}
                {agreements_href
                    .map(|href| view! { <a href=href data-testid="task-agreements-link">{i.tr(Key::AgOpenPanel)}</a> })}
            </div>
            <div class="actions">
                {if status.is_finished() {
                    view! {
                        <button type="button" class="btn btn-small" data-testid="task-reopen" disabled=busy on:click=move |_| set_status(TaskStatus::Todo)>
                            {i.tr(Key::ObReopen)}
                        </button>
                    }
                        .into_any()
                } else {
                    view! {
                        <button type="button" class="btn btn-small btn-primary" data-testid="task-complete" disabled=busy on:click=move |_| set_status(TaskStatus::Done)>
                            {i.tr(Key::ObComplete)}
                        </button>
                        <button type="button" class="btn btn-small" data-testid="task-skip" on:click=move |_| toggle(1)>
                            {i.tr(Key::ObSkip)}
                        </button>
                        <button type="button" class="btn btn-small" data-testid="task-visit-request" on:click=move |_| toggle(3)>
                            {i.tr(Key::ViRequest)}
                        </button>
                    }
                        .into_any()
                }}
                <button type="button" class="btn btn-small btn-ghost" data-testid="task-edit" on:click=move |_| toggle(2)>
                    {i.tr(Key::Edit)}
                </button>
            </div>
            <ActionError failure testid="task-error" />
            {move || match mode() {
                Some(1) => view! { <SkipForm send=Callback::new(send) busy /> }.into_any(),
                Some(2) => {
                    view! { <TaskEditForm task=for_edit.get_value() directory send=Callback::new(send) busy /> }.into_any()
                }
                // An on-site visit for this task; the form opens the visit.
                Some(3) => view! {
                    <crate::pages::tickets::visit_request::RequestVisitForm
                        onboarding_task_id=id
                        on_cancel=Callback::new(move |_| open.set(None))
                    />
                }
                .into_any(),
                _ => ().into_any(),
            }}
        </li>
    }
}

#[component]
fn SkipForm(send: Callback<UpdateTaskRequest>, busy: RwSignal<bool>) -> impl IntoView {
    let i = use_i18n();
    let reason = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(r) = opt_text(&reason.get_untracked()) else {
            let mut c = Collector::default();
            c.check("skip_reason", Err(shared::validation::Invalid::Required));
            errors.set(c.fields);
            return;
        };
        send.run(UpdateTaskRequest {
            status: Some(TaskStatus::Skipped),
            skip_reason: Some(r),
            ..Default::default()
        });
    };
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="skip-form">
            <TextField id="skip-reason" label=Key::ObSkipReason value=reason field="skip_reason" errors required=true />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="skip-confirm" disabled=busy>
                    {i.tr(Key::ObSkip)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn TaskEditForm(
    task: OnboardingTask,
    directory: Directory,
    send: Callback<UpdateTaskRequest>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let owner = RwSignal::new(task.owner_id);
    let due = RwSignal::new(date_value(Some(task.due_on)));
    let notes = RwSignal::new(task.notes.clone());
    let in_progress = RwSignal::new(task.status.as_str().to_string());
    let errors = RwSignal::new(FieldErrors::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut c = Collector::default();
        let Some(due_on) = required_date(&mut c, "due_on", &due.get_untracked()) else {
            errors.set(c.fields);
            return;
        };
        let status = in_progress
            .get_untracked()
            .parse::<TaskStatus>()
            .ok()
            .filter(|s| *s != task.status);
        send.run(UpdateTaskRequest {
            status,
            owner_id: (owner.get_untracked() != task.owner_id).then(|| owner.get_untracked()),
            due_on: (due_on != task.due_on).then_some(due_on),
            notes: Some(notes.get_untracked()).filter(|n| *n != task.notes),
            ..Default::default()
        });
    };
    let statuses = vec![
        (TaskStatus::Todo.as_str(), Key::ObTodo),
        (TaskStatus::InProgress.as_str(), Key::ObInProgress),
        (TaskStatus::Done.as_str(), Key::ObDone),
    ];
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="task-edit-form">
            <div class="form-grid">
                <OwnerSelect id="task-owner" label=Key::Owner owners=directory.owners() value=owner none_label=Key::Unassigned />
                <TextField id="task-due" label=Key::ObDueDate value=due field="due_on" errors kind="date" required=true />
                <ChoiceSelect
                    id="task-status"
                    label=Key::Status
                    choices=statuses
                    value=Signal::derive(move || in_progress.get())
                    on_pick=Callback::new(move |v| in_progress.set(v))
                />
                <TextField id="task-notes" label=Key::ObNotes value=notes field="notes" errors />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="task-save" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
            </div>
        </form>
    }
}
