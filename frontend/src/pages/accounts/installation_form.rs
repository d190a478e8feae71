//! The form of an installation: where it runs, what version, the licence
//! its modules and seats come from (or its own), its customisations and
//! integrations as rows to add and remove, and internal notes. The version
//! of an existing installation is changed by recording an upgrade.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::installed_base::{CustomisationStatus, Deployment, IntegrationDirection};
use shared::{ErpModule, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, FieldError, ModulesPicker, TextField};
use crate::components::load::load;
use crate::components::toast::use_toasts;
use crate::i18n::{module_key, use_i18n, Key};
use crate::logic::forms::answer_fields;
use crate::logic::installed_base::{
    blank_customisation, blank_integration, deployment_key, direction_key, status_key,
    InstallationForm,
};
use crate::pages::portal::common::TextArea;

#[component]
pub fn InstallationFormView(
    account_id: i64,
    values: InstallationForm,
    editing: Option<i64>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let licenses = load(move || api::licenses::list(account_id));
    let site = RwSignal::new(values.site);
    let product = RwSignal::new(values.product);
    let edition = RwSignal::new(values.edition);
    let version = RwSignal::new(values.version);
    let patch = RwSignal::new(values.patch_level);
    let deployment = RwSignal::new(values.deployment);
    let server_os = RwSignal::new(values.server_os);
    let database = RwSignal::new(values.database);
    let license = RwSignal::new(values.license_id);
    let modules = RwSignal::new(values.modules);
    let seats = RwSignal::new(values.seats);
    let customisations = RwSignal::new(values.customisations);
    let integrations = RwSignal::new(values.integrations);
    let notes = RwSignal::new(values.notes);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = InstallationForm {
            site: site.get_untracked(),
            product: product.get_untracked(),
            edition: edition.get_untracked(),
            version: version.get_untracked(),
            patch_level: patch.get_untracked(),
            deployment: deployment.get_untracked(),
            server_os: server_os.get_untracked(),
            database: database.get_untracked(),
            license_id: license.get_untracked(),
            modules: modules.get_untracked(),
            seats: seats.get_untracked(),
            customisations: customisations.get_untracked(),
            integrations: integrations.get_untracked(),
            notes: notes.get_untracked(),
        };
        let req = match form.request() {
            Ok(req) => req,
            Err(f) => return errors.set(f),
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            let result = match editing {
                None => api::installed_base::create(account_id, &req).await,
                Some(id) => api::installed_base::update(account_id, id, &req).await,
            };
            match result {
                Ok(_) => {
                    toasts.success(i.t(Key::IbSaved));
                    done.run(true);
                }
                Err(err) => {
                    errors.set(answer_fields(&err, "site"));
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    let version_fixed = editing.is_some();

    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="installation-form">
            <ErrorBanner failure testid="installation-form-error" />
            <div class="form-grid">
                <TextField id="installation-site" label=Key::IbSite value=site field="site" errors error_prefix="installation-" required=true />
                <TextField id="installation-product" label=Key::IbProduct value=product field="product" errors error_prefix="installation-" required=true />
                <TextField id="installation-edition" label=Key::IbEdition value=edition field="edition" errors error_prefix="installation-" />
                <TextField id="installation-version" label=Key::IbVersion value=version field="version" errors error_prefix="installation-" required=true
                    disabled=Signal::derive(move || version_fixed)
                    hint=Signal::derive(move || if version_fixed { i.t(Key::IbVersionByUpgrade).to_string() } else { String::new() }) />
                <TextField id="installation-patch" label=Key::IbPatch value=patch field="patch_level" errors error_prefix="installation-" />
                <div class="field">
                    <label for="installation-deployment">{i.tr(Key::IbDeployment)}</label>
                    <select id="installation-deployment" data-testid="installation-deployment"
                        on:change=move |ev| {
                            if let Ok(d) = event_target_value(&ev).parse::<Deployment>() {
                                deployment.set(d);
                            }
                        }>
                        {Deployment::ALL.iter().map(|d| {
                            let d = *d;
                            view! { <option value=d.as_str() prop:selected=move || deployment.get() == d>{i.tr(deployment_key(d))}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <TextField id="installation-os" label=Key::IbServerOs value=server_os field="server_os" errors error_prefix="installation-" />
                <TextField id="installation-database" label=Key::IbDatabase value=database field="database" errors error_prefix="installation-" />
                <div class="field" class:has-error=move || errors.with(|e| e.contains_key("license_id"))>
                    <label for="installation-license">{i.tr(Key::IbLicense)}</label>
                    <select id="installation-license" data-testid="installation-license"
                        on:change=move |ev| license.set(event_target_value(&ev).parse().ok())>
                        <option value="" prop:selected=move || license.get().is_none()>{i.tr(Key::IbNoLicense)}</option>
                        {move || licenses.ok().unwrap_or_default().into_iter().map(|l| {
                            let id = l.id;
                            view! {
                                <option value=id.to_string() prop:selected=move || license.get() == Some(id)>
                                    {format!("{} · {} · {}", l.edition, l.dongle_serial, l.seats)}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                    <FieldError errors field="license_id" id="installation-license-error".to_string() prefix="installation-" />
                </div>
            </div>
            {move || license.get().is_none().then(|| view! {
                <ModulesPicker prefix="installation" selected=modules />
                <TextField id="installation-seats" label=Key::IbSeats value=seats field="seats" errors error_prefix="installation-" kind="number" />
            })}
            <CustomisationRows rows=customisations errors />
            <IntegrationRows rows=integrations errors />
            <TextArea id="installation-notes" label=Key::IbNotes value=notes field="notes" errors rows=2 />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="installation-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="installation-cancel" on:click=move |_| done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

/// A row's error, under the `list.N.field` name the shared rules give it.
fn row_error(errors: RwSignal<FieldErrors>, name: String) -> impl IntoView {
    let i = use_i18n();
    move || {
        errors.with(|e| e.get(&name).cloned()).map(|message| {
            view! {
                <p class="field-error" role="alert">{crate::logic::forms::localize(&message, i.lang())}</p>
            }
        })
    }
}

/// The customisations (二次开发) as rows. Typing updates the list without
/// redrawing it (focus stays); adding or removing a row redraws the rows.
#[component]
fn CustomisationRows(
    rows: RwSignal<Vec<shared::installed_base::Customisation>>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let i = use_i18n();
    let row = move |n: usize| {
        let c = rows.with_untracked(|r| r[n].clone());
        let chosen = c.modules.clone();
        view! {
            <fieldset class="field repeat-row" data-testid="customisation-row">
                <legend>{i.tr(Key::IbCustomisations)} " " {n + 1}</legend>
                <div class="form-grid">
                    <div class="field">
                        <label for=format!("cust-{n}-title")>{i.tr(Key::IbName)}</label>
                        <input id=format!("cust-{n}-title") data-testid="customisation-title" prop:value=c.title
                            on:input=move |ev| { let v = event_target_value(&ev); rows.update_untracked(|r| r[n].title = v); } />
                        {row_error(errors, format!("customisations.{n}.title"))}
                    </div>
                    <div class="field">
                        <label for=format!("cust-{n}-owner")>{i.tr(Key::IbOwner)}</label>
                        <input id=format!("cust-{n}-owner") data-testid="customisation-owner" prop:value=c.owner
                            on:input=move |ev| { let v = event_target_value(&ev); rows.update_untracked(|r| r[n].owner = v); } />
                    </div>
                    <div class="field">
                        <label for=format!("cust-{n}-status")>{i.tr(Key::Status)}</label>
                        <select id=format!("cust-{n}-status") data-testid="customisation-status"
                            on:change=move |ev| {
                                if let Ok(s) = event_target_value(&ev).parse::<CustomisationStatus>() {
                                    rows.update_untracked(|r| r[n].status = s);
                                }
                            }>
                            {CustomisationStatus::ALL.iter().map(|s| {
                                let s = *s;
                                view! { <option value=s.as_str() selected=c.status == s>{i.tr(status_key(s))}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <div class="checks">
                    {ErpModule::ALL.iter().map(|m| {
                        let m = *m;
                        let id = format!("cust-{n}-module-{}", m.as_str());
                        let for_id = id.clone();
                        view! {
                            <label class="check" for=for_id>
                                <input type="checkbox" id=id checked=chosen.contains(&m)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        rows.update_untracked(|r| {
                                            let mods = &mut r[n].modules;
                                            mods.retain(|x| *x != m);
                                            if on {
                                                mods.push(m);
                                            }
                                        });
                                    } />
                                {i.tr(module_key(m))}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <button type="button" class="btn btn-small btn-ghost" data-testid="customisation-remove"
                    on:click=move |_| rows.update(|r| { r.remove(n); })>
                    {i.tr(Key::IbRemove)}
                </button>
            </fieldset>
        }
    };
    view! {
        <div class="repeat" data-testid="customisations-edit">
            <h4>{i.tr(Key::IbCustomisations)}</h4>
            {move || (0..rows.with(Vec::len)).map(row).collect_view()}
            <button type="button" class="btn btn-small" data-testid="customisation-add"
                on:click=move |_| rows.update(|r| r.push(blank_customisation()))>
                {i.tr(Key::IbCustomisationAdd)}
            </button>
        </div>
    }
}

#[component]
fn IntegrationRows(
    rows: RwSignal<Vec<shared::installed_base::Integration>>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let i = use_i18n();
    let row = move |n: usize| {
        let x = rows.with_untracked(|r| r[n].clone());
        view! {
            <fieldset class="field repeat-row" data-testid="integration-row">
                <legend>{i.tr(Key::IbIntegrations)} " " {n + 1}</legend>
                <div class="form-grid">
                    <div class="field">
                        <label for=format!("int-{n}-name")>{i.tr(Key::IbName)}</label>
                        <input id=format!("int-{n}-name") data-testid="integration-name" prop:value=x.name
                            on:input=move |ev| { let v = event_target_value(&ev); rows.update_untracked(|r| r[n].name = v); } />
                        {row_error(errors, format!("integrations.{n}.name"))}
                    </div>
                    <div class="field">
                        <label for=format!("int-{n}-system")>{i.tr(Key::IbSystem)}</label>
                        <input id=format!("int-{n}-system") data-testid="integration-system" prop:value=x.system
                            on:input=move |ev| { let v = event_target_value(&ev); rows.update_untracked(|r| r[n].system = v); } />
                        {row_error(errors, format!("integrations.{n}.system"))}
                    </div>
                    <div class="field">
                        <label for=format!("int-{n}-direction")>{i.tr(Key::IbDirection)}</label>
                        <select id=format!("int-{n}-direction") data-testid="integration-direction"
                            on:change=move |ev| {
                                if let Ok(d) = event_target_value(&ev).parse::<IntegrationDirection>() {
                                    rows.update_untracked(|r| r[n].direction = d);
                                }
                            }>
                            {IntegrationDirection::ALL.iter().map(|d| {
                                let d = *d;
                                view! { <option value=d.as_str() selected=x.direction == d>{i.tr(direction_key(d))}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=format!("int-{n}-notes")>{i.tr(Key::IbIntNotes)}</label>
                        <input id=format!("int-{n}-notes") data-testid="integration-notes" prop:value=x.notes
                            on:input=move |ev| { let v = event_target_value(&ev); rows.update_untracked(|r| r[n].notes = v); } />
                    </div>
                </div>
                <button type="button" class="btn btn-small btn-ghost" data-testid="integration-remove"
                    on:click=move |_| rows.update(|r| { r.remove(n); })>
                    {i.tr(Key::IbRemove)}
                </button>
            </fieldset>
        }
    };
    view! {
        <div class="repeat" data-testid="integrations-edit">
            <h4>{i.tr(Key::IbIntegrations)}</h4>
            {move || (0..rows.with(Vec::len)).map(row).collect_view()}
            <button type="button" class="btn btn-small" data-testid="integration-add"
                on:click=move |_| rows.update(|r| r.push(blank_integration()))>
                {i.tr(Key::IbIntegrationAdd)}
            </button>
        </div>
    }
}
