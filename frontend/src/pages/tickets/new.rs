//! `/tickets/new`: staff open a ticket for an account (`?account_id=`
//! preselects one). The server routes it to the module's owner and sets its
//! SLA due times.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::tickets::{CreateTicketRequest, TicketCategory, TicketPriority};
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{clear_error, ErrorBanner, FieldError, TextField};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::tickets::check_new_ticket;
use crate::pages::tickets::common::{
    category_choices, module_choices, priority_choices, AccountSearch, Accounts, ChoiceSelect,
};
use crate::router::{navigate, query_param};

#[component]
pub fn NewTicketPage() -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let accounts = Accounts::load();
    let account = RwSignal::new(query_param("account_id").and_then(|v| v.parse::<i64>().ok()));
    // Whether the chosen account's agreement covers the ticket: one outside
    // it is still logged, marked, without SLA; say so before saving.
    let cover = RwSignal::new(None::<(i64, shared::service_levels::AccountEntitlement)>);
    Effect::new(move |_| {
        if let Some(id) = account.get() {
            crate::task::spawn(async move {
                if let Ok(e) = api::service_levels::account_entitlement(id).await {
                    if account.get_untracked() == Some(id) {
                        cover.set(Some((id, e)));
                    }
                }
            });
        }
    });
    let outside = move || {
        cover
            .get()
            .filter(|(id, e)| Some(*id) == account.get() && !e.covered)
            .map(|(_, e)| e)
    };
    let module = RwSignal::new(String::new());
    let category = RwSignal::new(TicketCategory::Question.as_str().to_string());
    let priority = RwSignal::new(TicketPriority::P3.as_str().to_string());
    let subject = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    // The account's installations, and the one the ticket is about.
    let installations = RwSignal::new(Vec::<shared::installed_base::Installation>::new());
    let installation = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        let chosen = account.get();
        installation.set(None);
        installations.set(Vec::new());
        if let Some(account_id) = chosen {
            crate::task::spawn(async move {
                if let Ok(list) = api::installed_base::list(account_id).await {
                    // Only if the account is still the chosen one.
                    if account.get_untracked() == Some(account_id) {
                        installations.set(list);
                    }
                }
            });
        }
    });
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (account_id, module_text) = (account.get_untracked(), module.get_untracked());
        let (subject_text, description_text) =
            (subject.get_untracked(), description.get_untracked());
        if let Err(fields) =
            check_new_ticket(account_id, &module_text, &subject_text, &description_text)
        {
            errors.set(fields);
            return;
        }
        let (Some(account_id), Ok(module), Ok(category), Ok(priority)) = (
            account_id,
            module_text.parse(),
            category.get_untracked().parse(),
            priority.get_untracked().parse(),
        ) else {
            return;
        };
        let req = CreateTicketRequest {
            account_id,
            module,
            category,
            priority,
            subject: subject_text.trim().to_string(),
            description: description_text.trim().to_string(),
            requester_user_id: None,
            installation_id: installation.get_untracked(),
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).leaving().send(
            async move { api::tickets::create(&req).await },
            move |ticket| {
                toasts.success(i.f(Key::TkCreated, &[&ticket.number.to_string()]));
                navigate(&format!("/tickets/{}", ticket.id));
            },
        );
    };

    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/tickets" data-testid="back-to-tickets">{i.tr(Key::TkNav)}</a>
            </nav>
            <form class="card form-card" on:submit=submit novalidate=true data-testid="new-ticket-form">
                <h1>{i.tr(Key::TkNew)}</h1>
                <ErrorBanner failure testid="ticket-form-error" />
                <div class="form-grid">
                    <div class="field" class:has-error=move || errors.with(|e| e.contains_key("account_id"))>
                        <label for="ticket-account">
                            {i.tr(Key::TkAccount)}
                            <span class="required" aria-hidden="true">" *"</span>
                        </label>
                        <AccountSearch accounts testid="ticket-account-search" />
                        <select
                            id="ticket-account"
                            data-testid="ticket-account"
                            aria-required="true"
                            on:change=move |ev| {
                                account.set(event_target_value(&ev).parse().ok());
                                clear_error(errors, "account_id");
                            }
                        >
                            <option value="" prop:selected=move || account.get().is_none()>
                                {i.tr(Key::TkChooseAccount)}
                            </option>
                            {move || {
                                accounts
                                    .options()
                                    .into_iter()
                                    .map(|(id, name)| {
                                        view! {
                                            <option value=id.to_string() prop:selected=move || account.get() == Some(id)>
                                                {name}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </select>
                        <FieldError errors field="account_id" id="ticket-account-error".to_string() />
                        {move || outside().map(|e| {
                            let reason = e.reason.map(|r| r.as_str()).unwrap_or_default();
                            view! {
                                <p class="banner banner-warning" role="status" data-testid="ticket-outside-warning" data-reason=reason>
                                    <strong>{i.tr(Key::TkOutsideAgreement)}</strong>
                                    " — "
                                    {i.tr(Key::TkOutsideWarning)}
                                </p>
                            }
                        })}
                    </div>
                    <div>
                        <ChoiceSelect
                            id="ticket-module"
                            label=Key::TkModule
                            choices=module_choices()
                            any=Key::TkChooseModule
                            value=module.into()
                            on_pick=Callback::new(move |v| {
                                module.set(v);
                                clear_error(errors, "module");
                            })
                        />
                        <FieldError errors field="module" id="ticket-module-error".to_string() />
                    </div>
                    <ChoiceSelect
                        id="ticket-category"
                        label=Key::TkCategory
                        choices=category_choices()
                        value=category.into()
                        on_pick=Callback::new(move |v| category.set(v))
                    />
                    <ChoiceSelect
                        id="ticket-priority"
                        label=Key::TkPriority
                        choices=priority_choices()
                        value=priority.into()
                        on_pick=Callback::new(move |v| priority.set(v))
                    />
                </div>
                {move || (!installations.with(Vec::is_empty)).then(|| view! {
                    <div class="field" class:has-error=move || errors.with(|e| e.contains_key("installation_id"))>
                        <label for="ticket-installation">{i.tr(Key::IbTicketInstallation)}</label>
                        <select id="ticket-installation" data-testid="ticket-installation"
                            on:change=move |ev| {
                                installation.set(event_target_value(&ev).parse().ok());
                                clear_error(errors, "installation_id");
                            }>
                            <option value="" prop:selected=move || installation.get().is_none()>{i.tr(Key::IbNoInstallation)}</option>
                            {installations.get().into_iter().map(|x| {
                                let id = x.id;
                                let label = format!("{} · {} {} {}", x.site, x.product, x.version, x.patch_level);
                                view! { <option value=id.to_string() prop:selected=move || installation.get() == Some(id)>{label.trim().to_string()}</option> }
                            }).collect_view()}
                        </select>
                        <FieldError errors field="installation_id" id="ticket-installation-error".to_string() />
                    </div>
                })}
                <TextField id="ticket-subject" label=Key::TkSubject value=subject field="subject" errors required=true />
                <div class="field" class:has-error=move || errors.with(|e| e.contains_key("description"))>
                    <label for="ticket-description">{i.tr(Key::TkDescription)}</label>
                    <textarea
                        id="ticket-description"
                        data-testid="ticket-description"
                        rows="6"
                        prop:value=move || description.get()
                        on:input=move |ev| {
                            description.set(event_target_value(&ev));
                            clear_error(errors, "description");
                        }
                    ></textarea>
                    <FieldError errors field="description" id="ticket-description-error".to_string() />
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" data-testid="ticket-submit" disabled=busy>
                        {i.tr_when(busy, Key::Saving, Key::TkCreate)}
                    </button>
                    <a class="btn btn-ghost" href="/tickets" data-testid="ticket-cancel">{i.tr(Key::Cancel)}</a>
                </div>
            </form>
        </div>
    }
}
