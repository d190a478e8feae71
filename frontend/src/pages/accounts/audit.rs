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
        "macro" => Key::GpEtMacro,
        "webhook" => Key::GpEtWebhook,
        "service_centre" => Key::GpEtCentre,
        "mail_channel" => Key::GpEtMailChannel,
        "chat_bot" => Key::GpEtChatBot,
        "task" => Key::GpEtTask,
        "kb_article" => Key::GpEtKbArticle,
        "installation" => Key::GpEtInstallation,
        "certification" => Key::GpEtCertification,
        "api_key" => Key::GpEtApiKeyEntry,
        "visit" => Key::GpEtVisit,
        "time_package" => Key::GpEtTimePackage,
        "time_entry" => Key::GpEtTimeEntry,
        "ticket_link" => Key::GpEtTicketLink,
        "survey_response" => Key::GpEtSurveyResponse,
        "survey" => Key::GpEtSurvey,
        "sla_policies" => Key::GpEtSlaPolicies,
        "service_level" => Key::GpEtServiceLevel,
        "routing_settings" => Key::GpEtRoutingSettings,
        "reminder_settings" => Key::GpEtReminderSettings,
        "playbook_run" => Key::GpEtPlaybookRun,
        "playbook" => Key::GpEtPlaybook,
        "onboarding_task" => Key::GpEtOnboardingTask,
        "health_override" => Key::GpEtHealthOverride,
        "health_model" => Key::GpEtHealthModel,
        "entitlement_settings" => Key::GpEtEntitlementSettings,
        "advisory" => Key::GpEtAdvisory,
        "account_activity" => Key::GpEtAccountActivity,
        "success_plan" => Key::GpEtSuccessPlan,
        "success_objective" => Key::GpEtSuccessObjective,
        "success_milestone" => Key::GpEtSuccessMilestone,
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
        "revoke" => Key::GpActRevoke,
        "renew" => Key::GpActRenew,
        "portal_access" => Key::GpActPortalAccess,
        "withdraw" => Key::GpActWithdraw,
        "verify_email" => Key::GpActVerifyEmail,
        "upgrade" => Key::GpActUpgrade,
        "unassign_from_centre" => Key::GpActUnassignCentre,
        "stage_change" => Key::GpActStageChange,
        "skip" => Key::GpActSkip,
        "signup" => Key::GpActSignup,
        "send_email" => Key::GpActSendEmail,
        "resolve_children" => Key::GpActResolveChildren,
        "reset_password" => Key::GpActResetPassword,
        "request_override" => Key::GpActRequestOverride,
        "invite" => Key::GpActInvite,
        "escalate_to_vendor" => Key::GpActEscalateVendor,
        "escalate" => Key::GpActEscalate,
        "complete" => Key::GpActComplete,
        "change_password" => Key::GpActChangePassword,
        "cancel" => Key::GpActCancel,
        "attendance" => Key::GpActAttendance,
        "assign_to_centre" => Key::GpActAssignCentre,
        "accept_invite" => Key::GpActAcceptInvite,
        "accept" => Key::GpActAccept,
        "apply" => Key::GpActApply,
        "answer" => Key::GpActAnswer,
        "approve" => Key::GpActApprove,
        "reject" => Key::GpActReject,
        "request_value_change" => Key::GpActRequestValueChange,
        "churn" => Key::GpActChurn,
        "register" => Key::GpActRegister,
        "extend" => Key::GpActExtend,
        "split" => Key::GpActSplit,
        "merge" => Key::GpActMerge,
        "merge_into" => Key::GpActMergeInto,
        "deactivate" => Key::GpActDeactivate,
        "reactivate" => Key::GpActReactivate,
        "snooze" => Key::GpActSnooze,
        "report" => Key::GpActReport,
        "dispatch" => Key::GpActDispatch,
        "check_in" => Key::GpActCheckIn,
        "check_out" => Key::GpActCheckOut,
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

#[cfg(test)]
mod tests {
    use super::{action_key, entity_key};

    /// The quoted words on the server's `action: …` and `entity_type: …`
    /// lines (the audit entries it writes), read from its source.
    fn recorded(field: &str) -> std::collections::BTreeSet<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src/domain");
        let mut files = Vec::new();
        walk(&root, &mut files);
        let mut out = std::collections::BTreeSet::new();
        let prefix = format!("{field}: ");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for line in text.lines() {
                let line = line.trim();
                let Some(rest) = line.strip_prefix(&prefix) else {
                    continue;
                };
                for (n, part) in rest.split('"').enumerate() {
                    if n % 2 == 1 && part.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                        out.insert(part.to_string());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_recorded_action_and_record_kind_has_a_name_in_both_languages() {
        // Written where the literal is not on the `action:` line itself.
        let mut actions = recorded("action");
        actions.extend(
            [
                "request_value_change",
                "churn",
                "renew",
                "register",
                "extend",
                "split",
                "merge",
                "merge_into",
                "deactivate",
                "reactivate",
                "snooze",
                "report",
                "dispatch",
                "check_in",
                "check_out",
            ]
            .map(String::from),
        );
        let mut kinds = recorded("entity_type");
        kinds.extend(
            [
                "contract",
                "success_plan",
                "success_objective",
                "success_milestone",
            ]
            .map(String::from),
        );
        assert!(
            actions.len() > 25 && kinds.len() > 30,
            "{actions:?} {kinds:?}"
        );
        let unnamed: Vec<_> = actions
            .iter()
            .filter(|a| action_key(a).is_none())
            .chain(kinds.iter().filter(|k| entity_key(k).is_none()))
            .collect();
        assert!(unnamed.is_empty(), "no name for {unnamed:?}");
    }
}
