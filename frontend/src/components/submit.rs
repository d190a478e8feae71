//! The submit flow of a form: one request at a time (busy while it runs),
//! then the success step, or the answer's field errors under the fields
//! and the failure in the form's banner. Written once here instead of in
//! every form.

use std::future::Future;

use leptos::prelude::*;
use shared::FieldErrors;

use crate::api::ApiErr;
use crate::logic::forms;

/// The signals a form shows its answer with (`busy` on the submit button,
/// `errors` under the fields, `failure` in the `ErrorBanner`).
#[derive(Clone, Copy)]
pub struct Submit {
    busy: RwSignal<bool>,
    errors: RwSignal<FieldErrors>,
    failure: RwSignal<Option<ApiErr>>,
    /// The field a bare 409 `conflict` is about (see `forms::answer_fields`).
    conflict_field: Option<&'static str>,
    /// Stays busy after a success (the form leaves or is replaced).
    keep_busy: bool,
}

impl Submit {
    pub fn new(
        busy: RwSignal<bool>,
        errors: RwSignal<FieldErrors>,
        failure: RwSignal<Option<ApiErr>>,
    ) -> Self {
        Self {
            busy,
            errors,
            failure,
            conflict_field: None,
            keep_busy: false,
        }
    }

    /// A bare 409 `conflict` is shown as "taken" on `field`.
    pub fn conflict_on(self, field: &'static str) -> Self {
        Self {
            conflict_field: Some(field),
            ..self
        }
    }

    /// Stays busy after a success: the page navigates away or the form is
    /// replaced, so the button must not come back meanwhile.
    pub fn leaving(self) -> Self {
        Self {
            keep_busy: true,
            ..self
        }
    }

    /// Sends `request`, busy until it answers; then `on_ok` with the
    /// answer, or the error's field messages and the error in the banner.
    pub fn send<T: 'static>(
        self,
        request: impl Future<Output = Result<T, ApiErr>> + 'static,
        on_ok: impl FnOnce(T) + 'static,
    ) {
        self.send_or(request, on_ok, move |err| self.show(err));
    }

    /// [`Submit::send`] with `on_err` in place of showing the error (for
    /// forms that do more with it, such as a rate limit's countdown).
    pub fn send_or<T: 'static>(
        self,
        request: impl Future<Output = Result<T, ApiErr>> + 'static,
        on_ok: impl FnOnce(T) + 'static,
        on_err: impl FnOnce(ApiErr) + 'static,
    ) {
        self.busy.set(true);
        crate::task::spawn(async move {
            match request.await {
                Ok(answer) => {
                    on_ok(answer);
                    if !self.keep_busy {
                        self.busy.set(false);
                    }
                }
                Err(err) => {
                    on_err(err);
                    self.busy.set(false);
                }
            }
        });
    }

    /// Shows a failed answer: its field messages and the banner.
    pub fn show(self, err: ApiErr) {
        self.errors.set(match self.conflict_field {
            Some(field) => forms::answer_fields(&err, field),
            None => err.fields(),
        });
        self.failure.set(Some(err));
    }
}
