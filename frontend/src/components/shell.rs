//! The frame around signed-in pages: header with the product name, the
//! navigation (only links to pages the user may open), the language switch
//! and the user menu with sign-out.

use leptos::prelude::*;
use shared::Role;

use crate::components::announce::SkipLink;
use crate::i18n::{role_key, use_i18n, Key, Lang};
use crate::router::{navigate, use_location};
use crate::session::{use_session, Status};

/// The language switch (a `<select>`: keyboard- and screen-reader-friendly).
#[component]
pub fn LangSwitch() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    view! {
        <label class="lang-switch">
            <span class="visually-hidden">{i.tr(Key::Language)}</span>
            <select
                data-testid="lang-switch"
                on:change=move |ev| {
                    let lang = Lang::from_tag(&event_target_value(&ev));
                    i.set(lang);
                    // Signed in: e-mail follows the choice too.
                    if session.status.with_untracked(|s| matches!(s, Status::SignedIn(_))) {
                        crate::task::spawn(async move {
                            let _ = crate::api::auth::set_locale(lang.tag()).await;
                        });
                    }
                }
            >
                {Lang::ALL
                    .iter()
                    .map(|lang| {
                        let lang = *lang;
                        view! {
                            <option value=lang.tag() prop:selected=move || i.lang() == lang>
                                {lang.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The signed-in user's name, role and the sign-out button.
#[component]
fn UserMenu() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let busy = RwSignal::new(false);
    let logout = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            session.logout().await;
            navigate("/login");
        });
    };
    // Other workspaces where this address has a login: switching signs out
    // here and in there (with that login's password).
    let others = RwSignal::new(Vec::<shared::auth::Workspace>::new());
    crate::task::spawn(async move {
        if let Ok(list) = crate::api::auth::other_workspaces().await {
            others.set(list);
        }
    });
    let switch_to = move |id: i64| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let email = session.user().map(|u| u.email).unwrap_or_default();
        crate::task::spawn(async move {
            session.logout().await;
            let email = js_sys::encode_uri_component(&email);
            // A page load, not an in-app navigation: signing out sends the
            // staff pages' guard to `/login` as well, and that replaces the
            // address of an in-app navigation; a fresh load of the login page
            // also leaves nothing of the other workspace behind.
            let _ = window()
                .location()
                .set_href(&format!("/login?workspace={id}&email={email}"));
        });
    };
    view! {
        <details class="user-menu">
            <summary data-testid="user-menu">
                {move || session.user().map(|u| u.name).unwrap_or_default()}
            </summary>
            <div class="user-menu-panel">
                {move || {
                    session
                        .user()
                        .map(|u| {
                            view! {
                                <p class="user-email">{u.email}</p>
                                <p class="muted">{i.t(role_key(u.role))}</p>
                            }
                        })
                }}
                <For
                    each=move || others.get()
                    key=|w| w.id
                    children=move |w| {
                        let id = w.id;
                        view! {
                            <button
                                type="button"
                                class="btn btn-block"
                                data-testid="switch-workspace"
                                disabled=busy
                                on:click=move |_| switch_to(id)
                            >
                                {move || i.f(Key::SwitchTo, &[&w.name])}
                            </button>
                        }
                    }
                />
                <a href="/password" class="btn btn-block" data-testid="change-password">
                    {i.tr(Key::ChangePassword)}
                </a>
                // Every staff member keeps their own macros (canned replies).
                {move || session.role().is_some_and(Role::is_staff).then(|| view! {
                    <a href="/settings/macros" class="btn btn-block" data-testid="my-macros">
                        {i.tr(Key::MoTitle)}
                    </a>
                })}
                <button
                    type="button"
                    class="btn btn-block"
                    data-testid="logout"
                    disabled=busy
                    on:click=logout
                >
                    {i.tr(Key::SignOut)}
                </button>
            </div>
        </details>
    }
}

/// Whether `path` is in the section at `href` (itself or below it).
fn in_section(path: &str, href: &str) -> bool {
    path == href
        || path
            .strip_prefix(href)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// A navigation link, marked `aria-current="page"` on its section (`exact`:
/// on its own page only, for a section whose subpages are links of their own).
#[component]
fn NavLink(
    href: &'static str,
    label: Key,
    testid: &'static str,
    #[prop(optional)] exact: bool,
) -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let current = move || {
        let path = location.path.get();
        let hit = if exact {
            path == href
        } else {
            in_section(&path, href)
        };
        hit.then_some("page")
    };
    view! {
        <a href=href data-testid=testid aria-current=current>
            {i.tr(label)}
        </a>
    }
}

/// A menu of navigation links (a `<details>`: keyboard- and
/// screen-reader-friendly without script). It closes after a link is
/// followed, on a click elsewhere and on Escape; its button is marked
/// while one of its `sections` is open.
#[component]
fn NavMenu(
    label: Key,
    testid: &'static str,
    sections: Vec<&'static str>,
    children: Children,
) -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let menu = NodeRef::<leptos::html::Details>::new();
    let close = move || {
        if let Some(d) = menu.get_untracked() {
            let _ = d.remove_attribute("open");
        }
    };
    Effect::new(move |_| {
        location.path.track();
        close();
    });
    let outside = window_event_listener(leptos::ev::click, move |ev| {
        let Some(d) = menu.get_untracked() else {
            return;
        };
        let target = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok());
        if !d.contains(target.as_ref()) {
            let _ = d.remove_attribute("open");
        }
    });
    on_cleanup(move || outside.remove());
    let current = move || {
        let path = location.path.get();
        sections.iter().any(|s| in_section(&path, s))
    };
    let summary = NodeRef::<leptos::html::Summary>::new();
    view! {
        <details class="nav-menu" node_ref=menu
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    close();
                    if let Some(s) = summary.get_untracked() {
                        let _ = s.focus();
                    }
                }
            }>
            <summary data-testid=testid node_ref=summary class:nav-current=current>{i.tr(label)}</summary>
            <div class="nav-menu-panel">{children()}</div>
        </details>
    }
}

