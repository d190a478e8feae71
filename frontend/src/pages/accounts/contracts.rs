//! The contracts of an account (on `/accounts/:id`): the list, adding one,
//! and editing one with `If-Match`. A new annual value is not applied at
//! once: it waits for another manager's approval (maker-checker), and the
//! row shows the value asked for until then.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::contracts::{Contract, CreateContractRequest, UpdateContractRequest};
use shared::validation::Invalid;
use shared::FieldErrors;

use crate::api::{self, ApiErr, Tagged};
use crate::components::fields::{AddToggle, CheckField, ErrorBanner, TextField};
use crate::components::list_view::{loaded_phase, ListView};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonRows};
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, I18n, Key};
use crate::logic::forms::answer_fields;
use crate::logic::money::{money, ContractForm, Problem, Problems};

/// The field errors of a refused form, in the user's language.
fn problem_fields(i: I18n, problems: Problems) -> FieldErrors {
    problems
        .into_iter()
        .map(|(field, p)| {
            let text = match p {
                Problem::Required => return (field.to_string(), Invalid::Required.message_en()),
                Problem::Amount => i.t(Key::CtBadAmount),
                Problem::EndBeforeStart => i.t(Key::CtEndBeforeStart),
                Problem::Currency => i.t(Key::CtBadCurrency),
                Problem::Days => i.t(Key::CtBadNotice),
            };
            (field.to_string(), text.to_string())
        })
        .collect()
}

#[component]
pub fn ContractsSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let list = load(move || api::contracts::list(account_id));
    // `Some(None)`: the add form; `Some(Some(id))`: editing that contract.
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
                    <th scope="col">{i.tr(Key::CtPeriod)}</th>
                    <th scope="col">{i.tr(Key::CtAnnualValue)}</th>
                    <th scope="col">{i.tr(Key::CtAutoRenew)}</th>
                    <th scope="col">{i.tr(Key::CtNotice)}</th>
                    <th scope="col"></th>
                </tr>
            </thead>
        }
    };
    let phase = loaded_phase(list);
    view! {
        <section class="card" aria-labelledby="contracts-title" data-testid="contracts">
            <header class="section-header">
                <h2 id="contracts-title">{i.tr(Key::CtTitle)}</h2>
                <AddToggle editing testid="contract-add" label=Key::CtAdd />
            </header>
            {move || {
                (editing.get() == Some(None))
                    .then(|| view! { <ContractFormView account_id existing=None done /> })
            }}
            <ListView
                phase
                on_retry=list.reload
                header
                skeleton=(2, 5)
                testid="contracts-table"
                rows=move || {
                    move || {
                        list.ok()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|contract| view! { <ContractRow contract editing done /> })
                            .collect_view()
                    }
                }
                empty=move || view! { <p class="muted" data-testid="contracts-empty">{i.tr(Key::CtNone)}</p> }
            />
        </section>
    }
}

#[component]
fn ContractRow(
    contract: Contract,
    editing: RwSignal<Option<Option<i64>>>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let c = contract;
    let id = c.id;
    let currency = c.currency.clone();
    let pending = c.pending_approval.clone().map(|p| {
        view! {
            <div class="contract-pending" data-testid="contract-pending" data-value=p.annual_value.clone()>
                <span class="badge badge-warning">{i.tr(Key::CtPending)}</span>
                " "
                <span data-testid="contract-pending-value">{money(&p.annual_value, &currency)}</span>
                " · "
                <a href="/approvals" data-testid="contract-pending-link">{i.tr(Key::CtToApprovals)}</a>
            </div>
        }
    });
    let notice = c.notice_days.to_string();
    view! {
        <tr data-testid="contract-row" data-contract-id=id.to_string() data-pending=c.pending_approval.is_some().to_string()>
            <td data-label=i.tr(Key::CtPeriod)>{format!("{} – {}", c.starts_on, c.ends_on)}</td>
            <td data-label=i.tr(Key::CtAnnualValue)>
                <span data-testid="contract-annual-value" data-value=c.annual_value.clone()>
                    {money(&c.annual_value, &c.currency)}
                </span>
                {pending}
            </td>
            <td data-label=i.tr(Key::CtAutoRenew)>{i.tr(if c.auto_renew { Key::TrYes } else { Key::TrNo })}</td>
            <td data-label=i.tr(Key::CtNotice)>{move || i.f(Key::CtDays, &[&notice])}</td>
            <td>
                <button
                    type="button"
                    class="btn btn-small btn-ghost"
                    data-testid="contract-edit"
                    on:click=move |_| editing.set(Some(Some(id)))
                >
                    {i.tr(Key::Edit)}
                </button>
            </td>
        </tr>
        {move || {
            (editing.get() == Some(Some(id)))
                .then(|| {
                    view! {
                        <tr class="subrow">
                            <td colspan="5"><EditContract id done /></td>
                        </tr>
                    }
                })
        }}
    }
}

