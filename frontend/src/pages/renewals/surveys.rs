//! `/surveys`: NPS campaigns (admins, managers, and CSMs for their own
//! accounts' contacts), with how many were asked, how many answered and the
//! NPS; a new campaign picks contacts account by account. `/surveys/{id}`:
//! one campaign's NPS, its promoters, passives and detractors, and every
//! recipient's answer. The answers feed the accounts' health scores.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::accounts::Contact;
use shared::surveys::{Survey, SurveyDetail, SurveyResponse};
use shared::{ErrorCode, FieldErrors, Role};

use crate::api::{self, ApiErr};
use crate::components::fields::{expanded, ErrorBanner, FieldError, TextField};
use crate::components::list_view::{list_phase, ListView};
use crate::components::load::load;
use crate::components::paged::{load_more_footer, pager};
use crate::components::states::{ErrorState, Loading, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, Key, Lang};
use crate::logic::health_model::{
    mix_widths, nps_text, percent_of, survey_request, toggle_id, NpsGroup,
};
use crate::logic::paging::ListState;
use crate::pages::portal::common::TextArea;
use crate::pages::renewals::health_settings::problem_fields;
use crate::pages::tickets::common::{AccountSearch, Accounts};
use crate::router::navigate;
use crate::session::use_session;

/// The question a new campaign starts with: the standard NPS question.
const DEFAULT_QUESTION_ZH: &str = "您向朋友或同事推荐我们的可能性有多大？";
const DEFAULT_QUESTION_EN: &str = "How likely are you to recommend us to a friend or colleague?";

/// Staff who run campaigns; the others are told who does.
#[component]
fn CampaignStaff(children: ChildrenFn) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    move || match session.role() {
        Some(Role::Admin | Role::Manager | Role::Csm) => children().into_any(),
        None => ().into_any(),
        Some(_) => view! {
            <section class="state" data-testid="forbidden">
                <h1>{i.tr(Key::ForbiddenTitle)}</h1>
                <p>{i.tr(Key::SvStaffOnly)}</p>
                <a class="btn" href="/accounts">{i.tr(Key::NavAccounts)}</a>
            </section>
        }
        .into_any(),
    }
}

#[component]
pub fn SurveysPage() -> impl IntoView {
    view! {
        <CampaignStaff>
            <SurveyList />
        </CampaignStaff>
    }
}

#[component]
fn SurveyList() -> impl IntoView {
    let i = use_i18n();
    let list = RwSignal::new(ListState::<Survey, ApiErr>::default());
    let creating = RwSignal::new(false);
    let (reload, load_more) = pager(list, move |cursor| async move {
        api::surveys::list(cursor.as_deref()).await
    });
    reload();
    let phase = list_phase(list);
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::Name)}</th>
                    <th scope="col">{i.tr(Key::SvSent)}</th>
                    <th scope="col">{i.tr(Key::SvAnswered)}</th>
                    <th scope="col">{i.tr(Key::SvNps)}</th>
                    <th scope="col">{i.tr(Key::SvCreatedAt)}</th>
                </tr>
            </thead>
        }
    };
    view! {
        <div class="page">
            <header class="page-header">
                <div>
                    <h1 data-testid="surveys-heading">{i.tr(Key::SvTitle)}</h1>
                    <p class="muted">{i.tr(Key::SvIntro)}</p>
                </div>
                <button
                    type="button"
                    class="btn btn-primary"
                    data-testid="survey-new"
                    aria-expanded=expanded(creating)
                    on:click=move |_| creating.update(|v| *v = !*v)
                >
                    {i.tr(Key::SvNew)}
                </button>
            </header>
            {move || creating.get().then(|| view! { <NewSurveyForm on_cancel=Callback::new(move |_| creating.set(false)) /> })}
            <ListView
                phase
                on_retry=Callback::new(move |_| reload())
                header
                skeleton=(3, 5)
                testid="surveys-table"
                rows=move || view! {
                    <For
                        each=move || list.with(|l| l.items.clone())
                        key=|s| (s.id, s.summary.responses)
                        children=move |s| view! { <SurveyRow survey=s /> }
                    />
                }
                empty=move || view! {
                    <div class="state" data-testid="surveys-empty">
                        <p>{i.tr(Key::SvEmpty)}</p>
                        <button type="button" class="btn btn-primary" hidden=creating on:click=move |_| creating.set(true)>
                            {i.tr(Key::SvNew)}
                        </button>
                    </div>
                }
            />
            {load_more_footer(list, load_more, "surveys-load-more")}
        </div>
    }
}

/// `3 / 8 (38%)`.
fn answered_text(responses: u64, recipients: u64) -> String {
    match percent_of(responses, recipients) {
        Some(p) => format!("{responses} / {recipients} ({p}%)"),
        None => format!("{responses} / {recipients}"),
    }
}

