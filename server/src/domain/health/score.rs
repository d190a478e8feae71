//! The health score as a pure function: an account's measured inputs and
//! the workspace's model in, the score, its band and every component
//! explained out. No database, no clock: the caller measures.
//!
//! Each component gives a sub-score of 0–100:
//! - usage: distinct active users in 30 days / licensed seats; 80 % or more
//!   of seats in use scores 100, linearly down to 0 (no data without seats
//!   or without any usage event ever received for the account);
//! - support: 100 − 15 per open p1 − 5 per open p2 − 10 per SLA breach in
//!   30 days, not below 0;
//! - onboarding: the plan's status, `on_track` (or finished) 100, `behind`
//!   50, `stuck` 0 (no data without a plan);
//! - training: the share of the contacts responsible for a module who
//!   completed its training (no data without such contacts);
//! - satisfaction: CSAT of 90 days mapped 1→0 … 5→100 and NPS (survey
//!   answers of a year) mapped −100→0 … +100→100, averaged over those
//!   present (no data without any);
//! - engagement: days since the last touchpoint (or the account's creation):
//!   14 days or fewer 100, linearly down to 0 at 90 days;
//! - renewal: a contract in force with no renewal open 100; an open
//!   renewal its probability (committed: at least 90; still `upcoming` 30
//!   days or fewer before the end: halved); churned (the account is marked
//!   churned, or its latest contract's renewal churned, even while that
//!   contract runs out its term) or lapsed 0 (no data without any contract);
//! - plan progress (optional, weight 0 by default): the share of the
//!   milestones of the account's active success plans that are done (no
//!   data without such a milestone).
//!
//! The score is Σ sub-score × weight / Σ weight over the components with
//! data: a missing component's weight spreads proportionally over the rest.
//! The component pulling the score down most is the one losing most points,
//! (100 − sub-score) × effective weight / 100.

use shared::health::{ComponentScore, HealthBand, HealthComponent, HealthModel};
use shared::onboarding::PlanStatus;
use shared::texts::{Msg, T};

/// Full marks from this share of seats in use.
pub const USAGE_FULL_PERCENT: f64 = 80.0;
pub const ENGAGEMENT_FRESH_DAYS: f64 = 14.0;
pub const ENGAGEMENT_STALE_DAYS: f64 = 90.0;
pub const P1_POINTS: i64 = 15;
pub const P2_POINTS: i64 = 5;
pub const BREACH_POINTS: i64 = 10;
/// A renewal still `upcoming` this close to the end is at risk.
pub const RENEWAL_RISK_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RenewalInput {
    /// The account never had a contract.
    NoContract,
    /// A contract is in force and no renewal is open.
    Active,
    Open {
        committed: bool,
        upcoming: bool,
        probability: i32,
        days_to_due: i64,
    },
    /// The account is marked churned, or its latest contract's renewal
    /// churned (whether or not that contract has ended yet).
    Churned,
    /// Contracts ended with neither renewal nor churn recorded.
    Lapsed,
}

/// What is measured of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthInputs {
    pub seats: i64,
    pub active_users: i64,
    /// Whether any usage event was ever received for the account.
    pub has_usage_events: bool,
    pub open_p1: i64,
    pub open_p2: i64,
    pub sla_breaches: i64,
    /// The onboarding plan's status and progress (%), if there is a plan.
    pub onboarding: Option<(PlanStatus, i32)>,
    /// (trained, responsible) contacts.
    pub training: Option<(i64, i64)>,
    /// (sum of ratings, number of ratings) of CSAT in 90 days.
    pub csat: Option<(i64, i64)>,
    /// Net promoter score (−100…100) and the number of answers.
    pub nps: Option<(f64, i64)>,
    /// Days since the last touchpoint or, without one, since the account was created.
    pub days_since_touchpoint: i64,
    pub touched: bool,
    pub renewal: RenewalInput,
    /// (done, all) milestones of the account's active success plans, if
    /// they have any.
    pub plan_progress: Option<(i64, i64)>,
}

