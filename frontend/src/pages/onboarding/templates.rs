//! `/settings/onboarding-templates`: the workspace's onboarding templates.
//! Everyone on staff reads them; admins make new ones, copy one (the
//! built-in default cannot be changed, only copied) and edit their tasks:
//! stage, titles in both languages, due offset, owner role, module and the
//! rule attached (licence, agreement, go-live), in order.

use leptos::prelude::*;
use shared::onboarding::{OnboardingTemplate, TaskKind};
use shared::{ErpModule, FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::list_view::{loaded_phase, ListView};
use crate::components::load::load;
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{module_key, role_key, use_i18n, I18n, Key};
use crate::logic::forms::localize;
use crate::logic::gaps::{add_task, move_task, template_request, TaskDraft};
use crate::session::use_session;

/// What the editor holds: the template it replaces (none: a new one).
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    replaces: Option<i64>,
    name: String,
    description: String,
    tasks: Vec<TaskDraft>,
}

fn kind_key(kind: TaskKind) -> Key {
    match kind {
        TaskKind::General => Key::GpKindGeneral,
        TaskKind::LicenseRegistration => Key::GpKindLicence,
        TaskKind::ServiceAgreement => Key::GpKindAgreement,
        TaskKind::GoLive => Key::GpKindGoLive,
    }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let templates = load(api::onboarding::templates);
    let draft = RwSignal::new(None::<Draft>);
    let admin = move || session.is_admin();
    let phase = loaded_phase(templates);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::GpTplName)}</th>
                    <th scope="col">{i.tr(Key::GpTplTasks)}</th>
                    <th scope="col">{i.tr(Key::Updated)}</th>
                    <th scope="col">{i.tr(Key::Actions)}</th>
                </tr>
            </thead>
        }
    };
    let open = move |d: Draft| {
        draft.set(Some(d));
    };
    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="templates-heading">{i.tr(Key::GpTemplatesNav)}</h1>
                {move || admin().then(|| view! {
                    <button
                        type="button"
                        class="btn btn-primary"
                        data-testid="template-new"
                        on:click=move |_| {
                            let mut tasks = Vec::new();
                            add_task(&mut tasks);
                            open(Draft { replaces: None, name: String::new(), description: String::new(), tasks });
                        }
                    >
                        {i.tr(Key::GpTplNew)}
                    </button>
                })}
            </header>
            {move || (!admin()).then(|| view! { <p class="muted" data-testid="templates-admin-only">{i.tr(Key::GpTplAdminOnly)}</p> })}
            {move || {
                draft.get().map(|d| {
                    view! {
                        <TemplateEditor
                            draft=d
                            on_done=Callback::new(move |saved: bool| {
                                draft.set(None);
                                if saved {
                                    templates.refresh.run(());
                                }
                            })
                        />
                    }
                })
            }}
            <ListView
                phase
                on_retry=templates.reload
                header
                skeleton=(3, 4)
                testid="templates-table"
                rows=move || {
                    move || {
                        templates
                            .ok()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|t| view! { <TemplateRow template=t admin=Signal::derive(admin) open=Callback::new(open) /> })
                            .collect_view()
                    }
                }
                empty=move || view! { <p class="muted" data-testid="templates-empty">{i.tr(Key::GpTplNone)}</p> }
            />
        </div>
    }
}

