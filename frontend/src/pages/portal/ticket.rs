//! `/portal/tickets/{id}`: a ticket as its customer sees it: details, the
//! public conversation with a reply box, attachments, and once resolved the
//! 1–5 satisfaction rating. `/portal/tickets/{id}/satisfaction` (the link of
//! the satisfaction e-mail) is the same page with the rating in view.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use shared::tickets::{Attachment, Comment, CreateCommentRequest, PortalTicket, TicketStatus};
use shared::{ErrorCode, FieldErrors};
use wasm_bindgen::JsCast;

use crate::api::{self, ApiErr};
use crate::components::fields::ErrorBanner;
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{module_key, use_i18n, Key};
use crate::logic::portal::{can_rate, file_size, is_done, reply, satisfaction};
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::{category_key, priority_key, StatusBadge};
use crate::session::use_session;

#[component]
pub fn PortalTicketPage(id: i64, rate: bool) -> impl IntoView {
    let i = use_i18n();
    let ticket = load(move || api::portal::ticket(id));
    // Only loading, loaded or failed re-renders the page: a rating or a
    // reply updates the loaded ticket in place.
    let phase = Memo::new(move |_| {
        ticket.value.with(|v| match v {
            None => None,
            Some(Ok(_)) => Some(Ok(())),
            Some(Err(e)) => Some(Err(e.clone())),
        })
    });
    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/portal/tickets" data-testid="portal-ticket-back">{i.tr(Key::PtBackToTickets)}</a>
            </nav>
            {move || match phase.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) if e.is(ErrorCode::NotFound) => view! {
                    <div class="state" data-testid="portal-ticket-not-found">
                        <p>{i.tr(Key::TkNotFound)}</p>
                        <a class="btn" href="/portal/tickets">{i.tr(Key::PtBackToTickets)}</a>
                    </div>
                }
                .into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=ticket.reload /> }.into_any(),
                Some(Ok(())) => view! { <TicketView id ticket=ticket.value rate /> }.into_any(),
            }}
        </div>
    }
}

type TicketSlot = RwSignal<Option<Result<PortalTicket, ApiErr>>>;

/// The loaded ticket; its parts read it from `ticket` so a rating or a
/// reply (which may reopen it) updates them in place.
#[component]
fn TicketView(id: i64, ticket: TicketSlot, rate: bool) -> impl IntoView {
    let i = use_i18n();
    let current =
        Memo::new(move |_| ticket.with(|t| t.as_ref().and_then(|r| r.as_ref().ok()).cloned()));
    let Some(t) = current.get_untracked() else {
        return ().into_any();
    };
    let status = Memo::new(move |_| current.with(|t| t.as_ref().map(|t| t.status)));
    let set_ticket = Callback::new(move |t: PortalTicket| ticket.set(Some(Ok(t))));
    view! {
        <header class="page-header">
            <div>
                <p class="tk-number" data-testid="portal-ticket-number">{format!("#{}", t.number)}</p>
                <h1 data-testid="portal-ticket-heading">{t.subject.clone()}</h1>
            </div>
            <span data-testid="portal-ticket-status">
                {move || status.get().map(|s| view! { <StatusBadge status=s /> })}
            </span>
        </header>
        {t.merged_into_id.zip(t.merged_into_number).map(|(into, number)| {
            let number = number.to_string();
            view! {
                <div class="banner banner-warning" role="status" data-testid="portal-ticket-merged">
                    <p>{i.f(Key::PtMergedInto, &[&number])}</p>
                    <a class="btn" href=format!("/portal/tickets/{into}") data-testid="portal-ticket-merged-into">
                        {i.f(Key::PtOpenMerged, &[&number])}
                    </a>
                </div>
            }
        })}
        <div class="ticket-layout">
            <div class="stack">
                <section class="card" data-testid="portal-ticket-details">
                    <dl class="details">
                        <dt>{i.tr(Key::PtCompany)}</dt>
                        <dd data-testid="portal-ticket-company">{t.account_name.clone()}</dd>
                        <dt>{i.tr(Key::TkModule)}</dt>
                        <dd>{i.tr(module_key(t.module))}</dd>
                        <dt>{i.tr(Key::TkCategory)}</dt>
                        <dd>{i.tr(category_key(t.category))}</dd>
                        <dt>{i.tr(Key::TkPriority)}</dt>
                        <dd>{i.tr(priority_key(t.priority))}</dd>
                        <dt>{i.tr(Key::TkCreatedAt)}</dt>
                        <dd>{i.datetime_of(t.created_at)}</dd>
                        <dt>{i.tr(Key::Updated)}</dt>
                        <dd>{move || current.get().map(|t| i.datetime_of(t.updated_at)())}</dd>
                    </dl>
                    {(!t.description.trim().is_empty())
                        .then(|| {
                            view! {
                                <h2 class="h-small">{i.tr(Key::TkDescription)}</h2>
                                <p class="pre-wrap" data-testid="portal-ticket-description">{t.description.clone()}</p>
                            }
                        })}
                </section>
                <Rating current set_ticket rate />
                <Conversation id status set_ticket read_only=t.read_only />
            </div>
            <Attachments id read_only=t.read_only />
        </div>
    }
    .into_any()
}