#[component]
fn SurveyRow(survey: Survey) -> impl IntoView {
    let i = use_i18n();
    let s = survey;
    view! {
        <tr data-testid="survey-row" data-survey-id=s.id.to_string()>
            <td data-label=i.tr(Key::Name)>
                <a href=format!("/surveys/{}", s.id) data-testid="survey-link">{s.name}</a>
            </td>
            <td data-label=i.tr(Key::SvSent)>{s.recipients}</td>
            <td data-label=i.tr(Key::SvAnswered)>{answered_text(s.summary.responses, s.recipients)}</td>
            <td data-label=i.tr(Key::SvNps) data-testid="survey-row-nps"><strong>{nps_text(s.summary.nps.as_deref())}</strong></td>
            <td data-label=i.tr(Key::SvCreatedAt)>{i.date_of(s.created_at)}</td>
        </tr>
    }
}

/// A recipient picked so far, remembered across accounts.
#[derive(Debug, Clone, PartialEq)]
struct Picked {
    id: i64,
    name: String,
    account: String,
}

#[component]
fn NewSurveyForm(on_cancel: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let session = use_session();
    let accounts = Accounts::load();
    let name = RwSignal::new(String::new());
    let question_zh = RwSignal::new(DEFAULT_QUESTION_ZH.to_string());
    let question_en = RwSignal::new(DEFAULT_QUESTION_EN.to_string());
    let account = RwSignal::new(None::<i64>);
    let contacts = RwSignal::new(None::<Result<Vec<Contact>, ApiErr>>);
    let picked = RwSignal::new(Vec::<Picked>::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    // A CSM surveys the contacts of the accounts they own (the server's rule).
    let options = move || {
        let me = session.user().map(|u| (u.id, u.role));
        accounts
            .pickable()
            .into_iter()
            .filter(|a| !matches!(me, Some((id, Role::Csm)) if a.owner_id != Some(id)))
            .map(|a| (a.id, a.name))
            .collect::<Vec<_>>()
    };
    let pick_account = move |value: String| {
        let id = value.parse::<i64>().ok();
        account.set(id);
        contacts.set(None);
        if let Some(id) = id {
            crate::task::spawn(async move {
                let result = api::contacts::list(id, None).await.map(|p| p.items);
                if account.get_untracked() == Some(id) {
                    contacts.set(Some(result));
                }
            });
        }
    };
    let set_picked = move |c: &Contact, on: bool| {
        let account_name = accounts.name_of(c.account_id);
        let entry = Picked {
            id: c.id,
            name: c.name.clone(),
            account: account_name,
        };
        picked.update(|p| {
            p.retain(|x| x.id != entry.id);
            if on {
                p.push(entry);
            }
        });
        errors.update(|e| {
            e.remove("contact_ids");
        });
    };
    let pick_all = move |_| {
        if let Some(Ok(list)) = contacts.get_untracked() {
            for c in list.iter().filter(|c| has_email(c)) {
                set_picked(c, true);
            }
        }
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut ids = Vec::new();
        picked.with_untracked(|p| {
            for x in p {
                toggle_id(&mut ids, x.id, true);
            }
        });
        let req = match survey_request(
            &name.get_untracked(),
            &question_zh.get_untracked(),
            &question_en.get_untracked(),
            &ids,
        ) {
            Ok(req) => req,
            Err(problems) => {
                errors.set(problem_fields(i, problems));
                return;
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).leaving().send(
            async move { api::surveys::create(&req).await },
            move |s| {
                toasts.success(i.f(Key::SvCreated, &[&s.recipients.to_string()]));
                navigate(&format!("/surveys/{}", s.id));
            },
        );
    };

    let contact_boxes = move || {
        match contacts.get() {
        None if account.get().is_none() => view! { <span class="muted">{i.tr(Key::SvPickAccount)}</span> }.into_any(),
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => view! { <span class="text-error">{i.error_of(e)}</span> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! { <span class="muted">{i.tr(Key::NoContactsYet)}</span> }.into_any(),
        Some(Ok(list)) => view! {
            <div class="checks">
                {list
                    .into_iter()
                    .filter(|c| !c.archived)
                    .map(|c| {
                        let cid = c.id;
                        let id = format!("survey-contact-{cid}");
                        let (for_id, testid) = (id.clone(), id.clone());
                        let mailable = has_email(&c);
                        let contact = StoredValue::new(c.clone());
                        view! {
                            <label class="check" for=for_id class:row-muted=!mailable>
                                <input
                                    type="checkbox"
                                    id=id
                                    data-testid=testid
                                    disabled=!mailable
                                    prop:checked=move || picked.with(|p| p.iter().any(|x| x.id == cid))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        contact.with_value(|c| set_picked(c, on));
                                    }
                                />
                                {c.name}
                                <span class="muted">
                                    {match c.email {
                                        Some(e) if !e.trim().is_empty() => e,
                                        _ => i.t(Key::SvNoEmail).to_string(),
                                    }}
                                </span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="actions">
                <button type="button" class="btn btn-small" data-testid="survey-pick-all" on:click=pick_all>
                    {i.tr(Key::SvPickAll)}
                </button>
            </div>
        }
        .into_any(),
    }
    };

    view! {
        <form class="card inline-form" on:submit=submit novalidate=true data-testid="survey-form">
            <h2>{i.tr(Key::SvNew)}</h2>
            <ErrorBanner failure testid="survey-error" />
            <TextField id="survey-name" label=Key::Name value=name field="name" errors required=true hint=i.signal(Key::SvNameHint) />
            <div class="form-grid">
                <TextArea id="survey-question-zh" label=Key::SvQuestionZh value=question_zh field="question_zh" errors rows=2 required=true />
                <TextArea id="survey-question-en" label=Key::SvQuestionEn value=question_en field="question_en" errors rows=2 required=true />
            </div>
            <fieldset class="field sv-recipients" class:has-error=move || errors.with(|e| e.contains_key("contact_ids"))>
                <legend>{i.tr(Key::SvRecipients)}</legend>
                <div class="field">
                    <label for="survey-account">{i.tr(Key::AccountName)}</label>
                    <AccountSearch accounts testid="survey-account-search" />
                    <select id="survey-account" data-testid="survey-account" on:change=move |ev| pick_account(event_target_value(&ev))>
                        <option value="">{i.tr(Key::SvChooseAccount)}</option>
                        {move || {
                            options()
                                .into_iter()
                                .map(|(id, name)| view! { <option value=id.to_string()>{name}</option> })
                                .collect_view()
                        }}
                    </select>
                </div>
                {contact_boxes}
                <p class="sv-picked-count" data-testid="survey-picked-count" aria-live="polite">
                    {move || i.f(Key::SvPicked, &[&picked.with(Vec::len).to_string()])}
                </p>
                <ul class="chips" data-testid="survey-picked">
                    {move || {
                        picked
                            .get()
                            .into_iter()
                            .map(|p| {
                                let pid = p.id;
                                let label = format!("{} · {}", p.name, p.account);
                                let aria = label.clone();
                                view! {
                                    <li class="chip">
                                        {label}
                                        <button
                                            type="button"
                                            class="btn-link sv-unpick"
                                            aria-label=move || i.f(Key::SvUnpick, &[&aria])
                                            on:click=move |_| picked.update(|v| v.retain(|x| x.id != pid))
                                        >
                                            "×"
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                <FieldError errors field="contact_ids" id="survey-contacts-error".to_string() />
            </fieldset>
            <p class="muted">{i.tr(Key::SvSendNote)}</p>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="survey-submit" disabled=busy>
                    {i.tr_when(busy, Key::Working, Key::SvCreate)}
                </button>
                <button type="button" class="btn btn-ghost" on:click=move |_| on_cancel.run(())>
                    {i.tr(Key::Cancel)}
                </button>
            </div>
        </form>
    }
}

fn has_email(c: &Contact) -> bool {
    c.email.as_deref().is_some_and(|e| !e.trim().is_empty())
}

#[component]
pub fn SurveyPage(id: i64) -> impl IntoView {
    let i = use_i18n();
    let detail = load(move || api::surveys::get(id));
    view! {
        <CampaignStaff>
            <div class="page">
                <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                    <a href="/surveys" data-testid="survey-back">{i.tr(Key::SvTitle)}</a>
                </nav>
                {move || match detail.value.get() {
                    None => view! { <SkeletonCard /> }.into_any(),
                    Some(Err(e)) if e.is(ErrorCode::NotFound) => view! {
                        <div class="state" data-testid="survey-not-found"><p>{i.tr(Key::SvNotFound)}</p></div>
                    }
                    .into_any(),
                    Some(Err(e)) => view! { <ErrorState error=e on_retry=detail.reload /> }.into_any(),
                    Some(Ok(d)) => view! { <SurveyView detail=d /> }.into_any(),
                }}
            </div>
        </CampaignStaff>
    }
}

#[component]
fn SurveyView(detail: SurveyDetail) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let s = detail.survey;
    let summary = s.summary.clone();
    let (p, pa, d) = mix_widths(&summary);
    let questions = StoredValue::new((s.question_zh.clone(), s.question_en.clone()));
    let responses = detail.responses;
    let none = responses.is_empty();
    view! {
        <header class="page-header">
            <div>
                <h1 data-testid="survey-heading">{s.name}</h1>
                <p class="muted">{i.tr(Key::SvCreatedAt)} " " {i.date_of(s.created_at)}</p>
            </div>
        </header>
        <blockquote class="sv-question-quote" data-testid="survey-detail-question">
            {move || questions.with_value(|(zh, en)| if i.lang() == Lang::Zh { zh.clone() } else { en.clone() })}
        </blockquote>
        {move || (session.role() == Some(Role::Csm)).then(|| view! { <p class="muted">{i.tr(Key::SvCsmScope)}</p> })}
        <section class="card" aria-labelledby="sv-summary-title" data-testid="survey-summary">
            <h2 id="sv-summary-title" class="visually-hidden">{i.tr(Key::SvSummary)}</h2>
            <dl class="sv-stats">
                <div class="sv-stat sv-stat-nps">
                    <dt>{i.tr(Key::SvNps)}</dt>
                    <dd data-testid="survey-nps">{nps_text(summary.nps.as_deref())}</dd>
                </div>
                <div class="sv-stat">
                    <dt>{i.tr(Key::SvAnswered)}</dt>
                    <dd data-testid="survey-answered">{answered_text(summary.responses, s.recipients)}</dd>
                </div>
                <div class="sv-stat">
                    <dt>{i.tr(Key::SvPromoters)}</dt>
                    <dd data-testid="survey-promoters">{summary.promoters}</dd>
                </div>
                <div class="sv-stat">
                    <dt>{i.tr(Key::SvPassives)}</dt>
                    <dd data-testid="survey-passives">{summary.passives}</dd>
                </div>
                <div class="sv-stat">
                    <dt>{i.tr(Key::SvDetractors)}</dt>
                    <dd data-testid="survey-detractors">{summary.detractors}</dd>
                </div>
            </dl>
            {(summary.responses > 0).then(|| view! {
                <div class="sv-mix" aria-hidden="true">
                    <span class="sv-promoter" style:width=format!("{p}%")></span>
                    <span class="sv-passive" style:width=format!("{pa}%")></span>
                    <span class="sv-detractor" style:width=format!("{d}%")></span>
                </div>
            })}
            <p class="muted">{i.tr(Key::SvNpsExplained)}</p>
        </section>
        <h2>{i.tr(Key::SvResponses)}</h2>
        {if none {
            view! { <div class="state" data-testid="survey-no-recipients"><p>{i.tr(Key::SvNoRecipients)}</p></div> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table responsive" data-testid="survey-responses">
                        <thead>
                            <tr>
                                <th scope="col">{i.tr(Key::AccountName)}</th>
                                <th scope="col">{i.tr(Key::SvContact)}</th>
                                <th scope="col">{i.tr(Key::SvScore)}</th>
                                <th scope="col">{i.tr(Key::SvComment)}</th>
                                <th scope="col">{i.tr(Key::SvAnsweredAt)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {responses.into_iter().map(|r| view! { <ResponseRow r /> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
    }
}

#[component]
fn ResponseRow(r: SurveyResponse) -> impl IntoView {
    let i = use_i18n();
    view! {
        <tr data-testid="survey-response" data-contact-id=r.contact_id.to_string() class:row-muted=r.score.is_none()>
            <td data-label=i.tr(Key::AccountName)>
                <a href=format!("/accounts/{}", r.account_id)>{r.account_name}</a>
            </td>
            <td data-label=i.tr(Key::SvContact)>{r.contact_name}</td>
            <td data-label=i.tr(Key::SvScore)>
                {match r.score {
                    Some(score) => {
                        let group = NpsGroup::of(score);
                        let key = match group {
                            NpsGroup::Promoter => Key::SvPromoter,
                            NpsGroup::Passive => Key::SvPassive,
                            NpsGroup::Detractor => Key::SvDetractor,
                        };
                        view! {
                            <span class=format!("badge sv-{}", group.as_str()) data-testid="survey-response-score" title=i.tr(key)>
                                {score}
                            </span>
                            <span class="visually-hidden">" " {i.tr(key)}</span>
                        }
                        .into_any()
                    }
                    None => view! { <span class="muted">{i.tr(Key::SvAwaiting)}</span> }.into_any(),
                }}
            </td>
            <td data-label=i.tr(Key::SvComment) class="pre-wrap" data-testid="survey-response-comment">
                {r.comment.unwrap_or_default()}
            </td>
            <td data-label=i.tr(Key::SvAnsweredAt)>
                {r.responded_at.map(|at| view! { <span>{i.datetime_of(at)}</span> })}
            </td>
        </tr>
    }
}
