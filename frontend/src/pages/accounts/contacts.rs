//! An account's contacts: the table, the add-contact form, editing and
//! archiving a contact (archived ones shown on request), and giving a
//! contact access to the customer portal.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::accounts::{Contact, CreateContactRequest, PortalAccessRequest, UpdateContactRequest};
use shared::{ErpModule, FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::{expanded, ErrorBanner, FormBanner, ModulesPicker, TextField};
use crate::components::list_view::{list_phase, ListView};
use crate::components::paged::{load_more_footer, pager};
use crate::components::pickers::RoleSelect;
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{role_key, use_i18n, Key};
use crate::logic::account_form::{normalize_modules, opt_text};
use crate::logic::forms;
use crate::logic::paging::ListState;
use crate::pages::accounts::list::module_list;

#[component]
pub fn ContactsSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let list = RwSignal::new(ListState::<Contact, ApiErr>::default());
    let adding = RwSignal::new(false);
    // One portal-access form at a time (its inputs have fixed ids).
    let granting = RwSignal::new(None::<i64>);
    // One edit form or archive question at a time, as well.
    let changing = RwSignal::new(None::<(i64, ContactChange)>);
    let show_archived = RwSignal::new(false);

    let (reload, load_more) = pager(list, move |cursor| {
        let archived = show_archived.get_untracked();
        async move { api::contacts::list_with(account_id, archived, cursor.as_deref()).await }
    });
    reload();

    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::Name)}</th>
                    <th scope="col">{i.tr(Key::JobTitle)}</th>
                    <th scope="col">{i.tr(Key::Email)}</th>
                    <th scope="col">{i.tr(Key::Phone)}</th>
                    <th scope="col">{i.tr(Key::ResponsibleFor)}</th>
                    <th scope="col">{i.tr(Key::PortalAccess)}</th>
                    <th scope="col">{i.tr(Key::Actions)}</th>
                </tr>
            </thead>
        }
    };

    view! {
        <section class="card" aria-labelledby="contacts-title" data-testid="contacts">
            <header class="section-header">
                <h2 id="contacts-title">{i.tr(Key::Contacts)}</h2>
                <button
                    type="button"
                    class="btn"
                    data-testid="contact-add"
                    aria-expanded=expanded(adding)
                    on:click=move |_| adding.update(|a| *a = !*a)
                >
                    {i.tr(Key::AddContact)}
                </button>
            </header>
            <label class="check" for="contacts-show-archived">
                <input
                    type="checkbox"
                    id="contacts-show-archived"
                    data-testid="contacts-show-archived"
                    prop:checked=move || show_archived.get()
                    on:change=move |ev| {
                        show_archived.set(event_target_checked(&ev));
                        reload();
                    }
                />
                " "
                {i.tr(Key::GpShowArchived)}
            </label>
            {move || {
                adding
                    .get()
                    .then(|| {
                        view! {
                            <NewContactForm
                                account_id
                                on_done=Callback::new(move |created: bool| {
                                    adding.set(false);
                                    if created {
                                        reload();
                                    }
                                })
                            />
                        }
                    })
            }}
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(3, 7)
                testid="contacts-table"
                busy=false
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|c| (c.id, c.portal_user_id, c.updated_at, c.archived)
                        children=move |c| {
                            view! { <ContactRow contact=c granting changing on_changed=Callback::new(move |_| reload()) /> }
                        }
                    />
                }
                empty=move || view! {
                    <p class="muted" data-testid="contacts-empty">{i.tr(Key::NoContactsYet)}</p>
                }
            />
            {load_more_footer(list, load_more, "contacts-load-more")}
        </section>
    }
}

/// What a row's open sub-form does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContactChange {
    Edit,
    Archive,
}

