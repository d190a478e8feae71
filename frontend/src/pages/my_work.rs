//! `/my-work`: the home page of CSMs and engineers. Their open tasks —
//! overdue, today, the next seven days — with quick complete (optionally
//! logging what happened on the account's timeline), snooze and skip (with
//! a reason); a form for a new task; the daily digest switch; and beside
//! them "my book": accounts at risk, renewals within 90 days, tickets
//! breaching soon and onboarding plans behind.

use chrono::{Duration, Utc};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::filters::TaskFilter;
use shared::tasks::{
    BookItem, BookSection, CompleteTaskRequest, CreateTaskRequest, MyBook, MyWork, SkipTaskRequest,
    SnoozeTaskRequest, Task, TaskActivity, TaskPriority, TaskState, TaskType,
};
use shared::{FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, FieldError, TextField};
use crate::components::load::{load, Loaded};
use crate::components::shell::WorkCounts;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{dates, use_i18n, word, Key};
use crate::logic::training::parse_local;
use crate::pages::task_email::EmailDraftForm;
use crate::pages::tickets::common::{AccountSearch, Accounts, ChoiceSelect};
use crate::session::use_session;

pub fn type_key(t: TaskType) -> Key {
    match t {
        TaskType::Call => Key::MwTypeCall,
        TaskType::Email => Key::MwTypeEmail,
        TaskType::Meeting => Key::MwTypeMeeting,
        TaskType::Review => Key::MwTypeReview,
        TaskType::Onsite => Key::MwTypeOnsite,
        TaskType::Other => Key::MwTypeOther,
    }
}

fn priority_key(p: TaskPriority) -> Key {
    match p {
        TaskPriority::Low => Key::MwPrioLow,
        TaskPriority::Normal => Key::MwPrioNormal,
        TaskPriority::High => Key::MwPrioHigh,
    }
}

/// How many open tasks an account's page lists.
const ACCOUNT_TASKS: u64 = 20;

#[component]
pub fn MyWorkPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let work = load(api::tasks::my_work);
    let book = load(api::tasks::book);
    let counts = use_context::<WorkCounts>();
    let adding = RwSignal::new(false);
    let changed = Callback::new(move |_: ()| {
        work.refresh.run(());
        if let Some(c) = counts {
            c.refresh();
        }
    });
    view! {
        <div class="page mw-page">
            <header class="page-header">
                <div>
                    <h1 data-testid="my-work-heading">{i.tr(Key::MwTitle)}</h1>
                    {move || work.ok().map(|w| view! {
                        <p class="muted">{dates::format_day(w.today, i.lang())}</p>
                    })}
                </div>
                <div class="page-actions">
                    <DigestSwitch />
                    {move || matches!(session.role(), Some(Role::Admin | Role::Manager)).then(|| view! {
                        <a class="btn" href="/settings/playbooks" data-testid="my-work-playbooks">{i.tr(Key::PbTitle)}</a>
                    })}
                    <button type="button" class="btn btn-primary" data-testid="task-new"
                        on:click=move |_| adding.update(|a| *a = !*a)>
                        {i.tr(Key::MwNew)}
                    </button>
                </div>
            </header>
            {move || adding.get().then(|| view! {
                <NewTaskForm
                    on_done=Callback::new(move |_| { adding.set(false); changed.run(()); })
                    on_cancel=Callback::new(move |_| adding.set(false))
                />
            })}
            <div class="mw-grid">
                <div class="mw-tasks">
                    <WorkSections work changed />
                </div>
                <aside class="mw-book" aria-labelledby="mw-book-title">
                    <h2 id="mw-book-title">{i.tr(Key::MwBook)}</h2>
                    <BookPanel book />
                </aside>
            </div>
        </div>
    }
}

