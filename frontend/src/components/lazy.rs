//! Pages whose code lives in its own WASM chunk, fetched on first visit.
//!
//! `#[lazy]` functions (Leptos' wasm-split support) mark where the build
//! (`scripts/build-frontend.sh`, `wasm-split-cli`) cuts the app: the start-up
//! WASM keeps the shell, login and the shared components; each area's pages
//! arrive when first opened, behind a skeleton.

use std::future::Future;

use leptos::prelude::*;

use crate::components::states::SkeletonCard;

/// Shows `load`'s page once its chunk is in, a skeleton until then.
pub fn lazy_view<Fut>(load: Fut) -> AnyView
where
    Fut: Future<Output = AnyView> + 'static,
{
    let ready = RwSignal::new(false);
    let slot = StoredValue::new_local(None::<AnyView>);
    // Scoped: the page is built under this owner, so it finds the app's
    // contexts (language, session, toasts).
    leptos::task::spawn_local_scoped(async move {
        let view = load.await;
        if slot.try_update_value(|s| *s = Some(view)).is_some() {
            ready.try_set(true);
        }
    });
    (move || {
        let page = if ready.get() {
            slot.try_update_value(Option::take).flatten()
        } else {
            None
        };
        page.unwrap_or_else(|| view! { <SkeletonCard /> }.into_any())
    })
    .into_any()
}
