//! `/login`: e-mail and password. Wrong credentials (401) and too many
//! attempts (429, with the wait from `Retry-After`) are said plainly.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::auth::LoginRequest;
use shared::{ErrorCode, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{FormBanner, TextField};
use crate::components::shell::AuthShell;
use crate::components::submit::Submit;
use crate::i18n::{use_i18n, Key};
use crate::logic::forms;
use crate::pages::auth_common::{enter_when_signed_in, fail, failure_text, Cooldown};

#[component]
pub fn LoginPage() -> impl IntoView {
    let i = use_i18n();
    enter_when_signed_in();
    // `?email=` comes from switching workspaces (with `?workspace=`).
    let email = RwSignal::new(crate::router::query_param("email").unwrap_or_default());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let cooldown = Cooldown::new();

    let banner = Signal::derive(move || {
        failure.with(|f| {
            f.as_ref().map(|err| match err {
                ApiErr::Api { error, .. } if error.code == ErrorCode::Unauthorized => {
                    i.t(Key::WrongCredentials).to_string()
                }
                other => failure_text(i, other, cooldown),
            })
        })
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || cooldown.left.get_untracked() > 0 {
            return;
        }
        let (e, p) = (email.get_untracked(), password.get_untracked());
        if let Err(fields) = forms::login(&e, &p) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        let req = LoginRequest {
            email: e.trim().to_string(),
            password: p,
            // An address with logins in several workspaces and the same
            // password: `/login?workspace=ID` picks one.
            workspace_id: crate::router::query_param("workspace").and_then(|w| w.parse().ok()),
        };
        // On success the session listener signs us in and
        // `enter_when_signed_in` moves on.
        Submit::new(busy, errors, failure).send_or(
            async move { api::auth::login(&req).await },
            |_| {},
            move |err| fail(err, errors, failure, cooldown),
        );
    };

    view! {
        <AuthShell>
            <form class="card auth-card" on:submit=submit novalidate=true data-testid="login-form">
                <h1 data-testid="login-heading">{i.tr(Key::LoginTitle)}</h1>
                <FormBanner message=banner testid="login-error" />
                <TextField
                    id="login-email"
                    label=Key::Email
                    value=email
                    field="email"
                    errors
                    kind="email"
                    autocomplete="username"
                    required=true
                />
                <TextField
                    id="login-password"
                    label=Key::Password
                    value=password
                    field="password"
                    errors
                    kind="password"
                    autocomplete="current-password"
                    required=true
                />
                <button
                    type="submit"
                    class="btn btn-primary btn-block"
                    data-testid="login-submit"
                    disabled=move || busy.get() || cooldown.active()
                >
                    {i.tr_when(busy, Key::SigningIn, Key::SignIn)}
                </button>
                <p class="auth-alt">
                    <a href="/forgot-password" data-testid="to-forgot">{i.tr(Key::ForgotPassword)}</a>
                </p>
                <p class="auth-alt">
                    {i.tr(Key::NoWorkspaceYet)} " "
                    <a href="/signup" data-testid="to-signup">{i.tr(Key::CreateWorkspace)}</a>
                </p>
            </form>
        </AuthShell>
    }
}
