//! Any path the SPA does not know.

use leptos::prelude::*;

use crate::i18n::{use_i18n, Key};

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i = use_i18n();
    view! {
        <main class="auth-main" id="main">
            <section class="card state" data-testid="not-found">
                <p class="big-code" aria-hidden="true">"404"</p>
                <h1>{i.tr(Key::NotFoundTitle)}</h1>
                <p class="muted">{i.tr(Key::NotFoundBody)}</p>
                <a class="btn btn-primary" href="/" data-testid="not-found-home">{i.tr(Key::BackHome)}</a>
            </section>
        </main>
    }
}
