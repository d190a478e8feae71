//! `/portal/tickets`: the user's tickets (a customer admin's: the whole
//! account's, or the whole group's when the parent company allows it; the
//! server decides), newest first, with "load more". Group tickets show
//! which company each is of.

use leptos::prelude::*;
use shared::tickets::PortalTicket;
use shared::Role;

use crate::api::{self, ApiErr};
use crate::components::list_view::{list_phase, ListView};
use crate::components::load::load;
use crate::components::paged::{load_more_footer, pager};
use crate::i18n::{use_i18n, Key};
use crate::logic::paging::ListState;
use crate::pages::tickets::common::StatusBadge;
use crate::session::use_session;

#[component]
pub fn PortalTicketsPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let list = RwSignal::new(ListState::<PortalTicket, ApiErr>::default());

    // Whether the list holds the group's tickets (then: a company column).
    let me = load(api::portal::account);
    let group = Signal::derive(move || {
        me.value
            .with(|v| matches!(v, Some(Ok(a)) if a.group_tickets))
    });
    let (reload, load_more) = pager(list, move |cursor| async move {
        api::portal::tickets(cursor.as_deref()).await
    });
    reload();

    let heading = move || {
        let key = if group.get() {
            Key::PtGroupTickets
        } else if session.role() == Some(Role::CustomerAdmin) {
            Key::PtAccountTickets
        } else {
            Key::PtMyTickets
        };
        i.t(key)
    };
    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::TkNumber)}</th>
                    <th scope="col">{i.tr(Key::TkSubject)}</th>
                    {move || group.get().then(|| view! { <th scope="col">{i.tr(Key::PtCompany)}</th> })}
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col">{i.tr(Key::Updated)}</th>
                </tr>
            </thead>
        }
    };

    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="portal-tickets-heading">{heading}</h1>
                <a class="btn btn-primary" href="/portal/tickets/new" data-testid="portal-new-ticket">
                    {i.tr(Key::PtNewTicket)}
                </a>
            </header>
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(4, 4)
                testid="portal-tickets-table"
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|t| (t.id, t.updated_at)
                        children=move |t| view! { <TicketRow ticket=t group /> }
                    />
                }
                empty=move || view! {
                    <div class="state" data-testid="portal-tickets-empty">
                        <p>{i.tr(Key::PtNoTickets)}</p>
                        <a class="btn btn-primary" href="/portal/tickets/new" data-testid="empty-create-ticket">
                            {i.tr(Key::PtRaiseFirst)}
                        </a>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "load-more")}
        </div>
    }
}

#[component]
fn TicketRow(ticket: PortalTicket, group: Signal<bool>) -> impl IntoView {
    let i = use_i18n();
    let href = format!("/portal/tickets/{}", ticket.id);
    let company = ticket.account_name.clone();
    view! {
        <tr data-testid="portal-ticket-row" data-ticket-id=ticket.id.to_string()>
            <td data-label=i.tr(Key::TkNumber)>{format!("#{}", ticket.number)}</td>
            <td data-label=i.tr(Key::TkSubject)>
                <a href=href data-testid="portal-ticket-link">{ticket.subject}</a>
            </td>
            {move || {
                group
                    .get()
                    .then(|| {
                        view! {
                            <td data-label=i.tr(Key::PtCompany) data-testid="portal-ticket-company">
                                {company.clone()}
                            </td>
                        }
                    })
            }}
            <td data-label=i.tr(Key::Status)>
                <StatusBadge status=ticket.status />
            </td>
            <td data-label=i.tr(Key::Updated)>{i.datetime_of(ticket.updated_at)}</td>
        </tr>
    }
}
