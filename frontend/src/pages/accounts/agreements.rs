//! The service agreements panel of an account (`/accounts/:id?tab=agreements`):
//! its agreements (维护服务协议) with level, term, signing date, service
//! content, complaint procedure and service process; adding one, renewing
//! one (a new agreement from the day after it ends), ending one today, and
//! editing one.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::contracts::Contract;
use shared::tickets::ServiceAgreement;
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, FieldError, TextField};
use crate::components::list_view::{loaded_phase, ListView};
use crate::components::load::load;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, word, Key};
use crate::logic::agreements::{ending, AgreementForm, AgreementState};
use crate::logic::forms::answer_fields;
use crate::logic::onboarding::browser_today;
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::action_error;

/// The open form: `None` closed; `Some((None, values))` a new agreement
/// (blank, or a renewal's values); `Some((Some(id), values))` editing.
type Open = Option<(Option<i64>, AgreementForm)>;

#[component]
pub fn AgreementsSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let list = load(move || api::agreements::list(account_id));
    let levels = load(api::service_levels::list);
    let contracts = load(move || api::contracts::list(account_id));
    let open = RwSignal::new(None as Open);
    let done = Callback::new(move |changed: bool| {
        open.set(None);
        if changed {
            list.refresh.run(());
        }
    });
    let level_names = Signal::derive(move || match levels.value.get() {
        Some(Ok(l)) => l.into_iter().map(|l| l.name).collect::<Vec<_>>(),
        _ => Vec::new(),
    });
    let contract_list = Signal::derive(move || contracts.ok().unwrap_or_default());
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::AgLevel)}</th>
                    <th scope="col">{i.tr(Key::AgStarts)}</th>
                    <th scope="col">{i.tr(Key::AgEnds)}</th>
                    <th scope="col">{i.tr(Key::AgSigned)}</th>
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col"></th>
                </tr>
            </thead>
        }
    };
    let phase = loaded_phase(list);
    let adding = move || matches!(open.get(), Some((None, _)));
    view! {
        <section class="card" id="agreements" aria-labelledby="agreements-title" data-testid="agreements">
            <header class="section-header">
                <h2 id="agreements-title">{i.tr(Key::AgTitle)}</h2>
                <button
                    type="button"
                    class="btn"
                    data-testid="agreement-add"
                    aria-expanded=move || if adding() { "true" } else { "false" }
                    on:click=move |_| {
                        if adding() {
                            open.set(None);
                        } else {
                            open.set(Some((None, AgreementForm::starting(browser_today()))));
                        }
                    }
                >
                    {i.tr(Key::AgAdd)}
                </button>
            </header>
            {move || {
                open.get()
                    .filter(|(id, _)| id.is_none())
                    .map(|(_, values)| view! { <AgreementFormView account_id editing=None values levels=level_names contracts=contract_list done /> })
            }}
            <ListView
                phase
                on_retry=list.reload
                header
                skeleton=(2, 6)
                testid="agreements-table"
                busy=false
                rows=move || {
                    move || {
                        list.ok()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|agreement| view! { <AgreementRow account_id agreement open levels=level_names contracts=contract_list done /> })
                            .collect_view()
                    }
                }
                empty=move || view! { <p class="muted" data-testid="agreements-empty">{i.tr(Key::AgNone)}</p> }
            />
        </section>
    }
}

