//! Measures the health inputs of every account of a workspace (or of one
//! account) with a fixed handful of grouped queries, never a query per
//! account: the nightly job scores 100,000 accounts this way.
//!
//! Each input has its queries (`*_query`, built the same for the whole
//! workspace and for one account) and its fold (`fold_*`, from the rows to
//! the inputs). The workspace runs the queries one by one and streams their
//! rows; one account — the account page asks for it on every view — runs
//! them all as a single statement whose parts answer as JSON arrays
//! ([`crate::db::fetch_parts_as_json`]), then folds exactly the same rows.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, Func, IntoCondition, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait, Select, Statement, Value,
};
use serde::de::DeserializeOwned;
use shared::contracts::RenewalStage;
use shared::health::{ModuleUsage, USAGE_WINDOW_DAYS};
use shared::success_plans::{MilestoneStatus, SuccessPlanStatus};
use shared::training::{completes, TrainingStatus};
use shared::{ErpModule, LifecycleStage};

use super::score::{HealthInputs, RenewalInput};
use crate::domain::common::modules_from_db;
use crate::domain::onboarding::progress::{summarize, TaskState};
use crate::entity::stored::stored;
use crate::entity::{
    account_events, accounts, contacts, contracts, licenses, onboarding_plans, onboarding_tasks,
    renewals, success_milestones, success_plans, survey_recipients, tickets, training_attendees,
    trainings, usage_events,
};
use crate::error::AppResult;

/// CSAT answers count for this many days.
pub const CSAT_WINDOW_DAYS: i64 = 90;
/// NPS answers count for this many days.
pub const NPS_WINDOW_DAYS: i64 = 365;

/// Net promoter score, −100…100, of `total` answers.
pub fn nps(promoters: i64, detractors: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| (promoters - detractors) as f64 * 100.0 / total as f64)
}

/// `CAST(SUM(CASE WHEN cond THEN value ELSE 0 END) AS BIGINT)`: a
/// conditional count or sum, the same on SQLite and PostgreSQL.
fn sum_if(cond: Condition, value: impl Into<SimpleExpr>) -> SimpleExpr {
    Func::cast_as(
        Func::sum(Expr::case(cond, value).finally(0)),
        Alias::new("BIGINT"),
    )
    .into()
}

/// One account's inputs plus what the health answer shows of usage.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub inputs: HealthInputs,
    pub usage_by_module: Vec<ModuleUsage>,
}

/// The inputs of every active account of the workspace, or of `only` one.
pub async fn measure<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    only: Option<i64>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<BTreeMap<i64, Measured>> {
    if let Some(account_id) = only {
        return measure_one(conn, workspace_id, account_id, today, now).await;
    }
    let q = Queries::new(workspace_id, None, now);
    let accounts: Vec<AccountRow> = q.accounts.into_tuple().all(conn).await?;
    let Some(mut m) = Folding::start(accounts) else {
        return Ok(BTreeMap::new());
    };
    let t = std::time::Instant::now();
    m.usage(
        q.licences.into_tuple().all(conn).await?,
        q.usage_overall.into_tuple().all(conn).await?,
        q.usage_per_module.into_tuple().all(conn).await?,
    );
    let usage_ms = t.elapsed().as_millis();
    m.support(q.support.into_tuple().all(conn).await?);
    let support_ms = t.elapsed().as_millis();
    let plans: Vec<PlanRow> = q.plans.into_tuple().all(conn).await?;
    let tasks: Vec<TaskRow> = if plans.is_empty() {
        Vec::new()
    } else {
        q.tasks.into_tuple().all(conn).await?
    };
    m.onboarding(plans, tasks, today, now)?;
    // Sessions and attendance matter only for accounts with people to train.
    let people: Vec<PersonRow> = q.people.into_tuple().all(conn).await?;
    let (sessions, attended) = if people.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let sessions: Vec<SessionRow> = q.sessions.into_tuple().all(conn).await?;
        let attended: Vec<AttendedRow> = if sessions.is_empty() {
            Vec::new()
        } else {
            q.attended.into_tuple().all(conn).await?
        };
        (sessions, attended)
    };
    m.training(people, sessions, attended);
    m.satisfaction(q.answers.into_tuple().all(conn).await?);
    let satisfaction_ms = t.elapsed().as_millis();
    m.engagement(
        q.activity.into_tuple().all(conn).await?,
        q.held.into_tuple().all(conn).await?,
        now,
    );
    m.renewal(
        q.ends.into_tuple().all(conn).await?,
        q.renewals.into_tuple().all(conn).await?,
        today,
    );
    m.plan_progress(q.milestones.into_tuple().all(conn).await?);
    tracing::debug!(
        usage_ms,
        support_ms,
        satisfaction_ms,
        total_ms = t.elapsed().as_millis(),
        "health inputs measured"
    );
    Ok(m.out)
}

