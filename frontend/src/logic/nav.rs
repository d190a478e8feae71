//! Where users land after signing in, and which `next=` targets we honour.

use shared::Role;

use super::query::encode;

pub const STAFF_HOME: &str = "/accounts";
pub const PORTAL_HOME: &str = "/portal";
pub const MY_WORK: &str = "/my-work";

/// Accepts only same-origin absolute paths, so `?next=` cannot send a user
/// to another site (`//evil.example`, `https://…`, `/\evil`).
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    ok.then(|| next.to_string())
}

fn path_of(target: &str) -> &str {
    target.split(['?', '#']).next().unwrap_or(target)
}

fn is_auth_page(path: &str) -> bool {
    matches!(
        path,
        "/login"
            | "/signup"
            | "/accept-invite"
            | "/forgot-password"
            | "/reset-password"
            | "/verify-email"
            | "/"
    )
}

fn is_portal_path(path: &str) -> bool {
    path == PORTAL_HOME || path.starts_with("/portal/")
}

/// Where a role starts its day: CSMs and engineers on their work (tasks
/// and book), managers and admins on the dashboard, customers in the
/// portal.
pub fn home_of(role: Role, _user_id: i64) -> String {
    match role {
        Role::Engineer | Role::Csm => MY_WORK.to_string(),
        Role::Manager | Role::Admin => "/dashboard".to_string(),
        Role::Customer | Role::CustomerAdmin => PORTAL_HOME.to_string(),
    }
}

/// The page to open after sign-in: `next` when it suits the role, otherwise
/// the role's home ([`home_of`]).
pub fn landing(role: Role, user_id: i64, next: Option<&str>) -> String {
    let home = home_of(role, user_id);
    match safe_next(next) {
        Some(target) => {
            let path = path_of(&target);
            let fits = !is_auth_page(path) && is_portal_path(path) == role.is_portal();
            if fits {
                target
            } else {
                home
            }
        }
        None => home,
    }
}

/// `/login?next=<path>` for a user whose session ended on `current`.
pub fn login_url(current: &str) -> String {
    let path = path_of(current);
    if is_auth_page(path) {
        "/login".to_string()
    } else {
        format!("/login?next={}", encode(current))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_accepted_as_next() {
        assert_eq!(
            safe_next(Some("/accounts/5")).as_deref(),
            Some("/accounts/5")
        );
        assert_eq!(safe_next(Some("//evil.example/x")), None);
        assert_eq!(safe_next(Some("https://evil.example")), None);
        assert_eq!(safe_next(Some("/\\evil.example")), None);
        assert_eq!(safe_next(Some("/a\nb")), None);
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn staff_and_portal_users_land_on_their_home() {
        assert_eq!(landing(Role::Csm, 4, None), "/my-work");
        assert_eq!(landing(Role::Engineer, 9, None), "/my-work");
        assert_eq!(landing(Role::Manager, 2, None), "/dashboard");
        assert_eq!(landing(Role::Admin, 1, None), "/dashboard");
        assert_eq!(landing(Role::Admin, 1, Some("/users")), "/users");
        assert_eq!(
            landing(Role::Csm, 4, Some("/accounts/9?x=1")),
            "/accounts/9?x=1"
        );
        assert_eq!(landing(Role::Customer, 5, None), "/portal");
        assert_eq!(
            landing(Role::CustomerAdmin, 5, Some("/accounts")),
            "/portal"
        );
        assert_eq!(landing(Role::Manager, 2, Some("/portal")), "/dashboard");
        assert_eq!(landing(Role::Manager, 2, Some("/login")), "/dashboard");
        assert_eq!(landing(Role::Engineer, 9, Some("/")), "/my-work");
        assert_eq!(landing(Role::Customer, 5, Some("/portal")), "/portal");
    }

    #[test]
    fn login_url_remembers_where_the_user_was() {
        assert_eq!(login_url("/accounts/5"), "/login?next=%2Faccounts%2F5");
        assert_eq!(login_url("/login?next=%2Fx"), "/login");
        assert_eq!(login_url("/"), "/login");
    }
}
