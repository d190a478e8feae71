//! `/accounts/import` (admins and managers): the import wizard. Choose what
//! the file holds (templates in both languages), upload it for a check (a
//! dry run: the column mapping, what would be new, updated or unchanged,
//! and each problem row), then import it for real; a progress bar follows
//! either while it runs, and every problem row can be downloaded as CSV.

use std::time::Duration;

use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use shared::imports::{Import, ImportKind, ImportMode, ImportStatus};
use shared::Role;

use crate::api::{self, ApiErr};
use crate::components::fields::ErrorBanner;
use crate::components::guard::{Audience, Guard};
use crate::components::states::Forbidden;
use crate::i18n::{use_i18n, I18n, Key, Lang};
use crate::session::use_session;

/// How often a running import is asked for its progress.
const POLL: Duration = Duration::from_millis(700);

#[component]
pub fn ImportPage() -> impl IntoView {
    view! {
        <Guard audience=Audience::Staff>
            <ImportGate />
        </Guard>
    }
}

#[component]
fn ImportGate() -> impl IntoView {
    let session = use_session();
    move || match session.role() {
        Some(Role::Admin | Role::Manager) => view! { <ImportWizard /> }.into_any(),
        _ => view! { <Forbidden /> }.into_any(),
    }
}

fn kind_key(kind: ImportKind) -> Key {
    match kind {
        ImportKind::Accounts => Key::ImKindAccounts,
        ImportKind::Contacts => Key::ImKindContacts,
        ImportKind::Contracts => Key::ImKindContracts,
        ImportKind::Licenses => Key::ImKindLicenses,
        ImportKind::Agreements => Key::ImKindAgreements,
    }
}

fn status_key(status: ImportStatus) -> Key {
    match status {
        ImportStatus::Queued => Key::ImStatusQueued,
        ImportStatus::Running => Key::ImStatusRunning,
        ImportStatus::Done => Key::ImStatusDone,
        ImportStatus::Failed => Key::ImStatusFailed,
    }
}

fn mode_key(mode: ImportMode) -> Key {
    match mode {
        ImportMode::DryRun => Key::ImModeDryRun,
        ImportMode::Commit => Key::ImModeCommit,
    }
}

fn running(import: &Import) -> bool {
    matches!(import.status, ImportStatus::Queued | ImportStatus::Running)
}

/// The name of a field of `kind` as the user reads it.
fn field_label(kind: ImportKind, field: &str, lang: Lang) -> String {
    let found = kind.fields().iter().find(|f| f.key == field);
    match (found, lang) {
        (Some(f), Lang::Zh) => f.zh.to_string(),
        _ => field.replace('_', " "),
    }
}

/// Asks for the import's progress until it has finished; stops when the
/// page has gone.
fn follow(id: i64, current: RwSignal<Option<Import>>, recent: RwSignal<Vec<Import>>) {
    set_timeout(
        move || {
            crate::task::spawn(async move {
                let Ok(import) = api::imports::get(id).await else {
                    if current.try_get_untracked().is_some() {
                        follow(id, current, recent);
                    }
                    return;
                };
                let still = running(&import);
                if current.try_set(Some(import.clone())).is_some() {
                    return;
                }
                if still {
                    follow(id, current, recent);
                } else {
                    recent.try_update(|r| {
                        r.retain(|i| i.id != import.id);
                        r.insert(0, import);
                    });
                }
            });
        },
        POLL,
    );
}