/// The satisfaction rating: the widget while the requester may rate, the
/// given rating after.
#[component]
fn Rating(
    current: Memo<Option<PortalTicket>>,
    set_ticket: Callback<PortalTicket>,
    rate: bool,
) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let section = NodeRef::<html::Section>::new();
    // The e-mail's link: bring the rating (or why there is none) into view.
    if rate {
        // Once, when the section first appears.
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) {
                return true;
            }
            let Some(el) = section.get() else {
                return false;
            };
            {
                el.scroll_into_view();
                if let Some(button) = el
                    .query_selector("button")
                    .ok()
                    .flatten()
                    .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = button.focus();
                }
            }
            true
        });
    }
    let state = Memo::new(move |_| {
        let t = current.get()?;
        let me = session.user().map(|u| u.id);
        Some(match t.csat_rating {
            Some(r) => RatingState::Given(r),
            None if can_rate(&t, me) => RatingState::Open,
            None if is_done(t.status) => RatingState::NotRequester,
            None => RatingState::NotYet,
        })
    });
    move || {
        let s = state.get()?;
        if s == RatingState::NotYet && !rate {
            return None;
        }
        Some(view! {
            <section class="card" node_ref=section data-testid="rating-section" aria-labelledby="rating-title">
                <h2 id="rating-title">{i.tr(Key::PtRateTitle)}</h2>
                {match s {
                    RatingState::Given(r) => view! {
                        <p data-testid="rating-given" data-rating=r.to_string()>
                            <span class="stars" aria-hidden="true">{stars(r)}</span>
                            " "
                            {move || i.f(Key::PtRatedN, &[&r.to_string()])}
                        </p>
                    }
                    .into_any(),
                    RatingState::Open => view! { <RatingForm current set_ticket /> }.into_any(),
                    RatingState::NotRequester => {
                        view! { <p class="muted" data-testid="rating-not-requester">{i.tr(Key::PtRateRequesterOnly)}</p> }.into_any()
                    }
                    RatingState::NotYet => {
                        view! { <p class="muted" data-testid="rating-not-yet">{i.tr(Key::PtRateNotYet)}</p> }.into_any()
                    }
                }}
            </section>
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RatingState {
    Given(i32),
    Open,
    NotRequester,
    NotYet,
}

fn stars(rating: i32) -> String {
    (1..=5)
        .map(|n| if n <= rating { '★' } else { '☆' })
        .collect()
}

#[component]
fn RatingForm(
    current: Memo<Option<PortalTicket>>,
    set_ticket: Callback<PortalTicket>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let chosen = RwSignal::new(None::<i32>);
    let comment = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(id) = current.with_untracked(|t| t.as_ref().map(|t| t.id)) else {
            return;
        };
        let req = match satisfaction(chosen.get_untracked(), &comment.get_untracked()) {
            Ok(req) => req,
            Err(fields) => {
                errors.set(fields);
                return;
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).leaving().send(
            async move { api::portal::rate(id, &req).await },
            move |t| {
                toasts.success(i.t(Key::PtThanksRating));
                set_ticket.run(t);
            },
        );
    };
    view! {
        <form on:submit=submit novalidate=true data-testid="rating-form">
            <ErrorBanner failure testid="rating-error" />
            <p id="rating-question">{i.tr(Key::PtRateQuestion)}</p>
            <div class="rating" role="group" aria-labelledby="rating-question">
                {(1..=5)
                    .map(|n| {
                        view! {
                            <button
                                type="button"
                                class="rating-star"
                                class:on=move || chosen.get().is_some_and(|c| n <= c)
                                data-testid=format!("rating-{n}")
                                aria-pressed=move || if chosen.get() == Some(n) { "true" } else { "false" }
                                aria-label=move || i.f(Key::PtRateN, &[&n.to_string()])
                                on:click=move |_| {
                                    chosen.set(Some(n));
                                    errors.update(|e| {
                                        e.remove("rating");
                                    });
                                }
                            >
                                {n}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            {move || {
                errors
                    .with(|e| e.contains_key("rating"))
                    .then(|| view! { <p class="field-error" role="alert" data-testid="error-rating">{i.tr(Key::PtRatePick)}</p> })
            }}
            <TextArea id="rating-comment" label=Key::PtRateComment value=comment field="comment" errors rows=3 />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="rating-submit" disabled=busy>
                    {i.tr_when(busy, Key::TkSending, Key::PtRateSubmit)}
                </button>
            </div>
        </form>
    }
}

/// The public conversation and the reply box.
#[component]
fn Conversation(
    id: i64,
    status: Memo<Option<TicketStatus>>,
    set_ticket: Callback<PortalTicket>,
    /// Another company's ticket of the user's group: read, not answered.
    read_only: bool,
) -> impl IntoView {
    let i = use_i18n();
    let comments = load(move || api::portal::comments(id));
    let body = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let closed = move || status.get() == Some(TicketStatus::Closed);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = body.get_untracked();
        if let Err(fields) = reply(&text) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        let req = CreateCommentRequest {
            body: text.trim().to_string(),
            internal: false,
        };
        crate::task::spawn(async move {
            match api::portal::reply(id, &req).await {
                Ok(comment) => {
                    body.set(String::new());
                    comments.value.update(|c| {
                        if let Some(Ok(list)) = c {
                            list.push(comment);
                        }
                    });
                    // A reply may reopen the ticket: show its new status.
                    if let Ok(t) = api::portal::ticket(id).await {
                        set_ticket.run(t);
                    }
                }
                Err(err) => {
                    errors.set(err.fields());
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card" aria-labelledby="conversation-title" data-testid="conversation">
            <h2 id="conversation-title">{i.tr(Key::TkConversation)}</h2>
            {move || match comments.value.get() {
                None => view! { <p class="muted" data-testid="loading">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=comments.reload /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => {
                    view! { <p class="muted" data-testid="comments-empty">{i.tr(Key::PtNoReplies)}</p> }.into_any()
                }
                Some(Ok(list)) => view! {
                    <ol class="comments" data-testid="comments">
                        {list.into_iter().map(|c| view! { <CommentItem comment=c /> }).collect_view()}
                    </ol>
                }
                .into_any(),
            }}
            {move || {
                if read_only {
                    return view! {
                        <p class="muted" data-testid="reply-group-read-only">{i.tr(Key::PtGroupReadOnly)}</p>
                    }
                    .into_any();
                }
                if closed() {
                    return view! {
                        <p class="muted" data-testid="reply-closed">
                            {i.tr(Key::PtClosedNoReply)} " "
                            <a href="/portal/tickets/new">{i.tr(Key::PtNewTicket)}</a>
                        </p>
                    }
                    .into_any();
                }
                view! {
                    <form class="composer" on:submit=submit novalidate=true data-testid="reply-form">
                        <ErrorBanner failure testid="reply-error" />
                        <TextArea id="reply-body" label=Key::TkComposerLabel value=body field="body" errors rows=4 />
                        <div class="form-actions">
                            <button type="submit" class="btn btn-primary" data-testid="reply-submit" disabled=busy>
                                {i.tr_when(busy, Key::TkSending, Key::TkSend)}
                            </button>
                        </div>
                    </form>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn CommentItem(comment: Comment) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let mine = session
        .user()
        .is_some_and(|u| u.id == comment.author_user_id);
    view! {
        <li class="comment" class:comment-mine=mine data-testid="comment-item" data-comment-id=comment.id.to_string()>
            <p class="comment-head">
                <strong data-testid="comment-author">{comment.author_name}</strong>
                " · "
                <span class="muted">{i.datetime_of(comment.created_at)}</span>
            </p>
            <p class="pre-wrap comment-body" data-testid="comment-body">{comment.body}</p>
        </li>
    }
}

/// The ticket's files: list, download, upload.
#[component]
fn Attachments(id: i64, read_only: bool) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let files = load(move || api::attachments::of_portal_ticket(id));
    let failure = RwSignal::new(None::<ApiErr>);
    let uploading = RwSignal::new(false);

    let on_pick = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        failure.set(None);
        uploading.set(true);
        crate::task::spawn(async move {
            match api::attachments::portal_upload(id, &file).await {
                Ok(a) => {
                    toasts.success(i.f(Key::TkUploaded, &[&a.file_name]));
                    files.value.update(|f| {
                        if let Some(Ok(list)) = f {
                            list.push(a);
                        }
                    });
                }
                Err(err) => failure.set(Some(err)),
            }
            uploading.set(false);
        });
    };

    view! {
        <aside class="card" aria-labelledby="attachments-title" data-testid="attachments">
            <h2 id="attachments-title">{i.tr(Key::TkAttachments)}</h2>
            {move || match files.value.get() {
                None => view! { <p class="muted" data-testid="loading">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=files.reload /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => {
                    view! { <p class="muted" data-testid="attachments-empty">{i.tr(Key::TkNoAttachments)}</p> }.into_any()
                }
                Some(Ok(list)) => view! {
                    <ul class="plain-list">
                        {list.into_iter().map(|a| view! { <AttachmentItem attachment=a failure /> }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            <ErrorBanner failure testid="attachment-error" />
            // The input comes first so the label (the visible button) can
            // show its keyboard focus (`.upload` in style.css).
            <div class="field upload" hidden=read_only>
                <input
                    type="file"
                    id="attachment-upload"
                    data-testid="attachment-upload"
                    class="visually-hidden"
                    disabled=uploading
                    on:change=on_pick
                />
                <label for="attachment-upload" class="btn upload-button">
                    {i.tr_when(uploading, Key::TkUploading, Key::TkUpload)}
                </label>
                <p class="field-hint">{i.tr(Key::TkAttachmentHint)}</p>
            </div>
        </aside>
    }
}

#[component]
fn AttachmentItem(attachment: Attachment, failure: RwSignal<Option<ApiErr>>) -> impl IntoView {
    let i = use_i18n();
    let busy = RwSignal::new(false);
    let size = file_size(attachment.size_bytes);
    let name = attachment.file_name.clone();
    let stored = StoredValue::new(attachment);
    let download = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            let a = stored.get_value();
            if let Err(err) = api::attachments::portal_download(&a).await {
                failure.set(Some(err));
            }
            busy.set(false);
        });
    };
    view! {
        <li class="attachment" data-testid="attachment-item">
            <span class="attachment-name" data-testid="attachment-name">{name}</span>
            <span class="muted">{size}</span>
            <button
                type="button"
                class="btn btn-small"
                data-testid="attachment-download"
                disabled=busy
                on:click=download
            >
                {i.tr(Key::TkDownload)}
            </button>
        </li>
    }
}
