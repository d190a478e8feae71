//! `/accounts/:id`: an account's header (name, summary figures, actions),
//! then tabs (`?tab=`): overview (details, health, contacts), tickets,
//! onboarding (plan, licences), contracts, timeline.

use leptos::prelude::*;
use shared::accounts::Account;
use shared::ErrorCode;

use crate::api::{self, ApiErr, Tagged};
use crate::components::fields::ModuleChips;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::toast::use_toasts;
use crate::i18n::{dates, stage_key, use_i18n, Key, Lang};
use crate::logic::account_summary::AccountTab;
use crate::pages::accounts::contacts::ContactsSection;
use crate::pages::accounts::edit::EditAccountForm;
use crate::pages::accounts::group::GroupSection;
use crate::pages::accounts::list::{load_code_rule, Directory};
use crate::pages::accounts::overview::{AccountSummary, AccountTabs, AccountTickets};
use crate::router::{navigate, use_location};
// onboarding & training
use crate::pages::accounts::agreements::AgreementsSection;
use crate::pages::accounts::installations::InstallationsSection;
use crate::pages::accounts::licenses::LicensesSection;
use crate::pages::accounts::onboarding::OnboardingSection;
use crate::pages::accounts::packages::PackagesSection;
use crate::pages::accounts::timeline::TimelineSection;
use crate::pages::accounts::training_coverage::TrainingCoverageSection;
use crate::pages::accounts::visits::AccountVisits;
use crate::pages::my_work::AccountTasks;
use crate::pages::playbooks::AccountPlaybookRuns;
// contracts & renewals
use crate::pages::accounts::contracts::ContractsSection;
use crate::pages::accounts::health::HealthSection;
// success plans
use crate::pages::accounts::success_plans::SuccessPlansSection;

type Loaded = Option<Result<Tagged<Account>, ApiErr>>;

