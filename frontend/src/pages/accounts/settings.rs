//! `/settings` (admins): the workspace's name and its customer coding rule
//! (客户编码原则), with a box to try a code against the rule before saving.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::settings::{UpdateWorkspaceSettings, WorkspaceSettings};
use shared::validation;
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::forms;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Guard audience=Audience::Admin>
            <WorkspaceSettingsPage />
        </Guard>
    }
}

#[component]
fn WorkspaceSettingsPage() -> impl IntoView {
    let i = use_i18n();
    let settings = load(api::settings::workspace);
    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="settings-heading">{i.tr(Key::NavSettings)}</h1>
                <a class="btn" href="/settings/sla" data-testid="settings-sla-link">{i.tr(Key::SlaTitle)}</a>
                <a class="btn" href="/settings/service-levels" data-testid="settings-levels-link">{i.tr(Key::SlvTitle)}</a>
                <a class="btn" href="/settings/service-centres" data-testid="settings-centres-link">{i.tr(Key::CeTitle)}</a>
                // contracts & renewals
                <a class="btn" href="/settings/reminders" data-testid="settings-reminders-link">{i.tr(Key::RmTitle)}</a>
                // health settings, api keys & surveys
                <a class="btn" href="/settings/health" data-testid="settings-health-link">{i.tr(Key::HmTitle)}</a>
                <a class="btn" href="/settings/api-keys" data-testid="settings-api-keys-link">{i.tr(Key::AkTitle)}</a>
                // webhooks & chat bots
                <a class="btn" href="/settings/webhooks" data-testid="settings-webhooks-link">{i.tr(Key::WhTitle)}</a>
                <a class="btn" href="/settings/chat-bots" data-testid="settings-chat-bots-link">{i.tr(Key::CbTitle)}</a>
                <a class="btn" href="/settings/mail-channels" data-testid="settings-mail-channels-link">{i.tr(Key::McTitle)}</a>
                <a class="btn" href="/settings/macros" data-testid="settings-macros-link">{i.tr(Key::MoTitle)}</a>
                <a class="btn" href="/settings/playbooks" data-testid="settings-playbooks-link">{i.tr(Key::PbTitle)}</a>
                <a class="btn" href="/settings/onboarding-templates" data-testid="settings-templates-link">{i.tr(Key::GpTemplatesNav)}</a>
            </header>
            {move || match settings.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=settings.reload /> }.into_any(),
                Some(Ok(s)) => view! { <SettingsForm current=s /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn SettingsForm(current: WorkspaceSettings) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let saved = StoredValue::new(current.clone());
    let name = RwSignal::new(current.name);
    let pattern = RwSignal::new(current.customer_code_pattern);
    let sample = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (n, p) = (
            name.get_untracked().trim().to_string(),
            pattern.get_untracked().trim().to_string(),
        );
        if let Err(fields) = forms::workspace_settings(&n, &p) {
            errors.set(fields);
            return;
        }
        let before = saved.get_value();
        let req = UpdateWorkspaceSettings {
            name: (n != before.name).then(|| n.clone()),
            customer_code_pattern: (p != before.customer_code_pattern).then(|| p.clone()),
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        if req == UpdateWorkspaceSettings::default() {
            toasts.success(i.t(Key::NothingToSave));
            return;
        }
        Submit::new(busy, errors, failure).send(
            async move { api::settings::update_workspace(&req).await },
            move |()| {
                saved.set_value(WorkspaceSettings {
                    name: n,
                    customer_code_pattern: p,
                });
                toasts.success(i.t(Key::Saved));
            },
        );
    };

    // Live check of the sample code against the pattern being edited.
    let trial = move || {
        let code = sample.get();
        if code.trim().is_empty() {
            return None;
        }
        let p = pattern.get();
        Some(match validation::customer_code(code.trim(), p.trim()) {
            Ok(()) => (true, i.t(Key::CodeMatches).to_string()),
            Err(reason) => (false, forms::reason_text(&reason, i.lang())),
        })
    };

    view! {
        <form class="card form-card" on:submit=submit novalidate=true data-testid="settings-form">
            <ErrorBanner failure testid="settings-error" />
            <TextField id="settings-name" label=Key::WorkspaceName value=name field="name" errors required=true />
            <TextField
                id="settings-pattern"
                label=Key::CodingRule
                value=pattern
                field="customer_code_pattern"
                errors
                required=true
                autocomplete="off"
                hint=i.signal(Key::CodingRuleHint)
            />
            <div class="field">
                <label for="settings-try-code">{i.tr(Key::TryACode)}</label>
                <input
                    id="settings-try-code"
                    data-testid="settings-try-code"
                    autocomplete="off"
                    prop:value=move || sample.get()
                    on:input=move |ev| sample.set(event_target_value(&ev))
                />
                {move || {
                    trial()
                        .map(|(ok, text)| {
                            view! {
                                <p class="field-hint" class:text-ok=ok class:text-error=!ok data-testid="settings-try-result" aria-live="polite">
                                    {text}
                                </p>
                            }
                        })
                }}
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="settings-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
            </div>
        </form>
    }
}
