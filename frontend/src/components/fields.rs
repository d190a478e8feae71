//! Form controls: a labelled input with its inline error, a labelled
//! checkbox, the ERP module checkboxes and the form-level error banner.
//!
//! Errors live in a form's `RwSignal<FieldErrors>` in English (as the
//! shared rules and the server word them) and are translated when shown.

use leptos::prelude::*;
use shared::{ErpModule, ErrorCode, FieldErrors};

use crate::api::ApiErr;

use crate::i18n::{code_spans, module_key, use_i18n, Key};
use crate::logic::account_form::toggle_module;
use crate::logic::forms::localize;

/// A text with its `backticked` parts in `<code>` (see [`code_spans`]).
pub fn with_code(text: &str) -> impl IntoView {
    code_spans(text)
        .into_iter()
        .map(|(code, part)| {
            let part = part.to_string();
            if code {
                view! { <code>{part}</code> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
}

/// Removes one field's error (the user is fixing it).
pub fn clear_error(errors: RwSignal<FieldErrors>, field: &str) {
    errors.maybe_update(|e| e.remove(field).is_some());
}

/// The error under a field, if any: `data-testid="error-{prefix}{field}"`.
#[component]
pub fn FieldError(
    errors: RwSignal<FieldErrors>,
    field: &'static str,
    /// Element id, referenced by the input's `aria-describedby`.
    id: String,
    #[prop(optional)] prefix: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    move || {
        errors.with(|e| e.get(field).cloned()).map(|message| {
            view! {
                // An alert: a form submitted from its button leaves focus on
                // the button, so the errors must be announced.
                <p class="field-error" role="alert" id=id.clone() data-testid=format!("error-{prefix}{field}")>
                    {move || localize(&message, i.lang())}
                </p>
            }
        })
    }
}

/// A labelled single-line input bound to `value`.
#[component]
pub fn TextField(
    /// DOM id, also the input's `data-testid`.
    id: &'static str,
    label: Key,
    value: RwSignal<String>,
    /// The API's name of the field, for its errors.
    field: &'static str,
    errors: RwSignal<FieldErrors>,
    /// Prefix of the error's test id, for pages with several forms.
    #[prop(optional)]
    error_prefix: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// A note under the input (e.g. the coding rule).
    #[prop(optional, into)]
    hint: Option<Signal<String>>,
    #[prop(optional)] disabled: Option<Signal<bool>>,
    /// Runs when the input loses focus (e.g. to check one field early).
    #[prop(optional)]
    on_blur: Option<Callback<()>>,
) -> impl IntoView {
    let i = use_i18n();
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let has_error = move || errors.with(|e| e.contains_key(field));
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if has_error() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id>
                {i.tr(label)}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            <input
                id=id
                name=field
                type=kind
                data-testid=id
                autocomplete=autocomplete
                aria-required=required.then_some("true")
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=described_by
                disabled=move || disabled.map(|d| d.get()).unwrap_or(false)
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    clear_error(errors, field);
                }
                on:blur=move |_| {
                    if let Some(cb) = on_blur {
                        cb.run(());
                    }
                }
            />
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id>{move || with_code(&hint.get())}</p> })}
            <FieldError errors field id=error_id prefix=error_prefix />
        </div>
    }
}

/// A labelled checkbox bound to `value`.
#[component]
pub fn CheckField(id: &'static str, label: Key, value: RwSignal<bool>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="field">
            <label class="check" for=id>
                <input
                    type="checkbox"
                    id=id
                    data-testid=id
                    prop:checked=move || value.get()
                    on:change=move |ev| value.set(event_target_checked(&ev))
                />
                {i.tr(label)}
            </label>
        </div>
    }
}

/// The module's name in the UI language (one language at a time: the
/// English UI names the module in English only).
#[component]
pub fn ModuleName(module: ErpModule) -> impl IntoView {
    let i = use_i18n();
    view! { <span>{i.tr(module_key(module))}</span> }
}