/// One account's inputs: every query of [`measure`] in one statement.
async fn measure_one<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<BTreeMap<i64, Measured>> {
    let parts = one_account_parts(conn.get_database_backend(), workspace_id, account_id, now);
    let json = crate::db::fetch_parts_as_json(conn, parts).await?;
    fold_one(&json, today, now)
}

/// How many parts [`one_account_parts`] makes.
pub const ONE_ACCOUNT_PARTS: usize = 16;

/// The queries of one account's inputs as parts of a
/// [`crate::db::parts_statement`], in the order [`fold_one`] reads them.
pub fn one_account_parts<'a>(
    backend: DatabaseBackend,
    workspace_id: i64,
    account_id: i64,
    now: DateTime<Utc>,
) -> Vec<(Statement, &'a [&'a str])> {
    let q = Queries::new(workspace_id, Some(account_id), now);
    let parts: Vec<(Statement, &[&str])> = vec![
        (q.accounts.build(backend), &["id", "created_at", "stage"]),
        (
            q.licences.build(backend),
            &["account_id", "modules", "seats"],
        ),
        (q.usage_overall.build(backend), &["account_id", "users"]),
        (
            q.usage_per_module.build(backend),
            &["account_id", "module", "users"],
        ),
        (q.support.build(backend), SUPPORT_COLUMNS),
        (
            q.plans.build(backend),
            &["id", "account_id", "last_activity_at"],
        ),
        (q.tasks.build(backend), &["plan_id", "status", "due_on"]),
        (q.people.build(backend), &["id", "account_id", "modules"]),
        (q.sessions.build(backend), &["id", "module"]),
        (
            q.attended.build(backend),
            &["contact_id", "training_id", "attended", "score"],
        ),
        (q.answers.build(backend), &["account_id", "score", "n"]),
        (q.activity.build(backend), &["account_id", "last"]),
        (q.held.build(backend), &["account_id", "last"]),
        (q.ends.build(backend), &["account_id", "ends_on"]),
        (
            q.renewals.build(backend),
            &["account_id", "stage", "probability", "due_on"],
        ),
        (
            q.milestones.build(backend),
            &["account_id", "done", "total"],
        ),
    ];
    debug_assert_eq!(parts.len(), ONE_ACCOUNT_PARTS);
    parts
}

/// The values [`one_account_parts`] varies by, in a fixed order, for a
/// [`crate::db::Template`]: the workspace, the account, now and the
/// windows reckoned back from it.
pub fn one_account_params(workspace_id: i64, account_id: i64, now: DateTime<Utc>) -> Vec<Value> {
    let w = Windows::at(now);
    vec![
        workspace_id.into(),
        account_id.into(),
        now.into(),
        w.usage_since.into(),
        w.csat_since.into(),
        w.nps_since.into(),
    ]
}

/// Where the inputs' windows start, reckoned back from now: the one
/// arithmetic of [`Queries::new`] and [`one_account_params`].
struct Windows {
    usage_since: DateTime<Utc>,
    csat_since: DateTime<Utc>,
    nps_since: DateTime<Utc>,
}

impl Windows {
    fn at(now: DateTime<Utc>) -> Windows {
        Windows {
            usage_since: now - Duration::days(USAGE_WINDOW_DAYS),
            csat_since: now - Duration::days(CSAT_WINDOW_DAYS),
            nps_since: now - Duration::days(NPS_WINDOW_DAYS),
        }
    }
}

