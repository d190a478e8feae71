//! `/contracts` (admins, managers, CSMs): every contract of the workspace,
//! newest first, filtered by the account's owner, the status against today
//! and the end (renewal) date; the filters live in the URL.

use std::collections::HashMap;

use leptos::prelude::*;
use shared::contracts::{Contract, ContractStatus};

use crate::api::{self, ApiErr};
use crate::components::list_view::{list_phase, ListView};
use crate::components::paged::{load_more_footer, pager};
use crate::i18n::{use_i18n, Key};
use crate::logic::gaps::ContractListFilter;
use crate::logic::money::money;
use crate::logic::onboarding::{browser_today, date_value};
use crate::logic::paging::ListState;
use crate::pages::accounts::list::Directory;
use crate::router::{redirect, use_location};

/// What the rows show of their accounts: name and owner, by id.
type AccountNames = RwSignal<HashMap<i64, (String, Option<i64>)>>;

fn status_key(s: ContractStatus) -> Key {
    match s {
        ContractStatus::Upcoming => Key::GpStatusUpcoming,
        ContractStatus::Running => Key::GpStatusRunning,
        ContractStatus::Ended => Key::GpStatusEnded,
    }
}

#[component]
pub fn ContractsListPage() -> impl IntoView {
    let i = use_i18n();
    let directory = Directory::load();
    let location = use_location();
    let filter = Memo::new(move |_| ContractListFilter::from_search(&location.search.get()));
    let update = move |change: &dyn Fn(&mut ContractListFilter)| {
        let mut next = filter.get_untracked();
        change(&mut next);
        if next != filter.get_untracked() {
            redirect(&next.href());
        }
    };
    let list = RwSignal::new(ListState::<Contract, ApiErr>::default());
    let names: AccountNames = RwSignal::new(HashMap::new());
    let (reload, load_more) = pager(list, move |cursor| {
        let f = filter.get_untracked().filter();
        async move { api::contracts::page(&f, cursor.as_deref()).await }
    });
    Effect::new(move |_| {
        filter.track();
        reload();
    });
    // Name the accounts of the rows shown (once each).
    Effect::new(move |_| {
        let mut missing: Vec<i64> = list.with(|l| l.items.iter().map(|c| c.account_id).collect());
        missing.sort_unstable();
        missing.dedup();
        missing.retain(|id| names.with_untracked(|n| !n.contains_key(id)));
        missing.truncate(200);
        if missing.is_empty() {
            return;
        }
        crate::task::spawn(async move {
            if let Ok(accounts) = api::accounts::by_ids(&missing).await {
                names.update(|n| {
                    for a in accounts {
                        n.insert(a.id, (a.name, a.owner_id));
                    }
                });
            }
        });
    });
    let owners = directory.owners();
    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::GpAccountCol)}</th>
                    <th scope="col">{i.tr(Key::GpNumberCol)}</th>
                    <th scope="col">{i.tr(Key::CtPeriod)}</th>
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col">{i.tr(Key::CtAnnualValue)}</th>
                    <th scope="col">{i.tr(Key::CtAutoRenew)}</th>
                    <th scope="col">{i.tr(Key::Owner)}</th>
                </tr>
            </thead>
        }
    };
    let date_input =
        move |id: &'static str,
              label: Key,
              get: fn(&ContractListFilter) -> Option<chrono::NaiveDate>,
              set: fn(&mut ContractListFilter, Option<chrono::NaiveDate>)| {
            view! {
                <div class="field">
                    <label for=id>{i.tr(label)}</label>
                    <input
                        type="date"
                        id=id
                        data-testid=id
                        prop:value=move || date_value(filter.with(get))
                        on:change=move |ev| {
                            let day = event_target_value(&ev).parse().ok();
                            update(&|f| set(f, day));
                        }
                    />
                </div>
            }
        };

    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="contracts-heading">{i.tr(Key::GpContractsTitle)}</h1>
                <button
                    type="button"
                    class="btn"
                    data-testid="contracts-ending-soon"
                    on:click=move |_| {
                        let soon = ContractListFilter::ending_within(browser_today(), 90);
                        redirect(&soon.href());
                    }
                >
                    {i.tr(Key::GpEndingSoon)}
                </button>
            </header>
            <div class="toolbar" role="search">
                <div class="field">
                    <label for="contracts-owner">{i.tr(Key::Owner)}</label>
                    <select
                        id="contracts-owner"
                        data-testid="contracts-owner"
                        on:change=move |ev| {
                            let owner = event_target_value(&ev).parse().ok();
                            update(&|f| f.owner_id = owner);
                        }
                    >
                        <option value="" prop:selected=move || filter.with(|f| f.owner_id.is_none())>
                            {i.tr(Key::AllOwners)}
                        </option>
                        {move || {
                            owners
                                .get()
                                .into_iter()
                                .map(|u| {
                                    let id = u.id;
                                    view! {
                                        <option value=id.to_string() prop:selected=move || filter.with(|f| f.owner_id == Some(id))>
                                            {u.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="contracts-status">{i.tr(Key::Status)}</label>
                    <select
                        id="contracts-status"
                        data-testid="contracts-status"
                        on:change=move |ev| {
                            let status = event_target_value(&ev).parse::<ContractStatus>().ok();
                            update(&|f| f.status = status);
                        }
                    >
                        <option value="" prop:selected=move || filter.with(|f| f.status.is_none())>
                            {i.tr(Key::GpAnyStatus)}
                        </option>
                        {ContractStatus::ALL
                            .iter()
                            .map(|s| {
                                let s = *s;
                                view! {
                                    <option value=s.as_str() prop:selected=move || filter.with(|f| f.status == Some(s))>
                                        {i.tr(status_key(s))}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                {date_input("contracts-ends-from", Key::GpEndsFrom, |f| f.ends_from, |f, d| f.ends_from = d)}
                {date_input("contracts-ends-to", Key::GpEndsTo, |f| f.ends_to, |f, d| f.ends_to = d)}
            </div>
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(6, 7)
                testid="contracts-list"
                filtered=Callback::new(move |_| !filter.with_untracked(|f| f.is_unfiltered()))
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|c| (c.id, c.version)
                        children=move |c| view! { <ContractLine contract=c names directory /> }
                    />
                }
                empty=move || view! {
                    <p class="state muted" data-testid="contracts-list-empty">{i.tr(Key::GpNoContracts)}</p>
                }
                no_match=move || view! {
                    <div class="state" data-testid="contracts-no-match">
                        <p>{i.tr(Key::NothingMatches)}</p>
                        <button type="button" class="btn" data-testid="clear-filters" on:click=move |_| redirect("/contracts")>
                            {i.tr(Key::ClearFilters)}
                        </button>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "contracts-load-more")}
        </div>
    }
}

#[component]
fn ContractLine(contract: Contract, names: AccountNames, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let c = contract;
    let account_id = c.account_id;
    let status = ContractStatus::on(c.starts_on, c.ends_on, browser_today());
    let badge = match status {
        ContractStatus::Running => "badge badge-ok",
        ContractStatus::Upcoming => "badge",
        ContractStatus::Ended => "badge badge-muted",
    };
    let (starts, ends) = (c.starts_on, c.ends_on);
    view! {
        <tr data-testid="contracts-row" data-contract-id=c.id.to_string() data-status=status.as_str()>
            <td data-label=i.tr(Key::GpAccountCol)>
                <a href=format!("/accounts/{account_id}?tab=contracts") data-testid="contracts-account">
                    {move || names.with(|n| n.get(&account_id).map(|(name, _)| name.clone())).unwrap_or_else(|| format!("#{account_id}"))}
                </a>
            </td>
            <td data-label=i.tr(Key::GpNumberCol)>{c.number.clone().unwrap_or_else(|| "—".into())}</td>
            <td data-label=i.tr(Key::CtPeriod)>
                {move || format!("{} – {}", i.day_of(starts)(), i.day_of(ends)())}
            </td>
            <td data-label=i.tr(Key::Status)><span class=badge>{i.tr(status_key(status))}</span></td>
            <td data-label=i.tr(Key::CtAnnualValue)>
                {money(&c.annual_value, &c.currency)}
                {c.pending_approval.is_some().then(|| view! { " " <span class="badge badge-warning">{i.tr(Key::CtPending)}</span> })}
            </td>
            <td data-label=i.tr(Key::CtAutoRenew)>{i.tr(if c.auto_renew { Key::TrYes } else { Key::TrNo })}</td>
            <td data-label=i.tr(Key::Owner)>
                {move || {
                    names
                        .with(|n| n.get(&account_id).and_then(|(_, owner)| *owner))
                        .and_then(|owner| directory.name_of(Some(owner)))
                        .unwrap_or_else(|| "—".into())
                }}
            </td>
        </tr>
    }
}
