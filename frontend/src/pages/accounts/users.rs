//! `/users` (admins): the workspace's users, inviting new ones, changing
//! roles and deactivating or reactivating.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::users::{CreateUserRequest, UpdateUserRequest, User};
use shared::{FieldErrors, Role};
use wasm_bindgen::JsCast;

use crate::api::{self, ApiErr};
use crate::components::fields::{expanded, ErrorBanner, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::list_view::{list_phase, ListView};
use crate::components::paged::{load_more_footer, pager};
use crate::components::pickers::RoleSelect;
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::components::url_filter::{UrlFilter, UrlFiltered};
use crate::i18n::{role_key, use_i18n, Key};
use crate::logic::forms;
use crate::logic::paging::ListState;
use crate::logic::query::UserFilter;
use crate::pages::accounts::certifications::{CertificationsPanel, RoutingCard};
use crate::session::use_session;

const USERS_PAGE: u64 = 50;

impl UrlFilter for UserFilter {
    fn from_search(search: &str) -> Self {
        UserFilter::from_search(search)
    }
    fn href(&self) -> String {
        UserFilter::href(self)
    }
    fn text(&self) -> &str {
        &self.q
    }
    fn text_mut(&mut self) -> &mut String {
        &mut self.q
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Guard audience=Audience::Admin>
            <UsersAdmin />
        </Guard>
    }
}

#[component]
fn UsersAdmin() -> impl IntoView {
    let i = use_i18n();
    // The filters live in the URL (`/users?q=王&role=engineer`).
    let url = UrlFiltered::<UserFilter>::new();
    let (filter, search) = (url.filter, url.search);
    let list = RwSignal::new(ListState::<User, ApiErr>::default());
    let inviting = RwSignal::new(false);

    let (reload, load_more) = pager(list, move |cursor| {
        let f = filter.get_untracked();
        async move { api::users::list_where(&f, USERS_PAGE, cursor.as_deref()).await }
    });
    Effect::new(move |_| {
        filter.track();
        reload();
    });
    let on_search = move |ev: leptos::ev::Event| url.on_search(ev);
    let on_updated = Callback::new(move |user: User| {
        list.update(|l| l.replace(|u| u.id == user.id, user.clone()));
    });
    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::Name)}</th>
                    <th scope="col">{i.tr(Key::Email)}</th>
                    <th scope="col">{i.tr(Key::Role)}</th>
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col">{i.tr(Key::Since)}</th>
                    <th scope="col"><span class="visually-hidden">{i.tr(Key::Actions)}</span></th>
                </tr>
            </thead>
        }
    };

    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="users-heading">{i.tr(Key::NavUsers)}</h1>
                <button
                    type="button"
                    class="btn btn-primary"
                    data-testid="invite-user"
                    aria-expanded=expanded(inviting)
                    on:click=move |_| inviting.update(|v| *v = !*v)
                >
                    {i.tr(Key::InviteUser)}
                </button>
            </header>
            {move || {
                inviting
                    .get()
                    .then(|| {
                        view! {
                            <InviteForm on_done=Callback::new(move |created: bool| {
                                inviting.set(false);
                                if created {
                                    reload();
                                }
                            }) />
                        }
                    })
            }}
            <RoutingCard />
            <div class="toolbar" role="search" data-testid="user-filters">
                <div class="field field-grow">
                    <label for="users-search">{i.tr(Key::Search)}</label>
                    <input
                        type="search"
                        id="users-search"
                        data-testid="users-search"
                        autocomplete="off"
                        placeholder=i.tr(Key::UsSearchHint)
                        prop:value=move || search.get()
                        on:input=on_search
                    />
                </div>
                <div class="field">
                    <label for="filter-role">{i.tr(Key::Role)}</label>
                    <select
                        id="filter-role"
                        data-testid="filter-role"
                        on:change=move |ev| {
                            let role = event_target_value(&ev).parse().ok();
                            url.update(|f| f.role = role);
                        }
                    >
                        <option value="" prop:selected=move || filter.with(|f| f.role.is_none())>
                            {i.tr(Key::UsAllRoles)}
                        </option>
                        {Role::STAFF
                            .iter()
                            .map(|r| {
                                let r = *r;
                                view! {
                                    <option value=r.as_str() prop:selected=move || filter.with(|f| f.role == Some(r))>
                                        {i.tr(role_key(r))}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(4, 6)
                testid="users-table"
                busy=false
                filtered=Callback::new(move |_| !filter.with_untracked(UserFilter::is_unfiltered))
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|u| (u.id, u.role, u.active, u.invited)
                        children=move |u| view! { <UserRow user=u on_updated /> }
                    />
                }
                no_match=move || view! {
                    <div class="state" data-testid="users-no-match">
                        <p>{i.tr(Key::UsNoMatch)}</p>
                        <button
                            type="button"
                            class="btn btn-ghost"
                            data-testid="users-clear-filters"
                            on:click=move |_| url.clear()
                        >
                            {i.tr(Key::ClearFilters)}
                        </button>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "users-load-more")}
        </div>
    }
}

/// Puts a `<select>` back to a value (after a refused change).
fn reset_select(target: Option<web_sys::EventTarget>, value: &str) {
    if let Some(el) = target.and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
        el.set_value(value);
    }
}

