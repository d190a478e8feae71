//! `/settings/api-keys` (admins): the keys other systems send usage events
//! with. A new key's secret is shown once, with a copy button and a warning;
//! afterwards only its first characters identify it. Revoking asks first
//! and takes effect at once. A short how-to shows the request to send.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::health::{ApiKey, CreateApiKey, CreatedApiKey};
use shared::FieldErrors;
use wasm_bindgen::{JsCast, JsValue};

use crate::api::{self, ApiErr};
use crate::components::fields::{with_code, ErrorBanner, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::list_view::{list_phase, ListView};
use crate::components::paged::{load_more_footer, pager};
use crate::components::submit::Submit;
use crate::components::toast::{use_toasts, Toasts};
use crate::i18n::{use_i18n, I18n, Key};
use crate::logic::health_model::{curl_example, key_name_problem};
use crate::logic::paging::ListState;
use crate::pages::accounts::list::Directory;
use crate::pages::renewals::health_settings::problem_fields;
use crate::pages::tickets::common::{action_error, ActionError};

/// Stands in for a secret in the how-to until one is created.
const KEY_PLACEHOLDER: &str = "YOUR_API_KEY";

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    view! {
        <Guard audience=Audience::Admin>
            <ApiKeysAdmin />
        </Guard>
    }
}

#[component]
fn ApiKeysAdmin() -> impl IntoView {
    let i = use_i18n();
    let list = RwSignal::new(ListState::<ApiKey, ApiErr>::default());
    let directory = Directory::load();
    // The key just created, whose secret is on screen until dismissed.
    let fresh = RwSignal::new(None::<CreatedApiKey>);
    let (reload, load_more) = pager(list, move |cursor| async move {
        api::health::list_api_keys(cursor.as_deref()).await
    });
    reload();
    let phase = list_phase(list);
    let created = Callback::new(move |key: CreatedApiKey| {
        list.update(|l| l.items.insert(0, key.key.clone()));
        fresh.set(Some(key));
    });
    let revoked = Callback::new(move |key: ApiKey| {
        list.update(|l| l.replace(|k| k.id == key.id, key.clone()));
    });
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::AkName)}</th>
                    <th scope="col">{i.tr(Key::AkPrefix)}</th>
                    <th scope="col">{i.tr(Key::AkCreated)}</th>
                    <th scope="col">{i.tr(Key::AkLastUsed)}</th>
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col"><span class="visually-hidden">{i.tr(Key::Actions)}</span></th>
                </tr>
            </thead>
        }
    };
    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/settings" data-testid="api-keys-back">{i.tr(Key::NavSettings)}</a>
            </nav>
            <header class="page-header">
                <div>
                    <h1 data-testid="api-keys-heading">{i.tr(Key::AkTitle)}</h1>
                    <p class="muted">{i.tr(Key::AkIntro)}</p>
                </div>
            </header>
            <CreateKeyForm created />
            {move || fresh.get().map(|key| view! { <SecretPanel key on_done=Callback::new(move |_| fresh.set(None)) /> })}
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(3, 6)
                testid="api-keys-table"
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|k| (k.id, k.revoked_at)
                        children=move |k| view! { <KeyRow key=k directory revoked /> }
                    />
                }
                empty=move || view! {
                    <div class="state" data-testid="api-keys-empty">
                        <p>{i.tr(Key::AkEmpty)}</p>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "api-keys-load-more")}
            <HowTo fresh />
        </div>
    }
}

#[component]
fn CreateKeyForm(created: Callback<CreatedApiKey>) -> impl IntoView {
    let i = use_i18n();
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = name.get_untracked();
        if let Some(p) = key_name_problem(&text) {
            errors.set(problem_fields(i, vec![("name".into(), p)]));
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        let req = CreateApiKey {
            name: text.trim().to_string(),
        };
        Submit::new(busy, errors, failure).send(
            async move { api::health::create_api_key(&req).await },
            move |key| {
                name.set(String::new());
                created.run(key);
            },
        );
    };
    view! {
        <form class="card inline-form ak-create" on:submit=submit novalidate=true data-testid="api-key-form">
            <h2>{i.tr(Key::AkNew)}</h2>
            <ErrorBanner failure testid="api-key-error" />
            <div class="toolbar">
                <div class="field-grow">
                    <TextField id="api-key-name" label=Key::AkName value=name field="name" errors required=true hint=i.signal(Key::AkNameHint) />
                </div>
                <button type="submit" class="btn btn-primary" data-testid="api-key-create" disabled=busy>
                    {i.tr_when(busy, Key::Working, Key::AkCreate)}
                </button>
            </div>
        </form>
    }
}

