//! `/audit` (admins and managers): the workspace's audit log, newest
//! first, filtered by kind of record, action, who did it and a record's id
//! (the filters live in the URL), each entry with the fields it changed.

use leptos::prelude::*;
use shared::audit::AuditEntry;

use crate::api::{self, ApiErr};
use crate::components::list_view::{list_phase, ListView};
use crate::components::paged::{load_more_footer, pager};
use crate::components::url_filter::{UrlFilter, UrlFiltered};
use crate::i18n::{use_i18n, Key};
use crate::logic::gaps::{field_changes, AuditUrlFilter, AUDIT_ACTIONS, AUDIT_ENTITY_TYPES};
use crate::logic::paging::ListState;
use crate::pages::accounts::list::Directory;

impl UrlFilter for AuditUrlFilter {
    fn from_search(search: &str) -> Self {
        AuditUrlFilter::from_search(search)
    }
    fn href(&self) -> String {
        AuditUrlFilter::href(self)
    }
    // The typed box is the record id.
    fn text(&self) -> &str {
        &self.record
    }
    fn text_mut(&mut self) -> &mut String {
        &mut self.record
    }
}

/// A kind of record in the user's language (its wire name when unknown).
pub fn entity_key(entity_type: &str) -> Option<Key> {
    Some(match entity_type {
        "account" => Key::GpEtAccount,
        "contact" => Key::GpEtContact,
        "user" => Key::GpEtUser,
        "contract" => Key::GpEtContract,
        "renewal" => Key::GpEtRenewal,
        "agreement" => Key::GpEtAgreement,
        "license" => Key::GpEtLicense,
        "ticket" => Key::GpEtTicket,
        "onboarding_template" => Key::GpEtTemplate,
        "onboarding_plan" => Key::GpEtPlan,
        "training" => Key::GpEtTraining,
        "approval" => Key::GpEtApproval,
        "workspace" => Key::GpEtWorkspace,
        _ => return None,
    })
}