#[component]
fn UserRow(user: User, on_updated: Callback<User>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let session = use_session();
    let busy = RwSignal::new(false);
    let id = user.id;
    let role = user.role;
    let active = user.active;
    let is_me = move || session.user().is_some_and(|me| me.id == id);
    let roles: &'static [Role] = if role.is_portal() {
        Role::PORTAL
    } else {
        Role::STAFF
    };
    let name = StoredValue::new(user.name.clone());

    let change_role = move |ev: leptos::ev::Event| {
        let Ok(new_role) = event_target_value(&ev).parse::<Role>() else {
            return;
        };
        let target = ev.target();
        // A role decides what someone may do: ask before changing it.
        let question = i.f(
            Key::RoleChangeConfirm,
            &[
                &name.get_value(),
                i.t(role_key(role)),
                i.t(role_key(new_role)),
            ],
        );
        if !window().confirm_with_message(&question).unwrap_or(false) {
            reset_select(target, role.as_str());
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            let req = UpdateUserRequest {
                role: Some(new_role),
                ..Default::default()
            };
            match api::users::update(id, &req).await {
                Ok(user) => {
                    toasts.success(i.f(Key::RoleChanged, &[&user.name, i.t(role_key(user.role))]));
                    on_updated.try_run(user);
                }
                Err(e) => {
                    reset_select(target, role.as_str());
                    toasts.error(i.error(&e));
                }
            }
            busy.set(false);
        });
    };

    let toggle_active = move |_| {
        busy.set(true);
        crate::task::spawn(async move {
            let req = UpdateUserRequest {
                active: Some(!active),
                ..Default::default()
            };
            match api::users::update(id, &req).await {
                Ok(user) => {
                    let key = if user.active {
                        Key::UserReactivated
                    } else {
                        Key::UserDeactivated
                    };
                    toasts.success(i.f(key, &[&user.name]));
                    on_updated.try_run(user);
                }
                Err(e) => toasts.error(i.error(&e)),
            }
            busy.set(false);
        });
    };

    let status_key = if !active {
        Key::StatusDeactivated
    } else if user.invited {
        Key::StatusInvited
    } else {
        Key::StatusActive
    };
    let certs_open = RwSignal::new(false);
    let staff = role.is_staff();
    let role_select_id = format!("user-role-{id}");
    let created = user.created_at;

    view! {
        <tr data-testid="user-row" data-user-id=id.to_string() data-role=role.as_str() class:row-muted=!active>
            <td data-label=i.tr(Key::Name)>
                {user.name}
                {move || is_me().then(|| view! { " " <span class="badge">{i.t(Key::You)}</span> })}
            </td>
            <td data-label=i.tr(Key::Email)>{user.email}</td>
            <td data-label=i.tr(Key::Role)>
                <label class="visually-hidden" for=role_select_id.clone()>
                    {move || i.f(Key::RoleOf, &[&name.get_value()])}
                </label>
                <select
                    id=role_select_id.clone()
                    data-testid=role_select_id
                    disabled=move || busy.get() || is_me() || !active
                    on:change=change_role
                >
                    {roles
                        .iter()
                        .map(|r| {
                            let r = *r;
                            view! {
                                <option value=r.as_str() selected=r == role>
                                    {i.tr(role_key(r))}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </td>
            <td data-label=i.tr(Key::Status)>
                <span class="badge" class:badge-ok=active && !user.invited class:badge-muted=!active>
                    {i.tr(status_key)}
                </span>
            </td>
            <td data-label=i.tr(Key::Since)>{i.date_of(created)}</td>
            <td>
                <button
                    type="button"
                    class="btn btn-small"
                    class:btn-danger-ghost=active
                    data-testid=format!("user-toggle-{id}")
                    disabled=move || busy.get() || is_me()
                    on:click=toggle_active
                >
                    {move || if active { i.t(Key::Deactivate) } else { i.t(Key::Reactivate) }}
                </button>
                {staff.then(|| view! {
                    " "
                    <button
                        type="button"
                        class="btn btn-small"
                        data-testid=format!("user-certs-{id}")
                        aria-expanded=expanded(certs_open)
                        on:click=move |_| certs_open.update(|v| *v = !*v)
                    >
                        {i.tr(Key::CfShow)}
                    </button>
                })}
            </td>
        </tr>
        {move || certs_open.get().then(|| view! {
            <tr class="row-detail">
                <td colspan="6"><CertificationsPanel user_id=id /></td>
            </tr>
        })}
    }
}

#[component]
fn InviteForm(on_done: Callback<bool>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Csm);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (n, e) = (
            name.get_untracked().trim().to_string(),
            email.get_untracked().trim().to_string(),
        );
        if let Err(fields) = forms::invite_user(&n, &e) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        let req = CreateUserRequest {
            name: n,
            email: e,
            role: role.get_untracked(),
        };
        let email = req.email.clone();
        Submit::new(busy, errors, failure)
            .conflict_on("email")
            .send(async move { api::users::create(&req).await }, move |()| {
                toasts.success(i.f(Key::UserInvited, &[&email]));
                on_done.try_run(true);
            });
    };

    view! {
        <form class="card form-card" on:submit=submit novalidate=true data-testid="invite-user-form">
            <h2>{i.tr(Key::InviteUser)}</h2>
            <ErrorBanner failure testid="user-form-error" />
            <div class="form-grid">
                <TextField id="user-name" label=Key::Name value=name field="name" errors error_prefix="user-" required=true />
                <TextField
                    id="user-email"
                    label=Key::Email
                    value=email
                    field="email"
                    errors
                    error_prefix="user-"
                    kind="email"
                    required=true
                />
                <RoleSelect id="user-role" label=Key::Role roles=Role::STAFF value=role />
            </div>
            <p class="field-hint" data-testid="invite-hint">{i.tr(Key::InviteByMailHint)}</p>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="user-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::InviteUser)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="user-cancel" on:click=move |_| on_done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
