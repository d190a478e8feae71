//! `/tickets/:id`: one ticket for staff. Header with status, priority, tier,
//! assignee and SLA clocks; actions (status with the allowed transitions,
//! assign, escalate, blockers, approval state, drafting a KB article); the
//! conversation with internal notes; attachments; the history.

use leptos::prelude::*;
use shared::approvals::{Approval, ApprovalStatus};
use shared::texts::Msg;
use shared::tickets::{
    Ticket, TicketCategory, TicketChange, TicketEvent, TicketStatus, UpdateTicketRequest, MAX_BODY,
};
use shared::ErrorCode;

use crate::api::{self, ApiErr, Tagged};
use crate::components::load::{load, Loaded};
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::toast::{use_toasts, Toasts};
use crate::i18n::{module_key, use_i18n, I18n, Key, Lang};
use crate::logic::tickets::{
    can_draft_article, can_escalate, check_text, first_response_countdown, is_breached,
    next_statuses, parse_ticket_ref, resolution_countdown, Countdown,
};
use crate::pages::accounts::list::Directory;
use crate::pages::tickets::common::{
    action_error, category_key, status_key, ticking_now, Accounts, ActionError, PriorityBadge,
    SlaCountdown, StatusBadge,
};
use crate::pages::tickets::conversation::{AttachmentsSection, ConversationSection};
use crate::pages::tickets::links::{link_kind_key, LinksSection};
use crate::pages::tickets::merge::{MergeAction, MergedBanner};
use crate::pages::tickets::time_log::TimeLogSection;
use crate::pages::tickets::vendor_link::VendorLinkSection;
use crate::session::use_session;

#[component]
pub fn TicketPage(id: i64) -> impl IntoView {
    let i = use_i18n();
    let state = RwSignal::new(None::<Result<Tagged<Ticket>, ApiErr>>);
    let load_ticket = move || {
        state.set(None);
        crate::task::spawn(async move {
            let result = api::tickets::get(id).await;
            state.set(Some(result));
        });
    };
    load_ticket();
    // Only a change of phase re-renders: later updates go to the view's signal.
    let phase = Memo::new(move |_| {
        state.with(|s| match s {
            None => Ok(false),
            Some(Ok(_)) => Ok(true),
            Some(Err(e)) => Err(e.clone()),
        })
    });
    let content = move || match phase.get() {
        Ok(false) => view! { <SkeletonCard /> }.into_any(),
        Err(e) if e.is(ErrorCode::NotFound) => view! {
            <section class="state" data-testid="ticket-not-found">
                <h1>{i.tr(Key::TkNotFound)}</h1>
                <a class="btn" href="/tickets">{i.tr(Key::TkNav)}</a>
            </section>
        }
        .into_any(),
        Err(e) => view! { <ErrorState error=e on_retry=Callback::new(move |_| load_ticket()) /> }
            .into_any(),
        Ok(true) => match state.get_untracked() {
            Some(Ok(tagged)) => view! { <TicketView initial=tagged /> }.into_any(),
            _ => ().into_any(),
        },
    };
    view! {
        <div class="page ticket-page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/tickets" data-testid="back-to-tickets">{i.tr(Key::TkNav)}</a>
            </nav>
            {content}
        </div>
    }
}

/// The loaded ticket, kept current by the actions (each answers the ticket
/// with its new `ETag`).
#[derive(Clone, Copy)]
pub struct Current {
    pub id: i64,
    pub tagged: RwSignal<Tagged<Ticket>>,
    /// A save met a newer version (412): offer to reload.
    pub stale: RwSignal<bool>,
    pub timeline: Loaded<Vec<TicketEvent>>,
}

impl Current {
    pub fn with<R>(self, f: impl FnOnce(&Ticket) -> R) -> R {
        self.tagged.with(|t| f(&t.value))
    }

    pub fn etag(self) -> Option<String> {
        self.tagged.with_untracked(|t| t.etag.clone())
    }

    /// Takes an updated ticket and refreshes the history.
    pub fn apply(self, t: Tagged<Ticket>) {
        self.tagged.set(t);
        self.stale.set(false);
        self.timeline.reload.run(());
    }

