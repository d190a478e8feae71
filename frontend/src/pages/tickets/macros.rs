//! `/settings/macros` (every staff member): canned replies — the user's
//! personal macros and the workspace's shared ones, searchable, with a
//! form for the name, the reply in Chinese and in English, the scope
//! (shared: admins and managers) and the actions on the ticket. The reply
//! box of a ticket inserts them (`conversation::MacroPicker`).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::filters::MacroFilter;
use shared::macros::{
    pick_body, settable_statuses, AppliedAction, CreateMacroRequest, Macro, MacroActions,
    MacroScope, UpdateMacroRequest, PLACEHOLDERS,
};
use shared::tickets::{TicketPriority, MAX_TIER};
use shared::{FieldErrors, Role};

use crate::api::{self, ApiErr, Tagged};
use crate::components::fields::{clear_error, ErrorBanner, FieldError, TextField};
use crate::components::list_view::{list_phase, ListView};
use crate::components::paged::{load_more_footer, pager};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::components::url_filter::{Debouncer, SEARCH_DEBOUNCE};
use crate::i18n::{use_i18n, I18n, Key, Lang};
use crate::logic::paging::ListState;
use crate::pages::tickets::common::{
    action_error, priority_choices, priority_key, status_key, ChoiceSelect,
};
use crate::session::use_session;

/// Whether `role` keeps the workspace's shared macros.
fn keeps_shared(role: Option<Role>) -> bool {
    matches!(role, Some(Role::Admin | Role::Manager))
}

fn scope_key(scope: MacroScope) -> Key {
    match scope {
        MacroScope::Personal => Key::MoPersonal,
        MacroScope::Shared => Key::MoShared,
    }
}

/// The changes a macro makes to a ticket, in words of `i`'s language.
pub fn describe_actions(i: I18n, actions: &MacroActions) -> String {
    let mut parts: Vec<String> = Vec::new();
    if actions.internal_note.is_some() {
        parts.push(i.t(Key::MoActNote).to_string());
    }
    if let Some(tier) = actions.tier {
        parts.push(i.f(Key::MoActTier, &[&tier.to_string()]));
    }
    if let Some(status) = actions.status {
        parts.push(i.f(Key::MoActStatus, &[i.t(status_key(status))]));
    }
    if let Some(priority) = actions.priority {
        parts.push(i.f(Key::MoActPriority, &[i.t(priority_key(priority))]));
    }
    join(i, parts)
}

/// What applying a macro did to the ticket, in words; empty for nothing.
pub fn describe_applied(i: I18n, applied: &[AppliedAction]) -> String {
    let parts = applied
        .iter()
        .map(|a| match a {
            AppliedAction::InternalNote { .. } => i.t(Key::MoActNote).to_string(),
            AppliedAction::Tier { to, .. } => i.f(Key::MoActTier, &[&to.to_string()]),
            AppliedAction::Status { to, .. } => i.f(Key::MoActStatus, &[i.t(status_key(*to))]),
            AppliedAction::Priority { to, .. } => {
                i.f(Key::MoActPriority, &[i.t(priority_key(*to))])
            }
        })
        .collect();
    join(i, parts)
}

/// `text` with its first letter in upper case (a list cell starts a
/// sentence; Chinese is unchanged).
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn join(i: I18n, parts: Vec<String>) -> String {
    let sep = if i.lang() == Lang::Zh { "；" } else { "; " };
    parts.join(sep)
}

/// The reply as the reader would insert it for someone of their language.
pub fn preview(i: I18n, m: &Macro) -> String {
    let (text, _) = pick_body(&m.body_zh, &m.body_en, i.lang().locale());
    let line = text.lines().next().unwrap_or_default();
    let short: String = line.chars().take(80).collect();
    if short.chars().count() < text.chars().count() {
        format!("{short}…")
    } else {
        short
    }
}

