//! `/kb/new` and `/kb/{id}`: writing an article (Markdown) with its module,
//! visibility and status. Saving an existing article sends only what changed,
//! with `If-Match` (412: someone else saved first; reload). The preview is
//! the server's rendering (safe HTML) of the last saved version: the SPA
//! carries no Markdown renderer of its own.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::kb::{KbArticle, KbStatus};
use shared::{ErrorCode, FieldErrors};

use crate::api::{self, ApiErr, Tagged};
use crate::components::fields::{expanded, ErrorBanner, TextField};
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::kb::KbForm;
use crate::pages::portal::common::{
    kb_status_choices, kb_status_key, visibility_choices, ArticleBody, TextArea,
};
use crate::pages::tickets::common::{module_choices, ChoiceSelect};
use crate::router::{navigate, redirect};

/// `/kb/new`.
#[component]
pub fn KbNewPage() -> impl IntoView {
    view! { <KbEditor article=None on_reload=Callback::new(|_| ()) /> }
}

/// `/kb/{id}`.
#[component]
pub fn KbArticlePage(id: i64) -> impl IntoView {
    let state = RwSignal::new(None::<Result<Tagged<KbArticle>, ApiErr>>);
    let load = move || {
        state.set(None);
        crate::task::spawn(async move {
            let result = api::kb::get(id).await;
            state.set(Some(result));
        });
    };
    load();
    let i = use_i18n();
    move || match state.get() {
        None => view! { <div class="page"><SkeletonCard /></div> }.into_any(),
        Some(Err(e)) if e.is(ErrorCode::NotFound) => view! {
            <div class="page">
                <div class="state" data-testid="kb-not-found">
                    <p>{i.tr(Key::KbNotFound)}</p>
                    <a class="btn" href="/kb">{i.tr(Key::KbBackToList)}</a>
                </div>
            </div>
        }
        .into_any(),
        Some(Err(e)) => view! {
            <div class="page"><ErrorState error=e on_retry=Callback::new(move |_| load()) /></div>
        }
        .into_any(),
        Some(Ok(tagged)) => {
            view! { <KbEditor article=Some(tagged) on_reload=Callback::new(move |_| load()) /> }
                .into_any()
        }
    }
}