    /// Reads the ticket again (after a reply, which may move its clocks).
    pub fn refresh(self) {
        let id = self.id;
        crate::task::spawn(async move {
            if let Ok(t) = api::tickets::get(id).await {
                self.apply(t);
            }
        });
    }

    /// Shows a failed action: the stale warning for 412, else the error.
    pub fn fail(self, i: I18n, failure: RwSignal<Option<String>>, err: &ApiErr) {
        if err.is(ErrorCode::PreconditionFailed) {
            self.stale.set(true);
        }
        failure.set(Some(action_error(i, err)));
    }
}

#[component]
fn TicketView(initial: Tagged<Ticket>) -> impl IntoView {
    let i = use_i18n();
    let id = initial.value.id;
    let timeline = load(move || api::tickets::timeline(id));
    let cur = Current {
        id,
        tagged: RwSignal::new(initial),
        stale: RwSignal::new(false),
        timeline,
    };
    let directory = Directory::load();
    let accounts = Accounts::load();
    let now = ticking_now();
    let master_data = cur.with(|t| t.category == TicketCategory::MasterDataChange);

    let number = move || cur.with(|t| format!("#{}", t.number));
    let subject = move || cur.with(|t| t.subject.clone());

    view! {
        <header class="page-header">
            <div>
                <h1 data-testid="ticket-title">
                    <span class="tk-number" data-testid="ticket-number">{number}</span>
                    " "
                    <span data-testid="ticket-subject">{subject}</span>
                </h1>
                <p class="ticket-badges">
                    {move || {
                        let (status, priority) = cur.with(|t| (t.status, t.priority));
                        view! {
                            <span data-testid="ticket-status"><StatusBadge status /></span>
                            " "
                            <span data-testid="ticket-priority"><PriorityBadge priority /></span>
                        }
                    }}
                    " "
                    <span class="badge badge-muted" data-testid="ticket-tier">
                        {move || i.f(Key::TkTierN, &[&cur.with(|t| t.tier).to_string()])}
                    </span>
                    {move || cur.with(|t| t.sla_paused).then(|| view! {
                        " " <span class="badge tk-paused" data-testid="ticket-paused">{i.tr(Key::TkSlaPaused)}</span>
                    })}
                    {move || cur.with(|t| is_breached(t, now.get())).then(|| view! {
                        " " <span class="badge tk-breached" data-testid="ticket-breached">{i.tr(Key::TkSlaBreached)}</span>
                    })}
                    {move || cur.with(|t| t.outside_agreement).then(|| view! {
                        " " <span class="badge badge-warning" data-testid="ticket-outside-agreement">{i.tr(Key::TkOutsideAgreement)}</span>
                    })}
                </p>
            </div>
            <div class="actions">
                <DraftArticle cur />
            </div>
        </header>
        {move || {
            cur.stale
                .get()
                .then(|| {
                    view! {
                        <div class="banner banner-warning" role="alert" data-testid="ticket-stale">
                            <p>{i.tr(Key::ErrStale)}</p>
                            <button type="button" class="btn" data-testid="ticket-reload" on:click=move |_| cur.refresh()>
                                {i.tr(Key::Reload)}
                            </button>
                        </div>
                    }
                })
        }}
        <MergedBanner cur />
        <div class="ticket-layout">
            <div class="ticket-main">
                <TicketDetails cur directory accounts now />
                <ConversationSection cur />
                <AttachmentsSection ticket_id=id />
                <TimeLogSection ticket_id=id />
                <TimelineSection timeline directory />
            </div>
            <aside class="ticket-side">
                <StatusAction cur />
                <AssignAction cur directory />
                <EscalateAction cur />
                <VendorLinkSection cur />
                <BlockersSection cur />
                <LinksSection cur />
                <MergeAction cur />
                <crate::pages::tickets::visit_request::TicketVisits ticket_id=id />
                {master_data.then(|| view! { <ApprovalSection ticket_id=id /> })}
            </aside>
        </div>
    }
}

