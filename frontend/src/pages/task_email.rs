//! Reviewing and sending the mail a playbook drafted for a task: the
//! recipient (the account's contacts with an e-mail address; the draft's
//! suggestion first), the subject and the text, all editable; sending it
//! completes the task. Nothing reaches the customer before "send".

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::accounts::Contact;
use shared::tasks::{SendTaskEmailRequest, TaskEmailDraft};
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, FieldError, TextField};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};

/// The contacts of `account_id` one can mail (active, with an address).
async fn mailable(account_id: i64) -> Result<Vec<Contact>, ApiErr> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    // An account has a handful of contacts; a few pages at most.
    for _ in 0..10 {
        let page = api::contacts::list(account_id, cursor.as_deref()).await?;
        out.extend(
            page.items
                .into_iter()
                .filter(|c| !c.archived && c.email.is_some()),
        );
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(out)
}

#[component]
pub fn EmailDraftForm(
    task_id: i64,
    account_id: i64,
    draft: TaskEmailDraft,
    on_sent: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let subject = RwSignal::new(draft.subject.clone());
    let body = RwSignal::new(draft.body.clone());
    let contact = RwSignal::new(draft.contact_id.map(|c| c.to_string()).unwrap_or_default());
    let busy = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let contacts = LocalResource::new(move || mailable(account_id));
    let send = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(contact_id) = contact.get_untracked().parse::<i64>() else {
            let mut f = FieldErrors::new();
            f.insert("contact_id".into(), i.t(Key::MwEmailNoContact).to_string());
            errors.set(f);
            return;
        };
        let req = SendTaskEmailRequest {
            contact_id,
            subject: subject.get_untracked(),
            body: body.get_untracked(),
        };
        if let Err(f) = shared::tasks::validate_send_email(&req) {
            errors.set(f);
            return;
        }
        Submit::new(busy, errors, failure).send(
            async move { api::tasks::send_email(task_id, &req).await },
            move |_| {
                toasts.success(i.t(Key::MwEmailSent).to_string());
                on_sent.run(());
            },
        );
    };
    view! {
        <form class="mw-inline mw-email" on:submit=send novalidate=true data-testid=format!("task-{task_id}-email")>
            <p class="field-hint">{i.tr(Key::MwEmailDraftHint)}</p>
            <ErrorBanner failure testid="email-error" />
            <div class="field">
                <label for="email-to">{i.tr(Key::MwEmailTo)}</label>
                <Suspense fallback=|| view! { <select id="email-to" disabled=true></select> }>
                    {move || contacts.get().map(|found| match found {
                        Ok(list) if list.is_empty() => view! {
                            <p class="field-hint" data-testid="email-no-contact">{i.tr(Key::MwEmailNoContact)}</p>
                        }.into_any(),
                        Ok(list) => {
                            if contact.get_untracked().is_empty() {
                                contact.set(list[0].id.to_string());
                            }
                            view! {
                                <select id="email-to" data-testid="email-to"
                                    prop:value=move || contact.get()
                                    on:change=move |ev| contact.set(event_target_value(&ev))>
                                    {list.into_iter().map(|c| {
                                        let label = format!("{} <{}>", c.name, c.email.clone().unwrap_or_default());
                                        view! { <option value=c.id.to_string()>{label}</option> }
                                    }).collect_view()}
                                </select>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="field-error" role="alert">{i.error_of(e)}</p> }.into_any(),
                    })}
                </Suspense>
                <FieldError errors field="contact_id" id="email-to-error".to_string() />
            </div>
            <TextField id="email-subject" label=Key::MwEmailSubject value=subject field="subject" errors required=true />
            <div class="field">
                <label for="email-body">{i.tr(Key::MwEmailBody)}</label>
                <textarea id="email-body" data-testid="email-body" rows="8"
                    prop:value=move || body.get()
                    on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                <FieldError errors field="body" id="email-body-error".to_string() />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary btn-small" disabled=busy data-testid=format!("task-{task_id}-send")>
                    {i.tr(Key::MwEmailSend)}
                </button>
                <button type="button" class="btn btn-small" on:click=move |_| on_cancel.run(())>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
