//! Who is signed in. The session is restored on load from the refresh
//! cookie, renewed shortly before the access token expires, and ended on
//! logout or when renewal is refused. The token itself stays inside `api`.

use std::cell::RefCell;
use std::time::Duration;

use leptos::prelude::*;
use shared::users::User;
use shared::Role;

use crate::api::{self, ApiErr, AuthEvent};

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Restoring the session from the refresh cookie.
    Restoring,
    SignedOut,
    SignedIn(User),
}

#[derive(Clone, Copy)]
pub struct Session {
    pub status: RwSignal<Status>,
}

thread_local! {
    static RENEW_TIMER: RefCell<Option<TimeoutHandle>> = const { RefCell::new(None) };
}

/// Seconds to wait before renewing a token that lives `expires_in` seconds:
/// a minute early, or at three quarters of a short life.
pub fn renew_after(expires_in: u64) -> u64 {
    if expires_in > 240 {
        expires_in - 60
    } else {
        (expires_in * 3 / 4).max(5)
    }
}

/// After a renewal failed for want of network, try again this soon.
const RETRY_RENEWAL: Duration = Duration::from_secs(30);

fn cancel_timer() {
    RENEW_TIMER.with(|t| {
        if let Some(handle) = t.borrow_mut().take() {
            handle.clear();
        }
    });
}

fn schedule_renewal(after: Duration) {
    cancel_timer();
    let handle = set_timeout_with_handle(
        || {
            crate::task::spawn(async {
                if let Err(ApiErr::Network) = api::renew().await {
                    schedule_renewal(RETRY_RENEWAL);
                }
            })
        },
        after,
    );
    if let Ok(handle) = handle {
        RENEW_TIMER.with(|t| *t.borrow_mut() = Some(handle));
    }
}

impl Session {
    pub fn user(self) -> Option<User> {
        match self.status.get() {
            Status::SignedIn(user) => Some(user),
            _ => None,
        }
    }

    pub fn role(self) -> Option<Role> {
        self.status.with(|s| match s {
            Status::SignedIn(user) => Some(user.role),
            _ => None,
        })
    }

    pub fn is_admin(self) -> bool {
        self.role() == Some(Role::Admin)
    }

    fn set(self, status: Status) {
        // Renewals repeat the same user: do not wake every page for them.
        self.status.maybe_update(|s| {
            let changed = *s != status;
            *s = status;
            changed
        });
    }

    /// Signs out here and on the server.
    pub async fn logout(self) {
        cancel_timer();
        api::auth::logout().await;
    }
}

/// Creates the session, wires it to `api`'s announcements and starts
/// restoring it from the refresh cookie.
pub fn provide_session() -> Session {
    let session = Session {
        status: RwSignal::new(Status::Restoring),
    };
    provide_context(session);
    api::set_listener(move |event| match event {
        AuthEvent::Renewed(auth) => {
            schedule_renewal(Duration::from_secs(renew_after(auth.expires_in)));
            session.set(Status::SignedIn(auth.user));
        }
        AuthEvent::Ended => {
            cancel_timer();
            session.set(Status::SignedOut);
        }
    });
    crate::task::spawn(async move {
        if api::renew().await.is_err() {
            session.set(Status::SignedOut);
        }
    });
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        assert_eq!(renew_after(900), 840);
        assert_eq!(renew_after(3600), 3540);
        assert_eq!(renew_after(120), 90);
        assert_eq!(renew_after(4), 5);
        for life in [10, 60, 241, 900] {
            assert!(renew_after(life) < life);
        }
    }
}
