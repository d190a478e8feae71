//! `/settings/service-levels` (admins): what each service level entitles an
//! account to — whether tickets are included, the channels they may come in
//! by (portal, e-mail, phone logged by staff), the SLA policy, person-days
//! and on-site visits per year, the modules covered — and the rule for
//! accounts that never had an agreement.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::service_levels::{
    validate_level, EntitlementSettings, ServiceLevel, ServiceLevelRequest, TicketChannels,
};
use shared::{ErpModule, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{
    AddToggle, CheckField, ErrorBanner, FieldError, ModuleChips, ModulesPicker, TextField,
};
use crate::components::guard::{Audience, Guard};
use crate::components::list_view::{loaded_phase, ListView};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, word, Key};
use crate::logic::forms::answer_fields;
use crate::pages::tickets::common::action_error;

#[component]
pub fn ServiceLevelsPage() -> impl IntoView {
    let i = use_i18n();
    view! {
        <Guard audience=Audience::Admin>
            <div class="page">
                <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                    <a href="/settings" data-testid="levels-back">{i.tr(Key::NavSettings)}</a>
                </nav>
                <header class="page-header">
                    <div>
                        <h1 data-testid="levels-heading">{i.tr(Key::SlvTitle)}</h1>
                        <p class="muted">{i.tr(Key::SlvIntro)}</p>
                    </div>
                </header>
                <RuleCard />
                <LevelsCard />
            </div>
        </Guard>
    }
}

/// The switch: do tickets need an agreement in force?
#[component]
fn RuleCard() -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let settings = load(api::service_levels::settings);
    let busy = RwSignal::new(false);
    let save = move |on: bool| {
        busy.set(true);
        crate::task::spawn(async move {
            let req = EntitlementSettings {
                agreement_required: on,
            };
            match api::service_levels::save_settings(&req).await {
                Ok(_) => toasts.success(i.t(Key::SlvSettingsSaved)),
                Err(e) => toasts.error(action_error(i, &e)),
            }
            settings.refresh.run(());
            busy.set(false);
        });
    };
    move || match settings.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=settings.reload /> }.into_any(),
        Some(Ok(s)) => view! {
            <section class="card" data-testid="levels-rule">
                <label class="check" for="levels-agreement-required">
                    <input
                        type="checkbox"
                        id="levels-agreement-required"
                        data-testid="levels-agreement-required"
                        prop:checked=s.agreement_required
                        disabled=busy
                        on:change=move |ev| save(event_target_checked(&ev))
                    />
                    {i.tr(Key::SlvRequired)}
                </label>
                <p class="field-hint">{i.tr(Key::SlvRequiredHelp)}</p>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn LevelsCard() -> impl IntoView {
    let i = use_i18n();
    let list = load(api::service_levels::list);
    let policies = load(api::sla::policies);
    let policy_levels = Signal::derive(move || match policies.value.get() {
        Some(Ok(p)) => {
            let mut names: Vec<String> = p.policies.into_iter().map(|p| p.level).collect();
            names.sort();
            names.dedup();
            names
        }
        _ => Vec::new(),
    });
    // `Some(None)`: the add form; `Some(Some(id))`: editing that level.
    let editing = RwSignal::new(None::<Option<i64>>);
    let done = Callback::new(move |changed: bool| {
        editing.set(None);
        if changed {
            list.refresh.run(());
        }
    });
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::SlvName)}</th>
                    <th scope="col">{i.tr(Key::SlvChannels)}</th>
                    <th scope="col">{i.tr(Key::SlvSla)}</th>
                    <th scope="col">{i.tr(Key::SlvDays)}</th>
                    <th scope="col">{i.tr(Key::SlvVisits)}</th>
                    <th scope="col">{i.tr(Key::SlvModules)}</th>
                    <th scope="col"></th>
                </tr>
            </thead>
        }
    };
    let phase = loaded_phase(list);
    view! {
        <section class="card" aria-labelledby="levels-title" data-testid="levels">
            <header class="section-header">
                <h2 id="levels-title">{i.tr(Key::SlvTitle)}</h2>
                <AddToggle editing testid="level-add" label=Key::SlvAdd />
            </header>
            {move || (editing.get() == Some(None)).then(|| view! { <LevelForm level=None policy_levels done /> })}
            <ListView
                phase
                on_retry=list.reload
                header
                skeleton=(3, 7)
                testid="levels-table"
                busy=false
                rows=move || {
                    move || {
                        list.ok()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|level| view! { <LevelRow level editing policy_levels done /> })
                            .collect_view()
                    }
                }
                empty=move || view! { <p class="muted">"—"</p> }
            />
        </section>
    }
}

