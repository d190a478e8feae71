//! `/kb`: the knowledge base (操作手册) for staff: search-as-you-type,
//! module, visibility and status filters, "load more".

use leptos::prelude::*;
use shared::kb::KbArticleSummary;

use crate::api::{self, ApiErr};
use crate::components::list_view::{list_phase, ListView};
use crate::components::paged::{load_more_footer, pager};
use crate::components::url_filter::{Debouncer, SEARCH_DEBOUNCE};
use crate::i18n::{module_key, use_i18n, Key};
use crate::logic::kb::KbFilter;
use crate::logic::paging::ListState;
use crate::pages::portal::common::{
    kb_status_choices, kb_status_key, visibility_choices, visibility_key,
};
use crate::pages::tickets::common::{module_choices, ChoiceSelect};
use crate::router::{redirect, use_location};

#[component]
pub fn KbListPage() -> impl IntoView {
    let i = use_i18n();
    // The filters start from the URL and are written back to it.
    let location = use_location();
    let start = KbFilter::from_search(&location.search.get_untracked());
    let search = RwSignal::new(start.q.clone());
    let module = RwSignal::new(
        start
            .module
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
    );
    let visibility = RwSignal::new(
        start
            .visibility
            .map(|v| v.as_str().to_string())
            .unwrap_or_default(),
    );
    let status = RwSignal::new(
        start
            .status
            .map(|v| v.as_str().to_string())
            .unwrap_or_default(),
    );
    let filter = StoredValue::new(start);
    let list = RwSignal::new(ListState::<KbArticleSummary, ApiErr>::default());
    let debounce = Debouncer::new();

    let (restart, load_more) = pager(list, move |cursor| {
        let f = filter.get_value();
        async move { api::kb::list(&f, cursor.as_deref()).await }
    });
    let reload = move || {
        filter.set_value(KbFilter {
            q: search.get_untracked(),
            module: module.get_untracked().parse().ok(),
            visibility: visibility.get_untracked().parse().ok(),
            status: status.get_untracked().parse().ok(),
        });
        let href = filter.with_value(KbFilter::href);
        if location.search.get_untracked() != href.trim_start_matches("/kb") {
            redirect(&href);
        }
        restart();
    };
    reload();

    let on_search = move |ev: leptos::ev::Event| {
        search.set(event_target_value(&ev));
        debounce.run(SEARCH_DEBOUNCE, reload);
    };
    let clear_filters = move || {
        for s in [search, module, visibility, status] {
            s.set(String::new());
        }
        reload();
    };
    let refilter = move |field: RwSignal<String>| {
        Callback::new(move |v| {
            field.set(v);
            reload();
        })
    };

    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::KbTitle)}</th>
                    <th scope="col">{i.tr(Key::TkModule)}</th>
                    <th scope="col">{i.tr(Key::KbVisibility)}</th>
                    <th scope="col">{i.tr(Key::Status)}</th>
                    <th scope="col">{i.tr(Key::Updated)}</th>
                </tr>
            </thead>
        }
    };

    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="kb-heading">{i.tr(Key::KbNav)}</h1>
                <a class="btn btn-primary" href="/kb/new" data-testid="kb-new">{i.tr(Key::KbNewArticle)}</a>
            </header>
            <div class="toolbar" role="search">
                <div class="field field-grow">
                    <label for="kb-list-search">{i.tr(Key::Search)}</label>
                    <input
                        type="search"
                        id="kb-list-search"
                        data-testid="kb-list-search"
                        autocomplete="off"
                        placeholder=i.tr(Key::KbSearchHint)
                        prop:value=move || search.get()
                        on:input=on_search
                    />
                </div>
                <ChoiceSelect
                    id="kb-filter-module"
                    label=Key::TkModule
                    choices=module_choices()
                    value=module.into()
                    any=Key::KbAnyModule
                    on_pick=refilter(module)
                />
                <ChoiceSelect
                    id="kb-filter-visibility"
                    label=Key::KbVisibility
                    choices=visibility_choices()
                    value=visibility.into()
                    any=Key::KbAnyVisibility
                    on_pick=refilter(visibility)
                />
                <ChoiceSelect
                    id="kb-filter-status"
                    label=Key::Status
                    choices=kb_status_choices()
                    value=status.into()
                    any=Key::KbNotArchived
                    on_pick=refilter(status)
                />
            </div>
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(6, 5)
                testid="kb-table"
                filtered=Callback::new(move |_| !filter.with_value(|f| f.is_unfiltered()))
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|a| (a.id, a.version)
                        children=move |a| view! { <KbRow article=a /> }
                    />
                }
                empty=move || view! {
                    <div class="state" data-testid="kb-empty">
                        <p>{i.tr(Key::KbNoArticles)}</p>
                        <a class="btn btn-primary" href="/kb/new" data-testid="kb-empty-create">
                            {i.tr(Key::KbNewArticle)}
                        </a>
                    </div>
                }
                no_match=move || view! {
                    <div class="state" data-testid="kb-no-match">
                        <p>{i.tr(Key::KbNoMatch)}</p>
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
fn KbRow(article: KbArticleSummary) -> impl IntoView {
    let i = use_i18n();
    let href = format!("/kb/{}", article.id);
    view! {
        <tr data-testid="kb-row" data-article-id=article.id.to_string()>
            <td data-label=i.tr(Key::KbTitle)>
                <a href=href data-testid="kb-row-link">{article.title}</a>
                <p class="muted excerpt">{article.excerpt}</p>
            </td>
            <td data-label=i.tr(Key::TkModule)>{i.tr(module_key(article.module))}</td>
            <td data-label=i.tr(Key::KbVisibility)>
                <span class=format!("badge visibility-{}", article.visibility.as_str())>
                    {i.tr(visibility_key(article.visibility))}
                </span>
            </td>
            <td data-label=i.tr(Key::Status)>
                <span class=format!("badge kb-{}", article.status.as_str())>{i.tr(kb_status_key(article.status))}</span>
            </td>
            <td data-label=i.tr(Key::Updated)>{i.date_of(article.updated_at)}</td>
        </tr>
    }
}