#[component]
fn WorkSections(work: Loaded<MyWork>, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    move || match work.value.get() {
        None => view! { <SkeletonCard /><SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=work.reload /> }.into_any(),
        Some(Ok(w)) => {
            if w.overdue.is_empty() && w.today_tasks.is_empty() && w.upcoming.is_empty() {
                return view! {
                    <div class="card empty-state" data-testid="my-work-empty">
                        <p>{i.tr(Key::MwNothing)}</p>
                    </div>
                }
                .into_any();
            }
            let c = w.counts;
            view! {
                <TaskSection title=Key::MwOverdue count=c.overdue tasks=w.overdue testid="my-work-overdue" changed />
                <TaskSection title=Key::MwToday count=c.today tasks=w.today_tasks testid="my-work-today" changed />
                <TaskSection title=Key::MwUpcoming count=c.upcoming tasks=w.upcoming testid="my-work-upcoming" changed />
            }
            .into_any()
        }
    }
}

#[component]
fn TaskSection(
    title: Key,
    count: u64,
    tasks: Vec<Task>,
    testid: &'static str,
    changed: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="card mw-section" data-testid=testid>
            <h2>{i.tr(title)} " " <span class="badge badge-muted">{count}</span></h2>
            {if tasks.is_empty() {
                view! { <p class="muted">{i.tr(Key::MwSectionEmpty)}</p> }.into_any()
            } else {
                view! {
                    <ul class="mw-list">
                        {tasks.into_iter().map(|t| view! { <TaskRow task=t changed /> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

/// What a row's inline form is doing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    Complete,
    Skip,
    /// Reviewing the drafted mail to the customer.
    Email,
}

#[component]
pub fn TaskRow(task: Task, changed: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = task.id;
    let pending = RwSignal::new(Pending::None);
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let due = dates::datetime(&task.due_at, i.lang_untracked());
    let account_href = format!("/accounts/{}", task.account_id);
    let snooze = move |_| {
        let until = Utc::now().max(task.due_at) + Duration::days(1);
        Submit::new(busy, errors, failure).send(
            async move { api::tasks::snooze(id, &SnoozeTaskRequest { until }).await },
            move |_| {
                toasts.success(i.t(Key::MwSnoozed).to_string());
                changed.run(());
            },
        );
    };
    let confirm = move |ev: SubmitEvent| {
        ev.prevent_default();
        let value = text.get_untracked().trim().to_string();
        match pending.get_untracked() {
            Pending::Complete => {
                let req = CompleteTaskRequest {
                    activity: (!value.is_empty()).then_some(TaskActivity {
                        kind: None,
                        summary: value,
                        body: None,
                    }),
                };
                Submit::new(busy, errors, failure).send(
                    async move { api::tasks::complete(id, &req).await },
                    move |_| {
                        toasts.success(i.t(Key::MwCompleted).to_string());
                        changed.run(());
                    },
                );
            }
            Pending::Skip => {
                let req = SkipTaskRequest { reason: value };
                if let Err(f) = shared::tasks::validate_skip(&req) {
                    errors.set(f);
                    return;
                }
                Submit::new(busy, errors, failure).send(
                    async move { api::tasks::skip(id, &req).await },
                    move |_| {
                        toasts.success(i.t(Key::MwSkipped).to_string());
                        changed.run(());
                    },
                );
            }
            Pending::None | Pending::Email => {}
        }
    };
    let open = move |p: Pending| {
        errors.set(FieldErrors::new());
        text.set(String::new());
        pending.set(p);
    };
    let high = task.priority == TaskPriority::High;
    // A playbook's mail not sent yet: "review and send" leads.
    let draft = task.email_draft.clone().filter(|d| d.sent_at.is_none());
    let has_draft = draft.is_some();
    let account_id = task.account_id;
    let review = has_draft.then(|| view! {
        <button type="button" class="btn btn-small btn-primary" data-testid=format!("task-{id}-review")
            disabled=busy on:click=move |_| open(Pending::Email)>{i.tr(Key::MwReviewEmail)}</button>
    });
    view! {
        <li class="mw-task" data-testid=format!("task-{id}")>
            <div class="mw-task-main">
                <strong class="mw-task-title">{task.title.clone()}</strong>
                <span class="mw-task-meta">
                    <a href=account_href>{task.account_name.clone()}</a>
                    " · " {i.tr(type_key(task.task_type))}
                    " · " <span>{due}</span>
                    {high.then(|| view! { " " <span class="badge badge-warning">{i.tr(priority_key(TaskPriority::High))}</span> })}
                    {task.playbook_run_id.map(|_| view! { " " <span class="badge badge-muted">{i.tr(Key::MwFromPlaybook)}</span> })}
                </span>
            </div>
            <div class="mw-task-actions">
                {review}
                <button type="button" class="btn btn-small" class:btn-primary=!has_draft data-testid=format!("task-{id}-done")
                    disabled=busy on:click=move |_| open(Pending::Complete)>{i.tr(Key::MwDone)}</button>
                <button type="button" class="btn btn-small" data-testid=format!("task-{id}-snooze")
                    disabled=busy on:click=snooze>{i.tr(Key::MwSnooze)}</button>
                <button type="button" class="btn btn-small" data-testid=format!("task-{id}-skip")
                    disabled=busy on:click=move |_| open(Pending::Skip)>{i.tr(Key::MwSkip)}</button>
            </div>
            <ErrorBanner failure testid="task-error" />
            {move || (pending.get() == Pending::Email).then(|| draft.clone().map(|draft| view! {
                <EmailDraftForm task_id=id account_id draft
                    on_sent=Callback::new(move |_| { pending.set(Pending::None); changed.run(()); })
                    on_cancel=Callback::new(move |_| pending.set(Pending::None)) />
            }))}
            {move || (!matches!(pending.get(), Pending::None | Pending::Email)).then(|| {
                let (label, field) = if pending.get() == Pending::Skip {
                    (Key::MwSkipReason, "reason")
                } else {
                    (Key::MwActivity, "activity.summary")
                };
                view! {
                    <form class="mw-inline" on:submit=confirm novalidate=true data-testid=format!("task-{id}-form")>
                        <TextField id="task-inline-text" label value=text field errors />
                        <div class="form-actions">
                            <button type="submit" class="btn btn-primary btn-small" disabled=busy data-testid=format!("task-{id}-confirm")>
                                {i.tr(Key::MwConfirm)}
                            </button>
                            <button type="button" class="btn btn-small" on:click=move |_| pending.set(Pending::None)>
                                {i.tr(Key::Cancel)}
                            </button>
                        </div>
                    </form>
                }
            })}
        </li>
    }
}

/// A new task, for the account picked here or (on an account's page) for
/// `account`.
#[component]
pub fn NewTaskForm(
    on_done: Callback<()>,
    on_cancel: Callback<()>,
    #[prop(optional)] account_id: Option<i64>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let accounts = Accounts::load();
    let account = RwSignal::new(account_id.map(|id| id.to_string()).unwrap_or_default());
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(TaskType::Call.as_str().to_string());
    let priority = RwSignal::new(TaskPriority::Normal.as_str().to_string());
    let due = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut missing = FieldErrors::new();
        let account_id = account.get_untracked().parse::<i64>().ok();
        let due_at = parse_local(&due.get_untracked(), dates::browser_offset_minutes);
        if account_id.is_none() {
            missing.insert("account_id".into(), i.t(Key::MwChoose).to_string());
        }
        if due_at.is_none() {
            missing.insert("due_at".into(), i.t(Key::MwChoose).to_string());
        }
        let req = CreateTaskRequest {
            account_id: account_id.unwrap_or_default(),
            assignee_id: None,
            title: title.get_untracked(),
            note: None,
            task_type: kind.get_untracked().parse().ok(),
            priority: priority.get_untracked().parse().ok(),
            due_at: due_at.unwrap_or_else(Utc::now),
            link: None,
        };
        if let Err(f) = shared::tasks::validate_create(&req) {
            missing.extend(f);
        }
        if !missing.is_empty() {
            errors.set(missing);
            return;
        }
        Submit::new(busy, errors, failure).send(
            async move { api::tasks::create(&req).await },
            move |_| {
                toasts.success(i.t(Key::MwCreated).to_string());
                on_done.run(());
            },
        );
    };
    let types: Vec<(&'static str, Key)> = TaskType::ALL
        .iter()
        .map(|t| (t.as_str(), type_key(*t)))
        .collect();
    let priorities: Vec<(&'static str, Key)> = TaskPriority::ALL
        .iter()
        .map(|p| (p.as_str(), priority_key(*p)))
        .collect();
    view! {
        <form class="card inline-form" on:submit=submit novalidate=true data-testid="task-form">
            <h2>{i.tr(Key::MwNew)}</h2>
            <ErrorBanner failure testid="task-form-error" />
            <div class="form-grid">
                {account_id.is_none().then(|| view! {
                <div class="field">
                    <label for="task-account">{i.tr(Key::AccountName)}</label>
                    <AccountSearch accounts testid="task-account-search" />
                    <select id="task-account" data-testid="task-account" on:change=move |ev| account.set(event_target_value(&ev))>
                        <option value="">{i.tr(Key::MwChoose)}</option>
                        {move || accounts.options().into_iter()
                            .map(|(id, name)| view! { <option value=id.to_string()>{name}</option> })
                            .collect_view()}
                    </select>
                    <FieldError errors field="account_id" id="task-account-error".to_string() />
                </div>
                })}
                <TextField id="task-title" label=Key::MwTaskTitle value=title field="title" errors required=true />
                <ChoiceSelect id="task-type" label=Key::MwType choices=types
                    value=Signal::derive(move || kind.get()) on_pick=Callback::new(move |v| kind.set(v)) />
                <ChoiceSelect id="task-priority" label=Key::MwPriority choices=priorities
                    value=Signal::derive(move || priority.get()) on_pick=Callback::new(move |v| priority.set(v)) />
                <TextField id="task-due" label=Key::MwDue value=due field="due_at" errors kind="datetime-local" required=true />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=busy data-testid="task-save">{i.tr(Key::Save)}</button>
                <button type="button" class="btn" on:click=move |_| on_cancel.run(())>{i.tr(Key::Cancel)}</button>
            </div>
        </form>
    }
}

/// The daily digest e-mail, on or off (the signed-in user's setting).
#[component]
fn DigestSwitch() -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let on = RwSignal::new(None::<bool>);
    crate::task::spawn(async move {
        if let Ok(me) = api::auth::me().await {
            on.try_set(Some(me.user.digest_opt_in));
        }
    });
    let toggle = move |ev: leptos::ev::Event| {
        let want = event_target_checked(&ev);
        crate::task::spawn(async move {
            match api::tasks::set_digest(want).await {
                Ok(me) => on.set(Some(me.user.digest_opt_in)),
                Err(e) => {
                    on.set(Some(!want));
                    toasts.error(i.error(&e));
                }
            }
        });
    };
    view! {
        <label class="check mw-digest" for="digest-opt-in">
            <input type="checkbox" id="digest-opt-in" data-testid="digest-opt-in"
                prop:checked=move || on.get().unwrap_or(false)
                disabled=move || on.get().is_none()
                on:change=toggle />
            {i.tr(Key::MwDigest)}
        </label>
    }
}

#[component]
fn BookPanel(book: Loaded<MyBook>) -> impl IntoView {
    move || {
        match book.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=book.reload /> }.into_any(),
        Some(Ok(b)) => view! {
            <BookList title=Key::MwAtRisk section=b.at_risk kind=BookKind::Health testid="book-at-risk" />
            <BookList title=Key::MwRenewals section=b.renewals kind=BookKind::Renewal testid="book-renewals" />
            <BookList title=Key::MwTickets section=b.tickets kind=BookKind::Ticket testid="book-tickets" />
            <BookList title=Key::MwOnboarding section=b.onboarding kind=BookKind::Onboarding testid="book-onboarding" />
        }
        .into_any(),
    }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BookKind {
    Health,
    Renewal,
    Ticket,
    Onboarding,
}

#[component]
fn BookList(
    title: Key,
    section: BookSection,
    kind: BookKind,
    testid: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    let more = section.more.then(|| {
        let href = match kind {
            BookKind::Health => "/dashboard",
            BookKind::Renewal => "/renewals",
            BookKind::Ticket => "/tickets",
            BookKind::Onboarding => "/onboarding",
        };
        view! { <a class="mw-more" href=href>{i.tr(Key::MwMore)}</a> }
    });
    view! {
        <section class="card mw-book-section" data-testid=testid>
            <h3>{i.tr(title)}</h3>
            {if section.items.is_empty() {
                view! { <p class="muted">{i.tr(Key::MwBookEmpty)}</p> }.into_any()
            } else {
                view! {
                    <ul class="mw-book-list">
                        {section.items.into_iter().map(|item| view! { <BookLine item kind /> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {more}
        </section>
    }
}

#[component]
fn BookLine(item: BookItem, kind: BookKind) -> impl IntoView {
    let i = use_i18n();
    let lang = i.lang_untracked();
    let (href, label) = match kind {
        BookKind::Ticket => (
            format!("/tickets/{}", item.entity_id),
            format!("#{} {}", item.figure.unwrap_or_default(), item.title),
        ),
        _ => (
            format!("/accounts/{}", item.account_id),
            item.account_name.clone(),
        ),
    };
    let detail = match kind {
        BookKind::Health => i.f(
            Key::MwScore,
            &[&item.figure.unwrap_or_default().to_string()],
        ),
        BookKind::Ticket => format!("{} · {}", item.account_name, word(&item.state, lang)),
        BookKind::Renewal | BookKind::Onboarding => word(&item.state, lang),
    };
    let due = item.due_at.map(|at| {
        let day = match kind {
            BookKind::Ticket => dates::datetime(&at, lang),
            _ => dates::format_day(at.date_naive(), lang),
        };
        i.f(Key::MwDueOn, &[&day])
    });
    view! {
        <li>
            <a href=href>{label}</a>
            <span class="muted">" " {detail} {due.map(|d| format!(" · {d}"))}</span>
        </li>
    }
}

/// An account's open tasks (its overview tab), soonest first, with the
/// same quick actions as "my work" and a form for a new one.
#[component]
pub fn AccountTasks(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let tasks = load(move || async move {
        let filter = TaskFilter {
            account_id: Some(account_id),
            status: Some(TaskState::Open),
            ..Default::default()
        };
        api::tasks::list(&filter, ACCOUNT_TASKS, None).await
    });
    let counts = use_context::<WorkCounts>();
    let adding = RwSignal::new(false);
    let changed = Callback::new(move |_: ()| {
        tasks.refresh.run(());
        if let Some(c) = counts {
            c.refresh();
        }
    });
    view! {
        <section class="card" data-testid="account-tasks" aria-labelledby="account-tasks-title">
            <div class="section-header">
                <h2 id="account-tasks-title">{i.tr(Key::MwAccountTasks)}</h2>
                <button type="button" class="btn btn-small" data-testid="account-task-new"
                    on:click=move |_| adding.update(|a| *a = !*a)>{i.tr(Key::MwNew)}</button>
            </div>
            {move || adding.get().then(|| view! {
                <NewTaskForm account_id
                    on_done=Callback::new(move |_| { adding.set(false); changed.run(()); })
                    on_cancel=Callback::new(move |_| adding.set(false)) />
            })}
            {move || match tasks.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=tasks.reload /> }.into_any(),
                Some(Ok(page)) if page.items.is_empty() => view! {
                    <p class="muted">{i.tr(Key::MwSectionEmpty)}</p>
                }.into_any(),
                Some(Ok(page)) => view! {
                    <ul class="mw-list">
                        {page.items.into_iter().map(|t| view! { <TaskRow task=t changed /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
