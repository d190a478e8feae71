//! The licence panel of an account (on `/accounts/:id`): its licences
//! (产品授权), adding and editing one, and the remote registration
//! (远程注册) of its dongle.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::onboarding::{
    License, LicenseStatus, ReRegisterLicenseRequest, RegistrationKind, SplitLicenseRequest,
    UpdateLicenseRequest,
};
use shared::{ErpModule, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{AddToggle, ErrorBanner, FieldError, ModulesPicker, TextField};
use crate::components::list_view::{loaded_phase, ListView};
use crate::components::load::load;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::forms::answer_fields;
use crate::logic::gaps::{licence_expiry, Expiry};
use crate::logic::onboarding::{browser_today, date_value, license_request};
use crate::pages::accounts::list::module_list;
use crate::pages::tickets::common::action_error;

#[component]
pub fn LicensesSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let list = load(move || api::licenses::list(account_id));
    let seat_use = load(move || api::licenses::seat_use(account_id));
    // `Some(None)`: the add form; `Some(Some(id))`: editing that licence.
    let editing = RwSignal::new(None::<Option<i64>>);
    let done = Callback::new(move |changed: bool| {
        editing.set(None);
        if changed {
            list.refresh.run(());
            seat_use.refresh.run(());
        }
    });
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::LcEdition)}</th>
                    <th scope="col">{i.tr(Key::Modules)}</th>
                    <th scope="col">{i.tr(Key::LcSeats)}</th>
                    <th scope="col">{i.tr(Key::LcDongle)}</th>
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col">{i.tr(Key::LcExpires)}</th>
                    <th scope="col"></th>
                </tr>
            </thead>
        }
    };
    let phase = loaded_phase(list);
    view! {
        <section class="card" aria-labelledby="licenses-title" data-testid="licenses">
            <header class="section-header">
                <h2 id="licenses-title">{i.tr(Key::LcTitle)}</h2>
                <AddToggle editing testid="license-add" label=Key::LcAdd />
            </header>
            {move || seat_use.ok().filter(|u| u.seats > 0 || u.used > 0).map(|u| {
                let over = u.used > u.seats;
                view! {
                    <p class=if over { "seat-use warn" } else { "seat-use muted" } data-testid="seat-use"
                        data-used=u.used.to_string() data-seats=u.seats.to_string()>
                        {move || i.f(Key::LcSeatUse, &[&u.window_days.to_string(), &u.used.to_string(), &u.seats.to_string()])}
                        {over.then(|| view! { " · " <strong>{i.tr(Key::LcOverSeats)}</strong> })}
                    </p>
                }
            })}
            {move || (editing.get() == Some(None)).then(|| view! { <LicenseForm account_id license=None done /> })}
            <ListView
                phase
                on_retry=list.reload
                header
                skeleton=(2, 7)
                testid="licenses-table"
                busy=false
                rows=move || {
                    move || {
                        list.ok()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|license| {
                                let used = seat_use
                                    .ok()
                                    .and_then(|u| u.licenses.into_iter().find(|l| l.license_id == license.id))
                                    .map(|l| l.used);
                                view! { <LicenseRow account_id license used editing done /> }
                            })
                            .collect_view()
                    }
                }
                empty=move || view! { <p class="muted" data-testid="licenses-empty">{i.tr(Key::LcNone)}</p> }
            />
        </section>
    }
}