/// One account's inputs from the JSON of its [`one_account_parts`].
pub fn fold_one(
    json: &[String],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<BTreeMap<i64, Measured>> {
    let mut parts = json.iter().map(String::as_str);
    let mut next = || parts.next().unwrap_or("[]");
    let Some(mut m) = Folding::start(decode(next())?) else {
        return Ok(BTreeMap::new());
    };
    m.usage(decode(next())?, decode(next())?, decode(next())?);
    m.support(decode(next())?);
    m.onboarding(decode(next())?, decode(next())?, today, now)?;
    let people = decode(next())?;
    let sessions = decode(next())?;
    let attended: Vec<(i64, i64, Option<JsonBool>, Option<i32>)> = decode(next())?;
    let attended = attended
        .into_iter()
        .map(|(c, t, a, s)| (c, t, a.map(|a| a.0), s))
        .collect();
    m.training(people, sessions, attended);
    m.satisfaction(decode(next())?);
    m.engagement(decode(next())?, decode(next())?, now);
    m.renewal(decode(next())?, decode(next())?, today);
    m.plan_progress(decode(next())?);
    Ok(m.out)
}

/// Rows of one part of [`measure_one`]'s statement.
pub fn decode<T: DeserializeOwned>(json: &str) -> AppResult<Vec<T>> {
    serde_json::from_str(json).map_err(|e| {
        crate::error::AppError::Internal(anyhow::anyhow!("decoding health inputs: {e}"))
    })
}

/// A boolean as JSON holds it: `true`/`false` (PostgreSQL) or `1`/`0`
/// (SQLite's booleans are integers).
struct JsonBool(bool);

impl<'de> serde::Deserialize<'de> for JsonBool {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Bool(b) => Ok(JsonBool(b)),
            serde_json::Value::Number(n) => Ok(JsonBool(n.as_i64() != Some(0))),
            other => Err(serde::de::Error::custom(format!(
                "expected a boolean, found {other}"
            ))),
        }
    }
}

type AccountRow = (i64, DateTime<Utc>, String);
type PlanRow = (i64, i64, DateTime<Utc>);
type TaskRow = (i64, String, NaiveDate);
type PersonRow = (i64, i64, String);
type SessionRow = (i64, String);
type AttendedRow = (i64, i64, Option<bool>, Option<i32>);
type SupportRow = (i64, i64, i64, i64, i64, i64, i64);

const SUPPORT_COLUMNS: &[&str] = &[
    "account_id",
    "p1",
    "p2",
    "first_response_breaches",
    "resolution_breaches",
    "csat_total",
    "csat_n",
];

/// The queries of every input, for the workspace or for `only` one account.
struct Queries {
    accounts: Select<accounts::Entity>,
    licences: Select<licenses::Entity>,
    usage_overall: Select<usage_events::Entity>,
    usage_per_module: Select<usage_events::Entity>,
    support: Select<tickets::Entity>,
    plans: Select<onboarding_plans::Entity>,
    tasks: Select<onboarding_tasks::Entity>,
    people: Select<contacts::Entity>,
    sessions: Select<trainings::Entity>,
    attended: Select<training_attendees::Entity>,
    answers: Select<survey_recipients::Entity>,
    activity: Select<account_events::Entity>,
    held: Select<trainings::Entity>,
    ends: Select<contracts::Entity>,
    renewals: Select<renewals::Entity>,
    milestones: Select<success_milestones::Entity>,
}

impl Queries {
    fn new(workspace_id: i64, only: Option<i64>, now: DateTime<Utc>) -> Queries {
        let Windows {
            usage_since: since,
            csat_since,
            nps_since,
        } = Windows::at(now);
        let accounts = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Id)
            .column(accounts::Column::CreatedAt)
            .column(accounts::Column::Stage)
            .filter(accounts::Column::WorkspaceId.eq(workspace_id))
            .filter(accounts::Column::Archived.eq(false))
            .apply_if(only, |q, id| q.filter(accounts::Column::Id.eq(id)));

