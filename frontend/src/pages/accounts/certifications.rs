//! On the users page: staff members' module certifications with their
//! expiry (持证上岗), and the workspace's routing rule "only certified
//! engineers" (admins).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::centres::{Certification, CertificationRequest, RoutingSettings};
use shared::ErpModule;

use crate::api;
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::toast::use_toasts;
use crate::i18n::{module_key, use_i18n, Key};

/// The switch of certified routing.
#[component]
pub fn RoutingCard() -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let settings = load(api::centres::routing);
    let busy = RwSignal::new(false);
    let save = move |on: bool| {
        busy.set(true);
        crate::task::spawn(async move {
            match api::centres::save_routing(&RoutingSettings { certified_only: on }).await {
                Ok(_) => toasts.success(i.t(Key::CfRoutingSaved)),
                Err(e) => toasts.error(i.error(&e)),
            }
            settings.refresh.run(());
            busy.set(false);
        });
    };
    move || match settings.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=settings.reload /> }.into_any(),
        Some(Ok(s)) => view! {
            <section class="card" data-testid="routing-setting">
                <label class="check" for="routing-certified-only">
                    <input
                        type="checkbox"
                        id="routing-certified-only"
                        data-testid="routing-certified-only"
                        prop:checked=s.certified_only
                        disabled=busy
                        on:change=move |ev| save(event_target_checked(&ev))
                    />
                    {i.tr(Key::CfRoutingOnly)}
                </label>
            </section>
        }
        .into_any(),
    }
}

/// One user's certifications: the list, removing one, adding one.
#[component]
pub fn CertificationsPanel(user_id: i64) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let list = load(move || api::centres::certifications(user_id));
    let module = RwSignal::new(ErpModule::Finance);
    let number = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(expires_on) = expires.get_untracked().parse() else {
            toasts.error(i.t(Key::CfExpires));
            return;
        };
        let req = CertificationRequest {
            module: module.get_untracked(),
            certificate_no: number.get_untracked().trim().to_string(),
            expires_on,
        };
        busy.set(true);
        crate::task::spawn(async move {
            match api::centres::certify(user_id, &req).await {
                Ok(_) => {
                    toasts.success(i.t(Key::CfAdded));
                    number.set(String::new());
                    list.refresh.run(());
                }
                Err(e) => toasts.error(i.error(&e)),
            }
            busy.set(false);
        });
    };
    let remove = move |id: i64| {
        busy.set(true);
        crate::task::spawn(async move {
            match api::centres::delete_certification(id).await {
                Ok(()) => {
                    toasts.success(i.t(Key::CfDeleted));
                    list.refresh.run(());
                }
                Err(e) => toasts.error(i.error(&e)),
            }
            busy.set(false);
        });
    };
    let today = crate::i18n::dates::now().date_naive();
    let row = move |c: Certification| {
        let id = c.id;
        let expired = c.expires_on < today;
        view! {
            <li data-testid="certification">
                <strong>{i.tr(module_key(c.module))}</strong>
                {(!c.certificate_no.is_empty()).then(|| view! { " · " {c.certificate_no.clone()} })}
                " · " {i.tr(Key::CfExpires)} " " {c.expires_on.to_string()}
                {expired.then(|| view! { " " <span class="badge badge-warning">{i.tr(Key::CfExpired)}</span> })}
                " "
                <button type="button" class="btn btn-small btn-ghost" disabled=busy on:click=move |_| remove(id)>
                    {i.tr(Key::CfDelete)}
                </button>
            </li>
        }
    };
    let (module_id, number_id, expires_id) = (
        format!("cert-{user_id}-module"),
        format!("cert-{user_id}-number"),
        format!("cert-{user_id}-expires"),
    );
    view! {
        <div class="stack" data-testid=format!("certifications-{user_id}")>
            <h3>{i.tr(Key::CfTitle)}</h3>
            {move || match list.value.get() {
                None => view! { <p class="muted">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=list.reload /> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted">{i.tr(Key::CfNone)}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="plain-list">{items.into_iter().map(row).collect_view()}</ul>
                }
                .into_any(),
            }}
            <form class="toolbar" on:submit=add data-testid=format!("certify-{user_id}")>
                <div class="field">
                    <label for=module_id.clone()>{i.tr(Key::CfModule)}</label>
                    <select
                        id=module_id.clone()
                        data-testid="cert-module"
                        on:change=move |ev| {
                            if let Ok(m) = event_target_value(&ev).parse() {
                                module.set(m);
                            }
                        }
                    >
                        {ErpModule::ALL
                            .iter()
                            .map(|m| {
                                let m = *m;
                                view! { <option value=m.as_str() selected=m == ErpModule::Finance>{i.tr(module_key(m))}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=number_id.clone()>{i.tr(Key::CfNumber)}</label>
                    <input
                        id=number_id.clone()
                        data-testid="cert-number"
                        prop:value=move || number.get()
                        on:input=move |ev| number.set(event_target_value(&ev))
                    />
                </div>
                <div class="field">
                    <label for=expires_id.clone()>{i.tr(Key::CfExpires)}</label>
                    <input
                        type="date"
                        id=expires_id.clone()
                        data-testid="cert-expires"
                        prop:value=move || expires.get()
                        on:input=move |ev| expires.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" class="btn btn-primary" data-testid="cert-submit" disabled=move || busy.get() || expires.get().is_empty()>
                    {i.tr(Key::CfAdd)}
                </button>
            </form>
        </div>
    }
}
