//! The demo's story: each account has a chapter (where it is in its
//! lifecycle and how it is doing), and the seed lives it through the domain
//! at the times it happened, so the timeline, the audit log, the stages and
//! the computed statuses come out as the app itself would have written them.
//!
//! The order is the order of time: accounts join (onboarding plan, licence,
//! service agreement, tasks done on their days, go-live), contracts run and
//! their renewals open, move and close; trainings, touchpoints, surveys and
//! usage fill the months; then today's tickets, the SLA monitor's pass and
//! the health snapshots of the last weeks.

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use shared::contracts::RenewalStage;
use shared::Role;

use crate::auth::extract::{Actor, StaffActor};
use crate::seed::demo_tickets::Cast;
use crate::state::AppState;

/// How far back the story starts (the workspace's and staff's creation).
pub(super) const HISTORY_DAYS: i64 = 520;

/// Where an account is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arc {
    /// Onboarding, every task done on time so far.
    OnTrack,
    /// Onboarding, tasks late but work still going on.
    Behind,
    /// Onboarding, tasks late and nothing done for weeks.
    Stuck,
    /// Live, in its first contract year.
    Adopting,
    /// Its renewal is open, in this stage with this probability.
    Renewing(RenewalStage, i32),
    /// Renewed; the next contract's value differs by this many percent.
    Renewed(i64),
    /// Did not renew, for this reason (one of the workspace's).
    Churned(&'static str),
}

impl Arc {
    pub(super) fn is_onboarding(self) -> bool {
        matches!(self, Arc::OnTrack | Arc::Behind | Arc::Stuck)
    }
}

/// How an account is doing: drives usage, touchpoints, trainings, surveys
/// and ticket ratings, and so its health and its 30-day trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mood {
    Thriving,
    Steady,
    /// Was doing well, fading now (trend down).
    Slipping,
    /// Was in trouble, better now (trend up).
    Recovering,
    AtRisk,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Chapter {
    pub arc: Arc,
    pub mood: Mood,
    /// Days before today the account bought (and its first contract began).
    pub joined: i64,
    /// Days before today its renewal moved or closed (renewals only).
    pub closed: i64,
}

const fn ch(arc: Arc, mood: Mood, joined: i64, closed: i64) -> Chapter {
    Chapter {
        arc,
        mood,
        joined,
        closed,
    }
}

use Arc::*;
use Mood::*;
use RenewalStage::{Committed, InNegotiation, Upcoming};

/// One chapter per company of [`super::COMPANIES`], in order. A contract
/// runs a year from `joined`: it ends 364 − `joined` days from today.
pub(super) const CHAPTERS: [Chapter; 30] = [
    ch(Adopting, Steady, 160, 0),
    ch(Renewing(InNegotiation, 60), Slipping, 319, 20),
    ch(OnTrack, Thriving, 12, 0),
    ch(Renewed(15), Thriving, 404, 55),
    ch(Adopting, Recovering, 140, 0),
    ch(Churned("price"), AtRisk, 399, 50),
    ch(Behind, Steady, 33, 0),
    ch(Renewing(Committed, 90), Thriving, 344, 10),
    ch(Adopting, Thriving, 175, 0),
    ch(Renewing(Upcoming, 30), AtRisk, 372, 0),
    ch(Stuck, Slipping, 52, 0),
    ch(Renewed(0), Steady, 464, 110),
    ch(Churned("competitor"), AtRisk, 439, 90),
    ch(Adopting, Slipping, 150, 0),
    ch(Renewing(InNegotiation, 55), Recovering, 289, 15),
    ch(OnTrack, Steady, 9, 0),
    ch(Renewed(-20), Slipping, 434, 80),
    ch(Adopting, Thriving, 125, 0),
    ch(Behind, Slipping, 30, 0),
    ch(Renewing(Upcoming, 50), Steady, 254, 0),
    ch(Churned("poor_adoption"), AtRisk, 384, 25),
    ch(Renewed(10), Thriving, 339, 5),
    ch(Stuck, AtRisk, 48, 0),
    ch(Adopting, AtRisk, 165, 0),
    ch(Renewing(Committed, 85), Recovering, 329, 12),
    ch(Adopting, Steady, 130, 0),
    ch(Renewed(0), Recovering, 484, 130),
    ch(Renewing(Upcoming, 50), Steady, 214, 0),
    ch(Adopting, Thriving, 145, 0),
    ch(Renewed(20), Steady, 379, 20),
];

/// The chapter of the `i`-th account (cycled, should the list grow).
pub(super) fn chapter(i: usize) -> Chapter {
    CHAPTERS[i % CHAPTERS.len()]
}

/// When the `i`-th account joined, for its creation time.
pub(super) fn joined(i: usize, now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(chapter(i).joined)
}

