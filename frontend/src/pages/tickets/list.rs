//! `/tickets`: the staff ticket queue. Saved views as tabs (all, mine,
//! unassigned, breaching soon), filters in the URL's query string, SLA
//! countdowns, and "load more" paging.

use leptos::prelude::*;
use shared::tickets::Ticket;

use crate::api::{self, ApiErr};
use crate::components::list_view::{list_phase, ListView};
use crate::components::paged::{load_more_footer, pager};
use crate::i18n::{module_key, use_i18n, Key};
use crate::logic::paging::ListState;
use crate::logic::tickets::{
    is_breached, next_target_countdown, QueueView, SlaTarget, TicketQuery,
};
use crate::pages::accounts::list::Directory;
use crate::pages::tickets::common::{
    module_choices, priority_choices, status_choices, ticking_now, Accounts, ChoiceSelect,
    PriorityBadge, SlaCountdown, StatusBadge,
};
use crate::router::{redirect, use_location};
use crate::session::use_session;

fn view_key(v: QueueView) -> Key {
    match v {
        QueueView::All => Key::TkViewAll,
        QueueView::Mine => Key::TkViewMine,
        QueueView::Unassigned => Key::TkViewUnassigned,
        QueueView::BreachingSoon => Key::TkViewBreachingSoon,
    }
}

