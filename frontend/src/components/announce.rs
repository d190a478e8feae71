//! What a screen reader and the browser tab learn when a page opens: the
//! document title follows the page's main heading ("客户 · Steward"), and
//! after an in-app navigation focus moves to that heading and a polite live
//! region announces it (WCAG 2.4.2, 2.4.3, 4.1.3). One place for every page:
//! pages only need an `<h1>`.

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::{use_i18n, Key};
use crate::router::use_location;

/// Pages render their heading once their chunk (and sometimes their data)
/// is in; look again a few times after a change.
const LOOKS_MS: [u64; 7] = [0, 60, 200, 450, 900, 1800, 3500];

fn heading() -> Option<web_sys::HtmlElement> {
    let document = window().document()?;
    let h1 = document
        .query_selector("main h1")
        .ok()
        .flatten()
        .or_else(|| document.query_selector("h1").ok().flatten())?;
    h1.dyn_into::<web_sys::HtmlElement>().ok()
}

/// `heading · product`, or the product alone when a page has no heading yet.
pub fn title_for(heading: &str, product: &str) -> String {
    let heading = heading.split_whitespace().collect::<Vec<_>>().join(" ");
    if heading.is_empty() || heading == product {
        product.to_string()
    } else {
        format!("{heading} · {product}")
    }
}

/// The live region plus the effect that titles, focuses and announces.
#[component]
pub fn RouteAnnouncer() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let said = RwSignal::new(String::new());
    // Which navigation we are in: a later one cancels an earlier one's looks.
    let generation = StoredValue::new(0u64);
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        location.path.track();
        let product = untrack(|| i.t(Key::ProductName));
        let navigated = !first.get_value();
        first.set_value(false);
        let this = generation.get_value() + 1;
        generation.set_value(this);
        let previous = heading();
        let focused = StoredValue::new(!navigated);
        for ms in LOOKS_MS {
            let previous = previous.clone();
            set_timeout(
                move || {
                    if generation.try_get_value() != Some(this) {
                        return;
                    }
                    let Some(h1) = heading() else { return };
                    // The old page's heading may linger until the new page is in.
                    if navigated && ms < 900 && previous.as_ref() == Some(&h1) {
                        return;
                    }
                    let text = h1.text_content().unwrap_or_default();
                    if let Some(document) = window().document() {
                        document.set_title(&title_for(&text, product));
                    }
                    if !focused.get_value() {
                        focused.set_value(true);
                        let _ = h1.set_attribute("tabindex", "-1");
                        let _ = h1.focus();
                        said.set(text.trim().to_string());
                    }
                },
                Duration::from_millis(ms),
            );
        }
    });
    // The language switch retitles the page without moving focus.
    Effect::new(move |_| {
        let product = i.t(Key::ProductName);
        // After the heading itself has switched language.
        set_timeout(
            move || {
                if let (Some(h1), Some(document)) = (heading(), window().document()) {
                    document.set_title(&title_for(&h1.text_content().unwrap_or_default(), product));
                }
            },
            Duration::from_millis(30),
        );
    });
    view! {
        <div class="visually-hidden" role="status" aria-live="polite" data-testid="route-announcer">
            {move || said.get()}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_names_the_page_then_the_product() {
        assert_eq!(title_for("客户", "Steward"), "客户 · Steward");
        assert_eq!(title_for("  Tickets\n ", "Steward"), "Tickets · Steward");
        assert_eq!(title_for("", "Steward"), "Steward");
        assert_eq!(title_for("Steward", "Steward"), "Steward");
    }
}

/// "Skip to main content": the first stop of the keyboard, visible when
/// focused; it moves focus into the page's main region (the router would
/// treat `#main` as a navigation, hence the click handler).
#[component]
pub fn SkipLink() -> impl IntoView {
    let i = use_i18n();
    let skip = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let main = window()
            .document()
            .and_then(|d| d.get_element_by_id("main"))
            .and_then(|m| m.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(main) = main {
            let _ = main.focus();
        }
    };
    view! {
        <a class="skip-link" href="#main" data-testid="skip-link" on:click=skip>
            {i.tr(Key::SkipToMain)}
        </a>
    }
}
