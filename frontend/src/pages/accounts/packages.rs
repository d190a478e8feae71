//! The person-day packages panel of an account (人天包, on the agreements
//! tab): each package's days, validity, use and balance, the billable time
//! no package covers, and (managers and admins) adding, changing and
//! removing packages.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::time_log::{days_text, AccountPackages, Package, MINUTES_PER_PERSON_DAY};
use shared::{FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonRows};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::time_log::PackageForm;
use crate::pages::tickets::common::action_error;
use crate::session::use_session;

type Open = Option<(Option<i64>, PackageForm)>;

#[component]
pub fn PackagesSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let balance = load(move || api::time_log::packages(account_id));
    let open = RwSignal::new(None as Open);
    let may_write = move || matches!(session.role(), Some(Role::Admin | Role::Manager));
    let done = Callback::new(move |changed: bool| {
        open.set(None);
        if changed {
            balance.refresh.run(());
        }
    });
    let adding = move || matches!(open.get(), Some((None, _)));
    let body = move || {
        match balance.value.get() {
        None => view! {
            <div class="table-wrap">
                <table class="table" aria-busy="true"><tbody><SkeletonRows rows=2 cols=6 /></tbody></table>
            </div>
        }
        .into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=balance.reload /> }.into_any(),
        Some(Ok(b)) => view! { <PackagesView b open may_write=Signal::derive(may_write) done /> }.into_any(),
    }
    };
    view! {
        <section class="card" id="packages" aria-labelledby="packages-title" data-testid="packages">
            <header class="section-header">
                <h2 id="packages-title">{i.tr(Key::PkTitle)}</h2>
                {move || may_write().then(|| view! {
                    <button
                        type="button"
                        class="btn"
                        data-testid="package-add"
                        aria-expanded=move || if adding() { "true" } else { "false" }
                        on:click=move |_| {
                            if adding() {
                                open.set(None);
                            } else {
                                open.set(Some((None, PackageForm::default())));
                            }
                        }
                    >
                        {i.tr(Key::PkAdd)}
                    </button>
                })}
            </header>
            <p class="muted">{move || i.f(Key::PkDayRule, &[&(MINUTES_PER_PERSON_DAY / 60).to_string()])}</p>
            {move || {
                open.get()
                    .filter(|(id, _)| id.is_none())
                    .map(|(_, values)| view! { <PackageFormView account_id editing=None values done /> })
            }}
            {body}
        </section>
    }
}

