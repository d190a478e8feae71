//! Lists whose filters live in the URL (`/accounts?q=&stage=`), with a
//! search box that waits for the typing to pause: one place for what every
//! such list does, so a reload, a shared link and the back button keep the
//! filters the same way everywhere.

use std::time::Duration;

use leptos::prelude::*;

use crate::router::{redirect, use_location};

/// Search waits this long after the last keystroke.
pub const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);

/// A list's filters as its URL holds them.
pub trait UrlFilter: Clone + Default + PartialEq + Send + Sync + 'static {
    /// The filters of a URL's query string; malformed values are ignored.
    fn from_search(search: &str) -> Self;
    /// The list's URL with these filters.
    fn href(&self) -> String;
    /// The free-text search among the filters.
    fn text(&self) -> &str;
    fn text_mut(&mut self) -> &mut String;
}

/// Runs the latest of a burst of calls once they pause; a page leaving
/// cancels what is still waiting.
#[derive(Clone, Copy)]
pub struct Debouncer(StoredValue<Option<TimeoutHandle>>);

impl Debouncer {
    pub fn new() -> Self {
        let debouncer = Debouncer(StoredValue::new(None));
        on_cleanup(move || debouncer.cancel());
        debouncer
    }

    pub fn cancel(self) {
        if let Some(Some(handle)) = self.0.try_get_value() {
            handle.clear();
        }
    }

    /// Runs `f` after `delay` unless another call comes first.
    pub fn run(self, delay: Duration, f: impl FnOnce() + 'static) {
        self.cancel();
        let handle = set_timeout_with_handle(f, delay);
        self.0.set_value(handle.ok());
    }
}

impl Default for Debouncer {
    fn default() -> Self {
        Debouncer::new()
    }
}

/// The filters of the page's URL, the search box's text and the ways to
/// change them: every change is a new URL, and the list follows the URL.
pub struct UrlFiltered<F: UrlFilter> {
    /// The filters the URL holds now.
    pub filter: Memo<F>,
    /// What the search box shows (ahead of the URL while typing).
    pub search: RwSignal<String>,
    debounce: Debouncer,
}

impl<F: UrlFilter> Clone for UrlFiltered<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: UrlFilter> Copy for UrlFiltered<F> {}

impl<F: UrlFilter> UrlFiltered<F> {
    pub fn new() -> Self {
        let location = use_location();
        let filter = Memo::new(move |_| F::from_search(&location.search.get()));
        let search = RwSignal::new(filter.with_untracked(|f| f.text().to_string()));
        // Back/forward: the search box follows the URL.
        Effect::new(move |_| {
            let q = filter.with(|f| f.text().to_string());
            if search.get_untracked().trim() != q.trim() {
                search.set(q);
            }
        });
        UrlFiltered {
            filter,
            search,
            debounce: Debouncer::new(),
        }
    }

    /// Shows the list with `next`'s filters (a new URL when they differ).
    pub fn set(self, next: F) {
        if self.filter.with_untracked(|f| *f != next) {
            redirect(&next.href());
        }
    }

    /// Changes one filter, keeping the others.
    pub fn update(self, change: impl FnOnce(&mut F)) {
        let mut next = self.filter.get_untracked();
        change(&mut next);
        self.set(next);
    }

    /// The search box's input handler: the URL follows once typing pauses.
    pub fn on_search(self, ev: leptos::ev::Event) {
        let text = event_target_value(&ev);
        self.search.set(text.clone());
        self.debounce.run(SEARCH_DEBOUNCE, move || {
            self.update(|f| *f.text_mut() = text)
        });
    }

    /// Every filter off.
    pub fn clear(self) {
        self.debounce.cancel();
        self.search.set(String::new());
        self.set(F::default());
    }
}

impl<F: UrlFilter> Default for UrlFiltered<F> {
    fn default() -> Self {
        UrlFiltered::new()
    }
}