/// The placeholders, each as code (not words of either language).
#[component]
pub fn PlaceholderList() -> impl IntoView {
    view! {
        <span class="placeholders">
            {PLACEHOLDERS
                .iter()
                .map(|p| view! { " " <code>{format!("{{{{{p}}}}}")}</code> })
                .collect_view()}
        </span>
    }
}

#[component]
pub fn MacrosPage() -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let session = use_session();
    let search = RwSignal::new(String::new());
    let scope = RwSignal::new(String::new());
    let filter = StoredValue::new(MacroFilter::default());
    let list = RwSignal::new(ListState::<Macro, ApiErr>::default());
    let debounce = Debouncer::new();
    let (restart, load_more) = pager(list, move |cursor| {
        let f = filter.get_value();
        async move { api::macros::list(&f, api::macros::PAGE, cursor.as_deref()).await }
    });
    let reload = move || {
        let q = search.get_untracked();
        filter.set_value(MacroFilter {
            q: (!q.trim().is_empty()).then_some(q),
            scope: scope.get_untracked().parse().ok(),
        });
        restart();
    };
    reload();
    // The form: closed (`None`), a new macro (`Some(None)`), or the macro
    // being changed with the ETag it was read with.
    let editor = RwSignal::new(None::<Option<Tagged<Macro>>>);
    let failure = RwSignal::new(None::<String>);
    let edit = Callback::new(move |id: i64| {
        failure.set(None);
        crate::task::spawn(async move {
            match api::macros::get(id).await {
                Ok(tagged) => editor.set(Some(Some(tagged))),
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
        });
    });
    let done = Callback::new(move |saved: Option<String>| {
        editor.set(None);
        if let Some(message) = saved {
            toasts.success(message);
        }
        reload();
    });
    let clear_filters = move || {
        search.set(String::new());
        scope.set(String::new());
        reload();
    };
    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::MoName)}</th>
                    <th scope="col">{i.tr(Key::MoScope)}</th>
                    <th scope="col">{i.tr(Key::MoActionsCol)}</th>
                    <th scope="col">{i.tr(Key::MoUsed)}</th>
                    <th scope="col">{i.tr(Key::MoMadeBy)}</th>
                    <th scope="col"><span class="visually-hidden">{i.tr(Key::Edit)}</span></th>
                </tr>
            </thead>
        }
    };
    let new_macro = move |_| {
        failure.set(None);
        editor.set(Some(None));
    };
    view! {
        <div class="page">
            {move || session.is_admin().then(|| view! {
                <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                    <a href="/settings" data-testid="macros-back">{i.tr(Key::NavSettings)}</a>
                </nav>
            })}
            <header class="page-header">
                <div>
                    <h1 data-testid="macros-heading">{i.tr(Key::MoTitle)}</h1>
                    <p class="muted">{i.tr(Key::MoIntro)}</p>
                </div>
                <button type="button" class="btn btn-primary" data-testid="macro-new" on:click=new_macro>
                    {i.tr(Key::MoNew)}
                </button>
            </header>
            {move || failure.get().map(|m| view! { <div class="banner banner-error" role="alert" data-testid="macros-error">{m}</div> })}
            {move || editor.get().map(|existing| {
                let keeper = keeps_shared(session.role());
                view! { <MacroForm existing keeper done /> }
            })}
            <div class="toolbar" role="search">
                <div class="field field-grow">
                    <label for="macros-search">{i.tr(Key::Search)}</label>
                    <input
                        type="search"
                        id="macros-search"
                        data-testid="macros-search"
                        autocomplete="off"
                        placeholder=i.tr(Key::MoSearchHint)
                        prop:value=move || search.get()
                        on:input=move |ev| {
                            search.set(event_target_value(&ev));
                            debounce.run(SEARCH_DEBOUNCE, reload);
                        }
                    />
                </div>
                <ChoiceSelect
                    id="macros-scope"
                    label=Key::MoScope
                    choices=vec![("personal", Key::MoPersonal), ("shared", Key::MoShared)]
                    value=scope.into()
                    any=Key::MoAnyScope
                    on_pick=Callback::new(move |v| {
                        scope.set(v);
                        reload();
                    })
                />
            </div>
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(4, 6)
                testid="macros-table"
                filtered=Callback::new(move |_| filter.with_value(|f| f.q.is_some() || f.scope.is_some()))
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|m| (m.id, m.version, m.usage_count)
                        children=move |m| view! { <MacroRow macro_=m edit deleted=done /> }
                    />
                }
                empty=move || view! {
                    <div class="state" data-testid="macros-empty">
                        <p>{i.tr(Key::MoEmpty)}</p>
                        <button type="button" class="btn btn-primary" data-testid="macros-empty-create" on:click=new_macro>
                            {i.tr(Key::MoNew)}
                        </button>
                    </div>
                }
                no_match=move || view! {
                    <div class="state" data-testid="macros-no-match">
                        <p>{i.tr(Key::MoNoMatch)}</p>
                        <button type="button" class="btn" data-testid="clear-filters" on:click=move |_| clear_filters()>
                            {i.tr(Key::ClearFilters)}
                        </button>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "load-more")}
        </div>
    }
}

