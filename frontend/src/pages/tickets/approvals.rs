//! `/approvals` (managers and admins): pending maker-checker approvals, each
//! approved or rejected (a rejection says why). The server's refusals (the
//! maker deciding their own change, an approval already decided) are shown
//! on the approval.

use leptos::prelude::*;
use shared::approvals::{Approval, ApprovalStatus};
use shared::Role;

use crate::api::{self, ApiErr};
use crate::components::list_view::{list_phase, ListView};
use crate::components::load::load;
use crate::components::paged::{load_more_footer, pager};
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::paging::ListState;
use crate::logic::tickets::check_text;
// contracts & renewals
use crate::logic::money::{money, value_change};
use crate::logic::query::get_param;
use crate::pages::accounts::list::Directory;
use crate::pages::tickets::common::{action_error, ActionError};
use crate::router::use_location;
use crate::session::use_session;
// health settings, api keys & surveys
use crate::logic::health_model::{day_text, override_ask, OverrideAsk};

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    // Every staff member sees the inbox: makers follow (and may withdraw)
    // their requests; managers and admins decide the others'.
    move || match session.role() {
        Some(role) if !role.is_portal() => view! { <ApprovalsInbox /> }.into_any(),
        None => ().into_any(),
        Some(_) => view! {
            <section class="state" data-testid="forbidden">
                <h1>{i.tr(Key::ForbiddenTitle)}</h1>
                <p>{i.tr(Key::ApManagersOnly)}</p>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn ApprovalsInbox() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    // The tab lives in the URL (`/approvals?status=approved`), so a reload
    // or a shared link shows the same list; pending is the default.
    let status = Memo::new(move |_| status_of(&location.search.get()));
    let list = RwSignal::new(ListState::<Approval, ApiErr>::default());
    let directory = Directory::load();
    let (reload, load_more) = pager(list, move |cursor| {
        let status = status.get_untracked();
        async move { api::approvals::list(Some(status), None, cursor.as_deref()).await }
    });
    Effect::new(move |_| {
        status.track();
        reload();
    });
    let phase = list_phase(list);
    // A decided approval leaves the inbox.
    let decided = Callback::new(move |id: i64| list.update(|l| l.items.retain(|a| a.id != id)));
    let header = move || {
        let pending = status.get() == ApprovalStatus::Pending;
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::ApSummary)}</th>
                    <th scope="col">{i.tr(Key::ApMaker)}</th>
                    <th scope="col">{i.tr(Key::ApRequested)}</th>
                    <th scope="col">{i.tr(if pending { Key::Actions } else { Key::ApDecision })}</th>
                </tr>
            </thead>
        }
    };
    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="approvals-heading">{i.tr(Key::ApTitle)}</h1>
            </header>
            <p class="muted">
                {move || {
                    let decides = matches!(use_session().role(), Some(Role::Manager | Role::Admin));
                    i.t(if decides { Key::ApIntro } else { Key::ApStaffIntro })
                }}
            </p>
            <nav class="tabs" aria-label=i.tr(Key::ApTabs) data-testid="approval-tabs">
                {STATUS_TABS
                    .into_iter()
                    .map(|s| {
                        view! {
                            <a
                                class="tab"
                                href=status_href(s)
                                data-testid=format!("approvals-tab-{}", s.as_str())
                                aria-current=move || (status.get() == s).then_some("page")
                            >
                                {i.tr(status_key(s))}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(3, 4)
                testid="approvals-table"
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|a| a.id
                        children=move |a| view! { <ApprovalRow approval=a directory decided /> }
                    />
                }
                empty=move || view! {
                    <div class="state" data-testid="approvals-empty">
                        <p>
                            {move || {
                                if status.get() == ApprovalStatus::Pending {
                                    i.t(Key::ApEmpty)
                                } else {
                                    i.t(Key::ApEmptyDecided)
                                }
                            }}
                        </p>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "load-more")}
        </div>
    }
}

/// The inbox's tabs, in order; the first is the default.
const STATUS_TABS: [ApprovalStatus; 4] = [
    ApprovalStatus::Pending,
    ApprovalStatus::Approved,
    ApprovalStatus::Rejected,
    ApprovalStatus::Withdrawn,
];

/// The tab of an `/approvals?status=…` URL; anything else is pending.
fn status_of(search: &str) -> ApprovalStatus {
    get_param(search, "status")
        .and_then(|s| s.parse().ok())
        .unwrap_or(ApprovalStatus::Pending)
}

