//! `/settings/health` (admins): the workspace's health model. Each
//! component's weight (0 switches it off) with its share of the total as
//! the score will use it, and the band thresholds with the score ranges
//! they give. Saved whole (the API takes no `If-Match` for the model).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::health::{HealthComponent, HealthModel};
use shared::validation::Invalid;
use shared::FieldErrors;

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, FieldError, TextField};
use crate::components::guard::{Audience, Guard};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{use_i18n, I18n, Key};
use crate::logic::health_model::{
    band_ranges, model_request, range_text, shares, whole_in, Problem, Problems,
};
use crate::pages::accounts::health::component_key;

/// The field errors of a refused form, in the user's language. Messages of
/// the shared rules stay in English (the fields translate them when shown).
pub fn problem_fields(i: I18n, problems: Problems) -> FieldErrors {
    problems
        .into_iter()
        .map(|(field, p)| {
            let text = match p {
                Problem::Required => Invalid::Required.message_en(),
                Problem::TooLong(max) => Invalid::TooLong { max }.message_en(),
                Problem::Weight => i.t(Key::HmBadWeight).into(),
                Problem::AllZero => i.t(Key::HmAllZero).into(),
                Problem::Green => i.t(Key::HmBadGreen).into(),
                Problem::Yellow => i.t(Key::HmBadYellow).into(),
                Problem::YellowNotBelowGreen => i.t(Key::HmYellowBelowGreen).into(),
                Problem::Score => i.t(Key::HmBadScore).into(),
                Problem::Expiry => i.t(Key::HmBadExpiry).into(),
                Problem::Contacts => i.t(Key::SvBadContacts).into(),
                Problem::NpsScore => i.t(Key::SvBadScore).into(),
            };
            (field, text)
        })
        .collect()
}

/// What each component measures, for the admin weighing it.
fn component_help(c: HealthComponent) -> Key {
    match c {
        HealthComponent::Usage => Key::HmUsageHelp,
        HealthComponent::Support => Key::HmSupportHelp,
        HealthComponent::Onboarding => Key::HmOnboardingHelp,
        HealthComponent::Training => Key::HmTrainingHelp,
        HealthComponent::Satisfaction => Key::HmSatisfactionHelp,
        HealthComponent::Engagement => Key::HmEngagementHelp,
        HealthComponent::Renewal => Key::HmRenewalHelp,
        HealthComponent::PlanProgress => Key::HmPlanProgressHelp,
    }
}

/// The API's names of the weights, in the model's order (the form's rows).
// One per component: a component added without its field does not compile
// (a missing one made the page panic when plan progress came).
const WEIGHT_FIELDS: [&str; HealthComponent::ALL.len()] = [
    "components[0].weight",
    "components[1].weight",
    "components[2].weight",
    "components[3].weight",
    "components[4].weight",
    "components[5].weight",
    "components[6].weight",
    "components[7].weight",
];

#[component]
pub fn HealthSettingsPage() -> impl IntoView {
    let i = use_i18n();
    view! {
        <Guard audience=Audience::Admin>
            <div class="page">
                <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                    <a href="/settings" data-testid="health-model-back">{i.tr(Key::NavSettings)}</a>
                </nav>
                <header class="page-header">
                    <div>
                        <h1 data-testid="health-model-heading">{i.tr(Key::HmTitle)}</h1>
                        <p class="muted">{i.tr(Key::HmIntro)}</p>
                    </div>
                </header>
                <ModelLoader />
            </div>
        </Guard>
    }
}

#[component]
fn ModelLoader() -> impl IntoView {
    let model = load(api::health::model);
    move || match model.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=model.reload /> }.into_any(),
        Some(Ok(m)) => view! { <ModelForm current=m /> }.into_any(),
    }
}

