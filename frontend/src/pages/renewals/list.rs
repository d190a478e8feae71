//! `/renewals`: the renewal pipeline. A board by stage (or a table), cards
//! moved a stage on or back with buttons, churn with a reason from the
//! workspace's list, renewal with the next contract's value; filters in
//! the URL; the forecast totals per stage as the server summed them.

use leptos::prelude::*;
use shared::contracts::{RenewRequest, Renewal, RenewalStage, RenewalTotals, UpdateRenewalRequest};

use crate::api::{self, ApiErr};
use crate::components::load::load;
use crate::components::paged::{load_more_footer, pager};
use crate::components::states::{ErrorState, SkeletonRows};
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, I18n, Key, Lang};
use crate::logic::money::{amount_ok, money, sum};
use crate::logic::onboarding::browser_today;
use crate::logic::paging::{ListState, Phase};
use crate::logic::renewals::is_overdue;
use crate::logic::renewals::{next_stage, previous_stage, stage_totals, RenewalQuery, DUE_WITHIN};
use crate::pages::accounts::list::Directory;
use crate::pages::tickets::common::{action_error, ActionError, ChoiceSelect};
use crate::router::{redirect, use_location};

pub fn renewal_stage_key(s: RenewalStage) -> Key {
    match s {
        RenewalStage::Upcoming => Key::RnUpcoming,
        RenewalStage::InNegotiation => Key::RnInNegotiation,
        RenewalStage::Committed => Key::RnCommitted,
        RenewalStage::Renewed => Key::RnRenewed,
        RenewalStage::Churned => Key::RnChurned,
    }
}

/// A churn reason in the user's language (the default reasons are
/// translated; a workspace's own are shown as written).
pub fn reason_label(reason: &str, lang: Lang) -> String {
    crate::logic::renewals::churn_reason_label(reason, lang)
}

