//! `/settings/service-centres`: a vendor's authorised service centres —
//! invite one (the link is shown once), their status and roll-ups
//! (accounts, open tickets, SLA attainment, CSAT, renewal rate), the
//! accounts assigned to each, revoking — and the vendors that authorised
//! this workspace, when it is a centre itself.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::centres::{CentreRollup, CentreStatus, CreateCentreInvitation, ServiceCentre};
use shared::{FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::{expanded, ErrorBanner, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::session::use_session;

#[component]
pub fn ServiceCentresPage() -> impl IntoView {
    let i = use_i18n();
    view! {
        <Guard audience=Audience::Staff>
            <div class="page">
                <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                    <a href="/settings" data-testid="centres-back">{i.tr(Key::NavSettings)}</a>
                </nav>
                <header class="page-header">
                    <div>
                        <h1 data-testid="centres-heading">{i.tr(Key::CeTitle)}</h1>
                        <p class="muted">{i.tr(Key::CeIntro)}</p>
                    </div>
                </header>
                <CentresCard />
                <VendorsCard />
            </div>
        </Guard>
    }
}

fn status_key(status: CentreStatus) -> Key {
    match status {
        CentreStatus::Invited => Key::CeStatusInvited,
        CentreStatus::Active => Key::CeStatusActive,
        CentreStatus::Revoked => Key::CeStatusRevoked,
        CentreStatus::Expired => Key::CeStatusExpired,
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
}

#[component]
fn CentresCard() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let is_admin = move || session.role() == Some(Role::Admin);
    let list = load(api::centres::list);
    let inviting = RwSignal::new(false);
    // The link of the invitation just made: shown once.
    let fresh_link = RwSignal::new(None::<String>);
    let on_invited = Callback::new(move |centre: ServiceCentre| {
        inviting.set(false);
        fresh_link.set(centre.invitation_link);
        list.refresh.run(());
    });
    view! {
        <section class="card" aria-labelledby="centres-title" data-testid="centres">
            <header class="section-header">
                <h2 id="centres-title">{i.tr(Key::CeTitle)}</h2>
                {move || is_admin().then(|| view! {
                    <button
                        type="button"
                        class="btn btn-primary"
                        data-testid="centre-invite"
                        aria-expanded=expanded(inviting)
                        on:click=move |_| inviting.update(|v| *v = !*v)
                    >
                        {i.tr(Key::CeInvite)}
                    </button>
                })}
            </header>
            {move || inviting.get().then(|| view! { <InviteForm on_invited cancel=Callback::new(move |_| inviting.set(false)) /> })}
            {move || fresh_link.get().map(|link| view! { <FreshLink link /> })}
            {move || match list.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=list.reload /> }.into_any(),
                Some(Ok(centres)) if centres.is_empty() => view! {
                    <p class="state muted" data-testid="centres-empty">{i.tr(Key::CeEmpty)}</p>
                }
                .into_any(),
                Some(Ok(centres)) => view! {
                    <div class="table-wrap">
                        <table class="table table-cards" data-testid="centres-table">
                            <thead>
                                <tr>
                                    <th scope="col">{i.tr(Key::CeName)}</th>
                                    <th scope="col">{i.tr(Key::Status)}</th>
                                    <th scope="col">{i.tr(Key::CeAccounts)}</th>
                                    <th scope="col">{i.tr(Key::CeOpenTickets)}</th>
                                    <th scope="col">{i.tr(Key::CeSla)}</th>
                                    <th scope="col">{i.tr(Key::CeCsat)}</th>
                                    <th scope="col">{i.tr(Key::CeRenewal)}</th>
                                    <th scope="col"><span class="visually-hidden">{i.tr(Key::Actions)}</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {centres
                                    .into_iter()
                                    .map(|c| view! { <CentreRow centre=c refresh=list.refresh /> })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn FreshLink(link: String) -> impl IntoView {
    let i = use_i18n();
    let select_all = |ev: leptos::ev::FocusEvent| {
        use wasm_bindgen::JsCast;
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    };
    view! {
        <div class="notice" role="status" data-testid="centre-link">
            <label for="centre-link-text">{i.tr(Key::CeLinkOnce)}</label>
            <input
                id="centre-link-text"
                class="input-wide"
                data-testid="centre-link-text"
                readonly=true
                prop:value=link
                on:focus=select_all
            />
        </div>
    }
}

#[component]
fn InviteForm(on_invited: Callback<ServiceCentre>, cancel: Callback<()>) -> impl IntoView {
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
        let req = CreateCentreInvitation {
            name: name.get_untracked().trim().to_string(),
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).send(
            async move { api::centres::invite(&req).await },
            move |centre| on_invited.run(centre),
        );
    };
    view! {
        <form class="form-card" on:submit=submit novalidate=true data-testid="centre-invite-form">
            <ErrorBanner failure testid="centre-invite-error" />
            <TextField id="centre-name" label=Key::CeName value=name field="name" errors error_prefix="centre-" required=true />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="centre-invite-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::CeInviteSubmit)}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| cancel.run(())>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn CentreRow(centre: ServiceCentre, refresh: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let session = use_session();
    let is_admin = move || session.role() == Some(Role::Admin);
    let id = centre.id;
    let open = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let CentreRollup {
        accounts,
        open_tickets,
        sla_attainment_pct,
        csat_avg,
        renewal_rate_pct,
    } = centre.rollup.clone();
    let active = centre.status == CentreStatus::Active;
    let revocable = matches!(centre.status, CentreStatus::Active | CentreStatus::Invited);
    let label = StoredValue::new(centre.name.clone());
    let revoke = move |_| {
        let question = i.f(Key::CeRevokeConfirm, &[&label.get_value()]);
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            match api::centres::revoke(id).await {
                Ok(_) => {
                    toasts.success(i.t(Key::CeRevoked));
                    refresh.run(());
                }
                Err(e) => toasts.error(i.error(&e)),
            }
            busy.set(false);
        });
    };
    let workspace = centre.workspace_name.clone().unwrap_or_default();
    view! {
        <tr data-testid="centre-row" data-centre-id=id.to_string()>
            <td data-label=i.tr(Key::CeName)>
                <strong>{centre.name.clone()}</strong>
                {(!workspace.is_empty()).then(|| view! { <br /><span class="muted">{workspace}</span> })}
            </td>
            <td data-label=i.tr(Key::Status)>
                <span class="badge" class:badge-ok=active data-testid="centre-status">{i.tr(status_key(centre.status))}</span>
            </td>
            <td data-label=i.tr(Key::CeAccounts) data-testid="centre-accounts">{accounts}</td>
            <td data-label=i.tr(Key::CeOpenTickets) data-testid="centre-open">{open_tickets}</td>
            <td data-label=i.tr(Key::CeSla)>{pct(sla_attainment_pct)}</td>
            <td data-label=i.tr(Key::CeCsat)>{csat_avg.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())}</td>
            <td data-label=i.tr(Key::CeRenewal)>{pct(renewal_rate_pct)}</td>
            <td class="actions">
                {active.then(|| view! {
                    <button
                        type="button"
                        class="btn btn-small"
                        data-testid=format!("centre-accounts-{id}")
                        aria-expanded=expanded(open)
                        on:click=move |_| open.update(|v| *v = !*v)
                    >
                        {i.tr(Key::CeManageAccounts)}
                    </button>
                })}
                {move || (revocable && is_admin()).then(|| view! {
                    <button
                        type="button"
                        class="btn btn-small btn-danger-ghost"
                        data-testid=format!("centre-revoke-{id}")
                        disabled=busy
                        on:click=revoke
                    >
                        {i.tr(Key::CeRevoke)}
                    </button>
                })}
            </td>
        </tr>
        {move || open.get().then(|| view! {
            <tr class="row-detail">
                <td colspan="8"><CentreAccounts id refresh /></td>
            </tr>
        })}
    }
}

/// The accounts assigned to one centre, and assigning another.
#[component]
fn CentreAccounts(id: i64, refresh: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let assigned = load(move || api::centres::accounts(id));
    let options = load(api::accounts::options);
    let chosen = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let changed = move || {
        assigned.refresh.run(());
        refresh.run(());
    };
    let assign = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(account) = chosen.get_untracked().parse::<i64>() else {
            return;
        };
        busy.set(true);
        crate::task::spawn(async move {
            match api::centres::assign(id, account).await {
                Ok(_) => {
                    toasts.success(i.t(Key::CeAssigned));
                    chosen.set(String::new());
                    changed();
                }
                Err(e) => toasts.error(i.error(&e)),
            }
            busy.set(false);
        });
    };
    let unassign = move |account: i64| {
        busy.set(true);
        crate::task::spawn(async move {
            match api::centres::unassign(id, account).await {
                Ok(()) => {
                    toasts.success(i.t(Key::CeUnassigned));
                    changed();
                }
                Err(e) => toasts.error(i.error(&e)),
            }
            busy.set(false);
        });
    };
    let select_id = format!("centre-{id}-account");
    view! {
        <div class="stack" data-testid=format!("centre-{id}-accounts")>
            {move || match assigned.value.get() {
                None => view! { <p class="muted">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=assigned.reload /> }.into_any(),
                Some(Ok(rows)) => {
                    let current: Vec<_> = rows.into_iter().filter(|r| r.unassigned_at.is_none()).collect();
                    if current.is_empty() {
                        view! { <p class="muted" data-testid="centre-no-accounts">{i.tr(Key::CeNoAccounts)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="plain-list">
                                {current
                                    .into_iter()
                                    .map(|a| {
                                        let account = a.vendor_account_id;
                                        view! {
                                            <li data-testid="centre-account">
                                                <a href=format!("/accounts/{account}")>{a.name}</a>
                                                " · " {a.customer_code} " "
                                                <button type="button" class="btn btn-small btn-ghost" disabled=busy on:click=move |_| unassign(account)>
                                                    {i.tr(Key::CeUnassign)}
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any()
                    }
                }
            }}
            <form class="toolbar" on:submit=assign data-testid=format!("centre-{id}-assign")>
                <div class="field field-grow">
                    <label for=select_id.clone()>{i.tr(Key::CeAssign)}</label>
                    <select
                        id=select_id.clone()
                        data-testid="centre-assign-account"
                        prop:value=move || chosen.get()
                        on:change=move |ev| chosen.set(event_target_value(&ev))
                    >
                        <option value="">{i.tr(Key::CeChooseAccount)}</option>
                        {move || options
                            .ok()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|a| view! { <option value=a.id.to_string()>{format!("{} · {}", a.name, a.code)}</option> })
                            .collect_view()}
                    </select>
                </div>
                <button type="submit" class="btn btn-primary" data-testid="centre-assign-submit" disabled=move || busy.get() || chosen.get().is_empty()>
                    {i.tr(Key::CeAssignSubmit)}
                </button>
            </form>
        </div>
    }
}

/// The vendors that authorised this workspace (it is a centre of theirs).
#[component]
fn VendorsCard() -> impl IntoView {
    let i = use_i18n();
    let vendors = load(api::centres::vendors);
    view! {
        <section class="card" aria-labelledby="vendors-title" data-testid="vendors">
            <h2 id="vendors-title">{i.tr(Key::CeVendors)}</h2>
            {move || match vendors.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=vendors.reload /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted" data-testid="vendors-empty">{i.tr(Key::CeNoVendors)}</p>
                }
                .into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain-list">
                        {list
                            .into_iter()
                            .map(|v| view! {
                                <li data-testid="vendor-row">
                                    <strong>{v.vendor_name}</strong> " · "
                                    <span class="badge" class:badge-ok=v.status == CentreStatus::Active>{i.tr(status_key(v.status))}</span>
                                    " · " {i.tr(Key::CeAccounts)} " " {v.accounts}
                                </li>
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </section>
    }
}