/// The caller's open-task counts the navigation shows beside "my work";
/// the shell loads them, and "my work" refreshes them after each change.
#[derive(Clone, Copy)]
pub struct WorkCounts(pub RwSignal<Option<shared::tasks::TaskCounts>>);

impl WorkCounts {
    pub fn refresh(self) {
        crate::task::spawn(async move {
            if let Ok(c) = crate::api::tasks::counts().await {
                self.0.try_set(Some(c));
            }
        });
    }
}

/// "My work" in the navigation, with the number of tasks overdue or due
/// today.
#[component]
fn MyWorkLink(counts: WorkCounts) -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let current = move || (location.path.get() == crate::logic::nav::MY_WORK).then_some("page");
    let due = move || {
        counts
            .0
            .get()
            .map(|c| c.overdue + c.today)
            .filter(|n| *n > 0)
    };
    view! {
        <a href=crate::logic::nav::MY_WORK data-testid="nav-my-work" aria-current=current>
            {i.tr(Key::MwNav)}
            {move || due().map(|n| view! {
                " " <span class="nav-count" data-testid="nav-my-work-count"
                    title=move || i.f(Key::MwBadge, &[&n.to_string()])>{n}</span>
            })}
        </a>
    }
}

#[component]
pub fn StaffShell(children: Children) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let counts = WorkCounts(RwSignal::new(None));
    provide_context(counts);
    counts.refresh();
    let engineer = move || session.role() == Some(Role::Engineer);
    let keeper = move || matches!(session.role(), Some(Role::Admin | Role::Manager));
    view! {
        <div class="app">
            <SkipLink />
            <header class="topbar">
                <a class="brand" href="/" data-testid="brand">
                    <span class="brand-mark" aria-hidden="true">"S"</span>
                    {i.tr(Key::ProductName)}
                </a>
                // The sections used daily stay in view; the others are in two
                // menus, so the bar fits a 1280 px laptop in either language.
                <nav class="nav" aria-label=i.tr(Key::MainNav)>
                    <MyWorkLink counts />
                    // dashboard & reports
                    <NavLink href="/dashboard" label=Key::DbNav testid="nav-dashboard" />
                    <NavLink href="/accounts" label=Key::NavAccounts testid="nav-accounts" />
                    // staff tickets
                    <NavLink href="/tickets" label=Key::TkNav testid="nav-tickets" />
                    // Everyone follows their own requests there; managers decide.
                    <NavLink href="/approvals" label=Key::ApNav testid="nav-approvals" />
                    // Renewals, reports and surveys show money and customers'
                    // answers: not an engineer's (the server says 403 too).
                    {move || (!engineer()).then(|| view! {
                        <NavLink href="/renewals" label=Key::RnNav testid="nav-renewals" />
                    })}
                    // onboarding & training
                    <NavLink href="/onboarding" label=Key::NavOnboarding testid="nav-onboarding" />
                    // portal & kb
                    <NavLink href="/kb" label=Key::KbNav testid="nav-kb" />
                    <NavMenu label=Key::NavMore testid="nav-more"
                        sections=vec!["/tasks", "/trainings", "/reports", "/surveys", "/contracts", "/advisories"]>
                        <NavLink href="/tasks" label=Key::TaAll testid="nav-tasks" />
                        <NavLink href="/trainings" label=Key::NavTrainings testid="nav-trainings" />
                        // The service report: admins, managers, engineers (their own).
                        {move || (session.role() != Some(Role::Csm)).then(|| view! {
                            <NavLink href="/reports/service" label=Key::SrNav testid="nav-service-report" />
                        })}
                        {move || keeper().then(|| view! {
                            <NavLink href="/advisories" label=Key::AdvNav testid="nav-advisories" />
                        })}
                        {move || (!engineer()).then(|| view! {
                            <NavLink href="/reports" label=Key::RpNav testid="nav-reports" exact=true />
                            <NavLink href="/surveys" label=Key::SvNav testid="nav-surveys" />
                            <NavLink href="/contracts" label=Key::GpContractsNav testid="nav-contracts" />
                        })}
                    </NavMenu>
                    {move || keeper().then(|| view! {
                        <NavMenu label=Key::NavAdmin testid="nav-admin"
                            sections=vec!["/settings", "/users", "/audit"]>
                            <NavLink href="/settings/playbooks" label=Key::PbTitle testid="nav-playbooks" />
                            <NavLink href="/audit" label=Key::GpAuditNav testid="nav-audit" />
                            <NavLink href="/settings/onboarding-templates" label=Key::GpTemplatesNav testid="nav-templates" />
                            {move || session.is_admin().then(|| view! {
                                <NavLink href="/users" label=Key::NavUsers testid="nav-users" />
                                <NavLink href="/settings" label=Key::NavSettings testid="nav-settings" exact=true />
                            })}
                        </NavMenu>
                    })}
                </nav>
                <div class="topbar-end">
                    <LangSwitch />
                    <UserMenu />
                </div>
            </header>
            <main class="main" id="main" tabindex="-1">
                <UnconfirmedAddress />
                {children()}
            </main>
        </div>
    }
}

