//! `/settings/playbooks/new` and `/settings/playbooks/{id}` (admins and
//! managers): the playbook form — name, description, trigger and its N,
//! the conditions an account must meet, the task steps (added, removed and
//! moved), the owner e-mail, cooldown and the switch. Checked with the
//! shared rules before it is sent (`logic::playbook_form`); an edit is
//! saved with `If-Match`, and a 409 or 412 (someone else saved first)
//! offers a reload.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::playbooks::{AssigneeRole, Playbook, PlaybookTrigger, MAX_STEPS};
use shared::tasks::{TaskPriority, TaskType};
use shared::{ErpModule, ErrorCode, FieldErrors, LifecycleStage, Role};

use crate::api::{self, ApiErr, Tagged};
use crate::components::fields::{clear_error, ErrorBanner, FieldError, ModulesPicker, TextField};
use crate::components::pickers::OwnerSelect;
use crate::components::states::{ErrorState, Forbidden, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{module_key, stage_key, use_i18n, Key};
use crate::logic::forms::localize;
use crate::logic::playbook_form::{
    errors_after_removal, move_item, step_error, step_of, PlaybookDraft, StepDraft,
};
use crate::pages::accounts::list::Directory;
use crate::pages::my_work::{priority_key, type_key};
use crate::pages::playbooks::trigger_key;
use crate::router::redirect;
use crate::session::use_session;

pub const LIST: &str = "/settings/playbooks";

fn role_key(r: AssigneeRole) -> Key {
    match r {
        AssigneeRole::AccountOwner => Key::PeRoleOwner,
        AssigneeRole::Manager => Key::PeRoleManager,
        AssigneeRole::ModuleOwner => Key::PeRoleModule,
    }
}

/// Whether the signed-in user keeps the playbooks (the API's rule).
fn keeper() -> bool {
    matches!(use_session().role(), Some(Role::Admin | Role::Manager))
}

/// `/settings/playbooks/new`.
#[component]
pub fn PlaybookNewPage() -> impl IntoView {
    if !keeper() {
        return view! { <div class="page"><Forbidden /></div> }.into_any();
    }
    view! { <PlaybookEditor existing=None on_reload=Callback::new(|_| ()) /> }.into_any()
}

/// `/settings/playbooks/{id}`.
#[component]
pub fn PlaybookEditPage(id: i64) -> impl IntoView {
    if !keeper() {
        return view! { <div class="page"><Forbidden /></div> }.into_any();
    }
    view! { <PlaybookLoader id /> }.into_any()
}

/// Reads the playbook (with its `ETag`), then shows the form.
#[component]
fn PlaybookLoader(id: i64) -> impl IntoView {
    let i = use_i18n();
    let state = RwSignal::new(None::<Result<Tagged<Playbook>, ApiErr>>);
    let load = move || {
        state.set(None);
        crate::task::spawn(async move {
            let result = api::tasks::playbook(id).await;
            state.try_set(Some(result));
        });
    };
    load();
    move || match state.get() {
        None => view! {
            <div class="page" data-testid="playbook-loading"><SkeletonCard /><SkeletonCard /></div>
        }
        .into_any(),
        Some(Err(e)) if e.is(ErrorCode::NotFound) => view! {
            <div class="page">
                <div class="state" data-testid="playbook-not-found">
                    <p>{i.tr(Key::PeNotFound)}</p>
                    <a class="btn" href=LIST>{i.tr(Key::PeBack)}</a>
                </div>
            </div>
        }
        .into_any(),
        Some(Err(e)) => view! {
            <div class="page"><ErrorState error=e on_retry=Callback::new(move |_| load()) /></div>
        }
        .into_any(),
        Some(Ok(tagged)) => view! {
            <PlaybookEditor existing=Some(tagged) on_reload=Callback::new(move |_| load()) />
        }
        .into_any(),
    }
}

/// One step's values, each its own signal (the row keeps its inputs while
/// steps around it are added, removed or moved).
#[derive(Clone, Copy)]
struct StepRow {
    key: u32,
    title_zh: RwSignal<String>,
    title_en: RwSignal<String>,
    note_zh: RwSignal<String>,
    note_en: RwSignal<String>,
    task_type: RwSignal<TaskType>,
    priority: RwSignal<TaskPriority>,
    day_offset: RwSignal<String>,
    assignee: RwSignal<AssigneeRole>,
    module: RwSignal<Option<ErpModule>>,
}

impl StepRow {
    fn new(key: u32, s: StepDraft) -> Self {
        StepRow {
            key,
            title_zh: RwSignal::new(s.title_zh),
            title_en: RwSignal::new(s.title_en),
            note_zh: RwSignal::new(s.note_zh),
            note_en: RwSignal::new(s.note_en),
            task_type: RwSignal::new(s.task_type),
            priority: RwSignal::new(s.priority),
            day_offset: RwSignal::new(s.day_offset),
            assignee: RwSignal::new(s.assignee),
            module: RwSignal::new(s.module),
        }
    }

    fn draft(self) -> StepDraft {
        StepDraft {
            title_zh: self.title_zh.get_untracked(),
            title_en: self.title_en.get_untracked(),
            note_zh: self.note_zh.get_untracked(),
            note_en: self.note_en.get_untracked(),
            task_type: self.task_type.get_untracked(),
            priority: self.priority.get_untracked(),
            day_offset: self.day_offset.get_untracked(),
            assignee: self.assignee.get_untracked(),
            module: self.module.get_untracked(),
        }
    }
}

#[component]
fn PlaybookEditor(existing: Option<Tagged<Playbook>>, on_reload: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let directory = Directory::load();
    let editing = existing.as_ref().map(|t| t.value.id);
    let etag = StoredValue::new(existing.as_ref().and_then(|t| t.etag.clone()));
    let d = existing
        .as_ref()
        .map(|t| PlaybookDraft::of(&t.value))
        .unwrap_or_default();
    let name = RwSignal::new(d.name);
    let description = RwSignal::new(d.description);
    let trigger = RwSignal::new(d.trigger);
    let threshold = RwSignal::new(d.threshold);
    let segment = RwSignal::new(d.segment);
    let stage = RwSignal::new(d.stage);
    let min_value = RwSignal::new(d.min_value);
    let max_value = RwSignal::new(d.max_value);
    let modules = RwSignal::new(d.modules);
    let owner = RwSignal::new(d.owner_id);
    let notify_owner = RwSignal::new(d.notify_owner);
    let cooldown = RwSignal::new(d.cooldown_days);
    let active = RwSignal::new(d.active);
    let mail = RwSignal::new(d.mail);
    let mail_subject_zh = RwSignal::new(d.mail_text.subject_zh);
    let mail_body_zh = RwSignal::new(d.mail_text.body_zh);
    let mail_subject_en = RwSignal::new(d.mail_text.subject_en);
    let mail_body_en = RwSignal::new(d.mail_text.body_en);
    let next_key = StoredValue::new(0u32);
    let new_row = move |s: StepDraft| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        StepRow::new(key, s)
    };
    let steps = RwSignal::new(d.steps.into_iter().map(new_row).collect::<Vec<_>>());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let stale = RwSignal::new(false);

    let current = move || PlaybookDraft {
        name: name.get_untracked(),
        description: description.get_untracked(),
        trigger: trigger.get_untracked(),
        threshold: threshold.get_untracked(),
        segment: segment.get_untracked(),
        stage: stage.get_untracked(),
        min_value: min_value.get_untracked(),
        max_value: max_value.get_untracked(),
        modules: modules.get_untracked(),
        owner_id: owner.get_untracked(),
        steps: steps.with_untracked(|s| s.iter().map(|r| r.draft()).collect()),
        notify_owner: notify_owner.get_untracked(),
        cooldown_days: cooldown.get_untracked(),
        active: active.get_untracked(),
        mail: mail.get_untracked(),
        mail_text: shared::playbooks::PlaybookEmail {
            subject_zh: mail_subject_zh.get_untracked(),
            body_zh: mail_body_zh.get_untracked(),
            subject_en: mail_subject_en.get_untracked(),
            body_en: mail_body_en.get_untracked(),
        },
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let draft = current();
        errors.set(FieldErrors::new());
        failure.set(None);
        stale.set(false);
        let submit = Submit::new(busy, errors, failure);
        let on_err = move |err: ApiErr| {
            if err.is(ErrorCode::PreconditionFailed) || err.is(ErrorCode::Conflict) {
                stale.set(true);
            } else {
                submit.show(err);
            }
        };
        match editing {
            None => match draft.to_create() {
                Err(found) => errors.set(found),
                Ok(req) => submit.leaving().send_or(
                    async move { api::tasks::create_playbook(&req).await },
                    move |p| {
                        toasts.success(i.f(Key::PeCreated, &[&p.name]));
                        redirect(LIST);
                    },
                    on_err,
                ),
            },
            Some(id) => match draft.to_update() {
                Err(found) => errors.set(found),
                Ok(req) => {
                    let tag = etag.get_value();
                    submit.send_or(
                        async move { api::tasks::update_playbook(id, &req, tag.as_deref()).await },
                        move |t: Tagged<Playbook>| {
                            etag.set_value(t.etag);
                            toasts.success(i.t(Key::Saved).to_string());
                            redirect(LIST);
                        },
                        on_err,
                    )
                }
            },
        }
    };

    let add_step = move |_: leptos::ev::MouseEvent| {
        let row = new_row(StepDraft::default());
        steps.update(|s| s.push(row));
        clear_error(errors, "steps");
    };
    let remove_step = Callback::new(move |key: u32| {
        let Some(at) = steps.with_untracked(|s| s.iter().position(|r| r.key == key)) else {
            return;
        };
        steps.update(|s| {
            s.remove(at);
        });
        errors.update(|e| *e = errors_after_removal(e, at));
    });
    let move_step = Callback::new(move |(key, up): (u32, bool)| {
        let Some(at) = steps.with_untracked(|s| s.iter().position(|r| r.key == key)) else {
            return;
        };
        steps.update(|s| move_item(s, at, up));
        // The messages were about the old places.
        errors.update(|e| e.retain(|field, _| step_of(field).is_none()));
    });
    let count = Signal::derive(move || steps.with(Vec::len));

    let heading = if editing.is_some() {
        Key::PeEditTitle
    } else {
        Key::PeNew
    };
    let triggers = PlaybookTrigger::ALL.to_vec();
    view! {
        <div class="page pe-page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href=LIST data-testid="playbook-back">{i.tr(Key::PbTitle)}</a>
            </nav>
            <header class="page-header">
                <div>
                    <h1 data-testid="playbook-form-heading">{i.tr(heading)}</h1>
                    <p class="muted">{i.tr(Key::PeIntro)}</p>
                </div>
            </header>
            <form class="card form-card form-wide pe-form" on:submit=submit novalidate=true data-testid="playbook-form">
                {move || stale.get().then(|| view! {
                    <div class="banner banner-warning" role="alert" data-testid="playbook-stale">
                        <p>{i.tr(Key::PeStale)}</p>
                        <button type="button" class="btn" data-testid="playbook-stale-reload"
                            on:click=move |_| on_reload.run(())>{i.tr(Key::Reload)}</button>
                    </div>
                })}
                <ErrorBanner failure testid="playbook-form-error" />
                <TextField id="pb-name" label=Key::PbName value=name field="name" errors required=true autocomplete="off" />
                <TextArea id="pb-description" label=Key::PeDescription value=description field="description" errors rows=2 />
                <div class="form-grid">
                    <div class="field">
                        <label for="pb-trigger">{i.tr(Key::PbTrigger)}</label>
                        <select id="pb-trigger" data-testid="pb-trigger" disabled=editing.is_some()
                            aria-describedby=editing.is_some().then_some("pb-trigger-hint")
                            on:change=move |ev| {
                                if let Ok(t) = event_target_value(&ev).parse() {
                                    trigger.set(t);
                                    clear_error(errors, "threshold");
                                }
                            }>
                            {triggers.into_iter().map(|t| view! {
                                <option value=t.as_str() prop:selected=move || trigger.get() == t>{i.tr(trigger_key(t))}</option>
                            }).collect_view()}
                        </select>
                        {editing.is_some().then(|| view! {
                            <p class="field-hint" id="pb-trigger-hint">{i.tr(Key::PeTriggerFixed)}</p>
                        })}
                    </div>
                    {move || trigger.get().threshold_range().map(|(min, max)| view! {
                        <TextField id="pb-threshold" label=Key::PeThreshold value=threshold field="threshold" errors
                            kind="number" required=true
                            hint=Signal::derive(move || i.f(Key::PeThresholdRange, &[&min.to_string(), &max.to_string()])) />
                    })}
                </div>

                <fieldset class="field pe-section">
                    <legend>{i.tr(Key::PeConditions)}</legend>
                    <p class="field-hint">{i.tr(Key::PeConditionsHint)}</p>
                    <div class="form-grid">
                        <TextField id="pb-segment" label=Key::Segment value=segment field="conditions.segment" errors autocomplete="off" />
                        <div class="field">
                            <label for="pb-stage">{i.tr(Key::Stage)}</label>
                            <select id="pb-stage" data-testid="pb-stage"
                                on:change=move |ev| stage.set(event_target_value(&ev).parse().ok())>
                                <option value="" prop:selected=move || stage.get().is_none()>{i.tr(Key::PeAnyStage)}</option>
                                {LifecycleStage::ALL.iter().map(|s| {
                                    let s = *s;
                                    view! { <option value=s.as_str() prop:selected=move || stage.get() == Some(s)>{i.tr(stage_key(s))}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <TextField id="pb-min-value" label=Key::PeMinValue value=min_value
                            field="conditions.min_annual_value_cents" errors autocomplete="off" />
                        <TextField id="pb-max-value" label=Key::PeMaxValue value=max_value
                            field="conditions.max_annual_value_cents" errors autocomplete="off" />
                        <OwnerSelect id="pb-owner" label=Key::Owner owners=directory.owners() value=owner none_label=Key::PeAnyOwner />
                    </div>
                    <ModulesPicker prefix="pb" selected=modules />
                    <p class="field-hint">{i.tr(Key::PeModulesHint)}</p>
                </fieldset>

                <fieldset class="field pe-section" data-testid="pb-steps">
                    <legend>{i.tr(Key::PeSteps)}</legend>
                    <p class="field-hint">{move || i.f(Key::PeStepsHint, &[&MAX_STEPS.to_string()])}</p>
                    <FieldError errors field="steps" id="pb-steps-error".to_string() />
                    <ol class="pe-steps">
                        <For
                            each=move || steps.get()
                            key=|r| r.key
                            children=move |row| view! {
                                <StepEditor row steps count errors remove=remove_step reorder=move_step />
                            }
                        />
                    </ol>
                    <button type="button" class="btn" data-testid="pb-add-step"
                        disabled=move || { count.get() >= MAX_STEPS } on:click=add_step>
                        {i.tr(Key::PeAddStep)}
                    </button>
                </fieldset>

                <div class="form-grid">
                    <TextField id="pb-cooldown" label=Key::PeCooldown value=cooldown field="cooldown_days" errors
                        kind="number" hint=Signal::derive(move || i.t(Key::PeCooldownHint).to_string()) />
                </div>
                <label class="check" for="pb-notify">
                    <input type="checkbox" id="pb-notify" data-testid="pb-notify"
                        prop:checked=move || notify_owner.get()
                        on:change=move |ev| notify_owner.set(event_target_checked(&ev)) />
                    {i.tr(Key::PeNotifyOwner)}
                </label>
                <label class="check" for="pb-mail">
                    <input type="checkbox" id="pb-mail" data-testid="pb-mail"
                        prop:checked=move || mail.get()
                        on:change=move |ev| mail.set(event_target_checked(&ev)) />
                    {i.tr(Key::PeMail)}
                </label>
                {move || mail.get().then(|| view! {
                    <fieldset class="field pb-mail" data-testid="pb-mail-fields">
                        <p class="field-hint">{i.tr(Key::PeMailHint)}</p>
                        <TextField id="pb-mail-subject-zh" label=Key::PeMailSubjectZh value=mail_subject_zh field="customer_email.subject_zh" errors />
                        <MailBody id="pb-mail-body-zh" label=Key::PeMailBodyZh value=mail_body_zh field="customer_email.body_zh" errors />
                        <TextField id="pb-mail-subject-en" label=Key::PeMailSubjectEn value=mail_subject_en field="customer_email.subject_en" errors />
                        <MailBody id="pb-mail-body-en" label=Key::PeMailBodyEn value=mail_body_en field="customer_email.body_en" errors />
                    </fieldset>
                })}
                <label class="check" for="pb-active">
                    <input type="checkbox" id="pb-active" data-testid="pb-active"
                        prop:checked=move || active.get()
                        on:change=move |ev| active.set(event_target_checked(&ev)) />
                    {i.tr(Key::PbActive)}
                </label>
                {move || (!errors.with(FieldErrors::is_empty)).then(|| view! {
                    <p class="field-error" role="alert" data-testid="playbook-form-invalid">{i.tr(Key::PeFix)}</p>
                })}
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" data-testid="pb-submit" disabled=busy>
                        {move || {
                            let key = match (busy.get(), editing.is_some()) {
                                (true, true) => Key::Saving,
                                (true, false) => Key::PeCreating,
                                (false, true) => Key::Save,
                                (false, false) => Key::PeCreate,
                            };
                            i.t(key)
                        }}
                    </button>
                    <a class="btn" href=LIST data-testid="pb-cancel">{i.tr(Key::Cancel)}</a>
                </div>
            </form>
        </div>
    }
}

/// A labelled multi-line input bound to `value`, with its error.
#[component]
fn TextArea(
    id: &'static str,
    label: Key,
    value: RwSignal<String>,
    field: &'static str,
    errors: RwSignal<FieldErrors>,
    #[prop(default = 3)] rows: u32,
) -> impl IntoView {
    let i = use_i18n();
    let error_id = format!("{id}-error");
    let has_error = move || errors.with(|e| e.contains_key(field));
    let described = error_id.clone();
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id>{i.tr(label)}</label>
            <textarea id=id name=field data-testid=id rows=rows
                aria-invalid=move || has_error().then_some("true")
                aria-describedby=move || has_error().then(|| described.clone())
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    clear_error(errors, field);
                }
            ></textarea>
            <FieldError errors field id=error_id />
        </div>
    }
}

/// One step of the list: its place, its fields and the move and remove
/// buttons. Ids and test ids carry the step's place (`pb-step-0-title-zh`).
#[component]
fn StepEditor(
    row: StepRow,
    steps: RwSignal<Vec<StepRow>>,
    count: Signal<usize>,
    errors: RwSignal<FieldErrors>,
    remove: Callback<u32>,
    reorder: Callback<(u32, bool)>,
) -> impl IntoView {
    let i = use_i18n();
    let key = row.key;
    let at = Memo::new(move |_| {
        steps
            .with(|s| s.iter().position(|r| r.key == key))
            .unwrap_or_default()
    });
    let id = move |name: &str| format!("pb-step-{}-{name}", at.get());
    let text = move |name: &'static str,
                     field: &'static str,
                     label: Key,
                     value: RwSignal<String>,
                     long: bool| {
        let has_error = move || errors.with(|e| step_error(e, at.get(), field).is_some());
        let control_id = move || id(name);
        let error_id = move || format!("{}-error", id(name));
        let input = move || {
            let on_input = move |ev: leptos::ev::Event| {
                value.set(event_target_value(&ev));
                let f = format!("steps[{}].{field}", at.get_untracked());
                clear_error(errors, &f);
            };
            if long {
                view! {
                    <textarea id=control_id data-testid=control_id rows=2
                        aria-invalid=move || has_error().then_some("true")
                        aria-describedby=move || has_error().then(error_id)
                        prop:value=move || value.get() on:input=on_input></textarea>
                }
                .into_any()
            } else {
                view! {
                    <input id=control_id data-testid=control_id autocomplete="off"
                        type=if field == "day_offset" { "number" } else { "text" }
                        aria-invalid=move || has_error().then_some("true")
                        aria-describedby=move || has_error().then(error_id)
                        prop:value=move || value.get() on:input=on_input />
                }
                .into_any()
            }
        };
        let required = matches!(field, "title_zh" | "title_en" | "day_offset");
        view! {
            <div class="field" class:has-error=has_error>
                <label for=control_id>
                    {i.tr(label)}
                    {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
                </label>
                {input()}
                <StepError errors at field name />
            </div>
        }
    };
    let choice = move |name: &'static str,
                       label: Key,
                       options: Vec<(&'static str, Key)>,
                       current: Signal<String>,
                       pick: Callback<String>| {
        let control_id = move || id(name);
        view! {
            <div class="field">
                <label for=control_id>{i.tr(label)}</label>
                <select id=control_id data-testid=control_id on:change=move |ev| pick.run(event_target_value(&ev))>
                    {options.into_iter().map(|(v, k)| view! {
                        <option value=v prop:selected=move || current.with(|c| c == v)>{i.tr(k)}</option>
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let types = TaskType::ALL
        .iter()
        .map(|t| (t.as_str(), type_key(*t)))
        .collect();
    let priorities = TaskPriority::ALL
        .iter()
        .map(|p| (p.as_str(), priority_key(*p)))
        .collect();
    let roles = AssigneeRole::ALL
        .iter()
        .map(|r| (r.as_str(), role_key(*r)))
        .collect();
    let module_error = move || errors.with(|e| step_error(e, at.get(), "module").is_some());
    view! {
        <li class="card pe-step" data-testid=move || format!("pb-step-{}", at.get())>
            <div class="pe-step-head">
                <h3>{move || i.f(Key::PeStepN, &[&(at.get() + 1).to_string()])}</h3>
                <div class="pe-step-tools">
                    <button type="button" class="btn btn-small" data-testid=move || id("up")
                        disabled=move || at.get() == 0
                        aria-label=move || format!("{} {}", i.t(Key::PeMoveUp), i.f(Key::PeStepN, &[&(at.get() + 1).to_string()]))
                        on:click=move |_| reorder.run((key, true))>"↑"</button>
                    <button type="button" class="btn btn-small" data-testid=move || id("down")
                        disabled=move || { at.get() + 1 >= count.get() }
                        aria-label=move || format!("{} {}", i.t(Key::PeMoveDown), i.f(Key::PeStepN, &[&(at.get() + 1).to_string()]))
                        on:click=move |_| reorder.run((key, false))>"↓"</button>
                    <button type="button" class="btn btn-small" data-testid=move || id("remove")
                        disabled=move || { count.get() <= 1 }
                        on:click=move |_| remove.run(key)>{i.tr(Key::PeRemoveStep)}</button>
                </div>
            </div>
            <div class="form-grid">
                {text("title-zh", "title_zh", Key::PeTitleZh, row.title_zh, false)}
                {text("title-en", "title_en", Key::PeTitleEn, row.title_en, false)}
                {text("note-zh", "note_zh", Key::PeNoteZh, row.note_zh, true)}
                {text("note-en", "note_en", Key::PeNoteEn, row.note_en, true)}
                {choice("type", Key::MwType, types,
                    Signal::derive(move || row.task_type.get().as_str().to_string()),
                    Callback::new(move |v: String| if let Ok(t) = v.parse() { row.task_type.set(t) }))}
                {choice("priority", Key::MwPriority, priorities,
                    Signal::derive(move || row.priority.get().as_str().to_string()),
                    Callback::new(move |v: String| if let Ok(p) = v.parse() { row.priority.set(p) }))}
                {text("day-offset", "day_offset", Key::PeDayOffset, row.day_offset, false)}
                {choice("assignee", Key::PeAssignee, roles,
                    Signal::derive(move || row.assignee.get().as_str().to_string()),
                    Callback::new(move |v: String| if let Ok(r) = v.parse() {
                        row.assignee.set(r);
                        clear_error(errors, &format!("steps[{}].module", at.get_untracked()));
                    }))}
                {move || (row.assignee.get() == AssigneeRole::ModuleOwner).then(|| {
                    let control_id = move || id("module");
                    let error_id = move || format!("{}-error", id("module"));
                    view! {
                        <div class="field" class:has-error=module_error>
                            <label for=control_id>{i.tr(Key::TkModule)}<span class="required" aria-hidden="true">" *"</span></label>
                            <select id=control_id data-testid=control_id
                                aria-invalid=move || module_error().then_some("true")
                                aria-describedby=move || module_error().then(error_id)
                                on:change=move |ev| {
                                    row.module.set(event_target_value(&ev).parse().ok());
                                    clear_error(errors, &format!("steps[{}].module", at.get_untracked()));
                                }>
                                <option value="" prop:selected=move || row.module.get().is_none()>{i.tr(Key::PeChooseModule)}</option>
                                {ErpModule::ALL.iter().map(|m| {
                                    let m = *m;
                                    view! { <option value=m.as_str() prop:selected=move || row.module.get() == Some(m)>{i.tr(module_key(m))}</option> }
                                }).collect_view()}
                            </select>
                            <StepError errors at field="module" name="module" />
                        </div>
                    }
                })}
            </div>
        </li>
    }
}

/// The error under one step's field.
#[component]
fn StepError(
    errors: RwSignal<FieldErrors>,
    at: Memo<usize>,
    field: &'static str,
    /// The control's part of the ids (`pb-step-0-{name}-error`).
    name: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    move || {
        errors.with(|e| step_error(e, at.get(), field)).map(|message| {
            view! {
                <p class="field-error" role="alert" id=move || format!("pb-step-{}-{name}-error", at.get())
                    data-testid=move || format!("error-steps-{}-{field}", at.get())>
                    {move || localize(&message, i.lang())}
                </p>
            }
        })
    }
}

/// A mail text of the playbook's customer mail, with its error.
#[component]
fn MailBody(
    id: &'static str,
    label: Key,
    value: RwSignal<String>,
    field: &'static str,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="field">
            <label for=id>{i.tr(label)}</label>
            <textarea id=id data-testid=id rows="5"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))></textarea>
            <FieldError errors field id=format!("{id}-error") />
        </div>
    }
}
