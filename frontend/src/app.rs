//! The app: contexts (language, session, toasts, location) and which page
//! the URL shows.

use leptos::prelude::*;

use crate::components::announce::RouteAnnouncer;
use crate::components::guard::{Audience, Guard};
use crate::components::lazy::lazy_view;
use crate::components::shell::StaffShell;
use crate::components::toast::{provide_toasts, ToastRegion};
use crate::i18n::provide_i18n;
use crate::pages::home::HomePage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFoundPage;
// account_pages
use crate::pages::accounts::detail::AccountPage;
use crate::pages::accounts::import::ImportPage;
use crate::pages::accounts::list::AccountsPage;
use crate::pages::accounts::mail_channels::MailChannelsPage;
use crate::pages::accounts::settings::SettingsPage;
use crate::pages::accounts::users::UsersPage;
use crate::pages::centres::ServiceCentresPage;
use crate::pages::my_work::MyWorkPage;
use crate::pages::playbook_editor::{PlaybookEditPage, PlaybookNewPage};
use crate::pages::playbooks::PlaybooksPage;
use crate::pages::tasks::TasksPage;
// join_pages
use crate::pages::join::accept_invite::AcceptInvitePage;
use crate::pages::join::centre_accept::CentreAcceptPage;
use crate::pages::join::password::{
    ChangePasswordPage, ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage,
};
use crate::pages::join::signup::SignupPage;
// portal_pages
use crate::pages::portal::common::PortalLayout;
use crate::pages::portal::home::PortalPage;
// ticket_pages
use crate::pages::tickets::advisories::AdvisoriesPage;
use crate::pages::tickets::approvals::ApprovalsPage;
use crate::pages::tickets::detail::TicketPage;
use crate::pages::tickets::kb::KbListPage;
use crate::pages::tickets::kb_editor::{KbArticlePage, KbNewPage};
use crate::pages::tickets::list::TicketsPage;
use crate::pages::tickets::macros::MacrosPage;
use crate::pages::tickets::new::NewTicketPage;
use crate::pages::tickets::service_levels::ServiceLevelsPage;
use crate::pages::tickets::service_report::ServiceReportPage;
use crate::pages::tickets::sla_settings::SlaSettingsPage;
// onboarding_pages
use crate::pages::onboarding::portfolio::OnboardingPortfolioPage;
use crate::pages::onboarding::training::TrainingPage;
use crate::pages::onboarding::trainings::TrainingsPage;
use crate::pages::onboarding::visit::VisitPage;
// renewal_pages
use crate::pages::renewals::api_keys::ApiKeysPage;
use crate::pages::renewals::dashboard::DashboardPage;
use crate::pages::renewals::health_settings::HealthSettingsPage;
use crate::pages::renewals::integrations::{ChatBotsPage, WebhooksPage};
use crate::pages::renewals::list::RenewalsPage;
use crate::pages::renewals::reminder_settings::ReminderSettingsPage;
use crate::pages::renewals::reports::ReportsPage;
use crate::pages::renewals::surveys::{SurveyPage, SurveysPage};
// the gaps of issue 16
use crate::pages::accounts::audit::AuditPage;
use crate::pages::onboarding::templates::TemplatesPage;
use crate::pages::renewals::contracts_list::ContractsListPage;
// survey_answer_page
use crate::pages::survey_answer::SurveyAnswerPage;
use crate::router::{provide_router, Route};
use crate::session::provide_session;

#[component]
pub fn App() -> impl IntoView {
    provide_i18n();
    provide_toasts();
    provide_session();
    let location = provide_router();
    let route = Memo::new(move |_| Route::parse(&location.path.get()));
    // All staff pages map to `None` here, so moving between them keeps the
    // shell mounted and only swaps the page inside it.
    let top = Memo::new(move |_| Some(route.get()).filter(|r| !r.is_staff()));
    view! {
        {move || match top.get() {
            None => view! { <StaffLayout route /> }.into_any(),
            Some(Route::Home) => view! { <HomePage /> }.into_any(),
            Some(Route::Login) => view! { <LoginPage /> }.into_any(),
            Some(
                r @ (Route::Signup
                | Route::AcceptInvite
                | Route::ForgotPassword
                | Route::ResetPassword
                | Route::VerifyEmail
                | Route::ChangePassword
                | Route::CentreAccept),
            ) => lazy_view(join_pages(r)),
            Some(Route::PortalSurvey) => lazy_view(survey_answer_page()),
            // portal & kb
            Some(r) if r == Route::Portal || r.is_portal() => lazy_view(portal_pages(r)),
            Some(_) => view! { <NotFoundPage /> }.into_any(),
        }}
        <ToastRegion />
        <RouteAnnouncer />
    }
}

/// The staff pages, inside the shell, for staff only.
#[component]
fn StaffLayout(route: Memo<Route>) -> impl IntoView {
    view! {
        <Guard audience=Audience::Staff>
            <StaffShell>
                {move || {
                    let route = route.get();
                    match route {
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
                        | Route::ServiceCentres
                        | Route::MailChannels
                        | Route::Audit => {
                            lazy_view(account_pages(route))
                        }
                        // staff tickets, kb
                        Route::Tickets
                        | Route::TicketNew
                        | Route::Ticket(_)
                        | Route::Approvals
                        | Route::Kb
                        | Route::KbNew
                        | Route::KbArticle(_)
                        | Route::SlaSettings
                        | Route::ServiceLevels
                        | Route::ServiceReport
                        | Route::Macros
                        | Route::Advisories => lazy_view(ticket_pages(route)),
                        // onboarding & training
                        Route::OnboardingPortfolio
                        | Route::Trainings
                        | Route::Training(_)
                        | Route::OnboardingTemplates
                        | Route::Visit(_) => lazy_view(onboarding_pages(route)),
                        // contracts, renewals, dashboard, reports, health, surveys
                        Route::Renewals
                        | Route::ReminderSettings
                        | Route::Dashboard
                        | Route::Reports
                        | Route::HealthSettings
                        | Route::ApiKeys
                        | Route::Webhooks
                        | Route::ChatBots
                        | Route::Surveys
                        | Route::Survey(_)
                        | Route::Contracts => lazy_view(renewal_pages(route)),
                        _ => view! { <NotFoundPage /> }.into_any(),
                    }
                }}
            </StaffShell>
        </Guard>
    }
}

