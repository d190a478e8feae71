//! A ticket's conversation (public replies and internal notes, and the
//! composer with its public/internal switch and its macro picker) and its
//! attachments.

use leptos::prelude::*;
use shared::filters::MacroFilter;
use shared::macros::{AppliedMacro, Macro};
use shared::tickets::{Attachment, Comment};
use wasm_bindgen::JsCast;

use crate::api::{self, ApiErr};
use crate::components::fields::expanded;
use crate::components::load::load;
use crate::components::states::ErrorState;
use crate::components::toast::use_toasts;
use crate::components::url_filter::{Debouncer, SEARCH_DEBOUNCE};
use crate::i18n::{use_i18n, Key};
use crate::logic::portal::file_size;
use crate::logic::tickets::check_text;
use crate::pages::tickets::common::{action_error, ActionError};
use crate::pages::tickets::detail::{Current, COMMENT_MAX};
use crate::pages::tickets::macros::{describe_actions, describe_applied, preview};

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
    let area = NodeRef::<leptos::html::Textarea>::new();
    // The macro inserted last, and what it did to the ticket.
    let inserted = RwSignal::new(None::<(String, AppliedMacro)>);
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
                    inserted.set(None);
                    on_sent.run(c);
                    // A reply may answer the first-response target or reopen.
                    cur.refresh();
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    let on_applied = Callback::new(move |(name, applied): (String, AppliedMacro)| {
        let at = area.get_untracked();
        let cursor = at.as_ref().and_then(|a| a.selection_start().ok().flatten());
        body.update(|b| *b = insert_at(b, cursor, &applied.text));
        if let Some(a) = at {
            let _ = a.focus();
        }
        failure.set(None);
        if let Some(note) = applied.note.clone() {
            on_sent.run(note);
        }
        if !applied.applied.is_empty() {
            cur.refresh();
        }
        inserted.set(Some((name, applied)));
    });
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
            <div class="composer-tools">
                <MacroPicker ticket_id=cur.id on_applied />
            </div>
            {move || inserted.get().map(|(name, applied)| view! { <MacroOutcome name applied /> })}
            <div class="field">
                <label for="comment-body">{i.tr(Key::TkComposerLabel)}</label>
                <textarea
                    id="comment-body"
                    data-testid="comment-body"
                    rows="4"
                    node_ref=area
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

/// `text` put into `body` at `cursor` (a position the browser counts in
/// UTF-16 units), or at its end on a line of its own.
fn insert_at(body: &str, cursor: Option<u32>, text: &str) -> String {
    let at = cursor.and_then(|units| {
        let mut seen = 0u32;
        for (byte, c) in body.char_indices() {
            if seen >= units {
                return Some(byte);
            }
            seen += c.len_utf16() as u32;
        }
        (seen >= units).then_some(body.len())
    });
    match at {
        Some(at) if !body.is_empty() => {
            format!("{}{text}{}", &body[..at], &body[at..])
        }
        _ if body.trim().is_empty() => text.to_string(),
        _ => format!("{}\n\n{text}", body.trim_end()),
    }
}

/// What the macro inserted last did: its name, the changes it made to
/// the ticket, and placeholders that had nothing to fill them.
#[component]
fn MacroOutcome(name: String, applied: AppliedMacro) -> impl IntoView {
    let i = use_i18n();
    let actions = applied.applied.clone();
    let unresolved = applied.unresolved.clone();
    view! {
        <p class="banner banner-success" role="status" data-testid="macro-applied">
            {move || i.f(Key::MoInserted, &[&name])}
            {move || {
                let done = describe_applied(i, &actions);
                (!done.is_empty()).then(|| format!(" {}", i.f(Key::MoAppliedActions, &[&done])))
            }}
            {(!unresolved.is_empty()).then(|| view! {
                " "
                <span data-testid="macro-unresolved">
                    {i.tr(Key::MoUnresolved)}
                    {unresolved
                        .iter()
                        .map(|p| view! { " " <code>{format!("{{{{{p}}}}}")}</code> })
                        .collect_view()}
                </span>
            })}
        </p>
    }
}

