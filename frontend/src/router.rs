//! Client-side routing: the routes, the URL as signals, link clicks and the
//! browser history.
//!
//! Hand-rolled instead of `leptos_router`: the app has a few flat routes, and
//! the router's generic matching machinery cost about 25 KB of gzipped WASM,
//! a tenth of the budget. What remains is small: [`Route::parse`] (tested on
//! the host), a click handler that keeps same-origin links in the app, and
//! `popstate` for back/forward.

use std::cell::Cell;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::logic::query::get_param;

/// Every page of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Home,
    Login,
    Signup,
    AcceptInvite,
    ForgotPassword,
    ResetPassword,
    /// Confirms a sign-up address with the e-mailed link's token.
    VerifyEmail,
    /// A signed-in user (staff or portal) changes their password.
    ChangePassword,
    Portal,
    /// The caller's tasks and book: the home of CSMs and engineers.
    MyWork,
    /// Playbooks and their effect (admins and managers).
    Playbooks,
    /// The playbook form: a new one, or one to change.
    PlaybookNew,
    PlaybookEdit(i64),
    /// Every task of the workspace, filtered (staff).
    Tasks,
    Accounts,
    /// The import wizard (admins and managers).
    AccountImport,
    Account(i64),
    Users,
    Settings,
    // staff tickets
    Tickets,
    TicketNew,
    Ticket(i64),
    Approvals,
    // portal & kb
    PortalTickets,
    PortalNewTicket,
    PortalTicket(i64),
    /// The satisfaction e-mail's link: the ticket with its rating in view.
    PortalRate(i64),
    PortalKb,
    PortalKbArticle(i64),
    /// The success plans shared with a `customer_admin`.
    PortalPlans,
    /// The customer's person-day balance and the time behind it.
    PortalTime,
    Kb,
    KbNew,
    KbArticle(i64),
    SlaSettings,
    /// Service levels and their entitlements (admins).
    ServiceLevels,
    /// Authorised service centres: the vendor's centres and this
    /// workspace's vendors (admins, managers).
    ServiceCentres,
    /// A vendor's invitation link, opened by the centre's admin.
    CentreAccept,
    /// Canned replies (every staff member: their own and the shared ones).
    Macros,
    /// Version advisories to the installed base (managers and admins).
    Advisories,
    // onboarding & training
    OnboardingPortfolio,
    Trainings,
    Training(i64),
    /// An on-site visit (issue 16); the engineer's page on a phone.
    Visit(i64),
    /// The customer's on-site visits and the one to sign.
    PortalVisits,
    PortalVisit(i64),
    // contracts & renewals
    Renewals,
    ReminderSettings,
    // dashboard & reports
    Dashboard,
    Reports,
    /// The service report (issue 16).
    ServiceReport,
    // health settings, api keys & surveys
    HealthSettings,
    ApiKeys,
    Webhooks,
    ChatBots,
    MailChannels,
    Surveys,
    Survey(i64),
    // the gaps of issue 16
    /// The audit log (admins and managers).
    Audit,
    /// Every contract of the workspace, filtered.
    Contracts,
    /// Onboarding templates (staff read, admins edit).
    OnboardingTemplates,
    /// The survey e-mail's one-time link; public (no login). The token is
    /// read from the path by the page.
    PortalSurvey,
    NotFound,
}