#[component]
fn LicenseRow(
    account_id: i64,
    license: License,
    /// Distinct users of the licence's modules over the last 30 days.
    used: Option<i64>,
    editing: RwSignal<Option<Option<i64>>>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = license.id;
    let busy = RwSignal::new(false);
    let status = license.status;
    let register = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            match api::licenses::register(account_id, id).await {
                Ok(_) => {
                    toasts.success(i.t(Key::LcRegistered));
                    done.run(true);
                }
                Err(e) => toasts.error(action_error(i, &e)),
            }
            busy.set(false);
        });
    };
    let modules = license.modules.clone();
    let status_key = match status {
        LicenseStatus::Registered => Key::LcStatusRegistered,
        LicenseStatus::Unregistered => Key::LcStatusUnregistered,
    };
    let expires = expiry_view(license.expires_on);
    let registered_at = license.registered_at;
    let for_form = license.clone();
    let for_registrations = license.clone();
    let reregistering = RwSignal::new(false);
    let splitting = RwSignal::new(false);
    let for_split = license.clone();
    view! {
        <tr data-testid="license-row" data-license-id=id.to_string() data-status=status.as_str()>
            <td data-label=i.tr(Key::LcEdition)>{license.edition}</td>
            <td data-label=i.tr(Key::Modules)>{move || module_list(&modules, i.lang())}</td>
            <td data-label=i.tr(Key::LcSeats)>
                {license.seats}
                {used.map(|n| {
                    let over = n > i64::from(license.seats);
                    view! {
                        " "
                        <span class=if over { "badge badge-warning" } else { "muted" } data-testid="license-in-use"
                            title=move || if over { i.t(Key::LcOverSeats).to_string() } else { String::new() }>
                            {move || i.f(Key::LcInUse, &[&n.to_string()])}
                        </span>
                    }
                })}
            </td>
            <td data-label=i.tr(Key::LcDongle)><code>{license.dongle_serial}</code></td>
            <td data-label=i.tr(Key::Status)>
                <span
                    class=if registered_at.is_some() { "badge badge-ok" } else { "badge badge-muted" }
                    data-testid="license-status"
                    data-status=status.as_str()
                >
                    {i.tr(status_key)}
                </span>
                {registered_at.map(|at| view! { " " <span class="muted">{i.date_of(at)}</span> })}
            </td>
            <td data-label=i.tr(Key::LcExpires)>{expires}</td>
            <td>
                <div class="actions">
                    {(status == LicenseStatus::Unregistered)
                        .then(|| {
                            view! {
                                <button type="button" class="btn btn-small btn-primary" data-testid="license-register" disabled=busy on:click=register>
                                    {i.tr(Key::LcRegister)}
                                </button>
                            }
                        })}
                    {(status == LicenseStatus::Registered)
                        .then(|| {
                            view! {
                                <button type="button" class="btn btn-small" data-testid="license-reregister"
                                    on:click=move |_| reregistering.update(|o| *o = !*o)>
                                    {i.tr(Key::LcReRegister)}
                                </button>
                                <button type="button" class="btn btn-small btn-ghost" data-testid="license-split"
                                    on:click=move |_| splitting.update(|o| *o = !*o)>
                                    {i.tr(Key::LcSplit)}
                                </button>
                            }
                        })}
                    <button
                        type="button"
                        class="btn btn-small btn-ghost"
                        data-testid="license-edit"
                        on:click=move |_| editing.set(Some(Some(id)))
                    >
                        {i.tr(Key::Edit)}
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
                                <LicenseForm account_id license=Some(for_form.clone()) done />
                            </td>
                        </tr>
                    }
                })
        }}
        {move || {
            splitting.get().then(|| {
                view! {
                    <tr class="subrow">
                        <td colspan="7">
                            <SplitForm account_id license=for_split.clone()
                                done=Callback::new(move |_| splitting.set(false)) />
                        </td>
                    </tr>
                }
            })
        }}
        {move || {
            reregistering
                .get()
                .then(|| {
                    view! {
                        <tr class="subrow">
                            <td colspan="7">
                                <Registrations account_id license=for_registrations.clone()
                                    done=Callback::new(move |changed: bool| {
                                        if changed {
                                            reregistering.set(false);
                                            done.run(true);
                                        } else {
                                            reregistering.set(false);
                                        }
                                    }) />
                            </td>
                        </tr>
                    }
                })
        }}
    }
}

