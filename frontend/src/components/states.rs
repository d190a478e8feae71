//! Loading, empty and error states.

use leptos::prelude::*;

use crate::api::ApiErr;
use crate::i18n::{use_i18n, Key};

/// A centred "loading…" note for whole pages.
#[component]
pub fn Loading() -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="loading" role="status" data-testid="loading">
            <span class="spinner" aria-hidden="true"></span>
            <span>{i.tr(Key::Loading)}</span>
        </div>
    }
}

/// Grey placeholder rows while a table loads.
#[component]
pub fn SkeletonRows(rows: usize, cols: usize) -> impl IntoView {
    (0..rows)
        .map(|_| {
            view! {
                <tr class="skeleton-row" aria-hidden="true" data-testid="skeleton-row">
                    {(0..cols)
                        .map(|_| view! { <td><span class="skeleton"></span></td> })
                        .collect_view()}
                </tr>
            }
        })
        .collect_view()
}

/// Skeleton blocks for a details card.
#[component]
pub fn SkeletonCard() -> impl IntoView {
    view! {
        <div class="card" aria-hidden="true" data-testid="skeleton-card">
            <span class="skeleton skeleton-title"></span>
            <span class="skeleton"></span>
            <span class="skeleton"></span>
            <span class="skeleton skeleton-short"></span>
        </div>
    }
}

/// A failed load, with a retry button.
#[component]
pub fn ErrorState(error: ApiErr, on_retry: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="state state-error" role="alert" data-testid="error-state">
            <p>{i.error_of(error)}</p>
            <button type="button" class="btn" data-testid="retry" on:click=move |_| on_retry.run(())>
                {i.tr(Key::Retry)}
            </button>
        </div>
    }
}

/// A page a user's role does not open.
#[component]
pub fn Forbidden() -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="state" data-testid="forbidden">
            <h1>{i.tr(Key::ForbiddenTitle)}</h1>
            <p>{i.tr(Key::ForbiddenBody)}</p>
            <a class="btn" href="/">{i.tr(Key::BackHome)}</a>
        </section>
    }
}