#[component]
fn TemplateRow(
    template: OnboardingTemplate,
    admin: Signal<bool>,
    open: Callback<Draft>,
) -> impl IntoView {
    let i = use_i18n();
    let t = StoredValue::new(template.clone());
    let count = template.tasks.len().to_string();
    let builtin = template.builtin;
    let draft_of = move |copy: bool| {
        t.with_value(|t| Draft {
            replaces: (!copy).then_some(t.id),
            name: if copy {
                i.f(Key::GpTplCopyOf, &[&t.name])
            } else {
                t.name.clone()
            },
            description: t.description.clone(),
            tasks: t.tasks.iter().map(TaskDraft::of).collect(),
        })
    };
    view! {
        <tr data-testid="template-row" data-template-id=template.id.to_string() data-builtin=builtin.to_string()>
            <td data-label=i.tr(Key::GpTplName)>
                // The built-in template is named in the reader's language.
                <strong>{
                    let name = template.name.clone();
                    move || if builtin { i.t(Key::GpTplBuiltinName).to_string() } else { name.clone() }
                }</strong>
                {builtin.then(|| view! { " " <span class="badge badge-muted">{i.tr(Key::ObBuiltin)}</span> })}
                {(!template.description.is_empty()).then(|| {
                    let description = template.description.clone();
                    view! {
                        <p class="muted">{move || if builtin { i.t(Key::GpTplBuiltinDescription).to_string() } else { description.clone() }}</p>
                    }
                })}
            </td>
            <td data-label=i.tr(Key::GpTplTasks)>{move || i.f(Key::GpTplTaskCount, &[&count])}</td>
            <td data-label=i.tr(Key::Updated)>{i.date_of(template.updated_at)}</td>
            <td data-label=i.tr(Key::Actions)>
                {move || admin.get().then(|| view! {
                    <div class="actions">
                        {(!builtin).then(|| view! {
                            <button type="button" class="btn btn-small" data-testid="template-edit" on:click=move |_| open.run(draft_of(false))>
                                {i.tr(Key::Edit)}
                            </button>
                        })}
                        <button type="button" class="btn btn-small btn-ghost" data-testid="template-copy" on:click=move |_| open.run(draft_of(true))>
                            {i.tr(Key::GpTplCopy)}
                        </button>
                    </div>
                })}
                {move || (builtin && admin.get()).then(|| view! { <p class="field-hint">{i.tr(Key::GpTplBuiltinHint)}</p> })}
            </td>
        </tr>
    }
}