/// Copies `text`: the Clipboard API where the page may use it (HTTPS,
/// localhost), else the selected input and `execCommand("copy")`, which
/// plain-HTTP intranet installs still allow.
fn copy_text(input: &web_sys::HtmlInputElement, text: &str, toasts: Toasts, i: I18n) {
    input.select();
    let clipboard = web_sys::window()
        .map(|w| JsValue::from(w.navigator()))
        .and_then(|n| js_sys::Reflect::get(&n, &"clipboard".into()).ok())
        .filter(|c| !c.is_undefined() && !c.is_null());
    if let Some(clipboard) = clipboard {
        let write = js_sys::Reflect::get(&clipboard, &"writeText".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        if let Some(promise) = write
            .and_then(|f| f.call1(&clipboard, &text.into()).ok())
            .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
        {
            let ok = wasm_bindgen::closure::Closure::once_into_js(move |_: JsValue| {
                toasts.success(i.t(Key::AkCopied));
            });
            let failed = wasm_bindgen::closure::Closure::once_into_js(move |_: JsValue| {
                toasts.error(i.t(Key::AkCopyFailed));
            });
            let then = js_sys::Reflect::get(&promise, &"then".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            if let Some(then) = then {
                let _ = then.call2(&promise, &ok, &failed);
                return;
            }
        }
    }
    let copied = web_sys::window()
        .and_then(|w| w.document())
        .map(JsValue::from)
        .and_then(|d| {
            let exec = js_sys::Reflect::get(&d, &"execCommand".into()).ok()?;
            let exec = exec.dyn_into::<js_sys::Function>().ok()?;
            exec.call1(&d, &"copy".into()).ok()
        })
        .is_some_and(|r| r.as_bool() == Some(true));
    if copied {
        toasts.success(i.t(Key::AkCopied));
    } else {
        toasts.error(i.t(Key::AkCopyFailed));
    }
}

/// The new key's secret, this once.
#[component]
fn SecretPanel(key: CreatedApiKey, on_done: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let input = NodeRef::<leptos::html::Input>::new();
    let secret = StoredValue::new(key.secret);
    let name = key.key.name;
    let copy = move |_| {
        if let Some(el) = input.get_untracked() {
            copy_text(&el, &secret.get_value(), toasts, i);
        }
    };
    view! {
        <section class="banner banner-warning ak-secret" role="alert" data-testid="api-key-secret-panel">
            <h2>{move || i.f(Key::AkCreatedTitle, &[&name])}</h2>
            <p><strong>{i.tr(Key::AkShownOnce)}</strong></p>
            <div class="ak-secret-row">
                <label class="visually-hidden" for="api-key-secret">{i.tr(Key::AkSecret)}</label>
                <input
                    id="api-key-secret"
                    class="mono"
                    data-testid="api-key-secret"
                    readonly=true
                    node_ref=input
                    prop:value=secret.get_value()
                    on:focus=move |_| {
                        if let Some(el) = input.get_untracked() {
                            el.select();
                        }
                    }
                />
                <button type="button" class="btn" data-testid="api-key-copy" on:click=copy>
                    {i.tr(Key::AkCopy)}
                </button>
            </div>
            <button type="button" class="btn btn-primary" data-testid="api-key-done" on:click=move |_| on_done.run(())>
                {i.tr(Key::AkStored)}
            </button>
        </section>
    }
}

#[component]
fn KeyRow(key: ApiKey, directory: Directory, revoked: Callback<ApiKey>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = key.id;
    let maker = key.created_by;
    let active = key.revoked_at.is_none();
    let asking = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let name = StoredValue::new(key.name.clone());
    let revoke = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::health::revoke_api_key(id).await {
                Ok(k) => {
                    toasts.success(i.f(Key::AkRevokedToast, &[&k.name]));
                    revoked.run(k);
                }
                Err(e) => {
                    failure.set(Some(action_error(i, &e)));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <tr data-testid="api-key-row" data-key-id=id.to_string() class:row-muted=!active>
            <td data-label=i.tr(Key::AkName)>{key.name}</td>
            <td data-label=i.tr(Key::AkPrefix)><code data-testid="api-key-prefix">{format!("{}…", key.prefix)}</code></td>
            <td data-label=i.tr(Key::AkCreated)>
                {i.date_of(key.created_at)}
                <span class="muted">" · " {move || directory.name_of(Some(maker)).unwrap_or_else(|| format!("#{maker}"))}</span>
            </td>
            <td data-label=i.tr(Key::AkLastUsed)>
                {match key.last_used_at {
                    Some(at) => view! { <span>{i.datetime_of(at)}</span> }.into_any(),
                    None => view! { <span class="muted">{i.tr(Key::AkNeverUsed)}</span> }.into_any(),
                }}
            </td>
            <td data-label=i.tr(Key::Status)>
                {match key.revoked_at {
                    None => view! { <span class="badge badge-ok" data-testid="api-key-status">{i.tr(Key::StatusActive)}</span> }.into_any(),
                    Some(at) => view! {
                        <span class="badge badge-muted" data-testid="api-key-status">{i.tr(Key::AkRevoked)}</span>
                        <span class="muted">" " {i.date_of(at)}</span>
                    }
                    .into_any(),
                }}
            </td>
            <td>
                {active.then(|| view! {
                    <button
                        type="button"
                        class="btn btn-danger-ghost btn-small"
                        data-testid="api-key-revoke"
                        hidden=asking
                        on:click=move |_| asking.set(true)
                    >
                        {i.tr(Key::AkRevoke)}
                    </button>
                    {move || asking.get().then(|| view! {
                        <div class="ak-confirm" role="alertdialog" aria-labelledby=format!("ak-confirm-{id}")>
                            <p id=format!("ak-confirm-{id}")>{move || i.f(Key::AkRevokeQuestion, &[&name.get_value()])}</p>
                            <div class="actions">
                                <button type="button" class="btn btn-danger btn-small" data-testid="api-key-revoke-confirm" disabled=busy on:click=revoke>
                                    {i.tr_when(busy, Key::Working, Key::AkRevoke)}
                                </button>
                                <button type="button" class="btn btn-ghost btn-small" data-testid="api-key-revoke-cancel" on:click=move |_| asking.set(false)>
                                    {i.tr(Key::Cancel)}
                                </button>
                            </div>
                        </div>
                    })}
                    <ActionError failure testid="api-key-row-error" />
                })}
            </td>
        </tr>
    }
}

/// How to send usage events with a key (the fresh secret while shown).
#[component]
fn HowTo(fresh: RwSignal<Option<CreatedApiKey>>) -> impl IntoView {
    let i = use_i18n();
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let example = move || {
        fresh.with(|k| {
            let key = k.as_ref().map_or(KEY_PLACEHOLDER, |k| k.secret.as_str());
            curl_example(&origin, key)
        })
    };
    view! {
        <section class="card ak-howto" aria-labelledby="ak-howto-title" data-testid="api-key-howto">
            <h2 id="ak-howto-title">{i.tr(Key::AkHowTo)}</h2>
            <p>{move || with_code(i.t(Key::AkHowToIntro))}</p>
            <pre class="ak-curl"><code data-testid="api-key-curl">{example}</code></pre>
            <ul class="ak-fields">
                <li><code>"account_code"</code> " / " <code>"account_id"</code> ": " {i.tr(Key::AkFieldAccount)}</li>
                <li><code>"user_ref"</code> ": " {i.tr(Key::AkFieldUser)}</li>
                <li><code>"module"</code> ": " {move || with_code(i.t(Key::AkFieldModule))}</li>
                <li><code>"occurred_at"</code> ": " {move || with_code(i.t(Key::AkFieldWhen))}</li>
            </ul>
            <p class="muted">{i.tr(Key::AkHowToLimits)}</p>
        </section>
    }
}
