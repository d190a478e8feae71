//! `/accounts`: the account list with search-as-you-type, owner and stage
//! filters, "load more" paging, and the new-account form.

use leptos::prelude::*;
use shared::accounts::Account;
use shared::users::User;
use shared::{LifecycleStage, Role};

use crate::api::{self, ApiErr, MAX_PAGE};
use crate::components::fields::expanded;
use crate::components::list_view::{list_phase, ListView};
use crate::components::load::{load, Loaded};
use crate::components::paged::{load_more_footer, pager};
use crate::components::url_filter::{UrlFilter, UrlFiltered};
use crate::i18n::{module_key, stage_key, use_i18n, Key, Lang};
use crate::logic::paging::ListState;
use crate::logic::query::AccountFilter;
use crate::pages::accounts::new::NewAccountForm;
use crate::router::navigate;
use crate::session::use_session;

impl UrlFilter for AccountFilter {
    fn from_search(search: &str) -> Self {
        AccountFilter::from_search(search)
    }
    fn href(&self) -> String {
        AccountFilter::href(self)
    }
    fn text(&self) -> &str {
        &self.q
    }
    fn text_mut(&mut self) -> &mut String {
        &mut self.q
    }
}

/// The workspace's staff, for owner pickers and owner names.
#[derive(Clone, Copy)]
pub struct Directory {
    users: Loaded<Vec<User>>,
}

impl Directory {
    pub fn load() -> Self {
        let users = load(|| async {
            api::users::list(MAX_PAGE, None)
                .await
                .map(|page| page.items)
        });
        Directory { users }
    }

    /// Active staff, by name: who can own an account.
    pub fn owners(self) -> Signal<Vec<User>> {
        Signal::derive(move || {
            let mut owners: Vec<User> = Vec::new();
            let users = self.users.ok().unwrap_or_default();
            // By name; an insertion sort is plenty for a team and tiny in WASM.
            // Invited users who have not joined cannot be given work yet.
            for user in users
                .into_iter()
                .filter(|u| u.role.is_staff() && u.active && !u.invited)
            {
                let at = owners
                    .iter()
                    .position(|o| o.name > user.name)
                    .unwrap_or(owners.len());
                owners.insert(at, user);
            }
            owners
        })
    }

    pub fn name_of(self, id: Option<i64>) -> Option<String> {
        let id = id?;
        self.users.value.with(|users| {
            let users = users.as_ref()?.as_ref().ok()?;
            users.iter().find(|u| u.id == id).map(|u| u.name.clone())
        })
    }
}

/// The workspace's customer coding rule, when it could be read.
pub fn load_code_rule() -> Signal<Option<String>> {
    let settings = load(api::settings::workspace);
    Signal::derive(move || settings.ok().map(|s| s.customer_code_pattern))
}