        let licences = licenses::Entity::find()
            .select_only()
            .column(licenses::Column::AccountId)
            .column(licenses::Column::Modules)
            .column(licenses::Column::Seats)
            .filter(licenses::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| q.filter(licenses::Column::AccountId.eq(id)));
        // Per account, in one pass over its events: whether any was ever
        // received and the distinct users of the window; then per module.
        let usage_overall = usage_events::Entity::find()
            .select_only()
            .column(usage_events::Column::AccountId)
            .column_as(
                // CASE without ELSE: NULL outside the window, not counted.
                SimpleExpr::from(Func::count_distinct(Expr::case(
                    Expr::col(usage_events::Column::OccurredAt)
                        .gt(since)
                        .and(Expr::col(usage_events::Column::OccurredAt).lte(now)),
                    Expr::col(usage_events::Column::UserRef),
                ))),
                "users",
            )
            .filter(usage_events::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| {
                q.filter(usage_events::Column::AccountId.eq(id))
            })
            .group_by(usage_events::Column::AccountId);
        let usage_per_module = usage_events::Entity::find()
            .select_only()
            .column(usage_events::Column::AccountId)
            .column(usage_events::Column::Module)
            .column_as(
                SimpleExpr::from(Func::count_distinct(Expr::col(
                    usage_events::Column::UserRef,
                ))),
                "users",
            )
            .filter(usage_events::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| {
                q.filter(usage_events::Column::AccountId.eq(id))
            })
            .filter(usage_events::Column::OccurredAt.gt(since))
            .filter(usage_events::Column::OccurredAt.lte(now))
            .group_by(usage_events::Column::AccountId)
            .group_by(usage_events::Column::Module);

        // Open p1/p2 tickets, SLA breaches of 30 days and CSAT of 90 days:
        // one grouped pass over the tickets.
        let open = || {
            Expr::col(tickets::Column::Status)
                .is_not_in(["resolved", "closed"])
                .into_condition()
        };
        let within = |column: tickets::Column, from: DateTime<Utc>| {
            Expr::col(column)
                .gt(from)
                .and(Expr::col(column).lte(now))
                .into_condition()
        };
        let rated = || {
            within(tickets::Column::CsatAt, csat_since)
                .add(Expr::col(tickets::Column::CsatRating).is_not_null())
        };
        let support = tickets::Entity::find()
            .select_only()
            .column(tickets::Column::AccountId)
            .column_as(
                sum_if(open().add(Expr::col(tickets::Column::Priority).eq("p1")), 1),
                "p1",
            )
            .column_as(
                sum_if(open().add(Expr::col(tickets::Column::Priority).eq("p2")), 1),
                "p2",
            )
            .column_as(
                sum_if(within(tickets::Column::FirstResponseBreachedAt, since), 1),
                "first_response_breaches",
            )
            .column_as(
                sum_if(within(tickets::Column::ResolutionBreachedAt, since), 1),
                "resolution_breaches",
            )
            .column_as(
                sum_if(rated(), Expr::col(tickets::Column::CsatRating)),
                "csat_total",
            )
            .column_as(sum_if(rated(), 1), "csat_n")
            .filter(tickets::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| q.filter(tickets::Column::AccountId.eq(id)))
            .group_by(tickets::Column::AccountId);

        let plans = onboarding_plans::Entity::find()
            .select_only()
            .column(onboarding_plans::Column::Id)
            .column(onboarding_plans::Column::AccountId)
            .column(onboarding_plans::Column::LastActivityAt)
            .filter(onboarding_plans::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| {
                q.filter(onboarding_plans::Column::AccountId.eq(id))
            });
        // For one account, the tasks of its plans (by the plan index).
        let tasks = onboarding_tasks::Entity::find()
            .select_only()
            .column(onboarding_tasks::Column::PlanId)
            .column(onboarding_tasks::Column::Status)
            .column(onboarding_tasks::Column::DueOn)
            .filter(onboarding_tasks::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| {
                q.filter(onboarding_tasks::Column::AccountId.eq(id)).filter(
                    onboarding_tasks::Column::PlanId.in_subquery(
                        onboarding_plans::Entity::find()
                            .select_only()
                            .column(onboarding_plans::Column::Id)
                            .filter(onboarding_plans::Column::WorkspaceId.eq(workspace_id))
                            .filter(onboarding_plans::Column::AccountId.eq(id))
                            .into_query(),
                    ),
                )
            });

