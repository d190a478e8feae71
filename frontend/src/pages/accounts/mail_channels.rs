//! `/settings/mail-channels` (admins): the support addresses whose mail
//! becomes tickets and comments. An IMAP channel has a "test connection"
//! button (log in, open the folder); an inbound channel's token is shown
//! once, when it is created, with the request an MTA or provider sends.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::accounts::{Account, CreateContactRequest};
use shared::mail_in::{
    CreateMailChannelRequest, CreatedMailChannel, InboundMessage, MailChannel, MailChannelKind,
    UnknownSenderPolicy, UpdateMailChannelRequest, DEFAULT_FOLLOW_UP_AFTER_DAYS,
};
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{CheckField, ErrorBanner, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::i18n::{use_i18n, Key};

#[component]
pub fn MailChannelsPage() -> impl IntoView {
    view! {
        <Guard audience=Audience::Admin>
            <MailChannelsAdmin />
        </Guard>
    }
}

#[component]
fn MailChannelsAdmin() -> impl IntoView {
    let i = use_i18n();
    let channels = load(api::mail_in::list_channels);
    let fresh = RwSignal::new(None::<CreatedMailChannel>);
    let created = Callback::new(move |c: CreatedMailChannel| {
        fresh.set(Some(c));
        channels.refresh.run(());
    });
    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/settings" data-testid="mail-channels-back">{i.tr(Key::NavSettings)}</a>
            </nav>
            <header class="page-header">
                <div>
                    <h1 data-testid="mail-channels-heading">{i.tr(Key::McTitle)}</h1>
                    <p class="muted">{i.tr(Key::McIntro)}</p>
                </div>
            </header>
            {move || fresh.get().map(|c| view! { <TokenPanel created=c on_done=Callback::new(move |_| fresh.set(None)) /> })}
            {move || match channels.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=channels.reload /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <div class="state" data-testid="mail-channels-empty"><p>{i.tr(Key::McEmpty)}</p></div>
                }
                .into_any(),
                Some(Ok(list)) => view! {
                    <ul class="card-list" data-testid="mail-channels-list">
                        {list
                            .into_iter()
                            .map(|c| view! { <ChannelCard channel=c changed=channels.refresh /> })
                            .collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            <CreateChannelForm created />
            <UnknownSenders />
        </div>
    }
}

/// The new channel's inbound token, shown this once, and how to use it.
#[component]
fn TokenPanel(created: CreatedMailChannel, on_done: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let example = format!(
        "curl -X POST {origin}/api/v1/inbound/email/{id} \\\n  -H \"Authorization: Bearer {token}\" \\\n  -H \"Content-Type: message/rfc822\" --data-binary @message.eml",
        origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default(),
        id = created.channel.id,
        token = created.inbound_token,
    );
    view! {
        <section class="card" role="status" data-testid="mail-channel-token">
            <h2>{i.tr(Key::McToken)}</h2>
            <p class="text-warning">{i.tr(Key::McTokenOnce)}</p>
            <pre class="pre-wrap" data-testid="mail-channel-token-value">{created.inbound_token.clone()}</pre>
            <pre class="pre-wrap" data-testid="mail-channel-curl">{example}</pre>
            <button type="button" class="btn" data-testid="mail-channel-token-done" on:click=move |_| on_done.run(())>
                {i.tr(Key::Dismiss)}
            </button>
        </section>
    }
}

#[component]
fn ChannelCard(channel: MailChannel, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let id = channel.id;
    let imap = channel.kind == MailChannelKind::Imap;
    let enabled = channel.enabled;
    let testing = RwSignal::new(false);
    let outcome = RwSignal::new(None::<(bool, String)>);
    let failure = RwSignal::new(None::<String>);
    let test = move |_| {
        if testing.get_untracked() {
            return;
        }
        testing.set(true);
        outcome.set(None);
        crate::task::spawn(async move {
            let answer = api::mail_in::test_channel(id).await;
            testing.set(false);
            match answer {
                Ok(r) => outcome.set(Some((r.ok, r.message))),
                Err(e) => failure.set(Some(i.error(&e))),
            }
        });
    };
    let toggle = move |_| {
        let req = UpdateMailChannelRequest {
            enabled: Some(!enabled),
            ..UpdateMailChannelRequest::default()
        };
        crate::task::spawn(async move {
            match api::mail_in::update_channel(id, &req).await {
                Ok(_) => changed.run(()),
                Err(e) => failure.set(Some(i.error(&e))),
            }
        });
    };
    let kind = if imap {
        Key::McKindImap
    } else {
        Key::McKindInbound
    };
    let last_fetch = channel.last_fetch_at;
    view! {
        <li class="card" data-testid="mail-channel" data-channel-id=id.to_string()>
            <header class="comment-head">
                <strong>{channel.name.clone()}</strong>
                <span class="muted">{channel.address.clone()}</span>
                <span class="badge badge-muted">{i.tr(kind)}</span>
                <span class="badge" data-testid="mail-channel-state">
                    {i.tr(if enabled { Key::McEnabled } else { Key::McDisabled })}
                </span>
            </header>
            {imap.then(|| view! {
                <p class="muted" data-testid="mail-channel-imap">
                    {format!(
                        "{}:{} · {}{}",
                        channel.imap_host.clone().unwrap_or_default(),
                        channel.imap_port.unwrap_or_default(),
                        channel.imap_folder.clone().unwrap_or_default(),
                        channel
                            .processed_folder
                            .as_deref()
                            .map(|f| format!(" → {f}"))
                            .unwrap_or_default(),
                    )}
                </p>
                <p class="muted">
                    {i.tr(Key::McLastFetch)}": "
                    {move || match last_fetch {
                        Some(at) => i.datetime_of(at)(),
                        None => i.t(Key::McNever).to_string(),
                    }}
                </p>
            })}
            // The mail server's own words stay as they are (they are what
            // its administrator searches for), after a label in the
            // reader's language.
            {channel.last_fetch_error.clone().map(|e| view! {
                <p class="text-error" data-testid="mail-channel-fetch-error">
                    <strong>{i.tr(Key::McFetchFailed)}</strong>" — "<code>{e}</code>
                </p>
            })}
            <div class="form-actions">
                {imap.then(|| view! {
                    <button type="button" class="btn" data-testid="mail-channel-test" disabled=testing on:click=test>
                        {i.tr_when(testing, Key::McTesting, Key::McTest)}
                    </button>
                })}
                <button type="button" class="btn" data-testid="mail-channel-toggle" on:click=toggle>
                    {i.tr(if enabled { Key::McDisable } else { Key::McEnable })}
                </button>
            </div>
            {move || outcome.get().map(|(ok, message)| view! {
                <p class:text-ok=ok class:text-error=!ok role="status" data-testid="mail-channel-test-result">
                    <strong>{i.tr(if ok { Key::McTestOk } else { Key::McTestFailed })}</strong>
                    " — "<code>{message}</code>
                </p>
            })}
            {move || failure.get().map(|m| view! { <p class="text-error" role="alert">{m}</p> })}
        </li>
    }
}

fn optional(value: String) -> Option<String> {
    let value = value.trim().to_string();
    (!value.is_empty()).then_some(value)
}

#[component]
fn CreateChannelForm(created: Callback<CreatedMailChannel>) -> impl IntoView {
    let i = use_i18n();
    let name = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let imap = RwSignal::new(true);
    let host = RwSignal::new(String::new());
    let port = RwSignal::new(String::new());
    let tls = RwSignal::new(true);
    let folder = RwSignal::new("INBOX".to_string());
    let processed_folder = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let refuse = RwSignal::new(false);
    let follow_up = RwSignal::new(DEFAULT_FOLLOW_UP_AFTER_DAYS.to_string());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let is_imap = imap.get_untracked();
        let mut fields = FieldErrors::new();
        let port_value = match optional(port.get_untracked()) {
            None => None,
            Some(p) => match p.parse::<i32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    fields.insert("imap_port".into(), i.t(Key::McBadNumber).into());
                    None
                }
            },
        };
        let follow_up_days = match follow_up.get_untracked().trim().parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                fields.insert("follow_up_after_days".into(), i.t(Key::McBadNumber).into());
                None
            }
        };
        let req = CreateMailChannelRequest {
            name: name.get_untracked(),
            address: address.get_untracked(),
            kind: if is_imap {
                MailChannelKind::Imap
            } else {
                MailChannelKind::Inbound
            },
            imap_host: optional(host.get_untracked()).filter(|_| is_imap),
            imap_port: port_value.filter(|_| is_imap),
            imap_tls: is_imap.then(|| tls.get_untracked()),
            imap_folder: optional(folder.get_untracked()).filter(|_| is_imap),
            processed_folder: optional(processed_folder.get_untracked()).filter(|_| is_imap),
            imap_username: optional(username.get_untracked()).filter(|_| is_imap),
            imap_password: Some(password.get_untracked()).filter(|p| is_imap && !p.is_empty()),
            unknown_sender_policy: Some(if refuse.get_untracked() {
                UnknownSenderPolicy::Refuse
            } else {
                UnknownSenderPolicy::Hold
            }),
            follow_up_after_days: follow_up_days,
            keywords: None,
            enabled: None,
        };
        if let Err(found) = shared::mail_in::validate_create(&req) {
            fields.extend(found);
        }
        if !fields.is_empty() {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).send(
            async move { api::mail_in::create_channel(&req).await },
            move |c: CreatedMailChannel| {
                name.set(String::new());
                address.set(String::new());
                password.set(String::new());
                created.run(c);
            },
        );
    };
    view! {
        <form class="card form-card" on:submit=submit novalidate=true data-testid="mail-channel-form">
            <h2>{i.tr(Key::McCreate)}</h2>
            <ErrorBanner failure testid="mail-channel-error" />
            <TextField id="mc-name" label=Key::McName value=name field="name" errors required=true />
            <TextField id="mc-address" label=Key::McAddress value=address field="address" errors kind="email" required=true />
            <fieldset class="field">
                <legend>{i.tr(Key::McKind)}</legend>
                <label class="check">
                    <input type="radio" name="mc-kind" data-testid="mc-kind-imap" prop:checked=move || imap.get() on:change=move |_| imap.set(true) />
                    {i.tr(Key::McKindImap)}
                </label>
                <label class="check">
                    <input type="radio" name="mc-kind" data-testid="mc-kind-inbound" prop:checked=move || !imap.get() on:change=move |_| imap.set(false) />
                    {i.tr(Key::McKindInbound)}
                </label>
            </fieldset>
            <Show when=move || imap.get()>
                <TextField id="mc-host" label=Key::McHost value=host field="imap_host" errors required=true autocomplete="off" />
                <TextField id="mc-port" label=Key::McPort value=port field="imap_port" errors kind="number" hint=i.signal(Key::McPortHint) />
                <CheckField id="mc-tls" label=Key::McTls value=tls />
                <TextField id="mc-folder" label=Key::McFolder value=folder field="imap_folder" errors />
                <TextField
                    id="mc-processed-folder"
                    label=Key::McProcessedFolder
                    value=processed_folder
                    field="processed_folder"
                    errors
                    hint=i.signal(Key::McProcessedFolderHint)
                />
                <TextField id="mc-username" label=Key::McUsername value=username field="imap_username" errors required=true autocomplete="off" />
                <TextField
                    id="mc-password"
                    label=Key::McPassword
                    value=password
                    field="imap_password"
                    errors
                    kind="password"
                    required=true
                    autocomplete="new-password"
                    hint=i.signal(Key::McPasswordHint)
                />
            </Show>
            <CheckField id="mc-refuse" label=Key::McRefuseUnknown value=refuse />
            <TextField id="mc-follow-up" label=Key::McFollowUp value=follow_up field="follow_up_after_days" errors kind="number" />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="mail-channel-submit" disabled=busy>
                    {i.tr_when(busy, Key::McCreating, Key::McCreate)}
                </button>
            </div>
        </form>
    }
}

