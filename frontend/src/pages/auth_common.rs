//! What the sign-in pages share: leaving for the landing page once signed
//! in, and the rate-limit countdown.

use std::time::Duration;

use leptos::prelude::*;

use shared::{ErrorCode, FieldErrors};

use crate::api::ApiErr;
use crate::i18n::{I18n, Key};
use crate::logic::nav::landing;
use crate::router::{query_param, redirect};
use crate::session::{use_session, Status};

/// The `?next=` the user was sent here with.
pub fn next_param() -> Option<String> {
    query_param("next")
}

/// Once a session exists (restored from the cookie, or just signed in), go
/// to the user's landing page.
pub fn enter_when_signed_in() {
    let session = use_session();
    let next = next_param();
    Effect::new(move |_| {
        if let Status::SignedIn(user) = session.status.get() {
            redirect(&landing(user.role, user.id, next.as_deref()));
        }
    });
}

/// Seconds left before the server accepts another attempt (429 Retry-After).
///
/// Counts down with one timeout per second; a countdown whose page is gone
/// simply stops (its signal is disposed), so nothing needs clearing.
#[derive(Clone, Copy)]
pub struct Cooldown {
    pub left: RwSignal<u64>,
}

impl Cooldown {
    pub fn new() -> Self {
        Cooldown {
            left: RwSignal::new(0),
        }
    }

    pub fn start(self, secs: u64) {
        let Some(running) = self.left.try_get_untracked().map(|left| left > 0) else {
            return;
        };
        self.left.set(secs);
        if !running {
            self.tick_later();
        }
    }

    fn tick_later(self) {
        set_timeout(
            move || {
                let Some(left) = self.left.try_get_untracked() else {
                    return;
                };
                let left = left.saturating_sub(1);
                self.left.set(left);
                if left > 0 {
                    self.tick_later();
                }
            },
            Duration::from_secs(1),
        );
    }

    pub fn active(self) -> bool {
        self.left.get() > 0
    }
}

/// The banner of a failed request: a rate limit with its countdown, or the
/// error as the server's text in the user's language.
pub fn failure_banner(
    i: I18n,
    failure: RwSignal<Option<ApiErr>>,
    cooldown: Cooldown,
) -> Signal<Option<String>> {
    Signal::derive(move || failure.with(|f| f.as_ref().map(|e| failure_text(i, e, cooldown))))
}

/// What a failed sign-in request says: a rate limit with its countdown,
/// else the error in the user's language.
pub fn failure_text(i: I18n, err: &ApiErr, cooldown: Cooldown) -> String {
    match err {
        ApiErr::Api { error, .. } if error.code == ErrorCode::RateLimited => {
            let left = cooldown.left.get();
            if left > 0 {
                i.f(Key::TooManyAttemptsWait, &[&left.to_string()])
            } else {
                i.t(Key::TooManyAttemptsAgain).to_string()
            }
        }
        other => i.error(other),
    }
}

/// Records a failure: its field errors, its banner, and a 429's wait.
pub fn fail(
    err: ApiErr,
    errors: RwSignal<FieldErrors>,
    failure: RwSignal<Option<ApiErr>>,
    cooldown: Cooldown,
) {
    if let ApiErr::Api {
        retry_after: Some(secs),
        ..
    } = &err
    {
        cooldown.start(*secs);
    }
    errors.set(err.fields());
    failure.set(Some(err));
}