#[component]
pub fn AccountPage(id: i64) -> impl IntoView {
    let i = use_i18n();
    let state = RwSignal::new(None::<Result<Tagged<Account>, ApiErr>>);
    let editing = RwSignal::new(false);
    let directory = Directory::load();
    let code_rule = load_code_rule();
    let location = use_location();
    let tab = Memo::new(move |_| AccountTab::from_search(&location.search.get()));

    let load = move || {
        state.set(None);
        crate::task::spawn(async move {
            let result = api::accounts::get(id).await;
            state.set(Some(result));
        });
    };
    load();

    let content = move || {
        let loaded: Loaded = state.get();
        match loaded {
            None => view! { <SkeletonCard /> }.into_any(),
            Some(Err(e)) if e.is(ErrorCode::NotFound) => view! { <NotFoundNote /> }.into_any(),
            Some(Err(e)) => {
                view! { <ErrorState error=e on_retry=Callback::new(move |_| load()) /> }.into_any()
            }
            Some(Ok(tagged)) => view! {
                <AccountView
                    tagged
                    tab
                    editing
                    directory
                    code_rule
                    on_change=Callback::new(move |t: Tagged<Account>| state.set(Some(Ok(t))))
                    on_reload=Callback::new(move |_| {
                        // Show their changes; the user edits again from there.
                        editing.set(false);
                        load();
                    })
                />
            }
            .into_any(),
        }
    };

    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/accounts" data-testid="back-to-accounts">{i.tr(Key::NavAccounts)}</a>
            </nav>
            {content}
            // One tab's sections at a time (each loads when its tab opens).
            {move || match tab.get() {
                AccountTab::Overview => view! {
                    <HealthSection account_id=id />
                    <AccountTasks account_id=id />
                    <AccountPlaybookRuns account_id=id />
                    <SuccessPlansSection account_id=id directory />
                    <ContactsSection account_id=id />
                }
                .into_any(),
                AccountTab::Tickets => view! { <AccountTickets account_id=id /> }.into_any(),
                AccountTab::Onboarding => view! {
                    <OnboardingSection account_id=id directory />
                    <TrainingCoverageSection account_id=id />
                    <LicensesSection account_id=id />
                }
                .into_any(),
                AccountTab::Agreements => view! {
                    <AgreementsSection account_id=id />
                    <PackagesSection account_id=id />
                }
                .into_any(),
                AccountTab::Contracts => view! { <ContractsSection account_id=id /> }.into_any(),
                AccountTab::Installations => view! { <InstallationsSection account_id=id directory /> }.into_any(),
                AccountTab::Visits => view! { <AccountVisits account_id=id /> }.into_any(),
                AccountTab::Timeline => view! { <TimelineSection account_id=id /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn NotFoundNote() -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="state" data-testid="account-not-found">
            <h1>{i.tr(Key::AccountNotFound)}</h1>
            <a class="btn" href="/accounts">{i.tr(Key::NavAccounts)}</a>
        </section>
    }
}

#[component]
fn AccountView(
    tagged: Tagged<Account>,
    tab: Memo<AccountTab>,
    editing: RwSignal<bool>,
    directory: Directory,
    code_rule: Signal<Option<String>>,
    on_change: Callback<Tagged<Account>>,
    on_reload: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let confirming = RwSignal::new(false);
    let archiving = RwSignal::new(false);
    let a = tagged.value.clone();
    let id = a.id;
    let owner_id = a.owner_id;
    let since = a.stage_entered_at;
    let stage = a.stage;
    let archived = a.archived;
    let name_for_toast = a.name.clone();
    let parent = a.parent.clone();
    let subsidiaries = a.subsidiaries.clone();
    let group = (!a.subsidiaries.is_empty()).then(|| tagged.clone());

    let restore = move |_| {
        if archiving.get_untracked() {
            return;
        }
        archiving.set(true);
        crate::task::spawn(async move {
            match api::accounts::restore(id).await {
                Ok(()) => {
                    toasts.success(i.t(Key::GpRestored));
                    on_reload.try_run(());
                }
                Err(e) => toasts.error(i.error(&e)),
            }
            archiving.set(false);
        });
    };

    let archive = move |_| {
        if archiving.get_untracked() {
            return;
        }
        archiving.set(true);
        let name = name_for_toast.clone();
        crate::task::spawn(async move {
            match api::accounts::archive(id).await {
                Ok(()) => {
                    toasts.success(i.f(Key::AccountArchived, &[&name]));
                    navigate("/accounts");
                }
                Err(e) => {
                    toasts.error(i.error(&e));
                    archiving.set(false);
                    confirming.set(false);
                }
            }
        });
    };

    let edit_form = {
        let tagged = tagged.clone();
        move || {
            editing.get().then(|| {
                view! {
                    <EditAccountForm
                        account=tagged.clone()
                        owners=directory.owners()
                        code_rule
                        on_saved=Callback::new(move |t| {
                            editing.set(false);
                            on_change.try_run(t);
                        })
                        on_cancel=Callback::new(move |_| editing.set(false))
                        on_reload=on_reload
                    />
                }
            })
        }
    };

    view! {
        <header class="page-header">
            <div>
                <h1 data-testid="detail-name">{a.name.clone()}</h1>
                <p class="muted">
                    <code data-testid="detail-code">{a.code.clone()}</code>
                    " · "
                    <span class=format!("badge stage-{}", stage.as_str()) data-testid="detail-stage">
                        {i.tr(stage_key(stage))}
                    </span>
                    {archived.then(|| view! { " " <span class="badge badge-muted" data-testid="detail-archived">{i.tr(Key::Archived)}</span> })}
                </p>
            </div>
            <div class="actions">
                <button
                    type="button"
                    class="btn"
                    data-testid="account-edit"
                    hidden=editing
                    on:click=move |_| editing.set(true)
                >
                    {i.tr(Key::Edit)}
                </button>
                {(!archived)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="btn btn-danger-ghost"
                                data-testid="account-archive"
                                hidden=confirming
                                on:click=move |_| confirming.set(true)
                            >
                                {i.tr(Key::Archive)}
                            </button>
                        }
                    })}
                {archived
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="btn"
                                data-testid="account-restore"
                                disabled=move || archiving.get()
                                on:click=restore
                            >
                                {i.tr(Key::GpRestore)}
                            </button>
                        }
                    })}
            </div>
        </header>
        {archived.then(|| view! {
            <p class="banner banner-warning" data-testid="account-archived-note">{i.tr(Key::GpArchivedNote)}</p>
        })}
        {move || {
            let archive = archive.clone();
            confirming
                .get()
                .then(|| {
                    view! {
                        <div
                            class="banner banner-warning"
                            role="alertdialog"
                            aria-labelledby="archive-question"
                            data-testid="archive-confirm-box"
                        >
                            <p id="archive-question">{i.tr(Key::ArchiveQuestion)}</p>
                            <div class="form-actions">
                                <button
                                    type="button"
                                    class="btn btn-danger"
                                    data-testid="archive-confirm"
                                    disabled=move || archiving.get()
                                    on:click=archive
                                >
                                    {i.tr(Key::Archive)}
                                </button>
                                <button
                                    type="button"
                                    class="btn btn-ghost"
                                    data-testid="archive-cancel"
                                    on:click=move |_| confirming.set(false)
                                >
                                    {i.tr(Key::Cancel)}
                                </button>
                            </div>
                        </div>
                    }
                })
        }}
        {edit_form}
        <AccountSummary account_id=id />
        <AccountTabs account_id=id tab />
        <section
            class="card"
            aria-labelledby="details-title"
            data-testid="account-details"
            hidden=move || tab.get() != AccountTab::Overview
        >
            <h2 id="details-title">{i.tr(Key::Details)}</h2>
            <dl class="details">
                <dt>{i.tr(Key::AccountName)}</dt>
                <dd>{a.name.clone()}</dd>
                <dt>{i.tr(Key::CustomerCode)}</dt>
                <dd><code>{a.code.clone()}</code></dd>
                <dt>{i.tr(Key::Industry)}</dt>
                <dd data-testid="detail-industry">{a.industry.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{i.tr(Key::Segment)}</dt>
                <dd data-testid="detail-segment">{a.segment.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{i.tr(Key::Owner)}</dt>
                <dd data-testid="detail-owner">
                    {move || {
                        match owner_id {
                            None => i.t(Key::Unassigned).to_string(),
                            Some(oid) => directory.name_of(Some(oid)).unwrap_or_else(|| format!("#{oid}")),
                        }
                    }}
                </dd>
                <dt>{i.tr(Key::Stage)}</dt>
                <dd data-testid="detail-stage-since">
                    {move || {
                        let lang = i.lang();
                        let days = dates::days_between(&since, &dates::now());
                        i.f(
                            Key::StageSince,
                            &[
                                i.t(stage_key(stage)),
                                &dates::date(&since, lang),
                                &dates::format_days(days, lang),
                            ],
                        )
                    }}
                </dd>
                <dt>{i.tr(Key::GrParent)}</dt>
                <dd data-testid="detail-parent">
                    {match parent {
                        Some(p) => view! { <a href=format!("/accounts/{}", p.id)>{p.name}</a> }.into_any(),
                        None => view! { "—" }.into_any(),
                    }}
                </dd>
                {(!subsidiaries.is_empty())
                    .then(|| {
                        view! {
                            <dt>{i.tr(Key::GrSubsidiaries)}</dt>
                            <dd data-testid="detail-subsidiaries">
                                {subsidiaries
                                    .into_iter()
                                    .enumerate()
                                    .map(|(n, s)| {
                                        view! {
                                            {(n > 0).then(|| if i.lang() == Lang::Zh { "、" } else { ", " })}
                                            <a href=format!("/accounts/{}", s.id)>{s.name}</a>
                                        }
                                    })
                                    .collect_view()}
                            </dd>
                        }
                    })}
                <dt>{i.tr(Key::Modules)}</dt>
                <dd data-testid="detail-modules"><ModuleChips modules=a.modules.clone() /></dd>
                <dt>{i.tr(Key::Updated)}</dt>
                <dd>{i.datetime_of(a.updated_at)}</dd>
            </dl>
        </section>
        {group
            .map(|tagged| {
                view! {
                    <div hidden=move || tab.get() != AccountTab::Overview>
                        <GroupSection tagged on_change />
                    </div>
                }
            })}
    }
}