#[component]
fn ContactRow(
    contact: Contact,
    granting: RwSignal<Option<i64>>,
    changing: RwSignal<Option<(i64, ContactChange)>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let id = contact.id;
    let archived = contact.archived;
    let for_edit = StoredValue::new(contact.clone());
    let change_open = move |what| changing.get() == Some((id, what));
    let toggle = move |what| {
        granting.set(None);
        changing.set(if change_open(what) {
            None
        } else {
            Some((id, what))
        });
    };
    let open = move || granting.get() == Some(id);
    let has_email = contact
        .email
        .as_deref()
        .is_some_and(|e| !e.trim().is_empty());
    let modules = contact.modules.clone();
    let portal_role = contact.portal_role;
    let contact_name = contact.name.clone();
    let dash = || "—".to_string();
    view! {
        <tr data-testid="contact-row" data-contact-id=id.to_string() data-archived=archived.to_string()>
            <td data-label=i.tr(Key::Name)>
                {contact.name}
                {archived.then(|| view! { " " <span class="badge badge-muted" data-testid="contact-archived">{i.tr(Key::Archived)}</span> })}
            </td>
            <td data-label=i.tr(Key::JobTitle)>{contact.title.unwrap_or_else(dash)}</td>
            <td data-label=i.tr(Key::Email)>{contact.email.unwrap_or_else(dash)}</td>
            <td data-label=i.tr(Key::Phone)>{contact.phone.unwrap_or_else(dash)}</td>
            <td data-label=i.tr(Key::ResponsibleFor)>
                {move || if modules.is_empty() { dash() } else { module_list(&modules, i.lang()) }}
            </td>
            <td data-label=i.tr(Key::PortalAccess)>
                {match portal_role {
                    _ if archived => view! { <span class="muted">"—"</span> }.into_any(),
                    Some(role) => {
                        view! { <span class="badge badge-ok" data-testid="portal-role">{i.tr(role_key(role))}</span> }
                            .into_any()
                    }
                    None => {
                        view! {
                            <button
                                type="button"
                                class="btn btn-small"
                                data-testid="portal-access"
                                aria-expanded=move || open().to_string()
                                on:click=move |_| {
                                    changing.set(None);
                                    granting.set(if open() { None } else { Some(id) });
                                }
                            >
                                {i.tr(Key::GivePortalAccess)}
                            </button>
                        }
                            .into_any()
                    }
                }}
            </td>
            <td data-label=i.tr(Key::Actions)>
                {(!archived).then(|| view! {
                    <div class="actions">
                        <button
                            type="button"
                            class="btn btn-small btn-ghost"
                            data-testid="contact-edit"
                            aria-expanded=move || change_open(ContactChange::Edit).to_string()
                            on:click=move |_| toggle(ContactChange::Edit)
                        >
                            {i.tr(Key::Edit)}
                        </button>
                        <button
                            type="button"
                            class="btn btn-small btn-ghost"
                            data-testid="contact-archive"
                            aria-expanded=move || change_open(ContactChange::Archive).to_string()
                            on:click=move |_| toggle(ContactChange::Archive)
                        >
                            {i.tr(Key::Archive)}
                        </button>
                    </div>
                })}
            </td>
        </tr>
        {move || {
            change_open(ContactChange::Edit).then(|| view! {
                <tr class="subrow">
                    <td colspan="7">
                        <EditContactForm
                            contact=for_edit.get_value()
                            on_done=Callback::new(move |saved: bool| {
                                changing.set(None);
                                if saved {
                                    on_changed.try_run(());
                                }
                            })
                        />
                    </td>
                </tr>
            })
        }}
        {move || {
            change_open(ContactChange::Archive).then(|| view! {
                <tr class="subrow">
                    <td colspan="7">
                        <ArchiveContact
                            contact_id=id
                            name=for_edit.with_value(|c| c.name.clone())
                            on_done=Callback::new(move |archived: bool| {
                                changing.set(None);
                                if archived {
                                    on_changed.try_run(());
                                }
                            })
                        />
                    </td>
                </tr>
            })
        }}
        {move || {
            open()
                .then(|| {
                    view! {
            <tr class="subrow">
                <td colspan="7">
                    <PortalAccessForm
                        contact_id=id
                        contact_name=contact_name.clone()
                        has_email
                        on_done=Callback::new(move |granted: bool| {
                            granting.set(None);
                            if granted {
                                on_changed.try_run(());
                            }
                        })
                    />
                </td>
            </tr>
                    }
                })
        }}
    }
}

