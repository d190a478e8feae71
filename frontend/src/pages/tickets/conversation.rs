//! A ticket's conversation (public replies and internal notes, and the
//! composer with its public/internal switch) and its attachments.

use leptos::prelude::*;
use shared::tickets::{Attachment, Comment};
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::load::load;
use crate::components::states::ErrorState;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::portal::file_size;
use crate::logic::tickets::check_text;
use crate::pages::tickets::common::{action_error, ActionError};
use crate::pages::tickets::detail::{Current, COMMENT_MAX};

#[component]
pub fn ConversationSection(cur: Current) -> impl IntoView {
    let i = use_i18n();
    let id = cur.id;
    let comments = load(move || api::tickets::comments(id));
    view! {
        <section class="card" aria-labelledby="conversation-title" data-testid="ticket-conversation">
            <h2 id="conversation-title">{i.tr(Key::TkConversation)}</h2>
            {move || match comments.value.get() {
                None => view! { <p class="muted" role="status">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=comments.reload /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => {
                    view! { <p class="muted" data-testid="comments-empty">{i.tr(Key::TkNoComments)}</p> }.into_any()
                }
                Some(Ok(list)) => view! {
                    <ol class="comments" data-testid="comments">
                        {list.into_iter().map(|c| view! { <CommentItem comment=c /> }).collect_view()}
                    </ol>
                }
                .into_any(),
            }}
            <Composer
                cur
                on_sent=Callback::new(move |c: Comment| {
                    comments.value.update(|v| {
                        if let Some(Ok(list)) = v {
                            list.push(c);
                        }
                    });
                })
            />
        </section>
    }
}

#[component]
fn CommentItem(comment: Comment) -> impl IntoView {
    let i = use_i18n();
    let internal = comment.internal;
    let by_mail = comment.via == "email";
    // Staff may open the mail as it arrived (the portal's comments carry
    // the id too, but only staff are served the original).
    let original = comment.inbound_message_id.filter(|_| by_mail);
    view! {
        <li
            class="comment"
            class:comment-internal=internal
            data-testid="comment"
            data-comment-id=comment.id.to_string()
            data-internal=internal.to_string()
        >
            <header class="comment-head">
                <strong>{comment.author_name}</strong>
                <time class="muted">{i.datetime_of(comment.created_at)}</time>
                {if internal {
                    view! { <span class="badge tk-internal" data-testid="internal-label">{i.tr(Key::TkInternalNote)}</span> }
                        .into_any()
                } else {
                    view! { <span class="badge badge-muted" data-testid="public-label">{i.tr(Key::TkPublicReply)}</span> }
                        .into_any()
                }}
                {by_mail.then(|| view! { <span class="badge" data-testid="email-label">"✉ "{i.tr(Key::TkViaEmail)}</span> })}
                {original.map(|id| view! { <OriginalMailButton id /> })}
            </header>
            <p class="comment-body pre-wrap" data-testid="comment-body-text">{comment.body}</p>
        </li>
    }
}

/// Saves the comment's original mail (`.eml`), fetched with the session.
#[component]
fn OriginalMailButton(id: i64) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let open = move |_| {
        crate::task::spawn(async move {
            if let Err(e) = api::mail_in::download_original(id).await {
                toasts.error(action_error(i, &e));
            }
        });
    };
    view! {
        <button type="button" class="btn btn-link" data-testid="original-mail" on:click=open>
            {i.tr(Key::TkOriginalMail)}
        </button>
    }
}

