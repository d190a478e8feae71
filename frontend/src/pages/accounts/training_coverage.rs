//! The training coverage panel of an account (onboarding tab): per ERP
//! module, the contacts responsible for it and who of them completed a
//! session of it; the gaps first.

use leptos::prelude::*;

use crate::api;
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonRows};
use crate::i18n::{module_key, use_i18n, Key};
use crate::logic::gaps::{coverage_rows, CoverageRow};

#[component]
pub fn TrainingCoverageSection(account_id: i64) -> impl IntoView {
    let i = use_i18n();
    let coverage = load(move || api::training::coverage(account_id));
    let header = move || {
        view! {
            <thead>
                <tr>
                    <th scope="col">{i.tr(Key::GpTplModule)}</th>
                    <th scope="col">{i.tr(Key::GpCovTrained)}</th>
                    <th scope="col">{i.tr(Key::GpCovToTrain)}</th>
                </tr>
            </thead>
        }
    };
    view! {
        <section class="card" aria-labelledby="coverage-title" data-testid="training-coverage">
            <header class="section-header">
                <h2 id="coverage-title">{i.tr(Key::GpCovTitle)}</h2>
                {move || {
                    coverage
                        .ok()
                        .filter(|c| c.responsible_contacts > 0)
                        .map(|c| {
                            let (t, r) = (c.trained_contacts.to_string(), c.responsible_contacts.to_string());
                            view! {
                                <span class="muted" data-testid="coverage-summary" data-coverage=c.coverage.unwrap_or(0).to_string()>
                                    {move || i.f(Key::GpCovSummary, &[&t, &r])}
                                </span>
                            }
                        })
                }}
            </header>
            {move || match coverage.value.get() {
                None => view! {
                    <div class="table-wrap">
                        <table class="table responsive" aria-busy="true">
                            {header()}
                            <tbody><SkeletonRows rows=3 cols=3 /></tbody>
                        </table>
                    </div>
                }
                .into_any(),
                Some(Err(e)) => view! { <ErrorState error=e on_retry=coverage.reload /> }.into_any(),
                Some(Ok(c)) if c.responsible_contacts == 0 => view! {
                    <p class="muted" data-testid="coverage-empty">{i.tr(Key::GpCovEmpty)}</p>
                }
                .into_any(),
                Some(Ok(c)) => {
                    let rows = coverage_rows(&c);
                    view! {
                        <div class="table-wrap">
                            <table class="table responsive" data-testid="coverage-table">
                                {header()}
                                <tbody>
                                    {rows.into_iter().map(|row| view! { <CoverageLine row /> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

#[component]
fn CoverageLine(row: CoverageRow) -> impl IntoView {
    let i = use_i18n();
    let badge = match row.percent {
        None => "badge badge-muted",
        Some(100) => "badge badge-ok",
        Some(0) => "badge badge-overdue",
        Some(_) => "badge badge-warning",
    };
    let counts = format!("{} / {}", row.trained, row.responsible);
    let untrained = row.untrained.clone();
    let nobody = row.responsible == 0;
    view! {
        <tr data-testid="coverage-row" data-module=row.module.as_str() data-percent=row.percent.map(|p| p.to_string()).unwrap_or_default()>
            <td data-label=i.tr(Key::GpTplModule)>{i.tr(module_key(row.module))}</td>
            <td data-label=i.tr(Key::GpCovTrained)>
                <span class=badge>{counts}</span>
            </td>
            <td data-label=i.tr(Key::GpCovToTrain)>
                {move || {
                    if nobody {
                        i.t(Key::GpCovNobody).to_string()
                    } else if untrained.is_empty() {
                        i.t(Key::GpCovAll).to_string()
                    } else {
                        let sep = if i.lang() == crate::i18n::Lang::Zh { "、" } else { ", " };
                        untrained.join(sep)
                    }
                }}
            </td>
        </tr>
    }
}
