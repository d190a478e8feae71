//! `/portal/plans`: the success plans shared with the customer's
//! administrator — the shared objectives, their milestones (marking done
//! those their side owns) and the conversation with the CSM.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::success_plans::{
    CreatePlanCommentRequest, MilestoneStatus, PortalMilestone, PortalSuccessPlan,
};
use shared::{ErrorCode, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::ErrorBanner;
use crate::components::load::load;
use crate::components::states::{ErrorState, Forbidden, SkeletonCard};
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::pages::accounts::success_plan_items::{
    milestone_status_key, objective_status_key, owner_label,
};
use crate::pages::accounts::success_plans::{CommentItem, PlanProgressView};
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::action_error;

#[component]
pub fn PortalPlansPage() -> impl IntoView {
    let i = use_i18n();
    let plans = load(api::success_plans::portal_list);
    let changed = plans.refresh;
    let body = move || {
        match plans.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) if e.is(ErrorCode::Forbidden) => view! { <Forbidden /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=plans.reload /> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="muted" data-testid="portal-plans-empty">{i.tr(Key::SpPortalEmpty)}</p> }.into_any()
        }
        Some(Ok(list)) => list
            .into_iter()
            .map(|plan| view! { <PortalPlan plan changed /> })
            .collect_view()
            .into_any(),
    }
    };
    view! {
        <div class="page" data-testid="portal-plans">
            <header class="page-header">
                <div>
                    <h1>{i.tr(Key::SpTitle)}</h1>
                    <p class="muted">{i.tr(Key::SpPortalIntro)}</p>
                </div>
            </header>
            {body}
        </div>
    }
}

#[component]
fn PortalPlan(plan: PortalSuccessPlan, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let id = plan.id;
    view! {
        <section class="card" data-testid="portal-plan" data-plan-id=id.to_string()>
            <h2>{plan.title}</h2>
            <PlanProgressView progress=plan.progress testid="portal-plan-progress" />
            {plan.objectives.is_empty().then(|| view! { <p class="muted">{i.tr(Key::SpNoObjectives)}</p> })}
            <ul class="plain-list sp-objectives">
                {plan.objectives.into_iter().map(|o| {
                    let status = o.status;
                    view! {
                        <li class="sp-objective" data-testid="portal-objective">
                            <h3>{o.title}</h3>
                            <p class="muted">
                                <span class="badge">{i.tr(objective_status_key(status))}</span>
                                {(!o.measure.is_empty()).then(|| view! { " " {i.tr(Key::SpMeasure)} ": " {o.measure.clone()} })}
                                {o.target_date.map(|d| view! { " · " {i.tr(Key::SpTargetDate)} ": " {i.day_of(d)} })}
                            </p>
                            <PlanProgressView progress=o.progress testid="portal-objective-progress" />
                            {o.milestones.is_empty().then(|| view! { <p class="muted">{i.tr(Key::SpNoMilestones)}</p> })}
                            <ul class="plain-list sp-milestones">
                                {o.milestones.into_iter().map(|milestone| view! { <PortalMilestoneRow milestone changed /> }).collect_view()}
                            </ul>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <h3>{i.tr(Key::SpComments)}</h3>
            {plan.comments.is_empty().then(|| view! { <p class="muted">{i.tr(Key::SpNoComments)}</p> })}
            <ul class="plain-list">
                {plan.comments.into_iter().map(|comment| view! { <CommentItem comment /> }).collect_view()}
            </ul>
            <PortalCommentForm plan_id=id changed />
        </section>
    }
}

#[component]
fn PortalMilestoneRow(milestone: PortalMilestone, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = milestone.id;
    let status = milestone.status;
    let busy = RwSignal::new(false);
    let mark = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            match api::success_plans::portal_mark_done(id).await {
                Ok(_) => {
                    toasts.success(i.t(Key::SpMarkedDone));
                    changed.run(());
                }
                Err(e) => toasts.error(action_error(i, &e)),
            }
            busy.set(false);
        });
    };
    let (owner_key, owner_name) = owner_label(milestone.owner_side, milestone.owner_name);
    view! {
        <li class="sp-milestone" data-testid="portal-milestone" data-milestone-id=id.to_string() data-status=status.as_str()>
            <span class=format!("badge sp-ms-{}", status.as_str())>{i.tr(milestone_status_key(status))}</span>
            " " <span data-testid="portal-milestone-title">{milestone.title}</span>
            " · " <span class="muted">{move || i.f(owner_key, &[&owner_name])}</span>
            {milestone.due_on.map(|d| view! { " · " <span class="muted">{i.tr(Key::SpDue)} " " {i.day_of(d)}</span> })}
            {milestone.done_at.map(|at| view! { " · " <span class="muted">{i.date_of(at)}</span> })}
            {(milestone.can_mark_done && status == MilestoneStatus::Open).then(|| view! {
                " "
                <button type="button" class="btn btn-small btn-primary" data-testid="portal-milestone-done" disabled=busy on:click=mark>
                    {i.tr(Key::SpMarkDone)}
                </button>
            })}
        </li>
    }
}

#[component]
fn PortalCommentForm(plan_id: i64, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let body = RwSignal::new(String::new());
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
            internal: false,
        };
        if let Err(f) = shared::success_plans::validate_comment(&req) {
            errors.set(f);
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::success_plans::portal_comment(plan_id, &req).await {
                Ok(_) => {
                    body.set(String::new());
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
        <form class="inline-form" on:submit=submit novalidate=true data-testid="portal-plan-comment-form">
            <ErrorBanner failure testid="portal-plan-comment-error" />
            <TextArea id="portal-plan-comment" label=Key::SpComment value=body field="body" errors rows=2 required=true />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="portal-plan-comment-post" disabled=busy>
                    {i.tr(Key::SpPost)}
                </button>
            </div>
        </form>
    }
}
