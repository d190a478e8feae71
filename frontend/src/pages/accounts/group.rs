//! The "集团 / Group" panel of a parent account (on `/accounts/:id`): the
//! roll-up of it and every company below it (health weighted by annual
//! value, annual value, open tickets, open renewals), the companies with
//! their own figures, and whether the parent's customer admins see the
//! group's tickets in the portal (admins and managers change that).

use leptos::prelude::*;
use shared::account_groups::{CurrencyValue, GroupMember, GroupRollup};
use shared::accounts::Account;
use shared::accounts::UpdateAccountRequest;
use shared::Role;

use crate::api::{self, Tagged};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::toast::use_toasts;
use crate::i18n::dates::format_day;
use crate::i18n::{use_i18n, Key};
use crate::logic::money::money;
use crate::pages::accounts::health::band_key;
use crate::session::use_session;

fn amounts(values: &[CurrencyValue]) -> String {
    if values.is_empty() {
        return "—".into();
    }
    values
        .iter()
        .map(|v| money(&v.amount, &v.currency))
        .collect::<Vec<_>>()
        .join(" + ")
}

#[component]
pub fn GroupSection(
    tagged: Tagged<Account>,
    /// The account after the setting changed.
    on_change: Callback<Tagged<Account>>,
) -> impl IntoView {
    let i = use_i18n();
    let account_id = tagged.value.id;
    let rollup = load(move || api::accounts::group(account_id));
    view! {
        <section class="card" aria-labelledby="group-title" data-testid="group-panel">
            <h2 id="group-title">{i.tr(Key::GrTitle)}</h2>
            <p class="muted">{i.tr(Key::GrIntro)}</p>
            {move || match rollup.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=rollup.reload /> }.into_any(),
                Some(Ok(r)) => view! { <RollupView rollup=r /> }.into_any(),
            }}
            <PortalSetting tagged on_change />
        </section>
    }
}

#[component]
fn RollupView(rollup: GroupRollup) -> impl IntoView {
    let i = use_i18n();
    let r = rollup;
    let total = r.members.len().to_string();
    let scored = r.scored_members.to_string();
    let weighting = match &r.weighted_by {
        Some(currency) => i.f(Key::GrWeightedBy, &[currency]),
        None => i.t(Key::GrUnweighted).to_string(),
    };
    let health = match (r.health_score, r.health_band) {
        (Some(score), Some(band)) => view! {
            <span class=format!("hl-score hl-{}", band.as_str()) data-testid="group-health" data-band=band.as_str()>
                {score}
            </span>
            " "
            <span class=format!("badge hl-{}", band.as_str())>{i.tr(band_key(band))}</span>
        }
        .into_any(),
        _ => view! { <span class="muted" data-testid="group-health">{i.tr(Key::GrNoScore)}</span> }.into_any(),
    };
    let renewals = match r.next_renewal_due {
        Some(due) => format!(
            "{} · {}",
            r.open_renewals,
            i.f(Key::GrNextDue, &[&format_day(due, i.lang())])
        ),
        None => i.t(Key::GrNoRenewals).to_string(),
    };
    let top = (r.top.id != r.account.id).then(|| {
        view! {
            <p data-testid="group-top">
                <a href=format!("/accounts/{}", r.top.id)>{i.f(Key::GrTop, &[&r.top.name])}</a>
            </p>
        }
    });
    let alone = r.members.len() <= 1;
    let members = r.members.clone();
    view! {
        {top}
        <dl class="details" data-testid="group-rollup">
            <dt>{i.tr(Key::GrHealth)}</dt>
            <dd>
                {health}
                <span class="muted">" " {weighting} " · " {i.f(Key::GrScoredOf, &[&scored, &total])}</span>
            </dd>
            <dt>{i.tr(Key::GrAnnualValue)}</dt>
            <dd data-testid="group-value">{amounts(&r.annual_value)}</dd>
            <dt>{i.tr(Key::GrOpenTickets)}</dt>
            <dd data-testid="group-open-tickets">{r.open_tickets}</dd>
            <dt>{i.tr(Key::GrRenewals)}</dt>
            <dd data-testid="group-renewals">{renewals}</dd>
        </dl>
        <h3>{i.tr(Key::GrMembers)}</h3>
        {if alone {
            view! { <p class="muted" data-testid="group-empty">{i.tr(Key::GrNoMembers)}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="group-members">
                    <thead>
                        <tr>
                            <th scope="col">{i.tr(Key::GrCompany)}</th>
                            <th scope="col">{i.tr(Key::HlTitle)}</th>
                            <th scope="col">{i.tr(Key::GrAnnualValue)}</th>
                            <th scope="col">{i.tr(Key::GrOpenTickets)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {members.into_iter().map(|m| view! { <MemberRow member=m /> }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }}
    }
}

#[component]
fn MemberRow(member: GroupMember) -> impl IntoView {
    let i = use_i18n();
    let m = member;
    let indent = format!("padding-left: {}em", m.depth);
    let health = match (m.health_score, m.health_band) {
        (Some(score), Some(band)) => view! {
            <span class=format!("badge hl-{}", band.as_str()) data-band=band.as_str()>
                {format!("{score} · {}", i.t(band_key(band)))}
            </span>
        }
        .into_any(),
        _ => view! { <span class="muted">{i.tr(Key::GrNoScore)}</span> }.into_any(),
    };
    view! {
        <tr data-testid="group-member" data-account-id=m.account.id.to_string()>
            <td data-label=i.tr(Key::GrCompany) style=indent>
                <a href=format!("/accounts/{}", m.account.id)>{m.account.name}</a>
            </td>
            <td data-label=i.tr(Key::HlTitle)>{health}</td>
            <td data-label=i.tr(Key::GrAnnualValue)>{amounts(&m.annual_value)}</td>
            <td data-label=i.tr(Key::GrOpenTickets)>{m.open_tickets}</td>
        </tr>
    }
}

/// The portal setting: a checkbox that saves at once (with `If-Match`).
#[component]
fn PortalSetting(tagged: Tagged<Account>, on_change: Callback<Tagged<Account>>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let may_change = matches!(use_session().role(), Some(Role::Admin | Role::Manager));
    let on = tagged.value.portal_group_tickets;
    let id = tagged.value.id;
    let etag = StoredValue::new(tagged.etag.clone());
    let busy = RwSignal::new(false);
    let toggle = move |ev: leptos::ev::Event| {
        let wanted = event_target_checked(&ev);
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let req = UpdateAccountRequest {
            portal_group_tickets: Some(wanted),
            ..Default::default()
        };
        let tag = etag.get_value();
        crate::task::spawn(async move {
            match api::accounts::update(id, &req, tag.as_deref()).await {
                Ok(saved) => {
                    toasts.success(i.t(if wanted {
                        Key::GrPortalOn
                    } else {
                        Key::GrPortalOff
                    }));
                    on_change.try_run(saved);
                }
                Err(e) => toasts.error(i.error(&e)),
            }
            busy.try_set(false);
        });
    };
    view! {
        <div class="field">
            <label class="check" for="group-portal-tickets">
                <input
                    type="checkbox"
                    id="group-portal-tickets"
                    data-testid="group-portal-tickets"
                    prop:checked=on
                    disabled=move || !may_change || busy.get()
                    on:change=toggle
                />
                {i.tr(Key::GrPortalSetting)}
            </label>
        </div>
    }
}
