//! The account's on-site visits (上门服务) tab: each visit's day and slot,
//! where it came from, its status, the engineer and whether the agreement
//! includes it or it is billable; newest first, each opening its page.

use leptos::prelude::*;
use shared::visits::Visit;

use crate::api;
use crate::components::list_view::{loaded_phase, ListView};
use crate::components::load::load;
use crate::i18n::{use_i18n, Key};
use crate::pages::onboarding::visit::{slot_key, status_key};

#[component]
pub fn AccountVisits(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let list = load(move || async move {
        let mut items = api::visits::of_account(account_id).await?.items;
        items.reverse();
        Ok(items)
    });
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::ViDate)}</th>
                    <th scope="col">{i.tr(Key::ViSource)}</th>
                    <th scope="col">{i.tr(Key::ViStatus)}</th>
                    <th scope="col">{i.tr(Key::ViEngineer)}</th>
                    <th scope="col">{i.tr(Key::ViBillable)}</th>
                </tr>
            </thead>
        }
    };
    let phase = loaded_phase(list);
    view! {
        <section class="card" aria-labelledby="account-visits-title" data-testid="account-visits">
            <header class="section-header">
                <h2 id="account-visits-title">{i.tr(Key::TlGroupVisits)}</h2>
            </header>
            <ListView
                phase
                on_retry=list.reload
                header
                skeleton=(2, 5)
                testid="account-visits-table"
                rows=move || {
                    move || {
                        list.ok()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|visit| view! { <VisitRow visit /> })
                            .collect_view()
                    }
                }
                empty=move || view! { <p class="muted" data-testid="account-visits-empty">{i.tr(Key::ViNone)}</p> }
            />
        </section>
    }
}

#[component]
fn VisitRow(visit: Visit) -> impl IntoView {
    let i = use_i18n();
    let v = visit;
    let source = match (v.ticket_id, v.ticket_number) {
        (Some(t), number) => {
            let n = number.unwrap_or(t);
            view! {
                <a href=format!("/tickets/{t}")>{move || format!("{} #{n}", i.t(Key::ViTicket))}</a>
            }
            .into_any()
        }
        (None, _) => view! { <span>{i.tr(Key::ViFromTask)}</span> }.into_any(),
    };
    let billable = v.billable;
    view! {
        <tr data-testid="account-visit-row" data-visit-id=v.id.to_string() data-status=v.status.as_str()>
            <td data-label=i.tr(Key::ViDate)>
                <a href=format!("/visits/{}", v.id) data-testid="account-visit-link">
                    {format!("#{} {} ", v.id, v.visit_date)}
                    {i.tr(slot_key(v.slot))}
                </a>
            </td>
            <td data-label=i.tr(Key::ViSource)>{source}</td>
            <td data-label=i.tr(Key::ViStatus)>
                <span class="badge" data-status=v.status.as_str()>{i.tr(status_key(v.status))}</span>
            </td>
            <td data-label=i.tr(Key::ViEngineer)>{v.engineer_name.clone().unwrap_or_else(|| "—".into())}</td>
            <td data-label=i.tr(Key::ViBillable)>
                <span
                    class=if billable { "badge badge-warning" } else { "badge badge-ok" }
                    data-testid="account-visit-billable"
                    data-billable=billable.to_string()
                >
                    {i.tr(if billable { Key::ViBillable } else { Key::ViIncluded })}
                </span>
            </td>
        </tr>
    }
}
