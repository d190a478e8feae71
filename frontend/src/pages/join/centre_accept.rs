//! `/centres/accept?token=…`: a vendor's invitation to become its authorised
//! service centre. The page shows who invites, as what; the admin of an
//! existing workspace signs in and accepts for it, and someone without one
//! creates a new workspace first (sign-up brings them back here).

use leptos::prelude::*;
use shared::{ErrorCode, Role};

use crate::api::{self, ApiErr};
use crate::components::shell::AuthShell;
use crate::components::states::Loading;
use crate::i18n::{use_i18n, Key};
use crate::logic::query::encode;
use crate::router::{navigate, query_param};
use crate::session::{use_session, Status};

fn bad_link(err: &ApiErr) -> bool {
    err.fields().contains_key("token") || err.is(ErrorCode::NotFound)
}

#[component]
pub fn CentreAcceptPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let token = query_param("token").unwrap_or_default();
    let here = format!("/centres/accept?token={}", encode(&token));
    let preview = RwSignal::new(None::<Result<shared::centres::InvitationPreview, ApiErr>>);
    let workspace = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiErr>);
    let accepted = RwSignal::new(None::<String>);
    {
        let token = token.clone();
        crate::task::spawn(async move {
            preview.set(Some(api::centres::preview(&token).await));
        });
    }
    Effect::new(move |_| {
        if matches!(session.status.get(), Status::SignedIn(_)) {
            crate::task::spawn(async move {
                if let Ok(me) = api::auth::me().await {
                    workspace.set(Some(me.workspace.name));
                }
            });
        }
    });
    let accept = {
        let token = token.clone();
        move |_| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            failure.set(None);
            let token = token.clone();
            crate::task::spawn(async move {
                match api::centres::accept(&token).await {
                    Ok(link) => accepted.set(Some(link.vendor_name)),
                    Err(e) => failure.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };
    let sign_in = format!("/login?next={}", encode(&here));
    let sign_up = format!("/signup?next={}", encode(&here));
    view! {
        <AuthShell>
            <section class="card auth-card" data-testid="centre-accept">
                <h1 data-testid="centre-accept-heading">{i.tr(Key::CaTitle)}</h1>
                {move || match preview.get() {
                    None => view! { <Loading /> }.into_any(),
                    Some(Err(_)) => view! {
                        <p class="state state-error" role="alert" data-testid="centre-accept-invalid">{i.tr(Key::CaInvalid)}</p>
                    }
                    .into_any(),
                    Some(Ok(p)) => view! {
                        <p data-testid="centre-accept-invites">{i.f(Key::CaInvites, &[&p.vendor_name, &p.centre_name])}</p>
                    }
                    .into_any(),
                }}
                {move || accepted.get().map(|vendor| view! {
                    <p class="notice" role="status" data-testid="centre-accepted">{i.f(Key::CaAccepted, &[&vendor])}</p>
                    <a class="btn btn-primary" href="/settings/service-centres" on:click=move |ev| {
                        ev.prevent_default();
                        navigate("/settings/service-centres");
                    }>{i.tr(Key::CeTitle)}</a>
                })}
                {move || failure.get().map(|e| {
                    let text = if bad_link(&e) {
                        i.t(Key::CaInvalid).to_string()
                    } else if e.is(ErrorCode::Forbidden) {
                        i.t(Key::CaAdminOnly).to_string()
                    } else {
                        i.error(&e)
                    };
                    view! { <p class="state state-error" role="alert" data-testid="centre-accept-error">{text}</p> }
                })}
                {
                    let accept = accept.clone();
                    let (sign_in, sign_up) = (sign_in.clone(), sign_up.clone());
                    move || {
                        let open = matches!(preview.get(), Some(Ok(_))) && accepted.get().is_none();
                        if !open {
                            return None;
                        }
                        Some(match session.status.get() {
                            Status::SignedIn(user) if user.role == Role::Admin => {
                                let accept = accept.clone();
                                view! {
                                    {move || workspace.get().map(|w| view! { <p class="muted">{i.f(Key::CaSignedInAs, &[&w])}</p> })}
                                    <button
                                        type="button"
                                        class="btn btn-primary btn-block"
                                        data-testid="centre-accept-submit"
                                        disabled=busy
                                        on:click=accept
                                    >
                                        {i.tr_when(busy, Key::Working, Key::CaAccept)}
                                    </button>
                                }
                                .into_any()
                            }
                            Status::SignedIn(_) => view! {
                                <p class="muted" data-testid="centre-accept-admin-only">{i.tr(Key::CaAdminOnly)}</p>
                            }
                            .into_any(),
                            _ => view! {
                                <a class="btn btn-primary btn-block" data-testid="centre-accept-sign-in" href=sign_in.clone()>{i.tr(Key::CaSignIn)}</a>
                                <a class="btn btn-block" data-testid="centre-accept-sign-up" href=sign_up.clone()>{i.tr(Key::CaSignup)}</a>
                            }
                            .into_any(),
                        })
                    }
                }
            </section>
        </AuthShell>
    }
}