#[component]
pub fn RenewalsPage() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let query = Memo::new(move |_| RenewalQuery::from_search(&location.search.get()));
    let list = RwSignal::new(ListState::<Renewal, ApiErr>::default());
    let totals = RwSignal::new(None::<Result<RenewalTotals, ApiErr>>);
    let directory = Directory::load();
    let settings = load(api::renewals::reminder_settings);
    let reasons =
        Signal::derive(move || settings.ok().map(|s| s.churn_reasons).unwrap_or_default());

    let (restart, load_more) = pager(list, move |cursor| {
        let q = query.get_untracked();
        async move { api::renewals::list(&q, cursor.as_deref()).await }
    });
    let load_totals = move || {
        let q = query.get_untracked();
        crate::task::spawn(async move {
            let result = api::renewals::totals(&q).await;
            totals.set(Some(result));
        });
    };
    let reload = move || {
        restart();
        load_totals();
    };
    Effect::new(move |_| {
        query.track();
        reload();
    });
    let refilter = move |change: &dyn Fn(&mut RenewalQuery)| {
        let mut next = query.get_untracked();
        change(&mut next);
        redirect(&next.href());
    };
    // A card moved: show it in its new place and sum again.
    let changed = Callback::new(move |r: Renewal| {
        let id = r.id;
        list.update(|l| l.replace(|x: &Renewal| x.id == id, r));
        load_totals();
    });

    let phase = Memo::new(move |_| list.with(|l| l.phase()));
    let stage_value = Signal::derive(move || {
        query.with(|q| q.stage.map(|s| s.as_str()).unwrap_or_default().to_string())
    });
    let owners = directory.owners();
    let view_link = move |table: bool, key: Key, testid: &'static str| {
        view! {
            <a
                class="tab"
                href=move || RenewalQuery { table, ..query.get() }.href()
                data-testid=testid
                aria-current=move || (query.with(|q| q.table) == table).then_some("page")
            >
                {i.tr(key)}
            </a>
        }
    };

    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="renewals-heading">{i.tr(Key::RnTitle)}</h1>
            </header>
            <nav class="tabs" aria-label=i.tr(Key::RnViews)>
                {view_link(false, Key::RnBoard, "renewals-view-board")}
                {view_link(true, Key::RnTable, "renewals-view-table")}
            </nav>
            <div class="toolbar" role="search" data-testid="renewal-filters">
                <div class="field">
                    <label for="filter-due">{i.tr(Key::RnDueWithin)}</label>
                    <select
                        id="filter-due"
                        data-testid="filter-due"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            refilter(&|q| q.due_within_days = v.parse().ok());
                        }
                    >
                        <option value="" prop:selected=move || query.with(|q| q.due_within_days.is_none())>
                            {i.tr(Key::RnAnyTime)}
                        </option>
                        {DUE_WITHIN
                            .iter()
                            .map(|d| {
                                let d = *d;
                                let n = d.to_string();
                                view! {
                                    <option
                                        value=d.to_string()
                                        prop:selected=move || query.with(|q| q.due_within_days == Some(d))
                                    >
                                        {move || i.f(Key::CtDays, &[&n])}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-owner">{i.tr(Key::Owner)}</label>
                    <select
                        id="filter-owner"
                        data-testid="filter-owner"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            refilter(&|q| q.owner_id = v.parse().ok());
                        }
                    >
                        <option value="" prop:selected=move || query.with(|q| q.owner_id.is_none())>
                            {i.tr(Key::TkAnyone)}
                        </option>
                        {move || {
                            owners
                                .get()
                                .into_iter()
                                .map(|u| {
                                    let id = u.id;
                                    view! {
                                        <option value=id.to_string() prop:selected=move || query.with(|q| q.owner_id == Some(id))>
                                            {u.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <ChoiceSelect
                    id="filter-stage"
                    label=Key::Stage
                    choices=RenewalStage::ALL.iter().map(|s| (s.as_str(), renewal_stage_key(*s))).collect()
                    any=Key::RnAnyStage
                    value=stage_value
                    on_pick=Callback::new(move |v: String| refilter(&|q| q.stage = v.parse().ok()))
                />
            </div>
            <Totals totals query on_retry=Callback::new(move |_| load_totals()) />
            {move || match phase.get() {
                Phase::Failed(e) => view! { <ErrorState error=e on_retry=Callback::new(move |_| reload()) /> }.into_any(),
                Phase::Empty if query.with_untracked(RenewalQuery::is_unfiltered) => view! {
                    <div class="state" data-testid="renewals-empty">
                        <p>{i.tr(Key::RnEmpty)}</p>
                    </div>
                }
                .into_any(),
                Phase::Empty => view! {
                    <div class="state" data-testid="renewals-no-match">
                        <p>{i.tr(Key::RnNoMatch)}</p>
                        <a class="btn" href="/renewals" data-testid="clear-filters">{i.tr(Key::ClearFilters)}</a>
                    </div>
                }
                .into_any(),
                Phase::Loading => view! {
                    <div class="table-wrap">
                        <table class="table" aria-busy="true"><tbody><SkeletonRows rows=4 cols=5 /></tbody></table>
                    </div>
                }
                .into_any(),
                Phase::Rows if query.with_untracked(|q| q.table) => {
                    view! { <RenewalTable list directory reasons changed /> }.into_any()
                }
                Phase::Rows => view! { <Board list query directory reasons changed /> }.into_any(),
            }}
            {load_more_footer(list, load_more, "load-more")}
        </div>
    }
}

/// The stages a view shows: the filtered one, or all.
fn shown_stages(q: &RenewalQuery) -> Vec<RenewalStage> {
    match q.stage {
        Some(s) => vec![s],
        None => RenewalStage::ALL.to_vec(),
    }
}

/// Count and forecast per stage (per currency), the server's exact sums.
#[component]
fn Totals(
    totals: RwSignal<Option<Result<RenewalTotals, ApiErr>>>,
    query: Memo<RenewalQuery>,
    on_retry: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    move || {
        match totals.get() {
        None => view! { <p class="muted rn-totals" aria-busy="true">{i.tr(Key::Loading)}</p> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry /> }.into_any(),
        Some(Ok(t)) => view! {
            <dl class="rn-totals" data-testid="renewals-totals">
                {query
                    .with(shown_stages)
                    .into_iter()
                    .map(|stage| {
                        let sums = stage_totals(&t, stage);
                        let count: u64 = sums.iter().map(|s| s.1).sum();
                        let text = if sums.is_empty() {
                            "—".to_string()
                        } else {
                            sums.iter().map(|(c, _, f)| money(f, c)).collect::<Vec<_>>().join(" · ")
                        };
                        view! {
                            <div class="rn-total" data-testid="renewals-total" data-stage=stage.as_str() data-count=count.to_string()>
                                <dt>{i.tr(renewal_stage_key(stage))} " (" {count} ")"</dt>
                                <dd>{text}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        }
        .into_any(),
    }
    }
}

#[component]
fn Board(
    list: RwSignal<ListState<Renewal, ApiErr>>,
    query: Memo<RenewalQuery>,
    directory: Directory,
    reasons: Signal<Vec<String>>,
    changed: Callback<Renewal>,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="rn-board" data-testid="renewals-board">
            {move || {
                query
                    .with(shown_stages)
                    .into_iter()
                    .map(|stage| {
                        view! {
                            <section class="rn-col" data-testid="renewal-column" data-stage=stage.as_str()>
                                <h2>{i.tr(renewal_stage_key(stage))}</h2>
                                <For
                                    each=move || list.with(|l| l.items.iter().filter(|r| r.stage == stage).cloned().collect::<Vec<_>>())
                                    key=|r| (r.id, r.version)
                                    children=move |r| view! { <RenewalCard renewal=r directory reasons changed /> }
                                />
                            </section>
                        }
                    })
                    .collect_view()
            }}
        </div>
    }
}

fn owner_name(i: I18n, directory: Directory, owner: Option<i64>) -> String {
    match owner {
        None => i.t(Key::Unassigned).to_string(),
        Some(id) => directory
            .name_of(Some(id))
            .unwrap_or_else(|| format!("#{id}")),
    }
}

#[component]
fn RenewalCard(
    renewal: Renewal,
    directory: Directory,
    reasons: Signal<Vec<String>>,
    changed: Callback<Renewal>,
) -> impl IntoView {
    let i = use_i18n();
    let r = renewal.clone();
    let owner = r.owner_id;
    let probability = format!("{}%", r.probability);
    let reason = r.churn_reason.clone();
    view! {
        <article
            class="rn-card"
            data-testid="renewal-card"
            data-stage=r.stage.as_str()
            data-renewal-id=r.id.to_string()
        >
            <a class="rn-account" href=format!("/accounts/{}", r.account_id) data-testid="renewal-account">{r.account_name}</a>
            <dl class="rn-facts">
                <dt>{i.tr(Key::RnDue)}</dt>
                <dd data-testid="renewal-due">
                    {i.day_of(r.due_on)}
                    {is_overdue(r.due_on, r.stage, browser_today()).then(|| view! {
                        " " <span class="badge badge-overdue" data-testid="renewal-overdue">{i.tr(Key::RnOverdue)}</span>
                    })}
                </dd>
                <dt>{i.tr(Key::CtAnnualValue)}</dt>
                <dd data-testid="renewal-value">{money(&r.annual_value, &r.currency)}</dd>
                <dt>{i.tr(Key::RnForecast)}</dt>
                <dd data-testid="renewal-forecast">{money(&r.forecast_amount, &r.currency)}</dd>
                <dt>{i.tr(Key::RnProbability)}</dt>
                <dd data-testid="renewal-probability">{probability}</dd>
                <dt>{i.tr(Key::Owner)}</dt>
                <dd>{move || owner_name(i, directory, owner)}</dd>
            </dl>
            {reason.map(|r| view! { <p class="muted" data-testid="renewal-churn-reason">{move || reason_label(&r, i.lang())}</p> })}
            <RenewalActions renewal reasons changed />
        </article>
    }
}

#[component]
fn RenewalTable(
    list: RwSignal<ListState<Renewal, ApiErr>>,
    directory: Directory,
    reasons: Signal<Vec<String>>,
    changed: Callback<Renewal>,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="table-wrap">
            <table class="table responsive" data-testid="renewals-table">
                <thead>
                    <tr>
                        <th scope="col">{i.tr(Key::TkAccount)}</th>
                        <th scope="col">{i.tr(Key::Owner)}</th>
                        <th scope="col">{i.tr(Key::RnDue)}</th>
                        <th scope="col">{i.tr(Key::Stage)}</th>
                        <th scope="col">{i.tr(Key::CtAnnualValue)}</th>
                        <th scope="col">{i.tr(Key::RnForecast)}</th>
                        <th scope="col">{i.tr(Key::RnProbability)}</th>
                        <th scope="col">{i.tr(Key::Actions)}</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|r| (r.id, r.version)
                        children=move |r| {
                            let owner = r.owner_id;
                            let stage = r.stage;
                            let id = r.id.to_string();
                            view! {
                                <tr data-testid="renewal-row" data-stage=stage.as_str() data-renewal-id=id>
                                    <td data-label=i.tr(Key::TkAccount)>
                                        <a href=format!("/accounts/{}", r.account_id)>{r.account_name.clone()}</a>
                                    </td>
                                    <td data-label=i.tr(Key::Owner)>{move || owner_name(i, directory, owner)}</td>
                                    <td data-label=i.tr(Key::RnDue)>
                                        {i.day_of(r.due_on)}
                                        {is_overdue(r.due_on, r.stage, browser_today()).then(|| view! {
                                            " " <span class="badge badge-overdue" data-testid="renewal-overdue">{i.tr(Key::RnOverdue)}</span>
                                        })}
                                    </td>
                                    <td data-label=i.tr(Key::Stage)>
                                        <span class=format!("badge rn-stage-{}", stage.as_str())>{i.tr(renewal_stage_key(stage))}</span>
                                    </td>
                                    <td data-label=i.tr(Key::CtAnnualValue)>{money(&r.annual_value, &r.currency)}</td>
                                    <td data-label=i.tr(Key::RnForecast)>{money(&r.forecast_amount, &r.currency)}</td>
                                    <td data-label=i.tr(Key::RnProbability)>{format!("{}%", r.probability)}</td>
                                    <td data-label=i.tr(Key::Actions)><RenewalActions renewal=r reasons changed /></td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Asking {
    Nothing,
    Churn,
    Renew,
}

/// Back, advance, churn (with a reason) and renew (with the next value).
#[component]
fn RenewalActions(
    renewal: Renewal,
    reasons: Signal<Vec<String>>,
    changed: Callback<Renewal>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    if !renewal.stage.is_open() {
        return ().into_any();
    }
    let id = renewal.id;
    let stage = renewal.stage;
    let currency = renewal.currency.clone();
    let asking = RwSignal::new(Asking::Nothing);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let reason = RwSignal::new(String::new());
    // The server's default: forecast + upsell, added in exact cents.
    let next_value = RwSignal::new(
        sum(&[&renewal.forecast_amount, &renewal.upsell_amount])
            .unwrap_or_else(|| renewal.forecast_amount.clone()),
    );
    let run = move |req: UpdateRenewalRequest| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::renewals::update(id, &req).await {
                Ok(r) => changed.run(r),
                Err(e) => {
                    failure.set(Some(action_error(i, &e)));
                    busy.set(false);
                }
            }
        });
    };
    let move_to = move |to: Option<RenewalStage>| {
        to.map(|to| {
            let (key, testid) = if Some(to) == next_stage(stage) {
                (Key::RnAdvance, "renewal-advance")
            } else {
                (Key::RnBack, "renewal-back")
            };
            view! {
                <button
                    type="button"
                    class="btn btn-small"
                    data-testid=testid
                    data-to=to.as_str()
                    disabled=busy
                    on:click=move |_| run(UpdateRenewalRequest { stage: Some(to), ..Default::default() })
                >
                    {i.tr(key)}
                </button>
            }
        })
    };
    let churn = move || {
        let r = reason.get_untracked();
        if r.is_empty() {
            failure.set(Some(i.t(Key::RnPickReason).to_string()));
            return;
        }
        run(UpdateRenewalRequest {
            stage: Some(RenewalStage::Churned),
            churn_reason: Some(r),
            ..Default::default()
        });
    };
    let renew = move || {
        if busy.get_untracked() {
            return;
        }
        let value = next_value.get_untracked().trim().to_string();
        if !amount_ok(&value) {
            failure.set(Some(i.t(Key::CtBadAmount).to_string()));
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            let req = RenewRequest {
                annual_value: Some(value),
            };
            match api::renewals::renew(id, &req).await {
                Ok(outcome) => {
                    toasts.success(i.t(Key::RnRenewedToast));
                    changed.run(outcome.renewal);
                }
                Err(e) => {
                    failure.set(Some(action_error(i, &e)));
                    busy.set(false);
                }
            }
        });
    };
    let ask = move |what: Asking| {
        failure.set(None);
        asking.update(|a| *a = if *a == what { Asking::Nothing } else { what });
    };
    let renew_field = format!("renew-value-{id}");
    let reason_field = format!("churn-reason-{id}");
    view! {
        <div class="actions rn-actions">
            {move_to(previous_stage(stage))}
            {move_to(next_stage(stage))}
            {(stage == RenewalStage::Committed)
                .then(|| {
                    view! {
                        <button type="button" class="btn btn-small btn-primary" data-testid="renewal-renew" disabled=busy on:click=move |_| ask(Asking::Renew)>
                            {i.tr(Key::RnRenew)}
                        </button>
                    }
                })}
            <button type="button" class="btn btn-small btn-danger-ghost" data-testid="renewal-churn" disabled=busy on:click=move |_| ask(Asking::Churn)>
                {i.tr(Key::RnChurn)}
            </button>
        </div>
        <ActionError failure testid="renewal-error" />
        {move || match asking.get() {
            Asking::Nothing => ().into_any(),
            Asking::Churn => view! {
                <div class="rn-ask" data-testid="churn-form">
                    <div class="field">
                        <label for=reason_field.clone()>{i.tr(Key::RnChurnReason)}</label>
                        <select
                            id=reason_field.clone()
                            data-testid="churn-reason"
                            on:change=move |ev| reason.set(event_target_value(&ev))
                        >
                            <option value="" prop:selected=move || reason.with(String::is_empty)>{i.tr(Key::TrChoose)}</option>
                            {move || {
                                reasons
                                    .get()
                                    .into_iter()
                                    .map(|r| {
                                        let label = r.clone();
                                        let value = r.clone();
                                        view! {
                                            <option value=r prop:selected=move || reason.with(|x| *x == value)>
                                                {move || reason_label(&label, i.lang())}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </select>
                    </div>
                    <div class="actions">
                        <button type="button" class="btn btn-small btn-danger" data-testid="churn-confirm" disabled=busy on:click=move |_| churn()>
                            {i.tr(Key::RnConfirmChurn)}
                        </button>
                        <button type="button" class="btn btn-small btn-ghost" data-testid="churn-cancel" on:click=move |_| asking.set(Asking::Nothing)>
                            {i.tr(Key::Cancel)}
                        </button>
                    </div>
                </div>
            }
            .into_any(),
            Asking::Renew => {
                let currency = currency.clone();
                view! {
                    <div class="rn-ask" data-testid="renew-form">
                        <div class="field">
                            <label for=renew_field.clone()>{i.tr(Key::RnNextValue)} " (" {currency.clone()} ")"</label>
                            <input
                                id=renew_field.clone()
                                data-testid="renew-value"
                                inputmode="decimal"
                                prop:value=move || next_value.get()
                                on:input=move |ev| next_value.set(event_target_value(&ev))
                            />
                        </div>
                        <p class="muted" data-testid="renew-question">
                            {move || i.f(Key::RnRenewQuestion, &[&money(next_value.get().trim(), &currency)])}
                        </p>
                        <div class="actions">
                            <button type="button" class="btn btn-small btn-primary" data-testid="renew-confirm" disabled=busy on:click=move |_| renew()>
                                {i.tr(Key::RnConfirmRenew)}
                            </button>
                            <button type="button" class="btn btn-small btn-ghost" data-testid="renew-cancel" on:click=move |_| asking.set(Asking::Nothing)>
                                {i.tr(Key::Cancel)}
                            </button>
                        </div>
                    </div>
                }
                .into_any()
            }
        }}
    }
    .into_any()
}