        let people_of = |q: Select<contacts::Entity>| {
            q.filter(contacts::Column::WorkspaceId.eq(workspace_id))
                .apply_if(only, |q, id| q.filter(contacts::Column::AccountId.eq(id)))
                .filter(contacts::Column::Archived.eq(false))
                .filter(contacts::Column::Modules.ne(""))
        };
        let people = people_of(
            contacts::Entity::find()
                .select_only()
                .column(contacts::Column::Id)
                .column(contacts::Column::AccountId)
                .column(contacts::Column::Modules),
        );
        let sessions_of = |q: Select<trainings::Entity>| {
            q.filter(trainings::Column::WorkspaceId.eq(workspace_id))
                .apply_if(only, |q, id| q.filter(trainings::Column::AccountId.eq(id)))
                .filter(trainings::Column::Status.ne(TrainingStatus::Cancelled.as_str()))
        };
        let sessions = sessions_of(
            trainings::Entity::find()
                .select_only()
                .column(trainings::Column::Id)
                .column(trainings::Column::Module),
        );
        let attended = training_attendees::Entity::find()
            .select_only()
            .column(training_attendees::Column::ContactId)
            .column(training_attendees::Column::TrainingId)
            .column(training_attendees::Column::Attended)
            .column(training_attendees::Column::Score)
            .filter(training_attendees::Column::WorkspaceId.eq(workspace_id))
            // For one account, only its people at its sessions (the others
            // would be dropped by the fold), by the (workspace, contact) index.
            .apply_if(only, |q, _| {
                q.filter(
                    training_attendees::Column::ContactId.in_subquery(
                        people_of(
                            contacts::Entity::find()
                                .select_only()
                                .column(contacts::Column::Id),
                        )
                        .into_query(),
                    ),
                )
                .filter(
                    training_attendees::Column::TrainingId.in_subquery(
                        sessions_of(
                            trainings::Entity::find()
                                .select_only()
                                .column(trainings::Column::Id),
                        )
                        .into_query(),
                    ),
                )
            })
            .filter(training_attendees::Column::Attended.eq(true));

        // NPS of the survey answers of a year.
        let answers = survey_recipients::Entity::find()
            .select_only()
            .column(survey_recipients::Column::AccountId)
            .column(survey_recipients::Column::Score)
            .column_as(Expr::col(survey_recipients::Column::Id).count(), "n")
            .filter(survey_recipients::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| {
                q.filter(survey_recipients::Column::AccountId.eq(id))
            })
            .filter(survey_recipients::Column::Score.is_not_null())
            .filter(survey_recipients::Column::RespondedAt.gt(nps_since))
            .filter(survey_recipients::Column::RespondedAt.lte(now))
            .group_by(survey_recipients::Column::AccountId)
            .group_by(survey_recipients::Column::Score);

        let activity = account_events::Entity::find()
            .select_only()
            .column(account_events::Column::AccountId)
            .column_as(Expr::col(account_events::Column::OccurredAt).max(), "last")
            .filter(account_events::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| {
                q.filter(account_events::Column::AccountId.eq(id))
            })
            .filter(
                account_events::Column::Kind
                    .is_in(crate::domain::accounts::timeline::touchpoint_kinds()),
            )
            .filter(account_events::Column::OccurredAt.lte(now))
            .group_by(account_events::Column::AccountId);
        let held = trainings::Entity::find()
            .select_only()
            .column(trainings::Column::AccountId)
            .column_as(Expr::col(trainings::Column::StartsAt).max(), "last")
            .filter(trainings::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| q.filter(trainings::Column::AccountId.eq(id)))
            .filter(trainings::Column::Status.ne(TrainingStatus::Cancelled.as_str()))
            .filter(trainings::Column::StartsAt.lte(now))
            .group_by(trainings::Column::AccountId);

        let ends = contracts::Entity::find()
            .select_only()
            .column(contracts::Column::AccountId)
            .column_as(Expr::col(contracts::Column::EndsOn).max(), "ends_on")
            .filter(contracts::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| q.filter(contracts::Column::AccountId.eq(id)))
            .group_by(contracts::Column::AccountId);
        let renewals = renewals::Entity::find()
            .select_only()
            .column(renewals::Column::AccountId)
            .column(renewals::Column::Stage)
            .column(renewals::Column::Probability)
            .column(renewals::Column::DueOn)
            .filter(renewals::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| q.filter(renewals::Column::AccountId.eq(id)))
            .filter(renewals::Column::Stage.ne(RenewalStage::Renewed.as_str()));

