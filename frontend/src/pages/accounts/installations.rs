//! The installed base of an account (`/accounts/:id?tab=installations`):
//! each installation per site (product, edition, version and patch level,
//! deployment, server OS and database, the licence's modules and seats),
//! its customisations (二次开发) and integrations, adding and editing one,
//! and its upgrade history with the form that records an upgrade.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::installed_base::{Installation, UpgradeRequest};
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{AddToggle, ErrorBanner, FieldError, ModuleChips, TextField};
use crate::components::list_view::{loaded_phase, ListView};
use crate::components::load::load;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::forms::answer_fields;
use crate::logic::installed_base::{deployment_key, direction_key, status_key, InstallationForm};
use crate::logic::onboarding::browser_today;
use crate::pages::accounts::installation_form::InstallationFormView;
use crate::pages::accounts::list::Directory;

#[component]
pub fn InstallationsSection(account_id: i64, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let list = load(move || api::installed_base::list(account_id));
    // `Some(None)`: the add form; `Some(Some(id))`: editing that one.
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
                    <th scope="col">{i.tr(Key::IbSite)}</th>
                    <th scope="col">{i.tr(Key::IbProduct)}</th>
                    <th scope="col">{i.tr(Key::IbVersion)}</th>
                    <th scope="col">{i.tr(Key::IbDeployment)}</th>
                    <th scope="col">{i.tr(Key::Modules)}</th>
                    <th scope="col">{i.tr(Key::IbSeats)}</th>
                    <th scope="col"></th>
                </tr>
            </thead>
        }
    };
    let phase = loaded_phase(list);
    view! {
        <section class="card" aria-labelledby="installations-title" data-testid="installations">
            <header class="section-header">
                <h2 id="installations-title">{i.tr(Key::IbTitle)}</h2>
                <AddToggle editing testid="installation-add" label=Key::IbAdd />
            </header>
            {move || (editing.get() == Some(None)).then(|| view! {
                <InstallationFormView account_id values=InstallationForm::default() editing=None done />
            })}
            <ListView
                phase
                on_retry=list.reload
                header
                skeleton=(2, 7)
                testid="installations-table"
                busy=false
                rows=move || {
                    move || {
                        list.ok()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|installation| view! { <InstallationRow account_id installation editing done directory /> })
                            .collect_view()
                    }
                }
                empty=move || view! { <p class="muted" data-testid="installations-empty">{i.tr(Key::IbNone)}</p> }
            />
        </section>
    }
}

fn or_dash(text: &str) -> String {
    if text.trim().is_empty() {
        "—".into()
    } else {
        text.to_string()
    }
}

