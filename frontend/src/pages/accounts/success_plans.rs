//! The success-plan panel of an account (on `/accounts/:id`): its plans,
//! starting one, and the chosen plan with its progress, objectives
//! (`success_plan_items`) and comments (public or internal).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::success_plans::{
    CreatePlanCommentRequest, CreatePlanRequest, PlanComment, PlanProgress, PlanSide, SuccessPlan,
    SuccessPlanStatus, UpdatePlanRequest,
};
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{CheckField, ErrorBanner, TextField};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::pages::accounts::list::Directory;
use crate::pages::accounts::success_plan_items::{AddObjectiveForm, ObjectiveCard, Owners};
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::action_error;

#[component]
pub fn SuccessPlansSection(account_id: i64, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let list = load(move || api::success_plans::list(account_id));
    let contacts = load(move || async move {
        api::contacts::list(account_id, None)
            .await
            .map(|page| page.items)
    });
    let owners = Owners {
        staff: directory.owners(),
        contacts: Signal::derive(move || contacts.ok().unwrap_or_default()),
    };
    let chosen = RwSignal::new(None::<i64>);
    let creating = RwSignal::new(false);
    // The chosen plan, else the newest active one, else the newest.
    let current = Memo::new(move |_| {
        let items = list.ok().map(|p| p.items).unwrap_or_default();
        chosen
            .get()
            .filter(|id| items.iter().any(|p| p.id == *id))
            .or_else(|| {
                items
                    .iter()
                    .find(|p| p.status == SuccessPlanStatus::Active)
                    .or(items.first())
                    .map(|p| p.id)
            })
    });
    let created = Callback::new(move |id: i64| {
        creating.set(false);
        chosen.set(Some(id));
        list.refresh.run(());
    });
    let body = move || match list.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=list.reload /> }.into_any(),
        Some(Ok(page)) if page.items.is_empty() => {
            view! { <p class="muted" data-testid="success-plans-empty">{i.tr(Key::SpEmpty)}</p> }
                .into_any()
        }
        Some(Ok(page)) => {
            let many = page.items.len() > 1;
            view! {
                {many.then(|| view! {
                    <div class="field">
                        <label for="success-plan-pick">{i.tr(Key::SpPickPlan)}</label>
                        <select
                            id="success-plan-pick"
                            data-testid="success-plan-pick"
                            on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())
                        >
                            {page.items.iter().map(|p| {
                                let id = p.id;
                                let label = format!("{} · {}%", p.title, p.progress.percent.unwrap_or(0));
                                view! { <option value=id.to_string() selected=move || current.get() == Some(id)>{label}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                })}
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="success-plans-title" data-testid="success-plans">
            <header class="section-header">
                <h2 id="success-plans-title">{i.tr(Key::SpTitle)}</h2>
                <button
                    type="button"
                    class="btn"
                    data-testid="success-plan-new"
                    aria-expanded=move || if creating.get() { "true" } else { "false" }
                    on:click=move |_| creating.update(|c| *c = !*c)
                >
                    {i.tr(Key::SpNew)}
                </button>
            </header>
            <p class="muted">{i.tr(Key::SpIntro)}</p>
            {move || creating.get().then(|| view! { <NewPlanForm account_id created /> })}
            {body}
            {move || current.get().map(|plan_id| view! {
                <PlanPanel plan_id owners on_list_change=list.refresh />
            })}
        </section>
    }
}

#[component]
fn NewPlanForm(account_id: i64, created: Callback<i64>) -> impl IntoView {
    let i = use_i18n();
    let title = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = CreatePlanRequest {
            title: title.get_untracked(),
            staff_note: note.get_untracked(),
        };
        if let Err(f) = shared::success_plans::validate_create_plan(&req) {
            errors.set(f);
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::success_plans::create(account_id, &req).await {
                Ok(plan) => created.run(plan.id),
                Err(e) => {
                    errors.set(e.fields());
                    failure.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="success-plan-form">
            <ErrorBanner failure testid="success-plan-form-error" />
            <TextField id="success-plan-title" label=Key::SpPlanTitle value=title field="title" errors required=true />
            <TextArea id="success-plan-note" label=Key::SpStaffNote value=note field="staff_note" errors rows=2 />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="success-plan-create" disabled=busy>
                    {i.tr(Key::SpCreate)}
                </button>
            </div>
        </form>
    }
}

/// Done of all milestones, as a bar and "n of m done".
#[component]
pub fn PlanProgressView(progress: PlanProgress, testid: &'static str) -> impl IntoView {
    let i = use_i18n();
    let percent = progress.percent.unwrap_or(0);
    let (done, total) = (progress.done.to_string(), progress.total.to_string());
    let (done_attr, total_attr) = (done.clone(), total.clone());
    view! {
        <div class="sp-progress" data-testid=testid data-done=done_attr data-total=total_attr>
            <span class="ob-progress">
                <progress max="100" prop:value=percent></progress>
                <span class="ob-progress-text">{format!("{percent}%")}</span>
            </span>
            <span class="muted">{move || i.f(Key::SpProgressOf, &[&done, &total])}</span>
        </div>
    }
}

#[component]
fn PlanPanel(plan_id: i64, owners: Owners, on_list_change: Callback<()>) -> impl IntoView {
    let plan = load(move || api::success_plans::get(plan_id));
    let changed = Callback::new(move |_| {
        plan.refresh.run(());
        on_list_change.run(());
    });
    move || match plan.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=plan.reload /> }.into_any(),
        Some(Ok(p)) => view! { <PlanView plan=p owners changed /> }.into_any(),
    }
}

#[component]
fn PlanView(plan: SuccessPlan, owners: Owners, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = plan.id;
    let can_edit = plan.can_edit;
    let archived = plan.status == SuccessPlanStatus::Archived;
    let busy = RwSignal::new(false);
    let toggle_archive = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let status = if archived {
            SuccessPlanStatus::Active
        } else {
            SuccessPlanStatus::Archived
        };
        let req = UpdatePlanRequest {
            status: Some(status),
            ..Default::default()
        };
        crate::task::spawn(async move {
            match api::success_plans::update(id, &req).await {
                Ok(_) => changed.run(()),
                Err(e) => toasts.error(action_error(i, &e)),
            }
            busy.set(false);
        });
    };
    let shared = plan.shared_progress;
    let (shared_done, shared_total) = (shared.done.to_string(), shared.total.to_string());
    let note = plan.staff_note.clone();
    view! {
        <article class="sp-plan" data-testid="success-plan" data-plan-id=id.to_string() data-status=plan.status.as_str()>
            <header class="section-header">
                <h3 data-testid="success-plan-title">
                    {plan.title.clone()}
                    {archived.then(|| view! { " " <span class="badge badge-muted">{i.tr(Key::SpArchivedBadge)}</span> })}
                </h3>
                {can_edit.then(|| view! {
                    <button type="button" class="btn btn-small btn-ghost" data-testid="success-plan-archive" disabled=busy on:click=toggle_archive>
                        {i.tr(if archived { Key::SpRestore } else { Key::SpArchive })}
                    </button>
                })}
            </header>
            <PlanProgressView progress=plan.progress testid="success-plan-progress" />
            <p class="muted" data-testid="success-plan-shared-progress">
                {move || i.f(Key::SpSharedProgress, &[&shared_done, &shared_total])}
            </p>
            {(!note.is_empty()).then(|| view! { <p class="sp-note" data-testid="success-plan-note">{note}</p> })}
            {(!can_edit).then(|| view! { <p class="muted" data-testid="success-plan-readonly">{i.tr(Key::SpReadOnly)}</p> })}
            <h4>{i.tr(Key::SpObjectives)}</h4>
            {plan.objectives.is_empty().then(|| view! { <p class="muted" data-testid="success-objectives-empty">{i.tr(Key::SpNoObjectives)}</p> })}
            <ul class="plain-list sp-objectives">
                {plan
                    .objectives
                    .into_iter()
                    .map(|objective| view! { <ObjectiveCard objective can_edit owners changed /> })
                    .collect_view()}
            </ul>
            {can_edit.then(|| view! { <AddObjectiveForm plan_id=id changed /> })}
            <Comments plan_id=id comments=plan.comments changed />
        </article>
    }
}

/// A comment as a list item: author, side, internal mark, time, text.
#[component]
pub fn CommentItem(comment: PlanComment) -> impl IntoView {
    let i = use_i18n();
    view! {
        <li class="sp-comment" data-testid="success-plan-comment" data-internal=comment.internal.to_string()>
            <strong>{comment.author_name}</strong>
            {(comment.author_side == PlanSide::Customer).then(|| view! { " " <span class="badge">{i.tr(Key::SpCustomerBadge)}</span> })}
            {comment.internal.then(|| view! { " " <span class="badge badge-warning">{i.tr(Key::SpInternalBadge)}</span> })}
            " " <span class="muted">{i.datetime_of(comment.created_at)}</span>
            <p>{comment.body}</p>
        </li>
    }
}

#[component]
fn Comments(plan_id: i64, comments: Vec<PlanComment>, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let body = RwSignal::new(String::new());
    let internal = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = CreatePlanCommentRequest {
            body: body.get_untracked(),
            internal: internal.get_untracked(),
        };
        if let Err(f) = shared::success_plans::validate_comment(&req) {
            errors.set(f);
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::success_plans::comment(plan_id, &req).await {
                Ok(_) => changed.run(()),
                Err(e) => {
                    errors.set(e.fields());
                    failure.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <h4>{i.tr(Key::SpComments)}</h4>
        {comments.is_empty().then(|| view! { <p class="muted" data-testid="success-comments-empty">{i.tr(Key::SpNoComments)}</p> })}
        <ul class="plain-list">
            {comments.into_iter().map(|comment| view! { <CommentItem comment /> }).collect_view()}
        </ul>
        <form class="inline-form" on:submit=submit novalidate=true data-testid="success-comment-form">
            <ErrorBanner failure testid="success-comment-error" />
            <TextArea id="success-comment-body" label=Key::SpComment value=body field="body" errors rows=2 required=true />
            <CheckField id="success-comment-internal" label=Key::SpInternal value=internal />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="success-comment-post" disabled=busy>
                    {i.tr(Key::SpPost)}
                </button>
            </div>
        </form>
    }
}