        // Done and all milestones of the active success plans, per account.
        let active_plans = success_plans::Entity::find()
            .select_only()
            .column(success_plans::Column::Id)
            .filter(success_plans::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| {
                q.filter(success_plans::Column::AccountId.eq(id))
            })
            .filter(success_plans::Column::Status.eq(SuccessPlanStatus::Active.as_str()));
        let milestones = success_milestones::Entity::find()
            .select_only()
            .column(success_milestones::Column::AccountId)
            .column_as(
                sum_if(
                    Expr::col(success_milestones::Column::Status)
                        .eq(MilestoneStatus::Done.as_str())
                        .into_condition(),
                    1,
                ),
                "done",
            )
            .column_as(
                SimpleExpr::from(Func::cast_as(
                    Func::count(Expr::col(success_milestones::Column::Id)),
                    Alias::new("BIGINT"),
                )),
                "total",
            )
            .filter(success_milestones::Column::WorkspaceId.eq(workspace_id))
            .apply_if(only, |q, id| {
                q.filter(success_milestones::Column::AccountId.eq(id))
            })
            .filter(success_milestones::Column::PlanId.in_subquery(active_plans.into_query()))
            .group_by(success_milestones::Column::AccountId);

        Queries {
            accounts,
            licences,
            usage_overall,
            usage_per_module,
            support,
            plans,
            tasks,
            people,
            sessions,
            attended,
            answers,
            activity,
            held,
            ends,
            renewals,
            milestones,
        }
    }
}

/// The inputs being folded from the rows of the queries.
struct Folding {
    out: BTreeMap<i64, Measured>,
    created: HashMap<i64, DateTime<Utc>>,
    churned_stage: HashSet<i64>,
}

impl Folding {
    /// `None` without any active account.
    fn start(accounts: Vec<AccountRow>) -> Option<Folding> {
        if accounts.is_empty() {
            return None;
        }
        let mut f = Folding {
            out: BTreeMap::new(),
            created: HashMap::new(),
            churned_stage: HashSet::new(),
        };
        for (id, at, stage) in accounts {
            f.created.insert(id, at);
            if stage == LifecycleStage::Churned.as_str() {
                f.churned_stage.insert(id);
            }
            f.out.insert(id, Measured::default());
        }
        Some(f)
    }

    fn usage(
        &mut self,
        licences: Vec<(i64, String, i32)>,
        overall: Vec<(i64, i64)>,
        per_module: Vec<(i64, String, i64)>,
    ) {
        let mut seats: HashMap<i64, i64> = HashMap::new();
        let mut module_seats: HashMap<i64, BTreeMap<ErpModule, i64>> = HashMap::new();
        for (account, modules, n) in licences {
            let n = i64::from(n.max(0));
            *seats.entry(account).or_default() += n;
            let per = module_seats.entry(account).or_default();
            for m in modules_from_db(&modules) {
                *per.entry(m).or_default() += n;
            }
        }
        let users: HashMap<i64, i64> = overall.into_iter().collect();
        let mut module_users: HashMap<i64, BTreeMap<ErpModule, i64>> = HashMap::new();
        for (account, module, n) in per_module {
            if let Ok(m) = module.parse::<ErpModule>() {
                module_users.entry(account).or_default().insert(m, n);
            }
        }
        for (id, m) in self.out.iter_mut() {
            m.inputs.seats = seats.get(id).copied().unwrap_or(0);
            m.inputs.has_usage_events = users.contains_key(id);
            m.inputs.active_users = users.get(id).copied().unwrap_or(0);
            let mut modules: BTreeSet<ErpModule> = BTreeSet::new();
            let seat_map = module_seats.remove(id).unwrap_or_default();
            let user_map = module_users.remove(id).unwrap_or_default();
            modules.extend(seat_map.keys());
            modules.extend(user_map.keys());
            m.usage_by_module = modules
                .into_iter()
                .map(|module| ModuleUsage {
                    module,
                    active_users: user_map.get(&module).copied().unwrap_or(0),
                    seats: seat_map.get(&module).copied().unwrap_or(0),
                })
                .collect();
        }
    }

    fn support(&mut self, rows: Vec<SupportRow>) {
        for (account, p1, p2, frb, rb, csat_total, csat_n) in rows {
            if let Some(m) = self.out.get_mut(&account) {
                m.inputs.open_p1 = p1;
                m.inputs.open_p2 = p2;
                m.inputs.sla_breaches = frb + rb;
                if csat_n > 0 {
                    m.inputs.csat = Some((csat_total, csat_n));
                }
            }
        }
    }