impl Default for HealthInputs {
    fn default() -> Self {
        HealthInputs {
            seats: 0,
            active_users: 0,
            has_usage_events: false,
            open_p1: 0,
            open_p2: 0,
            sla_breaches: 0,
            onboarding: None,
            training: None,
            csat: None,
            nps: None,
            days_since_touchpoint: 0,
            touched: false,
            renewal: RenewalInput::NoContract,
            plan_progress: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub score: i32,
    pub band: HealthBand,
    pub components: Vec<ComponentScore>,
    pub weakest: Option<HealthComponent>,
}

fn clamp(v: f64) -> f64 {
    v.clamp(0.0, 100.0)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Linear from 100 at `good` to 0 at `bad` (either direction).
fn linear(value: f64, good: f64, bad: f64) -> f64 {
    if (good - bad).abs() < f64::EPSILON {
        return if value == good { 100.0 } else { 0.0 };
    }
    clamp((value - bad) / (good - bad) * 100.0)
}

/// (raw value, sub-score, explanation) of a component; `None` raw and sub
/// when there is no data.
fn measure(component: HealthComponent, i: &HealthInputs) -> (Option<f64>, Option<f64>, Msg) {
    match component {
        HealthComponent::Usage => {
            if i.seats <= 0 {
                (None, None, Msg::new(T::HealthNoSeats))
            } else if !i.has_usage_events {
                (None, None, Msg::new(T::HealthNoEvents))
            } else {
                let pct = i.active_users as f64 * 100.0 / i.seats as f64;
                (
                    Some(round2(pct)),
                    Some(round2(linear(pct, USAGE_FULL_PERCENT, 0.0))),
                    Msg::new(T::HealthUsage)
                        .with("active", i.active_users)
                        .with("seats", i.seats)
                        .with("percent", format!("{pct:.0}"))
                        .with("full", format!("{USAGE_FULL_PERCENT:.0}")),
                )
            }
        }
        HealthComponent::Support => {
            let points =
                i.open_p1 * P1_POINTS + i.open_p2 * P2_POINTS + i.sla_breaches * BREACH_POINTS;
            (
                Some(points as f64),
                Some(clamp(100.0 - points as f64)),
                Msg::new(T::HealthSupport)
                    .with("p1", i.open_p1)
                    .with("p2", i.open_p2)
                    .with("breaches", i.sla_breaches)
                    .with("points", points),
            )
        }
        HealthComponent::Onboarding => match i.onboarding {
            None => (None, None, Msg::new(T::HealthNoPlan)),
            Some((status, progress)) => {
                let sub = if progress >= 100 {
                    100.0
                } else {
                    match status {
                        PlanStatus::OnTrack => 100.0,
                        PlanStatus::Behind => 50.0,
                        PlanStatus::Stuck => 0.0,
                    }
                };
                (
                    Some(f64::from(progress)),
                    Some(sub),
                    Msg::new(T::HealthOnboarding)
                        .with("progress", progress)
                        .with("status", status),
                )
            }
        },
        HealthComponent::Training => match i.training {
            Some((trained, responsible)) if responsible > 0 => {
                let pct = trained as f64 * 100.0 / responsible as f64;
                (
                    Some(round2(pct)),
                    Some(round2(clamp(pct))),
                    Msg::new(T::HealthTraining)
                        .with("trained", trained)
                        .with("responsible", responsible),
                )
            }
            _ => (None, None, Msg::new(T::HealthNoTrainingContacts)),
        },
        HealthComponent::Satisfaction => {
            let csat = i
                .csat
                .filter(|(_, n)| *n > 0)
                .map(|(sum, n)| sum as f64 / n as f64);
            let nps = i.nps.filter(|(_, n)| *n > 0).map(|(v, _)| v);
            let mut subs = Vec::new();
            if let Some(avg) = csat {
                subs.push(linear(avg, 5.0, 1.0));
            }
            if let Some(v) = nps {
                subs.push(linear(v, 100.0, -100.0));
            }
            let why = match (csat, nps) {
                (Some(avg), Some(v)) => Msg::new(T::HealthCsatNps)
                    .with("csat", format!("{avg:.2}"))
                    .with("nps", format!("{v:.0}")),
                (Some(avg), None) => Msg::new(T::HealthCsat).with("csat", format!("{avg:.2}")),
                (None, Some(v)) => Msg::new(T::HealthNps).with("nps", format!("{v:.0}")),
                (None, None) => Msg::new(T::HealthNoAnswers),
            };
            if subs.is_empty() {
                (None, None, why)
            } else {
                let sub = subs.iter().sum::<f64>() / subs.len() as f64;
                (
                    Some(round2(csat.unwrap_or_else(|| nps.unwrap_or_default()))),
                    Some(round2(sub)),
                    why,
                )
            }
        }
        HealthComponent::Engagement => {
            let days = i.days_since_touchpoint.max(0) as f64;
            (
                Some(days),
                Some(round2(linear(
                    days,
                    ENGAGEMENT_FRESH_DAYS,
                    ENGAGEMENT_STALE_DAYS,
                ))),
                if i.touched {
                    Msg::new(T::HealthTouchpoint).with("days", days)
                } else {
                    Msg::new(T::HealthNoTouchpoint).with("days", days)
                },
            )
        }
        HealthComponent::Renewal => match i.renewal {
            RenewalInput::NoContract => (None, None, Msg::new(T::HealthNoContract)),
            RenewalInput::Active => (Some(100.0), Some(100.0), Msg::new(T::HealthContractActive)),
            RenewalInput::Open {
                committed,
                upcoming,
                probability,
                days_to_due,
            } => {
                let p = f64::from(probability.clamp(0, 100));
                let (sub, why) = if committed {
                    (p.max(90.0), Msg::new(T::HealthRenewalCommitted))
                } else if upcoming && days_to_due <= RENEWAL_RISK_DAYS {
                    (
                        p / 2.0,
                        Msg::new(T::HealthRenewalHalved).with("days", days_to_due),
                    )
                } else {
                    (p, Msg::new(T::HealthRenewalDue).with("days", days_to_due))
                };
                (
                    Some(p),
                    Some(round2(sub)),
                    why.with("probability", probability),
                )
            }
            RenewalInput::Churned => (Some(0.0), Some(0.0), Msg::new(T::HealthChurned)),
            RenewalInput::Lapsed => (Some(0.0), Some(0.0), Msg::new(T::HealthLapsed)),
        },
        HealthComponent::PlanProgress => match i.plan_progress {
            Some((done, total)) if total > 0 => {
                let pct = done as f64 * 100.0 / total as f64;
                (
                    Some(round2(pct)),
                    Some(round2(clamp(pct))),
                    Msg::new(T::HealthPlanProgress)
                        .with("done", done)
                        .with("total", total),
                )
            }
            _ => (None, None, Msg::new(T::HealthNoSuccessPlan)),
        },
    }
}

/// The score of one account under `model`.
pub fn compute(model: &HealthModel, inputs: &HealthInputs) -> Computed {
    type Row = (HealthComponent, i32, Option<f64>, Option<f64>, Msg);
    let measured: Vec<Row> = HealthComponent::ALL
        .iter()
        .map(|c| {
            let (raw, sub, why) = measure(*c, inputs);
            (*c, model.weight(*c).max(0), raw, sub, why)
        })
        .collect();
    let present_weight: i32 = measured
        .iter()
        .filter(|(_, w, _, sub, _)| sub.is_some() && *w > 0)
        .map(|(_, w, ..)| *w)
        .sum();
    let mut total = 0.0;
    let mut weakest: Option<(HealthComponent, f64)> = None;
    let components: Vec<ComponentScore> = measured
        .into_iter()
        .map(|(component, weight, raw, sub, explanation)| {
            let effective = match sub {
                Some(_) if weight > 0 && present_weight > 0 => {
                    f64::from(weight) * 100.0 / f64::from(present_weight)
                }
                _ => 0.0,
            };
            let contribution = sub.map_or(0.0, |s| s * effective / 100.0);
            total += contribution;
            if let Some(s) = sub {
                let lost = (100.0 - s) * effective / 100.0;
                if lost > 1e-9 && weakest.is_none_or(|(_, l)| lost > l + 1e-9) {
                    weakest = Some((component, lost));
                }
            }
            ComponentScore {
                component,
                raw_value: raw,
                sub_score: sub,
                weight,
                effective_weight: round2(effective),
                contribution: round2(contribution),
                explanation: explanation.en(),
                explanation_key: Some(explanation),
            }
        })
        .collect();
    // Without any component with data the account is neither healthy nor
    // at risk: the middle of the scale.
    let score = if present_weight > 0 {
        total.round().clamp(0.0, 100.0) as i32
    } else {
        50
    };
    Computed {
        score,
        band: model.band(score),
        components,
        weakest: weakest.map(|(c, _)| c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::health::ComponentWeight;

    fn only(weights: &[(HealthComponent, i32)]) -> HealthModel {
        HealthModel {
            components: HealthComponent::ALL
                .iter()
                .map(|c| ComponentWeight {
                    component: *c,
                    weight: weights.iter().find(|(k, _)| k == c).map_or(0, |(_, w)| *w),
                })
                .collect(),
            ..HealthModel::default()
        }
    }

    fn sub(c: &Computed, k: HealthComponent) -> Option<f64> {
        c.components
            .iter()
            .find(|x| x.component == k)
            .and_then(|x| x.sub_score)
    }

    #[test]
    fn usage_scores_active_users_against_seats() {
        let model = only(&[(HealthComponent::Usage, 1)]);
        let mut i = HealthInputs {
            seats: 10,
            active_users: 4,
            has_usage_events: true,
            ..Default::default()
        };
        assert_eq!(
            sub(&compute(&model, &i), HealthComponent::Usage),
            Some(50.0)
        );
        i.active_users = 9;
        assert_eq!(compute(&model, &i).score, 100);
        i.has_usage_events = false;
        assert_eq!(sub(&compute(&model, &i), HealthComponent::Usage), None);
        i.has_usage_events = true;
        i.seats = 0;
        assert_eq!(sub(&compute(&model, &i), HealthComponent::Usage), None);
    }

    #[test]
    fn support_load_subtracts_points() {
        let model = only(&[(HealthComponent::Support, 1)]);
        let i = HealthInputs {
            open_p1: 1,
            open_p2: 2,
            sla_breaches: 3,
            ..Default::default()
        };
        let c = compute(&model, &i);
        assert_eq!(c.score, 100 - 15 - 10 - 30);
        assert_eq!(c.components[1].raw_value, Some(55.0));
        assert_eq!(c.weakest, Some(HealthComponent::Support));
    }

    #[test]
    fn onboarding_training_satisfaction_engagement_renewal() {
        let all = HealthModel::default();
        let i = HealthInputs {
            onboarding: Some((PlanStatus::Behind, 40)),
            training: Some((1, 4)),
            csat: Some((8, 2)),
            nps: Some((0.0, 3)),
            days_since_touchpoint: 52,
            renewal: RenewalInput::Open {
                committed: false,
                upcoming: true,
                probability: 60,
                days_to_due: 20,
            },
            ..Default::default()
        };
        let c = compute(&all, &i);
        assert_eq!(sub(&c, HealthComponent::Onboarding), Some(50.0));
        assert_eq!(sub(&c, HealthComponent::Training), Some(25.0));
        // CSAT 4/5 → 75, NPS 0 → 50: 62.5.
        assert_eq!(sub(&c, HealthComponent::Satisfaction), Some(62.5));
        assert_eq!(sub(&c, HealthComponent::Engagement), Some(50.0));
        assert_eq!(sub(&c, HealthComponent::Renewal), Some(30.0));
        let stuck = HealthInputs {
            onboarding: Some((PlanStatus::Stuck, 10)),
            renewal: RenewalInput::Churned,
            days_since_touchpoint: 200,
            ..Default::default()
        };
        let c = compute(&all, &stuck);
        assert_eq!(sub(&c, HealthComponent::Onboarding), Some(0.0));
        assert_eq!(sub(&c, HealthComponent::Renewal), Some(0.0));
        assert_eq!(sub(&c, HealthComponent::Engagement), Some(0.0));
    }

    #[test]
    fn missing_weights_spread_over_the_rest() {
        let model = only(&[
            (HealthComponent::Usage, 50),
            (HealthComponent::Support, 25),
            (HealthComponent::Engagement, 25),
        ]);
        // No usage data: support and engagement share 100 % equally.
        let i = HealthInputs {
            open_p1: 2,                // 70
            days_since_touchpoint: 90, // 0
            ..Default::default()
        };
        let c = compute(&model, &i);
        assert_eq!(c.score, 35);
        let support = &c.components[1];
        assert_eq!(
            (support.effective_weight, support.contribution),
            (50.0, 35.0)
        );
        assert_eq!(c.components[0].effective_weight, 0.0);
        assert_eq!(c.weakest, Some(HealthComponent::Engagement));
        let total: f64 = c.components.iter().map(|x| x.effective_weight).sum();
        assert!((total - 100.0).abs() < 0.05);
    }

    #[test]
    fn band_edges() {
        let m = HealthModel::default();
        assert_eq!(m.band(70), HealthBand::Green);
        assert_eq!(m.band(69), HealthBand::Yellow);
        assert_eq!(m.band(40), HealthBand::Yellow);
        assert_eq!(m.band(39), HealthBand::Red);
        assert_eq!(m.band(100), HealthBand::Green);
        assert_eq!(m.band(0), HealthBand::Red);
    }

    #[test]
    fn nothing_measured_is_the_middle() {
        let model = only(&[(HealthComponent::Usage, 10)]);
        let c = compute(&model, &HealthInputs::default());
        assert_eq!((c.score, c.band, c.weakest), (50, HealthBand::Yellow, None));
    }
}
