//! The health panel of an account (on `/accounts/:id`): score and band,
//! the 30-day trend line, and each component's sub-score, weight and
//! explanation, the weakest one marked; the override in force, the
//! override requests awaiting approval, and the form to request one
//! (maker-checker: it applies once another manager or admin approves).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::approvals::Approval;
use shared::health::{AccountHealth, ActiveOverride, ComponentScore, HealthBand, HealthComponent};
use shared::{ErrorCode, FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::{clear_error, expanded, ErrorBanner, FieldError, TextField};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::health::{points, signed, sparkline};
use crate::logic::health_model::{
    day_text, default_expiry, expiry_bounds, override_ask, override_request,
};
use crate::logic::onboarding::browser_today;
use crate::pages::portal::common::TextArea;
use crate::pages::renewals::health_settings::problem_fields;
use crate::session::use_session;

pub fn band_key(b: HealthBand) -> Key {
    match b {
        HealthBand::Green => Key::HlGreen,
        HealthBand::Yellow => Key::HlYellow,
        HealthBand::Red => Key::HlRed,
    }
}

pub fn component_key(c: HealthComponent) -> Key {
    match c {
        HealthComponent::Usage => Key::HlUsage,
        HealthComponent::Support => Key::HlSupport,
        HealthComponent::Onboarding => Key::HlOnboarding,
        HealthComponent::Training => Key::HlTraining,
        HealthComponent::Satisfaction => Key::HlSatisfaction,
        HealthComponent::Engagement => Key::HlEngagement,
        HealthComponent::Renewal => Key::HlRenewal,
        HealthComponent::PlanProgress => Key::HlPlanProgress,
    }
}

#[component]
pub fn HealthSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let health = load(move || api::health::of_account(account_id));
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
            <OverridePanel account_id />
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
    let computed = h.computed_score;
    view! {
        <div class="hl-summary">
            <span class=format!("hl-score hl-{}", band.as_str()) data-testid="health-score" data-band=band.as_str()>
                {h.score}
            </span>
            <span class=format!("badge hl-{}", band.as_str()) data-testid="health-band">{i.tr(band_key(band))}</span>
            {h.override_.is_some().then(|| view! { <span class="badge badge-muted">{i.tr(Key::HlOverridden)}</span> })}
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
        {h.override_.map(|o| view! { <ActiveOverrideNote o computed /> })}
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
                <span style:width=format!("{}%", sub.unwrap_or(0))></span>
            </div>
            <p class="muted hl-explain">
                {sub.is_some().then(|| i.server_of(c.explanation_key, c.explanation))}
                {sub.is_none().then(|| i.tr(Key::HlNoData))}
            </p>
        </li>
    }
}

/// The approved override in force, and what it replaces.
#[component]
fn ActiveOverrideNote(o: ActiveOverride, computed: i32) -> impl IntoView {
    let i = use_i18n();
    let (score, until) = (o.score.to_string(), o.expires_on);
    let computed = computed.to_string();
    view! {
        <div class="banner banner-warning hl-override-note" data-testid="health-override-active">
            <p>{move || i.f(Key::HmOverrideActive, &[&score, &computed, &day_text(until, i.lang())])}</p>
            <p class="pre-wrap">{o.reason}</p>
        </div>
    }
}

/// Override requests awaiting approval, and the form to make one (CSMs,
/// managers and admins: who the server lets ask).
#[component]
fn OverridePanel(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let may_request = move || {
        matches!(
            session.role(),
            Some(Role::Admin | Role::Manager | Role::Csm)
        )
    };
    let pending = load(move || api::health::pending_overrides(account_id));
    let open = RwSignal::new(false);
    let requested = Callback::new(move |a: Approval| {
        open.set(false);
        pending.value.update(|v| match v {
            Some(Ok(list)) => list.insert(0, a),
            _ => *v = Some(Ok(vec![a])),
        });
    });
    view! {
        <div class="hl-override">
            {move || match pending.value.get() {
                None => ().into_any(),
                Some(Err(e)) => view! {
                    <p class="text-error" data-testid="health-override-pending-error">
                        {i.error_of(e)} " "
                        <button type="button" class="btn btn-small" on:click=move |_| pending.reload.run(())>{i.tr(Key::Retry)}</button>
                    </p>
                }
                .into_any(),
                Some(Ok(list)) => list.into_iter().map(|a| view! { <PendingOverride a /> }).collect_view().into_any(),
            }}
            {move || may_request().then(|| view! {
                <button
                    type="button"
                    class="btn btn-small"
                    data-testid="health-override-open"
                    aria-expanded=expanded(open)
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {i.tr(Key::HmRequestOverride)}
                </button>
                {move || open.get().then(|| view! { <OverrideForm account_id requested on_cancel=Callback::new(move |_| open.set(false)) /> })}
            })}
        </div>
    }
}

