//! Pieces the staff ticket pages share: labels of the ticket vocabularies,
//! badges, the SLA countdown, a ticking clock, account names, a select for
//! fixed choices, and the text of a failed action.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::accounts::Account;
use shared::tickets::{TicketCategory, TicketPriority, TicketStatus};
use shared::ErpModule;

use crate::api::{self, ApiErr};
use crate::components::load::{load, Loaded};
use crate::i18n::{dates, module_key, use_i18n, I18n, Key};
use crate::logic::tickets::{format_countdown, Countdown};

pub fn status_key(s: TicketStatus) -> Key {
    match s {
        TicketStatus::New => Key::TkStatusNew,
        TicketStatus::Open => Key::TkStatusOpen,
        TicketStatus::PendingCustomer => Key::TkStatusPendingCustomer,
        TicketStatus::AwaitingApproval => Key::TkStatusAwaitingApproval,
        TicketStatus::Blocked => Key::TkStatusBlocked,
        TicketStatus::Resolved => Key::TkStatusResolved,
        TicketStatus::Closed => Key::TkStatusClosed,
    }
}

pub fn priority_key(p: TicketPriority) -> Key {
    match p {
        TicketPriority::P1 => Key::TkP1,
        TicketPriority::P2 => Key::TkP2,
        TicketPriority::P3 => Key::TkP3,
        TicketPriority::P4 => Key::TkP4,
    }
}

pub fn category_key(c: TicketCategory) -> Key {
    match c {
        TicketCategory::Question => Key::TkCatQuestion,
        TicketCategory::HowTo => Key::TkCatHowTo,
        TicketCategory::DataError => Key::TkCatDataError,
        TicketCategory::Bug => Key::TkCatBug,
        TicketCategory::MasterDataChange => Key::TkCatMasterDataChange,
        TicketCategory::ChangeRequest => Key::TkCatChangeRequest,
        TicketCategory::Complaint => Key::TkCatComplaint,
    }
}

/// `(value, label)` pairs for [`ChoiceSelect`].
pub fn status_choices() -> Vec<(&'static str, Key)> {
    TicketStatus::ALL
        .iter()
        .map(|s| (s.as_str(), status_key(*s)))
        .collect()
}

pub fn priority_choices() -> Vec<(&'static str, Key)> {
    TicketPriority::ALL
        .iter()
        .map(|p| (p.as_str(), priority_key(*p)))
        .collect()
}

pub fn module_choices() -> Vec<(&'static str, Key)> {
    ErpModule::ALL
        .iter()
        .map(|m| (m.as_str(), module_key(*m)))
        .collect()
}

pub fn category_choices() -> Vec<(&'static str, Key)> {
    TicketCategory::ALL
        .iter()
        .map(|c| (c.as_str(), category_key(*c)))
        .collect()
}

#[component]
pub fn StatusBadge(status: TicketStatus) -> impl IntoView {
    let i = use_i18n();
    view! {
        <span class=format!("badge tk-status tk-status-{}", status.as_str()) data-status=status.as_str()>
            {i.tr(status_key(status))}
        </span>
    }
}

#[component]
pub fn PriorityBadge(priority: TicketPriority) -> impl IntoView {
    let i = use_i18n();
    view! {
        <span class=format!("badge tk-prio tk-prio-{}", priority.as_str()) data-priority=priority.as_str()>
            {i.tr(priority_key(priority))}
        </span>
    }
}

/// The current time, renewed every half minute while the page is open (for
/// countdowns).
pub fn ticking_now() -> RwSignal<DateTime<Utc>> {
    let now = RwSignal::new(dates::now());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(dates::now()), Duration::from_secs(30))
    {
        on_cleanup(move || handle.clear());
    }
    now
}

