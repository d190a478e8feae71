//! `/portal/surveys/{token}`: the survey e-mail's one-time link, and the
//! customer's only way to answer. Public: no sign-in, the token is the
//! credential. The question shows in the reader's language (the switch is
//! in the frame), the 0–10 scale is a native radio group (arrow keys move
//! between the options, each is named, both ends are explained), the
//! comment is optional, and the answer is taken once. An unknown link and
//! an already used one each say so plainly.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::surveys::PortalSurvey;
use shared::{ErrorCode, FieldErrors};

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, FieldError};
use crate::components::shell::AuthShell;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::i18n::{use_i18n, Key, Lang};
use crate::logic::health_model::answer_request;
use crate::pages::portal::common::TextArea;
use crate::pages::renewals::health_settings::problem_fields;
use crate::router::use_location;

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Loading,
    Failed(ApiErr),
    /// No such link (mistyped, or from a deleted workspace).
    Invalid,
    /// Answered already, before this visit or just now from elsewhere.
    Answered,
    Open(PortalSurvey),
    /// Answered in this visit.
    Thanks,
}

/// The token of `/portal/surveys/{token}`.
fn token_of(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Where a refused load or answer leaves the page, if not on the form.
fn stage_for(err: &ApiErr) -> Option<Stage> {
    if err.is(ErrorCode::NotFound) {
        Some(Stage::Invalid)
    } else if err.is(ErrorCode::Conflict) {
        Some(Stage::Answered)
    } else {
        None
    }
}

#[component]
pub fn SurveyAnswerPage() -> impl IntoView {
    let token = StoredValue::new(token_of(&use_location().path.get_untracked()));
    let stage = RwSignal::new(Stage::Loading);
    let fetch = move || {
        stage.set(Stage::Loading);
        crate::task::spawn(async move {
            let next = match api::surveys::by_token(&token.get_value()).await {
                Ok(s) if s.answered => Stage::Answered,
                Ok(s) => Stage::Open(s),
                Err(e) => stage_for(&e).unwrap_or(Stage::Failed(e)),
            };
            stage.set(next);
        });
    };
    fetch();
    let retry = Callback::new(move |_| fetch());
    view! {
        <AuthShell>
            <div class="sv-answer">
                {move || match stage.get() {
                    Stage::Loading => view! { <SkeletonCard /> }.into_any(),
                    Stage::Failed(e) => view! { <ErrorState error=e on_retry=retry /> }.into_any(),
                    Stage::Invalid => view! { <Notice testid="survey-invalid" title=Key::SvInvalidTitle body=Key::SvInvalidBody /> }.into_any(),
                    Stage::Answered => view! { <Notice testid="survey-already-answered" title=Key::SvAnsweredTitle body=Key::SvAnsweredBody /> }.into_any(),
                    Stage::Thanks => view! { <Notice testid="survey-thanks" title=Key::SvThanksTitle body=Key::SvThanksBody /> }.into_any(),
                    Stage::Open(s) => view! { <AnswerForm survey=s token=token.get_value() stage /> }.into_any(),
                }}
            </div>
        </AuthShell>
    }
}

/// A closing message (thanks, used link, unknown link).
#[component]
fn Notice(testid: &'static str, title: Key, body: Key) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="card sv-notice" role="status" data-testid=testid>
            <h1>{i.tr(title)}</h1>
            <p>{i.tr(body)}</p>
        </section>
    }
}

#[component]
fn AnswerForm(survey: PortalSurvey, token: String, stage: RwSignal<Stage>) -> impl IntoView {
    let i = use_i18n();
    let token = StoredValue::new(token);
    let question = StoredValue::new((survey.question_zh, survey.question_en));
    let score = RwSignal::new(None::<i32>);
    let comment = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = match answer_request(score.get_untracked(), &comment.get_untracked()) {
            Ok(req) => req,
            Err(problems) => {
                errors.set(problem_fields(i, problems));
                return;
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        busy.set(true);
        crate::task::spawn(async move {
            match api::surveys::answer(&token.get_value(), &req).await {
                Ok(_) => stage.set(Stage::Thanks),
                Err(e) => match stage_for(&e) {
                    Some(next) => stage.set(next),
                    None => {
                        errors.set(e.fields());
                        failure.set(Some(e));
                        busy.set(false);
                    }
                },
            }
        });
    };
    let has_error = move || errors.with(|e| e.contains_key("score"));
    view! {
        <form class="card sv-form" on:submit=submit novalidate=true data-testid="survey-form">
            <h1>{i.tr(Key::SvAnswerTitle)}</h1>
            <ErrorBanner failure testid="survey-answer-error" />
            <fieldset
                class="sv-scale"
                class:has-error=has_error
                aria-describedby=move || if has_error() { "sv-scale-ends sv-score-error" } else { "sv-scale-ends" }
            >
                <legend class="sv-question" data-testid="survey-question">
                    {move || question.with_value(|(zh, en)| if i.lang() == Lang::Zh { zh.clone() } else { en.clone() })}
                </legend>
                <div class="sv-options">
                    {(0..=10)
                        .map(|n| {
                            let id = format!("sv-score-{n}");
                            let for_id = id.clone();
                            let end = match n {
                                0 => Some(Key::SvNotLikely),
                                10 => Some(Key::SvVeryLikely),
                                _ => None,
                            };
                            view! {
                                <label class="sv-option" for=for_id class:sv-on=move || score.get() == Some(n) data-testid=format!("survey-score-{n}")>
                                    <input
                                        type="radio"
                                        name="nps-score"
                                        id=id
                                        value=n.to_string()
                                        aria-invalid=move || has_error().then_some("true")
                                        prop:checked=move || score.get() == Some(n)
                                        on:change=move |_| {
                                            score.set(Some(n));
                                            errors.update(|e| {
                                                e.remove("score");
                                            });
                                        }
                                    />
                                    <span aria-hidden="true">{n}</span>
                                    <span class="visually-hidden">
                                        {n} {end.map(|k| view! { " (" {i.tr(k)} ")" })}
                                    </span>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
                <div class="sv-ends" id="sv-scale-ends">
                    <span>"0 = " {i.tr(Key::SvNotLikely)}</span>
                    <span>"10 = " {i.tr(Key::SvVeryLikely)}</span>
                </div>
                <FieldError errors field="score" id="sv-score-error".to_string() />
            </fieldset>
            <TextArea id="survey-comment" label=Key::SvComment value=comment field="comment" errors rows=4 hint=i.signal(Key::SvCommentHint) />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="survey-submit" disabled=busy>
                    {i.tr_when(busy, Key::Working, Key::SvSend)}
                </button>
            </div>
            <p class="muted sv-once">{i.tr(Key::SvOnce)}</p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_the_last_segment() {
        assert_eq!(token_of("/portal/surveys/abc-_12"), "abc-_12");
        assert_eq!(token_of("/portal/surveys/abc/"), "abc");
    }
}