/// The story's clock and cast: times are days before today at a local
/// time of day in the workspace's zone.
pub(super) struct Story<'a> {
    pub state: &'a AppState,
    pub cast: &'a Cast,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    pub tz: Tz,
}

impl Story<'_> {
    /// The date `days_ago` days before today.
    pub fn day(&self, days_ago: i64) -> NaiveDate {
        self.today - Duration::days(days_ago)
    }

    /// `days_ago` days before today (negative: after) at `hour:minute`
    /// local time.
    pub fn local(&self, days_ago: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        self.day(days_ago)
            .and_hms_opt(hour.min(23), minute.min(59), 0)
            .and_then(|t| self.tz.from_local_datetime(&t).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(self.now)
    }

    /// Like [`Story::local`], but never later than a minute ago: what the
    /// story does has happened already.
    pub fn at(&self, days_ago: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        self.local(days_ago, hour, minute)
            .min(self.now - Duration::minutes(1))
    }

    pub fn account(&self, i: usize) -> anyhow::Result<i64> {
        self.cast
            .account_ids
            .get(i)
            .copied()
            .context("no such demo account")
    }

    fn actor(&self, user_id: i64, role: Role) -> anyhow::Result<StaffActor> {
        Ok(StaffActor::try_from_actor(Actor {
            user_id,
            workspace_id: self.cast.workspace_id,
            role,
            session_id: 0,
        })?)
    }

    /// The account's owner CSM (the demo assigns them in turn).
    pub fn owner(&self, i: usize) -> anyhow::Result<StaffActor> {
        let id = self.cast.csm_ids[i % self.cast.csm_ids.len().max(1)];
        self.actor(id, Role::Csm)
    }

    /// The engineer who installs, registers and trains at the account.
    pub fn engineer(&self, i: usize) -> anyhow::Result<StaffActor> {
        let id = self.cast.engineer_ids[i % self.cast.engineer_ids.len().max(1)];
        self.actor(id, Role::Engineer)
    }

    pub fn admin(&self) -> anyhow::Result<StaffActor> {
        self.actor(self.cast.admin_id, Role::Admin)
    }
}

/// Lives the whole story, oldest first.
pub(super) async fn tell(state: &AppState, cast: &Cast, now: DateTime<Utc>) -> anyhow::Result<()> {
    let ws = cast.workspace_id;
    let story = Story {
        state,
        cast,
        now,
        today: crate::domain::common::calendar::today(&state.db.read, ws, now).await?,
        tz: crate::domain::common::calendar::time_zone(&state.db.read, ws).await?,
    };
    // The manual (操作手册) and tier-1 routing come first: the workspace
    // had them before its first ticket.
    crate::seed::demo_tickets::setup(&state.db.write, cast, story.at(HISTORY_DAYS - 1, 10, 0))
        .await?;
    let mut order: Vec<usize> = (0..cast.account_ids.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(chapter(i).joined));
    for &i in &order {
        super::onboarding::onboard(&story, i)
            .await
            .with_context(|| format!("onboarding of demo account {i}"))?;
    }
    crate::seed::demo_contracts::seed(&story_contracts(&story)?, state, now).await?;
    for &i in &order {
        super::activities::live(&story, i)
            .await
            .with_context(|| format!("history of demo account {i}"))?;
    }
    super::activities::surveys(&story).await?;
    super::usage::seed(&story).await?;
    super::tickets::seed(&story).await?;
    super::health::settle(&story).await?;
    Ok(())
}

/// What the contract side needs of each account's chapter.
fn story_contracts(story: &Story<'_>) -> anyhow::Result<crate::seed::demo_contracts::Plan> {
    let mut accounts = Vec::new();
    for i in 0..story.cast.account_ids.len() {
        let c = chapter(i);
        accounts.push(crate::seed::demo_contracts::AccountPlan {
            account_id: story.account(i)?,
            owner: story.owner(i)?,
            starts_on: story.day(c.joined),
            signed_at: story.at(c.joined, 16, 30),
            outcome: match c.arc {
                Renewing(stage, probability) => {
                    crate::seed::demo_contracts::Outcome::Open(stage, probability)
                }
                Renewed(percent) => crate::seed::demo_contracts::Outcome::Renewed(percent),
                Churned(reason) => crate::seed::demo_contracts::Outcome::Churned(reason),
                _ => crate::seed::demo_contracts::Outcome::Running,
            },
            moved_at: story.at(c.closed, 15, 0),
        });
    }
    Ok(crate::seed::demo_contracts::Plan {
        workspace_id: story.cast.workspace_id,
        today: story.today,
        checkpoints: (0..=HISTORY_DAYS / 30)
            .rev()
            .map(|k| (story.day(k * 30), story.at(k * 30, 1, 0)))
            .collect(),
        accounts,
    })
}