impl Route {
    pub fn parse(path: &str) -> Route {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [] => Route::Home,
            ["login"] => Route::Login,
            ["signup"] => Route::Signup,
            ["accept-invite"] => Route::AcceptInvite,
            ["forgot-password"] => Route::ForgotPassword,
            ["reset-password"] => Route::ResetPassword,
            ["verify-email"] => Route::VerifyEmail,
            ["password"] => Route::ChangePassword,
            ["portal"] => Route::Portal,
            ["accounts"] => Route::Accounts,
            ["accounts", "import"] => Route::AccountImport,
            ["accounts", id] => id.parse().map(Route::Account).unwrap_or(Route::NotFound),
            ["users"] => Route::Users,
            ["settings"] => Route::Settings,
            // staff tickets
            ["tickets"] => Route::Tickets,
            ["tickets", "new"] => Route::TicketNew,
            ["tickets", id] => id.parse().map(Route::Ticket).unwrap_or(Route::NotFound),
            ["approvals"] => Route::Approvals,
            // portal & kb
            ["portal", "tickets"] => Route::PortalTickets,
            ["portal", "tickets", "new"] => Route::PortalNewTicket,
            ["portal", "tickets", id] => id
                .parse()
                .map(Route::PortalTicket)
                .unwrap_or(Route::NotFound),
            ["portal", "tickets", id, "satisfaction"] => {
                id.parse().map(Route::PortalRate).unwrap_or(Route::NotFound)
            }
            ["portal", "kb"] => Route::PortalKb,
            ["portal", "plans"] => Route::PortalPlans,
            ["portal", "time"] => Route::PortalTime,
            ["portal", "kb", id] => id
                .parse()
                .map(Route::PortalKbArticle)
                .unwrap_or(Route::NotFound),
            ["kb"] => Route::Kb,
            ["kb", "new"] => Route::KbNew,
            ["kb", id] => id.parse().map(Route::KbArticle).unwrap_or(Route::NotFound),
            ["settings", "sla"] => Route::SlaSettings,
            ["settings", "service-levels"] => Route::ServiceLevels,
            ["settings", "service-centres"] => Route::ServiceCentres,
            ["centres", "accept"] => Route::CentreAccept,
            ["settings", "macros"] => Route::Macros,
            ["advisories"] => Route::Advisories,
            // onboarding & training
            ["onboarding"] => Route::OnboardingPortfolio,
            ["trainings"] => Route::Trainings,
            ["trainings", id] => id.parse().map(Route::Training).unwrap_or(Route::NotFound),
            // on-site visits (issue 16)
            ["visits", id] => id.parse().map(Route::Visit).unwrap_or(Route::NotFound),
            ["portal", "visits"] => Route::PortalVisits,
            ["portal", "visits", id] => id
                .parse()
                .map(Route::PortalVisit)
                .unwrap_or(Route::NotFound),
            // contracts & renewals
            ["renewals"] => Route::Renewals,
            ["settings", "reminders"] => Route::ReminderSettings,
            // dashboard & reports
            ["dashboard"] => Route::Dashboard,
            ["my-work"] => Route::MyWork,
            ["settings", "playbooks"] => Route::Playbooks,
            ["settings", "playbooks", "new"] => Route::PlaybookNew,
            ["settings", "playbooks", id] => id
                .parse()
                .map(Route::PlaybookEdit)
                .unwrap_or(Route::NotFound),
            ["tasks"] => Route::Tasks,
            ["reports"] => Route::Reports,
            ["reports", "service"] => Route::ServiceReport,
            // health settings, api keys & surveys
            ["settings", "health"] => Route::HealthSettings,
            ["settings", "api-keys"] => Route::ApiKeys,
            ["settings", "webhooks"] => Route::Webhooks,
            ["settings", "chat-bots"] => Route::ChatBots,
            ["settings", "mail-channels"] => Route::MailChannels,
            ["surveys"] => Route::Surveys,
            ["surveys", id] => id.parse().map(Route::Survey).unwrap_or(Route::NotFound),
            ["portal", "surveys", token] if !token.is_empty() => Route::PortalSurvey,
            ["audit"] => Route::Audit,
            ["contracts"] => Route::Contracts,
            ["settings", "onboarding-templates"] => Route::OnboardingTemplates,
            _ => Route::NotFound,
        }
    }

    /// Pages inside the staff shell (which stays mounted between them).
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Route::MyWork
                | Route::Playbooks
                | Route::PlaybookNew
                | Route::PlaybookEdit(_)
                | Route::Tasks
                | Route::Accounts
                | Route::AccountImport
                | Route::Account(_)
                | Route::Users
                | Route::Settings
                // staff tickets
                | Route::Tickets
                | Route::TicketNew
                | Route::Ticket(_)
                | Route::Approvals
                // portal & kb
                | Route::Kb
                | Route::KbNew
                | Route::KbArticle(_)
                | Route::SlaSettings
                | Route::ServiceLevels
                | Route::ServiceCentres
                | Route::Macros
                | Route::Advisories
                // onboarding & training
                | Route::OnboardingPortfolio
                | Route::Trainings
                | Route::Training(_)
                | Route::Visit(_)
                // contracts & renewals
                | Route::Renewals
                | Route::ReminderSettings
                | Route::Dashboard
                | Route::Reports
                | Route::ServiceReport
                | Route::HealthSettings
                | Route::ApiKeys
                | Route::Webhooks
                | Route::ChatBots
                | Route::MailChannels
                | Route::Surveys
                | Route::Survey(_)
                | Route::Audit
                | Route::Contracts
                | Route::OnboardingTemplates
        )
    }

    /// The portal's ticket and knowledge-base pages (not its home).
    pub fn is_portal(self) -> bool {
        matches!(
            self,
            Route::PortalTickets
                | Route::PortalNewTicket
                | Route::PortalTicket(_)
                | Route::PortalRate(_)
                | Route::PortalKb
                | Route::PortalKbArticle(_)
                | Route::PortalPlans
                | Route::PortalTime
                | Route::PortalVisits
                | Route::PortalVisit(_)
        )
    }
}

/// The current URL's path and query, as signals.
#[derive(Clone, Copy)]
pub struct Location {
    pub path: RwSignal<String>,
    pub search: RwSignal<String>,
}

