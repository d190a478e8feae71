//! A success plan's objectives and milestones on the account page: the
//! shared toggle and status of an objective, its milestones (owner on
//! either side, due date, done or open), and the forms that add them.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::accounts::Contact;
use shared::success_plans::{
    CreateMilestoneRequest, CreateObjectiveRequest, Milestone, MilestoneStatus, Objective,
    ObjectiveStatus, PlanSide, UpdateMilestoneRequest, UpdateObjectiveRequest,
};
use shared::users::User;
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{CheckField, ErrorBanner, FieldError, TextField};
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::onboarding::parse_date;
use crate::pages::accounts::success_plans::PlanProgressView;
use crate::pages::tickets::common::action_error;

/// Who can own a milestone: the workspace's staff and the account's contacts.
#[derive(Clone, Copy)]
pub struct Owners {
    pub staff: Signal<Vec<User>>,
    pub contacts: Signal<Vec<Contact>>,
}

pub fn objective_status_key(status: ObjectiveStatus) -> Key {
    match status {
        ObjectiveStatus::NotStarted => Key::SpObjNotStarted,
        ObjectiveStatus::InProgress => Key::SpObjInProgress,
        ObjectiveStatus::Achieved => Key::SpObjAchieved,
        ObjectiveStatus::Dropped => Key::SpObjDropped,
    }
}

pub fn milestone_status_key(status: MilestoneStatus) -> Key {
    match status {
        MilestoneStatus::Open => Key::SpMsOpen,
        MilestoneStatus::Done => Key::SpMsDone,
    }
}

/// "Ours: 李娜" / "Customer's: 王总" / "Nobody yet".
pub fn owner_label(side: Option<PlanSide>, name: Option<String>) -> (Key, String) {
    match side {
        Some(PlanSide::Staff) => (Key::SpOwnerStaff, name.unwrap_or_default()),
        Some(PlanSide::Customer) => (Key::SpOwnerCustomer, name.unwrap_or_default()),
        None => (Key::SpOwnerNone, String::new()),
    }
}

#[component]
pub fn ObjectiveCard(
    objective: Objective,
    can_edit: bool,
    owners: Owners,
    changed: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = objective.id;
    let shared = objective.shared_with_customer;
    let busy = RwSignal::new(false);
    let save = move |req: UpdateObjectiveRequest| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            match api::success_plans::update_objective(id, &req).await {
                Ok(_) => changed.run(()),
                Err(e) => toasts.error(action_error(i, &e)),
            }
            busy.set(false);
        });
    };
    let toggle_shared = move |_| {
        save(UpdateObjectiveRequest {
            shared_with_customer: Some(!shared),
            ..Default::default()
        })
    };
    let set_status = move |ev: leptos::ev::Event| {
        if let Ok(status) = event_target_value(&ev).parse::<ObjectiveStatus>() {
            save(UpdateObjectiveRequest {
                status: Some(status),
                ..Default::default()
            });
        }
    };
    let status = objective.status;
    let target = objective.target_date;
    view! {
        <li class="sp-objective" data-testid="success-objective" data-objective-id=id.to_string() data-shared=shared.to_string()>
            <header class="section-header">
                <h5 data-testid="success-objective-title">{objective.title}</h5>
                <span class=if shared { "badge badge-ok" } else { "badge badge-muted" } data-testid="success-objective-shared">
                    {i.tr(if shared { Key::SpShared } else { Key::SpNotShared })}
                </span>
            </header>
            <p class="muted">
                {(!objective.measure.is_empty()).then(|| view! { {i.tr(Key::SpMeasure)} ": " {objective.measure.clone()} " · " })}
                {target.map(|d| view! { {i.tr(Key::SpTargetDate)} ": " {i.day_of(d)} })}
            </p>
            <PlanProgressView progress=objective.progress testid="success-objective-progress" />
            {if can_edit {
                view! {
                    <div class="actions">
                        <label class="sr-only" for=format!("objective-status-{id}")>{i.tr(Key::SpStatus)}</label>
                        <select
                            id=format!("objective-status-{id}")
                            data-testid="success-objective-status"
                            disabled=busy
                            on:change=set_status
                        >
                            {ObjectiveStatus::ALL.iter().map(|s| {
                                let s = *s;
                                view! { <option value=s.as_str() selected=s == status>{i.tr(objective_status_key(s))}</option> }
                            }).collect_view()}
                        </select>
                        <button type="button" class="btn btn-small" data-testid="success-objective-share" disabled=busy on:click=toggle_shared>
                            {i.tr(if shared { Key::SpUnshare } else { Key::SpShare })}
                        </button>
                    </div>
                }
                .into_any()
            } else {
                view! { <span class="badge">{i.tr(objective_status_key(status))}</span> }.into_any()
            }}
            {objective.milestones.is_empty().then(|| view! { <p class="muted">{i.tr(Key::SpNoMilestones)}</p> })}
            <ul class="plain-list sp-milestones">
                {objective
                    .milestones
                    .into_iter()
                    .map(|milestone| view! { <MilestoneRow milestone can_edit changed /> })
                    .collect_view()}
            </ul>
            {can_edit.then(|| view! { <AddMilestoneForm objective_id=id owners changed /> })}
        </li>
    }
}

