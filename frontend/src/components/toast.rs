//! Toasts: short success/failure notes that fade after a few seconds.

use std::time::Duration;

use leptos::prelude::*;

use crate::i18n::{use_i18n, Key};

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    id: u64,
    ok: bool,
    text: String,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    seq: StoredValue<u64>,
}

impl Toasts {
    pub fn success(self, text: impl Into<String>) {
        self.push(true, text.into());
    }

    pub fn error(self, text: impl Into<String>) {
        self.push(false, text.into());
    }

    fn push(self, ok: bool, text: String) {
        let id = self.seq.get_value() + 1;
        self.seq.set_value(id);
        self.items
            .update(|items| items.push(Toast { id, ok, text }));
        // Failures stay longer: they are worth reading.
        let secs = if ok { 4 } else { 8 };
        set_timeout(move || self.dismiss(id), Duration::from_secs(secs));
    }

    pub fn dismiss(self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        items: RwSignal::new(Vec::new()),
        seq: StoredValue::new(0),
    };
    provide_context(toasts);
    toasts
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    let i = use_i18n();
    view! {
        <div class="toasts" role="status" aria-live="polite" data-testid="toasts">
            <For
                each=move || toasts.items.get()
                key=|t| t.id
                children=move |t| {
                    let id = t.id;
                    view! {
                        <div
                            class="toast"
                            class:toast-error=!t.ok
                            data-testid=if t.ok { "toast-success" } else { "toast-error" }
                        >
                            <span>{t.text}</span>
                            <button
                                type="button"
                                class="toast-close"
                                aria-label=i.tr(Key::Dismiss)
                                on:click=move |_| toasts.dismiss(id)
                            >
                                "×"
                            </button>
                        </div>
                    }
                }
            />
        </div>
    }
}
