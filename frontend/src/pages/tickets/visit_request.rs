//! The form that requests an on-site visit (上门服务) from a ticket, on the
//! ticket page; the visit's own page is `pages::onboarding::visit`.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::visits::{validate_request, RequestVisit, VisitSlot};
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::submit::Submit;
use crate::i18n::{use_i18n, Key};
use crate::logic::account_form::opt_text;
use crate::pages::onboarding::visit::slot_key;
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::ChoiceSelect;
use crate::router::navigate;

fn slot_choices() -> Vec<(&'static str, Key)> {
    VisitSlot::ALL
        .iter()
        .map(|s| (s.as_str(), slot_key(*s)))
        .collect()
}

/// Requests a visit from a ticket (or an onboarding task), then opens it.
#[component]
pub fn RequestVisitForm(
    #[prop(optional)] ticket_id: Option<i64>,
    #[prop(optional)] onboarding_task_id: Option<i64>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let date = RwSignal::new(String::new());
    let slot = RwSignal::new(VisitSlot::Morning.as_str().to_string());
    let purpose = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let day = chrono::NaiveDate::parse_from_str(date.get_untracked().trim(), "%Y-%m-%d").ok();
        let slot = slot.get_untracked().parse::<VisitSlot>().ok();
        let (Some(visit_date), Some(slot)) = (day, slot) else {
            let mut f = FieldErrors::new();
            f.insert(
                "visit_date".into(),
                shared::validation::Invalid::Required.message_en(),
            );
            errors.set(f);
            return;
        };
        let req = RequestVisit {
            ticket_id,
            onboarding_task_id,
            visit_date,
            slot,
            purpose: purpose.get_untracked(),
            address: opt_text(&address.get_untracked()),
            internal_note: opt_text(&note.get_untracked()),
        };
        if let Err(f) = validate_request(&req) {
            errors.set(f);
            return;
        }
        errors.set(FieldErrors::new());
        Submit::new(busy, errors, failure)
            .leaving()
            .send(async move { api::visits::request(&req).await }, move |v| {
                navigate(&format!("/visits/{}", v.id))
            });
    };
    view! {
        <form class="card inline-form" on:submit=submit novalidate=true data-testid="visit-request-form">
            <h2>{i.tr(Key::ViRequest)}</h2>
            <ErrorBanner failure testid="visit-request-error" />
            <div class="form-grid">
                <TextField id="visit-date" label=Key::ViDate value=date field="visit_date" errors kind="date" required=true />
                <ChoiceSelect id="visit-slot" label=Key::ViSlot choices=slot_choices() value=Signal::derive(move || slot.get()) on_pick=Callback::new(move |v| slot.set(v)) />
                <TextField id="visit-address" label=Key::ViAddress value=address field="address" errors />
            </div>
            <TextArea id="visit-purpose" label=Key::ViPurpose value=purpose field="purpose" errors rows=3 required=true />
            <TextArea id="visit-note" label=Key::ViInternalNote value=note field="internal_note" errors rows=2 />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="visit-request-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::ViSubmitRequest)}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| on_cancel.run(())>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

/// The ticket's on-site visits and the button that requests one.
#[component]
pub fn TicketVisits(ticket_id: i64) -> impl IntoView {
    let i = use_i18n();
    let requesting = RwSignal::new(false);
    let visits = crate::components::load::load(move || api::visits::of_ticket(ticket_id));
    view! {
        <section class="card" aria-labelledby="ticket-visits-title" data-testid="ticket-visits">
            <h2 id="ticket-visits-title">{i.tr(Key::TlGroupVisits)}</h2>
            {move || match visits.value.get() {
                None => view! { <crate::components::states::Loading /> }.into_any(),
                Some(Err(e)) => view! { <p class="text-error">{i.error_of(e)}</p> }.into_any(),
                Some(Ok(page)) if page.items.is_empty() => {
                    view! { <p class="muted">{i.tr(Key::ViNone)}</p> }.into_any()
                }
                Some(Ok(page)) => view! {
                    <ul class="plain-list">
                        {page
                            .items
                            .into_iter()
                            .map(|v| view! {
                                <li>
                                    <a href=format!("/visits/{}", v.id) data-testid="ticket-visit">
                                        {format!("#{} {} ", v.id, v.visit_date)}
                                        {i.tr(slot_key(v.slot))}
                                    </a>
                                </li>
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            {move || {
                if requesting.get() {
                    view! {
                        <RequestVisitForm ticket_id on_cancel=Callback::new(move |_| requesting.set(false)) />
                    }
                    .into_any()
                } else {
                    view! {
                        <button type="button" class="btn" data-testid="visit-request" on:click=move |_| requesting.set(true)>
                            {i.tr(Key::ViRequest)}
                        </button>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}