/// Read-only module chips.
#[component]
pub fn ModuleChips(modules: Vec<ErpModule>) -> impl IntoView {
    let i = use_i18n();
    if modules.is_empty() {
        return view! { <span class="muted">{i.tr(Key::NoModules)}</span> }.into_any();
    }
    view! {
        <ul class="chips">
            {modules
                .into_iter()
                .map(|m| view! { <li class="chip" data-module=m.as_str()><ModuleName module=m /></li> })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// The seven ERP modules as checkboxes.
#[component]
pub fn ModulesPicker(
    /// Prefix of the checkboxes' ids and test ids: `{prefix}-module-{module}`.
    prefix: &'static str,
    selected: RwSignal<Vec<ErpModule>>,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <fieldset class="field modules-picker">
            <legend>{i.tr(Key::Modules)}</legend>
            <div class="checks">
                {ErpModule::ALL
                    .iter()
                    .map(|m| {
                        let m = *m;
                        let id = format!("{prefix}-module-{}", m.as_str());
                        let (for_id, testid) = (id.clone(), id.clone());
                        view! {
                            <label class="check" for=for_id>
                                <input
                                    type="checkbox"
                                    id=id
                                    data-testid=testid
                                    value=m.as_str()
                                    prop:checked=move || selected.with(|s| s.contains(&m))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        selected.update(|s| *s = toggle_module(s, m, on));
                                    }
                                />
                                <ModuleName module=m />
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

/// A form-level error (`role="alert"`): what went wrong beyond single fields.
#[component]
pub fn FormBanner(
    message: Signal<Option<String>>,
    #[prop(default = "form-error")] testid: &'static str,
) -> impl IntoView {
    move || {
        message.get().map(|m| {
            view! {
                <div class="banner banner-error" role="alert" data-testid=testid>
                    {m}
                </div>
            }
        })
    }
}

/// The banner of a failed save: the API error in the user's language,
/// unless it is `hide` (shown another way, e.g. the stale-edit warning).
#[component]
pub fn ErrorBanner(
    failure: RwSignal<Option<ApiErr>>,
    testid: &'static str,
    #[prop(optional)] hide: Option<ErrorCode>,
) -> impl IntoView {
    let i = use_i18n();
    // A new submit of the banner's form clears the last error first, so an
    // old banner never stays up beside the next, different error (a field
    // error found in the browser, or the server's new answer replaces it).
    let anchor = NodeRef::<leptos::html::Span>::new();
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(form) = anchor.get().and_then(|a| a.closest("form").ok().flatten()) else {
            return false;
        };
        let clear = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(
            move |_: wasm_bindgen::JsValue| {
                failure.try_set(None);
            },
        );
        let _ = form.add_event_listener_with_callback_and_bool(
            "submit",
            wasm_bindgen::JsCast::unchecked_ref(clear.as_ref()),
            true,
        );
        // Lives as long as the form; `try_set` is harmless once the page is gone.
        clear.forget();
        true
    });
    view! {
        <span hidden node_ref=anchor></span>
        {move || {
            failure
                .get()
                .filter(|e| hide.is_none_or(|h| !e.is(h)))
                .map(|e| {
                    view! {
                        <div class="banner banner-error" role="alert" data-testid=testid>
                            {i.error_of(e)}
                        </div>
                    }
                })
        }}
    }
}

/// The "add" button of a card whose rows are edited in place. `editing`
/// is `Some(None)` while the add form is open and `Some(Some(id))` while
/// row `id` is edited; the button opens and closes the add form.
#[component]
pub fn AddToggle(
    editing: RwSignal<Option<Option<i64>>>,
    testid: &'static str,
    label: Key,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <button
            type="button"
            class="btn"
            data-testid=testid
            aria-expanded=move || if editing.get() == Some(None) { "true" } else { "false" }
            on:click=move |_| editing.update(|e| *e = if *e == Some(None) { None } else { Some(None) })
        >
            {i.tr(label)}
        </button>
    }
}

/// `aria-expanded` of a toggle button ("true"/"false"); one closure type
/// for every button, so each use costs no extra WASM.
pub fn expanded(open: RwSignal<bool>) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || if open.get() { "true" } else { "false" }
}
