//! Passwords: `/forgot-password` (ask for a reset link), `/reset-password
//! ?token=…` (choose a new password with it) and `/password` (a signed-in
//! user changes theirs; their other sessions end), and `/verify-email
//! ?token=…` (the link that confirms a sign-up address).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::auth::{ChangePasswordRequest, PasswordResetConfirm, PasswordResetRequest};
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{FormBanner, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::shell::AuthShell;
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::forms;
use crate::pages::auth_common::{enter_when_signed_in, fail, failure_banner, Cooldown};
use crate::router::{navigate, query_param};

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let i = use_i18n();
    enter_when_signed_in();
    let email = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let sent = RwSignal::new(false);
    let cooldown = Cooldown::new();
    let banner = failure_banner(i, failure, cooldown);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || cooldown.left.get_untracked() > 0 {
            return;
        }
        let e = email.get_untracked().trim().to_string();
        if let Err(fields) = forms::forgot_password(&e) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).send_or(
            async move { api::auth::request_password_reset(&PasswordResetRequest { email: e }).await },
            move |()| sent.set(true),
            move |err| fail(err, errors, failure, cooldown),
        );
    };

    view! {
        <AuthShell>
            <form class="card auth-card" on:submit=submit novalidate=true data-testid="forgot-form">
                <h1>{i.tr(Key::ForgotTitle)}</h1>
                {move || {
                    if sent.get() {
                        view! {
                            <div class="banner banner-success" role="status" data-testid="forgot-sent">
                                {i.tr(Key::ResetLinkSent)}
                            </div>
                        }
                            .into_any()
                    } else {
                        view! {
                            <p class="muted">{i.tr(Key::ForgotIntro)}</p>
                            <FormBanner message=banner testid="forgot-error" />
                            <TextField
                                id="forgot-email"
                                label=Key::Email
                                value=email
                                field="email"
                                errors
                                kind="email"
                                autocomplete="username"
                                required=true
                            />
                            <button
                                type="submit"
                                class="btn btn-primary btn-block"
                                data-testid="forgot-submit"
                                disabled=move || busy.get() || cooldown.active()
                            >
                                {i.tr_when(busy, Key::Working, Key::SendResetLink)}
                            </button>
                        }
                            .into_any()
                    }
                }}
                <p class="auth-alt">
                    <a href="/login" data-testid="to-login">{i.tr(Key::SignIn)}</a>
                </p>
            </form>
        </AuthShell>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let i = use_i18n();
    let token = query_param("token").unwrap_or_default();
    let has_token = !token.trim().is_empty();
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let cooldown = Cooldown::new();
    let banner = Signal::derive(move || {
        let bad_link =
            failure.with(|f| f.as_ref().is_some_and(|e| e.fields().contains_key("token")));
        if bad_link {
            Some(i.t(Key::ResetLinkInvalid).to_string())
        } else {
            failure_banner(i, failure, cooldown).get()
        }
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || cooldown.left.get_untracked() > 0 {
            return;
        }
        let p = password.get_untracked();
        if let Err(fields) = forms::new_password(&p) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        let req = PasswordResetConfirm {
            token: token.clone(),
            password: p,
        };
        Submit::new(busy, errors, failure).send_or(
            async move { api::auth::confirm_password_reset(&req).await },
            move |()| done.set(true),
            move |err| fail(err, errors, failure, cooldown),
        );
    };

    view! {
        <AuthShell>
            <form class="card auth-card" on:submit=submit novalidate=true data-testid="reset-form">
                <h1>{i.tr(Key::ResetTitle)}</h1>
                {move || {
                    if done.get() {
                        view! {
                            <div class="banner banner-success" role="status" data-testid="reset-done">
                                {i.tr(Key::ResetDone)}
                            </div>
                            <a href="/login" class="btn btn-primary btn-block" data-testid="reset-to-login">
                                {i.tr(Key::SignIn)}
                            </a>
                        }
                            .into_any()
                    } else if !has_token {
                        view! {
                            <div class="banner banner-error" role="alert" data-testid="reset-error">
                                {i.tr(Key::ResetLinkInvalid)}
                            </div>
                            <a href="/forgot-password">{i.tr(Key::SendResetLink)}</a>
                        }
                            .into_any()
                    } else {
                        view! {
                            <FormBanner message=banner testid="reset-error" />
                            <TextField
                                id="reset-password"
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
                                data-testid="reset-submit"
                                disabled=move || busy.get() || cooldown.active()
                            >
                                {i.tr_when(busy, Key::Working, Key::SaveNewPassword)}
                            </button>
                        }
                            .into_any()
                    }
                }}
                <p class="auth-alt">
                    <a href="/forgot-password" data-testid="to-forgot">{i.tr(Key::ForgotPassword)}</a>
                </p>
            </form>
        </AuthShell>
    }
}

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    view! {
        <Guard audience=Audience::Anyone>
            <ChangePasswordForm />
        </Guard>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let cooldown = Cooldown::new();
    let banner = failure_banner(i, failure, cooldown);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || cooldown.left.get_untracked() > 0 {
            return;
        }
        let (c, n) = (current.get_untracked(), new.get_untracked());
        if let Err(fields) = forms::change_password(&c, &n) {
            errors.set(fields);
            return;
        }
        errors.set(FieldErrors::new());
        failure.set(None);
        let req = ChangePasswordRequest {
            current_password: c,
            new_password: n,
        };
        Submit::new(busy, errors, failure).send_or(
            async move { api::auth::change_password(&req).await },
            move |()| {
                toasts.success(i.t(Key::PasswordChanged).to_string());
                navigate("/");
            },
            move |err| fail(err, errors, failure, cooldown),
        );
    };

    view! {
        <AuthShell>
            <form class="card auth-card" on:submit=submit novalidate=true data-testid="password-form">
                <h1>{i.tr(Key::ChangePassword)}</h1>
                <p class="muted">{i.tr(Key::ChangePasswordIntro)}</p>
                <FormBanner message=banner testid="password-error" />
                <TextField
                    id="password-current"
                    label=Key::CurrentPassword
                    value=current
                    field="current_password"
                    errors
                    kind="password"
                    autocomplete="current-password"
                    required=true
                />
                <TextField
                    id="password-new"
                    label=Key::NewPassword
                    value=new
                    field="new_password"
                    errors
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    hint=i.signal(Key::PasswordRule)
                />
                <button
                    type="submit"
                    class="btn btn-primary btn-block"
                    data-testid="password-submit"
                    disabled=move || busy.get() || cooldown.active()
                >
                    {i.tr_when(busy, Key::Working, Key::SaveNewPassword)}
                </button>
                <p class="auth-alt">
                    <a href="/" data-testid="password-cancel">{i.tr(Key::Cancel)}</a>
                </p>
            </form>
        </AuthShell>
    }
}