    fn onboarding(
        &mut self,
        plans: Vec<PlanRow>,
        rows: Vec<TaskRow>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let mut tasks: HashMap<i64, Vec<TaskState>> = HashMap::new();
        for (plan, status, due_on) in rows {
            let status = stored(
                "onboarding_tasks",
                format!("of plan {plan}"),
                "status",
                &status,
            )?;
            tasks
                .entry(plan)
                .or_default()
                .push(TaskState { status, due_on });
        }
        // The latest plan of an account counts.
        let mut latest: HashMap<i64, (i64, DateTime<Utc>)> = HashMap::new();
        for (plan, account, last) in plans {
            let e = latest.entry(account).or_insert((plan, last));
            if plan > e.0 {
                *e = (plan, last);
            }
        }
        for (account, (plan, last)) in latest {
            if let Some(m) = self.out.get_mut(&account) {
                let s = summarize(
                    tasks.get(&plan).map_or(&[][..], |t| &t[..]),
                    today,
                    last,
                    now,
                );
                m.inputs.onboarding = Some((s.status, s.progress));
            }
        }
        Ok(())
    }

    fn training(
        &mut self,
        people: Vec<PersonRow>,
        sessions: Vec<SessionRow>,
        attended: Vec<AttendedRow>,
    ) {
        if people.is_empty() {
            return;
        }
        let module_of: HashMap<i64, ErpModule> = sessions
            .into_iter()
            .filter_map(|(id, m)| Some((id, m.parse().ok()?)))
            .collect();
        // No session to have completed: nobody is trained.
        let mut done: HashSet<(i64, ErpModule)> = HashSet::new();
        if !module_of.is_empty() {
            for (contact, training, att, score) in attended {
                if completes(att, score) {
                    if let Some(m) = module_of.get(&training) {
                        done.insert((contact, *m));
                    }
                }
            }
        }
        // Per account: its contacts with modules, and how many of them
        // completed a session of each of their modules.
        let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
        for (contact, account, modules) in &people {
            let modules = modules_from_db(modules);
            if modules.is_empty() {
                continue;
            }
            let c = counts.entry(*account).or_default();
            c.1 += 1;
            if modules.iter().all(|m| done.contains(&(*contact, *m))) {
                c.0 += 1;
            }
        }
        for (account, c) in counts {
            if let Some(m) = self.out.get_mut(&account) {
                m.inputs.training = Some(c);
            }
        }
    }

    /// NPS: % promoters (9–10) − % detractors (0–6).
    fn satisfaction(&mut self, answers: Vec<(i64, i32, i64)>) {
        let mut tally: HashMap<i64, (i64, i64, i64)> = HashMap::new();
        for (account, score, n) in answers {
            let t = tally.entry(account).or_default();
            t.2 += n;
            if score >= 9 {
                t.0 += n;
            } else if score <= 6 {
                t.1 += n;
            }
        }
        for (account, (promoters, detractors, total)) in tally {
            if let Some(m) = self.out.get_mut(&account) {
                m.inputs.nps = nps(promoters, detractors, total).map(|v| (v, total));
            }
        }
    }

    fn engagement(
        &mut self,
        activity: Vec<(i64, Option<DateTime<Utc>>)>,
        held: Vec<(i64, Option<DateTime<Utc>>)>,
        now: DateTime<Utc>,
    ) {
        let mut last: HashMap<i64, DateTime<Utc>> = HashMap::new();
        for (account, at) in activity.into_iter().chain(held) {
            if let Some(at) = at {
                let e = last.entry(account).or_insert(at);
                if at > *e {
                    *e = at;
                }
            }
        }
        for (id, m) in self.out.iter_mut() {
            let (since, touched) = match last.get(id) {
                Some(at) => (*at, true),
                None => (self.created.get(id).copied().unwrap_or(now), false),
            };
            m.inputs.days_since_touchpoint = (now - since).num_days().max(0);
            m.inputs.touched = touched;
        }
    }

    fn renewal(
        &mut self,
        ends: Vec<(i64, Option<NaiveDate>)>,
        rows: Vec<(i64, String, i32, NaiveDate)>,
        today: NaiveDate,
    ) {
        let mut open: HashMap<i64, (RenewalStage, i32, NaiveDate)> = HashMap::new();
        let mut churned: HashMap<i64, NaiveDate> = HashMap::new();
        for (account, stage, probability, due_on) in rows {
            let Ok(stage) = stage.parse::<RenewalStage>() else {
                continue;
            };
            if stage == RenewalStage::Churned {
                let e = churned.entry(account).or_insert(due_on);
                *e = (*e).max(due_on);
            } else if stage.is_open() {
                let e = open.entry(account).or_insert((stage, probability, due_on));
                if due_on < e.2 {
                    *e = (stage, probability, due_on);
                }
            }
        }
        let ends: HashMap<i64, NaiveDate> = ends
            .into_iter()
            .filter_map(|(account, end)| Some((account, end?)))
            .collect();
        for (account, m) in self.out.iter_mut() {
            m.inputs.renewal = renewal_input(
                self.churned_stage.contains(account),
                open.get(account).copied(),
                ends.get(account).copied(),
                churned.get(account).copied(),
                today,
            );
        }
    }
}