fn status_href(status: ApprovalStatus) -> String {
    match status {
        ApprovalStatus::Pending => "/approvals".to_string(),
        other => format!("/approvals?status={}", other.as_str()),
    }
}

fn status_key(status: ApprovalStatus) -> Key {
    match status {
        ApprovalStatus::Pending => Key::ApTabPending,
        ApprovalStatus::Approved => Key::TkApprovalApproved,
        ApprovalStatus::Rejected => Key::TkApprovalRejected,
        ApprovalStatus::Withdrawn => Key::ApStatusWithdrawn,
    }
}

/// Who decided a closed approval, when, and why.
#[component]
fn Decision(approval: Approval, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let by = approval.decided_by;
    let at = approval.decided_at;
    view! {
        <span data-testid="approval-decision">
            <span class="badge badge-muted">{i.tr(status_key(approval.status))}</span>
            {by.map(|by| view! {
                " " {move || directory.name_of(Some(by)).unwrap_or_else(|| format!("#{by}"))}
            })}
            {at.map(|at| view! { " · " {i.datetime_of(at)} })}
        </span>
        {approval.comment.map(|c| view! { <p class="muted" data-testid="approval-comment">{c}</p> })}
    }
}

#[component]
fn ApprovalRow(approval: Approval, directory: Directory, decided: Callback<i64>) -> impl IntoView {
    let i = use_i18n();
    // A decided (or withdrawn) approval shows its decision, not buttons.
    let closed = (approval.status != ApprovalStatus::Pending).then(|| approval.clone());
    let pending = closed.is_none();
    let toasts = use_toasts();
    let me = use_session().user().map(|u| u.id);
    let id = approval.id;
    let maker = approval.maker_id;
    let own = me == Some(maker);
    let decides = matches!(use_session().role(), Some(Role::Manager | Role::Admin));
    let rejecting = RwSignal::new(false);
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let decide = move |approve: bool| {
        if busy.get_untracked() {
            return;
        }
        let text = comment.get_untracked().trim().to_string();
        if !approve && check_text("comment", &text, 2000).is_err() {
            failure.set(Some(i.t(Key::ApReasonRequired).to_string()));
            return;
        }
        busy.set(true);
        failure.set(None);
        let comment = (!text.is_empty()).then_some(text);
        crate::task::spawn(async move {
            match api::approvals::decide(id, approve, comment).await {
                Ok(_) => {
                    toasts.success(i.t(if approve {
                        Key::ApApproved
                    } else {
                        Key::ApRejected
                    }));
                    decided.run(id);
                }
                Err(e) => {
                    failure.set(Some(action_error(i, &e)));
                    busy.set(false);
                }
            }
        });
    };
    let withdraw = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::approvals::withdraw(id).await {
                Ok(_) => {
                    toasts.success(i.t(Key::ApWithdrawn));
                    decided.run(id);
                }
                Err(e) => {
                    failure.set(Some(action_error(i, &e)));
                    busy.set(false);
                }
            }
        });
    };
    let subject = (approval.subject_type == "ticket").then(|| {
        view! {
            " "
            <a href=format!("/tickets/{}", approval.subject_id) data-testid="approval-subject">
                {move || i.t(Key::TkNav)} " " {format!("#{}", approval.subject_id)}
            </a>
        }
    });
    view! {
        <tr data-testid="approval-row" data-approval-id=id.to_string() data-kind=approval.kind.clone()>
            <td data-label=i.tr(Key::ApSummary)>
                // contracts & renewals
                {match (approval.kind == api::health::HEALTH_OVERRIDE).then(|| override_ask(&approval.summary)).flatten() {
                    Some(ask) => view! { <OverrideSummary ask account_id=approval.subject_id /> }.into_any(),
                    None => match value_change(&approval.summary).filter(|_| approval.kind == "contract_value_change") {
                        Some((old, new, currency)) => {
                            let contract = format!("#{}", approval.subject_id);
                            view! {
                                <span data-testid="approval-summary">
                                    {move || i.f(Key::ApContractValue, &[&contract])} " "
                                    <span data-testid="approval-old-value">{money(&old, &currency)}</span>
                                    " → "
                                    <strong data-testid="approval-new-value">{money(&new, &currency)}</strong>
                                </span>
                            }
                            .into_any()
                        }
                        None => {
                            // A summary the server worded from the texts table
                            // (a dongle split), in the reader's language.
                            let summary = approval.summary.clone();
                            view! {
                                <span data-testid="approval-summary">
                                    {move || shared::texts::Msg::parse_en(&summary)
                                        .and_then(|m| crate::i18n::server_text(&m, i.lang()))
                                        .unwrap_or_else(|| summary.clone())}
                                </span>
                            }
                            .into_any()
                        }
                    },
                }}
                {subject}
                <ActionError failure testid="approval-error" />
            </td>
            <td data-label=i.tr(Key::ApMaker)>
                {move || directory.name_of(Some(maker)).unwrap_or_else(|| format!("#{maker}"))}
                {own.then(|| view! { " " <span class="badge badge-muted">{i.tr(Key::You)}</span> })}
            </td>
            <td data-label=i.tr(Key::ApRequested)>{i.datetime_of(approval.created_at)}</td>
            <td data-label=i.tr(if pending { Key::Actions } else { Key::ApDecision })>
                {closed.map(|approval| view! { <Decision approval directory /> })}
                {(pending && own).then(|| view! {
                    <p class="muted">{i.tr(Key::ApOwnChange)}</p>
                    <div class="actions">
                        <button
                            type="button"
                            class="btn btn-danger-ghost btn-small"
                            data-testid="withdraw"
                            disabled=busy
                            on:click=withdraw
                        >
                            {i.tr_when(busy, Key::ApWithdrawing, Key::ApWithdraw)}
                        </button>
                    </div>
                })}
                // No decision on your own request, nor for those who may not decide.
                {(pending && decides && !own).then(|| view! {
                <div class="actions">
                    <button
                        type="button"
                        class="btn btn-primary btn-small"
                        data-testid="approve"
                        disabled=busy
                        hidden=rejecting
                        on:click=move |_| decide(true)
                    >
                        {i.tr(Key::ApApprove)}
                    </button>
                    <button
                        type="button"
                        class="btn btn-danger-ghost btn-small"
                        data-testid="reject"
                        disabled=busy
                        hidden=rejecting
                        on:click=move |_| rejecting.set(true)
                    >
                        {i.tr(Key::ApReject)}
                    </button>
                </div>
                {move || {
                    rejecting
                        .get()
                        .then(|| {
                            let field_id = format!("reject-comment-{id}");
                            view! {
                                <div class="field">
                                    <label for=field_id.clone()>{i.tr(Key::ApRejectReason)}</label>
                                    <textarea
                                        id=field_id
                                        data-testid="reject-comment"
                                        rows="2"
                                        aria-required="true"
                                        prop:value=move || comment.get()
                                        on:input=move |ev| comment.set(event_target_value(&ev))
                                    ></textarea>
                                </div>
                                <div class="actions">
                                    <button
                                        type="button"
                                        class="btn btn-danger btn-small"
                                        data-testid="reject-confirm"
                                        disabled=busy
                                        on:click=move |_| decide(false)
                                    >
                                        {i.tr(Key::ApConfirmReject)}
                                    </button>
                                    <button
                                        type="button"
                                        class="btn btn-ghost btn-small"
                                        data-testid="reject-cancel"
                                        on:click=move |_| rejecting.set(false)
                                    >
                                        {i.tr(Key::Cancel)}
                                    </button>
                                </div>
                            }
                        })
                }}
                })}
            </td>
        </tr>
    }
}

// health settings, api keys & surveys

/// A health override request: the account, the score asked for, until when
/// and why (the summary's English words are for the API, not the reader).
#[component]
fn OverrideSummary(ask: OverrideAsk, account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let account = load(move || api::accounts::get(account_id));
    let name = move || {
        account
            .ok()
            .map(|a| a.value.name)
            .unwrap_or_else(|| format!("#{account_id}"))
    };
    let OverrideAsk {
        score,
        until,
        reason,
    } = ask;
    view! {
        <span data-testid="approval-summary" data-override-score=score.to_string()>
            {move || i.f(Key::HmApprovalOverride, &[&score.to_string(), &day_text(until, i.lang())])}
            " "
            <a href=format!("/accounts/{account_id}") data-testid="approval-subject">{name}</a>
        </span>
        <p class="pre-wrap muted" data-testid="approval-override-reason">{reason}</p>
    }
}
