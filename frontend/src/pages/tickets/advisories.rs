//! `/advisories` (managers and admins): a notice — a known issue or a
//! patch — to the accounts running a version. Compose it (product, a
//! version range or list, optionally modules; the text in Chinese and/or
//! English), preview the accounts and recipients it reaches, send it (in
//! batches, with progress), and the advisories sent with their counts.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::installed_base::{
    validate_advisory, Advisory, AdvisoryKind, AdvisoryPreview, AdvisoryRequest, VersionFilter,
};
use shared::{ErpModule, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, ModulesPicker, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::list_view::{loaded_phase, ListView};
use crate::components::load::load;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::forms::answer_fields;
use crate::logic::installed_base::version_list;
use crate::pages::portal::common::TextArea;
use crate::pages::tickets::common::action_error;

fn kind_key(kind: AdvisoryKind) -> Key {
    match kind {
        AdvisoryKind::KnownBug => Key::AdvKnownBug,
        AdvisoryKind::Patch => Key::AdvPatch,
    }
}

fn versions_text(f: &VersionFilter) -> String {
    if f.versions.is_empty() {
        format!(
            "{} – {}",
            f.version_from.as_deref().unwrap_or("…"),
            f.version_to.as_deref().unwrap_or("…")
        )
    } else {
        f.versions.join(", ")
    }
}

#[component]
pub fn AdvisoriesPage() -> impl IntoView {
    let i = use_i18n();
    let sent = load(|| async { api::installed_base::advisories().await.map(|p| p.items) });
    view! {
        <Guard audience=Audience::Staff>
            <div class="page">
                <header class="page-header">
                    <div>
                        <h1 data-testid="advisories-heading">{i.tr(Key::AdvTitle)}</h1>
                    </div>
                </header>
                <Compose on_sent=Callback::new(move |_| sent.refresh.run(())) />
                <SentList sent />
            </div>
        </Guard>
    }
}

#[component]
fn Compose(on_sent: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let kind = RwSignal::new(AdvisoryKind::Patch);
    let product = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let list = RwSignal::new(String::new());
    let modules = RwSignal::new(Vec::<ErpModule>::new());
    let title_zh = RwSignal::new(String::new());
    let body_zh = RwSignal::new(String::new());
    let title_en = RwSignal::new(String::new());
    let body_en = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    // The preview and the request it was made for: sending needs both to
    // match what the form says now.
    let preview = RwSignal::new(None::<(AdvisoryRequest, AdvisoryPreview)>);
    let progress = RwSignal::new(None::<(i64, i64)>);

    let request = move || {
        let opt = |s: RwSignal<String>| {
            let v = s.get_untracked().trim().to_string();
            (!v.is_empty()).then_some(v)
        };
        AdvisoryRequest {
            kind: kind.get_untracked(),
            filter: VersionFilter {
                product: product.get_untracked().trim().to_string(),
                version_from: opt(from),
                version_to: opt(to),
                versions: version_list(&list.get_untracked()),
                modules: modules.get_untracked(),
            },
            title_zh: title_zh.get_untracked().trim().to_string(),
            body_zh: body_zh.get_untracked().trim().to_string(),
            title_en: title_en.get_untracked().trim().to_string(),
            body_en: body_en.get_untracked().trim().to_string(),
        }
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = request();
        if let Err(f) = validate_advisory(&req) {
            errors.set(f);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            match api::installed_base::preview(&req).await {
                Ok(p) => preview.set(Some((req, p))),
                Err(err) => {
                    errors.set(answer_fields(&err, "filter.product"));
                    failure.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    let send = move |_| {
        let Some((req, _)) = preview.get_untracked() else {
            return;
        };
        if req != request() {
            toasts.error(i.t(Key::AdvChanged).to_string());
            return;
        }
        busy.set(true);
        crate::task::spawn(async move {
            let result = async {
                let created = api::installed_base::create_advisory(&req).await?;
                loop {
                    let p = api::installed_base::send(created.id).await?;
                    progress.set(Some((p.accounts_done, p.accounts_total)));
                    if p.done {
                        return Ok::<i64, ApiErr>(p.recipients_sent);
                    }
                }
            }
            .await;
            match result {
                Ok(n) => {
                    toasts.success(i.f(Key::AdvSent, &[&n.to_string()]));
                    preview.set(None);
                    on_sent.run(());
                }
                Err(e) => {
                    toasts.error(action_error(i, &e));
                    on_sent.run(());
                }
            }
            progress.set(None);
            busy.set(false);
        });
    };

    view! {
        <section class="card" aria-labelledby="advisory-compose-title" data-testid="advisory-compose">
            <h2 id="advisory-compose-title">{i.tr(Key::AdvCompose)}</h2>
            <form class="inline-form" on:submit=submit novalidate=true data-testid="advisory-form">
                <ErrorBanner failure testid="advisory-form-error" />
                <div class="form-grid">
                    <div class="field">
                        <label for="advisory-kind">{i.tr(Key::AdvKind)}</label>
                        <select id="advisory-kind" data-testid="advisory-kind"
                            on:change=move |ev| {
                                if let Ok(k) = event_target_value(&ev).parse::<AdvisoryKind>() {
                                    kind.set(k);
                                }
                            }>
                            {AdvisoryKind::ALL.iter().map(|k| {
                                let k = *k;
                                view! { <option value=k.as_str() prop:selected=move || kind.get() == k>{i.tr(kind_key(k))}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <TextField id="advisory-product" label=Key::IbProduct value=product field="filter.product" errors error_prefix="advisory-" required=true />
                    <TextField id="advisory-from" label=Key::AdvFrom value=from field="filter.version_from" errors error_prefix="advisory-" />
                    <TextField id="advisory-to" label=Key::AdvTo value=to field="filter.version_to" errors error_prefix="advisory-" />
                    <TextField id="advisory-versions" label=Key::AdvList value=list field="filter.versions" errors error_prefix="advisory-"
                        hint=i.signal(Key::AdvRangeHint) />
                </div>
                <ModulesPicker prefix="advisory" selected=modules />
                <p class="field-hint">{i.tr(Key::AdvModulesHint)}</p>
                <p class="field-hint">{i.tr(Key::AdvTextHint)}</p>
                <div class="form-grid">
                    <TextField id="advisory-title-zh" label=Key::AdvTitleZh value=title_zh field="title_zh" errors error_prefix="advisory-" />
                    <TextField id="advisory-title-en" label=Key::AdvTitleEn value=title_en field="title_en" errors error_prefix="advisory-" />
                </div>
                <TextArea id="advisory-body-zh" label=Key::AdvBodyZh value=body_zh field="body_zh" errors rows=4 />
                <TextArea id="advisory-body-en" label=Key::AdvBodyEn value=body_en field="body_en" errors rows=4 />
                <div class="form-actions">
                    <button type="submit" class="btn" data-testid="advisory-preview" disabled=busy>
                        {i.tr(Key::AdvPreview)}
                    </button>
                </div>
            </form>
            {move || preview.get().map(|(_, p)| {
                let accounts = p.accounts.len().to_string();
                let recipients = p.recipients_total.to_string();
                let nobody = p.recipients_total == 0;
                view! {
                    <div class="advisory-preview" data-testid="advisory-preview-result">
                        <h3 data-testid="advisory-affected">{move || i.f(Key::AdvAffected, &[&accounts, &recipients])}</h3>
                        {if p.accounts.is_empty() {
                            view! { <p class="muted" data-testid="advisory-none-affected">{i.tr(Key::AdvNoneAffected)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="plain-list">
                                    {p.accounts.into_iter().map(|a| view! {
                                        <li data-testid="advisory-account" data-account-id=a.account_id.to_string()>
                                            <strong>{a.account_name}</strong>
                                            " · " <span class="muted">{a.installations.join("; ")}</span>
                                            {if a.recipients.is_empty() {
                                                view! { <p class="field-error">{i.tr(Key::AdvNobody)}</p> }.into_any()
                                            } else {
                                                view! {
                                                    <ul class="plain-list">
                                                        {a.recipients.into_iter().map(|r| view! {
                                                            <li data-testid="advisory-recipient">
                                                                {r.name} " <" {r.email} "> · " {r.locale.as_str()}
                                                                {r.fallback.then(|| view! { " " <span class="badge badge-muted">{i.tr(Key::AdvFallback)}</span> })}
                                                            </li>
                                                        }).collect_view()}
                                                    </ul>
                                                }.into_any()
                                            }}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <div class="form-actions">
                            <button type="button" class="btn btn-primary" data-testid="advisory-send"
                                disabled=move || busy.get() || nobody on:click=send>
                                {i.tr(Key::AdvSend)}
                            </button>
                            {move || progress.get().map(|(done, total)| view! {
                                <span class="muted" role="status" data-testid="advisory-progress">
                                    {i.f(Key::AdvSending, &[&done.to_string(), &total.to_string()])}
                                </span>
                            })}
                        </div>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn SentList(sent: crate::components::load::Loaded<Vec<Advisory>>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::AdvTitleZh)}</th>
                    <th scope="col">{i.tr(Key::AdvKind)}</th>
                    <th scope="col">{i.tr(Key::AdvVersions)}</th>
                    <th scope="col">{i.tr(Key::AdvAccounts)}</th>
                    <th scope="col">{i.tr(Key::AdvRecipients)}</th>
                    <th scope="col">{i.tr(Key::AdvSentAt)}</th>
                </tr>
            </thead>
        }
    };
    let resume = move |id: i64| {
        crate::task::spawn(async move {
            loop {
                match api::installed_base::send(id).await {
                    Ok(p) if p.done => break,
                    Ok(_) => continue,
                    Err(e) => {
                        toasts.error(action_error(i, &e));
                        break;
                    }
                }
            }
            sent.refresh.run(());
        });
    };
    let phase = loaded_phase(sent);
    view! {
        <section class="card" aria-labelledby="advisories-sent-title" data-testid="advisories-sent">
            <h2 id="advisories-sent-title">{i.tr(Key::AdvSentList)}</h2>
            <ListView
                phase
                on_retry=sent.reload
                header
                skeleton=(2, 6)
                testid="advisories-table"
                busy=false
                rows=move || {
                    move || {
                        sent.ok().unwrap_or_default().into_iter().map(|a| {
                            let title = if a.title_zh.is_empty() { a.title_en.clone() } else { a.title_zh.clone() };
                            let versions = format!("{} {}", a.filter.product, versions_text(&a.filter));
                            let id = a.id;
                            view! {
                                <tr data-testid="advisory-row" data-advisory-id=id.to_string()>
                                    <td data-label=i.tr(Key::AdvTitleZh)>{title}</td>
                                    <td data-label=i.tr(Key::AdvKind)>{i.tr(kind_key(a.kind))}</td>
                                    <td data-label=i.tr(Key::AdvVersions)>{versions}</td>
                                    <td data-label=i.tr(Key::AdvAccounts) data-testid="advisory-accounts">{a.accounts_sent}</td>
                                    <td data-label=i.tr(Key::AdvRecipients) data-testid="advisory-recipients">{a.recipients_sent}</td>
                                    <td data-label=i.tr(Key::AdvSentAt)>
                                        {match a.sent_at {
                                            Some(at) => view! { <span>{i.datetime_of(at)}</span> }.into_any(),
                                            None => view! {
                                                <span class="badge badge-warning">{i.tr(Key::AdvInProgress)}</span>
                                                " "
                                                <button type="button" class="btn btn-small" data-testid="advisory-resume"
                                                    on:click=move |_| resume(id)>
                                                    {i.tr(Key::AdvResume)}
                                                </button>
                                            }.into_any(),
                                        }}
                                    </td>
                                </tr>
                            }
                        }).collect_view()
                    }
                }
                empty=move || view! { <p class="muted" data-testid="advisories-empty">{i.tr(Key::AdvNoneSent)}</p> }
            />
        </section>
    }
}
