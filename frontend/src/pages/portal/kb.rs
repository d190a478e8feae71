//! `/portal/kb`: searching the public manual (操作手册) by text and module;
//! `/portal/kb/{id}`: one article.

use leptos::prelude::*;
use shared::kb::PortalKbArticle;
use shared::{ErpModule, ErrorCode};

use crate::api::{self, ApiErr};
use crate::components::load::load;
use crate::components::paged::{load_more_footer, pager};
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::url_filter::Debouncer;
use crate::i18n::{module_key, use_i18n, Key};
use crate::logic::paging::{ListState, Phase};
use crate::logic::portal::SUGGEST_DEBOUNCE;
use crate::logic::query::QueryString;
use crate::pages::portal::common::ArticleBody;
use crate::pages::tickets::common::{module_choices, ChoiceSelect};
use crate::router::{here, query_param, redirect};

#[component]
pub fn PortalKbPage() -> impl IntoView {
    let i = use_i18n();
    // The search lives in the URL (`/portal/kb?q=…&module=finance`), so a
    // link or a reload shows the same results.
    let text = RwSignal::new(query_param("q").unwrap_or_default());
    let module = RwSignal::new(
        query_param("module")
            .filter(|m| m.parse::<ErpModule>().is_ok())
            .unwrap_or_default(),
    );
    let list = RwSignal::new(ListState::<PortalKbArticle, ApiErr>::default());
    let debounce = Debouncer::new();
    // The search the list shows (text, module).
    let applied = StoredValue::new((String::new(), None::<ErpModule>));

    let (restart, load_more) = pager(list, move |cursor| {
        let (q, m) = applied.get_value();
        async move { api::kb::portal_search(&q, m, api::kb::PAGE, cursor.as_deref()).await }
    });
    let reload = move || {
        let q = text.get_untracked().trim().to_string();
        let m: Option<ErpModule> = module.get_untracked().parse().ok();
        let href = format!(
            "/portal/kb{}",
            QueryString::new()
                .push("q", &q)
                .push_opt("module", m.map(|m| m.as_str()))
                .build()
        );
        if here() != href {
            redirect(&href);
        }
        applied.set_value((q, m));
        restart();
    };
    reload();

    let on_search = move |ev: leptos::ev::Event| {
        text.set(event_target_value(&ev));
        debounce.run(SUGGEST_DEBOUNCE, reload);
    };

    let phase = Memo::new(move |_| list.with(|l| l.phase()));

    view! {
        <div class="page">
            <header class="page-header">
                <div>
                    <h1 data-testid="portal-kb-heading">{i.tr(Key::PtManual)}</h1>
                    <p class="muted">{i.tr(Key::PtManualIntro)}</p>
                </div>
            </header>
            <form class="toolbar" role="search" on:submit=move |ev| {
                ev.prevent_default();
                reload();
            }>
                <div class="field field-grow">
                    <label for="kb-search">{i.tr(Key::Search)}</label>
                    <input
                        type="search"
                        id="kb-search"
                        data-testid="kb-search"
                        autocomplete="off"
                        placeholder=i.tr(Key::PtSearchManualHint)
                        prop:value=move || text.get()
                        on:input=on_search
                    />
                </div>
                <ChoiceSelect
                    id="kb-module"
                    label=Key::TkModule
                    choices=module_choices()
                    value=module.into()
                    any=Key::KbAnyModule
                    on_pick=Callback::new(move |v| {
                        module.set(v);
                        reload();
                    })
                />
            </form>
            {move || match phase.get() {
                Phase::Failed(e) => {
                    view! { <ErrorState error=e on_retry=Callback::new(move |_| reload()) /> }.into_any()
                }
                Phase::Empty => view! {
                    <div class="state" data-testid="kb-empty">
                        <p>{i.tr(Key::PtManualNothing)}</p>
                        <a class="btn" href="/portal/tickets/new" data-testid="kb-raise-ticket">{i.tr(Key::PtNewTicket)}</a>
                    </div>
                }
                .into_any(),
                Phase::Loading => view! { <SkeletonCard /> }.into_any(),
                Phase::Rows => view! {
                    <ul class="results" data-testid="kb-results">
                        <For
                            each=move || list.with(|l| l.items.clone())
                            key=|a| a.id
                            children=move |a| view! { <ResultItem article=a /> }
                        />
                    </ul>
                }
                .into_any(),
            }}
            {load_more_footer(list, load_more, "load-more")}
        </div>
    }
}

#[component]
fn ResultItem(article: PortalKbArticle) -> impl IntoView {
    let i = use_i18n();
    let href = format!("/portal/kb/{}", article.id);
    view! {
        <li class="card result" data-testid="kb-result" data-article-id=article.id.to_string()>
            <a href=href data-testid="kb-result-link"><strong>{article.title}</strong></a>
            <p class="muted">{article.excerpt}</p>
            <p class="result-meta">
                <span class="chip">{i.tr(module_key(article.module))}</span>
                " "
                <span class="muted">{i.date_of(article.updated_at)}</span>
            </p>
        </li>
    }
}

#[component]
pub fn PortalArticlePage(id: i64) -> impl IntoView {
    let i = use_i18n();
    let article = load(move || api::kb::portal_article(id));
    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/portal/kb" data-testid="kb-back">{i.tr(Key::PtBackToManual)}</a>
            </nav>
            {move || match article.value.get() {
                None => view! { <SkeletonCard /> }.into_any(),
                Some(Err(e)) if e.is(ErrorCode::NotFound) => view! {
                    <div class="state" data-testid="kb-article-not-found">
                        <p>{i.tr(Key::KbNotFound)}</p>
                        <a class="btn" href="/portal/kb">{i.tr(Key::PtBackToManual)}</a>
                    </div>
                }
                .into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=article.reload /> }.into_any(),
                Some(Ok(a)) => view! {
                    <article class="card article" data-testid="kb-article">
                        <h1 data-testid="kb-article-title">{a.title}</h1>
                        <p class="result-meta">
                            <span class="chip">{i.tr(module_key(a.module))}</span>
                            " "
                            <span class="muted">{i.date_of(a.updated_at)}</span>
                        </p>
                        <ArticleBody body_html=a.body_html faq=a.faq />
                    </article>
                    <section class="card" data-testid="kb-still-stuck">
                        <p>{i.tr(Key::PtStillStuck)}</p>
                        <a class="btn btn-primary" href="/portal/tickets/new" data-testid="kb-raise-ticket">
                            {i.tr(Key::PtNewTicket)}
                        </a>
                    </section>
                }
                .into_any(),
            }}
        </div>
    }
}
