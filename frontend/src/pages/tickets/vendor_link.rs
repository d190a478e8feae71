//! The ticket page's link across a vendor and its authorised service
//! centre: the indicator of a linked ticket (which side, the other
//! ticket's number, what was shared) and, in a centre, "escalate to
//! vendor" for a tier-3 ticket with the choice of what to share.

use leptos::prelude::*;
use shared::centres::{
    BridgeSide, CentreStatus, EscalateToVendorRequest, SharedField, TicketBridge,
};
use shared::tickets::MAX_TIER;
use shared::Role;

use crate::api;
use crate::components::load::load;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, I18n, Key};
use crate::logic::tickets::check_text;
use crate::pages::tickets::common::ActionError;
use crate::pages::tickets::detail::Current;
use crate::session::use_session;

fn field_key(f: SharedField) -> Key {
    match f {
        SharedField::Description => Key::TvShareDescription,
        SharedField::Category => Key::TvShareCategory,
        SharedField::Priority => Key::TvSharePriority,
    }
}

fn shared_text(i: I18n, b: &TicketBridge) -> String {
    let mut parts: Vec<String> = b
        .shared_fields
        .iter()
        .map(|f| i.t(field_key(*f)).to_string())
        .collect();
    if b.shared_attachments > 0 {
        parts.push(format!(
            "{} × {}",
            i.t(Key::TvShareAttachments),
            b.shared_attachments
        ));
    }
    if parts.is_empty() {
        i.t(Key::TvSharedNothing).to_string()
    } else {
        parts.join("、")
    }
}

#[component]
pub fn VendorLinkSection(cur: Current) -> impl IntoView {
    let i = use_i18n();
    let id = cur.id;
    let link = load(move || api::centres::link(id));
    let vendors = load(api::centres::vendors);
    let is_centre = move || {
        vendors
            .ok()
            .is_some_and(|v| v.iter().any(|v| v.status == CentreStatus::Active))
    };
    move || match link.value.get() {
        Some(Ok(Some(b))) => view! { <LinkedCard bridge=b /> }.into_any(),
        Some(Ok(None)) if is_centre() => {
            view! { <EscalateToVendor cur done=link.refresh /> }.into_any()
        }
        // Not linked and not a centre, or the indicator failed to load:
        // nothing to show here (the rest of the page works without it).
        _ => {
            let _ = i;
            ().into_any()
        }
    }
}

#[component]
fn LinkedCard(bridge: TicketBridge) -> impl IntoView {
    let i = use_i18n();
    let number = bridge.counterpart_number.to_string();
    let title = match bridge.side {
        BridgeSide::Centre => i.f(Key::TvLinkedCentre, &[&bridge.counterpart, &number]),
        BridgeSide::Vendor => i.f(Key::TvLinkedVendor, &[&bridge.counterpart, &number]),
    };
    let shared = i.f(Key::TvShared, &[&shared_text(i, &bridge)]);
    view! {
        <section class="card" data-testid="vendor-link" data-side=bridge.side.as_str()>
            <h2><span class="badge badge-ok">"⇄"</span> " " {title}</h2>
            <p class="muted">{bridge.reason.clone()}</p>
            <p>{shared}</p>
            <p class="field-hint">{i.tr(Key::TvSyncNote)}</p>
        </section>
    }
}