impl Folding {
    /// Done and all milestones of each account's active success plans.
    fn plan_progress(&mut self, rows: Vec<(i64, i64, i64)>) {
        for (account, done, total) in rows {
            if let Some(m) = self.out.get_mut(&account) {
                m.inputs.plan_progress = (total > 0).then_some((done, total));
            }
        }
    }
}

/// What the renewal component sees of one account.
///
/// An account its CSM marked `churned`, or whose latest contract's renewal
/// churned, is churned even while that contract runs out its term: the
/// customer said it will not renew, so the renewal is no longer a hope
/// (the contract's remaining days do not make it 100). An open renewal
/// counts next, then a contract in force, then one that ended.
pub fn renewal_input(
    churned_stage: bool,
    open: Option<(RenewalStage, i32, NaiveDate)>,
    last_end: Option<NaiveDate>,
    last_churned_due: Option<NaiveDate>,
    today: NaiveDate,
) -> RenewalInput {
    let latest_churned = last_churned_due.is_some_and(|due| last_end.is_none_or(|end| due >= end));
    if churned_stage {
        return RenewalInput::Churned;
    }
    if let Some((stage, probability, due_on)) = open {
        return RenewalInput::Open {
            committed: stage == RenewalStage::Committed,
            upcoming: stage == RenewalStage::Upcoming,
            probability,
            days_to_due: (due_on - today).num_days(),
        };
    }
    match last_end {
        _ if latest_churned => RenewalInput::Churned,
        Some(end) if end >= today => RenewalInput::Active,
        Some(_) => RenewalInput::Lapsed,
        None => RenewalInput::NoContract,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::health::score::compute;
    use shared::health::{HealthComponent, HealthModel};

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    #[test]
    fn a_churned_account_never_scores_renewal_100() {
        let today = d(15);
        // Marked churned while its contract still runs: churned, not "in force".
        let marked = renewal_input(true, None, Some(d(31)), None, today);
        assert_eq!(marked, RenewalInput::Churned);
        // The latest contract's renewal churned; the contract runs out its term.
        let told_us = renewal_input(false, None, Some(d(31)), Some(d(31)), today);
        assert_eq!(told_us, RenewalInput::Churned);
        // Churned and ended.
        assert_eq!(
            renewal_input(true, None, Some(d(1)), Some(d(1)), today),
            RenewalInput::Churned
        );
        let inputs = HealthInputs {
            renewal: marked,
            ..Default::default()
        };
        let c = compute(&HealthModel::default(), &inputs);
        let renewal = c
            .components
            .iter()
            .find(|x| x.component == HealthComponent::Renewal)
            .and_then(|x| x.sub_score);
        assert_eq!(renewal, Some(0.0));
    }

    #[test]
    fn a_won_back_or_running_account_is_not_churned() {
        let today = d(15);
        // An old renewal churned, then a new contract was signed (won back).
        assert_eq!(
            renewal_input(false, None, Some(d(31)), Some(d(1)), today),
            RenewalInput::Active
        );
        assert_eq!(
            renewal_input(false, None, Some(d(10)), None, today),
            RenewalInput::Lapsed
        );
        assert_eq!(
            renewal_input(false, None, None, None, today),
            RenewalInput::NoContract
        );
        let open = Some((RenewalStage::Committed, 90, d(25)));
        assert_eq!(
            renewal_input(false, open, Some(d(25)), None, today),
            RenewalInput::Open {
                committed: true,
                upcoming: false,
                probability: 90,
                days_to_due: 10
            }
        );
    }

    #[test]
    fn nps_is_promoters_minus_detractors() {
        assert_eq!(nps(0, 0, 0), None);
        // 5 promoters, 2 passives, 3 detractors of 10.
        assert_eq!(nps(5, 3, 10), Some(20.0));
        assert_eq!(nps(0, 4, 4), Some(-100.0));
    }
}