/// Opens the link that confirms a sign-up address: one request on arrival,
/// then what it did, in words.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let i = use_i18n();
    let token = query_param("token").unwrap_or_default();
    // None while working; then the outcome (`Err(None)`: no token).
    let outcome = RwSignal::new(None::<Result<(), Option<ApiErr>>>);
    if token.trim().is_empty() {
        outcome.set(Some(Err(None)));
    } else {
        let req = shared::auth::VerifyEmailRequest { token };
        crate::task::spawn(async move {
            outcome.set(Some(api::auth::verify_email(&req).await.map_err(Some)));
        });
    }
    view! {
        <AuthShell>
            <div class="card auth-card" data-testid="verify-email">
                <h1>{i.tr(Key::VerifyTitle)}</h1>
                {move || match outcome.get() {
                    None => view! {
                        <p role="status" data-testid="verify-working">{i.tr(Key::VerifyWorking)}</p>
                    }
                        .into_any(),
                    Some(Ok(())) => view! {
                        <div class="banner banner-success" role="status" data-testid="verify-done">
                            {i.tr(Key::VerifyDone)}
                        </div>
                    }
                        .into_any(),
                    Some(Err(err)) => {
                        let text = match err {
                            Some(err) if !err.fields().contains_key("token") => i.error(&err),
                            _ => i.t(Key::VerifyLinkInvalid).to_string(),
                        };
                        view! {
                            <div class="banner banner-error" role="alert" data-testid="verify-failed">{text}</div>
                        }
                            .into_any()
                    }
                }}
                <a href="/" class="btn btn-primary btn-block" data-testid="verify-continue">
                    {i.tr(Key::VerifyContinue)}
                </a>
            </div>
        </AuthShell>
    }
}