/// An action in the user's language (as recorded when unknown).
pub fn action_key(action: &str) -> Option<Key> {
    Some(match action {
        "create" => Key::GpActCreate,
        "update" => Key::GpActUpdate,
        "delete" => Key::GpActDelete,
        "archive" => Key::GpActArchive,
        "restore" => Key::GpActRestore,
        _ => return None,
    })
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let i = use_i18n();
    let directory = Directory::load();
    let url = UrlFiltered::<AuditUrlFilter>::new();
    let filter = url.filter;
    let list = RwSignal::new(ListState::<AuditEntry, ApiErr>::default());
    let (reload, load_more) = pager(list, move |cursor| {
        let f = filter.get_untracked().filter();
        async move { api::audit::list(&f, cursor.as_deref()).await }
    });
    Effect::new(move |_| {
        filter.track();
        reload();
    });
    let record_id = url.search;
    let owners = directory.owners();
    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::GpAuditWhen)}</th>
                    <th scope="col">{i.tr(Key::GpAuditWho)}</th>
                    <th scope="col">{i.tr(Key::GpAuditAction)}</th>
                    <th scope="col">{i.tr(Key::GpAuditRecord)}</th>
                    <th scope="col">{i.tr(Key::GpAuditChanges)}</th>
                </tr>
            </thead>
        }
    };

    view! {
        <div class="page">
            <header class="page-header">
                <h1 data-testid="audit-heading">{i.tr(Key::GpAuditNav)}</h1>
            </header>
            <div class="toolbar" role="search">
                <div class="field">
                    <label for="audit-entity">{i.tr(Key::GpAuditRecord)}</label>
                    <select
                        id="audit-entity"
                        data-testid="audit-entity"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            url.update(|f| f.entity_type = (!v.is_empty()).then_some(v));
                        }
                    >
                        <option value="" prop:selected=move || filter.with(|f| f.entity_type.is_none())>
                            {i.tr(Key::GpAnyRecord)}
                        </option>
                        {AUDIT_ENTITY_TYPES
                            .iter()
                            .map(|t| {
                                let t = *t;
                                view! {
                                    <option value=t prop:selected=move || filter.with(|f| f.entity_type.as_deref() == Some(t))>
                                        {move || entity_key(t).map(|k| i.t(k).to_string()).unwrap_or_else(|| t.to_string())}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="audit-action">{i.tr(Key::GpAuditAction)}</label>
                    <select
                        id="audit-action"
                        data-testid="audit-action"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            url.update(|f| f.action = (!v.is_empty()).then_some(v));
                        }
                    >
                        <option value="" prop:selected=move || filter.with(|f| f.action.is_none())>
                            {i.tr(Key::GpAnyAction)}
                        </option>
                        {AUDIT_ACTIONS
                            .iter()
                            .map(|a| {
                                let a = *a;
                                view! {
                                    <option value=a prop:selected=move || filter.with(|f| f.action.as_deref() == Some(a))>
                                        {move || action_key(a).map(|k| i.t(k).to_string()).unwrap_or_else(|| a.to_string())}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="audit-actor">{i.tr(Key::GpAuditWho)}</label>
                    <select
                        id="audit-actor"
                        data-testid="audit-actor"
                        on:change=move |ev| {
                            let actor = event_target_value(&ev).parse().ok();
                            url.update(|f| f.actor_id = actor);
                        }
                    >
                        <option value="" prop:selected=move || filter.with(|f| f.actor_id.is_none())>
                            {i.tr(Key::GpAnyone)}
                        </option>
                        {move || {
                            owners
                                .get()
                                .into_iter()
                                .map(|u| {
                                    let id = u.id;
                                    view! {
                                        <option value=id.to_string() prop:selected=move || filter.with(|f| f.actor_id == Some(id))>
                                            {u.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="audit-record-id">{i.tr(Key::GpRecordId)}</label>
                    <input
                        type="number"
                        min="1"
                        inputmode="numeric"
                        id="audit-record-id"
                        data-testid="audit-record-id"
                        prop:value=move || record_id.get()
                        on:input=move |ev| url.on_search(ev)
                    />
                </div>
            </div>
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(6, 5)
                testid="audit-table"
                filtered=Callback::new(move |_| !filter.with_untracked(|f| f.is_unfiltered()))
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|e| e.id
                        children=move |e| view! { <AuditRow entry=e /> }
                    />
                }
                empty=move || view! {
                    <p class="state muted" data-testid="audit-empty">{i.tr(Key::GpNoAudit)}</p>
                }
                no_match=move || view! {
                    <div class="state" data-testid="audit-no-match">
                        <p>{i.tr(Key::NothingMatches)}</p>
                        <button
                            type="button"
                            class="btn"
                            data-testid="clear-filters"
                            on:click=move |_| url.clear()
                        >
                            {i.tr(Key::ClearFilters)}
                        </button>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "audit-load-more")}
        </div>
    }
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    let i = use_i18n();
    let changes = field_changes(entry.before.as_ref(), entry.after.as_ref());
    let action = entry.action.clone();
    let entity_type = entry.entity_type.clone();
    let entity_id = entry.entity_id;
    let link = match entity_type.as_str() {
        "account" => Some(format!("/accounts/{entity_id}")),
        "ticket" => Some(format!("/tickets/{entity_id}")),
        "training" => Some(format!("/trainings/{entity_id}")),
        _ => None,
    };
    // A kind of record or an action without a name in the catalogue is
    // shown as the identifier it was recorded under, as code.
    let record = {
        let entity_type = entity_type.clone();
        move || match entity_key(&entity_type) {
            Some(k) => view! { {format!("{} #{entity_id}", i.t(k))} }.into_any(),
            None => {
                view! { <code>{entity_type.clone()}</code>{format!(" #{entity_id}")} }.into_any()
            }
        }
    };
    let who = entry.actor_name.clone();
    view! {
        <tr data-testid="audit-row" data-action=entry.action.clone() data-entity=entry.entity_type.clone()>
            <td data-label=i.tr(Key::GpAuditWhen)>{i.datetime_of(entry.at)}</td>
            <td data-label=i.tr(Key::GpAuditWho)>
                {move || who.clone().unwrap_or_else(|| i.t(Key::GpSystem).to_string())}
            </td>
            <td data-label=i.tr(Key::GpAuditAction)>
                {move || match action_key(&action) {
                    Some(k) => view! { <span class="badge">{i.t(k)}</span> }.into_any(),
                    None => view! { <code class="badge">{action.clone()}</code> }.into_any(),
                }}
            </td>
            <td data-label=i.tr(Key::GpAuditRecord)>
                {match link {
                    Some(href) => view! { <a href=href>{record}</a> }.into_any(),
                    None => view! { <span>{record}</span> }.into_any(),
                }}
            </td>
            <td data-label=i.tr(Key::GpAuditChanges)>
                {if changes.is_empty() {
                    view! { <span class="muted">{i.tr(Key::GpNoFieldChange)}</span> }.into_any()
                } else {
                    view! {
                        <ul class="audit-changes" data-testid="audit-changes">
                            {changes
                                .into_iter()
                                .map(|c| {
                                    let arrow = match (&c.before, &c.after) {
                                        (Some(b), Some(a)) => format!("{b} → {a}"),
                                        (None, Some(a)) => a.clone(),
                                        (Some(b), None) => format!("{b} → —"),
                                        (None, None) => String::new(),
                                    };
                                    // The recorded values, verbatim (data, not
                                    // the interface's words).
                                    view! { <li><code>{c.field}</code>": " <samp>{arrow}</samp></li> }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </td>
        </tr>
    }
}