#[component]
fn TicketDetails(
    cur: Current,
    directory: Directory,
    accounts: Accounts,
    now: RwSignal<chrono::DateTime<chrono::Utc>>,
) -> impl IntoView {
    let i = use_i18n();
    let account_id = cur.with(|t| t.account_id);
    let first = Signal::derive(move || cur.with(|t| first_response_countdown(t, now.get())));
    let first_breached =
        Signal::derive(move || cur.with(|t| t.first_response_breached_at.is_some()));
    let resolution = Signal::derive(move || cur.with(|t| resolution_countdown(t, now.get())));
    let resolution_breached =
        Signal::derive(move || cur.with(|t| t.resolution_breached_at.is_some()));
    view! {
        <section class="card" aria-labelledby="ticket-details-title" data-testid="ticket-details">
            <h2 id="ticket-details-title" class="visually-hidden">{i.tr(Key::Details)}</h2>
            <dl class="details">
                <dt>{i.tr(Key::TkAccount)}</dt>
                <dd data-testid="ticket-account">
                    <a href=format!("/accounts/{account_id}")>{move || accounts.name_of(account_id)}</a>
                </dd>
                <dt>{i.tr(Key::TkAssignee)}</dt>
                <dd data-testid="ticket-assignee">
                    {move || match cur.with(|t| t.assignee_id) {
                        None => i.t(Key::Unassigned).to_string(),
                        Some(uid) => directory.name_of(Some(uid)).unwrap_or_else(|| format!("#{uid}")),
                    }}
                </dd>
                <dt>{i.tr(Key::TkCategory)}</dt>
                <dd data-testid="ticket-category">{move || i.t(category_key(cur.with(|t| t.category)))}</dd>
                <dt>{i.tr(Key::TkModule)}</dt>
                <dd data-testid="ticket-module">{move || i.t(module_key(cur.with(|t| t.module)))}</dd>
                <dt>{i.tr(Key::TkServiceLevel)}</dt>
                <dd>{move || crate::i18n::word(&cur.with(|t| t.service_level.clone()), i.lang())}</dd>
                // The installation named, and its version when reported.
                {move || cur.with(|t| t.installed_version.clone()).map(|version| {
                    let installation = cur.tagged.with_untracked(|t| t.value.installation_id);
                    let site = RwSignal::new(String::new());
                    if let Some(installation) = installation {
                        crate::task::spawn(async move {
                            if let Ok(list) = crate::api::installed_base::list(account_id).await {
                                if let Some(found) = list.into_iter().find(|x| x.id == installation) {
                                    site.set(format!("{} · {} ", found.site, found.product));
                                }
                            }
                        });
                    }
                    view! {
                        <dt>{i.tr(Key::IbTicketVersion)}</dt>
                        <dd data-testid="ticket-version">
                            <a href=crate::logic::account_summary::AccountTab::Installations.href(account_id)>
                                {move || site.get()} {version}
                            </a>
                        </dd>
                    }
                })}
                <dt>{i.tr(Key::TkCreatedAt)}</dt>
                <dd>{move || i.datetime_of(cur.with(|t| t.created_at))()}</dd>
                // Outside agreement there is no SLA to show.
                {move || cur.with(|t| t.outside_agreement).then(|| view! {
                    <dt>{i.tr(Key::TkSla)}</dt>
                    <dd data-testid="ticket-no-sla">{i.tr(Key::TkNoSla)}</dd>
                })}
                <dt hidden=move || cur.with(|t| t.outside_agreement)>{i.tr(Key::TkFirstResponseDue)}</dt>
                <dd data-testid="ticket-first-response" hidden=move || cur.with(|t| t.outside_agreement)>
                    {move || i.datetime_of(cur.with(|t| t.first_response_due_at))()}
                    " · "
                    {move || match first.get() {
                        Countdown::Stopped if cur.with(|t| t.first_responded_at.is_some()) => {
                            view! { <span class="muted">{i.tr(Key::TkResponded)}</span> }.into_any()
                        }
                        _ => view! { <SlaCountdown countdown=first breached=first_breached testid="sla-first-response" /> }.into_any(),
                    }}
                </dd>
                <dt hidden=move || cur.with(|t| t.outside_agreement)>{i.tr(Key::TkResolutionDue)}</dt>
                <dd data-testid="ticket-resolution" hidden=move || cur.with(|t| t.outside_agreement)>
                    {move || i.datetime_of(cur.with(|t| t.resolution_due_at))()}
                    " · "
                    <SlaCountdown countdown=resolution breached=resolution_breached testid="sla-resolution" />
                </dd>
                {move || cur.with(|t| t.csat_rating).map(|r| view! {
                    <dt>{i.tr(Key::TkCsat)}</dt>
                    <dd data-testid="ticket-csat">{format!("{r}/5")}</dd>
                })}
            </dl>
            <h3>{i.tr(Key::TkDescription)}</h3>
            <p class="pre-wrap" data-testid="ticket-description">{move || cur.with(|t| t.description.clone())}</p>
        </section>
    }
}

