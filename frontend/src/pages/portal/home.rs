//! `/portal`: the home of a customer's users. It greets them, shows their
//! account, licensed modules, their installations and their CSM, and leads
//! to their tickets and the operating manual (knowledge base).

use leptos::prelude::*;
use shared::accounts::PortalAccount;

use crate::api;
use crate::components::fields::ModuleChips;
use crate::components::guard::{Audience, Guard};
use crate::components::load::load;
use crate::components::shell::PortalShell;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::i18n::{use_i18n, Key};
// onboarding & training
use crate::pages::portal::onboarding::PortalProgress;

#[component]
pub fn PortalPage() -> impl IntoView {
    view! {
        <Guard audience=Audience::Portal>
            <PortalShell>
                <PortalHome />
            </PortalShell>
        </Guard>
    }
}

#[component]
fn PortalHome() -> impl IntoView {
    let account = load(api::portal::account);
    move || match account.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Ok(a)) => view! { <PortalAccountView account=a /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=account.reload /> }.into_any(),
    }
}

#[component]
fn PortalAccountView(account: PortalAccount) -> impl IntoView {
    let i = use_i18n();
    let PortalAccount {
        name,
        code,
        modules,
        contact_name,
        csm_name,
        csm_email,
        ..
    } = account;
    let greeting = move || i.f(Key::PortalGreeting, &[&contact_name]);
    let csm_label = csm_name.clone().unwrap_or_default();
    let help = {
        let csm_email = csm_email.clone();
        move || match &csm_email {
            Some(email) => i.f(Key::PortalComingSoonContact, &[email]),
            None => i.t(Key::PortalComingSoonNoCsm).to_string(),
        }
    };
    view! {
        <div class="page">
            <header class="page-header">
                <div>
                    <h1 data-testid="portal-heading">{greeting}</h1>
                    <p class="muted">{i.tr(Key::PortalIntro)}</p>
                </div>
            </header>
            <div class="grid-2">
                <section class="card" aria-labelledby="portal-account-title" data-testid="portal-account">
                    <h2 id="portal-account-title">{i.tr(Key::YourAccount)}</h2>
                    <dl class="details">
                        <dt>{i.tr(Key::AccountName)}</dt>
                        <dd data-testid="portal-account-name">{name}</dd>
                        <dt>{i.tr(Key::CustomerCode)}</dt>
                        <dd data-testid="portal-account-code"><code>{code}</code></dd>
                    </dl>
                    <h3>{i.tr(Key::LicensedModules)}</h3>
                    <ModuleChips modules />
                </section>
                <section class="card" aria-labelledby="portal-csm-title" data-testid="portal-csm">
                    <h2 id="portal-csm-title">{i.tr(Key::YourCsm)}</h2>
                    {match csm_email.clone() {
                        Some(email) => {
                            let href = format!("mailto:{email}");
                            view! {
                                <p class="csm-name" data-testid="portal-csm-name">{csm_label}</p>
                                <p>
                                    <a href=href data-testid="portal-csm-email" rel="external">{email}</a>
                                </p>
                            }
                                .into_any()
                        }
                        None => view! { <p class="muted">{i.tr(Key::NoCsmYet)}</p> }.into_any(),
                    }}
                </section>
            </div>
            // onboarding & training
            <PortalProgress />
            // installed base
            <PortalInstallations />
            <section class="card" data-testid="portal-next">
                <h2>{i.tr(Key::PortalWhatYouCanDo)}</h2>
                <p>{help}</p>
                <div class="form-actions">
                    <a class="btn btn-primary" href="/portal/tickets/new" data-testid="portal-home-new-ticket">
                        {i.tr(Key::PtNewTicket)}
                    </a>
                    <a class="btn" href="/portal/tickets" data-testid="portal-home-tickets">{i.tr(Key::PtNavTickets)}</a>
                    <a class="btn" href="/portal/kb" data-testid="portal-home-kb">{i.tr(Key::PtManual)}</a>
                </div>
            </section>
        </div>
    }
}

/// The customer's own installations, read-only (none: nothing shown).
#[component]
fn PortalInstallations() -> impl IntoView {
    let i = use_i18n();
    let list = load(api::installed_base::portal_list);
    move || {
        match list.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=list.reload /> }.into_any(),
        Some(Ok(items)) if items.is_empty() => ().into_any(),
        Some(Ok(items)) => view! {
            <section class="card" aria-labelledby="portal-installations-title" data-testid="portal-installations">
                <h2 id="portal-installations-title">{i.tr(Key::IbTitle)}</h2>
                <ul class="plain-list">
                    {items.into_iter().map(|x| {
                        let release = format!("{} {} {}", x.product, x.version, x.patch_level);
                        view! {
                            <li data-testid="portal-installation">
                                <strong>{x.site}</strong>
                                " · " {release.trim().to_string()}
                                " · " {i.tr(crate::logic::installed_base::deployment_key(x.deployment))}
                                <ModuleChips modules=x.modules />
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }.into_any(),
    }
    }
}
