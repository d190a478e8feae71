//! The account page's header summary (health, annual value, renewal date,
//! open tickets), its tabs (in the URL: `?tab=`), and the list of the
//! account's tickets (`GET /tickets?account_id=`).

use leptos::prelude::*;
use shared::tickets::Ticket;

use crate::api::{self, ApiErr};
use crate::components::list_view::{list_phase, ListView};
use crate::components::load::load;
use crate::components::paged::{load_more_footer, pager};
use crate::i18n::{use_i18n, Key};
use crate::logic::account_summary::{current_contract, open_tickets, AccountTab};
use crate::logic::money::money;
use crate::logic::onboarding::browser_today;
use crate::logic::paging::ListState;
use crate::logic::tickets::{is_breached, next_target_countdown, TicketQuery};
use crate::pages::accounts::health::band_key;
use crate::pages::tickets::common::{ticking_now, PriorityBadge, SlaCountdown, StatusBadge};

/// How many of the account's tickets the summary counts at most.
const COUNTED: u64 = 200;

fn tab_key(tab: AccountTab) -> Key {
    match tab {
        AccountTab::Overview => Key::AcTabOverview,
        AccountTab::Tickets => Key::AcTabTickets,
        AccountTab::Onboarding => Key::AcTabOnboarding,
        AccountTab::Agreements => Key::AgTitle,
        AccountTab::Contracts => Key::AcTabContracts,
        AccountTab::Installations => Key::IbTab,
        AccountTab::Visits => Key::TlGroupVisits,
        AccountTab::Timeline => Key::AcTabTimeline,
    }
}

fn account_tickets(account_id: i64) -> TicketQuery {
    TicketQuery {
        account_id: Some(account_id),
        ..TicketQuery::default()
    }
}

/// Four figures under the account's name; each says "—" when unknown.
#[component]
pub fn AccountSummary(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let health = load(move || api::health::of_account(account_id));
    let contracts = load(move || api::contracts::list(account_id));
    let tickets = load(move || async move {
        let q = account_tickets(account_id);
        let page = api::tickets::list_sized(&q, COUNTED).await?;
        Ok::<_, ApiErr>((open_tickets(&page.items), page.next_cursor.is_some()))
    });
    let dash = || "—".to_string();
    let score = move || {
        health
            .ok()
            .map(|h| format!("{} · {}", h.score, i.t(band_key(h.band))))
            .unwrap_or_else(dash)
    };
    let band = move || {
        health
            .ok()
            .map(|h| format!("badge hl-{}", h.band.as_str()))
            .unwrap_or_default()
    };
    let contract = move || {
        contracts
            .ok()
            .and_then(|list| current_contract(&list, browser_today()).cloned())
    };
    let value = move || {
        contract()
            .map(|c| money(&c.annual_value, &c.currency))
            .unwrap_or_else(dash)
    };
    let renewal = move || {
        contract()
            .map(|c| crate::i18n::dates::format_day(c.ends_on, i.lang()))
            .unwrap_or_else(dash)
    };
    let overdue = move || contract().is_some_and(|c| c.ends_on < browser_today());
    let open = move || match tickets.ok() {
        Some((n, true)) => format!("{n}+"),
        Some((n, false)) => n.to_string(),
        None => dash(),
    };
    view! {
        <section class="account-summary" aria-label=i.tr(Key::AcSummary) data-testid="account-summary">
            <div class="stat">
                <span class="stat-label">{i.tr(Key::AcHealth)}</span>
                <span class="stat-value" data-testid="summary-health">
                    <span class=band>{score}</span>
                </span>
            </div>
            <div class="stat">
                <span class="stat-label">{i.tr(Key::AcAnnualValue)}</span>
                <span class="stat-value" data-testid="summary-value">{value}</span>
            </div>
            <div class="stat">
                <span class="stat-label">{i.tr(Key::AcRenewalDate)}</span>
                <span class="stat-value" data-testid="summary-renewal">
                    {renewal}
                    {move || overdue().then(|| view! {
                        " " <span class="badge badge-overdue">{i.tr(Key::RnOverdue)}</span>
                    })}
                </span>
            </div>
            <div class="stat">
                <span class="stat-label">{i.tr(Key::AcOpenTickets)}</span>
                <a
                    class="stat-value"
                    href=AccountTab::Tickets.href(account_id)
                    data-testid="summary-open-tickets"
                >
                    {open}
                </a>
            </div>
        </section>
    }
}

/// The tab bar: links, so each tab has its URL and the back button works.
#[component]
pub fn AccountTabs(account_id: i64, tab: Memo<AccountTab>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <nav class="tabs" aria-label=i.tr(Key::AcTabs) data-testid="account-tabs">
            {AccountTab::ALL
                .into_iter()
                .map(|t| {
                    view! {
                        <a
                            class="tab"
                            href=t.href(account_id)
                            data-testid=format!("tab-{}", t.slug())
                            aria-current=move || (tab.get() == t).then_some("page")
                        >
                            {i.tr(tab_key(t))}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

/// The account's tickets, the server's order, paged.
#[component]
pub fn AccountTickets(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let list = RwSignal::new(ListState::<Ticket, ApiErr>::default());
    let (reload, load_more) = pager(list, move |cursor| async move {
        api::tickets::list(&account_tickets(account_id), cursor.as_deref()).await
    });
    reload();
    let now = ticking_now();
    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::TkNumber)}</th>
                    <th scope="col">{i.tr(Key::TkSubject)}</th>
                    <th scope="col">{i.tr(Key::TkPriority)}</th>
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col">{i.tr(Key::TkSla)}</th>
                </tr>
            </thead>
        }
    };
    view! {
        <section class="card" aria-labelledby="account-tickets-title" data-testid="account-tickets">
            <header class="section-header">
                <h2 id="account-tickets-title">{i.tr(Key::AcTabTickets)}</h2>
                <a class="btn btn-small" href=account_tickets(account_id).href() data-testid="account-tickets-queue">
                    {i.tr(Key::AcOpenInQueue)}
                </a>
            </header>
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(3, 5)
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|t| (t.id, t.version)
                        children=move |t| {
                            let href = format!("/tickets/{}", t.id);
                            let stored = StoredValue::new(t.clone());
                            let countdown = Signal::derive(move || {
                                stored.with_value(|t| next_target_countdown(t, now.get()).1)
                            });
                            let breached = Signal::derive(move || stored.with_value(|t| is_breached(t, now.get())));
                            view! {
                                <tr data-testid="account-ticket-row" data-ticket-id=t.id.to_string()>
                                    <td data-label=i.tr(Key::TkNumber)>
                                        <a href=href.clone()>{format!("#{}", t.number)}</a>
                                    </td>
                                    <td data-label=i.tr(Key::TkSubject)><a href=href>{t.subject}</a></td>
                                    <td data-label=i.tr(Key::TkPriority)><PriorityBadge priority=t.priority /></td>
                                    <td data-label=i.tr(Key::Status)><StatusBadge status=t.status /></td>
                                    <td data-label=i.tr(Key::TkSla)>
                                        <SlaCountdown countdown breached testid="account-ticket-sla" />
                                    </td>
                                </tr>
                            }
                        }
                    />
                }
                empty=move || view! {
                    <p class="muted" data-testid="account-tickets-empty">{i.tr(Key::AcNoTickets)}</p>
                }
            />
            {load_more_footer(list, load_more, "account-tickets-more")}
        </section>
    }
}
