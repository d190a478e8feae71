//! The fields of an account (name, code, industry, segment, owner, stage,
//! parent company, modules), shared by the new-account and edit-account
//! forms so the markup exists once.

use leptos::prelude::*;
use shared::accounts::AccountRef;
use shared::users::User;
use shared::{ErpModule, FieldErrors, LifecycleStage};

use crate::components::fields::{ModulesPicker, TextField};
use crate::components::pickers::{OwnerSelect, StageSelect};
use crate::i18n::{use_i18n, Key, Lang};
use crate::logic::account_form::AccountForm;
use crate::pages::tickets::common::{AccountSearch, Accounts};

/// The form's values as signals.
#[derive(Clone, Copy)]
pub struct AccountSignals {
    pub name: RwSignal<String>,
    pub code: RwSignal<String>,
    pub industry: RwSignal<String>,
    pub segment: RwSignal<String>,
    pub owner: RwSignal<Option<i64>>,
    pub stage: RwSignal<LifecycleStage>,
    pub modules: RwSignal<Vec<ErpModule>>,
    pub parent: RwSignal<Option<i64>>,
}

impl AccountSignals {
    pub fn new(start: AccountForm) -> Self {
        Self {
            name: RwSignal::new(start.name),
            code: RwSignal::new(start.code),
            industry: RwSignal::new(start.industry),
            segment: RwSignal::new(start.segment),
            owner: RwSignal::new(start.owner_id),
            stage: RwSignal::new(start.stage),
            modules: RwSignal::new(start.modules),
            parent: RwSignal::new(start.parent_id),
        }
    }

    /// The values now (for submitting).
    pub fn form(self) -> AccountForm {
        AccountForm {
            name: self.name.get_untracked(),
            code: self.code.get_untracked(),
            industry: self.industry.get_untracked(),
            segment: self.segment.get_untracked(),
            owner_id: self.owner.get_untracked(),
            stage: self.stage.get_untracked(),
            modules: self.modules.get_untracked(),
            parent_id: self.parent.get_untracked(),
        }
    }
}

/// The DOM ids (and test ids) of one form's fields.
pub struct FieldIds {
    pub name: &'static str,
    pub code: &'static str,
    pub industry: &'static str,
    pub segment: &'static str,
    pub owner: &'static str,
    pub stage: &'static str,
    pub parent: &'static str,
    /// Prefix of the module checkboxes: `{prefix}-module-{module}`.
    pub modules: &'static str,
}

pub const NEW_ACCOUNT_IDS: FieldIds = FieldIds {
    name: "account-name",
    code: "account-code",
    industry: "account-industry",
    segment: "account-segment",
    owner: "account-owner",
    stage: "account-stage",
    parent: "account-parent",
    modules: "account",
};

pub const EDIT_ACCOUNT_IDS: FieldIds = FieldIds {
    name: "edit-name",
    code: "edit-code",
    industry: "edit-industry",
    segment: "edit-segment",
    owner: "edit-owner",
    stage: "edit-stage",
    parent: "edit-parent",
    modules: "edit",
};

/// The hint under a code field: the rule codes must follow.
fn code_hint(code_rule: Signal<Option<String>>) -> Signal<String> {
    let i = use_i18n();
    Signal::derive(move || match code_rule.get() {
        // The rule in words ("只能包含数字"), not the regex.
        Some(pattern) => i.f(
            Key::CodeRuleHint,
            &[&match i.lang() {
                Lang::Zh => shared::code_rule::describe_zh(&pattern),
                Lang::En => shared::code_rule::describe_en(&pattern),
            }],
        ),
        None => i.t(Key::CodeHint).to_string(),
    })
}

#[component]
pub fn AccountFields(
    ids: &'static FieldIds,
    values: AccountSignals,
    errors: RwSignal<FieldErrors>,
    owners: Signal<Vec<User>>,
    code_rule: Signal<Option<String>>,
    /// What choosing no owner means here ("me" or "unassigned").
    no_owner: Key,
    /// Runs when the code field loses focus.
    #[prop(optional)]
    on_code_blur: Option<Callback<()>>,
    /// The account being edited (never its own parent) and its parent now.
    #[prop(optional)]
    editing: Option<(i64, Option<AccountRef>)>,
) -> impl IntoView {
    view! {
        <div class="form-grid">
            <TextField id=ids.name label=Key::AccountName value=values.name field="name" errors required=true />
            <TextField
                id=ids.code
                label=Key::CustomerCode
                value=values.code
                field="code"
                errors
                required=true
                autocomplete="off"
                hint=code_hint(code_rule)
                on_blur=on_code_blur.unwrap_or(Callback::new(|_| ()))
            />
            <TextField id=ids.industry label=Key::Industry value=values.industry field="industry" errors />
            <TextField id=ids.segment label=Key::Segment value=values.segment field="segment" errors />
            <OwnerSelect id=ids.owner label=Key::Owner owners value=values.owner none_label=no_owner />
            <StageSelect id=ids.stage value=values.stage />
            <ParentPicker id=ids.parent value=values.parent errors editing />
        </div>
        <ModulesPicker prefix=ids.modules selected=values.modules />
    }
}

/// The parent company: a searchable select of the workspace's accounts
/// (the search box appears when there are more than one page holds).
#[component]
fn ParentPicker(
    id: &'static str,
    value: RwSignal<Option<i64>>,
    errors: RwSignal<FieldErrors>,
    editing: Option<(i64, Option<AccountRef>)>,
) -> impl IntoView {
    let i = use_i18n();
    let accounts = Accounts::load();
    let (own_id, current) = match editing {
        Some((own, current)) => (Some(own), current),
        None => (None, None),
    };
    let current = StoredValue::new(current);
    let options = move || {
        let mut options: Vec<(i64, String)> = accounts
            .options()
            .into_iter()
            .filter(|(aid, _)| Some(*aid) != own_id)
            .collect();
        // The parent now stays choosable though the page may lack it.
        if let Some(c) = current.get_value() {
            if !options.iter().any(|(aid, _)| *aid == c.id) {
                options.insert(0, (c.id, c.name));
            }
        }
        options
    };
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:has-error=move || errors.with(|e| e.contains_key("parent_id"))>
            <label for=id>{i.tr(Key::GrParent)}</label>
            <AccountSearch accounts testid="parent-account-search" />
            <select
                id=id
                data-testid=id
                on:change=move |ev| {
                    value.set(event_target_value(&ev).parse().ok());
                    crate::components::fields::clear_error(errors, "parent_id");
                }
            >
                <option value="" prop:selected=move || value.get().is_none()>
                    {i.tr(Key::GrNoParent)}
                </option>
                {move || {
                    options()
                        .into_iter()
                        .map(|(aid, name)| {
                            view! {
                                <option value=aid.to_string() prop:selected=move || value.get() == Some(aid)>
                                    {name}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
            <p class="hint">{i.tr(Key::GrParentHint)}</p>
            <crate::components::fields::FieldError errors field="parent_id" id=error_id />
        </div>
    }
}
