//! An account's timeline (on `/accounts/:id`): what happened, newest first,
//! with "load more", and the form to add a note or log a call or meeting.

use chrono::{DateTime, Utc};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::timeline::{ActivityKind, CreateActivityRequest, TimelineEvent, TimelineKind};
use shared::validation::{self as rules, Collector};
use shared::{FieldErrors, Page};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::paged::{load_more_footer, pager};
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::i18n::{use_i18n, Key, Lang};
use crate::logic::account_form::opt_text;
use crate::logic::paging::{ListState, Phase};
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::ChoiceSelect;

fn kind_key(k: TimelineKind) -> Key {
    match k {
        TimelineKind::Note => Key::TlNote,
        TimelineKind::Call => Key::TlCall,
        TimelineKind::Meeting => Key::TlMeeting,
        TimelineKind::OnboardingStarted => Key::TlOnboardingStarted,
        TimelineKind::TaskCompleted => Key::TlTaskCompleted,
        TimelineKind::TaskSkipped => Key::TlTaskSkipped,
        TimelineKind::GoLive => Key::TlGoLive,
        TimelineKind::LicenseCreated => Key::TlLicenseCreated,
        TimelineKind::LicenseRegistered => Key::TlLicenseRegistered,
        TimelineKind::TrainingScheduled => Key::TlTrainingScheduled,
        TimelineKind::TrainingRescheduled => Key::TlTrainingRescheduled,
        TimelineKind::TrainingCancelled => Key::TlTrainingCancelled,
        TimelineKind::TrainingAttendance => Key::TlTrainingAttendance,
        TimelineKind::StageChanged => Key::TlStageChanged,
        TimelineKind::PlaybookRun => Key::TlPlaybookRun,
        TimelineKind::MilestoneDone => Key::TlMilestoneDone,
    }
}

#[component]
pub fn TimelineSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let list = RwSignal::new(ListState::<TimelineEvent, ApiErr>::default());
    let touchpoint = RwSignal::new(None::<DateTime<Utc>>);
    let adding = RwSignal::new(false);
    let (reload, load_more) = pager(list, move |cursor| async move {
        api::timeline::of_account(account_id, cursor.as_deref())
            .await
            .map(|t| {
                touchpoint.set(t.last_touchpoint_at);
                Page {
                    items: t.items,
                    next_cursor: t.next_cursor,
                }
            })
    });
    reload();
    let phase = Memo::new(move |_| list.with(|l| l.phase()));
    let body = move || {
        match phase.get() {
        Phase::Loading => view! { <SkeletonCard /> }.into_any(),
        Phase::Failed(e) => view! { <ErrorState error=e on_retry=Callback::new(move |_| reload()) /> }.into_any(),
        Phase::Empty => view! { <p class="muted" data-testid="timeline-empty">{i.tr(Key::TlEmpty)}</p> }.into_any(),
        Phase::Rows => view! {
            <ol class="timeline" data-testid="timeline">
                <For each=move || list.with(|l| l.items.clone()) key=|e| e.id children=move |e| view! { <TimelineItem event=e /> } />
            </ol>
        }
        .into_any(),
    }
    };
    view! {
        <section class="card" aria-labelledby="timeline-title" data-testid="account-timeline">
            <header class="section-header">
                <h2 id="timeline-title">{i.tr(Key::TlTitle)}</h2>
                <button
                    type="button"
                    class="btn"
                    data-testid="activity-add"
                    aria-expanded=crate::components::fields::expanded(adding)
                    on:click=move |_| adding.update(|a| *a = !*a)
                >
                    {i.tr(Key::TlAdd)}
                </button>
            </header>
            <p class="muted" data-testid="last-touchpoint">
                {move || match touchpoint.get() {
                    Some(at) => i.f(Key::TlLastTouch, &[&crate::i18n::dates::datetime(&at, i.lang())]),
                    None => i.t(Key::TlNoTouch).to_string(),
                }}
            </p>
            {move || {
                adding
                    .get()
                    .then(|| {
                        view! {
                            <ActivityForm
                                account_id
                                on_done=Callback::new(move |saved: bool| {
                                    adding.set(false);
                                    if saved {
                                        reload();
                                    }
                                })
                            />
                        }
                    })
            }}
            {body}
            {load_more_footer(list, load_more, "timeline-load-more")}
        </section>
    }
}

#[component]
fn TimelineItem(event: TimelineEvent) -> impl IntoView {
    let i = use_i18n();
    // A task's title is stored "中文 / English": show the user's half.
    let task = matches!(
        event.kind,
        TimelineKind::TaskCompleted | TimelineKind::TaskSkipped
    );
    let text = i.server_of(event.summary_key, event.summary);
    let summary = move || {
        let text = text();
        match (task, text.split_once(" / "), i.lang()) {
            (true, Some((zh, _)), Lang::Zh) => zh.to_string(),
            (true, Some((_, en)), Lang::En) => en.to_string(),
            _ => text,
        }
    };
    let body_key = event.body_key;
    view! {
        <li class="timeline-item" data-testid="timeline-item" data-kind=event.kind.as_str()>
            <span class="badge badge-muted">{i.tr(kind_key(event.kind))}</span>
            <span>{summary}</span>
            {event.actor_name.map(|n| view! { <span class="timeline-actor">{n}</span> })}
            <span class="muted">{i.datetime_of(event.occurred_at)}</span>
            {event.body.map(|b| view! { <p class="pre-wrap muted">{i.server_of(body_key, b)}</p> })}
        </li>
    }
}

#[component]
fn ActivityForm(account_id: i64, on_done: Callback<bool>) -> impl IntoView {
    let i = use_i18n();
    let kind = RwSignal::new(ActivityKind::Note.as_str().to_string());
    let summary = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut c = Collector::default();
        c.check(
            "summary",
            rules::required_text(&summary.get_untracked(), 200),
        );
        if let Err(f) = c.finish() {
            errors.set(f);
            return;
        }
        let req = CreateActivityRequest {
            kind: kind.get_untracked().parse().unwrap_or(ActivityKind::Note),
            occurred_at: None,
            summary: summary.get_untracked().trim().to_string(),
            body: opt_text(&body.get_untracked()),
        };
        Submit::new(busy, errors, failure).leaving().send(
            async move { api::timeline::log_activity(account_id, &req).await },
            move |_| on_done.run(true),
        );
    };
    let kinds = vec![
        (ActivityKind::Note.as_str(), Key::TlNote),
        (ActivityKind::Call.as_str(), Key::TlCall),
        (ActivityKind::Meeting.as_str(), Key::TlMeeting),
    ];
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="activity-form">
            <ErrorBanner failure testid="activity-error" />
            <div class="form-grid">
                <ChoiceSelect
                    id="activity-kind"
                    label=Key::TlKind
                    choices=kinds
                    value=Signal::derive(move || kind.get())
                    on_pick=Callback::new(move |v| kind.set(v))
                />
                <TextField id="activity-summary" label=Key::TlSummary value=summary field="summary" errors required=true />
            </div>
            <TextArea id="activity-body" label=Key::TlBody value=body field="body" errors rows=3 />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="activity-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| on_done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