#[component]
fn AgreementRow(
    account_id: i64,
    agreement: ServiceAgreement,
    open: RwSignal<Open>,
    levels: Signal<Vec<String>>,
    contracts: Signal<Vec<Contract>>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = agreement.id;
    let contract_id = agreement.contract_id;
    let busy = RwSignal::new(false);
    let state = AgreementState::of(&agreement, browser_today());
    let state_key = match state {
        AgreementState::Upcoming => Key::AgUpcoming,
        AgreementState::InForce => Key::AgInForce,
        AgreementState::Ended => Key::AgEnded,
    };
    let badge = match state {
        AgreementState::InForce => "badge badge-ok",
        _ => "badge badge-muted",
    };
    let stored = StoredValue::new(agreement.clone());
    let end = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let req = stored.with_value(|a| ending(a, browser_today()));
        crate::task::spawn(async move {
            match api::agreements::update(account_id, id, &req).await {
                Ok(_) => {
                    toasts.success(i.t(Key::AgEndedToast));
                    done.run(true);
                }
                Err(e) => toasts.error(action_error(i, &e)),
            }
            busy.set(false);
        });
    };
    let level = agreement.level.clone();
    let signed = agreement
        .signed_on
        .map(|d| d.to_string())
        .unwrap_or_else(|| "—".into());
    let text_or_dash = |t: &str| {
        if t.trim().is_empty() {
            "—".to_string()
        } else {
            t.to_string()
        }
    };
    let content = text_or_dash(&agreement.service_content);
    let complaint = text_or_dash(&agreement.complaint_procedure);
    let process = text_or_dash(&agreement.service_process);
    view! {
        <tr data-testid="agreement-row" data-agreement-id=id.to_string() data-state=state.slug()>
            <td data-label=i.tr(Key::AgLevel) data-testid="agreement-level">{move || word(&level, i.lang())}</td>
            <td data-label=i.tr(Key::AgStarts)>{agreement.starts_on.to_string()}</td>
            <td data-label=i.tr(Key::AgEnds) data-testid="agreement-ends">{agreement.ends_on.to_string()}</td>
            <td data-label=i.tr(Key::AgSigned)>{signed}</td>
            <td data-label=i.tr(Key::Status)>
                <span class=badge data-testid="agreement-state">{i.tr(state_key)}</span>
            </td>
            <td>
                <div class="actions">
                    <button
                        type="button"
                        class="btn btn-small"
                        data-testid="agreement-renew"
                        on:click=move |_| open.set(Some((None, stored.with_value(AgreementForm::renewal_of))))
                    >
                        {i.tr(Key::AgRenew)}
                    </button>
                    {(state == AgreementState::InForce)
                        .then(|| {
                            view! {
                                <button type="button" class="btn btn-small btn-ghost" data-testid="agreement-end" disabled=busy on:click=end>
                                    {i.tr(Key::AgEnd)}
                                </button>
                            }
                        })}
                    <button
                        type="button"
                        class="btn btn-small btn-ghost"
                        data-testid="agreement-edit"
                        on:click=move |_| open.set(Some((Some(id), stored.with_value(AgreementForm::of))))
                    >
                        {i.tr(Key::Edit)}
                    </button>
                </div>
            </td>
        </tr>
        <tr class="subrow" data-testid="agreement-terms">
            <td colspan="6">
                <dl class="details">
                    <dt>{i.tr(Key::AgContent)}</dt>
                    <dd class="pre-wrap" data-testid="agreement-content">{content}</dd>
                    <dt>{i.tr(Key::AgComplaint)}</dt>
                    <dd class="pre-wrap" data-testid="agreement-complaint">{complaint}</dd>
                    <dt>{i.tr(Key::AgProcess)}</dt>
                    <dd class="pre-wrap" data-testid="agreement-process">{process}</dd>
                    {contract_id.map(|cid| view! {
                        <dt>{i.tr(Key::AgContract)}</dt>
                        <dd data-testid="agreement-contract">
                            {move || contracts.with(|list| list.iter().find(|c| c.id == cid).map(contract_label))
                                .unwrap_or_else(|| format!("#{cid}"))}
                        </dd>
                    })}
                </dl>
            </td>
        </tr>
        {move || {
            open.get()
                .filter(|(editing, _)| *editing == Some(id))
                .map(|(_, values)| {
                    view! {
                        <tr class="subrow">
                            <td colspan="6">
                                <AgreementFormView account_id editing=Some(id) values levels contracts done />
                            </td>
                        </tr>
                    }
                })
        }}
    }
}