#[component]
pub fn TicketsPage() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let session = use_session();
    let me = Memo::new(move |_| session.user().map(|u| u.id));
    let query = Memo::new(move |_| TicketQuery::from_search(&location.search.get()));
    let list = RwSignal::new(ListState::<Ticket, ApiErr>::default());
    let directory = Directory::load();
    let accounts = Accounts::load();
    let now = ticking_now();

    let (reload, load_more) = pager(list, move |cursor| {
        let q = query.get_untracked();
        async move { api::tickets::list(&q, cursor.as_deref()).await }
    });
    // The URL holds the filters: any change of it starts the list over.
    Effect::new(move |_| {
        query.track();
        reload();
    });
    let refilter = move |change: &dyn Fn(&mut TicketQuery)| {
        let mut next = query.get_untracked();
        change(&mut next);
        redirect(&next.href());
    };

    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::TkNumber)}</th>
                    <th scope="col">{i.tr(Key::TkSubject)}</th>
                    <th scope="col">{i.tr(Key::TkAccount)}</th>
                    <th scope="col">{i.tr(Key::TkModule)}</th>
                    <th scope="col">{i.tr(Key::TkPriority)}</th>
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col">{i.tr(Key::TkTier)}</th>
                    <th scope="col">{i.tr(Key::TkAssignee)}</th>
                    <th scope="col">{i.tr(Key::TkSla)}</th>
                </tr>
            </thead>
        }
    };
    let text_of = move |f: fn(&TicketQuery) -> Option<&'static str>| {
        Signal::derive(move || query.with(|q| f(q).unwrap_or_default().to_string()))
    };
    let owners = directory.owners();

    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="tickets-heading">{i.tr(Key::TkNav)}</h1>
                <a class="btn btn-primary" href="/tickets/new" data-testid="new-ticket">
                    {i.tr(Key::TkNew)}
                </a>
            </header>

            <nav class="tabs" aria-label=i.tr(Key::TkViews) data-testid="ticket-views">
                {QueueView::ALL
                    .into_iter()
                    .map(|v| {
                        let current = move || {
                            (QueueView::of(&query.get(), me.get()) == Some(v)).then_some("page")
                        };
                        view! {
                            <a
                                class="tab"
                                href=move || v.query(me.get()).href()
                                data-testid=format!("view-{}", v.slug())
                                aria-current=current
                            >
                                {i.tr(view_key(v))}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>

            <div class="toolbar" role="search" data-testid="ticket-filters">
                <ChoiceSelect
                    id="filter-status"
                    label=Key::Status
                    choices=status_choices()
                    any=Key::TkAnyStatus
                    value=text_of(|q| q.status.map(|s| s.as_str()))
                    on_pick=Callback::new(move |v: String| refilter(&|q| q.status = v.parse().ok()))
                />
                <ChoiceSelect
                    id="filter-module"
                    label=Key::TkModule
                    choices=module_choices()
                    any=Key::TkAnyModule
                    value=text_of(|q| q.module.map(|m| m.as_str()))
                    on_pick=Callback::new(move |v: String| refilter(&|q| q.module = v.parse().ok()))
                />
                <ChoiceSelect
                    id="filter-priority"
                    label=Key::TkPriority
                    choices=priority_choices()
                    any=Key::TkAnyPriority
                    value=text_of(|q| q.priority.map(|p| p.as_str()))
                    on_pick=Callback::new(move |v: String| refilter(&|q| q.priority = v.parse().ok()))
                />
                <div class="field">
                    <label for="filter-assignee">{i.tr(Key::TkAssignee)}</label>
                    <select
                        id="filter-assignee"
                        data-testid="filter-assignee"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            refilter(&|q| q.set_assignee_value(&v));
                        }
                    >
                        <option value="" prop:selected=move || query.with(|q| q.assignee_value().is_empty())>
                            {i.tr(Key::TkAnyone)}
                        </option>
                        <option value="none" prop:selected=move || query.with(|q| q.unassigned)>
                            {i.tr(Key::Unassigned)}
                        </option>
                        {move || {
                            owners
                                .get()
                                .into_iter()
                                .map(|u| {
                                    let id = u.id;
                                    view! {
                                        <option
                                            value=id.to_string()
                                            prop:selected=move || query.with(|q| q.assignee_id == Some(id))
                                        >
                                            {u.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-account">{i.tr(Key::TkAccount)}</label>
                    <select
                        id="filter-account"
                        data-testid="filter-account"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            refilter(&|q| q.account_id = v.parse().ok());
                        }
                    >
                        <option value="" prop:selected=move || query.with(|q| q.account_id.is_none())>
                            {i.tr(Key::TkAnyAccount)}
                        </option>
                        {move || {
                            accounts
                                .options()
                                .into_iter()
                                .map(|(id, name)| {
                                    view! {
                                        <option
                                            value=id.to_string()
                                            prop:selected=move || query.with(|q| q.account_id == Some(id))
                                        >
                                            {name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <ChoiceSelect
                    id="filter-breached"
                    label=Key::TkSlaFilter
                    choices=vec![("true", Key::TkBreachedOnly), ("false", Key::TkNotBreached)]
                    any=Key::TkAnySla
                    value=text_of(|q| q.breached.map(|b| if b { "true" } else { "false" }))
                    on_pick=Callback::new(move |v: String| refilter(&|q| q.breached = v.parse().ok()))
                />
                <ChoiceSelect
                    id="filter-agreement"
                    label=Key::TkAgreementFilter
                    choices=vec![("true", Key::TkOutsideAgreement), ("false", Key::TkWithinAgreement)]
                    any=Key::TkAnyAgreement
                    value=text_of(|q| q.outside_agreement.map(|b| if b { "true" } else { "false" }))
                    on_pick=Callback::new(move |v: String| refilter(&|q| q.outside_agreement = v.parse().ok()))
                />
                // The installed version the tickets were opened on (applied
                // when the field changes: on Enter or leaving it).
                <div class="field">
                    <label for="filter-version">{i.tr(Key::IbVersionFilter)}</label>
                    <input
                        id="filter-version"
                        type="search"
                        data-testid="filter-version"
                        placeholder=i.tr(Key::IbVersionPlaceholder)
                        prop:value=move || query.with(|q| q.version.clone().unwrap_or_default())
                        on:change=move |ev| {
                            let v = event_target_value(&ev).trim().to_string();
                            refilter(&|q| q.version = (!v.is_empty()).then(|| v.clone()));
                        }
                    />
                </div>
            </div>
            // A service report figure's tickets: say so, and how to leave.
            {move || (!query.with(|q| q.report.is_empty())).then(|| view! {
                <p class="muted report-filter" data-testid="report-filter">
                    {i.tr(Key::SrQueueFiltered)} " "
                    <a href="/tickets" data-testid="clear-report-filter">{i.tr(Key::ClearFilters)}</a>
                </p>
            })}

            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(6, 9)
                testid="tickets-table"
                filtered=Callback::new(move |_| !query.with_untracked(TicketQuery::is_unfiltered))
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|t| (t.id, t.version)
                        children=move |t| view! { <TicketRow ticket=t directory accounts now /> }
                    />
                }
                empty=move || view! {
                    <div class="state" data-testid="tickets-empty">
                        <p>{i.tr(Key::TkNoTickets)}</p>
                        <a class="btn btn-primary" href="/tickets/new" data-testid="empty-new-ticket">
                            {i.tr(Key::TkNew)}
                        </a>
                    </div>
                }
                no_match=move || view! {
                    <div class="state" data-testid="tickets-no-match">
                        <p>{i.tr(Key::TkNoMatch)}</p>
                        <a class="btn" href="/tickets" data-testid="clear-filters">
                            {i.tr(Key::ClearFilters)}
                        </a>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "load-more")}
        </div>
    }
}

#[component]
fn TicketRow(
    ticket: Ticket,
    directory: Directory,
    accounts: Accounts,
    now: RwSignal<chrono::DateTime<chrono::Utc>>,
) -> impl IntoView {
    let i = use_i18n();
    let href = format!("/tickets/{}", ticket.id);
    let (account_id, assignee_id, module) = (ticket.account_id, ticket.assignee_id, ticket.module);
    let tier = ticket.tier.to_string();
    let t = StoredValue::new(ticket.clone());
    // The next target's clock: the deadline "breaching soon" filters on.
    let next = Signal::derive(move || t.with_value(|t| next_target_countdown(t, now.get())));
    let countdown = Signal::derive(move || next.get().1);
    let target = move || {
        i.t(match next.get().0 {
            SlaTarget::FirstResponse => Key::SlaFirstResponse,
            SlaTarget::Resolution => Key::SlaResolution,
        })
    };
    let breached = Signal::derive(move || t.with_value(|t| is_breached(t, now.get())));
    view! {
        <tr
            data-testid="ticket-row"
            data-ticket-id=ticket.id.to_string()
            data-ticket-number=ticket.number.to_string()
            class:row-breached=breached
        >
            <td data-label=i.tr(Key::TkNumber)>
                <a href=href.clone() data-testid="ticket-number">{format!("#{}", ticket.number)}</a>
            </td>
            <td data-label=i.tr(Key::TkSubject)>
                <a href=href data-testid="ticket-link">{ticket.subject}</a>
                {ticket.outside_agreement.then(|| view! {
                    " " <span class="badge badge-warning" data-testid="ticket-row-outside-agreement">{i.tr(Key::TkOutsideAgreement)}</span>
                })}
                {ticket.installed_version.clone().map(|v| view! {
                    " " <span class="badge badge-muted" data-testid="ticket-row-version">{v}</span>
                })}
            </td>
            <td data-label=i.tr(Key::TkAccount)>
                <a href=format!("/accounts/{account_id}")>{move || accounts.name_of(account_id)}</a>
            </td>
            <td data-label=i.tr(Key::TkModule)>{i.tr(module_key(module))}</td>
            <td data-label=i.tr(Key::TkPriority)><PriorityBadge priority=ticket.priority /></td>
            <td data-label=i.tr(Key::Status)><StatusBadge status=ticket.status /></td>
            <td data-label=i.tr(Key::TkTier)>{move || i.f(Key::TkTierN, &[&tier])}</td>
            <td data-label=i.tr(Key::TkAssignee) data-testid="ticket-assignee">
                {move || match assignee_id {
                    None => i.t(Key::Unassigned).to_string(),
                    Some(id) => directory.name_of(Some(id)).unwrap_or_else(|| format!("#{id}")),
                }}
            </td>
            <td data-label=i.tr(Key::TkSla)>
                <span class="muted sla-target" data-testid="ticket-sla-target">{target}</span>
                " "
                <SlaCountdown countdown breached testid="ticket-sla" />
            </td>
        </tr>
    }
}