#[component]
fn ImportWizard() -> impl IntoView {
    let i = use_i18n();
    let kind = RwSignal::new(ImportKind::Accounts);
    let encoding = RwSignal::new(String::from("auto"));
    let file_input = NodeRef::<Input>::new();
    let current = RwSignal::new(None::<Import>);
    let recent = RwSignal::new(Vec::<Import>::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let missing_file = RwSignal::new(false);
    let busy = RwSignal::new(false);

    crate::task::spawn(async move {
        if let Ok(page) = api::imports::list().await {
            recent.try_set(page.items);
        }
    });

    let started = move |import: Import| {
        let id = import.id;
        let still = running(&import);
        current.set(Some(import.clone()));
        recent.update(|r| r.insert(0, import));
        if still {
            follow(id, current, recent);
        }
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let file = file_input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        let Some(file) = file else {
            missing_file.set(true);
            return;
        };
        missing_file.set(false);
        failure.set(None);
        busy.set(true);
        let chosen = encoding.get_untracked();
        let encoding = (chosen != "auto").then_some(chosen);
        let kind = kind.get_untracked();
        crate::task::spawn(async move {
            match api::imports::start(kind, ImportMode::DryRun, encoding, &file).await {
                Ok(import) => started(import),
                Err(e) => {
                    failure.try_set(Some(e));
                }
            }
            busy.try_set(false);
        });
    };

    let commit = Callback::new(move |id: i64| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::imports::commit(id).await {
                Ok(import) => started(import),
                Err(e) => {
                    failure.try_set(Some(e));
                }
            }
            busy.try_set(false);
        });
    });

    let template = move |lang: &'static str| {
        let kind = kind.get_untracked();
        crate::task::spawn(async move {
            if let Err(e) = api::imports::download_template(kind, lang).await {
                failure.try_set(Some(e));
            }
        });
    };

    view! {
        <div class="page import-page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/accounts" data-testid="import-back">{i.tr(Key::NavAccounts)}</a>
            </nav>
            <header class="page-header">
                <div>
                    <h1 data-testid="import-heading">{i.tr(Key::ImTitle)}</h1>
                    <p class="muted">{i.tr(Key::ImIntro)}</p>
                </div>
            </header>
            <form class="card import-form" on:submit=submit novalidate=true data-testid="import-form">
                <ErrorBanner failure testid="import-error" />
                <div class="field">
                    <label for="import-kind">{i.tr(Key::ImKind)}</label>
                    <select
                        id="import-kind"
                        data-testid="import-kind"
                        on:change=move |ev| {
                            if let Ok(k) = event_target_value(&ev).parse() {
                                kind.set(k);
                            }
                        }
                    >
                        {ImportKind::ALL
                            .iter()
                            .map(|k| {
                                let k = *k;
                                view! {
                                    <option value=k.as_str() prop:selected=move || kind.get() == k>
                                        {i.tr(kind_key(k))}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <p class="field-hint import-templates">
                        {i.tr(Key::ImTemplates)} " "
                        <button type="button" class="btn-link" data-testid="import-template-zh" on:click=move |_| template("zh-CN")>
                            {i.tr(Key::ImTemplateZh)}
                        </button>
                        " · "
                        <button type="button" class="btn-link" data-testid="import-template-en" on:click=move |_| template("en")>
                            {i.tr(Key::ImTemplateEn)}
                        </button>
                    </p>
                </div>
                <div class="field">
                    <label for="import-file">{i.tr(Key::ImFile)}</label>
                    <input
                        type="file"
                        id="import-file"
                        data-testid="import-file"
                        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                        node_ref=file_input
                        aria-invalid=move || missing_file.get().then_some("true")
                        on:change=move |_| missing_file.set(false)
                    />
                    <p class="field-hint">{i.tr(Key::ImFileHint)}</p>
                    {move || missing_file.get().then(|| view! {
                        <p class="field-error" role="alert" data-testid="import-no-file">{i.tr(Key::ImNoFile)}</p>
                    })}
                </div>
                <div class="field">
                    <label for="import-encoding">{i.tr(Key::ImEncoding)}</label>
                    <select
                        id="import-encoding"
                        data-testid="import-encoding"
                        on:change=move |ev| encoding.set(event_target_value(&ev))
                    >
                        <option value="auto">{i.tr(Key::ImEncodingAuto)}</option>
                        <option value="UTF-8">"UTF-8"</option>
                        <option value="GB18030">"GB18030 / GBK"</option>
                        <option value="Big5">"Big5"</option>
                    </select>
                </div>
                <button type="submit" class="btn btn-primary" data-testid="import-check" disabled=busy>
                    {i.tr_when(busy, Key::ImUploading, Key::ImCheck)}
                </button>
            </form>
            {move || current.get().map(|import| view! { <ImportResult import busy commit /> })}
            <RecentImports recent />
        </div>
    }
}

#[component]
fn ImportResult(import: Import, busy: RwSignal<bool>, commit: Callback<i64>) -> impl IntoView {
    let i = use_i18n();
    let id = import.id;
    let failure = RwSignal::new(None::<ApiErr>);
    let download = move |_| {
        crate::task::spawn(async move {
            if let Err(e) = api::imports::download_errors(id).await {
                failure.try_set(Some(e));
            }
        });
    };
    let writes = import.created + import.updated;
    let status = match import.status {
        ImportStatus::Queued | ImportStatus::Running => {
            let (done, total) = (import.rows_done, import.rows_total);
            let text = if total == 0 {
                i.t(Key::ImQueued).to_string()
            } else {
                i.f(Key::ImProgress, &[&done.to_string(), &total.to_string()])
            };
            view! {
                <div class="import-progress" role="status" data-testid="import-progress">
                    <progress max=total.max(1).to_string() value=done.to_string()></progress>
                    <span>{text}</span>
                </div>
            }
            .into_any()
        }
        ImportStatus::Failed => view! {
            <div class="banner banner-error" role="alert" data-testid="import-failed">
                <strong>{i.tr(Key::ImFailed)}</strong>
                {import.failure.clone().map(|f| format!(": {f}"))}
            </div>
        }
        .into_any(),
        ImportStatus::Done => view! {
            <p class="banner banner-success" role="status" data-testid="import-done">
                {i.tr(if import.mode == ImportMode::DryRun { Key::ImDryRunDone } else { Key::ImCommitDone })}
            </p>
        }
        .into_any(),
    };
    let finished = import.status == ImportStatus::Done;
    let counts = [
        (Key::ImCreated, import.created, "import-created"),
        (Key::ImUpdated, import.updated, "import-updated"),
        (Key::ImUnchanged, import.unchanged, "import-unchanged"),
        (Key::ImRowsFailed, import.failed, "import-failed-rows"),
    ];
    let kind = import.kind;
    let columns = import.columns.clone();
    let errors = import.errors.clone();
    let more = import.failed as usize > errors.len() || errors.len() >= 20;
    view! {
        <section class="card import-result" aria-labelledby="import-result-title" data-testid="import-result" data-import-id=id.to_string()>
            <h2 id="import-result-title">
                {i.tr(Key::ImResults)} " · " {import.file_name.clone()} " (" {i.tr(mode_key(import.mode))} ")"
            </h2>
            <ErrorBanner failure testid="import-action-error" />
            {status}
            <dl class="import-counts">
                {counts
                    .into_iter()
                    .map(|(key, n, testid)| view! {
                        <div>
                            <dt>{i.tr(key)}</dt>
                            <dd data-testid=testid>{n.to_string()}</dd>
                        </div>
                    })
                    .collect_view()}
            </dl>
            {(!columns.is_empty()).then(|| view! {
                <details class="import-columns" open=import.mode == ImportMode::DryRun>
                    <summary>{i.tr(Key::ImColumns)}</summary>
                    <table class="table" data-testid="import-columns">
                        <thead>
                            <tr>
                                <th scope="col">{i.tr(Key::ImHeader)}</th>
                                <th scope="col">{i.tr(Key::ImField)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {columns
                                .into_iter()
                                .map(|c| {
                                    let field = c.field.clone();
                                    view! {
                                        <tr>
                                            <td>{c.header}</td>
                                            <td>{move || match &field {
                                                Some(f) => field_label(kind, f, i.lang()),
                                                None => i.t(Key::ImIgnored).to_string(),
                                            }}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </details>
            })}
            {(!errors.is_empty()).then(|| view! {
                <h3>{i.tr(Key::ImErrors)}</h3>
                <table class="table" data-testid="import-errors">
                    <thead>
                        <tr>
                            <th scope="col">{i.tr(Key::ImRow)}</th>
                            <th scope="col">{i.tr(Key::ImColumn)}</th>
                            <th scope="col">{i.tr(Key::ImReason)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {errors
                            .into_iter()
                            .map(|e| view! {
                                <tr>
                                    <td>{e.row.to_string()}</td>
                                    <td>{e.column}</td>
                                    <td>{e.message}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
                {more.then(|| view! { <p class="muted">{i.tr(Key::ImMore)}</p> })}
            })}
            <div class="toolbar">
                {(import.failed > 0).then(|| view! {
                    <button type="button" class="btn" data-testid="import-download-errors" on:click=download>
                        {i.tr(Key::ImDownloadErrors)}
                    </button>
                })}
                {(finished && import.mode == ImportMode::DryRun && writes > 0).then(|| view! {
                    <button
                        type="button"
                        class="btn btn-primary"
                        data-testid="import-commit"
                        disabled=busy
                        on:click=move |_| commit.run(id)
                    >
                        {move || i.f(Key::ImCommit, &[&writes.to_string()])}
                    </button>
                })}
                {(finished && import.mode == ImportMode::Commit).then(|| view! {
                    <a class="btn" href="/accounts" data-testid="import-to-accounts">{i.tr(Key::ImViewAccounts)}</a>
                })}
            </div>
        </section>
    }
}

fn status_cell(i: I18n, import: &Import) -> String {
    let status = i.t(status_key(import.status));
    if running(import) && import.rows_total > 0 {
        format!("{status} {}/{}", import.rows_done, import.rows_total)
    } else {
        status.to_string()
    }
}

#[component]
fn RecentImports(recent: RwSignal<Vec<Import>>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="card" aria-labelledby="import-recent-title" data-testid="import-recent">
            <h2 id="import-recent-title">{i.tr(Key::ImRecent)}</h2>
            {move || {
                let list = recent.get();
                if list.is_empty() {
                    return view! { <p class="muted" data-testid="import-recent-empty">{i.tr(Key::ImRecentEmpty)}</p> }.into_any();
                }
                view! {
                    <table class="table">
                        <thead>
                            <tr>
                                <th scope="col">{i.tr(Key::ImFileName)}</th>
                                <th scope="col">{i.tr(Key::ImKind)}</th>
                                <th scope="col">{i.tr(Key::Status)}</th>
                                <th scope="col">{i.tr(Key::ImCreated)}</th>
                                <th scope="col">{i.tr(Key::ImUpdated)}</th>
                                <th scope="col">{i.tr(Key::ImUnchanged)}</th>
                                <th scope="col">{i.tr(Key::ImRowsFailed)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|im| view! {
                                    <tr data-testid="import-recent-row">
                                        <td>{im.file_name.clone()} " (" {i.tr(mode_key(im.mode))} ")"</td>
                                        <td>{i.tr(kind_key(im.kind))}</td>
                                        <td>{status_cell(i, &im)}</td>
                                        <td>{im.created.to_string()}</td>
                                        <td>{im.updated.to_string()}</td>
                                        <td>{im.unchanged.to_string()}</td>
                                        <td>{im.failed.to_string()}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_in_the_readers_language() {
        assert_eq!(
            field_label(ImportKind::Accounts, "code", Lang::Zh),
            "客户编码"
        );
        assert_eq!(
            field_label(ImportKind::Accounts, "owner_email", Lang::En),
            "owner email"
        );
        assert_eq!(
            field_label(ImportKind::Contracts, "number", Lang::Zh),
            "合同编号"
        );
    }
}