#[component]
fn Composer(cur: Current, on_sent: Callback<Comment>) -> impl IntoView {
    let i = use_i18n();
    let body = RwSignal::new(String::new());
    let internal = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = body.get_untracked();
        if check_text("body", &text, COMMENT_MAX).is_err() {
            failure.set(Some(i.t(Key::TkEmptyComment).to_string()));
            return;
        }
        let note = internal.get_untracked();
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::tickets::add_comment(cur.id, text.trim().to_string(), note).await {
                Ok(c) => {
                    body.set(String::new());
                    on_sent.run(c);
                    // A reply may answer the first-response target or reopen.
                    cur.refresh();
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form
            class="composer"
            class:composer-internal=internal
            on:submit=submit
            novalidate=true
            data-testid="composer"
            data-internal=move || internal.get().to_string()
        >
            <ActionError failure testid="comment-error" />
            <div class="field">
                <label for="comment-body">{i.tr(Key::TkComposerLabel)}</label>
                <textarea
                    id="comment-body"
                    data-testid="comment-body"
                    rows="4"
                    prop:value=move || body.get()
                    on:input=move |ev| {
                        body.set(event_target_value(&ev));
                        failure.set(None);
                    }
                ></textarea>
            </div>
            <div class="composer-actions">
                <label class="check" for="comment-internal">
                    <input
                        type="checkbox"
                        id="comment-internal"
                        data-testid="internal-toggle"
                        prop:checked=move || internal.get()
                        on:change=move |ev| internal.set(event_target_checked(&ev))
                    />
                    {i.tr(Key::TkInternalToggle)}
                </label>
                <button type="submit" class="btn btn-primary" data-testid="comment-submit" disabled=busy>
                    {move || {
                        let key = match (busy.get(), internal.get()) {
                            (true, _) => Key::TkSending,
                            (false, true) => Key::TkAddNote,
                            (false, false) => Key::TkSend,
                        };
                        i.t(key)
                    }}
                </button>
            </div>
        </form>
    }
}

#[component]
pub fn AttachmentsSection(ticket_id: i64) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let attachments = load(move || api::attachments::of_ticket(ticket_id));
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    // Internal unless the agent says otherwise: a file shown to a customer
    // by mistake cannot be taken back.
    let internal = RwSignal::new(true);
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        // Let the same file be picked again after a failure.
        input.set_value("");
        busy.set(true);
        failure.set(None);
        let internal = internal.get_untracked();
        crate::task::spawn(async move {
            let path = format!("/tickets/{ticket_id}/attachments");
            match api::attachments::upload_as(&path, &file, internal).await {
                Ok(a) => {
                    toasts.success(i.f(Key::TkUploaded, &[&a.file_name]));
                    attachments.value.update(|v| {
                        if let Some(Ok(list)) = v {
                            list.push(a);
                        }
                    });
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="attachments-title" data-testid="ticket-attachments">
            <h2 id="attachments-title">{i.tr(Key::TkAttachments)}</h2>
            <ActionError failure testid="attachment-error" />
            {move || match attachments.value.get() {
                None => view! { <p class="muted" role="status">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=attachments.reload /> }.into_any(),
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
            <div class="field">
                <label for="attachment-file">{i.tr_when(busy, Key::TkUploading, Key::TkUpload)}</label>
                <input
                    type="file"
                    id="attachment-file"
                    data-testid="attachment-file"
                    disabled=busy
                    on:change=on_file
                />
                <p class="field-hint">{i.tr(Key::TkAttachmentHint)}</p>
                <label class="check" for="attachment-internal">
                    <input
                        type="checkbox"
                        id="attachment-internal"
                        data-testid="attachment-internal"
                        prop:checked=move || internal.get()
                        on:change=move |ev| internal.set(event_target_checked(&ev))
                    />
                    {i.tr(Key::TkAttachmentInternal)}
                </label>
            </div>
        </section>
    }
}

#[component]
fn AttachmentItem(attachment: Attachment, failure: RwSignal<Option<String>>) -> impl IntoView {
    let i = use_i18n();
    let (aid, name) = (attachment.id, attachment.file_name.clone());
    let busy = RwSignal::new(false);
    let download = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let name = name.clone();
        crate::task::spawn(async move {
            if let Err(e) =
                api::attachments::download_file(&format!("/attachments/{aid}"), &name).await
            {
                failure.set(Some(action_error(i, &e)));
            }
            busy.set(false);
        });
    };
    view! {
        <li data-testid="attachment" data-attachment-id=aid.to_string()>
            <button
                type="button"
                class="btn-link"
                data-testid="attachment-download"
                title=i.tr(Key::TkDownload)
                disabled=busy
                on:click=download
            >
                {attachment.file_name}
            </button>
            " "
            <span class="muted">
                {file_size(attachment.size_bytes)} " · " {i.datetime_of(attachment.created_at)}
            </span>
            {attachment.internal.then(|| view! {
                " "
                <span class="badge tk-internal" data-testid="attachment-internal-label">
                    {i.tr(Key::TkInternalNote)}
                </span>
            })}
        </li>
    }
}