/// The reply box's searchable list of macros ("插入宏"): picking one
/// applies it to the ticket and hands back its text.
#[component]
fn MacroPicker(ticket_id: i64, on_applied: Callback<(String, AppliedMacro)>) -> impl IntoView {
    let i = use_i18n();
    let open = RwSignal::new(false);
    let search = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Vec<Macro>, ApiErr>>);
    let applying = RwSignal::new(None::<i64>);
    let failure = RwSignal::new(None::<String>);
    let debounce = Debouncer::new();
    // Only the answer to the latest search counts.
    let asked = StoredValue::new(0u64);
    let fetch = move || {
        asked.update_value(|n| *n += 1);
        let ticket = asked.get_value();
        let q = search.get_untracked();
        let filter = MacroFilter {
            q: (!q.trim().is_empty()).then_some(q),
            scope: None,
        };
        crate::task::spawn(async move {
            let answer = api::macros::list(&filter, api::macros::PICKER_PAGE, None)
                .await
                .map(|page| page.items);
            if asked.try_get_value() == Some(ticket) {
                found.set(Some(answer));
            }
        });
    };
    let toggle = move |_| {
        let opening = !open.get_untracked();
        open.set(opening);
        failure.set(None);
        if opening {
            fetch();
        }
    };
    let pick = move |m: Macro| {
        if applying.get_untracked().is_some() {
            return;
        }
        applying.set(Some(m.id));
        failure.set(None);
        crate::task::spawn(async move {
            match api::macros::apply(m.id, ticket_id).await {
                Ok(applied) => {
                    open.set(false);
                    on_applied.run((m.name, applied));
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            applying.set(None);
        });
    };
    view! {
        <button
            type="button"
            class="btn"
            data-testid="macro-picker-toggle"
            aria-expanded=expanded(open)
            aria-controls="macro-picker"
            on:click=toggle
        >
            {i.tr(Key::MoInsert)}
        </button>
        <Show when=move || open.get()>
            <div class="suggestions macro-picker" id="macro-picker" data-testid="macro-picker">
                <div class="field">
                    <label for="macro-search">{i.tr(Key::MoPickerSearch)}</label>
                    <input
                        type="search"
                        id="macro-search"
                        data-testid="macro-search"
                        autocomplete="off"
                        placeholder=i.tr(Key::MoSearchHint)
                        prop:value=move || search.get()
                        on:input=move |ev| {
                            search.set(event_target_value(&ev));
                            debounce.run(SEARCH_DEBOUNCE, fetch);
                        }
                    />
                </div>
                <ActionError failure testid="macro-error" />
                {move || match found.get() {
                    None => view! { <p class="muted" role="status">{i.tr(Key::Loading)}</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="text-error" role="alert">{i.error_of(e)}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! {
                        <p class="muted" data-testid="macro-picker-empty">
                            {move || if search.with(|q| q.trim().is_empty()) { i.t(Key::MoPickerEmpty) } else { i.t(Key::MoNoMatch) }}
                        </p>
                    }
                    .into_any(),
                    Some(Ok(list)) => view! {
                        <ul class="results" data-testid="macro-options">
                            {list
                                .into_iter()
                                .map(|m| {
                                    let id = m.id;
                                    let shown = m.clone();
                                    let actions = m.actions.clone();
                                    let chosen = m.clone();
                                    view! {
                                        <li>
                                            <button
                                                type="button"
                                                class="suggestion"
                                                data-testid="macro-option"
                                                data-macro-id=id.to_string()
                                                disabled=move || applying.get().is_some()
                                                on:click=move |_| pick(chosen.clone())
                                            >
                                                <strong>{m.name.clone()}</strong>
                                                <span class="muted">{move || preview(i, &shown)}</span>
                                                {(!actions.is_empty()).then(|| view! {
                                                    <span class="muted">{move || describe_actions(i, &actions)}</span>
                                                })}
                                                {move || (applying.get() == Some(id)).then(|| view! {
                                                    <span class="muted" role="status">{i.tr(Key::MoApplying)}</span>
                                                })}
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                }}
                <a href="/settings/macros" data-testid="macro-manage">{i.tr(Key::MoManage)}</a>
            </div>
        </Show>
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

#[cfg(test)]
mod tests {
    use super::insert_at;

    #[test]
    fn a_macro_goes_in_at_the_cursor_or_after_what_was_typed() {
        assert_eq!(insert_at("", None, "您好"), "您好");
        assert_eq!(insert_at("  ", Some(0), "您好"), "您好  ");
        assert_eq!(insert_at("Hi,\n", None, "text"), "Hi,\n\ntext");
        // The browser counts UTF-16 units: 你 is one, 😀 two.
        assert_eq!(insert_at("你好", Some(1), "X"), "你X好");
        assert_eq!(insert_at("😀好", Some(2), "X"), "😀X好");
        assert_eq!(insert_at("ab", Some(2), "X"), "abX");
        assert_eq!(insert_at("ab", Some(9), "X"), "ab\n\nX");
    }
}