#[component]
fn MilestoneRow(milestone: Milestone, can_edit: bool, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = milestone.id;
    let status = milestone.status;
    let busy = RwSignal::new(false);
    let flip = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let next = match status {
            MilestoneStatus::Open => MilestoneStatus::Done,
            MilestoneStatus::Done => MilestoneStatus::Open,
        };
        let req = UpdateMilestoneRequest {
            status: Some(next),
            ..Default::default()
        };
        crate::task::spawn(async move {
            match api::success_plans::update_milestone(id, &req).await {
                Ok(_) => changed.run(()),
                Err(e) => toasts.error(action_error(i, &e)),
            }
            busy.set(false);
        });
    };
    let (owner_key, owner_name) = owner_label(milestone.owner_side, milestone.owner_name);
    let done_by = milestone.done_at.map(|at| {
        let name = milestone.done_by_name.clone().unwrap_or_default();
        move || {
            i.f(
                Key::SpDoneBy,
                &[&name, &crate::i18n::dates::date(&at, i.lang())],
            )
        }
    });
    view! {
        <li class="sp-milestone" data-testid="success-milestone" data-milestone-id=id.to_string() data-status=status.as_str()>
            <span class=format!("badge sp-ms-{}", status.as_str())>{i.tr(milestone_status_key(status))}</span>
            " " <span data-testid="success-milestone-title">{milestone.title}</span>
            " · " <span class="muted">{move || i.f(owner_key, &[&owner_name])}</span>
            {milestone.due_on.map(|d| view! { " · " <span class="muted">{i.tr(Key::SpDue)} " " {i.day_of(d)}</span> })}
            {done_by.map(|text| view! { " · " <span class="muted" data-testid="success-milestone-done-by">{text}</span> })}
            {can_edit.then(|| view! {
                " "
                <button type="button" class="btn btn-small" data-testid="success-milestone-toggle" disabled=busy on:click=flip>
                    {i.tr(if status == MilestoneStatus::Open { Key::SpMarkDone } else { Key::SpReopen })}
                </button>
            })}
        </li>
    }
}

#[component]
pub fn AddObjectiveForm(plan_id: i64, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let title = RwSignal::new(String::new());
    let measure = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = CreateObjectiveRequest {
            title: title.get_untracked(),
            measure: measure.get_untracked(),
            target_date: parse_date(&target.get_untracked()),
            status: None,
            shared_with_customer: shared.get_untracked(),
        };
        if let Err(f) = shared::success_plans::validate_create_objective(&req) {
            errors.set(f);
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::success_plans::add_objective(plan_id, &req).await {
                Ok(_) => {
                    title.set(String::new());
                    measure.set(String::new());
                    target.set(String::new());
                    changed.run(());
                }
                Err(e) => {
                    errors.set(e.fields());
                    failure.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="success-objective-form">
            <ErrorBanner failure testid="success-objective-error" />
            <div class="form-grid">
                <TextField id="success-objective-title-input" label=Key::SpObjectiveTitle value=title field="title" errors required=true />
                <TextField id="success-objective-measure" label=Key::SpMeasure value=measure field="measure" errors />
                <TextField id="success-objective-target" label=Key::SpTargetDate value=target field="target_date" errors kind="date" />
            </div>
            <CheckField id="success-objective-shared-input" label=Key::SpShared value=shared />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="success-objective-add" disabled=busy>
                    {i.tr(Key::SpAddObjective)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn AddMilestoneForm(objective_id: i64, owners: Owners, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let title = RwSignal::new(String::new());
    // "", "u:<user id>" or "c:<contact id>".
    let owner = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let select_id = format!("success-milestone-owner-{objective_id}");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let picked = owner.get_untracked();
        let (user, contact) = match picked.split_once(':') {
            Some(("u", id)) => (id.parse().ok(), None),
            Some(("c", id)) => (None, id.parse().ok()),
            _ => (None, None),
        };
        let req = CreateMilestoneRequest {
            title: title.get_untracked(),
            owner_user_id: user,
            owner_contact_id: contact,
            due_on: parse_date(&due.get_untracked()),
        };
        if let Err(f) = shared::success_plans::validate_create_milestone(&req) {
            errors.set(f);
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::success_plans::add_milestone(objective_id, &req).await {
                Ok(_) => {
                    title.set(String::new());
                    due.set(String::new());
                    changed.run(());
                }
                Err(e) => {
                    errors.set(e.fields());
                    failure.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form sp-milestone-form" on:submit=submit novalidate=true data-testid="success-milestone-form">
            <ErrorBanner failure testid="success-milestone-error" />
            <div class="form-grid">
                <TextField id="success-milestone-title-input" label=Key::SpMilestoneTitle value=title field="title" errors required=true />
                <div class="field">
                    <label for=select_id.clone()>{i.tr(Key::SpOwner)}</label>
                    <select
                        id=select_id
                        data-testid="success-milestone-owner"
                        on:change=move |ev| owner.set(event_target_value(&ev))
                    >
                        <option value="">{i.tr(Key::SpOwnerNone)}</option>
                        <optgroup label=i.tr(Key::SpOurSide)>
                            {move || owners.staff.get().into_iter().map(|u| view! {
                                <option value=format!("u:{}", u.id)>{u.name}</option>
                            }).collect_view()}
                        </optgroup>
                        <optgroup label=i.tr(Key::SpTheirSide)>
                            {move || owners.contacts.get().into_iter().filter(|c| !c.archived).map(|c| view! {
                                <option value=format!("c:{}", c.id)>{c.name}</option>
                            }).collect_view()}
                        </optgroup>
                    </select>
                    <FieldError errors field="owner_user_id" id="success-milestone-owner-user-error".to_string() />
                    <FieldError errors field="owner_contact_id" id="success-milestone-owner-error".to_string() />
                </div>
                <TextField id="success-milestone-due" label=Key::SpDue value=due field="due_on" errors kind="date" />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn" data-testid="success-milestone-add" disabled=busy>
                    {i.tr(Key::SpAddMilestone)}
                </button>
            </div>
        </form>
    }
}