#[component]
fn MacroRow(
    macro_: Macro,
    edit: Callback<i64>,
    deleted: Callback<Option<String>>,
) -> impl IntoView {
    let i = use_i18n();
    let id = macro_.id;
    let name = macro_.name.clone();
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let remove = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let name = name.clone();
        crate::task::spawn(async move {
            match api::macros::delete(id).await {
                Ok(()) => deleted.run(Some(i.f(Key::MoDeleted, &[&name]))),
                Err(e) => {
                    failure.set(Some(action_error(i, &e)));
                    busy.set(false);
                }
            }
        });
    };
    let actions = macro_.actions.clone();
    let shown = macro_.clone();
    view! {
        <tr data-testid="macro-row" data-macro-id=id.to_string()>
            <td data-label=i.tr(Key::MoName)>
                <strong data-testid="macro-name">{macro_.name.clone()}</strong>
                <p class="muted excerpt" data-testid="macro-preview">{move || preview(i, &shown)}</p>
            </td>
            <td data-label=i.tr(Key::MoScope)>
                <span class=format!("badge macro-{}", macro_.scope.as_str()) data-testid="macro-scope">
                    {i.tr(scope_key(macro_.scope))}
                </span>
            </td>
            <td data-label=i.tr(Key::MoActionsCol) data-testid="macro-actions">
                {move || {
                    let text = describe_actions(i, &actions);
                    if text.is_empty() { i.t(Key::MoNone).to_string() } else { capitalized(&text) }
                }}
            </td>
            <td data-label=i.tr(Key::MoUsed) data-testid="macro-used">
                {move || i.f(Key::MoTimesUsed, &[&macro_.usage_count.to_string()])}
            </td>
            <td data-label=i.tr(Key::MoMadeBy)>{macro_.owner_name.clone()}</td>
            <td>
                {macro_.can_edit.then(|| view! {
                    <div class="actions">
                        <button type="button" class="btn" data-testid="macro-edit" on:click=move |_| edit.run(id)>
                            {i.tr(Key::Edit)}
                        </button>
                        <Show
                            when=move || confirming.get()
                            fallback=move || view! {
                                <button type="button" class="btn" data-testid="macro-delete" on:click=move |_| confirming.set(true)>
                                    {i.tr(Key::MoDelete)}
                                </button>
                            }
                        >
                            <span role="alert">{i.tr(Key::MoDeleteQuestion)}</span>
                            <button type="button" class="btn btn-danger" data-testid="macro-delete-confirm" disabled=busy on:click=remove.clone()>
                                {i.tr(Key::MoDeleteConfirm)}
                            </button>
                            <button type="button" class="btn" on:click=move |_| confirming.set(false)>
                                {i.tr(Key::Cancel)}
                            </button>
                        </Show>
                    </div>
                })}
                {move || failure.get().map(|m| view! { <p class="text-error" role="alert">{m}</p> })}
            </td>
        </tr>
    }
}

