//! Placeholder; being built.

use leptos::prelude::*;

use crate::i18n::{use_i18n, Key};

#[component]
pub fn HealthSettingsPage() -> impl IntoView {
    let i = use_i18n();
    view! { <div class="page"><h1>{i.tr(Key::HmTitle)}</h1></div> }
}