/// A countdown (`2h 15m left`, `overdue 1h`, `paused`), red when breached.
#[component]
pub fn SlaCountdown(
    countdown: Signal<Countdown>,
    breached: Signal<bool>,
    testid: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    let class = move || match (breached.get(), countdown.get()) {
        (true, _) | (_, Countdown::Overdue(_)) => "sla sla-breached",
        (_, Countdown::Paused) => "sla sla-paused",
        _ => "sla",
    };
    view! {
        <span class=class data-testid=testid data-breached=move || breached.get().to_string()>
            {move || format_countdown(countdown.get(), i.lang())}
        </span>
    }
}

/// The workspace's newest accounts (a page), for names and pickers; with
/// more than that, [`AccountSearch`] narrows the picker through the
/// server's search, and the names of the others shown are asked for by id,
/// a batch at a time.
#[derive(Clone, Copy)]
pub struct Accounts {
    pub list: Loaded<Vec<Account>>,
    /// What the user typed into [`AccountSearch`].
    pub search: RwSignal<String>,
    /// The server's matches for `search` (`None` while none asked for).
    matches: RwSignal<Option<Vec<Account>>>,
    /// The latest search's matches, kept after the search is cleared so
    /// the account picked from them stays in the select (and has a name).
    seen: RwSignal<Vec<Account>>,
    /// Accounts asked for by id because a name was wanted.
    named: RwSignal<Vec<Account>>,
    /// Ids asked for (or waiting to be), so each is asked once.
    asked_ids: StoredValue<Vec<i64>>,
    /// Ids waiting for the next batch.
    pending: StoredValue<Vec<i64>>,
}

impl Accounts {
    pub fn load() -> Self {
        let accounts = Accounts {
            list: load(api::accounts::options),
            search: RwSignal::new(String::new()),
            matches: RwSignal::new(None),
            seen: RwSignal::new(Vec::new()),
            named: RwSignal::new(Vec::new()),
            asked_ids: StoredValue::new(Vec::new()),
            pending: StoredValue::new(Vec::new()),
        };
        // Only the answer to the latest search counts.
        let asked = StoredValue::new(0u64);
        Effect::new(move |_| {
            let q = accounts.search.get().trim().to_string();
            asked.update_value(|n| *n += 1);
            let ticket = asked.get_value();
            if q.is_empty() {
                accounts.matches.set(None);
                return;
            }
            // Nothing from the previous search while this one runs.
            accounts.matches.set(Some(Vec::new()));
            crate::task::spawn(async move {
                let found = api::accounts::matching(q).await.unwrap_or_default();
                if asked.try_get_value() == Some(ticket) {
                    accounts.seen.set(found.clone());
                    accounts.matches.set(Some(found));
                }
            });
        });
        accounts
    }

    /// True when the first page was full: there may be accounts the select
    /// cannot show without a search.
    pub fn needs_search(self) -> bool {
        self.list
            .value
            .with(|l| matches!(l, Some(Ok(l)) if l.len() as u64 >= api::accounts::PAGE))
    }

    /// The account's name; one the page of accounts lacks is asked for
    /// (with the others wanted at the same moment) and shows as `#id`
    /// until it comes.
    pub fn name_of(self, id: i64) -> String {
        let find = |l: &[Account]| l.iter().find(|a| a.id == id).map(|a| a.name.clone());
        let listed = self.list.value.with(|l| match l {
            Some(Ok(l)) => Some(find(l)),
            _ => None,
        });
        let found = match listed {
            Some(Some(name)) => Some(name),
            // Still loading (or failed): the page may yet hold it.
            None => None,
            Some(None) => {
                let other = self
                    .seen
                    .with(|s| find(s))
                    .or_else(|| self.named.with(|n| find(n)));
                if other.is_none() {
                    self.ask_name(id);
                }
                other
            }
        };
        found.unwrap_or_else(|| format!("#{id}"))
    }

