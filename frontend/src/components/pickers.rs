//! Selects for the domain's vocabularies: account owner, lifecycle stage,
//! role. Each is a labelled native `<select>` (keyboard- and
//! screen-reader-friendly on every device).

use leptos::prelude::*;
use shared::users::User;
use shared::{LifecycleStage, Role};

use crate::i18n::{role_key, stage_key, use_i18n, Key};

/// The account owner: a staff user, or "none" (`none_label`: "me" when
/// creating, where the server defaults to the creator; "unassigned" when
/// editing).
#[component]
pub fn OwnerSelect(
    id: &'static str,
    label: Key,
    owners: Signal<Vec<User>>,
    value: RwSignal<Option<i64>>,
    none_label: Key,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="field">
            <label for=id>{i.tr(label)}</label>
            <select
                id=id
                data-testid=id
                on:change=move |ev| value.set(event_target_value(&ev).parse().ok())
            >
                <option value="" prop:selected=move || value.get().is_none()>
                    {i.tr(none_label)}
                </option>
                {move || {
                    owners
                        .get()
                        .into_iter()
                        .map(|u| {
                            let uid = u.id;
                            view! {
                                <option value=uid.to_string() prop:selected=move || value.get() == Some(uid)>
                                    {u.name}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}

#[component]
pub fn StageSelect(id: &'static str, value: RwSignal<LifecycleStage>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="field">
            <label for=id>{i.tr(Key::Stage)}</label>
            <select
                id=id
                data-testid=id
                on:change=move |ev| {
                    if let Ok(stage) = event_target_value(&ev).parse() {
                        value.set(stage);
                    }
                }
            >
                {LifecycleStage::ALL
                    .iter()
                    .map(|s| {
                        let s = *s;
                        view! {
                            <option value=s.as_str() prop:selected=move || value.get() == s>
                                {i.tr(stage_key(s))}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// A role among `roles`.
#[component]
pub fn RoleSelect(
    id: &'static str,
    label: Key,
    roles: &'static [Role],
    value: RwSignal<Role>,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="field">
            <label for=id>{i.tr(label)}</label>
            <select
                id=id
                data-testid=id
                on:change=move |ev| {
                    if let Ok(role) = event_target_value(&ev).parse() {
                        value.set(role);
                    }
                }
            >
                {roles
                    .iter()
                    .map(|r| {
                        let r = *r;
                        view! {
                            <option value=r.as_str() prop:selected=move || value.get() == r>
                                {i.tr(role_key(r))}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