// Each area of the app is its own WASM chunk, fetched the first time one of
// its pages opens (see components::lazy). Pages of one area share most of
// their code, so an area per chunk keeps the chunks few and useful.

#[lazy]
fn account_pages(route: Route) -> AnyView {
    match route {
        Route::Account(id) => view! { <AccountPage id /> }.into_any(),
        Route::AccountImport => view! { <ImportPage /> }.into_any(),
        Route::Users => view! { <UsersPage /> }.into_any(),
        Route::Settings => view! { <SettingsPage /> }.into_any(),
        Route::ServiceCentres => view! { <ServiceCentresPage /> }.into_any(),
        Route::MailChannels => view! { <MailChannelsPage /> }.into_any(),
        Route::MyWork => view! { <MyWorkPage /> }.into_any(),
        Route::Playbooks => view! { <PlaybooksPage /> }.into_any(),
        Route::PlaybookNew => view! { <PlaybookNewPage /> }.into_any(),
        Route::PlaybookEdit(id) => view! { <PlaybookEditPage id /> }.into_any(),
        Route::Tasks => view! { <TasksPage /> }.into_any(),
        Route::Audit => view! { <AuditPage /> }.into_any(),
        _ => view! { <AccountsPage /> }.into_any(),
    }
}

#[lazy]
fn ticket_pages(route: Route) -> AnyView {
    match route {
        Route::TicketNew => view! { <NewTicketPage /> }.into_any(),
        Route::Ticket(id) => view! { <TicketPage id /> }.into_any(),
        Route::Approvals => view! { <ApprovalsPage /> }.into_any(),
        Route::Kb => view! { <KbListPage /> }.into_any(),
        Route::KbNew => view! { <KbNewPage /> }.into_any(),
        Route::KbArticle(id) => view! { <KbArticlePage id /> }.into_any(),
        Route::SlaSettings => view! { <SlaSettingsPage /> }.into_any(),
        Route::ServiceLevels => view! { <ServiceLevelsPage /> }.into_any(),
        Route::Macros => view! { <MacrosPage /> }.into_any(),
        Route::ServiceReport => view! { <ServiceReportPage /> }.into_any(),
        Route::Advisories => view! { <AdvisoriesPage /> }.into_any(),
        _ => view! { <TicketsPage /> }.into_any(),
    }
}

#[lazy]
fn onboarding_pages(route: Route) -> AnyView {
    match route {
        Route::Trainings => view! { <TrainingsPage /> }.into_any(),
        Route::Training(id) => view! { <TrainingPage id /> }.into_any(),
        Route::OnboardingTemplates => view! { <TemplatesPage /> }.into_any(),
        Route::Visit(id) => view! { <VisitPage id /> }.into_any(),
        _ => view! { <OnboardingPortfolioPage /> }.into_any(),
    }
}

#[lazy]
fn renewal_pages(route: Route) -> AnyView {
    match route {
        Route::ReminderSettings => view! { <ReminderSettingsPage /> }.into_any(),
        Route::Dashboard => view! { <DashboardPage /> }.into_any(),
        Route::Reports => view! { <ReportsPage /> }.into_any(),
        Route::HealthSettings => view! { <HealthSettingsPage /> }.into_any(),
        Route::ApiKeys => view! { <ApiKeysPage /> }.into_any(),
        Route::Webhooks => view! { <WebhooksPage /> }.into_any(),
        Route::ChatBots => view! { <ChatBotsPage /> }.into_any(),
        Route::Surveys => view! { <SurveysPage /> }.into_any(),
        Route::Survey(id) => view! { <SurveyPage id /> }.into_any(),
        Route::Contracts => view! { <ContractsListPage /> }.into_any(),
        _ => view! { <RenewalsPage /> }.into_any(),
    }
}

#[lazy]
fn portal_pages(route: Route) -> AnyView {
    match route {
        Route::Portal => view! { <PortalPage /> }.into_any(),
        _ => view! { <PortalLayout route /> }.into_any(),
    }
}

#[lazy]
fn join_pages(route: Route) -> AnyView {
    match route {
        Route::AcceptInvite => view! { <AcceptInvitePage /> }.into_any(),
        Route::ForgotPassword => view! { <ForgotPasswordPage /> }.into_any(),
        Route::ResetPassword => view! { <ResetPasswordPage /> }.into_any(),
        Route::VerifyEmail => view! { <VerifyEmailPage /> }.into_any(),
        Route::ChangePassword => view! { <ChangePasswordPage /> }.into_any(),
        Route::CentreAccept => view! { <CentreAcceptPage /> }.into_any(),
        _ => view! { <SignupPage /> }.into_any(),
    }
}

#[lazy]
fn survey_answer_page() -> AnyView {
    view! { <SurveyAnswerPage /> }.into_any()
}
