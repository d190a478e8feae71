//! Placeholder; being built.

use leptos::prelude::*;

use crate::i18n::{use_i18n, Key};

#[component]
pub fn SurveysPage() -> impl IntoView {
    let i = use_i18n();
    view! { <div class="page"><h1>{i.tr(Key::SvTitle)}</h1></div> }
}

#[component]
pub fn SurveyPage(id: i64) -> impl IntoView {
    let i = use_i18n();
    view! { <div class="page"><h1>{i.tr(Key::SvTitle)}" #"{id}</h1></div> }
}
