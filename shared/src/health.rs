//! Health scores: the workspace's model (component weights, band
//! thresholds), an account's score with each component explained, daily
//! snapshots, overrides through approval, API keys and usage events.
//! Staff only: nothing here ever reaches the customer portal.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::ErpModule;

string_enum!(
    /// The components of the health score, in the SPEC's order, then
    /// `plan_progress` (done milestones of the account's active success
    /// plans), off (weight 0) unless the workspace turns it on.
    HealthComponent {
        Usage => "usage",
        Support => "support",
        Onboarding => "onboarding",
        Training => "training",
        Satisfaction => "satisfaction",
        Engagement => "engagement",
        Renewal => "renewal",
        PlanProgress => "plan_progress",
    }
);

string_enum!(
    /// `green` ≥ the green threshold, `yellow` ≥ the yellow one, else `red`.
    HealthBand {
        Green => "green",
        Yellow => "yellow",
        Red => "red",
    }
);

/// Most events accepted in one `POST /usage-events`.
pub const MAX_USAGE_EVENTS: usize = 1000;
/// Days of history behind "active users" and SLA breaches.
pub const USAGE_WINDOW_DAYS: i64 = 30;

/// One component's weight in the model (0 switches it off).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComponentWeight {
    pub component: HealthComponent,
    /// 0–100; the weights need not add up to 100, they are normalised.
    pub weight: i32,
}

/// The workspace's health model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthModel {
    /// Every component, once, in the SPEC's order.
    pub components: Vec<ComponentWeight>,
    /// A score at or above this is `green` (default 70).
    pub green_min: i32,
    /// A score at or above this (and below `green_min`) is `yellow` (default 40).
    pub yellow_min: i32,
    pub updated_at: Option<DateTime<Utc>>,
}

impl HealthModel {
    pub fn weight(&self, component: HealthComponent) -> i32 {
        self.components
            .iter()
            .find(|c| c.component == component)
            .map_or(0, |c| c.weight)
    }

    pub fn band(&self, score: i32) -> HealthBand {
        if score >= self.green_min {
            HealthBand::Green
        } else if score >= self.yellow_min {
            HealthBand::Yellow
        } else {
            HealthBand::Red
        }
    }
}

impl Default for HealthModel {
    fn default() -> Self {
        let weights = [20, 20, 10, 10, 15, 15, 10, 0];
        HealthModel {
            components: HealthComponent::ALL
                .iter()
                .zip(weights)
                .map(|(c, w)| ComponentWeight {
                    component: *c,
                    weight: w,
                })
                .collect(),
            green_min: 70,
            yellow_min: 40,
            updated_at: None,
        }
    }
}

/// `PUT /health-model`: the weights of the components (missing ones keep
/// their weight) and the band thresholds.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateHealthModel {
    pub components: Vec<ComponentWeight>,
    pub green_min: i32,
    pub yellow_min: i32,
}

/// One component of an account's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComponentScore {
    pub component: HealthComponent,
    /// The measured value (unit in `explanation`); null when there is no data.
    pub raw_value: Option<f64>,
    /// 0–100; null when there is no data.
    pub sub_score: Option<f64>,
    /// The weight in the model.
    pub weight: i32,
    /// The weight after spreading the weights of components without data,
    /// as a share of 100.
    pub effective_weight: f64,
    /// Points of the score this component gives (sub-score × effective weight / 100).
    pub contribution: f64,
    /// English; `explanation_key` says the same as a key with parameters
    /// (see [`crate::texts`]) for clients in other languages.
    pub explanation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation_key: Option<crate::texts::Msg>,
}

/// Per module: distinct active users in 30 days against licensed seats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModuleUsage {
    pub module: ErpModule,
    pub active_users: i64,
    pub seats: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    pub day: NaiveDate,
    pub score: i32,
}

/// An approved override in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActiveOverride {
    pub id: i64,
    pub score: i32,
    pub reason: String,
    /// The override stops applying on this day.
    pub expires_on: NaiveDate,
    pub approved_by: Option<i64>,
}

/// `GET /accounts/{id}/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountHealth {
    pub account_id: i64,
    /// The score in force: the override's while one applies, else the computed one.
    pub score: i32,
    pub band: HealthBand,
    pub computed_score: i32,
    pub computed_band: HealthBand,
    #[serde(rename = "override")]
    pub override_: Option<ActiveOverride>,
    pub components: Vec<ComponentScore>,
    /// The component that pulls the score down most (null when none does).
    pub weakest: Option<HealthComponent>,
    pub usage_by_module: Vec<ModuleUsage>,
    /// Daily scores of the last 30 days, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Today's score minus the oldest score of the trend (null without history).
    pub trend_change: Option<i32>,
    pub computed_at: DateTime<Utc>,
}

/// A daily snapshot (`GET /accounts/{id}/health/history`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthSnapshot {
    pub day: NaiveDate,
    pub score: i32,
    pub band: HealthBand,
    pub computed_score: i32,
    pub overridden: bool,
    pub weakest: Option<HealthComponent>,
    pub components: Vec<ComponentScore>,
}

/// `POST /accounts/{id}/health/override`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverrideRequest {
    pub score: i32,
    pub reason: String,
    pub expires_on: NaiveDate,
}

/// `POST /api-keys`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKey {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The answer of `POST /api-keys`: the secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    pub secret: String,
}

/// One usage event: who used which module of which account, when.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageEvent {
    pub account_code: Option<String>,
    pub account_id: Option<i64>,
    pub user_ref: String,
    pub module: ErpModule,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageEventBatch {
    pub events: Vec<UsageEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageEventsAccepted {
    pub accepted: usize,
}
