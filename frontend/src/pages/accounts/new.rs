//! The new-account form: inline errors from the shared rules (including the
//! workspace's coding rule for customer codes) and from the server (422
//! fields; 409 on the code when the code is already used).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::accounts::Account;
use shared::users::User;
use shared::{FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::ErrorBanner;
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::account_form::AccountForm;
use crate::logic::forms;
use crate::pages::accounts::fields::{AccountFields, AccountSignals, NEW_ACCOUNT_IDS};
use crate::session::use_session;

#[component]
pub fn NewAccountForm(
    owners: Signal<Vec<User>>,
    code_rule: Signal<Option<String>>,
    on_created: Callback<Account>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let values = AccountSignals::new(AccountForm::default());
    // Without an owner the server makes a creating CSM the owner; an
    // account created by anyone else stays unassigned.
    let no_owner = if use_session().role() == Some(Role::Csm) {
        Key::OwnerMe
    } else {
        Key::Unassigned
    };
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let form = move || values.form();

    // Check the code as soon as the user leaves the field.
    let check_code = Callback::new(move |_| {
        if values.code.get_untracked().trim().is_empty() {
            return;
        }
        let req = form().to_create();
        if let Err(fields) = forms::create_account(&req, code_rule.get_untracked().as_deref()) {
            if let Some(message) = fields.get("code") {
                errors.update(|e| {
                    e.insert("code".into(), message.clone());
                });
            }
        }
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = form().to_create();
        if let Err(fields) = forms::create_account(&req, code_rule.get_untracked().as_deref()) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).conflict_on("code").send(
            async move { api::accounts::create(&req).await },
            move |account| {
                toasts.success(i.f(Key::AccountCreated, &[&account.name]));
                on_created.try_run(account);
            },
        );
    };

    view! {
        <form class="card form-card" on:submit=submit novalidate=true data-testid="new-account-form">
            <h2>{i.tr(Key::NewAccount)}</h2>
            <ErrorBanner failure testid="account-form-error" />
            <AccountFields
                ids=&NEW_ACCOUNT_IDS
                values
                errors
                owners
                code_rule
                no_owner
                on_code_blur=check_code
            />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="account-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::CreateAccount)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="account-cancel" on:click=move |_| on_cancel.run(())>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