#[component]
fn ModelForm(current: HealthModel) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let weights: Vec<(HealthComponent, RwSignal<String>)> = HealthComponent::ALL
        .iter()
        .map(|c| (*c, RwSignal::new(current.weight(*c).to_string())))
        .collect();
    let weights = StoredValue::new(weights);
    let green = RwSignal::new(current.green_min.to_string());
    let yellow = RwSignal::new(current.yellow_min.to_string());
    let updated = RwSignal::new(current.updated_at);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);

    // Shares of the weights as typed, so the admin sees what a change does.
    let share_texts = Memo::new(move |_| {
        let parsed: Vec<Option<i32>> =
            weights.with_value(|w| w.iter().map(|(_, t)| whole_in(&t.get(), 0, 100)).collect());
        shares(&parsed)
    });
    let total = Memo::new(move |_| {
        weights.with_value(|w| {
            w.iter()
                .map(|(_, t)| whole_in(&t.get(), 0, 100))
                .sum::<Option<i32>>()
        })
    });
    let fill = move |m: &HealthModel| {
        weights.with_value(|w| {
            for (c, text) in w {
                text.set(m.weight(*c).to_string());
            }
        });
        green.set(m.green_min.to_string());
        yellow.set(m.yellow_min.to_string());
    };
    let restore_defaults = move |_| {
        fill(&HealthModel::default());
        errors.set(FieldErrors::new());
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed: Vec<(HealthComponent, String)> =
            weights.with_value(|w| w.iter().map(|(c, t)| (*c, t.get_untracked())).collect());
        let req = match model_request(&typed, &green.get_untracked(), &yellow.get_untracked()) {
            Ok(req) => req,
            Err(problems) => {
                errors.set(problem_fields(i, problems));
                return;
            }
        };
        errors.set(FieldErrors::new());
        failure.set(None);
        Submit::new(busy, errors, failure).send(
            async move { api::health::update_model(&req).await },
            move |saved| {
                fill(&saved);
                updated.set(saved.updated_at);
                toasts.success(i.t(Key::HmSaved));
            },
        );
    };

    let rows = weights.with_value(|w| {
        w.iter()
            .enumerate()
            .map(|(index, (component, text))| {
                let (component, text) = (*component, *text);
                let field = WEIGHT_FIELDS[index];
                let id = format!("hm-weight-{}", component.as_str());
                let share = move || share_texts.with(|s| s[index].clone()).unwrap_or_else(|| "—".into());
                let off = move || whole_in(&text.get(), 0, 100) == Some(0);
                let has_error = move || errors.with(|e| e.contains_key(field));
                view! {
                    <tr data-testid="hm-component" data-component=component.as_str() class:row-muted=off>
                        <td data-label=i.tr(Key::HmComponent)>
                            <label for=id.clone()><strong>{i.tr(component_key(component))}</strong></label>
                            <p class="muted hm-help">{i.tr(component_help(component))}</p>
                        </td>
                        <td data-label=i.tr(Key::HmWeight)>
                            <input
                                id=id.clone()
                                data-testid=id
                                class="hm-weight"
                                type="number"
                                min="0"
                                max="100"
                                step="1"
                                inputmode="numeric"
                                aria-invalid=move || has_error().then_some("true")
                                aria-describedby=format!("{field}-error")
                                prop:value=move || text.get()
                                on:input=move |ev| {
                                    text.set(event_target_value(&ev));
                                    errors.update(|e| {
                                        e.remove(field);
                                        e.remove("components");
                                    });
                                }
                            />
                            <FieldError errors field id=format!("{field}-error") />
                        </td>
                        <td data-label=i.tr(Key::HmShare)>
                            <span class="hm-share" data-testid="hm-share">{share}</span>
                            {move || off().then(|| view! { " " <span class="badge badge-muted">{i.tr(Key::HmOff)}</span> })}
                            <div class="hl-bar hm-bar" aria-hidden="true">
                                <span style:width=move || share_texts.with(|s| s[index].clone()).unwrap_or_else(|| "0%".into())></span>
                            </div>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    });

    let bands = move || band_ranges(&green.get(), &yellow.get());
    view! {
        <form class="card" on:submit=submit novalidate=true data-testid="health-model-form">
            <ErrorBanner failure testid="health-model-error" />
            <h2>{i.tr(Key::HmWeights)}</h2>
            <p class="muted">{i.tr(Key::HmWeightsIntro)}</p>
            <div class="table-wrap">
                <table class="table responsive hm-table">
                    <thead>
                        <tr>
                            <th scope="col">{i.tr(Key::HmComponent)}</th>
                            <th scope="col">{i.tr(Key::HmWeight)}</th>
                            <th scope="col">{i.tr(Key::HmShare)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="muted" data-testid="hm-total">
                {move || match total.get() {
                    Some(t) => i.f(Key::HmTotal, &[&t.to_string()]),
                    None => String::new(),
                }}
            </p>
            <FieldError errors field="components" id="hm-components-error".to_string() />

            <h2>{i.tr(Key::HmBands)}</h2>
            <p class="muted">{i.tr(Key::HmBandsIntro)}</p>
            <div class="form-grid">
                <TextField id="hm-green-min" label=Key::HmGreenMin value=green field="green_min" errors kind="number" required=true />
                <TextField id="hm-yellow-min" label=Key::HmYellowMin value=yellow field="yellow_min" errors kind="number" required=true />
            </div>
            {move || {
                bands()
                    .map(|(red, yellow_range, green_range)| {
                        view! {
                            <ul class="hm-bands" data-testid="hm-bands" aria-label=i.tr(Key::HmBandsPreview)>
                                <li class="badge hl-red">{i.tr(Key::HlRed)} " " {range_text(red)}</li>
                                <li class="badge hl-yellow">{i.tr(Key::HlYellow)} " " {range_text(yellow_range)}</li>
                                <li class="badge hl-green">{i.tr(Key::HlGreen)} " " {range_text(green_range)}</li>
                            </ul>
                        }
                    })
            }}
            <p class="muted">{i.tr(Key::HmAppliesNote)}</p>
            {move || updated.get().map(|at| view! { <p class="muted" data-testid="hm-updated">{i.tr(Key::HmUpdated)} " " {i.datetime_of(at)}</p> })}
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" data-testid="health-model-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::Save)}
                </button>
                <button type="button" class="btn btn-ghost" data-testid="health-model-defaults" on:click=restore_defaults>
                    {i.tr(Key::HmDefaults)}
                </button>
            </div>
        </form>
    }
}