/// Reads the contract afresh (with its `ETag`) before editing it.
#[component]
fn EditContract(id: i64, done: Callback<bool>) -> impl IntoView {
    let current = load(move || api::contracts::get(id));
    move || match current.value.get() {
        None => view! { <SkeletonRows rows=1 cols=1 /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=current.reload /> }.into_any(),
        Some(Ok(tagged)) => {
            let account_id = tagged.value.account_id;
            view! { <ContractFormView account_id existing=Some(tagged) done /> }.into_any()
        }
    }
}

enum Save {
    Create(CreateContractRequest),
    /// The changes, the contract's id and the `ETag` it was read with.
    Update(UpdateContractRequest, i64, Option<String>),
}

/// Adds a contract (`existing: None`) or edits one.
#[component]
fn ContractFormView(
    account_id: i64,
    existing: Option<Tagged<Contract>>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let initial = existing
        .as_ref()
        .map(|t| ContractForm::of(&t.value))
        .unwrap_or_default();
    let starts_on = RwSignal::new(initial.starts_on);
    let ends_on = RwSignal::new(initial.ends_on);
    let value = RwSignal::new(initial.annual_value);
    let currency = RwSignal::new(initial.currency);
    let auto_renew = RwSignal::new(initial.auto_renew);
    let notice = RwSignal::new(initial.notice_days);
    let pending = existing
        .as_ref()
        .and_then(|t| t.value.pending_approval.clone());
    let value_locked = pending.is_some();
    let existing = StoredValue::new(existing);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = ContractForm {
            starts_on: starts_on.get_untracked(),
            ends_on: ends_on.get_untracked(),
            annual_value: value.get_untracked(),
            currency: currency.get_untracked(),
            auto_renew: auto_renew.get_untracked(),
            notice_days: notice.get_untracked(),
        };
        let checked = match existing.get_value() {
            None => form.create(account_id).map(Save::Create),
            Some(t) => form
                .update(&t.value)
                .map(|u| Save::Update(u, t.value.id, t.etag)),
        };
        let req = match checked {
            Ok(req) => req,
            Err(p) => {
                errors.set(problem_fields(i, p));
                return;
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        if matches!(&req, Save::Update(u, ..) if *u == Default::default()) {
            toasts.success(i.t(Key::NothingToSave));
            done.run(false);
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            let (result, asked) = match &req {
                Save::Create(create) => (api::contracts::create(create).await, false),
                Save::Update(update, id, etag) => (
                    api::contracts::update(*id, update, etag.as_deref()).await,
                    update.annual_value.is_some(),
                ),
            };
            match result {
                Ok(saved) => {
                    toasts.success(i.t(if asked && saved.pending_approval.is_some() {
                        Key::CtSentForApproval
                    } else {
                        Key::CtSaved
                    }));
                    done.run(true);
                }
                Err(err) => {
                    errors.set(answer_fields(&err, "annual_value"));
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="contract-form">
            <ErrorBanner failure testid="contract-form-error" />
            {pending
                .map(|p| {
                    view! {
                        <div class="banner banner-warning" data-testid="contract-form-pending">
                            {move || i.f(Key::CtPendingNote, &[&p.annual_value])}
                            " "
                            <a href="/approvals">{i.tr(Key::CtToApprovals)}</a>
                        </div>
                    }
                })}
            <div class="form-grid">
                <TextField id="contract-start" label=Key::CtStart value=starts_on field="starts_on" errors error_prefix="contract-" kind="date" required=true />
                <TextField id="contract-end" label=Key::CtEnd value=ends_on field="ends_on" errors error_prefix="contract-" kind="date" required=true />
                <TextField
                    id="contract-value"
                    label=Key::CtAnnualValue
                    value
                    field="annual_value"
                    errors
                    error_prefix="contract-"
                    required=true
                    hint=i.signal(if value_locked { Key::CtValueLocked } else { Key::CtValueHint })
                    disabled=Signal::derive(move || value_locked)
                />
                <TextField id="contract-currency" label=Key::CtCurrency value=currency field="currency" errors error_prefix="contract-" />
                <TextField id="contract-notice" label=Key::CtNotice value=notice field="notice_days" errors error_prefix="contract-" kind="number" />
                <CheckField id="contract-auto-renew" label=Key::CtAutoRenew value=auto_renew />
            </div>
            <p class="muted">{i.tr(Key::CtApprovalNote)}</p>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="contract-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="contract-cancel" on:click=move |_| done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
