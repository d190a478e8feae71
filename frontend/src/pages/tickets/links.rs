//! The ticket page's links panel: parent, children and related tickets
//! (add and remove), and resolving a parent's open children with one reply.

use leptos::prelude::*;
use shared::ticket_links::{
    is_done, CandidatePurpose, LinkKind, ResolveChildrenOutcome, TicketLink, TicketRef,
};
use shared::tickets::MAX_BODY;

use crate::api::{self, ApiErr};
use crate::components::load::load;
use crate::components::states::ErrorState;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key};
use crate::logic::tickets::check_text;
use crate::pages::tickets::common::{action_error, ActionError, StatusBadge};
use crate::pages::tickets::detail::Current;
use crate::pages::tickets::merge::{label, TicketPicker};

pub fn link_kind_key(kind: LinkKind) -> Key {
    match kind {
        LinkKind::Parent => Key::TkLinkParent,
        LinkKind::Child => Key::TkLinkChild,
        LinkKind::Related => Key::TkLinkRelated,
    }
}

/// The links panel: parent, children and related tickets with their
/// status; add one (kind and picker) or remove one; on a parent with open
/// children, resolve them with one reply.
#[component]
pub fn LinksSection(cur: Current) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let id = cur.id;
    let links = load(move || api::ticket_links::links(id));
    let kind = RwSignal::new(LinkKind::Related);
    let chosen = RwSignal::new(None::<TicketRef>);
    let adding = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let done = move |result: Result<(), ApiErr>, success: Key| {
        match result {
            Ok(()) => {
                links.refresh.run(());
                cur.timeline.reload.run(());
                toasts.success(i.t(success));
                chosen.set(None);
                adding.set(false);
            }
            Err(e) => failure.set(Some(action_error(i, &e))),
        }
        busy.set(false);
    };
    let add = move |_| {
        let Some(other) = chosen.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let kind = kind.get_untracked();
        crate::task::spawn(async move {
            let result = api::ticket_links::add_link(id, other.id, kind).await;
            done(result.map(drop), Key::TkLinked);
        });
    };
    let remove = move |other: i64| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            done(
                api::ticket_links::remove_link(id, other).await,
                Key::TkUnlinked,
            );
        });
    };
    let open_children = Memo::new(move |_| {
        links
            .ok()
            .map_or(0, |list| list.iter().filter(|l| l.is_open_child()).count())
    });
    view! {
        <section class="card" aria-labelledby="links-title" data-testid="ticket-links">
            <h2 id="links-title">{i.tr(Key::TkLinks)}</h2>
            <ActionError failure testid="link-error" />
            {move || match links.value.get() {
                None => view! { <p class="muted" role="status">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=links.reload /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => {
                    view! { <p class="muted" data-testid="links-empty">{i.tr(Key::TkNoLinks)}</p> }.into_any()
                }
                Some(Ok(list)) => view! {
                    <ul class="plain-list">
                        {list.into_iter().map(|l| view! { <LinkItem link=l busy remove /> }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            {move || {
                if !adding.get() {
                    return view! {
                        <button type="button" class="btn btn-small" data-testid="link-open" on:click=move |_| adding.set(true)>
                            {i.tr(Key::TkLinkAs)} "…"
                        </button>
                    }
                    .into_any();
                }
                view! {
                    <div class="field">
                        <label for="link-kind">{i.tr(Key::TkLinkAs)}</label>
                        <select
                            id="link-kind"
                            data-testid="link-kind"
                            on:change=move |ev| {
                                if let Ok(k) = event_target_value(&ev).parse() {
                                    kind.set(k);
                                }
                            }
                        >
                            {LinkKind::ALL
                                .iter()
                                .map(|k| {
                                    let k = *k;
                                    view! {
                                        <option value=k.as_str() prop:selected=move || kind.get() == k>
                                            {i.tr(link_kind_key(k))}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <TicketPicker ticket_id=id purpose=CandidatePurpose::Link chosen testid="link" />
                    <div class="form-actions">
                        <button
                            type="button"
                            class="btn btn-primary"
                            data-testid="link-add"
                            disabled=move || busy.get() || chosen.with(Option::is_none)
                            on:click=add
                        >
                            {move || match chosen.get() {
                                _ if busy.get() => i.t(Key::Saving).to_string(),
                                Some(t) => i.f(Key::TkLinkPick, &[&t.number.to_string()]),
                                None => i.t(Key::TkLinkAs).to_string(),
                            }}
                        </button>
                        <button type="button" class="btn btn-ghost" data-testid="link-cancel" on:click=move |_| adding.set(false)>
                            {i.tr(Key::Cancel)}
                        </button>
                    </div>
                }
                .into_any()
            }}
            {move || (open_children.get() > 0).then(|| view! {
                <ResolveChildren cur open=open_children.get() on_done=links.refresh />
            })}
        </section>
    }
}

#[component]
fn LinkItem(
    link: TicketLink,
    busy: RwSignal<bool>,
    remove: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i = use_i18n();
    let other = link.ticket.id;
    view! {
        <li data-testid="link" data-kind=link.kind.as_str() data-ticket-id=other.to_string()>
            <span class="badge badge-muted">{i.tr(link_kind_key(link.kind))}</span>
            " "
            <a href=format!("/tickets/{other}")>{label(&link.ticket)}</a>
            " "
            <StatusBadge status=link.ticket.status />
            " "
            <button
                type="button"
                class="btn btn-ghost btn-small"
                data-testid="link-remove"
                disabled=busy
                on:click=move |_| remove(other)
            >
                {i.tr(Key::TkRemove)}
            </button>
        </li>
    }
}

/// One public reply to every open child, once this ticket is resolved.
#[component]
fn ResolveChildren(cur: Current, open: usize, on_done: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let reply = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<ResolveChildrenOutcome>);
    let parent_done = Memo::new(move |_| cur.with(|t| is_done(t.status)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = reply.get_untracked();
        if check_text("reply", &text, MAX_BODY).is_err() {
            failure.set(Some(i.t(Key::TkEmptyComment).to_string()));
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match api::ticket_links::resolve_children(cur.id, text).await {
                Ok(o) => {
                    toasts.success(i.f(Key::TkChildrenResolved, &[&o.resolved.len().to_string()]));
                    reply.set(String::new());
                    outcome.set(Some(o));
                    on_done.run(());
                    cur.refresh();
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="stack" data-testid="resolve-children">
            <h3>{i.tr(Key::TkResolveChildren)}</h3>
            <p class="muted" data-testid="open-children">{i.f(Key::TkOpenChildren, &[&open.to_string()])}</p>
            <ActionError failure testid="resolve-children-error" />
            {move || outcome.get().filter(|o| !o.skipped.is_empty()).map(|o| view! {
                <div class="banner banner-warning" role="status" data-testid="children-skipped">
                    <p>{i.tr(Key::TkChildrenSkipped)}</p>
                    <ul class="plain-list">
                        {o.skipped
                            .into_iter()
                            .map(|c| {
                                let reason = c.reason.unwrap_or_default();
                                let reason = shared::texts::Msg::parse_en(&reason)
                                    .and_then(|m| crate::i18n::server_text(&m, i.lang()))
                                    .unwrap_or(reason);
                                view! { <li>{format!("#{} · {reason}", c.number)}</li> }
                            })
                            .collect_view()}
                    </ul>
                </div>
            })}
            {move || {
                if !parent_done.get() {
                    return view! { <p class="field-hint" data-testid="resolve-parent-first">{i.tr(Key::TkResolveParentFirst)}</p> }
                        .into_any();
                }
                view! {
                    <form on:submit=submit novalidate=true data-testid="resolve-children-form">
                        <div class="field">
                            <label for="children-reply">{i.tr(Key::TkComposerLabel)}</label>
                            <textarea
                                id="children-reply"
                                data-testid="children-reply"
                                rows="4"
                                aria-required="true"
                                prop:value=move || reply.get()
                                on:input=move |ev| reply.set(event_target_value(&ev))
                            ></textarea>
                            <p class="field-hint">{i.tr(Key::TkResolveChildrenHint)}</p>
                        </div>
                        <button type="submit" class="btn btn-primary" data-testid="children-submit" disabled=busy>
                            {i.tr_when(busy, Key::Saving, Key::TkResolveChildren)}
                        </button>
                    </form>
                }
                .into_any()
            }}
        </div>
    }
}