#[component]
fn PendingOverride(a: Approval) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let decides = move || matches!(session.role(), Some(Role::Admin | Role::Manager));
    let asked = StoredValue::new(override_ask(&a.summary));
    let summary = a.summary;
    view! {
        <div class="banner hl-override-pending" role="status" data-testid="health-override-pending">
            <p>
                <span class="badge badge-warning">{i.tr(Key::HmAwaitingApproval)}</span> " "
                {move || match asked.get_value() {
                    Some(ask) => i.f(Key::HmOverrideAsked, &[&ask.score.to_string(), &day_text(ask.until, i.lang())]),
                    None => summary.clone(),
                }}
            </p>
            {asked.get_value().map(|ask| view! { <p class="pre-wrap">{ask.reason}</p> })}
            <p class="muted">
                {i.tr(Key::HmRequestedAt)} " " {i.datetime_of(a.created_at)}
                {move || decides().then(|| view! { " · " <a href="/approvals" data-testid="health-override-approvals">{i.tr(Key::CtToApprovals)}</a> })}
            </p>
        </div>
    }
}

#[component]
fn OverrideForm(
    account_id: i64,
    requested: Callback<Approval>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let today = browser_today();
    let (first, last) = expiry_bounds(today);
    let score = RwSignal::new(String::new());
    let expires = RwSignal::new(default_expiry(today));
    let reason = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = match override_request(
            &score.get_untracked(),
            &reason.get_untracked(),
            &expires.get_untracked(),
            browser_today(),
        ) {
            Ok(req) => req,
            Err(problems) => {
                errors.set(problem_fields(i, problems));
                return;
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).leaving().send(
            async move { api::health::request_override(account_id, &req).await },
            move |approval| {
                toasts.success(i.t(Key::HmOverrideSent));
                requested.run(approval);
            },
        );
    };
    view! {
        <form class="inline-form hl-override-form" on:submit=submit novalidate=true data-testid="health-override-form">
            <h3>{i.tr(Key::HmRequestOverride)}</h3>
            <p class="muted">{i.tr(Key::HmOverrideNote)}</p>
            <ErrorBanner failure testid="health-override-error" />
            <div class="form-grid">
                <TextField id="override-score" label=Key::HmOverrideScore value=score field="score" errors kind="number" required=true />
                <div class="field" class:has-error=move || errors.with(|e| e.contains_key("expires_on"))>
                    <label for="override-expires">
                        {i.tr(Key::HmOverrideEnds)}
                        <span class="required" aria-hidden="true">" *"</span>
                    </label>
                    <input
                        id="override-expires"
                        data-testid="override-expires"
                        type="date"
                        min=first
                        max=last
                        aria-required="true"
                        aria-describedby="override-expires-hint override-expires-error"
                        prop:value=move || expires.get()
                        on:input=move |ev| {
                            expires.set(event_target_value(&ev));
                            clear_error(errors, "expires_on");
                        }
                    />
                    <p class="field-hint" id="override-expires-hint">{i.tr(Key::HmOverrideEndsHint)}</p>
                    <FieldError errors field="expires_on" id="override-expires-error".to_string() />
                </div>
            </div>
            <TextArea id="override-reason" label=Key::HmOverrideReason value=reason field="reason" errors rows=3 required=true />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="override-submit" disabled=busy>
                    {i.tr_when(busy, Key::Working, Key::HmSendForApproval)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="override-cancel" on:click=move |_| on_cancel.run(())>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