#[component]
fn EscalateToVendor(cur: Current, done: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let session = use_session();
    let may = move || matches!(session.role(), Some(Role::Admin | Role::Manager));
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let fields = RwSignal::new(vec![SharedField::Description]);
    let chosen = RwSignal::new(Vec::<i64>::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let id = cur.id;
    let attachments = load(move || api::attachments::of_ticket(id));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = reason.get_untracked();
        if check_text("reason", &text, 2000).is_err() {
            failure.set(Some(
                i.t(Key::TvReason).to_string() + " · " + i.t(Key::TkEmptyComment),
            ));
            return;
        }
        let req = EscalateToVendorRequest {
            reason: text.trim().to_string(),
            share_fields: fields.get_untracked(),
            share_attachment_ids: chosen.get_untracked(),
        };
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::centres::escalate(id, &req).await {
                Ok(_) => {
                    toasts.success(i.t(Key::TvEscalated));
                    done.run(());
                    cur.refresh();
                }
                Err(e) => cur.fail(i, failure, &e),
            }
            busy.set(false);
        });
    };
    let toggle_field = move |f: SharedField, on: bool| {
        fields.update(|v| {
            v.retain(|x| *x != f);
            if on {
                v.push(f);
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="vendor-escalate-title" data-testid="vendor-escalate">
            <h2 id="vendor-escalate-title">{i.tr(Key::TvEscalate)}</h2>
            <ActionError failure testid="vendor-escalate-error" />
            {move || {
                if !may() {
                    return ().into_any();
                }
                if cur.with(|t| t.tier < MAX_TIER) {
                    return view! { <p class="muted" data-testid="vendor-escalate-tier">{i.tr(Key::TvNeedsTierThree)}</p> }.into_any();
                }
                if !open.get() {
                    return view! {
                        <button type="button" class="btn" data-testid="vendor-escalate-open" on:click=move |_| open.set(true)>
                            {i.tr(Key::TvEscalate)}
                        </button>
                    }
                    .into_any();
                }
                view! {
                    <form on:submit=submit novalidate=true data-testid="vendor-escalate-form">
                        <p class="field-hint">{i.tr(Key::TvEscalateIntro)}</p>
                        <div class="field">
                            <label for="vendor-escalate-reason">
                                {i.tr(Key::TvReason)}
                                <span class="required" aria-hidden="true">" *"</span>
                            </label>
                            <textarea
                                id="vendor-escalate-reason"
                                data-testid="vendor-escalate-reason"
                                rows="3"
                                aria-required="true"
                                prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev))
                            ></textarea>
                        </div>
                        <fieldset class="field">
                            {SharedField::ALL
                                .iter()
                                .map(|f| {
                                    let f = *f;
                                    let id = format!("vendor-share-{}", f.as_str());
                                    let (for_id, input_id) = (id.clone(), id.clone());
                                    view! {
                                        <label class="check" for=for_id>
                                            <input
                                                type="checkbox"
                                                id=input_id
                                                data-testid=id
                                                prop:checked=move || fields.with(|v| v.contains(&f))
                                                on:change=move |ev| toggle_field(f, event_target_checked(&ev))
                                            />
                                            {i.tr(field_key(f))}
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </fieldset>
                        {move || {
                            let public: Vec<_> = attachments
                                .ok()
                                .unwrap_or_default()
                                .into_iter()
                                .filter(|a| !a.internal)
                                .collect();
                            (!public.is_empty()).then(|| view! {
                                <fieldset class="field">
                                    <legend>{i.tr(Key::TvShareAttachments)}</legend>
                                    {public
                                        .into_iter()
                                        .map(|a| {
                                            let aid = a.id;
                                            let id = format!("vendor-share-file-{aid}");
                                            let for_id = id.clone();
                                            view! {
                                                <label class="check" for=for_id>
                                                    <input
                                                        type="checkbox"
                                                        id=id
                                                        on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            chosen.update(|v| {
                                                                v.retain(|x| *x != aid);
                                                                if on {
                                                                    v.push(aid);
                                                                }
                                                            });
                                                        }
                                                    />
                                                    {a.file_name}
                                                </label>
                                            }
                                        })
                                        .collect_view()}
                                </fieldset>
                            })
                        }}
                        <div class="form-actions">
                            <button type="submit" class="btn btn-danger" data-testid="vendor-escalate-submit" disabled=busy>
                                {i.tr_when(busy, Key::Saving, Key::TvEscalateSubmit)}
                            </button>
                            <button type="button" class="btn btn-ghost" on:click=move |_| open.set(false)>
                                {i.tr(Key::Cancel)}
                            </button>
                        </div>
                    </form>
                }
                .into_any()
            }}
        </section>
    }
}