thread_local! {
    static LOCATION: Cell<Option<Location>> = const { Cell::new(None) };
}

fn browser_location() -> (String, String) {
    let loc = window().location();
    (
        loc.pathname().unwrap_or_else(|_| "/".into()),
        loc.search().unwrap_or_default(),
    )
}

fn sync() {
    if let Some(location) = LOCATION.with(Cell::get) {
        let (path, search) = browser_location();
        location.path.maybe_update(|p| {
            let changed = *p != path;
            *p = path;
            changed
        });
        location.search.maybe_update(|s| {
            let changed = *s != search;
            *s = search;
            changed
        });
    }
}

fn go(to: &str, replace: bool) {
    let history = match window().history() {
        Ok(history) => history,
        Err(_) => return,
    };
    let done = if replace {
        history.replace_state_with_url(&JsValue::NULL, "", Some(to))
    } else {
        history.push_state_with_url(&JsValue::NULL, "", Some(to))
    };
    if done.is_err() {
        // Not a same-origin URL after all: let the browser go there.
        let _ = window().location().set_href(to);
        return;
    }
    if !replace {
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
    sync();
}

/// Opens `to` (a path), adding a history entry.
pub fn navigate(to: &str) {
    go(to, false);
}

/// Opens `to` in place of the current entry (redirects).
pub fn redirect(to: &str) {
    go(to, true);
}

/// A query parameter of the current URL, e.g. `next` or `token`.
pub fn query_param(key: &str) -> Option<String> {
    get_param(&browser_location().1, key)
}

/// The current path and query, e.g. for `?next=`.
pub fn here() -> String {
    let (path, search) = browser_location();
    format!("{path}{search}")
}

/// Keeps clicks on same-origin links inside the app (no page load), unless
/// the user asked for a new tab/window or the link opts out.
fn on_click(ev: web_sys::MouseEvent) {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.ctrl_key()
        || ev.shift_key()
        || ev.alt_key()
    {
        return;
    }
    let anchor = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("a[href]").ok().flatten())
        .and_then(|el| el.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    let Some(anchor) = anchor else {
        return;
    };
    let target = anchor.target();
    if (!target.is_empty() && target != "_self")
        || anchor.has_attribute("download")
        || anchor
            .get_attribute("rel")
            .is_some_and(|r| r.contains("external"))
    {
        return;
    }
    let Ok(url) = web_sys::Url::new(&anchor.href()) else {
        return;
    };
    let own_origin = window().location().origin().unwrap_or_default();
    if url.origin() != own_origin {
        return;
    }
    ev.prevent_default();
    navigate(&format!("{}{}{}", url.pathname(), url.search(), url.hash()));
}

/// Creates the location signals and starts following the browser.
pub fn provide_router() -> Location {
    let (path, search) = browser_location();
    let location = Location {
        path: RwSignal::new(path),
        search: RwSignal::new(search),
    };
    LOCATION.with(|l| l.set(Some(location)));
    provide_context(location);
    // These live as long as the app (the page).
    let _ = window_event_listener(leptos::ev::popstate, |_| sync());
    let _ = window_event_listener(leptos::ev::click, on_click);
    location
}

pub fn use_location() -> Location {
    expect_context::<Location>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_pages() {
        assert_eq!(Route::parse("/"), Route::Home);
        assert_eq!(Route::parse(""), Route::Home);
        assert_eq!(Route::parse("/login"), Route::Login);
        assert_eq!(Route::parse("/login?next=%2Fusers"), Route::Login);
        assert_eq!(Route::parse("/accept-invite"), Route::AcceptInvite);
        assert_eq!(Route::parse("/forgot-password"), Route::ForgotPassword);
        assert_eq!(
            Route::parse("/reset-password?token=abc"),
            Route::ResetPassword
        );
        assert_eq!(Route::parse("/verify-email?token=abc"), Route::VerifyEmail);
        assert_eq!(Route::parse("/password"), Route::ChangePassword);
        assert_eq!(Route::parse("/accounts/"), Route::Accounts);
        assert_eq!(Route::parse("/accounts/import"), Route::AccountImport);
        assert_eq!(Route::parse("/accounts/42"), Route::Account(42));
        assert_eq!(Route::parse("/accounts/abc"), Route::NotFound);
        assert_eq!(Route::parse("/accounts/1/2"), Route::NotFound);
        assert_eq!(Route::parse("/portal"), Route::Portal);
        assert_eq!(Route::parse("/nope"), Route::NotFound);
        // staff tickets
        assert_eq!(Route::parse("/tickets?status=open"), Route::Tickets);
        assert_eq!(Route::parse("/tickets/new"), Route::TicketNew);
        assert_eq!(Route::parse("/tickets/17"), Route::Ticket(17));
        assert_eq!(Route::parse("/tickets/x"), Route::NotFound);
        assert_eq!(Route::parse("/approvals"), Route::Approvals);
        assert!(Route::Ticket(1).is_staff() && Route::Approvals.is_staff());
        // portal & kb
        assert_eq!(Route::parse("/portal/tickets"), Route::PortalTickets);
        assert_eq!(Route::parse("/portal/tickets/new"), Route::PortalNewTicket);
        assert_eq!(Route::parse("/portal/tickets/9"), Route::PortalTicket(9));
        assert_eq!(
            Route::parse("/portal/tickets/9/satisfaction?x=1"),
            Route::PortalRate(9)
        );
        assert_eq!(Route::parse("/portal/tickets/abc"), Route::NotFound);
        assert_eq!(Route::parse("/portal/kb"), Route::PortalKb);
        assert_eq!(Route::parse("/portal/plans"), Route::PortalPlans);
        assert!(Route::PortalPlans.is_portal());
        assert_eq!(Route::parse("/visits/3"), Route::Visit(3));
        assert!(Route::Visit(3).is_staff() && Route::PortalVisit(3).is_portal());
        assert_eq!(Route::parse("/portal/visits"), Route::PortalVisits);
        assert_eq!(Route::parse("/portal/kb/3"), Route::PortalKbArticle(3));
        assert_eq!(Route::parse("/kb"), Route::Kb);
        assert_eq!(Route::parse("/kb/new"), Route::KbNew);
        assert_eq!(Route::parse("/kb/12"), Route::KbArticle(12));
        assert_eq!(Route::parse("/settings/sla"), Route::SlaSettings);
        assert_eq!(
            Route::parse("/settings/service-levels"),
            Route::ServiceLevels
        );
        assert!(Route::ServiceLevels.is_staff());
        assert_eq!(
            Route::parse("/settings/service-centres"),
            Route::ServiceCentres
        );
        assert!(Route::ServiceCentres.is_staff());
        assert_eq!(
            Route::parse("/centres/accept?token=abc"),
            Route::CentreAccept
        );
        assert!(!Route::CentreAccept.is_staff() && !Route::CentreAccept.is_portal());
        assert!(Route::KbArticle(1).is_staff() && Route::SlaSettings.is_staff());
        assert_eq!(Route::parse("/settings/macros"), Route::Macros);
        assert!(Route::Macros.is_staff());
        assert_eq!(Route::parse("/settings/playbooks/new"), Route::PlaybookNew);
        assert_eq!(
            Route::parse("/settings/playbooks/4"),
            Route::PlaybookEdit(4)
        );
        assert_eq!(Route::parse("/settings/playbooks/x"), Route::NotFound);
        assert_eq!(Route::parse("/tasks?status=open"), Route::Tasks);
        assert!(Route::PlaybookEdit(4).is_staff() && Route::Tasks.is_staff());
        assert!(Route::PortalRate(1).is_portal() && !Route::PortalRate(1).is_staff());
        assert!(!Route::Portal.is_portal() && !Route::Kb.is_portal());
        // onboarding & training
        assert_eq!(
            Route::parse("/onboarding?sort=name"),
            Route::OnboardingPortfolio
        );
        assert_eq!(Route::parse("/trainings?view=month"), Route::Trainings);
        assert_eq!(Route::parse("/trainings/5"), Route::Training(5));
        assert_eq!(Route::parse("/trainings/x"), Route::NotFound);
        assert!(Route::Training(5).is_staff() && Route::OnboardingPortfolio.is_staff());
        // contracts & renewals
        assert_eq!(Route::parse("/renewals?view=table"), Route::Renewals);
        assert_eq!(Route::parse("/settings/reminders"), Route::ReminderSettings);
        assert_eq!(Route::parse("/settings/webhooks"), Route::Webhooks);
        assert_eq!(Route::parse("/settings/chat-bots"), Route::ChatBots);
        assert!(Route::Webhooks.is_staff() && Route::ChatBots.is_staff());
        assert!(Route::Renewals.is_staff() && Route::ReminderSettings.is_staff());
        // the gaps of issue 16
        assert_eq!(Route::parse("/audit?action=archive"), Route::Audit);
        assert_eq!(Route::parse("/contracts?status=running"), Route::Contracts);
        assert_eq!(
            Route::parse("/settings/onboarding-templates"),
            Route::OnboardingTemplates
        );
        assert!(Route::Audit.is_staff() && Route::Contracts.is_staff());
        assert!(Route::OnboardingTemplates.is_staff());
    }

    #[test]
    fn staff_pages_share_the_shell() {
        assert!(Route::Account(1).is_staff());
        assert!(Route::Settings.is_staff());
        assert!(!Route::Portal.is_staff());
        assert!(!Route::Login.is_staff());
        assert!(!Route::NotFound.is_staff());
    }
}
