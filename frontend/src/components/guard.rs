//! Route guards: which signed-in users a page is for, and where everyone
//! else goes (sign-in, the portal, or the staff home).

use leptos::prelude::*;
use shared::Role;

use crate::components::states::{Forbidden, Loading};
use crate::logic::nav::{login_url, PORTAL_HOME, STAFF_HOME};
use crate::router::{here, redirect};
use crate::session::{use_session, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every signed-in user, staff or portal.
    Anyone,
    Staff,
    Admin,
    Portal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// The session is still being restored.
    Wait,
    Allow,
    /// Signed in, but the role may not open this page.
    Forbidden,
    ToLogin,
    ToPortal,
    ToStaffHome,
}

pub fn gate(status: &Status, audience: Audience) -> Gate {
    let role = match status {
        Status::Restoring => return Gate::Wait,
        Status::SignedOut => return Gate::ToLogin,
        Status::SignedIn(user) => user.role,
    };
    match audience {
        Audience::Anyone => Gate::Allow,
        Audience::Portal if role.is_portal() => Gate::Allow,
        Audience::Portal => Gate::ToStaffHome,
        _ if role.is_portal() => Gate::ToPortal,
        Audience::Admin if role != Role::Admin => Gate::Forbidden,
        _ => Gate::Allow,
    }
}

/// Shows `children` to the audience only, redirecting the others.
#[component]
pub fn Guard(audience: Audience, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    // A memo, so a renewed token (same user) does not re-render the page.
    let verdict = Memo::new(move |_| session.status.with(|s| gate(s, audience)));
    Effect::new(move |_| {
        let target = match verdict.get() {
            Gate::ToLogin => login_url(&here()),
            Gate::ToPortal => PORTAL_HOME.to_string(),
            Gate::ToStaffHome => STAFF_HOME.to_string(),
            _ => return,
        };
        redirect(&target);
    });
    move || match verdict.get() {
        Gate::Allow => children().into_any(),
        Gate::Forbidden => view! { <Forbidden /> }.into_any(),
        _ => view! { <Loading /> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::users::User;

    fn signed_in(role: Role) -> Status {
        Status::SignedIn(User {
            id: 1,
            workspace_id: 1,
            name: "Li Lei".into(),
            email: "li@example.cn".into(),
            role,
            active: true,
            invited: false,
            locale: None,
            digest_opt_in: false,
            created_at: chrono::DateTime::default(),
        })
    }

    #[test]
    fn pages_open_only_for_their_audience() {
        assert_eq!(gate(&Status::Restoring, Audience::Staff), Gate::Wait);
        assert_eq!(gate(&Status::SignedOut, Audience::Portal), Gate::ToLogin);
        assert_eq!(gate(&signed_in(Role::Csm), Audience::Staff), Gate::Allow);
        assert_eq!(
            gate(&signed_in(Role::Csm), Audience::Admin),
            Gate::Forbidden
        );
        assert_eq!(gate(&signed_in(Role::Admin), Audience::Admin), Gate::Allow);
        assert_eq!(
            gate(&signed_in(Role::Customer), Audience::Staff),
            Gate::ToPortal
        );
        assert_eq!(
            gate(&signed_in(Role::CustomerAdmin), Audience::Admin),
            Gate::ToPortal
        );
        assert_eq!(
            gate(&signed_in(Role::CustomerAdmin), Audience::Portal),
            Gate::Allow
        );
        assert_eq!(
            gate(&signed_in(Role::Manager), Audience::Portal),
            Gate::ToStaffHome
        );
    }
}
