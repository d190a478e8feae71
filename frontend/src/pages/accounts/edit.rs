//! Editing an account: a PATCH of only the changed fields, sent with
//! `If-Match` so that a concurrent change is not silently overwritten (412
//! explains and offers to reload).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::accounts::Account;
use shared::users::User;
use shared::{ErrorCode, FieldErrors};

use crate::api::{self, ApiErr, Tagged};
use crate::components::fields::ErrorBanner;
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::account_form::AccountForm;
use crate::logic::forms;
use crate::pages::accounts::fields::{AccountFields, AccountSignals, EDIT_ACCOUNT_IDS};

#[component]
pub fn EditAccountForm(
    account: Tagged<Account>,
    owners: Signal<Vec<User>>,
    code_rule: Signal<Option<String>>,
    on_saved: Callback<Tagged<Account>>,
    on_cancel: Callback<()>,
    /// Reloads the account (after a 412).
    on_reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let Tagged {
        value: original,
        etag,
    } = account;
    let values = AccountSignals::new(AccountForm::from_account(&original));
    let editing = (original.id, original.parent.clone());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let original = StoredValue::new(original);
    let etag = StoredValue::new(etag);

    let stale = move || {
        failure.with(|f| {
            f.as_ref()
                .is_some_and(|e| e.is(ErrorCode::PreconditionFailed))
        })
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form = values.form();
        let (req, id) = original.with_value(|o| (form.diff(o), o.id));
        if let Err(fields) = forms::update_account(&req, code_rule.get_untracked().as_deref()) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        if req == Default::default() {
            // Nothing changed: nothing to send.
            on_cancel.run(());
            return;
        }
        let tag = etag.get_value();
        Submit::new(busy, errors, failure).conflict_on("code").send(
            async move { api::accounts::update(id, &req, tag.as_deref()).await },
            move |saved| {
                toasts.success(i.t(Key::Saved));
                on_saved.try_run(saved);
            },
        );
    };

    view! {
        <form class="card form-card" on:submit=submit novalidate=true data-testid="edit-account-form">
            <h2>{i.tr(Key::EditAccount)}</h2>
            {move || {
                stale()
                    .then(|| {
                        view! {
                            <div class="banner banner-warning" role="alert" data-testid="stale-warning">
                                <p>{i.tr(Key::StaleAccount)}</p>
                                <button
                                    type="button"
                                    class="btn"
                                    data-testid="stale-reload"
                                    on:click=move |_| on_reload.run(())
                                >
                                    {i.tr(Key::Reload)}
                                </button>
                            </div>
                        }
                    })
            }}
            <ErrorBanner failure testid="account-form-error" hide=ErrorCode::PreconditionFailed />
            <AccountFields ids=&EDIT_ACCOUNT_IDS values errors owners code_rule no_owner=Key::Unassigned editing />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="edit-save" disabled=move || busy.get() || stale()>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="edit-cancel" on:click=move |_| on_cancel.run(())>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}
