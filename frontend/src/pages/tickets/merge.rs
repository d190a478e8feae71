//! The ticket page's merge parts: "merge into…" with a ticket picker (the
//! account's open tickets by number or subject), and the banner of a
//! merged ticket.

use leptos::prelude::*;
use shared::ticket_links::{CandidatePurpose, TicketRef};
use shared::tickets::TicketStatus;

use crate::api::{self, ApiErr};
use crate::components::load::load;
use crate::components::states::ErrorState;
use crate::components::toast::use_toasts;
use crate::components::url_filter::{Debouncer, SEARCH_DEBOUNCE};
use crate::i18n::{use_i18n, Key};
use crate::pages::tickets::common::{action_error, ActionError, StatusBadge};
use crate::pages::tickets::detail::Current;

/// `#12 subject`.
pub fn label(t: &TicketRef) -> String {
    format!("#{} {}", t.number, t.subject)
}

/// A search box and the tickets it finds for `ticket_id` (newest first);
/// choosing one sets `chosen`.
#[component]
pub fn TicketPicker(
    ticket_id: i64,
    purpose: CandidatePurpose,
    chosen: RwSignal<Option<TicketRef>>,
    testid: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    let q = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Vec<TicketRef>, ApiErr>>);
    // Only the newest search's answer is shown.
    let generation = StoredValue::new(0_u64);
    let search = move || {
        let text = q.get_untracked();
        let this = generation.get_value() + 1;
        generation.set_value(this);
        crate::task::spawn(async move {
            let result = api::ticket_links::candidates(ticket_id, &text, purpose).await;
            if generation.try_get_value() == Some(this) {
                found.set(Some(result));
            }
        });
    };
    search();
    let debouncer = Debouncer::new();
    let input_id = format!("{testid}-search");
    let list_name = format!("{testid}-choice");
    view! {
        <div class="field">
            <label for=input_id.clone()>{i.tr(Key::TkSearchTickets)}</label>
            <input
                id=input_id
                type="search"
                autocomplete="off"
                placeholder="#42"
                data-testid=format!("{testid}-search")
                prop:value=move || q.get()
                on:input=move |ev| {
                    q.set(event_target_value(&ev));
                    debouncer.run(SEARCH_DEBOUNCE, search);
                }
            />
        </div>
        {move || match found.get() {
            None => view! { <p class="muted" role="status">{i.tr(Key::Loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorState error=e on_retry=Callback::new(move |_| search()) /> }.into_any(),
            Some(Ok(list)) if list.is_empty() => {
                view! { <p class="muted" data-testid=format!("{testid}-none")>{i.tr(Key::TkNoCandidates)}</p> }.into_any()
            }
            Some(Ok(list)) => {
                let name = list_name.clone();
                view! {
                    <ul class="plain-list" data-testid=format!("{testid}-candidates")>
                        {list
                            .into_iter()
                            .map(|t| {
                                let id = t.id;
                                let status = t.status;
                                let text = label(&t);
                                view! {
                                    <li data-testid="candidate" data-ticket-id=id.to_string()>
                                        <label>
                                            <input
                                                type="radio"
                                                name=name.clone()
                                                prop:checked=move || chosen.with(|c| c.as_ref().map(|c| c.id) == Some(id))
                                                on:change=move |_| chosen.set(Some(t.clone()))
                                            />
                                            " " {text} " " <StatusBadge status />
                                        </label>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }
        }}
    }
}

/// A merged ticket says where it went (staff page).
#[component]
pub fn MergedBanner(cur: Current) -> impl IntoView {
    let i = use_i18n();
    let into = Memo::new(move |_| cur.with(|t| t.merged_into_id));
    move || {
        let into = into.get()?;
        let target = load(move || api::tickets::get(into));
        Some(view! {
            <div class="banner banner-warning" role="status" data-testid="ticket-merged">
                <p>
                    {i.tr(Key::TkMergedBanner)} " "
                    <a href=format!("/tickets/{into}") data-testid="ticket-merged-into">
                        {move || match target.ok() {
                            Some(t) => format!("#{} {}", t.value.number, t.value.subject),
                            None => format!("#{into}"),
                        }}
                    </a>
                </p>
            </div>
        })
    }
}

/// "Merge into…": pick an open ticket of the same account, confirm.
#[component]
pub fn MergeAction(cur: Current) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let open = RwSignal::new(false);
    let chosen = RwSignal::new(None::<TicketRef>);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let mergeable = Memo::new(move |_| {
        cur.with(|t| t.merged_into_id.is_none() && t.status != TicketStatus::Closed)
    });
    let merge = move |_| {
        let Some(target) = chosen.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::ticket_links::merge(cur.id, target.id).await {
                Ok(_) => {
                    toasts.success(i.f(Key::TkMergedToast, &[&target.number.to_string()]));
                    open.set(false);
                    chosen.set(None);
                    cur.refresh();
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    move || {
        if !mergeable.get() {
            return ().into_any();
        }
        view! {
            <section class="card" aria-labelledby="merge-title" data-testid="merge-action">
                <h2 id="merge-title">{i.tr(Key::TkMergeTitle)}</h2>
                <ActionError failure testid="merge-error" />
                {move || {
                    if !open.get() {
                        return view! {
                            <button type="button" class="btn" data-testid="merge-open" on:click=move |_| open.set(true)>
                                {i.tr(Key::TkMergeOpen)}
                            </button>
                        }
                        .into_any();
                    }
                    view! {
                        <p class="field-hint">{i.tr(Key::TkMergeHint)}</p>
                        <TicketPicker ticket_id=cur.id purpose=CandidatePurpose::Merge chosen testid="merge" />
                        <div class="form-actions">
                            <button
                                type="button"
                                class="btn btn-danger"
                                data-testid="merge-confirm"
                                disabled=move || busy.get() || chosen.with(Option::is_none)
                                on:click=merge
                            >
                                {move || match chosen.get() {
                                    _ if busy.get() => i.t(Key::Working).to_string(),
                                    Some(t) => i.f(Key::TkMergeConfirm, &[&t.number.to_string()]),
                                    None => i.t(Key::TkMergeOpen).to_string(),
                                }}
                            </button>
                            <button type="button" class="btn btn-ghost" data-testid="merge-cancel" on:click=move |_| open.set(false)>
                                {i.tr(Key::Cancel)}
                            </button>
                        </div>
                    }
                    .into_any()
                }}
            </section>
        }
        .into_any()
    }
}
