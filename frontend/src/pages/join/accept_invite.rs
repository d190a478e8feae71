//! `/accept-invite?token=…`: an invited user chooses a password and is
//! signed in.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::auth::AcceptInviteRequest;
use shared::{ErrorCode, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{FormBanner, TextField};
use crate::components::shell::AuthShell;
use crate::components::submit::Submit;
use crate::i18n::{use_i18n, Key};
use crate::logic::forms;
use crate::pages::auth_common::enter_when_signed_in;
use crate::router::query_param;

/// Whether a failure means the link itself is no good (used, expired, forged).
fn bad_link(err: &ApiErr) -> bool {
    err.fields().contains_key("token")
        || err.is(ErrorCode::Unauthorized)
        || err.is(ErrorCode::NotFound)
}

#[component]
pub fn AcceptInvitePage() -> impl IntoView {
    let i = use_i18n();
    enter_when_signed_in();
    let token = query_param("token").unwrap_or_default();
    let has_token = !token.trim().is_empty();
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let banner = Signal::derive(move || {
        failure.get().map(|e| {
            if bad_link(&e) {
                i.t(Key::InviteInvalid).to_string()
            } else {
                i.error(&e)
            }
        })
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let p = password.get_untracked();
        if let Err(fields) = forms::new_password(&p) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        let req = AcceptInviteRequest {
            token: token.clone(),
            password: p,
        };
        Submit::new(busy, errors, failure)
            .send(async move { api::auth::accept_invite(&req).await }, |_| {});
    };

    view! {
        <AuthShell>
            <form class="card auth-card" on:submit=submit novalidate=true data-testid="invite-form">
                <h1 data-testid="invite-heading">{i.tr(Key::InviteTitle)}</h1>
                {if has_token {
                    view! {
                        <p class="muted">{i.tr(Key::InviteIntro)}</p>
                        <FormBanner message=banner testid="invite-error" />
                        <TextField
                            id="invite-password"
                            label=Key::NewPassword
                            value=password
                            field="password"
                            errors
                            kind="password"
                            autocomplete="new-password"
                            required=true
                            hint=i.signal(Key::PasswordRule)
                        />
                        <button
                            type="submit"
                            class="btn btn-primary btn-block"
                            data-testid="invite-submit"
                            disabled=busy
                        >
                            {i.tr_when(busy, Key::Working, Key::AcceptInvite)}
                        </button>
                    }
                        .into_any()
                } else {
                    view! {
                        <div class="banner banner-error" role="alert" data-testid="invite-error">
                            {i.tr(Key::InviteInvalid)}
                        </div>
                    }
                        .into_any()
                }}
                <p class="auth-alt">
                    <a href="/login" data-testid="to-login">{i.tr(Key::SignIn)}</a>
                </p>
            </form>
        </AuthShell>
    }
}
