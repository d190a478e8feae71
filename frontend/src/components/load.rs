//! Loading a value from the API into a signal.
//!
//! A deliberately small stand-in for `LocalResource` + `<Suspense>`: those
//! bring Leptos' async-derived machinery, instantiated per use, which costs
//! far more WASM than a signal and a spawned task.

use std::future::Future;

use leptos::prelude::*;

use crate::api::ApiErr;

/// `None` while loading, then the answer.
pub struct Loaded<T: Send + Sync + 'static> {
    pub value: RwSignal<Option<Result<T, ApiErr>>>,
    /// Loads again (the retry of an error state).
    pub reload: Callback<()>,
    /// Loads again, showing the old value until the answer comes (after a
    /// save: no skeleton flashing).
    pub refresh: Callback<()>,
}

// Handles to arena-held signals: copyable whatever `T` is (a derive would
// demand `T: Copy`).
impl<T: Send + Sync + 'static> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loaded<T> {}

impl<T: Clone + Send + Sync + 'static> Loaded<T> {
    /// The value, once loaded successfully.
    pub fn ok(self) -> Option<T> {
        self.value.get().and_then(Result::ok)
    }
}

/// Starts loading at once.
pub fn load<T, Fut>(fetch: impl Fn() -> Fut + Copy + Send + Sync + 'static) -> Loaded<T>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiErr>> + 'static,
{
    let value = RwSignal::new(None);
    let fetch_into = move || {
        crate::task::spawn(async move {
            let result = fetch().await;
            value.set(Some(result));
        });
    };
    fetch_into();
    Loaded {
        value,
        reload: Callback::new(move |_| {
            value.set(None);
            fetch_into();
        }),
        refresh: Callback::new(move |_| fetch_into()),
    }
}
