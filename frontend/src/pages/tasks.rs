//! `/tasks` (staff): every task of the workspace, soonest due first, by
//! assignee (me, anyone, a person), status, account and source, a page at
//! a time ("load more"), with the quick actions of "my work" on open ones.
//! The filters live in the URL.

use leptos::prelude::*;
use shared::tasks::{Task, TaskSource, TaskState};

use crate::api::{self, ApiErr};
use crate::components::list_view::list_phase;
use crate::components::paged::{load_more_footer, pager};
use crate::components::shell::WorkCounts;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::i18n::{use_i18n, Key};
use crate::logic::paging::{ListState, Phase};
use crate::logic::task_list::{Assignee, TaskQuery, ANY};
use crate::pages::accounts::list::Directory;
use crate::pages::my_work::{state_key, TaskRow};
use crate::pages::tickets::common::{AccountSearch, Accounts};
use crate::router::{redirect, use_location};
use crate::session::use_session;

/// Tasks per page.
pub const PAGE: u64 = 50;

fn source_key(s: TaskSource) -> Key {
    match s {
        TaskSource::Manual => Key::TaManual,
        TaskSource::Playbook => Key::TaPlaybook,
    }
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let location = use_location();
    let directory = Directory::load();
    let accounts = Accounts::load();
    let query = Memo::new(move |_| TaskQuery::from_search(&location.search.get()));
    let set = move |change: &dyn Fn(&mut TaskQuery)| {
        let mut next = query.get_untracked();
        change(&mut next);
        if next != query.get_untracked() {
            redirect(&next.href());
        }
    };
    let list = RwSignal::new(ListState::<Task, ApiErr>::default());
    let (reload, load_more) = pager(list, move |cursor| {
        let me = session.user().map(|u| u.id);
        let filter = query.get_untracked().filter(me);
        async move { api::tasks::list(&filter, PAGE, cursor.as_deref()).await }
    });
    Effect::new(move |_| {
        query.track();
        reload();
    });
    let counts = use_context::<WorkCounts>();
    let changed = Callback::new(move |_: ()| {
        reload();
        if let Some(c) = counts {
            c.refresh();
        }
    });
    let phase = list_phase(list);
    let people = directory.owners();
    view! {
        <div class="page tasks-page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href=crate::logic::nav::MY_WORK data-testid="tasks-my-work">{i.tr(Key::MwTitle)}</a>
            </nav>
            <header class="page-header">
                <div>
                    <h1 data-testid="tasks-heading">{i.tr(Key::TaAll)}</h1>
                    <p class="muted">{i.tr(Key::TaIntro)}</p>
                </div>
            </header>
            <div class="toolbar" role="search" data-testid="tasks-filters">
                <div class="field">
                    <label for="tasks-assignee">{i.tr(Key::TaAssignee)}</label>
                    <select id="tasks-assignee" data-testid="tasks-assignee"
                        on:change=move |ev| {
                            let a = Assignee::parse(&event_target_value(&ev));
                            set(&move |q| q.assignee = a);
                        }>
                        <option value="me" prop:selected=move || query.with(|q| q.assignee == Assignee::Me)>{i.tr(Key::TaMe)}</option>
                        <option value="anyone" prop:selected=move || query.with(|q| q.assignee == Assignee::Anyone)>{i.tr(Key::TaAnyone)}</option>
                        {move || people.get().into_iter().map(|u| {
                            let uid = u.id;
                            view! {
                                <option value=uid.to_string()
                                    prop:selected=move || query.with(|q| q.assignee == Assignee::Person(uid))>{u.name}</option>
                            }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="tasks-status">{i.tr(Key::Status)}</label>
                    <select id="tasks-status" data-testid="tasks-status"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            set(&move |q| q.set_status(&v));
                        }>
                        <option value=ANY prop:selected=move || query.with(|q| q.status.is_none())>{i.tr(Key::TaAnyStatus)}</option>
                        {TaskState::ALL.iter().map(|s| {
                            let s = *s;
                            view! {
                                <option value=s.as_str() prop:selected=move || query.with(|q| q.status == Some(s))>{i.tr(state_key(s))}</option>
                            }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="tasks-account">{i.tr(Key::AccountName)}</label>
                    <AccountSearch accounts testid="tasks-account-search" />
                    <select id="tasks-account" data-testid="tasks-account"
                        on:change=move |ev| {
                            let id = event_target_value(&ev).parse().ok();
                            set(&move |q| q.account_id = id);
                        }>
                        <option value="" prop:selected=move || query.with(|q| q.account_id.is_none())>{i.tr(Key::TaAnyAccount)}</option>
                        {move || {
                            let chosen = query.with(|q| q.account_id);
                            let mut options = accounts.options();
                            // The URL's account, even when the pick list does not hold it.
                            if let Some(id) = chosen.filter(|id| !options.iter().any(|(o, _)| o == id)) {
                                options.insert(0, (id, accounts.name_of(id)));
                            }
                            options.into_iter().map(|(id, name)| view! {
                                <option value=id.to_string() prop:selected=move || chosen == Some(id)>{name}</option>
                            }).collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="tasks-source">{i.tr(Key::TaSource)}</label>
                    <select id="tasks-source" data-testid="tasks-source"
                        on:change=move |ev| {
                            let s = event_target_value(&ev).parse().ok();
                            set(&move |q| q.source = s);
                        }>
                        <option value="" prop:selected=move || query.with(|q| q.source.is_none())>{i.tr(Key::TaAnySource)}</option>
                        {TaskSource::ALL.iter().map(|s| {
                            let s = *s;
                            view! {
                                <option value=s.as_str() prop:selected=move || query.with(|q| q.source == Some(s))>{i.tr(source_key(s))}</option>
                            }
                        }).collect_view()}
                    </select>
                </div>
            </div>
            {move || match phase.get() {
                Phase::Loading => view! {
                    <div data-testid="tasks-loading" aria-busy="true"><SkeletonCard /><SkeletonCard /></div>
                }.into_any(),
                Phase::Failed(e) => view! { <ErrorState error=e on_retry=Callback::new(move |_| reload()) /> }.into_any(),
                Phase::Empty if untrack(|| query.with(TaskQuery::is_default)) => view! {
                    <div class="card empty-state" data-testid="tasks-empty">
                        <p>{i.tr(Key::TaEmpty)}</p>
                    </div>
                }.into_any(),
                Phase::Empty => view! {
                    <div class="card empty-state" data-testid="tasks-no-match">
                        <p>{i.tr(Key::TaNoMatch)}</p>
                        <button type="button" class="btn" data-testid="clear-filters"
                            on:click=move |_| redirect(&TaskQuery::default().href())>{i.tr(Key::ClearFilters)}</button>
                    </div>
                }.into_any(),
                Phase::Rows => view! {
                    <section class="card" aria-labelledby="tasks-heading-list">
                        <h2 id="tasks-heading-list" class="visually-hidden">{i.tr(Key::TaAll)}</h2>
                        <ul class="mw-list" data-testid="tasks-list">
                            <For
                                each=move || list.with(|l| l.items.clone())
                                key=|t| (t.id, t.version)
                                children=move |t| view! { <TaskRow task=t changed show_assignee=true /> }
                            />
                        </ul>
                    </section>
                }.into_any(),
            }}
            {load_more_footer(list, load_more, "tasks-load-more")}
        </div>
    }
}
