//! The health panel of an account (on `/accounts/:id`): score and band,
//! the 30-day trend line, and each component's sub-score, weight and
//! explanation, the weakest one marked.

use leptos::prelude::*;
use shared::health::{AccountHealth, ComponentScore, HealthBand, HealthComponent};
use shared::ErrorCode;

use crate::api;
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::i18n::{use_i18n, Key};
use crate::logic::health::{points, signed, sparkline};

fn band_key(b: HealthBand) -> Key {
    match b {
        HealthBand::Green => Key::HlGreen,
        HealthBand::Yellow => Key::HlYellow,
        HealthBand::Red => Key::HlRed,
    }
}

fn component_key(c: HealthComponent) -> Key {
    match c {
        HealthComponent::Usage => Key::HlUsage,
        HealthComponent::Support => Key::HlSupport,
        HealthComponent::Onboarding => Key::HlOnboarding,
        HealthComponent::Training => Key::HlTraining,
        HealthComponent::Satisfaction => Key::HlSatisfaction,
        HealthComponent::Engagement => Key::HlEngagement,
        HealthComponent::Renewal => Key::HlRenewal,
    }
}

#[component]
pub fn HealthSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let health = load(move || api::account_health(account_id));
    view! {
        <section class="card" aria-labelledby="health-title" data-testid="health">
            <h2 id="health-title">{i.tr(Key::HlTitle)}</h2>
            {move || match health.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) if e.is(ErrorCode::NotFound) => {
                    view! { <p class="muted" data-testid="health-empty">{i.tr(Key::HlNone)}</p> }.into_any()
                }
                Some(Err(e)) => view! { <ErrorState error=e on_retry=health.reload /> }.into_any(),
                Some(Ok(h)) => view! { <HealthView health=h /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn HealthView(health: AccountHealth) -> impl IntoView {
    let i = use_i18n();
    let h = health;
    let band = h.band;
    let scores: Vec<i32> = h.trend.iter().map(|p| p.score).collect();
    let weakest = h.weakest;
    view! {
        <div class="hl-summary">
            <span class=format!("hl-score hl-{}", band.as_str()) data-testid="health-score" data-band=band.as_str()>
                {h.score}
            </span>
            <span class=format!("badge hl-{}", band.as_str()) data-testid="health-band">{i.tr(band_key(band))}</span>
            {h.override_.map(|_| view! { <span class="badge badge-muted">{i.tr(Key::HlOverridden)}</span> })}
            {h.trend_change.map(|c| {
                let c = signed(c);
                view! { <span class="muted" data-testid="health-trend-change">{move || i.f(Key::HlTrendChange, &[&c])}</span> }
            })}
            {(scores.len() > 1)
                .then(|| {
                    view! {
                        <svg class="hl-trend" viewBox="0 0 120 32" role="img" aria-label=i.tr(Key::HlTrend) data-testid="health-trend">
                            <polyline fill="none" stroke="currentColor" stroke-width="2" points=sparkline(&scores, 120, 32) />
                        </svg>
                    }
                })}
        </div>
        {weakest.map(|w| view! {
            <p data-testid="health-weakest">{i.tr(Key::HlWeakest)} " " <strong>{i.tr(component_key(w))}</strong></p>
        })}
        <ul class="plain-list hl-components">
            {h.components.into_iter().map(|c| view! { <ComponentRow c weakest /> }).collect_view()}
        </ul>
    }
}

#[component]
fn ComponentRow(c: ComponentScore, weakest: Option<HealthComponent>) -> impl IntoView {
    let i = use_i18n();
    let sub = c.sub_score.map(points);
    let weight = points(c.effective_weight).to_string();
    view! {
        <li
            data-testid="health-component"
            data-component=c.component.as_str()
            class:hl-weakest=weakest == Some(c.component)
        >
            <div class="hl-row">
                <span>{i.tr(component_key(c.component))}</span>
                <span class="muted">{move || i.f(Key::HlWeight, &[&weight])}</span>
                <strong>{sub.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</strong>
            </div>
            <div class="hl-bar" aria-hidden="true">
                <span style=format!("width:{}%", sub.unwrap_or(0))></span>
            </div>
            <p class="muted hl-explain">
                {if sub.is_some() { c.explanation } else { String::new() }}
                {sub.is_none().then(|| i.tr(Key::HlNoData))}
            </p>
        </li>
    }
}