/// A labelled multi-line input bound to `value`, with its error.
#[component]
fn TextAreaField(
    id: &'static str,
    label: Key,
    value: RwSignal<String>,
    field: &'static str,
    errors: RwSignal<FieldErrors>,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let i = use_i18n();
    let error_id = format!("{id}-error");
    let has_error = move || errors.with(|e| e.contains_key(field));
    let described = error_id.clone();
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id>{i.tr(label)}</label>
            <textarea
                id=id
                name=field
                data-testid=id
                rows=rows
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=move || has_error().then(|| described.clone())
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    clear_error(errors, field);
                }
            ></textarea>
            {children.map(|c| view! { <p class="field-hint">{c()}</p> })}
            <FieldError errors field id=error_id />
        </div>
    }
}

/// The tier a macro escalates to, or none.
#[component]
fn TierSelect(value: RwSignal<String>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="field">
            <label for="macro-tier">{i.tr(Key::MoSetTier)}</label>
            <select id="macro-tier" data-testid="macro-tier" on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" prop:selected=move || value.with(String::is_empty)>{i.tr(Key::MoNoChange)}</option>
                {(1..=MAX_TIER)
                    .map(|tier| {
                        let v = tier.to_string();
                        let shown = v.clone();
                        view! {
                            <option value=v.clone() prop:selected=move || value.with(|x| *x == v)>
                                {move || i.f(Key::TkTierN, &[&shown])}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

#[component]
fn MacroForm(
    existing: Option<Tagged<Macro>>,
    /// The user keeps shared macros (admin, manager).
    keeper: bool,
    /// Closes the form; with a message after a save.
    done: Callback<Option<String>>,
) -> impl IntoView {
    let i = use_i18n();
    let current = existing.as_ref().map(|t| t.value.clone());
    let etag = StoredValue::new(existing.and_then(|t| t.etag));
    let editing = current.as_ref().map(|m| m.id);
    let pick = |f: fn(&Macro) -> String| current.as_ref().map(f).unwrap_or_default();
    let name = RwSignal::new(pick(|m| m.name.clone()));
    let body_zh = RwSignal::new(pick(|m| m.body_zh.clone()));
    let body_en = RwSignal::new(pick(|m| m.body_en.clone()));
    let shared = RwSignal::new(
        current
            .as_ref()
            .is_some_and(|m| m.scope == MacroScope::Shared),
    );
    let actions = current
        .as_ref()
        .map(|m| m.actions.clone())
        .unwrap_or_default();
    let status = RwSignal::new(
        actions
            .status
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    );
    let priority = RwSignal::new(
        actions
            .priority
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
    );
    let tier = RwSignal::new(actions.tier.map(|t| t.to_string()).unwrap_or_default());
    let note = RwSignal::new(actions.internal_note.unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    // A shared macro stays shared for whoever may not change its scope.
    let scope_locked = !keeper;

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let note_text = note.get_untracked();
        let actions = MacroActions {
            status: status.get_untracked().parse().ok(),
            priority: priority.get_untracked().parse::<TicketPriority>().ok(),
            tier: tier.get_untracked().parse().ok(),
            internal_note: (!note_text.trim().is_empty()).then_some(note_text),
        };
        let scope = if shared.get_untracked() {
            MacroScope::Shared
        } else {
            MacroScope::Personal
        };
        let (zh, en) = (body_zh.get_untracked(), body_en.get_untracked());
        errors.set(FieldErrors::new());
        failure.set(None);
        let submit = Submit::new(busy, errors, failure);
        match editing {
            None => {
                let req = CreateMacroRequest {
                    name: name.get_untracked(),
                    body_zh: zh,
                    body_en: en,
                    scope: Some(scope),
                    actions,
                };
                if let Err(fields) = shared::macros::validate_create(&req) {
                    errors.set(fields);
                    return;
                }
                submit.send(
                    async move { api::macros::create(&req).await },
                    move |m: Macro| done.run(Some(i.f(Key::MoCreated, &[&m.name]))),
                );
            }
            Some(id) => {
                let req = UpdateMacroRequest {
                    name: Some(name.get_untracked()),
                    body_zh: Some(zh.clone()),
                    body_en: Some(en.clone()),
                    scope: (!scope_locked).then_some(scope),
                    actions: Some(actions),
                };
                if let Err(fields) = shared::macros::validate_update(&req, &zh, &en) {
                    errors.set(fields);
                    return;
                }
                let tag = etag.get_value();
                submit.send(
                    async move { api::macros::update(id, &req, tag.as_deref()).await },
                    move |_| done.run(Some(i.t(Key::Saved).to_string())),
                );
            }
        }
    };
    let status_choices: Vec<(&'static str, Key)> = settable_statuses()
        .into_iter()
        .map(|s| (s.as_str(), status_key(s)))
        .collect();
    let title = if editing.is_some() {
        Key::MoEditTitle
    } else {
        Key::MoNew
    };
    view! {
        <form class="card form-card form-wide" on:submit=submit novalidate=true data-testid="macro-form">
            <h2>{i.tr(title)}</h2>
            <ErrorBanner failure testid="macro-form-error" />
            <TextField id="macro-name" label=Key::MoName value=name field="name" errors required=true autocomplete="off" />
            <TextAreaField id="macro-body-zh" label=Key::MoBodyZh value=body_zh field="body_zh" errors>
                {i.tr(Key::MoBodyHint)} <PlaceholderList />
            </TextAreaField>
            <TextAreaField id="macro-body-en" label=Key::MoBodyEn value=body_en field="body_en" errors />
            <fieldset class="field">
                <legend>{i.tr(Key::MoScope)}</legend>
                <label class="check">
                    <input
                        type="radio"
                        name="macro-scope"
                        data-testid="macro-scope-personal"
                        disabled=scope_locked
                        prop:checked=move || !shared.get()
                        on:change=move |_| shared.set(false)
                    />
                    {i.tr(Key::MoPersonal)}
                </label>
                <label class="check">
                    <input
                        type="radio"
                        name="macro-scope"
                        data-testid="macro-scope-shared"
                        disabled=scope_locked
                        prop:checked=move || shared.get()
                        on:change=move |_| shared.set(true)
                    />
                    {i.tr(Key::MoShared)}
                </label>
                {scope_locked.then(|| view! { <p class="field-hint">{i.tr(Key::MoSharedHint)}</p> })}
            </fieldset>
            <fieldset class="field">
                <legend>{i.tr(Key::MoActions)}</legend>
                <p class="field-hint">{i.tr(Key::MoActionsHint)}</p>
                <div class="form-grid">
                    <ChoiceSelect
                        id="macro-status"
                        label=Key::MoSetStatus
                        choices=status_choices
                        value=status.into()
                        any=Key::MoNoChange
                        on_pick=Callback::new(move |v| status.set(v))
                    />
                    <ChoiceSelect
                        id="macro-priority"
                        label=Key::MoSetPriority
                        choices=priority_choices()
                        value=priority.into()
                        any=Key::MoNoChange
                        on_pick=Callback::new(move |v| priority.set(v))
                    />
                    <TierSelect value=tier />
                </div>
                <FieldError errors field="actions.status" id="macro-status-error".to_string() />
                <FieldError errors field="actions.tier" id="macro-tier-error".to_string() />
                <TextAreaField id="macro-note" label=Key::MoNote value=note field="actions.internal_note" errors rows=2>
                    {i.tr(Key::MoNoteHint)}
                </TextAreaField>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="macro-submit" disabled=busy>
                    {move || {
                        let key = match (busy.get(), editing.is_some()) {
                            (true, true) => Key::Saving,
                            (true, false) => Key::MoCreating,
                            (false, true) => Key::Save,
                            (false, false) => Key::MoCreate,
                        };
                        i.t(key)
                    }}
                </button>
                <button type="button" class="btn" data-testid="macro-cancel" on:click=move |_| done.run(None)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
