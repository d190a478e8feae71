//! `/portal/tickets/new`: raising a ticket, "checking the manual first".
//! While the subject is typed (300 ms after the last keystroke, from two
//! characters) the form asks the knowledge base for public articles that
//! answer the sentence, those of the chosen module first, and lists them;
//! one opens in a panel beside the form. The ticket records whether
//! suggestions were shown and whether one was opened. The module list holds
//! the account's licensed modules, and none is chosen for the customer.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::kb::PortalKbArticle;
use shared::{ErpModule, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{clear_error, ErrorBanner, FieldError, TextField};
use crate::components::load::load;
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::components::url_filter::Debouncer;
use crate::i18n::{module_key, use_i18n, Key};
use crate::logic::portal::{
    suggest_text, ticket_modules, NewTicket, SUGGEST_DEBOUNCE, SUGGEST_LIMIT,
};
use crate::pages::portal::common::{ArticleBody, TextArea};
use crate::pages::tickets::common::{category_choices, priority_choices, ChoiceSelect};
use crate::router::navigate;

/// The article opened from a suggestion: loading, or loaded (or failed).
type Opened = Option<(i64, Option<Result<PortalKbArticle, ApiErr>>)>;

#[component]
pub fn PortalNewTicketPage() -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let defaults = NewTicket::default();
    // "" until the customer picks one of their account's modules.
    let module = RwSignal::new(String::new());
    let account = load(api::portal::account);
    // Outside its agreement the account cannot open a ticket here: the page
    // says why and whom to contact instead of showing the form.
    let entitlement = load(api::portal::entitlement);
    let refused = Signal::derive(move || match entitlement.value.get() {
        Some(Ok(e)) if !e.can_open_tickets => Some(e),
        _ => None,
    });
    let modules = Signal::derive(move || match account.value.get() {
        Some(Ok(a)) => ticket_modules(&a.modules),
        // Unknown yet (or not loadable): every module, so no one is stuck.
        _ => ErpModule::ALL.to_vec(),
    });
    // The account's installations (none: no picker); the ticket keeps the
    // version of the one chosen.
    let installations = load(api::installed_base::portal_list);
    let installation = RwSignal::new(None::<i64>);
    let category = RwSignal::new(defaults.category.as_str().to_string());
    let priority = RwSignal::new(defaults.priority.as_str().to_string());
    let subject = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let suggestions = RwSignal::new(Vec::<PortalKbArticle>::new());
    let searching = RwSignal::new(false);
    let shown = RwSignal::new(false);
    let opened_any = RwSignal::new(false);
    let opened = RwSignal::new(None as Opened);
    // Answers to an older search are dropped.
    let generation = StoredValue::new(0u64);
    let debounce = Debouncer::new();

    let search = move || {
        // Whatever is in flight is out of date now.
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let Some(text) = suggest_text(&subject.get_untracked()) else {
            searching.set(false);
            suggestions.set(Vec::new());
            return;
        };
        let m = module.get_untracked().parse::<ErpModule>().ok();
        searching.set(true);
        crate::task::spawn(async move {
            let result = api::kb::portal_suggest(&text, m, SUGGEST_LIMIT).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            searching.set(false);
            // A failed suggestion is no reason to stop the customer: no list.
            let found = result.map(|p| p.items).unwrap_or_default();
            if !found.is_empty() {
                shown.set(true);
            }
            suggestions.set(found);
        });
    };
    let schedule = move || debounce.run(SUGGEST_DEBOUNCE, search);
    // Every change of the subject (typing) waits for a pause, then searches.
    Effect::new(move |first: Option<()>| {
        subject.track();
        if first.is_some() {
            schedule();
        }
    });

    let open = move |id: i64| {
        opened_any.set(true);
        opened.set(Some((id, None)));
        crate::task::spawn(async move {
            let result = api::kb::portal_article(id).await;
            opened.update(|o| {
                if let Some((at, slot)) = o {
                    if *at == id {
                        *slot = Some(result);
                    }
                }
            });
        });
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = NewTicket {
            module: module.get_untracked().parse().ok(),
            category: category
                .get_untracked()
                .parse()
                .unwrap_or(defaults.category),
            priority: priority
                .get_untracked()
                .parse()
                .unwrap_or(defaults.priority),
            subject: subject.get_untracked(),
            description: description.get_untracked(),
            suggestions_shown: shown.get_untracked(),
            article_opened: opened_any.get_untracked(),
            installation_id: installation.get_untracked(),
        };
        let req = match form.request() {
            Ok(req) => req,
            Err(fields) => {
                errors.set(fields);
                return;
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).leaving().send(
            async move { api::portal::create_ticket(&req).await },
            move |ticket| {
                toasts.success(i.f(Key::TkCreated, &[&ticket.number.to_string()]));
                navigate(&format!("/portal/tickets/{}", ticket.id));
            },
        );
    };

    view! {
        <div class="page">
            <header class="page-header">
                <div>
                    <h1 data-testid="new-ticket-heading">{i.tr(Key::PtNewTicket)}</h1>
                    <p class="muted">{i.tr(Key::PtNewTicketIntro)}</p>
                </div>
                <a class="btn btn-ghost" href="/portal/tickets" data-testid="new-ticket-back">
                    {i.tr(Key::PtBackToTickets)}
                </a>
            </header>
            {move || refused.get().map(|e| view! { <NotEntitled entitlement=e /> })}
            <div class="ticket-layout" hidden=move || refused.with(Option::is_some)>
                <form class="card form-card" on:submit=submit novalidate=true data-testid="new-ticket-form">
                    <ErrorBanner failure testid="new-ticket-error" />
                    <div class="form-grid">
                        <ModulePicker
                            modules
                            value=module
                            errors
                            on_pick=Callback::new(move |v| {
                                module.set(v);
                                schedule();
                            })
                        />
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
                        {move || {
                            let list = installations.ok().unwrap_or_default();
                            (!list.is_empty()).then(|| view! {
                                <div class="field" class:has-error=move || errors.with(|e| e.contains_key("installation_id"))>
                                    <label for="ticket-installation">{i.tr(Key::IbTicketInstallation)}</label>
                                    <select id="ticket-installation" data-testid="ticket-installation"
                                        on:change=move |ev| {
                                            installation.set(event_target_value(&ev).parse().ok());
                                            clear_error(errors, "installation_id");
                                        }>
                                        <option value="" prop:selected=move || installation.get().is_none()>{i.tr(Key::IbNoInstallation)}</option>
                                        {list.into_iter().map(|x| {
                                            let id = x.id;
                                            let label = format!("{} · {} {} {}", x.site, x.product, x.version, x.patch_level);
                                            view! { <option value=id.to_string() prop:selected=move || installation.get() == Some(id)>{label.trim().to_string()}</option> }
                                        }).collect_view()}
                                    </select>
                                    <FieldError errors field="installation_id" id="ticket-installation-error".to_string() />
                                </div>
                            })
                        }}
                    </div>
                    <TextField
                        id="ticket-subject"
                        label=Key::TkSubject
                        value=subject
                        field="subject"
                        errors
                        required=true
                        autocomplete="off"
                        hint=i.signal(Key::PtSubjectHint)
                    />
                    {move || {
                        let items = suggestions.get();
                        (!items.is_empty())
                            .then(|| {
                                view! {
                                    <section class="suggestions" aria-live="polite" data-testid="kb-suggestions">
                                        <h2 class="suggestions-title">{i.tr(Key::PtSuggestionsTitle)}</h2>
                                        <ul>
                                            {items
                                                .into_iter()
                                                .map(|a| {
                                                    let id = a.id;
                                                    view! {
                                                        <li>
                                                            <button
                                                                type="button"
                                                                class="suggestion"
                                                                data-testid="kb-suggestion"
                                                                data-article-id=id.to_string()
                                                                on:click=move |_| open(id)
                                                            >
                                                                <strong>{a.title}</strong>
                                                                <span class="muted">{a.excerpt}</span>
                                                            </button>
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ul>
                                    </section>
                                }
                            })
                    }}
                    {move || {
                        searching
                            .get()
                            .then(|| {
                                view! {
                                    <p class="field-hint" data-testid="kb-suggestions-loading">
                                        {i.tr(Key::PtLookingInManual)}
                                    </p>
                                }
                            })
                    }}
                    <TextArea
                        id="ticket-description"
                        label=Key::TkDescription
                        value=description
                        field="description"
                        errors
                        rows=8
                        hint=i.signal(Key::PtDescriptionHint)
                    />
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" data-testid="ticket-submit" disabled=busy>
                            {i.tr_when(busy, Key::TkSending, Key::PtSubmitTicket)}
                        </button>
                    </div>
                </form>
                {move || opened.get().map(|(_, state)| view! { <ArticlePanel state opened /> })}
            </div>
        </div>
    }
}

/// Why the account cannot open a ticket here (no agreement in force, or a
/// level without tickets or without the portal), in the user's language,
/// and the owner to write to.
#[component]
fn NotEntitled(entitlement: shared::service_levels::PortalEntitlement) -> impl IntoView {
    let i = use_i18n();
    let message = entitlement.message.clone();
    let reason = entitlement.reason.map(|r| r.as_str()).unwrap_or_default();
    let text = move || {
        message
            .as_ref()
            .and_then(|m| crate::i18n::server_text(m, i.lang()))
            .unwrap_or_default()
    };
    view! {
        <section class="card banner banner-warning" role="status" data-testid="ticket-not-entitled" data-reason=reason>
            <h2>{i.tr(Key::PtNotEntitledTitle)}</h2>
            <p data-testid="ticket-not-entitled-message">{text}</p>
            {entitlement.contact.map(|c| {
                let label = c.name.clone();
                view! {
                    <p>
                        <a class="btn" href=format!("mailto:{}", c.email) data-testid="ticket-not-entitled-contact">
                            {move || i.f(Key::PtWriteTo, &[&label])}
                        </a>
                    </p>
                }
            })}
        </section>
    }
}

/// The module select: "请选择" first, then the account's licensed modules;
/// required.
#[component]
fn ModulePicker(
    modules: Signal<Vec<ErpModule>>,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    on_pick: Callback<String>,
) -> impl IntoView {
    let i = use_i18n();
    let has_error = move || errors.with(|e| e.contains_key("module"));
    view! {
        <div class="field" class:has-error=has_error>
            <label for="ticket-module">
                {i.tr(Key::TkModule)}
                <span class="required" aria-hidden="true">" *"</span>
            </label>
            <select
                id="ticket-module"
                name="module"
                data-testid="ticket-module"
                aria-required="true"
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=move || has_error().then_some("ticket-module-error")
                on:change=move |ev| {
                    clear_error(errors, "module");
                    on_pick.run(event_target_value(&ev));
                }
            >
                <option value="" prop:selected=move || value.with(String::is_empty)>
                    {i.tr(Key::PtChooseModule)}
                </option>
                {move || {
                    modules
                        .get()
                        .into_iter()
                        .map(|m| {
                            let v = m.as_str();
                            view! {
                                <option value=v prop:selected=move || value.with(|x| x == v)>
                                    {i.tr(module_key(m))}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
            <FieldError errors field="module" id=String::from("ticket-module-error") />
        </div>
    }
}

/// The article a suggestion opened, beside the form.
#[component]
fn ArticlePanel(
    state: Option<Result<PortalKbArticle, ApiErr>>,
    opened: RwSignal<Opened>,
) -> impl IntoView {
    let i = use_i18n();
    let body = match state {
        None => view! { <p class="muted" data-testid="loading">{i.tr(Key::Loading)}</p> }.into_any(),
        Some(Err(e)) => view! {
            <div class="banner banner-error" role="alert" data-testid="kb-article-error">{i.error_of(e)}</div>
        }
        .into_any(),
        Some(Ok(a)) => view! {
            <h2 data-testid="kb-article-title">{a.title}</h2>
            <ArticleBody body_html=a.body_html faq=a.faq />
            <p class="muted">{i.tr(Key::PtSolvedHint)}</p>
        }
        .into_any(),
    };
    view! {
        <aside class="card article-panel" data-testid="kb-article-panel" aria-label=i.tr(Key::PtArticle)>
            <div class="section-header">
                <span class="muted">{i.tr(Key::PtArticle)}</span>
                <button
                    type="button"
                    class="btn btn-ghost btn-small"
                    data-testid="kb-article-close"
                    on:click=move |_| opened.set(None)
                >
                    {i.tr(Key::Dismiss)}
                </button>
            </div>
            {body}
        </aside>
    }
}
