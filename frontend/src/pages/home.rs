//! `/`: sends everyone to where they belong (sign-in, accounts or portal).

use leptos::prelude::*;

use crate::components::states::Loading;
use crate::logic::nav::landing;
use crate::router::redirect;
use crate::session::{use_session, Status};

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    Effect::new(move |_| {
        let target = match session.status.get() {
            Status::Restoring => return,
            Status::SignedOut => "/login".to_string(),
            Status::SignedIn(user) => landing(user.role, user.id, None),
        };
        redirect(&target);
    });
    view! { <Loading /> }
}
