//! An account's timeline (on `/accounts/:id`): what happened, newest first,
//! with "load more" and a kind filter, and the form to add a note or log a
//! call, meeting or e-mail.

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
        TimelineKind::Email => Key::TlEmail,
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
        TimelineKind::RenewalStageChanged => Key::TlRenewalStageChanged,
        TimelineKind::TicketOpened => Key::TlTicketOpened,
        TimelineKind::TicketResolved => Key::TlTicketResolved,
        TimelineKind::AgreementCreated => Key::TlAgreementCreated,
        TimelineKind::AgreementRenewed => Key::TlAgreementRenewed,
        TimelineKind::AgreementEnded => Key::TlAgreementEnded,
        TimelineKind::AgreementLevelChanged => Key::TlAgreementLevelChanged,
        TimelineKind::SurveyAnswered => Key::TlSurveyAnswered,
        TimelineKind::HealthBandChanged => Key::TlHealthBandChanged,
        TimelineKind::EmailSent => Key::TlEmailSent,
        TimelineKind::PlaybookRun => Key::TlPlaybookRun,
        TimelineKind::MilestoneDone => Key::TlMilestoneDone,
        TimelineKind::InstallationAdded => Key::TlInstallationAdded,
        TimelineKind::InstallationUpgraded => Key::TlInstallationUpgraded,
        TimelineKind::AdvisorySent => Key::TlAdvisorySent,
        TimelineKind::VisitRequested => Key::TlVisitRequested,
        TimelineKind::VisitDispatched => Key::TlVisitDispatched,
        TimelineKind::VisitCheckedIn => Key::TlVisitCheckedIn,
        TimelineKind::VisitCheckedOut => Key::TlVisitCheckedOut,
        TimelineKind::VisitReported => Key::TlVisitReported,
        TimelineKind::VisitSigned => Key::TlVisitSigned,
        TimelineKind::VisitCancelled => Key::TlVisitCancelled,
    }
}

/// What the kind filter offers: kinds in groups, each with a label and an
/// icon. A new kind joins a group in [`group`] (the match is exhaustive,
/// so a kind cannot be forgotten); a new group is a variant here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KindGroup {
    Activities,
    Emails,
    Tickets,
    Stages,
    Agreements,
    Health,
    Surveys,
    Tasks,
    Playbooks,
    SuccessPlans,
    Onboarding,
    Licences,
    Training,
    Visits,
}

impl KindGroup {
    const ALL: [KindGroup; 14] = [
        KindGroup::Activities,
        KindGroup::Emails,
        KindGroup::Tickets,
        KindGroup::Stages,
        KindGroup::Agreements,
        KindGroup::Health,
        KindGroup::Surveys,
        KindGroup::Tasks,
        KindGroup::Playbooks,
        KindGroup::SuccessPlans,
        KindGroup::Onboarding,
        KindGroup::Licences,
        KindGroup::Training,
        KindGroup::Visits,
    ];

    /// The filter select's value.
    fn value(self) -> &'static str {
        match self {
            KindGroup::Activities => "activities",
            KindGroup::Emails => "emails",
            KindGroup::Tickets => "tickets",
            KindGroup::Stages => "stages",
            KindGroup::Agreements => "agreements",
            KindGroup::Health => "health",
            KindGroup::Surveys => "surveys",
            KindGroup::Tasks => "tasks",
            KindGroup::Playbooks => "playbooks",
            KindGroup::SuccessPlans => "success_plans",
            KindGroup::Onboarding => "onboarding",
            KindGroup::Licences => "licences",
            KindGroup::Training => "training",
            KindGroup::Visits => "visits",
        }
    }

    fn from_value(value: &str) -> Option<KindGroup> {
        KindGroup::ALL.into_iter().find(|g| g.value() == value)
    }

    fn key(self) -> Key {
        match self {
            KindGroup::Activities => Key::TlGroupActivities,
            KindGroup::Emails => Key::TlGroupEmails,
            KindGroup::Tickets => Key::TlGroupTickets,
            KindGroup::Stages => Key::TlGroupStages,
            KindGroup::Agreements => Key::TlGroupAgreements,
            KindGroup::Health => Key::TlGroupHealth,
            KindGroup::Surveys => Key::TlGroupSurveys,
            KindGroup::Tasks => Key::TlGroupTasks,
            KindGroup::Playbooks => Key::TlGroupPlaybooks,
            KindGroup::SuccessPlans => Key::TlGroupSuccessPlans,
            KindGroup::Onboarding => Key::TlGroupOnboarding,
            KindGroup::Licences => Key::TlGroupLicences,
            KindGroup::Training => Key::TlGroupTraining,
            KindGroup::Visits => Key::TlGroupVisits,
        }
    }

    /// The entry's icon (decorative: the label says it in words).
    fn icon(self) -> &'static str {
        match self {
            KindGroup::Activities => "✎",
            KindGroup::Emails => "✉",
            KindGroup::Tickets => "⚑",
            KindGroup::Stages => "➜",
            KindGroup::Agreements => "✍",
            KindGroup::Health => "♥",
            KindGroup::Surveys => "★",
            KindGroup::Tasks => "☑",
            KindGroup::Playbooks => "⚙",
            KindGroup::SuccessPlans => "◎",
            KindGroup::Onboarding => "✔",
            KindGroup::Licences => "⚿",
            KindGroup::Training => "☷",
            KindGroup::Visits => "⌂",
        }
    }

    fn kinds(self) -> Vec<TimelineKind> {
        TimelineKind::ALL
            .iter()
            .copied()
            .filter(|k| group(*k) == self)
            .collect()
    }
}