#[component]
fn PackagesView(
    b: AccountPackages,
    open: RwSignal<Open>,
    may_write: Signal<bool>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let uncovered = b.uncovered_minutes;
    let account_id = b.account_id;
    view! {
        {(uncovered > 0).then(|| view! {
            <p class="banner banner-warning" data-testid="packages-uncovered">
                {move || i.f(Key::PkUncovered, &[&days_text(uncovered)])}
            </p>
        })}
        {if b.packages.is_empty() {
            view! { <p class="muted" data-testid="packages-empty">{i.tr(Key::PkNone)}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table responsive" data-testid="packages-table">
                        <thead>
                            <tr>
                                <th scope="col">{i.tr(Key::PkName)}</th>
                                <th scope="col">{i.tr(Key::PkDays)}</th>
                                <th scope="col">{i.tr(Key::PkValidFrom)}</th>
                                <th scope="col">{i.tr(Key::PkValidTo)}</th>
                                <th scope="col">{i.tr(Key::PkUsed)}</th>
                                <th scope="col">{i.tr(Key::PkRemaining)}</th>
                                <th scope="col"></th>
                            </tr>
                        </thead>
                        <tbody>
                            {b.packages
                                .into_iter()
                                .map(|p| view! { <PackageRow account_id p open may_write done /> })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
    }
}

/// One package as a table row; shared with the portal's balance page.
#[component]
pub fn PackageCells(p: Package) -> impl IntoView {
    let i = use_i18n();
    let percent = p.used_percent;
    let full = percent >= 100;
    view! {
        <td data-label=i.tr(Key::PkName) data-testid="package-name">{p.name.clone()}</td>
        <td data-label=i.tr(Key::PkDays)>{p.days}</td>
        <td data-label=i.tr(Key::PkValidFrom)>{p.valid_from.to_string()}</td>
        <td data-label=i.tr(Key::PkValidTo)>{p.valid_to.to_string()}</td>
        <td data-label=i.tr(Key::PkUsed) data-testid="package-used">
            {days_text(p.used_minutes)} " (" {percent} "%)"
            <progress class="pk-progress" max="100" value=percent.min(100).to_string() aria-hidden="true"></progress>
        </td>
        <td data-label=i.tr(Key::PkRemaining) data-testid="package-remaining" class:text-warning=full>
            {days_text(p.remaining_minutes)}
        </td>
    }
}

#[component]
fn PackageRow(
    account_id: i64,
    p: Package,
    open: RwSignal<Open>,
    may_write: Signal<bool>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = p.id;
    let busy = RwSignal::new(false);
    let form = PackageForm {
        name: p.name.clone(),
        days: p.days.to_string(),
        valid_from: p.valid_from.to_string(),
        valid_to: p.valid_to.to_string(),
    };
    let stored = StoredValue::new(form);
    let remove = move |_| {
        if busy.get_untracked()
            || !window()
                .confirm_with_message(i.t(Key::PkConfirmDelete))
                .unwrap_or(false)
        {
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            match api::time_log::delete_package(id).await {
                Ok(()) => {
                    toasts.success(i.t(Key::PkDeleted));
                    done.run(true);
                }
                Err(e) => toasts.error(action_error(i, &e)),
            }
            busy.set(false);
        });
    };
    view! {
        <tr data-testid="package-row" data-package-id=id.to_string()>
            <PackageCells p />
            <td>
                {move || may_write.get().then(|| view! {
                    <div class="actions">
                        <button type="button" class="btn btn-small btn-ghost" data-testid="package-edit"
                            on:click=move |_| open.set(Some((Some(id), stored.get_value())))>
                            {i.tr(Key::Edit)}
                        </button>
                        <button type="button" class="btn btn-small btn-ghost" data-testid="package-delete" disabled=busy on:click=remove>
                            {i.tr(Key::TmDelete)}
                        </button>
                    </div>
                })}
            </td>
        </tr>
        {move || {
            open.get()
                .filter(|(editing, _)| *editing == Some(id))
                .map(|(_, values)| view! {
                    <tr class="subrow">
                        <td colspan="7">
                            <PackageFormView account_id editing=Some(id) values done />
                        </td>
                    </tr>
                })
        }}
    }
}

#[component]
fn PackageFormView(
    account_id: i64,
    editing: Option<i64>,
    values: PackageForm,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let name = RwSignal::new(values.name);
    let days = RwSignal::new(values.days);
    let from = RwSignal::new(values.valid_from);
    let to = RwSignal::new(values.valid_to);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = PackageForm {
            name: name.get_untracked(),
            days: days.get_untracked(),
            valid_from: from.get_untracked(),
            valid_to: to.get_untracked(),
        };
        let req = match form.request() {
            Ok(req) => req,
            Err(f) => return errors.set(f),
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).conflict_on("name").send(
            async move {
                match editing {
                    None => api::time_log::create_package(account_id, &req).await,
                    Some(id) => api::time_log::update_package(id, &req).await,
                }
            },
            move |_| {
                toasts.success(i.t(Key::PkSaved));
                done.run(true);
            },
        );
    };
    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="package-form">
            <ErrorBanner failure testid="package-form-error" />
            <div class="form-grid">
                <TextField id="package-name-input" label=Key::PkName value=name field="name" errors error_prefix="package-" required=true />
                <TextField id="package-days" label=Key::PkDays value=days field="days" errors error_prefix="package-" kind="number" required=true />
                <TextField id="package-from" label=Key::PkValidFrom value=from field="valid_from" errors error_prefix="package-" kind="date" required=true />
                <TextField id="package-to" label=Key::PkValidTo value=to field="valid_to" errors error_prefix="package-" kind="date" required=true />
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="package-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="package-cancel" on:click=move |_| done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