/// Adds an agreement (`editing: None`) or changes one.
#[component]
fn AgreementFormView(
    account_id: i64,
    editing: Option<i64>,
    values: AgreementForm,
    levels: Signal<Vec<String>>,
    contracts: Signal<Vec<Contract>>,
    done: Callback<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let level = RwSignal::new(values.level);
    let starts = RwSignal::new(values.starts_on);
    let ends = RwSignal::new(values.ends_on);
    let signed = RwSignal::new(values.signed_on);
    let content = RwSignal::new(values.service_content);
    let complaint = RwSignal::new(values.complaint_procedure);
    let process = RwSignal::new(values.service_process);
    let contract = RwSignal::new(values.contract_id);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = AgreementForm {
            level: level.get_untracked(),
            starts_on: starts.get_untracked(),
            ends_on: ends.get_untracked(),
            signed_on: signed.get_untracked(),
            service_content: content.get_untracked(),
            complaint_procedure: complaint.get_untracked(),
            service_process: process.get_untracked(),
            contract_id: contract.get_untracked(),
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
                None => api::agreements::create(account_id, &req).await,
                Some(id) => api::agreements::update(account_id, id, &req).await,
            };
            match result {
                Ok(_) => {
                    toasts.success(i.t(Key::AgSaved));
                    done.run(true);
                }
                Err(err) => {
                    errors.set(answer_fields(&err, "level"));
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    let has_level_error = move || errors.with(|e| e.contains_key("level"));

    view! {
        <form class="inline-form" on:submit=submit novalidate=true data-testid="agreement-form">
            <ErrorBanner failure testid="agreement-form-error" />
            <div class="form-grid">
                <div class="field" class:has-error=has_level_error>
                    <label for="agreement-level">
                        {i.tr(Key::AgLevel)}
                        <span class="required" aria-hidden="true">" *"</span>
                    </label>
                    <select
                        id="agreement-level"
                        name="level"
                        data-testid="agreement-level-select"
                        aria-required="true"
                        aria-invalid=move || has_level_error().then_some("true")
                        aria-describedby=move || has_level_error().then_some("agreement-level-error")
                        on:change=move |ev| {
                            level.set(event_target_value(&ev));
                            errors.update(|e| {
                                e.remove("level");
                            });
                        }
                    >
                        <option value="" prop:selected=move || level.with(String::is_empty)>
                            {i.tr(Key::AgChooseLevel)}
                        </option>
                        {move || {
                            let mut names = levels.get();
                            // The agreement's own level, even if no longer offered.
                            let current = level.get_untracked();
                            if !current.is_empty() && !names.contains(&current) {
                                names.push(current);
                            }
                            names
                                .into_iter()
                                .map(|name| {
                                    let shown = word(&name, i.lang());
                                    let value = name.clone();
                                    view! {
                                        <option value=name prop:selected=move || level.with(|l| *l == value)>
                                            {shown}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                    <FieldError errors field="level" id="agreement-level-error".to_string() prefix="agreement-" />
                </div>
                <TextField id="agreement-starts" label=Key::AgStarts value=starts field="starts_on" errors error_prefix="agreement-" kind="date" required=true />
                <TextField id="agreement-ends" label=Key::AgEnds value=ends field="ends_on" errors error_prefix="agreement-" kind="date" required=true />
                <TextField id="agreement-signed" label=Key::AgSigned value=signed field="signed_on" errors error_prefix="agreement-" kind="date" />
                <div class="field">
                    <label for="agreement-contract">{i.tr(Key::AgContract)}</label>
                    <select
                        id="agreement-contract"
                        name="contract_id"
                        data-testid="agreement-contract-select"
                        aria-describedby="agreement-contract-hint"
                        on:change=move |ev| contract.set(event_target_value(&ev).parse::<i64>().ok())
                    >
                        <option value="" prop:selected=move || contract.get().is_none()>{i.tr(Key::AgNoContract)}</option>
                        {move || {
                            contracts
                                .get()
                                .into_iter()
                                .map(|c| {
                                    let cid = c.id;
                                    view! {
                                        <option value=cid.to_string() prop:selected=move || contract.get() == Some(cid)>
                                            {contract_label(&c)}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                    <p class="field-hint" id="agreement-contract-hint">{i.tr(Key::AgContractHint)}</p>
                    <FieldError errors field="contract_id" id="agreement-contract-error".to_string() prefix="agreement-" />
                </div>
            </div>
            <TextArea id="agreement-content" label=Key::AgContent value=content field="service_content" errors rows=3 />
            <TextArea id="agreement-complaint" label=Key::AgComplaint value=complaint field="complaint_procedure" errors rows=3 />
            <TextArea id="agreement-process" label=Key::AgProcess value=process field="service_process" errors rows=3 />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="agreement-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="agreement-cancel" on:click=move |_| done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

/// A contract as the agreement form names it: its number (or id) and term.
fn contract_label(c: &Contract) -> String {
    let name = c.number.clone().unwrap_or_else(|| format!("#{}", c.id));
    format!("{name} · {} – {}", c.starts_on, c.ends_on)
}