#[component]
fn LevelRow(
    level: ServiceLevel,
    editing: RwSignal<Option<Option<i64>>>,
    policy_levels: Signal<Vec<String>>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = level.id;
    let busy = RwSignal::new(false);
    let remove = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            match api::service_levels::delete(id).await {
                Ok(()) => {
                    toasts.success(i.t(Key::SlvDeleted));
                    done.run(true);
                }
                Err(e) => toasts.error(action_error(i, &e)),
            }
            busy.set(false);
        });
    };
    let (name, policy) = (level.name.clone(), level.sla_policy.clone());
    let channels = level.channels;
    let included = level.tickets_included;
    let channel_text = move || {
        if !included {
            return i.t(Key::SlvNoTickets).to_string();
        }
        [
            (channels.portal, Key::SlvPortal),
            (channels.email, Key::SlvEmail),
            (channels.phone, Key::SlvPhone),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, k)| i.t(k))
        .collect::<Vec<_>>()
        .join(" · ")
    };
    let for_form = level.clone();
    view! {
        <tr data-testid="level-row" data-level=level.name.clone()>
            <td data-label=i.tr(Key::SlvName)>{move || word(&name, i.lang())}</td>
            <td data-label=i.tr(Key::SlvChannels) data-testid="level-channels">{channel_text}</td>
            <td data-label=i.tr(Key::SlvSla)>{move || word(&policy, i.lang())}</td>
            <td data-label=i.tr(Key::SlvDays)>{level.person_days_per_year}</td>
            <td data-label=i.tr(Key::SlvVisits)>{level.onsite_visits_per_year}</td>
            <td data-label=i.tr(Key::SlvModules)><ModuleChips modules=level.modules.clone() /></td>
            <td>
                <div class="actions">
                    <button type="button" class="btn btn-small btn-ghost" data-testid="level-edit" on:click=move |_| editing.set(Some(Some(id)))>
                        {i.tr(Key::Edit)}
                    </button>
                    <button type="button" class="btn btn-small btn-ghost" data-testid="level-delete" disabled=busy on:click=remove>
                        {i.tr(Key::SlvDelete)}
                    </button>
                </div>
            </td>
        </tr>
        {move || {
            (editing.get() == Some(Some(id)))
                .then(|| {
                    view! {
                        <tr class="subrow">
                            <td colspan="7">
                                <LevelForm level=Some(for_form.clone()) policy_levels done />
                            </td>
                        </tr>
                    }
                })
        }}
    }
}

/// Adds a level (`level: None`) or changes one's entitlements.
#[component]
fn LevelForm(
    level: Option<ServiceLevel>,
    policy_levels: Signal<Vec<String>>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let l = level.as_ref();
    let editing = l.map(|l| l.id);
    let name = RwSignal::new(l.map(|l| l.name.clone()).unwrap_or_default());
    let tickets = RwSignal::new(l.is_none_or(|l| l.tickets_included));
    let channels = l.map(|l| l.channels).unwrap_or(TicketChannels::ALL);
    let portal = RwSignal::new(channels.portal);
    let email = RwSignal::new(channels.email);
    let phone = RwSignal::new(channels.phone);
    let policy = RwSignal::new(l.map(|l| l.sla_policy.clone()).unwrap_or_default());
    let days = RwSignal::new(l.map(|l| l.person_days_per_year).unwrap_or(0).to_string());
    let visits = RwSignal::new(l.map(|l| l.onsite_visits_per_year).unwrap_or(0).to_string());
    let modules = RwSignal::new(
        l.map(|l| l.modules.clone())
            .unwrap_or_else(|| ErpModule::ALL.to_vec()),
    );
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<i32>().unwrap_or(-1);
        let req = ServiceLevelRequest {
            name: name.get_untracked().trim().to_string(),
            tickets_included: tickets.get_untracked(),
            channels: TicketChannels {
                portal: portal.get_untracked(),
                email: email.get_untracked(),
                phone: phone.get_untracked(),
            },
            sla_policy: policy.get_untracked(),
            person_days_per_year: number(days),
            onsite_visits_per_year: number(visits),
            modules: modules.get_untracked(),
        };
        if let Err(f) = validate_level(&req) {
            return errors.set(f);
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            let result = match editing {
                None => api::service_levels::create(&req).await,
                Some(id) => api::service_levels::update(id, &req).await,
            };
            match result {
                Ok(_) => {
                    toasts.success(i.t(Key::SlvSaved));
                    done.run(true);
                }
                Err(err) => {
                    errors.set(answer_fields(&err, "name"));
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    let has_policy_error = move || errors.with(|e| e.contains_key("sla_policy"));
    let renaming_disabled = Signal::derive(move || editing.is_some());

    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="level-form">
            <ErrorBanner failure testid="level-form-error" />
            <div class="form-grid">
                <TextField id="level-name" label=Key::SlvName value=name field="name" errors error_prefix="level-" required=true disabled=renaming_disabled />
                <div class="field" class:has-error=has_policy_error>
                    <label for="level-sla-policy">{i.tr(Key::SlvSla)}</label>
                    <select
                        id="level-sla-policy"
                        name="sla_policy"
                        data-testid="level-sla-policy"
                        aria-invalid=move || has_policy_error().then_some("true")
                        on:change=move |ev| policy.set(event_target_value(&ev))
                    >
                        <option value="" prop:selected=move || policy.with(String::is_empty)>"—"</option>
                        {move || {
                            policy_levels
                                .get()
                                .into_iter()
                                .map(|p| {
                                    let shown = word(&p, i.lang());
                                    let value = p.clone();
                                    view! { <option value=p prop:selected=move || policy.with(|x| *x == value)>{shown}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                    <FieldError errors field="sla_policy" id="level-sla-policy-error".to_string() prefix="level-" />
                </div>
                <TextField id="level-days" label=Key::SlvDays value=days field="person_days_per_year" errors error_prefix="level-" kind="number" />
                <TextField id="level-visits" label=Key::SlvVisits value=visits field="onsite_visits_per_year" errors error_prefix="level-" kind="number" />
            </div>
            <CheckField id="level-tickets" label=Key::SlvTickets value=tickets />
            <fieldset class="field" disabled=move || !tickets.get()>
                <legend>{i.tr(Key::SlvChannels)}</legend>
                <CheckField id="level-portal" label=Key::SlvPortal value=portal />
                <CheckField id="level-email" label=Key::SlvEmail value=email />
                <CheckField id="level-phone" label=Key::SlvPhone value=phone />
            </fieldset>
            <ModulesPicker prefix="level" selected=modules />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="level-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="level-cancel" on:click=move |_| done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