/// For an admin whose workspace's sign-up address is not confirmed yet:
/// what that means (no mail goes out) and a button for a new link.
#[component]
fn UnconfirmedAddress() -> impl IntoView {
    let i = use_i18n();
    let toasts = crate::components::toast::use_toasts();
    let session = use_session();
    // The address to confirm, once `/me` says it is unconfirmed.
    let unconfirmed = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    if session.is_admin() {
        crate::task::spawn(async move {
            if let Ok(me) = crate::api::auth::me().await {
                if !me.workspace.email_verified {
                    unconfirmed.set(Some(me.user.email));
                }
            }
        });
    }
    let resend = move |_| {
        busy.set(true);
        crate::task::spawn(async move {
            match crate::api::auth::resend_verification().await {
                Ok(()) => toasts.success(i.t(Key::VerifyResent).to_string()),
                // Confirmed meanwhile (in another tab): nothing to ask for.
                Err(err) if err.is(shared::ErrorCode::Conflict) => unconfirmed.set(None),
                Err(err) => toasts.error(i.error(&err)),
            }
            busy.set(false);
        });
    };
    move || {
        unconfirmed.get().map(|email| {
            view! {
                <div class="banner banner-warning" role="status" data-testid="unconfirmed-address">
                    <p>{move || i.f(Key::VerifyBanner, &[&email])}</p>
                    <button type="button" class="btn btn-secondary" data-testid="resend-verification" on:click=resend disabled=busy>
                        {i.tr(Key::VerifyResend)}
                    </button>
                </div>
            }
        })
    }
}

/// The portal's lighter frame: its own two sections, no staff navigation.
#[component]
pub fn PortalShell(children: Children) -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let session = use_session();
    // Success plans are shared with the customer's administrator only.
    let plans = move || session.role() == Some(Role::CustomerAdmin);
    view! {
        <div class="app portal">
            <SkipLink />
            <header class="topbar">
                <a class="brand" href="/portal" data-testid="brand">
                    <span class="brand-mark" aria-hidden="true">"S"</span>
                    {i.tr(Key::PortalName)}
                </a>
                // portal & kb
                <nav class="nav" aria-label=i.tr(Key::MainNav)>
                    <a href="/portal" data-testid="nav-portal-home" aria-current=move || (location.path.get() == "/portal").then_some("page")>
                        {i.tr(Key::PtHome)}
                    </a>
                    <NavLink href="/portal/tickets" label=Key::PtNavTickets testid="nav-portal-tickets" />
                    <NavLink href="/portal/kb" label=Key::PtManual testid="nav-portal-kb" />
                    <NavLink href="/portal/visits" label=Key::PtNavVisits testid="nav-portal-visits" />
                    {move || plans().then(|| view! { <NavLink href="/portal/plans" label=Key::PtNavPlans testid="nav-portal-plans" /> })}
                    <NavLink href="/portal/time" label=Key::PtTimeNav testid="nav-portal-time" />
                </nav>
                <div class="topbar-end">
                    <LangSwitch />
                    <UserMenu />
                </div>
            </header>
            <main class="main" id="main" tabindex="-1">{children()}</main>
        </div>
    }
}

/// The frame of the sign-in pages: brand, language switch, one card.
#[component]
pub fn AuthShell(children: Children) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="auth">
            <header class="auth-header">
                <span class="brand">
                    <span class="brand-mark" aria-hidden="true">"S"</span>
                    {i.tr(Key::ProductName)}
                </span>
                <LangSwitch />
            </header>
            <main class="auth-main" id="main">{children()}</main>
            <footer class="auth-footer muted">{i.tr(Key::Tagline)}</footer>
        </div>
    }
}