#[component]
fn KbEditor(article: Option<Tagged<KbArticle>>, on_reload: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let form = article
        .as_ref()
        .map(|t| KbForm::from_article(&t.value))
        .unwrap_or_default();
    let saved = RwSignal::new(article);
    let title = RwSignal::new(form.title);
    let module = RwSignal::new(form.module.as_str().to_string());
    let visibility = RwSignal::new(form.visibility.as_str().to_string());
    let status = RwSignal::new(form.status.as_str().to_string());
    let body = RwSignal::new(form.body);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let preview = RwSignal::new(false);
    let confirming = RwSignal::new(false);

    let is_new = move || saved.with(Option::is_none);
    let stale = move || {
        failure.with(|f| {
            f.as_ref()
                .is_some_and(|e| e.is(ErrorCode::PreconditionFailed))
        })
    };
    let current = move || {
        let defaults = KbForm::default();
        KbForm {
            title: title.get_untracked(),
            module: module.get_untracked().parse().unwrap_or(defaults.module),
            visibility: visibility
                .get_untracked()
                .parse()
                .unwrap_or(defaults.visibility),
            status: status.get_untracked().parse().unwrap_or(defaults.status),
            body: body.get_untracked(),
        }
    };
    let on_saved = move |t: Tagged<KbArticle>, created: bool| {
        toasts.success(i.t(if created { Key::KbCreated } else { Key::Saved }));
        let id = t.value.id;
        let status_now = t.value.status.as_str().to_string();
        saved.set(Some(t));
        status.set(status_now);
        if created {
            // On to the article's own page (which reads it back).
            redirect(&format!("/kb/{id}"));
        }
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = current();
        let original = saved.get_untracked();
        errors.set(FieldErrors::new());
        failure.set(None);
        match original {
            None => {
                let req = match form.to_create() {
                    Ok(req) => req,
                    Err(fields) => return errors.set(fields),
                };
                Submit::new(busy, errors, failure)
                    .send(async move { api::kb::create(&req).await }, move |t| {
                        on_saved(t, true)
                    });
            }
            Some(t) => {
                let req = match form.diff(&t.value) {
                    Ok(req) => req,
                    Err(fields) => return errors.set(fields),
                };
                if req == Default::default() {
                    toasts.success(i.t(Key::NothingToSave));
                    return;
                }
                Submit::new(busy, errors, failure).send(
                    async move { api::kb::update(t.value.id, &req, t.etag.as_deref()).await },
                    move |t| on_saved(t, false),
                );
            }
        }
    };

    let archive = move |_| {
        let Some(id) = saved.with_untracked(|s| s.as_ref().map(|t| t.value.id)) else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::kb::archive(id).await {
                Ok(_) => {
                    toasts.success(i.t(Key::KbArchived));
                    navigate("/kb");
                }
                Err(err) => {
                    failure.set(Some(err));
                    busy.set(false);
                }
            }
        });
    };

    let heading = move || match saved.with(|s| s.as_ref().map(|t| t.value.title.clone())) {
        Some(t) => t,
        None => i.t(Key::KbNewArticle).to_string(),
    };
    let archived = move || {
        saved.with(|s| {
            s.as_ref()
                .is_some_and(|t| t.value.status == KbStatus::Archived)
        })
    };
    let source = move || saved.with(|s| s.as_ref().and_then(|t| t.value.source_ticket_id));
    let preview_stale = move || {
        saved.with(|s| match s {
            Some(t) => body.with(|b| *b != t.value.body),
            None => true,
        })
    };

    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/kb" data-testid="kb-back">{i.tr(Key::KbBackToList)}</a>
            </nav>
            <header class="page-header">
                <div>
                    <h1 data-testid="kb-editor-heading">{heading}</h1>
                    {move || {
                        saved
                            .with(|s| s.as_ref().map(|t| (t.value.status, t.value.updated_at)))
                            .map(|(s, at)| {
                                view! {
                                    <p class="muted" data-testid="kb-saved-status">
                                        <span class=format!("badge kb-{}", s.as_str())>{i.tr(kb_status_key(s))}</span>
                                        " "
                                        {i.datetime_of(at)}
                                    </p>
                                }
                            })
                    }}
                    {move || {
                        source()
                            .map(|id| {
                                view! {
                                    <p class="muted">
                                        <a href=format!("/tickets/{id}") data-testid="kb-source-ticket">
                                            {move || i.f(Key::KbFromTicket, &[&id.to_string()])}
                                        </a>
                                    </p>
                                }
                            })
                    }}
                </div>
                {move || {
                    (!is_new() && !archived())
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="btn btn-danger-ghost"
                                    data-testid="kb-archive"
                                    aria-expanded=expanded(confirming)
                                    on:click=move |_| confirming.update(|c| *c = !*c)
                                >
                                    {i.tr(Key::Archive)}
                                </button>
                            }
                        })
                }}
            </header>
            {move || {
                confirming
                    .get()
                    .then(|| {
                        view! {
                            <div class="banner banner-warning" role="alertdialog" aria-labelledby="kb-archive-question" data-testid="kb-archive-box">
                                <p id="kb-archive-question">{i.tr(Key::KbArchiveQuestion)}</p>
                                <div class="form-actions">
                                    <button type="button" class="btn btn-danger" data-testid="kb-archive-confirm" disabled=busy on:click=archive>
                                        {i.tr(Key::Archive)}
                                    </button>
                                    <button type="button" class="btn btn-ghost" on:click=move |_| confirming.set(false)>
                                        {i.tr(Key::Cancel)}
                                    </button>
                                </div>
                            </div>
                        }
                    })
            }}
            <form class="card form-card form-wide" on:submit=submit novalidate=true data-testid="kb-form">
                {move || {
                    stale()
                        .then(|| {
                            view! {
                                <div class="banner banner-warning" role="alert" data-testid="stale-warning">
                                    <p>{i.tr(Key::KbStale)}</p>
                                    <button type="button" class="btn" data-testid="stale-reload" on:click=move |_| on_reload.run(())>
                                        {i.tr(Key::Reload)}
                                    </button>
                                </div>
                            }
                        })
                }}
                <ErrorBanner failure testid="kb-form-error" hide=ErrorCode::PreconditionFailed />
                <TextField id="kb-title" label=Key::KbTitle value=title field="title" errors required=true autocomplete="off" />
                <div class="form-grid">
                    <ChoiceSelect
                        id="kb-module"
                        label=Key::TkModule
                        choices=module_choices()
                        value=module.into()
                        on_pick=Callback::new(move |v| module.set(v))
                    />
                    <ChoiceSelect
                        id="kb-visibility"
                        label=Key::KbVisibility
                        choices=visibility_choices()
                        value=visibility.into()
                        on_pick=Callback::new(move |v| visibility.set(v))
                    />
                    <ChoiceSelect
                        id="kb-status"
                        label=Key::Status
                        choices=kb_status_choices()
                        value=status.into()
                        on_pick=Callback::new(move |v| status.set(v))
                    />
                </div>
                <p class="field-hint">{i.tr(Key::KbVisibilityHint)}</p>
                <div class="tabs" role="tablist">
                    <button
                        type="button"
                        role="tab"
                        class="tab"
                        data-testid="kb-tab-write"
                        aria-selected=move || if preview.get() { "false" } else { "true" }
                        on:click=move |_| preview.set(false)
                    >
                        {i.tr(Key::KbWrite)}
                    </button>
                    <button
                        type="button"
                        role="tab"
                        class="tab"
                        data-testid="kb-tab-preview"
                        aria-selected=expanded(preview)
                        on:click=move |_| preview.set(true)
                    >
                        {i.tr(Key::KbPreview)}
                    </button>
                </div>
                <div hidden=move || preview.get()>
                    <TextArea
                        id="kb-body"
                        label=Key::KbBody
                        value=body
                        field="body"
                        errors
                        rows=18
                        mono=true
                        hint=i.signal(Key::KbMarkdownHint)
                    />
                </div>
                {move || {
                    preview
                        .get()
                        .then(|| {
                            view! {
                                <div class="preview" data-testid="kb-preview">
                                    {preview_stale()
                                        .then(|| {
                                            view! {
                                                <p class="banner banner-warning" data-testid="kb-preview-stale">
                                                    {i.tr(if is_new() { Key::KbPreviewAfterSave } else { Key::KbPreviewStale })}
                                                </p>
                                            }
                                        })}
                                    {saved
                                        .get()
                                        .map(|t| view! { <ArticleBody body_html=t.value.body_html faq=t.value.faq /> })}
                                </div>
                            }
                        })
                }}
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" data-testid="kb-save" disabled=move || busy.get() || stale()>
                        {i.tr_when(busy, Key::Saving, Key::Save)}
                    </button>
                    <a class="btn btn-ghost" href="/kb" data-testid="kb-cancel">{i.tr(Key::Cancel)}</a>
                </div>
            </form>
        </div>
    }
}