    /// Queues `id` for the next batch of names (once per id).
    fn ask_name(self, id: i64) {
        if self
            .asked_ids
            .try_with_value(|a| a.contains(&id))
            .unwrap_or(true)
        {
            return;
        }
        self.asked_ids.update_value(|a| a.push(id));
        self.pending.update_value(|p| p.push(id));
        if self.pending.with_value(Vec::len) == 1 {
            // Everything rendered in this turn joins the batch.
            set_timeout(move || self.fetch_names(), std::time::Duration::ZERO);
        }
    }

    fn fetch_names(self) {
        let Some(ids) = self.pending.try_update_value(std::mem::take) else {
            return;
        };
        for chunk in ids.chunks(api::MAX_PAGE as usize) {
            let chunk = chunk.to_vec();
            crate::task::spawn(async move {
                if let Ok(found) = api::accounts::by_ids(&chunk).await {
                    self.named.try_update(|n| n.extend(found));
                }
            });
        }
    }

    /// The active accounts a picker offers: the search's matches while
    /// searching, else the first page and what the latest search found.
    pub fn pickable(self) -> Vec<Account> {
        let active =
            |l: &[Account]| -> Vec<Account> { l.iter().filter(|a| !a.archived).cloned().collect() };
        if let Some(found) = self.matches.with(|m| m.as_deref().map(active)) {
            return found;
        }
        let mut accounts = self.list.value.with(|l| match l {
            Some(Ok(l)) => active(l),
            _ => Vec::new(),
        });
        for extra in self.seen.with(|s| active(s)) {
            if !accounts.iter().any(|a| a.id == extra.id) {
                accounts.push(extra);
            }
        }
        accounts
    }

    /// `(id, name)` of [`Accounts::pickable`], for a select.
    pub fn options(self) -> Vec<(i64, String)> {
        self.pickable()
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect()
    }
}

/// A search box above an account select, shown only when the workspace has
/// more accounts than the select lists at once.
#[component]
pub fn AccountSearch(accounts: Accounts, testid: &'static str) -> impl IntoView {
    let i = use_i18n();
    move || {
        accounts.needs_search().then(|| {
            view! {
                <input
                    type="search"
                    class="account-search"
                    data-testid=testid
                    placeholder=i.tr(Key::AccountSearchHint)
                    aria-label=i.tr(Key::AccountSearchHint)
                    prop:value=move || accounts.search.get()
                    on:input=move |ev| accounts.search.set(event_target_value(&ev))
                />
            }
        })
    }
}

/// A labelled select of fixed choices bound to a string (`""` = `any`).
#[component]
pub fn ChoiceSelect(
    /// DOM id, also the test id.
    id: &'static str,
    label: Key,
    choices: Vec<(&'static str, Key)>,
    value: Signal<String>,
    on_pick: Callback<String>,
    /// The "any"/"choose" first option, if the value may be empty.
    #[prop(optional)]
    any: Option<Key>,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="field">
            <label for=id>{i.tr(label)}</label>
            <select id=id data-testid=id on:change=move |ev| on_pick.run(event_target_value(&ev))>
                {any
                    .map(|k| {
                        view! {
                            <option value="" prop:selected=move || value.with(String::is_empty)>
                                {i.tr(k)}
                            </option>
                        }
                    })}
                {choices
                    .into_iter()
                    .map(|(v, k)| {
                        view! {
                            <option value=v prop:selected=move || value.with(|x| x == v)>
                                {i.tr(k)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// A failed action in the user's language, with the server's reason when it
/// gave one (a refused transition, a maker approving their own change…).
pub fn action_error(i: I18n, err: &ApiErr) -> String {
    // The reason, in the user's language, is part of every error's text.
    i.error(err)
}

/// A failed action as a banner (`role="alert"`).
#[component]
pub fn ActionError(failure: RwSignal<Option<String>>, testid: &'static str) -> impl IntoView {
    move || {
        failure.get().map(|m| {
            view! {
                <div class="banner banner-error" role="alert" data-testid=testid>
                    {m}
                </div>
            }
        })
    }
}
