//! `/settings/reminders` (admins): when renewal reminders go out (days
//! before a contract's end), whether customers are told too, the renewal
//! horizon, the escalation point and the churn reasons a churn may give.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::contracts::{ReminderSettings, UpdateReminderSettings};
use shared::validation::Invalid;
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{CheckField, ErrorBanner, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::renewals::{
    churn_reason_codes, churn_reasons_text, offsets_text, parse_offsets, positive_days,
};
use crate::pages::portal::common::TextArea;

#[component]
pub fn ReminderSettingsPage() -> impl IntoView {
    let i = use_i18n();
    let settings = load(api::renewals::reminder_settings);
    view! {
        <Guard audience=Audience::Admin>
            <div class="page">
                <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                    <a href="/settings" data-testid="reminders-back">{i.tr(Key::NavSettings)}</a>
                </nav>
                <header class="page-header">
                    <div>
                        <h1 data-testid="reminders-heading">{i.tr(Key::RmTitle)}</h1>
                        <p class="muted">{i.tr(Key::RmIntro)}</p>
                    </div>
                </header>
                {move || match settings.value.get() {
                    None => view! { <SkeletonCard /> }.into_any(),
                    Some(Err(e)) => view! { <ErrorState error=e on_retry=settings.reload /> }.into_any(),
                    Some(Ok(s)) => view! { <ReminderForm current=s /> }.into_any(),
                }}
            </div>
        </Guard>
    }
}

#[component]
fn ReminderForm(current: ReminderSettings) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let offsets = RwSignal::new(offsets_text(&current.offsets_days));
    let notify = RwSignal::new(current.notify_customer);
    let horizon = RwSignal::new(current.renewal_horizon_days.to_string());
    let escalation = RwSignal::new(current.escalation_days.to_string());
    // Reasons shown as words in the reader's language, saved as codes.
    let reasons = RwSignal::new(churn_reasons_text(
        &current.churn_reasons,
        i.lang_untracked(),
    ));
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let offsets_days = parse_offsets(&offsets.get_untracked());
        let horizon_days = positive_days(&horizon.get_untracked());
        let escalation_days = positive_days(&escalation.get_untracked());
        let churn_reasons = churn_reason_codes(&reasons.get_untracked());
        let mut fields = FieldErrors::new();
        let mut refuse = |field: &str, key: Key| {
            fields.insert(field.into(), i.t(key).into());
        };
        if offsets_days.is_none() {
            refuse("offsets_days", Key::RmBadOffsets);
        }
        if horizon_days.is_none() {
            refuse("renewal_horizon_days", Key::RmBadDays);
        }
        if escalation_days.is_none() {
            refuse("escalation_days", Key::RmBadDays);
        }
        if churn_reasons.is_empty() {
            fields.insert("churn_reasons".into(), Invalid::Required.message_en());
        }
        if !fields.is_empty() {
            errors.set(fields);
            return;
        }
        let req = UpdateReminderSettings {
            offsets_days,
            notify_customer: Some(notify.get_untracked()),
            renewal_horizon_days: horizon_days,
            escalation_days,
            churn_reasons: Some(churn_reasons),
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).send(
            async move { api::renewals::update_reminder_settings(&req).await },
            move |saved| {
                offsets.set(offsets_text(&saved.offsets_days));
                reasons.set(churn_reasons_text(&saved.churn_reasons, i.lang_untracked()));
                toasts.success(i.t(Key::RmSaved));
            },
        );
    };

    view! {
        <form class="card" on:submit=submit novalidate=true data-testid="reminders-form">
            <ErrorBanner failure testid="reminders-error" />
            <div class="form-grid">
                <TextField
                    id="reminder-offsets"
                    label=Key::RmOffsets
                    value=offsets
                    field="offsets_days"
                    errors
                    required=true
                    hint=i.signal(Key::RmOffsetsHint)
                />
                <TextField id="reminder-horizon" label=Key::RmHorizon value=horizon field="renewal_horizon_days" errors kind="number" required=true />
                <TextField id="reminder-escalation" label=Key::RmEscalation value=escalation field="escalation_days" errors kind="number" required=true />
            </div>
            <CheckField id="reminder-notify-customer" label=Key::RmNotifyCustomer value=notify />
            <TextArea
                id="reminder-churn-reasons"
                label=Key::RmChurnReasons
                value=reasons
                field="churn_reasons"
                errors
                rows=7
                required=true
                hint=i.signal(Key::RmChurnReasonsHint)
            />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="reminders-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
            </div>
        </form>
    }
}