#[component]
fn TemplateEditor(draft: Draft, on_done: Callback<bool>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let replaces = draft.replaces;
    let name = RwSignal::new(draft.name);
    let description = RwSignal::new(draft.description);
    let tasks = RwSignal::new(draft.tasks);
    let count = Memo::new(move |_| tasks.with(Vec::len));
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = match tasks.with_untracked(|t| {
            template_request(&name.get_untracked(), &description.get_untracked(), t)
        }) {
            Ok(req) => req,
            Err(fields) => {
                errors.set(fields);
                return;
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).send(
            async move {
                match replaces {
                    Some(id) => api::onboarding::update_template(id, &req).await,
                    None => api::onboarding::create_template(&req).await,
                }
            },
            move |_| {
                toasts.success(i.t(Key::GpTplSaved));
                on_done.try_run(true);
            },
        );
    };

    view! {
        <form class="card template-editor" on:submit=submit novalidate=true data-testid="template-editor">
            <ErrorBanner failure testid="template-error" />
            <div class="form-grid">
                <TextField id="template-name" label=Key::GpTplName value=name field="name" errors error_prefix="template-" required=true />
                <TextField id="template-description" label=Key::GpTplDescription value=description field="description" errors error_prefix="template-" />
            </div>
            <h3>{i.tr(Key::GpTplTasks)}</h3>
            {move || field_error(i, errors, "tasks".to_string())}
            <ol class="template-tasks" data-testid="template-tasks">
                <For
                    each=move || 0..count.get()
                    key=|n| *n
                    children=move |n| view! { <TaskEditor n tasks count errors /> }
                />
            </ol>
            <div class="form-actions">
                <button type="button" class="btn" data-testid="template-add-task" on:click=move |_| tasks.update(add_task)>
                    {i.tr(Key::GpTplAddTask)}
                </button>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="template-save" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::GpTplSave)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="template-cancel" on:click=move |_| on_done.run(false)>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

/// One task of the editor, at position `n` (its inputs follow the data
/// there, so moving a task moves its values, not its inputs).
#[component]
fn TaskEditor(
    n: usize,
    tasks: RwSignal<Vec<TaskDraft>>,
    count: Memo<usize>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let i = use_i18n();
    let read = move |f: fn(&TaskDraft) -> String| {
        move || tasks.with(|t| t.get(n).map(f).unwrap_or_default())
    };
    let write = move |f: fn(&mut TaskDraft, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            tasks.update(|t| {
                if let Some(task) = t.get_mut(n) {
                    f(task, v);
                }
            });
        }
    };
    let id = move |what: &str| format!("task-{n}-{what}");
    let err = move |what: &str| field_error(i, errors, format!("tasks[{n}].{what}"));
    let role = move || tasks.with(|t| t.get(n).map(|t| t.owner_role));
    let module = move || tasks.with(|t| t.get(n).and_then(|t| t.module));
    let kind = move || tasks.with(|t| t.get(n).map(|t| t.kind));
    view! {
        <li class="template-task" data-testid="template-task">
            <fieldset>
                <legend>{move || i.f(Key::GpTplTaskN, &[&(n + 1).to_string()])}</legend>
                <div class="form-grid">
                    <div class="field">
                        <label for=id("stage")>{i.tr(Key::GpTplStage)}</label>
                        <input id=id("stage") data-testid="task-stage" prop:value=read(|t| t.stage.clone()) on:input=write(|t, v| t.stage = v) />
                        {move || err("stage")}
                    </div>
                    <div class="field">
                        <label for=id("title-zh")>{i.tr(Key::GpTplTitleZh)}</label>
                        <input id=id("title-zh") data-testid="task-title-zh" prop:value=read(|t| t.title_zh.clone()) on:input=write(|t, v| t.title_zh = v) />
                        {move || err("title_zh")}
                    </div>
                    <div class="field">
                        <label for=id("title-en")>{i.tr(Key::GpTplTitleEn)}</label>
                        <input id=id("title-en") data-testid="task-title-en" prop:value=read(|t| t.title_en.clone()) on:input=write(|t, v| t.title_en = v) />
                    </div>
                    <div class="field">
                        <label for=id("offset")>{i.tr(Key::GpTplOffset)}</label>
                        <input
                            id=id("offset")
                            data-testid="task-offset"
                            type="number"
                            min="0"
                            max="3650"
                            inputmode="numeric"
                            prop:value=read(|t| t.offset_days.clone())
                            on:input=write(|t, v| t.offset_days = v)
                        />
                        {move || err("offset_days")}
                    </div>
                    <div class="field">
                        <label for=id("role")>{i.tr(Key::GpTplOwnerRole)}</label>
                        <select
                            id=id("role")
                            data-testid="task-role"
                            on:change=write(|t, v| if let Ok(r) = v.parse() { t.owner_role = r })
                        >
                            {Role::STAFF.iter().map(|r| {
                                let r = *r;
                                view! { <option value=r.as_str() prop:selected=move || role() == Some(r)>{i.tr(role_key(r))}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=id("module")>{i.tr(Key::GpTplModule)}</label>
                        <select
                            id=id("module")
                            data-testid="task-module"
                            on:change=write(|t, v| t.module = v.parse::<ErpModule>().ok())
                        >
                            <option value="" prop:selected=move || module().is_none()>{i.tr(Key::GpTplNoModule)}</option>
                            {ErpModule::ALL.iter().map(|m| {
                                let m = *m;
                                view! { <option value=m.as_str() prop:selected=move || module() == Some(m)>{i.tr(module_key(m))}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=id("kind")>{i.tr(Key::GpTplKind)}</label>
                        <select
                            id=id("kind")
                            data-testid="task-kind"
                            on:change=write(|t, v| if let Ok(k) = v.parse() { t.kind = k })
                        >
                            {TaskKind::ALL.iter().map(|k| {
                                let k = *k;
                                view! { <option value=k.as_str() prop:selected=move || kind() == Some(k)>{i.tr(kind_key(k))}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <div class="actions">
                    <button type="button" class="btn btn-small btn-ghost" data-testid="task-up" disabled=move || n == 0
                        on:click=move |_| tasks.update(|t| move_task(t, n, true))>
                        {i.tr(Key::GpTplMoveUp)}
                    </button>
                    <button type="button" class="btn btn-small btn-ghost" data-testid="task-down" disabled=move || n + 1 >= count.get()
                        on:click=move |_| tasks.update(|t| move_task(t, n, false))>
                        {i.tr(Key::GpTplMoveDown)}
                    </button>
                    <button type="button" class="btn btn-small btn-danger-ghost" data-testid="task-remove" disabled=move || count.get() <= 1
                        on:click=move |_| tasks.update(|t| { if n < t.len() { t.remove(n); } })>
                        {i.tr(Key::GpTplRemoveTask)}
                    </button>
                </div>
            </fieldset>
        </li>
    }
}

/// The error of `field` (as the API names it), in the user's language.
fn field_error(i: I18n, errors: RwSignal<FieldErrors>, field: String) -> Option<AnyView> {
    errors.with(|e| e.get(&field).cloned()).map(|message| {
        view! {
            <p class="field-error" role="alert" data-testid=format!("error-template-{field}")>
                {move || localize(&message, i.lang())}
            </p>
        }
        .into_any()
    })
}