#[component]
fn PortalAccessForm(
    contact_id: i64,
    contact_name: String,
    has_email: bool,
    on_done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let role = RwSignal::new(Role::Customer);
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name = StoredValue::new(contact_name);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if !has_email {
            failure.set(Some(i.t(Key::PortalNeedsEmail).to_string()));
            return;
        }
        failure.set(None);
        busy.set(true);
        // Read now: the form may be gone when the answer arrives.
        let name = name.get_value();
        let req = PortalAccessRequest {
            role: role.get_untracked(),
        };
        crate::task::spawn(async move {
            match api::contacts::grant_portal_access(contact_id, &req).await {
                Ok(()) => {
                    toasts.success(i.f(Key::PortalInvited, &[&name]));
                    on_done.try_run(true);
                }
                Err(err) => {
                    failure.set(Some(i.error(&err)));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="portal-access-form">
            <FormBanner message=Signal::derive(move || failure.get()) testid="portal-form-error" />
            <div class="form-grid">
                <RoleSelect id="portal-role-select" label=Key::PortalRole roles=Role::PORTAL value=role />
            </div>
            <p class="field-hint" data-testid="portal-invite-hint">{i.tr(Key::PortalInviteHint)}</p>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="portal-submit" disabled=busy>
                    {i.tr(Key::GivePortalAccess)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="portal-cancel" on:click=move |_| on_done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn NewContactForm(account_id: i64, on_done: Callback<bool>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let modules = RwSignal::new(Vec::<ErpModule>::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = CreateContactRequest {
            name: name.get_untracked().trim().to_string(),
            email: opt_text(&email.get_untracked()),
            phone: opt_text(&phone.get_untracked()),
            title: opt_text(&title.get_untracked()),
            modules: normalize_modules(&modules.get_untracked()),
        };
        if let Err(fields) = forms::create_contact(&req) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        let name = req.name.clone();
        Submit::new(busy, errors, failure)
            .conflict_on("email")
            .send(
                async move { api::contacts::create(account_id, &req).await },
                move |()| {
                    toasts.success(i.f(Key::ContactAdded, &[&name]));
                    on_done.try_run(true);
                },
            );
    };

    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="new-contact-form">
            <ErrorBanner failure testid="contact-form-error" />
            <div class="form-grid">
                <TextField id="contact-name" label=Key::Name value=name field="name" errors error_prefix="contact-" required=true />
                <TextField id="contact-title" label=Key::JobTitle value=title field="title" errors error_prefix="contact-" />
                <TextField
                    id="contact-email"
                    label=Key::Email
                    value=email
                    field="email"
                    errors
                    error_prefix="contact-"
                    kind="email"
                />
                <TextField id="contact-phone" label=Key::Phone value=phone field="phone" errors error_prefix="contact-" kind="tel" />
            </div>
            <ModulesPicker prefix="contact" selected=modules />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="contact-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::AddContact)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="contact-cancel" on:click=move |_| on_done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

/// The row's edit form: every field of the contact, checked by the same
/// rules as a new one.
#[component]
fn EditContactForm(contact: Contact, on_done: Callback<bool>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = contact.id;
    let name = RwSignal::new(contact.name);
    let email = RwSignal::new(contact.email.unwrap_or_default());
    let phone = RwSignal::new(contact.phone.unwrap_or_default());
    let title = RwSignal::new(contact.title.unwrap_or_default());
    let modules = RwSignal::new(contact.modules);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let check = CreateContactRequest {
            name: name.get_untracked().trim().to_string(),
            email: opt_text(&email.get_untracked()),
            phone: opt_text(&phone.get_untracked()),
            title: opt_text(&title.get_untracked()),
            modules: normalize_modules(&modules.get_untracked()),
        };
        if let Err(fields) = forms::create_contact(&check) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        let req = UpdateContactRequest {
            name: Some(check.name),
            email: Some(check.email),
            phone: Some(check.phone),
            title: Some(check.title),
            modules: Some(check.modules),
        };
        Submit::new(busy, errors, failure)
            .conflict_on("email")
            .send(
                async move { api::contacts::update(id, &req).await },
                move |_| {
                    toasts.success(i.t(Key::GpContactSaved));
                    on_done.try_run(true);
                },
            );
    };

    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="edit-contact-form" aria-label=i.tr(Key::GpEditContact)>
            <ErrorBanner failure testid="edit-contact-error" />
            <div class="form-grid">
                <TextField id="edit-contact-name" label=Key::Name value=name field="name" errors error_prefix="edit-contact-" required=true />
                <TextField id="edit-contact-title" label=Key::JobTitle value=title field="title" errors error_prefix="edit-contact-" />
                <TextField id="edit-contact-email" label=Key::Email value=email field="email" errors error_prefix="edit-contact-" kind="email" />
                <TextField id="edit-contact-phone" label=Key::Phone value=phone field="phone" errors error_prefix="edit-contact-" kind="tel" />
            </div>
            <ModulesPicker prefix="edit-contact" selected=modules />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="edit-contact-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="edit-contact-cancel" on:click=move |_| on_done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

/// The row's archive question: archiving ends the contact's portal login.
#[component]
fn ArchiveContact(contact_id: i64, name: String, on_done: Callback<bool>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiErr>);
    let name = StoredValue::new(name);
    let archive = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::contacts::archive(contact_id).await {
                Ok(_) => {
                    toasts.success(i.f(Key::GpContactArchived, &[&name.get_value()]));
                    on_done.try_run(true);
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="banner banner-warning" role="group" data-testid="contact-archive-box">
            <ErrorBanner failure testid="contact-archive-error" />
            <p>{move || i.f(Key::GpArchiveContactQ, &[&name.get_value()])}</p>
            <div class="form-actions">
                <button type="button" class="btn btn-danger" data-testid="contact-archive-confirm" disabled=busy on:click=archive>
                    {i.tr(Key::Archive)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="contact-archive-cancel" on:click=move |_| on_done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </div>
    }
}