/// Adds a licence (`license: None`) or edits one.
#[component]
fn LicenseForm(account_id: i64, license: Option<License>, done: Callback<bool>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let l = license.as_ref();
    let edition = RwSignal::new(l.map(|l| l.edition.clone()).unwrap_or_default());
    let modules = RwSignal::new(l.map(|l| l.modules.clone()).unwrap_or_default());
    let seats = RwSignal::new(l.map(|l| l.seats.to_string()).unwrap_or_default());
    let dongle = RwSignal::new(l.map(|l| l.dongle_serial.clone()).unwrap_or_default());
    let expires = RwSignal::new(date_value(l.and_then(|l| l.expires_on)));
    let editing = l.map(|l| l.id);
    // The dongle is registered for life: its serial is fixed from then on.
    let serial_fixed = l.is_some_and(|l| l.status == LicenseStatus::Registered);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mods: Vec<ErpModule> = modules.get_untracked();
        let req = match license_request(
            &edition.get_untracked(),
            &mods,
            &seats.get_untracked(),
            &dongle.get_untracked(),
            &expires.get_untracked(),
        ) {
            Ok(req) => req,
            Err(f) => {
                errors.set(f);
                return;
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            let result = match editing {
                None => api::licenses::create(account_id, &req).await,
                Some(id) => {
                    let update = UpdateLicenseRequest {
                        edition: Some(req.edition),
                        modules: Some(req.modules),
                        seats: Some(req.seats),
                        dongle_serial: Some(req.dongle_serial),
                        expires_on: Some(req.expires_on),
                    };
                    api::licenses::update(account_id, id, &update).await
                }
            };
            match result {
                Ok(_) => {
                    toasts.success(i.t(Key::LcSaved));
                    done.run(true);
                }
                Err(err) => {
                    // A duplicate dongle serial is a 409 on `dongle_serial`.
                    errors.set(answer_fields(&err, "dongle_serial"));
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="license-form">
            <ErrorBanner failure testid="license-form-error" />
            <div class="form-grid">
                <TextField id="license-edition" label=Key::LcEdition value=edition field="edition" errors error_prefix="license-" required=true />
                <TextField id="license-seats" label=Key::LcSeats value=seats field="seats" errors error_prefix="license-" kind="number" required=true />
                <TextField id="license-dongle" label=Key::LcDongle value=dongle field="dongle_serial" errors error_prefix="license-" required=true
                    disabled=Signal::derive(move || serial_fixed)
                    hint=Signal::derive(move || if serial_fixed { i.t(Key::LcSerialForLife).to_string() } else { String::new() }) />
                <TextField id="license-expires" label=Key::LcExpires value=expires field="expires_on" errors error_prefix="license-" kind="date" />
            </div>
            <ModulesPicker prefix="license" selected=modules />
            <FieldError errors field="modules" id="license-modules-error".to_string() prefix="license-" />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="license-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="license-cancel" on:click=move |_| done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

fn kind_key(kind: RegistrationKind) -> Key {
    match kind {
        RegistrationKind::Initial => Key::LcKindInitial,
        RegistrationKind::Upgrade => Key::LcKindUpgrade,
        RegistrationKind::Extension => Key::LcKindExtension,
        RegistrationKind::Split => Key::LcKindSplit,
    }
}

/// A registered licence's registrations (first to last) and the form to
/// register it again on the same dongle: an upgrade (edition, modules,
/// seats) or an extension (a later expiry).
#[component]
fn Registrations(account_id: i64, license: License, done: Callback<bool>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = license.id;
    let history = load(move || api::licenses::registrations(account_id, id));
    let kind = RwSignal::new(RegistrationKind::Upgrade);
    let edition = RwSignal::new(license.edition.clone());
    let modules = RwSignal::new(license.modules.clone());
    let seats = RwSignal::new(license.seats.to_string());
    let expires = RwSignal::new(date_value(license.expires_on));
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut bad = FieldErrors::new();
        let seats_value = seats.get_untracked().trim().parse::<i32>();
        if kind.get_untracked() == RegistrationKind::Upgrade && seats_value.is_err() {
            bad.insert("seats".into(), i.t(Key::McBadNumber).to_string());
        }
        let expires_on =
            chrono::NaiveDate::parse_from_str(expires.get_untracked().trim(), "%Y-%m-%d").ok();
        if !bad.is_empty() {
            errors.set(bad);
            return;
        }
        let note_text = note.get_untracked().trim().to_string();
        let req = match kind.get_untracked() {
            RegistrationKind::Upgrade => ReRegisterLicenseRequest {
                kind: RegistrationKind::Upgrade,
                edition: Some(edition.get_untracked()),
                modules: Some(modules.get_untracked()),
                seats: seats_value.ok(),
                expires_on,
                note: (!note_text.is_empty()).then_some(note_text),
            },
            _ => ReRegisterLicenseRequest {
                kind: RegistrationKind::Extension,
                edition: None,
                modules: None,
                seats: None,
                expires_on,
                note: (!note_text.is_empty()).then_some(note_text),
            },
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            match api::licenses::re_register(account_id, id, &req).await {
                Ok(_) => {
                    toasts.success(i.t(Key::LcReRegistered));
                    done.run(true);
                }
                Err(err) => {
                    errors.set(answer_fields(&err, "status"));
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    let upgrade = move || kind.get() == RegistrationKind::Upgrade;
    view! {
        <div class="license-registrations" data-testid="license-registrations">
            <h3>{i.tr(Key::LcHistory)}</h3>
            {move || match history.ok() {
                None => view! { <p class="muted">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(list) => view! {
                    <ol class="plain-list" data-testid="license-history">
                        {list.into_iter().map(|r| {
                            let mods = r.modules.clone();
                            view! {
                                <li data-testid="license-history-item" data-kind=r.kind.as_str()>
                                    <strong>{i.tr(kind_key(r.kind))}</strong>
                                    " · " {i.date_of(r.registered_at)}
                                    " · " {r.edition.clone()}
                                    " · " {move || module_list(&mods, i.lang())}
                                    " · " {r.seats} " " {i.tr(Key::LcSeats)}
                                    {r.expires_on.map(|d| view! { " · " {i.tr(Key::LcExpires)} " " {d.to_string()} })}
                                    {r.note.clone().map(|n| view! { <span class="muted">" — " {n}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
            <form class="inline-form" on:submit=submit novalidate=true data-testid="license-reregister-form">
                <ErrorBanner failure testid="license-reregister-error" />
                <p class="field-hint">{i.tr(Key::LcReRegisterHint)}</p>
                <div class="field">
                    <label for="reregister-kind">{i.tr(Key::LcReRegisterKind)}</label>
                    <select id="reregister-kind" data-testid="reregister-kind"
                        prop:value=move || kind.get().as_str()
                        on:change=move |ev| {
                            if let Ok(k) = event_target_value(&ev).parse::<RegistrationKind>() {
                                kind.set(k);
                            }
                        }>
                        <option value="upgrade">{i.tr(Key::LcKindUpgrade)}</option>
                        <option value="extension">{i.tr(Key::LcKindExtension)}</option>
                    </select>
                    <FieldError errors field="kind" id="reregister-kind-error".to_string() prefix="reregister-" />
                </div>
                {move || upgrade().then(|| view! {
                    <div class="form-grid">
                        <TextField id="reregister-edition" label=Key::LcEdition value=edition field="edition" errors error_prefix="reregister-" required=true />
                        <TextField id="reregister-seats" label=Key::LcSeats value=seats field="seats" errors error_prefix="reregister-" kind="number" required=true />
                    </div>
                    <ModulesPicker prefix="reregister" selected=modules />
                    <FieldError errors field="modules" id="reregister-modules-error".to_string() prefix="reregister-" />
                })}
                <TextField id="reregister-expires" label=Key::LcExpires value=expires field="expires_on" errors error_prefix="reregister-" kind="date" />
                <TextField id="reregister-note" label=Key::LcNote value=note field="note" errors error_prefix="reregister-" />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" data-testid="reregister-submit" disabled=busy>
                        {i.tr(Key::LcReRegister)}
                    </button>
                    <button type="button" class="btn btn-ghost" on:click=move |_| done.run(false)>
                        {i.tr(Key::Cancel)}
                    </button>
                </div>
            </form>
        </div>
    }
}

/// The request to split a registered licence's dongle: the seats and
/// modules that move to a new dongle, and why. A manager approves it.
#[component]
fn SplitForm(account_id: i64, license: License, done: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = license.id;
    let serial = RwSignal::new(String::new());
    let seats = RwSignal::new(String::new());
    let modules = RwSignal::new(license.modules.clone());
    let reason = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Ok(seat_count) = seats.get_untracked().trim().parse::<i32>() else {
            let mut bad = FieldErrors::new();
            bad.insert("seats".into(), i.t(Key::McBadNumber).to_string());
            errors.set(bad);
            return;
        };
        let req = SplitLicenseRequest {
            new_dongle_serial: serial.get_untracked().trim().to_string(),
            seats: seat_count,
            modules: Some(modules.get_untracked()),
            reason: reason.get_untracked().trim().to_string(),
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            match api::licenses::split(account_id, id, &req).await {
                Ok(_) => {
                    toasts.success(i.t(Key::LcSplitRequested));
                    done.run(());
                }
                Err(err) => {
                    let mut fields = answer_fields(&err, "new_dongle_serial");
                    if let Some(msg) = fields.remove("dongle_serial") {
                        fields.insert("new_dongle_serial".into(), msg);
                    }
                    errors.set(fields);
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="license-split-form">
            <ErrorBanner failure testid="license-split-error" />
            <p class="field-hint">{i.tr(Key::LcSplitHint)}</p>
            <div class="form-grid">
                <TextField id="split-serial" label=Key::LcNewDongle value=serial field="new_dongle_serial" errors error_prefix="split-" required=true />
                <TextField id="split-seats" label=Key::LcSplitSeats value=seats field="seats" errors error_prefix="split-" kind="number" required=true />
            </div>
            <ModulesPicker prefix="split" selected=modules />
            <FieldError errors field="modules" id="split-modules-error".to_string() prefix="split-" />
            <TextField id="split-reason" label=Key::LcSplitReason value=reason field="reason" errors error_prefix="split-" required=true />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="split-submit" disabled=busy>
                    {i.tr(Key::LcSplit)}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| done.run(())>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

/// A licence's expiry: its last day in the user's language and, within
/// 60 days or past it, how many days are left or gone.
fn expiry_view(expires_on: Option<chrono::NaiveDate>) -> impl IntoView {
    let i = use_i18n();
    let state = licence_expiry(expires_on, browser_today());
    let (class, note) = match state {
        Expiry::Never => ("badge badge-muted", None),
        Expiry::Expired(days) => ("badge badge-overdue", Some((Key::GpLcExpired, days))),
        Expiry::Soon(0) => ("badge badge-warning", Some((Key::GpLcExpiresToday, 0))),
        Expiry::Soon(days) => ("badge badge-warning", Some((Key::GpLcDaysLeft, days))),
        Expiry::Later(_) => ("", None),
    };
    let kind = match state {
        Expiry::Never => "never",
        Expiry::Expired(_) => "expired",
        Expiry::Soon(_) => "soon",
        Expiry::Later(_) => "later",
    };
    view! {
        <span data-testid="license-expiry" data-expiry=kind>
            {match expires_on {
                None => view! { <span class=class>{i.tr(Key::GpLcPerpetual)}</span> }.into_any(),
                Some(day) => view! {
                    <span>{i.day_of(day)}</span>
                    {note.map(|(key, days)| {
                        let days = days.to_string();
                        view! { " " <span class=class>{move || i.f(key, &[&days])}</span> }
                    })}
                }
                .into_any(),
            }}
        </span>
    }
}