#[component]
fn InstallationRow(
    account_id: i64,
    installation: Installation,
    editing: RwSignal<Option<Option<i64>>>,
    done: Callback<bool>,
    directory: Directory,
) -> impl IntoView {
    let i = use_i18n();
    let id = installation.id;
    let upgrading = RwSignal::new(false);
    let form = InstallationForm::of(&installation);
    let deployment = installation.deployment;
    let release = format!("{} {}", installation.version, installation.patch_level)
        .trim()
        .to_string();
    let seats = installation
        .seats
        .map(|s| s.to_string())
        .unwrap_or_else(|| "—".into());
    let from_license = installation.license_id.is_some();
    let customisations = installation.customisations.clone();
    let integrations = installation.integrations.clone();
    let current = release.clone();
    view! {
        <tr data-testid="installation-row" data-installation-id=id.to_string()>
            <td data-label=i.tr(Key::IbSite) data-testid="installation-site">{installation.site.clone()}</td>
            <td data-label=i.tr(Key::IbProduct)>
                {installation.product.clone()}
                {(!installation.edition.is_empty()).then(|| view! { " " <span class="muted">{installation.edition.clone()}</span> })}
            </td>
            <td data-label=i.tr(Key::IbVersion) data-testid="installation-version">{release}</td>
            <td data-label=i.tr(Key::IbDeployment)>{i.tr(deployment_key(deployment))}</td>
            <td data-label=i.tr(Key::Modules)><ModuleChips modules=installation.modules.clone() /></td>
            <td data-label=i.tr(Key::IbSeats)>
                {seats}
                {from_license.then(|| view! { " " <span class="muted">"(" {i.tr(Key::IbFromLicense)} ")"</span> })}
            </td>
            <td>
                <div class="actions">
                    <button type="button" class="btn btn-small" data-testid="installation-upgrade"
                        aria-expanded=move || if upgrading.get() { "true" } else { "false" }
                        on:click=move |_| upgrading.update(|u| *u = !*u)>
                        {i.tr(Key::IbUpgrades)}
                    </button>
                    <button type="button" class="btn btn-small btn-ghost" data-testid="installation-edit"
                        on:click=move |_| editing.set(Some(Some(id)))>
                        {i.tr(Key::Edit)}
                    </button>
                </div>
            </td>
        </tr>
        <tr class="subrow" data-testid="installation-details">
            <td colspan="7">
                <dl class="details">
                    <dt>{i.tr(Key::IbServerOs)}</dt>
                    <dd>{or_dash(&installation.server_os)}</dd>
                    <dt>{i.tr(Key::IbDatabase)}</dt>
                    <dd>{or_dash(&installation.database)}</dd>
                    <dt>{i.tr(Key::IbCustomisations)}</dt>
                    <dd data-testid="installation-customisations">
                        {if customisations.is_empty() {
                            view! { <span class="muted">"—"</span> }.into_any()
                        } else {
                            view! {
                                <ul class="plain-list">
                                    {customisations.into_iter().map(|c| view! {
                                        <li data-testid="customisation-item">
                                            <strong>{c.title}</strong>
                                            " · " {i.tr(status_key(c.status))}
                                            {(!c.owner.is_empty()).then(|| view! { " · " {c.owner.clone()} })}
                                            " " <ModuleChips modules=c.modules />
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </dd>
                    <dt>{i.tr(Key::IbIntegrations)}</dt>
                    <dd data-testid="installation-integrations">
                        {if integrations.is_empty() {
                            view! { <span class="muted">"—"</span> }.into_any()
                        } else {
                            view! {
                                <ul class="plain-list">
                                    {integrations.into_iter().map(|x| view! {
                                        <li data-testid="integration-item">
                                            <strong>{x.name}</strong>
                                            " · " {x.system}
                                            " · " {i.tr(direction_key(x.direction))}
                                            {(!x.notes.is_empty()).then(|| view! { <span class="muted">" — " {x.notes.clone()}</span> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </dd>
                    {(!installation.notes.is_empty()).then(|| view! {
                        <dt>{i.tr(Key::IbNotes)}</dt>
                        <dd class="pre-wrap">{installation.notes.clone()}</dd>
                    })}
                </dl>
            </td>
        </tr>
        {move || {
            (editing.get() == Some(Some(id))).then(|| view! {
                <tr class="subrow">
                    <td colspan="7">
                        <InstallationFormView account_id values=form.clone() editing=Some(id) done />
                    </td>
                </tr>
            })
        }}
        {move || {
            let current = current.clone();
            upgrading.get().then(|| view! {
                <tr class="subrow">
                    <td colspan="7">
                        <Upgrades account_id installation_id=id current directory
                            done=Callback::new(move |changed: bool| {
                                if changed {
                                    upgrading.set(false);
                                    done.run(true);
                                }
                            }) />
                    </td>
                </tr>
            })
        }}
    }
}

/// The installation's upgrades (latest first) and the form to record one.
#[component]
fn Upgrades(
    account_id: i64,
    installation_id: i64,
    current: String,
    directory: Directory,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let history = load(move || api::installed_base::upgrades(account_id, installation_id));
    let to_version = RwSignal::new(String::new());
    let to_patch = RwSignal::new(String::new());
    let upgraded_on = RwSignal::new(browser_today().to_string());
    let engineer = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let engineers = directory.owners();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut bad = FieldErrors::new();
        let date =
            chrono::NaiveDate::parse_from_str(upgraded_on.get_untracked().trim(), "%Y-%m-%d");
        if date.is_err() {
            bad.insert(
                "upgraded_on".into(),
                shared::validation::Invalid::Required.message_en(),
            );
        }
        let engineer_id = engineer.get_untracked().parse::<i64>();
        if engineer_id.is_err() {
            bad.insert(
                "engineer_id".into(),
                shared::validation::Invalid::Required.message_en(),
            );
        }
        let (Ok(date), Ok(engineer_id)) = (date, engineer_id) else {
            errors.set(bad);
            return;
        };
        let req = UpgradeRequest {
            to_version: to_version.get_untracked().trim().to_string(),
            to_patch_level: to_patch.get_untracked().trim().to_string(),
            upgraded_on: date,
            engineer_id,
            note: note.get_untracked().trim().to_string(),
        };
        if let Err(f) = shared::installed_base::validate_upgrade(&req) {
            errors.set(f);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            match api::installed_base::upgrade(account_id, installation_id, &req).await {
                Ok(_) => {
                    toasts.success(i.t(Key::IbUpgraded));
                    done.run(true);
                }
                Err(err) => {
                    errors.set(answer_fields(&err, "to_version"));
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    let has_engineer_error = move || errors.with(|e| e.contains_key("engineer_id"));
    view! {
        <div class="installation-upgrades" data-testid="installation-upgrades">
            <h3>{i.tr(Key::IbUpgrades)}</h3>
            {move || match history.value.get() {
                None => view! { <p class="muted">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="field-error" role="alert">{i.error(&e)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted" data-testid="upgrades-empty">{i.tr(Key::IbNoUpgrades)}</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ol class="plain-list" data-testid="upgrade-history">
                        {list.into_iter().map(|u| {
                            let from = format!("{} {}", u.from_version, u.from_patch_level).trim().to_string();
                            let to = format!("{} {}", u.to_version, u.to_patch_level).trim().to_string();
                            view! {
                                <li data-testid="upgrade-item">
                                    <strong>{u.upgraded_on.to_string()}</strong>
                                    " · " {from} " → " {to}
                                    " · " {u.engineer_name}
                                    {(!u.note.is_empty()).then(|| view! { <span class="muted">" — " {u.note.clone()}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
            <form class="inline-form" on:submit=submit novalidate=true data-testid="upgrade-form">
                <ErrorBanner failure testid="upgrade-form-error" />
                <h4>{i.tr(Key::IbUpgrade)} " (" {current} ")"</h4>
                <div class="form-grid">
                    <TextField id="upgrade-version" label=Key::IbToVersion value=to_version field="to_version" errors error_prefix="upgrade-" required=true />
                    <TextField id="upgrade-patch" label=Key::IbToPatch value=to_patch field="to_patch_level" errors error_prefix="upgrade-" />
                    <TextField id="upgrade-date" label=Key::IbUpgradedOn value=upgraded_on field="upgraded_on" errors error_prefix="upgrade-" kind="date" required=true />
                    <div class="field" class:has-error=has_engineer_error>
                        <label for="upgrade-engineer">
                            {i.tr(Key::IbEngineer)}
                            <span class="required" aria-hidden="true">" *"</span>
                        </label>
                        <select id="upgrade-engineer" data-testid="upgrade-engineer" aria-required="true"
                            on:change=move |ev| engineer.set(event_target_value(&ev))>
                            <option value="" prop:selected=move || engineer.with(String::is_empty)>{i.tr(Key::IbChooseEngineer)}</option>
                            {move || engineers.get().into_iter().map(|u| {
                                let id = u.id.to_string();
                                let value = id.clone();
                                view! { <option value=id prop:selected=move || engineer.with(|e| *e == value)>{u.name}</option> }
                            }).collect_view()}
                        </select>
                        <FieldError errors field="engineer_id" id="upgrade-engineer-error".to_string() prefix="upgrade-" />
                    </div>
                </div>
                <TextField id="upgrade-note" label=Key::IbNote value=note field="note" errors error_prefix="upgrade-" />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" data-testid="upgrade-submit" disabled=busy>
                        {i.tr_when(busy, Key::Saving, Key::IbUpgrade)}
                    </button>
                </div>
            </form>
        </div>
    }
}
