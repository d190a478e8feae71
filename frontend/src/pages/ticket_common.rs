//! Pieces the staff ticket pages share: labels of the ticket vocabularies,
//! badges, the SLA countdown, a ticking clock, account names, a select for
//! fixed choices, and the text of a failed action.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::accounts::Account;
use shared::tickets::{TicketCategory, TicketPriority, TicketStatus};
use shared::{ErpModule, ErrorCode};

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

/// The workspace's accounts (up to a page of 200), for names and pickers.
#[derive(Clone, Copy)]
pub struct Accounts {
    pub list: Loaded<Vec<Account>>,
}

impl Accounts {
    pub fn load() -> Self {
        Accounts {
            list: load(api::account_options),
        }
    }

    pub fn name_of(self, id: i64) -> String {
        self.list
            .value
            .with(|l| {
                let l = l.as_ref()?.as_ref().ok()?;
                l.iter().find(|a| a.id == id).map(|a| a.name.clone())
            })
            .unwrap_or_else(|| format!("#{id}"))
    }

    /// `(id, name)` of the active accounts, for a select.
    pub fn options(self) -> Vec<(i64, String)> {
        self.list.value.with(|l| match l {
            Some(Ok(l)) => l
                .iter()
                .filter(|a| !a.archived)
                .map(|a| (a.id, a.name.clone()))
                .collect(),
            _ => Vec::new(),
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
    let text = i.error(err);
    match err {
        ApiErr::Api { error, .. }
            if matches!(
                error.code,
                ErrorCode::ValidationFailed | ErrorCode::Forbidden | ErrorCode::Conflict
            ) && !error.message.trim().is_empty() =>
        {
            let reason = if error.fields.is_empty() {
                error.message.clone()
            } else {
                error
                    .fields
                    .values()
                    .map(|m| crate::logic::forms::localize(m, i.lang()))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            format!("{text} ({reason})")
        }
        _ => text,
    }
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
