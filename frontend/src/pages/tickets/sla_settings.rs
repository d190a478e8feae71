//! `/settings/sla` (admins): SLA targets per service level × priority, the
//! business calendar the SLA clock runs on (weekly hours, time zone,
//! holidays, make-up working days 调休), and the module owners new tickets
//! are routed to (tier 1). Three cards, each loaded and saved on its own.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::tickets::{ModuleOwners, SlaPolicies};
use shared::{ErpModule, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::load::load;
use crate::components::pickers::OwnerSelect;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::toast::use_toasts;
use crate::i18n::{fill, module_key, text, use_i18n, Key, Lang};
use crate::logic::sla_form::{
    calendar_field, hours_minutes, new_level, rows_from, to_policies, CalError, Calendar,
    CalendarForm, GridErrors, LevelRow, SlaError, PRIORITIES,
};
use crate::pages::accounts::list::Directory;
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::priority_key;

#[component]
pub fn SlaSettingsPage() -> impl IntoView {
    let i = use_i18n();
    view! {
        <Guard audience=Audience::Admin>
            <div class="page">
                <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                    <a href="/settings" data-testid="sla-back">{i.tr(Key::NavSettings)}</a>
                </nav>
                <header class="page-header">
                    <div>
                        <h1 data-testid="sla-heading">{i.tr(Key::SlaTitle)}</h1>
                        <p class="muted">{i.tr(Key::SlaIntro)}</p>
                    </div>
                </header>
                <PoliciesCard />
                <CalendarCard />
                <OwnersCard />
            </div>
        </Guard>
    }
}

fn level_name(level: &str, lang: Lang) -> String {
    let key = match level {
        "gold" => Key::SlaGold,
        "silver" => Key::SlaSilver,
        "bronze" => Key::SlaBronze,
        other => return other.to_string(),
    };
    text(lang, key).to_string()
}

fn sla_error_key(e: &SlaError) -> Key {
    match e {
        SlaError::NotMinutes => Key::SlaNotMinutes,
        SlaError::FirstAfterResolution => Key::SlaFirstAfterResolution,
        SlaError::LevelName => Key::SlaLevelName,
        SlaError::DuplicateLevel => Key::SlaDuplicateLevel,
        SlaError::NoLevels => Key::SlaNoLevels,
        SlaError::DefaultLevel => Key::SlaDefaultLevelMissing,
    }
}

#[component]
fn PoliciesCard() -> impl IntoView {
    let policies = load(api::sla::policies);
    move || match policies.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=policies.reload /> }.into_any(),
        Some(Ok(p)) => view! { <PoliciesForm current=p /> }.into_any(),
    }
}