fn group(k: TimelineKind) -> KindGroup {
    use TimelineKind::*;
    match k {
        Note | Call | Meeting | Email => KindGroup::Activities,
        EmailSent | AdvisorySent => KindGroup::Emails,
        TicketOpened | TicketResolved => KindGroup::Tickets,
        StageChanged | RenewalStageChanged => KindGroup::Stages,
        AgreementCreated | AgreementRenewed | AgreementEnded | AgreementLevelChanged => {
            KindGroup::Agreements
        }
        HealthBandChanged => KindGroup::Health,
        SurveyAnswered => KindGroup::Surveys,
        // Tasks of onboarding plans and the CSM's own tasks alike.
        TaskCompleted | TaskSkipped => KindGroup::Tasks,
        PlaybookRun => KindGroup::Playbooks,
        MilestoneDone => KindGroup::SuccessPlans,
        OnboardingStarted | GoLive => KindGroup::Onboarding,
        // The installed base sits with the licences its modules come from.
        LicenseCreated | LicenseRegistered | InstallationAdded | InstallationUpgraded => {
            KindGroup::Licences
        }
        TrainingScheduled | TrainingRescheduled | TrainingCancelled | TrainingAttendance => {
            KindGroup::Training
        }
        VisitRequested | VisitDispatched | VisitCheckedIn | VisitCheckedOut | VisitReported
        | VisitSigned | VisitCancelled => KindGroup::Visits,
    }
}

/// The kinds the filter's value asks for (none: every kind).
fn kinds_of_filter(value: &str) -> Vec<TimelineKind> {
    KindGroup::from_value(value).map_or_else(Vec::new, KindGroup::kinds)
}

#[component]
pub fn TimelineSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let list = RwSignal::new(ListState::<TimelineEvent, ApiErr>::default());
    let touchpoint = RwSignal::new(None::<DateTime<Utc>>);
    let adding = RwSignal::new(false);
    // The kind filter: a group's value, `""` for every kind.
    let filter = RwSignal::new(String::new());
    let (reload, load_more) = pager(list, move |cursor| async move {
        let kinds = kinds_of_filter(&filter.get_untracked());
        api::timeline::of_account(account_id, &kinds, cursor.as_deref())
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
        Phase::Empty => {
            let key = if filter.with(String::is_empty) { Key::TlEmpty } else { Key::TlFilterEmpty };
            view! { <p class="muted" data-testid="timeline-empty">{i.tr(key)}</p> }.into_any()
        }
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
            <ChoiceSelect
                id="timeline-kind"
                label=Key::TlFilter
                choices=KindGroup::ALL.iter().map(|g| (g.value(), g.key())).collect()
                value=Signal::derive(move || filter.get())
                on_pick=Callback::new(move |v| {
                    filter.set(v);
                    reload();
                })
                any=Key::TlFilterAll
            />
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
            <span class="badge badge-muted" data-group=group(event.kind).value()>
                <span class="timeline-icon" aria-hidden="true">{group(event.kind).icon()}</span>
                {i.tr(kind_key(event.kind))}
            </span>
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
        (ActivityKind::Email.as_str(), Key::TlEmail),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_in_exactly_one_group_and_groups_are_not_empty() {
        for g in KindGroup::ALL {
            assert!(!g.kinds().is_empty(), "{g:?}");
            assert_eq!(KindGroup::from_value(g.value()), Some(g));
        }
        let total: usize = KindGroup::ALL.iter().map(|g| g.kinds().len()).sum();
        assert_eq!(total, TimelineKind::ALL.len());
        assert!(kinds_of_filter("").is_empty());
        assert_eq!(
            kinds_of_filter("tickets"),
            vec![TimelineKind::TicketOpened, TimelineKind::TicketResolved]
        );
    }
}
