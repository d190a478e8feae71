//! The portal home's onboarding progress and upcoming trainings.

use leptos::prelude::*;

use crate::api;
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::i18n::{use_i18n, Key, Lang};
use crate::pages::accounts::onboarding::{task_status_key, ProgressBar};

#[component]
pub fn PortalProgress() -> impl IntoView {
    let i = use_i18n();
    let plan = load(api::onboarding_portfolio::portal);
    let trainings = load(api::training::portal);
    let plan_view = move || {
        match plan.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=plan.reload /> }.into_any(),
        Some(Ok(None)) => view! { <p class="muted" data-testid="portal-onboarding-empty">{i.tr(Key::PoNoPlan)}</p> }.into_any(),
        Some(Ok(Some(p))) => {
            let progress = p.progress;
            let next: Vec<_> = p.tasks.into_iter().filter(|t| !t.status.is_finished()).take(5).collect();
            let go_live = p.actual_go_live.or(p.planned_go_live).map(|d| crate::i18n::dates::format_day(d, i.lang())).unwrap_or_else(|| "—".into());
            view! {
                <ProgressBar value=Signal::stored(progress) />
                <p class="muted" data-testid="portal-go-live">{i.tr(Key::ObPlannedGoLive)} ": " {go_live}</p>
                <ul class="plain-list">
                    {next
                        .into_iter()
                        .map(|t| {
                            let status = t.status;
                            view! {
                                <li data-testid="portal-task" data-status=status.as_str()>
                                    <span class=format!("badge ob-task-{}", status.as_str())>{i.tr(task_status_key(status))}</span>
                                    " "
                                    {move || if i.lang() == Lang::Zh { t.title_zh.clone() } else { t.title_en.clone() }}
                                    " "
                                    <span class="muted">{i.day_of(t.due_on)}</span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }
    }
    };
    let trainings_view = move || {
        match trainings.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=trainings.reload /> }.into_any(),
        Some(Ok(l)) if l.is_empty() => view! { <p class="muted" data-testid="portal-trainings-empty">{i.tr(Key::PoNoTrainings)}</p> }.into_any(),
        Some(Ok(l)) => view! {
            <ul class="plain-list">
                {l
                    .into_iter()
                    .map(|t| {
                        view! {
                            <li data-testid="portal-training" data-invited=t.invited.to_string()>
                                <strong>{i.datetime_of(t.starts_at)}</strong>
                                " " {t.topic} " · " {t.trainer_name}
                                " "
                                {t.location.map(|place| view! { <span class="muted">{place}</span> " " })}
                                // An online session: its link, to click (only web links).
                                {t
                                    .online_url
                                    .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                                    .map(|url| view! {
                                        <a href=url target="_blank" rel="noopener noreferrer external" data-testid="portal-training-link">
                                            {i.tr(Key::PoJoinOnline)}
                                        </a>
                                    })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    view! {
        <div class="grid-2">
            <section class="card" data-testid="portal-onboarding">
                <h2>{i.tr(Key::PoProgress)}</h2>
                {plan_view}
            </section>
            <section class="card" data-testid="portal-trainings">
                <h2>{i.tr(Key::PoTrainings)}</h2>
                {trainings_view}
            </section>
        </div>
    }
}
