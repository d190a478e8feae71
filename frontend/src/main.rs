//! Steward's browser app: a Leptos single-page app rendered on the client.

mod api;
mod app;
mod components;
mod i18n;
mod logic;
mod pages;
mod router;
mod session;
mod task;

fn main() {
    // The static page shows a "Steward…" placeholder until the app is here.
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