/// Mail from addresses that are no contact, held for review: add the
/// sender as a contact of an account (the mail is then processed as
/// theirs: a reply, a follow-up or a new ticket), or refuse it.
#[component]
fn UnknownSenders() -> impl IntoView {
    let i = use_i18n();
    let held = load(api::mail_in::unknown_senders);
    view! {
        <section class="card" aria-labelledby="unknown-senders-title" data-testid="unknown-senders">
            <h2 id="unknown-senders-title">{i.tr(Key::McUnknownTitle)}</h2>
            <p class="muted">{i.tr(Key::McUnknownIntro)}</p>
            {move || match held.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=held.reload /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted" data-testid="unknown-senders-empty">{i.tr(Key::McUnknownEmpty)}</p>
                }
                .into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain-list">
                        {list
                            .into_iter()
                            .map(|m| view! { <HeldMail message=m changed=held.refresh /> })
                            .collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn HeldMail(message: InboundMessage, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let id = message.id;
    let query = RwSignal::new(String::new());
    let matches = RwSignal::new(Vec::<Account>::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let sender = message
        .from_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| {
            message
                .from_addr
                .split('@')
                .next()
                .unwrap_or_default()
                .to_string()
        });
    let address = message.from_addr.clone();
    let search = move |ev: SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        if q.trim().is_empty() {
            return;
        }
        crate::task::spawn(async move {
            match api::accounts::matching(q).await {
                Ok(found) => {
                    matches.try_set(found.into_iter().take(8).collect());
                }
                Err(e) => {
                    failure.try_set(Some(e));
                }
            }
        });
    };
    let attach = Callback::new(move |account_id: i64| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let req = CreateContactRequest {
            name: sender.clone(),
            email: Some(address.clone()),
            phone: None,
            title: None,
            modules: Vec::new(),
        };
        crate::task::spawn(async move {
            let done = match api::contacts::add(account_id, &req).await {
                Ok(contact) => api::mail_in::attach_sender(id, contact.id).await.map(drop),
                Err(e) => Err(e),
            };
            busy.try_set(false);
            match done {
                Ok(()) => changed.run(()),
                Err(e) => {
                    failure.try_set(Some(e));
                }
            }
        });
    });
    let refuse = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            let done = api::mail_in::refuse_sender(id).await;
            busy.try_set(false);
            match done {
                Ok(_) => changed.run(()),
                Err(e) => {
                    failure.try_set(Some(e));
                }
            }
        });
    };
    let original = move |_| {
        crate::task::spawn(async move {
            if let Err(e) = api::mail_in::download_original(id).await {
                failure.try_set(Some(e));
            }
        });
    };
    let who = match &message.from_name {
        Some(name) if !name.trim().is_empty() => format!("{name} <{}>", message.from_addr),
        _ => message.from_addr.clone(),
    };
    let search_id = format!("held-{id}-account");
    view! {
        <li class="held-mail" data-testid="held-mail">
            <p><strong>{who}</strong> " · " {message.subject.clone()} " · " {i.date_of(message.received_at)}</p>
            <ErrorBanner failure testid="held-mail-error" />
            <form class="toolbar" on:submit=search novalidate=true>
                <label class="visually-hidden" for=search_id.clone()>{i.tr(Key::McFindAccount)}</label>
                <input
                    type="search"
                    id=search_id
                    data-testid="held-mail-account"
                    placeholder=i.tr(Key::McFindAccount)
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
                <button type="submit" class="btn">{i.tr(Key::McSearchAccount)}</button>
                <button type="button" class="btn-link" data-testid="held-mail-original" on:click=original>{i.tr(Key::TkOriginalMail)}</button>
                <button type="button" class="btn btn-danger" data-testid="held-mail-refuse" disabled=busy on:click=refuse>{i.tr(Key::McRefuse)}</button>
            </form>
            {move || {
                let found = matches.get();
                (!found.is_empty()).then(|| view! {
                    <ul class="plain-list">
                        {found
                            .into_iter()
                            .map(|a| {
                                let account_id = a.id;
                                let label = format!("{} ({})", a.name, a.code);
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="btn-link"
                                            data-testid="held-mail-attach"
                                            disabled=busy
                                            on:click=move |_| attach.run(account_id)
                                        >
                                            {move || i.f(Key::McAddAsContact, &[&label])}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                })
            }}
        </li>
    }
}
