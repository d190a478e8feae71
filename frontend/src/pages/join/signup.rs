//! `/signup`: creates a workspace and its first admin, then signs them in.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::auth::SignupRequest;
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, TextField};
use crate::components::shell::AuthShell;
use crate::components::submit::Submit;
use crate::i18n::{use_i18n, Key};
use crate::logic::forms;
use crate::pages::auth_common::enter_when_signed_in;

#[component]
pub fn SignupPage() -> impl IntoView {
    let i = use_i18n();
    enter_when_signed_in();
    let workspace = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = SignupRequest {
            workspace_name: workspace.get_untracked().trim().to_string(),
            name: name.get_untracked().trim().to_string(),
            email: email.get_untracked().trim().to_string(),
            password: password.get_untracked(),
        };
        if let Err(fields) = forms::signup(&req) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        // A taken e-mail address is a conflict about that field.
        Submit::new(busy, errors, failure)
            .conflict_on("email")
            .send(async move { api::auth::signup(&req).await }, move |_| {});
    };

    view! {
        <AuthShell>
            <form class="card auth-card" on:submit=submit novalidate=true data-testid="signup-form">
                <h1 data-testid="signup-heading">{i.tr(Key::SignupTitle)}</h1>
                <p class="muted">{i.tr(Key::SignupIntro)}</p>
                <ErrorBanner failure testid="signup-error" />
                <TextField
                    id="signup-workspace"
                    label=Key::WorkspaceName
                    value=workspace
                    field="workspace_name"
                    errors
                    autocomplete="organization"
                    required=true
                />
                <TextField
                    id="signup-name"
                    label=Key::YourName
                    value=name
                    field="name"
                    errors
                    autocomplete="name"
                    required=true
                />
                <TextField
                    id="signup-email"
                    label=Key::Email
                    value=email
                    field="email"
                    errors
                    kind="email"
                    autocomplete="email"
                    required=true
                />
                <TextField
                    id="signup-password"
                    label=Key::Password
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
                    data-testid="signup-submit"
                    disabled=busy
                >
                    {i.tr_when(busy, Key::Working, Key::CreateWorkspace)}
                </button>
                <p class="auth-alt">
                    {i.tr(Key::HaveAccount)} " "
                    <a href="/login" data-testid="to-login">{i.tr(Key::SignIn)}</a>
                </p>
            </form>
        </AuthShell>
    }
}
