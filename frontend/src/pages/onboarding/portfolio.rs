//! `/onboarding`: every account in onboarding with its plan's progress and
//! status; sort and status filter in the URL (`?sort=&status=`).

use leptos::prelude::*;
use shared::onboarding::{OnboardingPortfolioItem, PlanStatus};

use crate::api::{self, ApiErr};
use crate::components::list_view::{list_phase, ListView};
use crate::components::paged::{load_more_footer, pager};
use crate::i18n::{use_i18n, Key};
use crate::logic::paging::ListState;
use crate::logic::query::{get_param, QueryString};
use crate::pages::accounts::onboarding::{plan_status_key, PlanStatusBadge, ProgressBar};
use crate::pages::tickets::common::ChoiceSelect;
use crate::router::{redirect, use_location};

#[component]
pub fn OnboardingPortfolioPage() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let sort = Memo::new(move |_| get_param(&location.search.get(), "sort").unwrap_or_default());
    let status =
        Memo::new(move |_| get_param(&location.search.get(), "status").unwrap_or_default());
    let list = RwSignal::new(ListState::<OnboardingPortfolioItem, ApiErr>::default());
    let (reload, load_more) = pager(list, move |cursor| {
        let (s, st) = (sort.get_untracked(), status.get_untracked());
        async move { api::onboarding_portfolio::list(&s, &st, cursor.as_deref()).await }
    });
    Effect::new(move |_| {
        sort.track();
        status.track();
        reload();
    });
    let set = move |key: &'static str, value: String| {
        let (mut s, mut st) = (sort.get_untracked(), status.get_untracked());
        if key == "sort" {
            s = value;
        } else {
            st = value;
        }
        let q = QueryString::new()
            .push("sort", s)
            .push("status", st)
            .build();
        redirect(&format!("/onboarding{q}"));
    };
    let sorts = vec![
        ("status", Key::PfSortStatus),
        ("progress", Key::PfSortProgressUp),
        ("-progress", Key::PfSortProgressDown),
        ("go_live", Key::PfSortGoLive),
        ("name", Key::PfSortName),
    ];
    let statuses = PlanStatus::ALL
        .iter()
        .map(|s| (s.as_str(), plan_status_key(*s)))
        .collect::<Vec<_>>();
    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::AccountName)}</th>
                    <th scope="col">{i.tr(Key::Owner)}</th>
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col">{i.tr(Key::PfProgress)}</th>
                    <th scope="col">{i.tr(Key::ObOverdue)}</th>
                    <th scope="col">{i.tr(Key::PfNextDue)}</th>
                    <th scope="col">{i.tr(Key::ObPlannedGoLive)}</th>
                </tr>
            </thead>
        }
    };
    view! {
        <div class="page">
            <header class="page-header">
                <h1>{i.tr(Key::PfTitle)}</h1>
            </header>
            <div class="toolbar">
                <ChoiceSelect id="portfolio-sort" label=Key::PfSort choices=sorts value=sort.into() on_pick=Callback::new(move |v| set("sort", v)) />
                <ChoiceSelect
                    id="portfolio-status"
                    label=Key::Status
                    choices=statuses
                    value=status.into()
                    on_pick=Callback::new(move |v| set("status", v))
                    any=Key::PfAnyStatus
                />
            </div>
            <div class="card table-wrap">
                <ListView
                    phase
                    on_retry=Callback::new(move |_| reload())
                    header
                    skeleton=(4, 7)
                    testid="portfolio-table"
                    busy=false
                    wrap=false
                    rows=move || view! {
                        <For each=move || list.with(|l| l.items.clone()) key=|r| r.account_id children=move |r| view! { <PortfolioRow item=r /> } />
                    }
                    empty=move || view! { <p class="state muted" data-testid="portfolio-empty">{i.tr(Key::PfEmpty)}</p> }
                />
            </div>
            {load_more_footer(list, load_more, "portfolio-load-more")}
        </div>
    }
}

#[component]
fn PortfolioRow(item: OnboardingPortfolioItem) -> impl IntoView {
    let i = use_i18n();
    let date =
        |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    let progress = item.progress.unwrap_or(0);
    view! {
        <tr
            data-testid="portfolio-row"
            data-account-id=item.account_id.to_string()
            data-status=item.status.map(|s| s.as_str()).unwrap_or("none")
            class:row-breached=item.status == Some(PlanStatus::Stuck)
        >
            <td data-label=i.tr(Key::AccountName)>
                <a href=format!("/accounts/{}", item.account_id)>{item.account_name}</a>
                " "
                <code class="muted">{item.account_code}</code>
            </td>
            <td data-label=i.tr(Key::Owner)>{item.owner_name.unwrap_or_else(|| "—".into())}</td>
            <td data-label=i.tr(Key::Status)>
                {match item.status {
                    Some(status) => view! { <PlanStatusBadge status /> }.into_any(),
                    None => view! { <span class="badge badge-muted">{i.tr(Key::PfNoPlan)}</span> }.into_any(),
                }}
            </td>
            <td data-label=i.tr(Key::PfProgress)>
                <ProgressBar value=Signal::stored(progress) />
                " "
                <span class="muted">{format!("{}/{}", item.tasks_done, item.tasks_total)}</span>
            </td>
            <td data-label=i.tr(Key::ObOverdue)>{item.overdue_tasks}</td>
            <td data-label=i.tr(Key::PfNextDue)>{date(item.next_due_on)}</td>
            <td data-label=i.tr(Key::ObPlannedGoLive)>{date(item.planned_go_live)}</td>
        </tr>
    }
}
