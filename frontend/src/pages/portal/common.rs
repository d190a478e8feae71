//! What the portal's ticket and knowledge-base pages (and the staff
//! knowledge base) share: the frame that picks the portal page, the names of
//! the knowledge base's vocabularies, a `<textarea>` field and an article's
//! rendered body. The ticket vocabularies, their badge and `ChoiceSelect`
//! are the staff ticket pages' (`pages::tickets::common`).

use leptos::prelude::*;
use shared::kb::{FaqEntry, KbStatus, KbVisibility};
use shared::FieldErrors;

use crate::components::fields::{clear_error, with_code, FieldError};
use crate::components::guard::{Audience, Guard};
use crate::components::shell::PortalShell;
use crate::i18n::{use_i18n, Key};
use crate::pages::not_found::NotFoundPage;
use crate::pages::portal::kb::{PortalArticlePage, PortalKbPage};
use crate::pages::portal::success_plans::PortalPlansPage;
use crate::pages::portal::ticket::PortalTicketPage;
use crate::pages::portal::ticket_new::PortalNewTicketPage;
use crate::pages::portal::tickets::PortalTicketsPage;
use crate::pages::portal::time::PortalTimePage;
use crate::router::Route;

/// The portal's ticket and knowledge-base pages, for portal users only.
#[component]
pub fn PortalLayout(route: Route) -> impl IntoView {
    view! {
        <Guard audience=Audience::Portal>
            <PortalShell>
                {match route {
                    Route::PortalTickets => view! { <PortalTicketsPage /> }.into_any(),
                    Route::PortalNewTicket => view! { <PortalNewTicketPage /> }.into_any(),
                    Route::PortalTicket(id) => view! { <PortalTicketPage id rate=false /> }.into_any(),
                    Route::PortalRate(id) => view! { <PortalTicketPage id rate=true /> }.into_any(),
                    Route::PortalKb => view! { <PortalKbPage /> }.into_any(),
                    Route::PortalKbArticle(id) => view! { <PortalArticlePage id /> }.into_any(),
                    Route::PortalPlans => view! { <PortalPlansPage /> }.into_any(),
                    Route::PortalTime => view! { <PortalTimePage /> }.into_any(),
                    Route::PortalVisits => view! { <crate::pages::portal::visits::PortalVisitsPage /> }.into_any(),
                    Route::PortalVisit(id) => view! { <crate::pages::portal::visits::PortalVisitPage id /> }.into_any(),
                    _ => view! { <NotFoundPage /> }.into_any(),
                }}
            </PortalShell>
        </Guard>
    }
}

pub fn visibility_key(visibility: KbVisibility) -> Key {
    match visibility {
        KbVisibility::Public => Key::KbPublic,
        KbVisibility::Internal => Key::KbInternal,
    }
}

pub fn kb_status_key(status: KbStatus) -> Key {
    match status {
        KbStatus::Draft => Key::KbDraft,
        KbStatus::Published => Key::KbPublished,
        KbStatus::Archived => Key::KbArchivedStatus,
    }
}

/// `(value, label)` pairs for `ChoiceSelect`.
pub type Choices = Vec<(&'static str, Key)>;

pub fn visibility_choices() -> Choices {
    KbVisibility::ALL
        .iter()
        .map(|v| (v.as_str(), visibility_key(*v)))
        .collect()
}

pub fn kb_status_choices() -> Choices {
    KbStatus::ALL
        .iter()
        .map(|s| (s.as_str(), kb_status_key(*s)))
        .collect()
}

/// A labelled `<textarea>` bound to `value`, with its inline error.
#[component]
pub fn TextArea(
    /// DOM id, also the `data-testid`.
    id: &'static str,
    label: Key,
    value: RwSignal<String>,
    /// The API's name of the field, for its errors.
    field: &'static str,
    errors: RwSignal<FieldErrors>,
    #[prop(default = 5)] rows: u32,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional)] mono: bool,
) -> impl IntoView {
    let i = use_i18n();
    let error_id = format!("{id}-error");
    let has_error = move || errors.with(|e| e.contains_key(field));
    let described = error_id.clone();
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id>
                {i.tr(label)}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            <textarea
                id=id
                name=field
                data-testid=id
                rows=rows
                class:mono=mono
                aria-required=required.then_some("true")
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=move || has_error().then(|| described.clone())
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    clear_error(errors, field);
                }
            ></textarea>
            {hint.map(|hint| view! { <p class="field-hint">{move || with_code(&hint.get())}</p> })}
            <FieldError errors field id=error_id />
        </div>
    }
}

/// An article's body as the server rendered it. `body_html` is produced by
/// the server's Markdown renderer, which escapes raw HTML and drops unsafe
/// link schemes, so it may be inserted as HTML.
#[component]
pub fn ArticleBody(body_html: String, faq: Vec<FaqEntry>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="article-body" data-testid="kb-article-body" inner_html=body_html></div>
        {(!faq.is_empty())
            .then(|| {
                view! {
                    <section class="article-faq" data-testid="kb-faq">
                        <h3>{i.tr(Key::KbFaq)}</h3>
                        <dl>
                            {faq
                                .into_iter()
                                .map(|e| {
                                    view! {
                                        <dt>{e.question}</dt>
                                        <dd>{e.answer}</dd>
                                    }
                                })
                                .collect_view()}
                        </dl>
                    </section>
                }
            })}
    }
}