/// Sends a PATCH with the ticket's `ETag`.
fn patch(
    cur: Current,
    i: I18n,
    toasts: Toasts,
    req: UpdateTicketRequest,
    busy: RwSignal<bool>,
    failure: RwSignal<Option<String>>,
    done: Key,
) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    failure.set(None);
    let etag = cur.etag();
    crate::task::spawn(async move {
        match api::tickets::update(cur.id, &req, etag.as_deref()).await {
            Ok(t) => {
                cur.apply(t);
                toasts.success(i.t(done));
            }
            Err(e) => cur.fail(i, failure, &e),
        }
        busy.set(false);
    });
}

#[component]
fn StatusAction(cur: Current) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let choice = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let options = Memo::new(move |_| next_statuses(cur.with(|t| t.status)));
    // A new status empties the choice (its options changed).
    Effect::new(move |_| {
        options.track();
        choice.set(String::new());
    });
    let apply = move |_| {
        let Ok(to) = choice.get_untracked().parse() else {
            return;
        };
        let req = UpdateTicketRequest {
            status: Some(to),
            ..Default::default()
        };
        patch(cur, i, toasts, req, busy, failure, Key::TkStatusChanged);
    };
    view! {
        <section class="card" aria-labelledby="status-title" data-testid="status-action">
            <h2 id="status-title">{i.tr(Key::TkChangeStatus)}</h2>
            <ActionError failure testid="status-error" />
            {move || {
                let options = options.get();
                if options.is_empty() {
                    return view! { <p class="muted" data-testid="status-final">{i.tr(Key::TkNoTransitions)}</p> }.into_any();
                }
                view! {
                    <div class="tk-inline">
                        <div class="field field-grow">
                            <label for="status-select" class="visually-hidden">{i.tr(Key::Status)}</label>
                            <select
                                id="status-select"
                                data-testid="status-select"
                                on:change=move |ev| choice.set(event_target_value(&ev))
                            >
                                <option value="" prop:selected=move || choice.with(String::is_empty)>
                                    "—"
                                </option>
                                {options
                                    .into_iter()
                                    .map(|s| {
                                        view! {
                                            <option value=s.as_str() prop:selected=move || choice.with(|c| c == s.as_str())>
                                                {i.tr(status_key(s))}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                        <button
                            type="button"
                            class="btn btn-primary"
                            data-testid="status-apply"
                            disabled=move || busy.get() || choice.with(String::is_empty)
                            on:click=apply
                        >
                            {i.tr_when(busy, Key::Saving, Key::TkApply)}
                        </button>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn AssignAction(cur: Current, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let owners = directory.owners();
    let choice = RwSignal::new(cur.with(|t| t.assignee_id));
    Effect::new(move |_| choice.set(cur.with(|t| t.assignee_id)));
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let me = use_session().user().map(|u| u.id);
    let save = move |to: Option<i64>| {
        let req = UpdateTicketRequest {
            assignee_id: Some(to),
            ..Default::default()
        };
        patch(cur, i, toasts, req, busy, failure, Key::TkAssigned);
    };
    view! {
        <section class="card" aria-labelledby="assign-title" data-testid="assign-action">
            <h2 id="assign-title">{i.tr(Key::TkAssign)}</h2>
            <ActionError failure testid="assign-error" />
            <div class="tk-inline">
                <div class="field field-grow">
                    <label for="assignee-select" class="visually-hidden">{i.tr(Key::TkAssignee)}</label>
                    <select
                        id="assignee-select"
                        data-testid="assignee-select"
                        on:change=move |ev| choice.set(event_target_value(&ev).parse().ok())
                    >
                        <option value="" prop:selected=move || choice.get().is_none()>{i.tr(Key::Unassigned)}</option>
                        {move || {
                            owners
                                .get()
                                .into_iter()
                                .map(|u| {
                                    let uid = u.id;
                                    view! {
                                        <option value=uid.to_string() prop:selected=move || choice.get() == Some(uid)>
                                            {u.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <button
                    type="button"
                    class="btn btn-primary"
                    data-testid="assign-apply"
                    disabled=move || busy.get() || choice.get() == cur.with(|t| t.assignee_id)
                    on:click=move |_| save(choice.get_untracked())
                >
                    {i.tr_when(busy, Key::Saving, Key::TkAssign)}
                </button>
            </div>
            {me.map(|me| view! {
                <button
                    type="button"
                    class="btn btn-ghost btn-small"
                    data-testid="assign-me"
                    hidden=move || cur.with(|t| t.assignee_id == Some(me))
                    disabled=busy
                    on:click=move |_| save(Some(me))
                >
                    {i.tr(Key::TkAssignMe)}
                </button>
            })}
        </section>
    }
}

#[component]
fn EscalateAction(cur: Current) -> impl IntoView {
    let i = use_i18n();
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let toasts = use_toasts();
    let possible = Memo::new(move |_| cur.with(can_escalate));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = reason.get_untracked();
        if check_text("reason", &text, 2000).is_err() {
            failure.set(Some(
                i.t(Key::TkEscalateReason).to_string() + " · " + i.t(Key::TkEmptyComment),
            ));
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::tickets::escalate(cur.id, text.trim().to_string()).await {
                Ok(t) => {
                    let tier = t.value.tier.to_string();
                    cur.apply(t);
                    toasts.success(i.f(Key::TkEscalated, &[&tier]));
                    reason.set(String::new());
                    open.set(false);
                }
                Err(e) => cur.fail(i, failure, &e),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="escalate-title" data-testid="escalate-action">
            <h2 id="escalate-title">{i.tr(Key::TkEscalate)}</h2>
            <ActionError failure testid="escalate-error" />
            {move || {
                if !possible.get() {
                    let top = cur.with(|t| t.tier >= shared::tickets::MAX_TIER);
                    return top
                        .then(|| view! { <p class="muted" data-testid="escalate-top">{i.tr(Key::TkTopTier)}</p> })
                        .into_any();
                }
                if !open.get() {
                    return view! {
                        <button type="button" class="btn" data-testid="escalate-open" on:click=move |_| open.set(true)>
                            {i.tr(Key::TkEscalate)}
                        </button>
                    }
                    .into_any();
                }
                view! {
                    <form on:submit=submit novalidate=true data-testid="escalate-form">
                        <div class="field">
                            <label for="escalate-reason">
                                {i.tr(Key::TkEscalateReason)}
                                <span class="required" aria-hidden="true">" *"</span>
                            </label>
                            <textarea
                                id="escalate-reason"
                                data-testid="escalate-reason"
                                rows="3"
                                aria-required="true"
                                prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev))
                            ></textarea>
                        </div>
                        <div class="form-actions">
                            <button type="submit" class="btn btn-danger" data-testid="escalate-submit" disabled=busy>
                                {i.tr_when(busy, Key::Saving, Key::TkEscalate)}
                            </button>
                            <button type="button" class="btn btn-ghost" data-testid="escalate-cancel" on:click=move |_| open.set(false)>
                                {i.tr(Key::Cancel)}
                            </button>
                        </div>
                    </form>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn BlockersSection(cur: Current) -> impl IntoView {
    let i = use_i18n();
    let id = cur.id;
    let blockers = load(move || api::tickets::blockers(id));
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let toasts = use_toasts();
    let done = move |result: Result<Tagged<Ticket>, ApiErr>| {
        match result {
            Ok(t) => {
                cur.apply(t);
                blockers.reload.run(());
                toasts.success(i.t(Key::TkBlockersChanged));
                text.set(String::new());
            }
            Err(e) => cur.fail(i, failure, &e),
        }
        busy.set(false);
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(other) = parse_ticket_ref(&text.get_untracked()) else {
            failure.set(Some(i.t(Key::TkBadRef).to_string()));
            return;
        };
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move { done(api::tickets::add_blocker(id, other).await) });
    };
    let remove = move |other: i64| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move { done(api::tickets::remove_blocker(id, other).await) });
    };
    view! {
        <section class="card" aria-labelledby="blockers-title" data-testid="ticket-blockers">
            <h2 id="blockers-title">{i.tr(Key::TkBlockers)}</h2>
            <ActionError failure testid="blocker-error" />
            {move || match blockers.value.get() {
                None => view! { <p class="muted" role="status">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=blockers.reload /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => {
                    view! { <p class="muted" data-testid="blockers-empty">{i.tr(Key::TkNoBlockers)}</p> }.into_any()
                }
                Some(Ok(list)) => view! {
                    <ul class="plain-list">
                        {list
                            .into_iter()
                            .map(|b| {
                                let bid = b.id;
                                view! {
                                    <li data-testid="blocker" data-ticket-id=bid.to_string()>
                                        <a href=format!("/tickets/{bid}")>{format!("#{} {}", b.number, b.subject)}</a>
                                        " "
                                        <StatusBadge status=b.status />
                                        " "
                                        <button
                                            type="button"
                                            class="btn btn-ghost btn-small"
                                            data-testid="blocker-remove"
                                            disabled=busy
                                            on:click=move |_| remove(bid)
                                        >
                                            {i.tr(Key::TkRemove)}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            <form class="tk-inline" on:submit=add novalidate=true data-testid="blocker-form">
                <div class="field field-grow">
                    <label for="blocker-ref">{i.tr(Key::TkBlockerRef)}</label>
                    <input
                        id="blocker-ref"
                        data-testid="blocker-ref"
                        inputmode="numeric"
                        autocomplete="off"
                        placeholder="#42"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" class="btn" data-testid="blocker-add" disabled=busy>
                    {i.tr(Key::TkAddBlocker)}
                </button>
            </form>
            <p class="field-hint">{i.tr(Key::TkBlockerHint)}</p>
        </section>
    }
}

fn approval_key(s: ApprovalStatus) -> Key {
    match s {
        ApprovalStatus::Pending => Key::TkStatusAwaitingApproval,
        ApprovalStatus::Approved => Key::TkApprovalApproved,
        ApprovalStatus::Rejected => Key::TkApprovalRejected,
        ApprovalStatus::Withdrawn => Key::ApStatusWithdrawn,
    }
}

#[component]
fn ApprovalSection(ticket_id: i64) -> impl IntoView {
    let i = use_i18n();
    let approvals = load(move || async move {
        api::approvals::list(None, Some(("ticket", ticket_id)), None)
            .await
            .map(|p| p.items)
    });
    let decider = matches!(
        use_session().role(),
        Some(shared::Role::Manager | shared::Role::Admin)
    );
    view! {
        <section class="card" aria-labelledby="approval-title" data-testid="ticket-approval">
            <h2 id="approval-title">{i.tr(Key::TkApproval)}</h2>
            {move || match approvals.value.get() {
                None => view! { <p class="muted" role="status">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=approvals.reload /> }.into_any(),
                // Newest first: the first is the one that counts.
                Some(Ok(list)) => match list.into_iter().next() {
                    None => view! { <p class="muted">{i.tr(Key::TkNoApproval)}</p> }.into_any(),
                    Some(a) => view! { <ApprovalState approval=a decider /> }.into_any(),
                },
            }}
        </section>
    }
}

#[component]
fn ApprovalState(approval: Approval, decider: bool) -> impl IntoView {
    let i = use_i18n();
    let pending = approval.status == ApprovalStatus::Pending;
    view! {
        <p data-testid="approval-status" data-approval-status=approval.status.as_str()>
            <span class=format!("badge tk-approval-{}", approval.status.as_str())>
                {i.tr(approval_key(approval.status))}
            </span>
        </p>
        <p>{approval.summary}</p>
        {pending.then(|| view! { <p class="muted">{i.tr(Key::TkApprovalPending)}</p> })}
        {approval.comment.map(|c| view! { <blockquote class="pre-wrap">{c}</blockquote> })}
        {(pending && decider).then(|| view! {
            <a class="btn" href="/approvals" data-testid="open-approvals">{i.tr(Key::TkOpenApprovals)}</a>
        })}
    }
}

#[component]
fn DraftArticle(cur: Current) -> impl IntoView {
    let i = use_i18n();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let article = RwSignal::new(None::<i64>);
    let toasts = use_toasts();
    let draft = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::kb::from_ticket(cur.id).await {
                Ok(a) => {
                    article.set(Some(a.id));
                    toasts.success(i.t(Key::TkArticleDrafted));
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    move || {
        if let Some(aid) = article.get() {
            return view! {
                <a class="btn" href=format!("/kb/{aid}") data-testid="article-link" data-article-id=aid.to_string()>
                    {move || i.f(Key::TkOpenArticle, &[&aid.to_string()])}
                </a>
            }
            .into_any();
        }
        if !cur.with(|t| can_draft_article(t.status)) {
            return ().into_any();
        }
        view! {
            <div class="stack-end">
                <button type="button" class="btn" data-testid="draft-article" disabled=busy on:click=draft>
                    {i.tr_when(busy, Key::Working, Key::TkDraftArticle)}
                </button>
                <ActionError failure testid="draft-article-error" />
            </div>
        }
        .into_any()
    }
}

fn event_key(change: &TicketChange) -> Key {
    match change {
        TicketChange::Created { .. } => Key::TkEvCreated,
        TicketChange::Status { .. } => Key::TkEvStatus,
        TicketChange::Assigned { .. } => Key::TkEvAssigned,
        TicketChange::Escalated { .. } => Key::TkEvEscalated,
        TicketChange::Comment { .. } => Key::TkEvComment,
        TicketChange::Blocked { .. } => Key::TkEvBlocked,
        TicketChange::UnblockedManually { .. } => Key::TkEvUnblocked,
        TicketChange::Rated { .. } => Key::TkEvRated,
        TicketChange::Approved { .. } => Key::TkEvApproved,
        TicketChange::Rejected { .. } => Key::TkEvRejected,
        TicketChange::SlaBreach { .. } => Key::TkEvSlaBreach,
        TicketChange::KbArticle { .. } => Key::TkEvKbArticle,
        TicketChange::Merged { .. } => Key::TkEvMerged,
        TicketChange::MergedIn { .. } => Key::TkEvMergedIn,
        TicketChange::Linked { .. } => Key::TkEvLinked,
        TicketChange::Unlinked { .. } => Key::TkEvUnlinked,
    }
}

/// What an event's detail says, briefly: `Open → Resolved`, `Tier 2 · …`.
fn event_detail(ev: &TicketEvent, lang: Lang, directory: Directory) -> String {
    let tier = |n: i32| crate::i18n::fill(crate::i18n::text(lang, Key::TkTierN), &[&n.to_string()]);
    let status = |s: TicketStatus| crate::i18n::text(lang, status_key(s)).to_string();
    let person = |id: Option<i64>| match id {
        Some(id) => directory
            .name_of(Some(id))
            .unwrap_or_else(|| format!("#{id}")),
        None => crate::i18n::text(lang, Key::Unassigned).to_string(),
    };
    // A reason the server worded from the texts table (the SLA monitor's,
    // the last blocker's) in the reader's language; one staff typed as typed.
    let reason = |r: &str| {
        Msg::parse_en(r)
            .and_then(|m| crate::i18n::server_text(&m, lang))
            .unwrap_or_else(|| r.to_string())
    };
    let merged_counts = |comments: i64, files: i64| {
        crate::i18n::fill(
            crate::i18n::text(lang, Key::TkMergedCounts),
            &[&comments.to_string(), &files.to_string()],
        )
    };
    let mut parts = Vec::new();
    match &ev.change {
        TicketChange::Assigned { from, to } => {
            parts.push(format!("{} → {}", person(*from), person(*to)))
        }
        TicketChange::Escalated {
            to_tier, reason: r, ..
        } => {
            parts.push(tier(*to_tier));
            parts.push(reason(r));
        }
        TicketChange::Created { tier: t, .. } => parts.push(tier(*t)),
        TicketChange::Blocked {
            blocked_by_number, ..
        } => parts.push(format!("#{blocked_by_number}")),
        TicketChange::UnblockedManually { blocked_by } => parts.push(format!("#{blocked_by}")),
        TicketChange::Comment { internal, .. } => {
            if *internal {
                parts.push(crate::i18n::text(lang, Key::TkInternalNote).to_string())
            }
        }
        TicketChange::Rated { rating } => parts.push(format!("{rating}/5")),
        TicketChange::Status {
            from,
            to,
            reason: r,
            comment,
        } => {
            parts.push(format!("{} → {}", status(*from), status(*to)));
            parts.extend(r.as_deref().map(reason));
            parts.extend(comment.clone());
        }
        TicketChange::Approved { from, to, comment }
        | TicketChange::Rejected { from, to, comment } => {
            parts.push(format!("{} → {}", status(*from), status(*to)));
            parts.extend(comment.clone());
        }
        TicketChange::SlaBreach { .. } | TicketChange::KbArticle { .. } => {}
        TicketChange::Merged {
            into_number,
            comments,
            attachments,
            ..
        } => {
            parts.push(format!("#{into_number}"));
            parts.push(merged_counts(*comments, *attachments));
        }
        TicketChange::MergedIn {
            from_number,
            comments,
            attachments,
            ..
        } => {
            parts.push(format!("#{from_number}"));
            parts.push(merged_counts(*comments, *attachments));
        }
        TicketChange::Linked { number, kind, .. } | TicketChange::Unlinked { number, kind, .. } => {
            parts.push(format!("#{number}"));
            parts.push(crate::i18n::text(lang, link_kind_key(*kind)).to_string());
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" · ")
}

#[component]
fn TimelineSection(timeline: Loaded<Vec<TicketEvent>>, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="card" aria-labelledby="timeline-title" data-testid="ticket-timeline">
            <h2 id="timeline-title">{i.tr(Key::TkHistory)}</h2>
            {move || match timeline.value.get() {
                None => view! { <p class="muted" role="status">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=timeline.reload /> }.into_any(),
                Some(Ok(events)) if events.is_empty() => {
                    view! { <p class="muted" data-testid="timeline-empty">{i.tr(Key::TkNoHistory)}</p> }.into_any()
                }
                Some(Ok(events)) => view! {
                    <ol class="timeline">
                        {events
                            .into_iter()
                            .map(|ev| {
                                let ev = StoredValue::new(ev);
                                let (kind, key, at, actor) = ev.with_value(|e| (e.change.kind(), event_key(&e.change), e.at, e.actor_id));
                                view! {
                                    <li class="timeline-item" data-testid="timeline-item" data-kind=kind>
                                        <time class="muted">{i.datetime_of(at)}</time>
                                        <span class="timeline-actor">
                                            {move || match actor {
                                                None => i.t(Key::TkSystem).to_string(),
                                                Some(a) => directory.name_of(Some(a)).unwrap_or_else(|| format!("#{a}")),
                                            }}
                                        </span>
                                        <span>{i.tr(key)}</span>
                                        <span class="muted">
                                            {move || ev.with_value(|e| event_detail(e, i.lang(), directory))}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                .into_any(),
            }}
        </section>
    }
}

/// The composer's limit (the server's).
pub const COMMENT_MAX: usize = MAX_BODY;