#[component]
fn PoliciesForm(current: SlaPolicies) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let rows = RwSignal::new(rows_from(&current));
    let default_level = RwSignal::new(current.default_level);
    let adding = RwSignal::new(String::new());
    let add_error = RwSignal::new(None::<SlaError>);
    let grid_errors = RwSignal::new(GridErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    // Only adding or removing a level re-renders the table (not typing).
    let levels =
        Memo::new(move |_| rows.with(|r| r.iter().map(|x| x.level.clone()).collect::<Vec<_>>()));

    let add = move || {
        let name = adding.get_untracked();
        match rows.with_untracked(|r| new_level(r, &name)) {
            Ok(level) => {
                rows.update(|r| {
                    // Start from the last level's targets.
                    let mut row = r.last().cloned().unwrap_or_default();
                    row.level = level;
                    r.push(row);
                });
                adding.set(String::new());
                add_error.set(None);
            }
            Err(e) => add_error.set(Some(e)),
        }
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = match rows.with_untracked(|r| to_policies(r, &default_level.get_untracked())) {
            Ok(req) => req,
            Err(errors) => return grid_errors.set(errors),
        };
        grid_errors.set(GridErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            match api::sla::put_policies(&req).await {
                Ok(saved) => {
                    rows.set(rows_from(&saved));
                    default_level.set(saved.default_level);
                    toasts.success(i.t(Key::Saved));
                }
                Err(err) => failure.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let first_error = move || grid_errors.with(|e| e.values().next().map(sla_error_key));

    view! {
        <form class="card" on:submit=submit novalidate=true data-testid="sla-form" aria-labelledby="sla-policies-title">
            <h2 id="sla-policies-title">{i.tr(Key::SlaPolicies)}</h2>
            <p class="muted">{i.tr(Key::SlaPoliciesHint)}</p>
            <ErrorBanner failure testid="sla-error" />
            {move || {
                first_error()
                    .map(|key| view! { <div class="banner banner-error" role="alert" data-testid="sla-invalid">{i.tr(key)}</div> })
            }}
            <div class="table-wrap">
                <table class="table sla-grid" data-testid="sla-grid">
                    <thead>
                        <tr>
                            <th scope="col">{i.tr(Key::SlaLevel)}</th>
                            {PRIORITIES.iter().map(|p| view! { <th scope="col">{i.tr(priority_key(*p))}</th> }).collect_view()}
                            <th scope="col"><span class="visually-hidden">{i.tr(Key::Actions)}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            levels
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(r, level)| view! { <LevelRowView r level rows grid_errors /> })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </div>
            <div class="form-grid">
                <div class="field" class:has-error=move || grid_errors.with(|e| e.contains_key("default_level"))>
                    <label for="sla-default-level">{i.tr(Key::SlaDefaultLevel)}</label>
                    <select
                        id="sla-default-level"
                        data-testid="sla-default-level"
                        on:change=move |ev| default_level.set(event_target_value(&ev))
                    >
                        {move || {
                            levels
                                .get()
                                .into_iter()
                                .map(|l| {
                                    let value = l.clone();
                                    let label = l.clone();
                                    view! {
                                        <option value=value prop:selected=move || default_level.with(|d| *d == l)>
                                            {move || level_name(&label, i.lang())}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                    <p class="field-hint">{i.tr(Key::SlaDefaultLevelHint)}</p>
                </div>
                <div class="field">
                    <label for="sla-new-level">{i.tr(Key::SlaNewLevel)}</label>
                    <div class="inline-form">
                        <input
                            id="sla-new-level"
                            data-testid="sla-new-level"
                            autocomplete="off"
                            prop:value=move || adding.get()
                            on:input=move |ev| adding.set(event_target_value(&ev))
                            on:keydown=move |ev| {
                                if ev.key() == "Enter" {
                                    ev.prevent_default();
                                    add();
                                }
                            }
                        />
                        <button type="button" class="btn" data-testid="sla-add-level" on:click=move |_| add()>
                            {i.tr(Key::SlaAddLevel)}
                        </button>
                    </div>
                    {move || {
                        add_error
                            .get()
                            .map(|e| view! { <p class="field-error" role="alert" data-testid="error-sla-new-level">{i.tr(sla_error_key(&e))}</p> })
                    }}
                </div>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="sla-save" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
            </div>
        </form>
    }
}

/// One level of the grid: per priority, first-response and resolution minutes.
#[component]
fn LevelRowView(
    r: usize,
    level: String,
    rows: RwSignal<Vec<LevelRow>>,
    grid_errors: RwSignal<GridErrors>,
) -> impl IntoView {
    let i = use_i18n();
    let name = level.clone();
    let remove_label = level.clone();
    view! {
        <tr data-testid="sla-row" data-level=level.clone()>
            <th scope="row">{move || level_name(&name, i.lang())}</th>
            {PRIORITIES
                .iter()
                .enumerate()
                .map(|(c, p)| {
                    let p = p.as_str();
                    view! {
                        <td>
                            <MinutesInput r c first=true testid=format!("sla-{level}-{p}-first") rows grid_errors />
                            <MinutesInput r c first=false testid=format!("sla-{level}-{p}-resolution") rows grid_errors />
                        </td>
                    }
                })
                .collect_view()}
            <td>
                <button
                    type="button"
                    class="btn btn-small btn-danger-ghost"
                    data-testid=format!("sla-remove-{level}")
                    aria-label=move || i.f(Key::SlaRemoveLevel, &[&level_name(&remove_label, i.lang())])
                    on:click=move |_| {
                        rows.update(|x| {
                            if r < x.len() {
                                x.remove(r);
                            }
                        });
                        grid_errors.set(GridErrors::new());
                    }
                >
                    "×"
                </button>
            </td>
        </tr>
    }
}

#[component]
fn MinutesInput(
    r: usize,
    c: usize,
    first: bool,
    testid: String,
    rows: RwSignal<Vec<LevelRow>>,
    grid_errors: RwSignal<GridErrors>,
) -> impl IntoView {
    let i = use_i18n();
    let id = format!("sla-{r}-{c}-{}", if first { "first" } else { "resolution" });
    let error_key = format!("{r}-{c}-{}", if first { "first" } else { "resolution" });
    let value = move || {
        rows.with(|x| {
            x.get(r)
                .map(|row| {
                    if first {
                        row.first[c].clone()
                    } else {
                        row.resolution[c].clone()
                    }
                })
                .unwrap_or_default()
        })
    };
    let invalid = move || grid_errors.with(|e| e.contains_key(&error_key));
    let label = if first {
        Key::SlaFirstResponse
    } else {
        Key::SlaResolution
    };
    let for_id = id.clone();
    view! {
        <label class="minutes" for=for_id>
            <span class="minutes-label">{i.tr(label)}</span>
            <input
                id=id
                data-testid=testid
                type="number"
                min="1"
                step="1"
                inputmode="numeric"
                class:invalid=invalid.clone()
                aria-invalid=move || invalid().then_some("true")
                prop:value=value
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    rows.update(|x| {
                        if let Some(row) = x.get_mut(r) {
                            if first {
                                row.first[c] = text;
                            } else {
                                row.resolution[c] = text;
                            }
                        }
                    });
                }
            />
            <span class="minutes-hint muted">
                {move || {
                    hours_minutes(&value())
                        .map(|(h, m)| fill(i.t(Key::SlaHoursMinutes), &[&h.to_string(), &m.to_string()]))
                }}
            </span>
        </label>
    }
}

const DAY_KEYS: [Key; 7] = [
    Key::WeekMon,
    Key::WeekTue,
    Key::WeekWed,
    Key::WeekThu,
    Key::WeekFri,
    Key::WeekSat,
    Key::WeekSun,
];
const DAY_FIELDS: [&str; 7] = [
    "day-0", "day-1", "day-2", "day-3", "day-4", "day-5", "day-6",
];
const DAY_IDS: [&str; 7] = [
    "cal-day-0",
    "cal-day-1",
    "cal-day-2",
    "cal-day-3",
    "cal-day-4",
    "cal-day-5",
    "cal-day-6",
];

fn cal_error_text(e: &CalError, lang: Lang) -> String {
    let (key, piece) = match e {
        CalError::BadInterval(p) => (Key::CalBadInterval, p),
        CalError::Backwards(p) => (Key::CalBackwards, p),
        CalError::BadDate(p) => (Key::CalBadDate, p),
        CalError::BadRange(p) => (Key::CalBadRange, p),
    };
    fill(text(lang, key), &[piece])
}

#[component]
fn CalendarCard() -> impl IntoView {
    let calendar = load(api::sla::calendar);
    move || match calendar.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=calendar.reload /> }.into_any(),
        Some(Ok(c)) => view! { <CalendarFormView current=c /> }.into_any(),
    }
}

#[component]
fn CalendarFormView(current: Calendar) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let form = CalendarForm::from_calendar(&current);
    let time_zone = RwSignal::new(form.time_zone);
    let days = form.days.map(RwSignal::new);
    let holidays = RwSignal::new(form.holidays);
    let working_days = RwSignal::new(form.working_days);
    let working_day_hours = RwSignal::new(form.working_day_hours);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let show = move |c: &Calendar| {
        let f = CalendarForm::from_calendar(c);
        time_zone.set(f.time_zone);
        for (signal, text) in days.iter().zip(f.days) {
            signal.set(text);
        }
        holidays.set(f.holidays);
        working_days.set(f.working_days);
        working_day_hours.set(f.working_day_hours);
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = CalendarForm {
            time_zone: time_zone.get_untracked(),
            days: days.map(|d| d.get_untracked()),
            holidays: holidays.get_untracked(),
            working_days: working_days.get_untracked(),
            working_day_hours: working_day_hours.get_untracked(),
        };
        let req = match form.to_calendar() {
            Ok(req) => req,
            Err((field, e)) => {
                let mut fields = FieldErrors::new();
                fields.insert(field, cal_error_text(&e, i.lang()));
                return errors.set(fields);
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            match api::sla::put_calendar(&req).await {
                Ok(saved) => {
                    show(&saved);
                    toasts.success(i.t(Key::Saved));
                }
                Err(err) => {
                    errors.set(
                        err.fields()
                            .into_iter()
                            .map(|(k, v)| (calendar_field(&k), v))
                            .collect(),
                    );
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <form class="card" on:submit=submit novalidate=true data-testid="calendar-form" aria-labelledby="calendar-title">
            <h2 id="calendar-title">{i.tr(Key::CalTitle)}</h2>
            <p class="muted">{i.tr(Key::CalIntro)}</p>
            <ErrorBanner failure testid="calendar-error" />
            <TextField
                id="cal-time-zone"
                label=Key::CalTimeZone
                value=time_zone
                field="time_zone"
                errors
                required=true
                autocomplete="off"
                hint=i.signal(Key::CalTimeZoneHint)
            />
            <fieldset class="field">
                <legend>{i.tr(Key::CalWeeklyHours)}</legend>
                <p class="field-hint">{i.tr(Key::CalHoursHint)}</p>
                <div class="week-grid">
                    {(0..7)
                        .map(|d| {
                            view! {
                                <TextField
                                    id=DAY_IDS[d]
                                    label=DAY_KEYS[d]
                                    value=days[d]
                                    field=DAY_FIELDS[d]
                                    errors
                                    autocomplete="off"
                                />
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            <div class="grid-2">
                <TextArea
                    id="cal-holidays"
                    label=Key::CalHolidays
                    value=holidays
                    field="holidays"
                    errors
                    rows=6
                    mono=true
                    hint=i.signal(Key::CalDatesHint)
                />
                <TextArea
                    id="cal-working-days"
                    label=Key::CalWorkingDays
                    value=working_days
                    field="working_days"
                    errors
                    rows=6
                    mono=true
                    hint=i.signal(Key::CalWorkingDaysHint)
                />
            </div>
            <TextField
                id="cal-working-day-hours"
                label=Key::CalWorkingDayHours
                value=working_day_hours
                field="working_day_hours"
                errors
                autocomplete="off"
                hint=i.signal(Key::CalWorkingDayHoursHint)
            />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="cal-save" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
            </div>
        </form>
    }
}

fn owner_id(m: ErpModule) -> &'static str {
    match m {
        ErpModule::System => "owner-system",
        ErpModule::Sales => "owner-sales",
        ErpModule::Purchasing => "owner-purchasing",
        ErpModule::Inventory => "owner-inventory",
        ErpModule::Production => "owner-production",
        ErpModule::Planning => "owner-planning",
        ErpModule::Finance => "owner-finance",
    }
}

#[component]
fn OwnersCard() -> impl IntoView {
    let owners = load(api::sla::module_owners);
    move || match owners.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=owners.reload /> }.into_any(),
        Some(Ok(o)) => view! { <OwnersForm current=o /> }.into_any(),
    }
}

#[component]
fn OwnersForm(current: ModuleOwners) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let directory = Directory::load();
    let staff = directory.owners();
    let picks: Vec<(ErpModule, RwSignal<Option<i64>>)> = ErpModule::ALL
        .iter()
        .map(|m| (*m, RwSignal::new(current.get(m).copied())))
        .collect();
    let picks = StoredValue::new(picks);
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req: ModuleOwners = picks.with_value(|p| {
            p.iter()
                .filter_map(|(m, s)| s.get_untracked().map(|u| (*m, u)))
                .collect()
        });
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            match api::sla::put_module_owners(&req).await {
                Ok(_) => toasts.success(i.t(Key::Saved)),
                Err(err) => failure.set(Some(err)),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="card" on:submit=submit novalidate=true data-testid="owners-form" aria-labelledby="owners-title">
            <h2 id="owners-title">{i.tr(Key::OwnersTitle)}</h2>
            <p class="muted">{i.tr(Key::OwnersIntro)}</p>
            <ErrorBanner failure testid="owners-error" />
            <div class="form-grid">
                {picks
                    .get_value()
                    .into_iter()
                    .map(|(m, value)| {
                        view! {
                            <OwnerSelect
                                id=owner_id(m)
                                label=module_key(m)
                                owners=staff
                                value
                                none_label=Key::Unassigned
                            />
                        }
                    })
                    .collect_view()}
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="owners-save" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
            </div>
        </form>
    }
}
