//! `/trainings`: the service calendar (服务日历: training sessions and
//! on-site visits; week or month, in the browser's local time;
//! `?view=&date=` in the URL) and the form that schedules a session.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::accounts::Contact;
use shared::training::{TrainingSession, TrainingStatus};
use shared::visits::{Visit, VisitStatus};
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{expanded, ErrorBanner, FieldError, TextField};
use crate::components::pickers::OwnerSelect;
use crate::components::states::{ErrorState, Loading};
use crate::components::submit::Submit;
use crate::i18n::{dates, use_i18n, Key};
use crate::logic::onboarding::browser_today;
use crate::logic::training::{self as cal, CalView, TrainingForm};
use crate::pages::accounts::list::Directory;
use crate::pages::tickets::common::{module_choices, AccountSearch, Accounts, ChoiceSelect};
use crate::router::{navigate, use_location};

const WEEKDAYS: [Key; 7] = [
    Key::WeekMon,
    Key::WeekTue,
    Key::WeekWed,
    Key::WeekThu,
    Key::WeekFri,
    Key::WeekSat,
    Key::WeekSun,
];

fn offset_now() -> i32 {
    dates::browser_offset_minutes(&dates::now())
}

#[component]
pub fn TrainingsPage() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let today = browser_today();
    let place = Memo::new(move |_| cal::from_search(&location.search.get(), today));
    let sessions = RwSignal::new(None::<Result<Vec<TrainingSession>, ApiErr>>);
    let visits = RwSignal::new(None::<Result<Vec<Visit>, ApiErr>>);
    let creating = RwSignal::new(false);
    let fetch = move || {
        let (view, anchor) = place.get_untracked();
        let days = cal::days(view, anchor);
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return;
        };
        let from = cal::day_start(*first, offset_now()).to_rfc3339();
        let to = cal::day_start(last.succ_opt().unwrap_or(*last), offset_now()).to_rfc3339();
        sessions.set(None);
        visits.set(None);
        let (visits_from, visits_to) = (from.clone(), to.clone());
        crate::task::spawn(async move {
            let result = api::training::list(&from, &to).await.map(|p| p.items);
            sessions.set(Some(result));
        });
        crate::task::spawn(async move {
            let result = api::visits::list(&visits_from, &visits_to)
                .await
                .map(|p| p.items);
            visits.set(Some(result));
        });
    };
    Effect::new(move |_| {
        place.track();
        fetch();
    });
    let go = move |view: CalView, date| navigate(&cal::href(view, date));
    let title = move || {
        let (view, anchor) = place.get();
        let days = cal::days(view, anchor);
        let lang = i.lang();
        let f = |d: chrono::NaiveDate| {
            dates::format_date(
                &d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc(),
                lang,
                0,
            )
        };
        match view {
            CalView::Week => format!("{} – {}", f(days[0]), f(days[6])),
            CalView::Month => anchor.format("%Y-%m").to_string(),
        }
    };
    let grid = move || {
        let (view, anchor) = place.get();
        let visit_list = match visits.get() {
            None => return view! { <Loading /> }.into_any(),
            Some(Err(e)) => {
                return view! { <ErrorState error=e on_retry=Callback::new(move |_| fetch()) /> }
                    .into_any()
            }
            Some(Ok(v)) => v,
        };
        match sessions.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => {
                view! { <ErrorState error=e on_retry=Callback::new(move |_| fetch()) /> }.into_any()
            }
            Some(Ok(list)) => {
                let offset = offset_now();
                let cells = cal::days(view, anchor)
                    .into_iter()
                    .map(|day| {
                        let of_day: Vec<TrainingSession> = list
                            .iter()
                            .filter(|s| cal::local(s.starts_at, offset).date() == day)
                            .cloned()
                            .collect();
                        let visits_of_day: Vec<Visit> = visit_list
                            .iter()
                            .filter(|v| cal::local(v.starts_at, offset).date() == day)
                            .cloned()
                            .collect();
                        let outside = view == CalView::Month && chrono::Datelike::month(&day) != chrono::Datelike::month(&anchor);
                        view! {
                            <div class="cal-day" class:cal-outside=outside class:cal-today=day == today data-testid="cal-day" data-date=day.to_string()>
                                <div class="cal-date">{chrono::Datelike::day(&day)}</div>
                                {of_day
                                    .into_iter()
                                    .map(|s| {
                                        let cancelled = s.status == TrainingStatus::Cancelled;
                                        view! {
                                            <a
                                                class="cal-item"
                                                class:cal-cancelled=cancelled
                                                href=format!("/trainings/{}", s.id)
                                                data-testid="training-item"
                                                data-status=s.status.as_str()
                                            >
                                                <strong>{cal::hm(s.starts_at, offset)}</strong>
                                                " "
                                                {s.topic}
                                                <span class="muted">" · " {s.account_name}</span>
                                            </a>
                                        }
                                    })
                                    .collect_view()}
                                {visits_of_day
                                    .into_iter()
                                    .map(|v| {
                                        let cancelled = v.status == VisitStatus::Cancelled;
                                        view! {
                                            <a
                                                class="cal-item cal-visit"
                                                class:cal-cancelled=cancelled
                                                href=format!("/visits/{}", v.id)
                                                data-testid="visit-item"
                                                data-status=v.status.as_str()
                                            >
                                                <strong>{cal::hm(v.starts_at, offset)}</strong>
                                                " ⌂ "
                                                {v.account_name}
                                                <span class="muted">" · " {v.engineer_name.unwrap_or_default()}</span>
                                            </a>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                    })
                    .collect_view();
                let empty = list.is_empty() && visit_list.is_empty();
                view! {
                    <div class=if view == CalView::Month { "cal cal-month" } else { "cal cal-week" } data-testid="calendar">
                        {WEEKDAYS.iter().map(|k| view! { <div class="cal-head">{i.tr(*k)}</div> }).collect_view()}
                        {cells}
                    </div>
                    {empty.then(|| view! { <p class="muted" data-testid="trainings-empty">{i.tr(Key::TrEmpty)}</p> })}
                }
                .into_any()
            }
        }
    };
    view! {
        <div class="page">
            <header class="page-header">
                <h1>{i.tr(Key::TrTitle)}</h1>
                <div class="actions">
                    <button
                        type="button"
                        class="btn btn-primary"
                        data-testid="training-new"
                        aria-expanded=expanded(creating)
                        on:click=move |_| creating.update(|c| *c = !*c)
                    >
                        {i.tr(Key::TrNew)}
                    </button>
                </div>
            </header>
            {move || creating.get().then(|| view! { <ScheduleForm on_cancel=Callback::new(move |_| creating.set(false)) /> })}
            <div class="toolbar">
                <button type="button" class="btn" data-testid="cal-prev" on:click=move |_| { let (v, d) = place.get_untracked(); go(v, cal::shift(v, d, -1)) }>
                    "‹ " {i.tr(Key::TrPrev)}
                </button>
                <button type="button" class="btn" data-testid="cal-today" on:click=move |_| go(place.get_untracked().0, today)>
                    {i.tr(Key::TrToday)}
                </button>
                <button type="button" class="btn" data-testid="cal-next" on:click=move |_| { let (v, d) = place.get_untracked(); go(v, cal::shift(v, d, 1)) }>
                    {i.tr(Key::TrNext)} " ›"
                </button>
                <strong data-testid="cal-title">{title}</strong>
                <div class="tabs">
                    <button type="button" class="tab" data-testid="cal-week" aria-selected=move || (place.get().0 == CalView::Week).to_string() on:click=move |_| go(CalView::Week, place.get_untracked().1)>
                        {i.tr(Key::TrWeek)}
                    </button>
                    <button type="button" class="tab" data-testid="cal-month" aria-selected=move || (place.get().0 == CalView::Month).to_string() on:click=move |_| go(CalView::Month, place.get_untracked().1)>
                        {i.tr(Key::TrMonth)}
                    </button>
                </div>
            </div>
            {grid}
        </div>
    }
}

/// Schedules a session; attendees are picked from the account's contacts.
#[component]
fn ScheduleForm(on_cancel: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let accounts = Accounts::load();
    let directory = Directory::load();
    let account = RwSignal::new(String::new());
    let module = RwSignal::new(String::new());
    let topic = RwSignal::new(String::new());
    let trainer = RwSignal::new(None::<i64>);
    let start = RwSignal::new(String::new());
    let duration = RwSignal::new("120".to_string());
    let place = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let contacts = RwSignal::new(None::<Result<Vec<Contact>, ApiErr>>);
    let attendees = RwSignal::new(Vec::<i64>::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let pick_account = move |value: String| {
        account.set(value.clone());
        attendees.set(Vec::new());
        contacts.set(None);
        if let Ok(id) = value.parse::<i64>() {
            crate::task::spawn(async move {
                let result = api::contacts::list(id, None).await.map(|p| p.items);
                if account.get_untracked() == value {
                    contacts.set(Some(result));
                }
            });
        }
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (m, t, s, d, p, u) = (
            module.get_untracked(),
            topic.get_untracked(),
            start.get_untracked(),
            duration.get_untracked(),
            place.get_untracked(),
            url.get_untracked(),
        );
        let form = TrainingForm {
            account_id: account.get_untracked().parse().ok(),
            module: &m,
            topic: &t,
            trainer_id: trainer.get_untracked(),
            starts_at: cal::parse_local(&s, dates::browser_offset_minutes),
            duration: &d,
            location: &p,
            online_url: &u,
            attendee_ids: attendees.get_untracked(),
        };
        let req = match form.request() {
            Ok(req) => req,
            Err(f) => {
                errors.set(f);
                return;
            }
        };
        errors.set(FieldErrors::new());
        Submit::new(busy, errors, failure)
            .leaving()
            .send(async move { api::training::create(&req).await }, move |s| {
                navigate(&format!("/trainings/{}", s.id))
            });
    };
    view! {
        <form class="card inline-form" on:submit=submit novalidate=true data-testid="training-form">
            <h2>{i.tr(Key::TrNew)}</h2>
            <ErrorBanner failure testid="training-error" />
            <div class="form-grid">
                <div class="field">
                    <label for="training-account">{i.tr(Key::AccountName)}</label>
                    <AccountSearch accounts testid="training-account-search" />
                    <select id="training-account" data-testid="training-account" on:change=move |ev| pick_account(event_target_value(&ev))>
                        <option value="">{i.tr(Key::TrChoose)}</option>
                        {move || {
                            accounts
                                .options()
                                .into_iter()
                                .map(|(id, name)| view! { <option value=id.to_string()>{name}</option> })
                                .collect_view()
                        }}
                    </select>
                    <FieldError errors field="account_id" id="training-account-error".to_string() />
                </div>
                <ChoiceSelect
                    id="training-module"
                    label=Key::TkModule
                    choices=module_choices()
                    value=Signal::derive(move || module.get())
                    on_pick=Callback::new(move |v| module.set(v))
                    any=Key::TrChoose
                />
                <TextField id="training-topic" label=Key::TrTopic value=topic field="topic" errors required=true />
                <OwnerSelect id="training-trainer" label=Key::TrTrainer owners=directory.owners() value=trainer none_label=Key::TrChoose />
                <TextField id="training-start" label=Key::TrStart value=start field="starts_at" errors kind="datetime-local" required=true />
                <TextField id="training-duration" label=Key::TrDuration value=duration field="duration_minutes" errors kind="number" required=true />
                <TextField id="training-location" label=Key::TrPlace value=place field="location" errors />
                <TextField id="training-url" label=Key::TrLink value=url field="online_url" errors kind="url" />
            </div>
            <fieldset class="field">
                <legend>{i.tr(Key::TrAttendees)}</legend>
                <div class="checks">
                    {move || match contacts.get() {
                        None if account.with(String::is_empty) => view! { <span class="muted">{i.tr(Key::TrPickAccount)}</span> }.into_any(),
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(e)) => view! { <span class="text-error">{i.error_of(e)}</span> }.into_any(),
                        Some(Ok(list)) if list.is_empty() => view! { <span class="muted">{i.tr(Key::NoContactsYet)}</span> }.into_any(),
                        Some(Ok(list)) => list
                            .into_iter()
                            .map(|c| {
                                let cid = c.id;
                                let id = format!("attendee-{cid}");
                                let (for_id, testid) = (id.clone(), id.clone());
                                view! {
                                    <label class="check" for=for_id>
                                        <input
                                            type="checkbox"
                                            id=id
                                            data-testid=testid
                                            prop:checked=move || attendees.with(|a| a.contains(&cid))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                attendees.update(|a| {
                                                    a.retain(|x| *x != cid);
                                                    if on {
                                                        a.push(cid);
                                                    }
                                                });
                                            }
                                        />
                                        {c.name}
                                    </label>
                                }
                            })
                            .collect_view()
                            .into_any(),
                    }}
                </div>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="training-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::TrSchedule)}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| on_cancel.run(())>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