/// Module names joined for a table cell.
pub fn module_list(modules: &[shared::ErpModule], lang: Lang) -> String {
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    modules
        .iter()
        .map(|m| crate::i18n::text(lang, module_key(*m)))
        .collect::<Vec<_>>()
        .join(sep)
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let directory = Directory::load();
    let code_rule = load_code_rule();

    // The filters live in the URL (`?q=&owner_id=&stage=`): a reload, a
    // shared link and the back button keep them.
    let url = UrlFiltered::<AccountFilter>::new();
    let (filter, search) = (url.filter, url.search);
    let list = RwSignal::new(ListState::<Account, ApiErr>::default());
    let creating = RwSignal::new(false);

    let (reload, load_more) = pager(list, move |cursor| {
        let f = filter.get_untracked();
        async move { api::accounts::list(&f, cursor.as_deref()).await }
    });
    // Any change of the URL's filters starts the list over.
    Effect::new(move |_| {
        filter.track();
        reload();
    });
    let on_search = move |ev: leptos::ev::Event| url.on_search(ev);
    let clear_filters = move || url.clear();

    let on_created = Callback::new(move |account: Account| {
        creating.set(false);
        navigate(&format!("/accounts/{}", account.id));
    });

    let owners = directory.owners();
    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::AccountName)}</th>
                    <th scope="col">{i.tr(Key::CustomerCode)}</th>
                    <th scope="col">{i.tr(Key::Owner)}</th>
                    <th scope="col">{i.tr(Key::Stage)}</th>
                    <th scope="col">{i.tr(Key::Modules)}</th>
                    <th scope="col">{i.tr(Key::Updated)}</th>
                </tr>
            </thead>
        }
    };

    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="accounts-heading">{i.tr(Key::NavAccounts)}</h1>
                {move || matches!(session.role(), Some(Role::Admin | Role::Manager)).then(|| view! {
                    <a class="btn" href="/accounts/import" data-testid="accounts-import">{i.tr(Key::ImOpen)}</a>
                })}
                <button
                    type="button"
                    class="btn btn-primary"
                    data-testid="new-account"
                    aria-expanded=expanded(creating)
                    on:click=move |_| creating.update(|c| *c = !*c)
                >
                    {i.tr(Key::NewAccount)}
                </button>
            </header>

            {move || {
                creating
                    .get()
                    .then(|| {
                        view! {
                            <NewAccountForm
                                owners
                                code_rule
                                on_created
                                on_cancel=Callback::new(move |_| creating.set(false))
                            />
                        }
                    })
            }}

            <div class="toolbar" role="search">
                <div class="field field-grow">
                    <label for="accounts-search">{i.tr(Key::Search)}</label>
                    <input
                        type="search"
                        id="accounts-search"
                        data-testid="accounts-search"
                        autocomplete="off"
                        placeholder=i.tr(Key::SearchAccountsHint)
                        prop:value=move || search.get()
                        on:input=on_search
                    />
                </div>
                <div class="field">
                    <label for="filter-owner">{i.tr(Key::Owner)}</label>
                    <select
                        id="filter-owner"
                        data-testid="filter-owner"
                        on:change=move |ev| {
                            let owner = event_target_value(&ev).parse().ok();
                            url.update(|f| f.owner_id = owner);
                        }
                    >
                        <option value="" prop:selected=move || filter.with(|f| f.owner_id.is_none())>
                            {i.tr(Key::AllOwners)}
                        </option>
                        {move || {
                            owners
                                .get()
                                .into_iter()
                                .map(|u| {
                                    let id = u.id;
                                    view! {
                                        <option
                                            value=id.to_string()
                                            prop:selected=move || filter.with(|f| f.owner_id == Some(id))
                                        >
                                            {u.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-stage">{i.tr(Key::Stage)}</label>
                    <select
                        id="filter-stage"
                        data-testid="filter-stage"
                        on:change=move |ev| {
                            let stage = event_target_value(&ev).parse::<LifecycleStage>().ok();
                            url.update(|f| f.stage = stage);
                        }
                    >
                        <option value="" prop:selected=move || filter.with(|f| f.stage.is_none())>
                            {i.tr(Key::AllStages)}
                        </option>
                        {LifecycleStage::ALL
                            .iter()
                            .map(|s| {
                                let s = *s;
                                view! {
                                    <option
                                        value=s.as_str()
                                        prop:selected=move || filter.with(|f| f.stage == Some(s))
                                    >
                                        {i.tr(stage_key(s))}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>

            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(6, 6)
                testid="accounts-table"
                filtered=Callback::new(move |_| !filter.with_untracked(|f| f.is_unfiltered()))
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|a| (a.id, a.version)
                        children=move |a| view! { <AccountRow account=a directory /> }
                    />
                }
                empty=move || view! {
                    <div class="state" data-testid="accounts-empty">
                        <p>{i.tr(Key::NoAccountsYet)}</p>
                        <button
                            type="button"
                            class="btn btn-primary"
                            data-testid="empty-create"
                            on:click=move |_| creating.set(true)
                        >
                            {i.tr(Key::CreateFirstAccount)}
                        </button>
                    </div>
                }
                no_match=move || view! {
                    <div class="state" data-testid="accounts-no-match">
                        <p>{i.tr(Key::NothingMatches)}</p>
                        <button type="button" class="btn" data-testid="clear-filters" on:click=move |_| clear_filters()>
                            {i.tr(Key::ClearFilters)}
                        </button>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "load-more")}
        </div>
    }
}

#[component]
fn AccountRow(account: Account, directory: Directory) -> impl IntoView {
    let i = use_i18n();
    let href = format!("/accounts/{}", account.id);
    let owner_id = account.owner_id;
    let stage = account.stage;
    let modules = account.modules.clone();
    let updated = account.updated_at;
    view! {
        <tr data-testid="account-row" data-account-id=account.id.to_string()>
            <td data-label=i.tr(Key::AccountName)>
                <a href=href data-testid="account-link">{account.name}</a>
                {account.archived.then(|| view! { <span class="badge badge-muted">{i.tr(Key::Archived)}</span> })}
            </td>
            <td data-label=i.tr(Key::CustomerCode)><code>{account.code}</code></td>
            <td data-label=i.tr(Key::Owner)>
                {move || directory.name_of(owner_id).unwrap_or_else(|| "—".to_string())}
            </td>
            <td data-label=i.tr(Key::Stage)>
                <span class=format!("badge stage-{}", stage.as_str())>{i.tr(stage_key(stage))}</span>
            </td>
            <td data-label=i.tr(Key::Modules)>{move || module_list(&modules, i.lang())}</td>
            <td data-label=i.tr(Key::Updated)>{i.date_of(updated)}</td>
        </tr>
    }
}
