//! Success plans, shared with the customer (issue 15): a plan per account
//! with objectives in the customer's words, milestones owned on either
//! side and comments, kept by staff ([`plans`], [`items`], [`comments`])
//! and shown in the portal to the account's `customer_admin`
//! ([`portal`]).
//!
//! Who may do what is decided here: every staff member reads and comments;
//! the account's owner, managers and admins change plans ([`may_edit`]);
//! a milestone's staff owner may also mark it done or open. What reaches
//! the portal is decided in one place, [`Loaded::portal_view`]: shared
//! objectives, their milestones and the public comments, nothing else.

pub mod comments;
pub mod items;
pub mod plans;
pub mod portal;

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use shared::success_plans::{
    Milestone, MilestoneStatus, Objective, PlanComment, PlanProgress, PlanSide, PortalMilestone,
    PortalObjective, PortalSuccessPlan, SuccessPlan, SuccessPlanSummary,
};
use shared::texts::T;
use shared::Role;

use crate::auth::StaffActor;
use crate::entity::stored::stored;
use crate::entity::{
    accounts, contacts, success_milestones, success_objectives, success_plan_comments,
    success_plans, users,
};
use crate::error::{AppError, AppResult};

pub fn plan_etag(p: &SuccessPlan) -> String {
    format!("\"sp{}v{}\"", p.id, p.version)
}

pub fn objective_etag(o: &Objective) -> String {
    format!("\"so{}v{}\"", o.id, o.version)
}

pub fn milestone_etag(m: &Milestone) -> String {
    format!("\"sm{}v{}\"", m.id, m.version)
}

/// Whether `actor` may change the plans of `account`: its owner CSM, a
/// manager or an admin.
pub(crate) fn can_edit(actor: &StaffActor, account: &accounts::Model) -> bool {
    match actor.role {
        Role::Admin | Role::Manager => true,
        Role::Csm => account.owner_id == Some(actor.user_id),
        _ => false,
    }
}

pub(crate) fn may_edit(actor: &StaffActor, account: &accounts::Model) -> AppResult<()> {
    if can_edit(actor, account) {
        Ok(())
    } else {
        Err(AppError::Forbidden(T::PlanEditors.into()))
    }
}

/// The plan `id` of the workspace (404 for another workspace's).
pub(crate) async fn find_plan<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    id: i64,
) -> AppResult<success_plans::Model> {
    success_plans::Entity::find_by_id(id)
        .filter(success_plans::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) async fn account_of<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    account_id: i64,
) -> AppResult<accounts::Model> {
    crate::domain::accounts::find_in_workspace(conn, workspace_id, account_id).await
}

/// Plans with everything under them and the names they mention, read in a
/// fixed handful of queries whatever the number of plans.
pub(crate) struct Loaded {
    pub objectives: Vec<success_objectives::Model>,
    pub milestones: Vec<success_milestones::Model>,
    pub comments: Vec<success_plan_comments::Model>,
    user_names: HashMap<i64, String>,
    /// Contact id → (name, account id).
    contacts: HashMap<i64, (String, i64)>,
}

/// Reads `plans`' objectives, milestones and comments (`with_comments`)
/// and the names of the people they mention.
pub(crate) async fn load<C: ConnectionTrait>(
    conn: &C,
    plans: Vec<success_plans::Model>,
    with_comments: bool,
) -> AppResult<Loaded> {
    let ids: Vec<i64> = plans.iter().map(|p| p.id).collect();
    let (objectives, milestones, comments) = if ids.is_empty() {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        let objectives = success_objectives::Entity::find()
            .filter(success_objectives::Column::PlanId.is_in(ids.clone()))
            .order_by_asc(success_objectives::Column::Id)
            .all(conn)
            .await?;
        let milestones = success_milestones::Entity::find()
            .filter(success_milestones::Column::PlanId.is_in(ids.clone()))
            .order_by_asc(success_milestones::Column::Id)
            .all(conn)
            .await?;
        let comments = if with_comments {
            success_plan_comments::Entity::find()
                .filter(success_plan_comments::Column::PlanId.is_in(ids))
                .order_by_asc(success_plan_comments::Column::Id)
                .all(conn)
                .await?
        } else {
            Vec::new()
        };
        (objectives, milestones, comments)
    };
    let mut user_ids: Vec<i64> = milestones
        .iter()
        .flat_map(|m| [m.owner_user_id, m.done_by_id])
        .flatten()
        .chain(comments.iter().map(|c| c.author_id))
        .collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let user_names = if user_ids.is_empty() {
        HashMap::new()
    } else {
        users::Entity::find()
            .filter(users::Column::Id.is_in(user_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    let mut contact_ids: Vec<i64> = milestones
        .iter()
        .filter_map(|m| m.owner_contact_id)
        .collect();
    contact_ids.sort_unstable();
    contact_ids.dedup();
    let contacts = if contact_ids.is_empty() {
        HashMap::new()
    } else {
        contacts::Entity::find()
            .filter(contacts::Column::Id.is_in(contact_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| (c.id, (c.name, c.account_id)))
            .collect()
    };
    Ok(Loaded {
        objectives,
        milestones,
        comments,
        user_names,
        contacts,
    })
}

/// Done and all of `milestones`.
fn progress_of<'a>(
    milestones: impl Iterator<Item = &'a success_milestones::Model>,
) -> PlanProgress {
    let (done, total) = milestones.fold((0, 0), |(d, t), m| {
        (
            d + i64::from(m.status == MilestoneStatus::Done.as_str()),
            t + 1,
        )
    });
    PlanProgress::of(done, total)
}

impl Loaded {
    fn milestones_of(&self, objective_id: i64) -> impl Iterator<Item = &success_milestones::Model> {
        self.milestones
            .iter()
            .filter(move |m| m.objective_id == objective_id)
    }

    fn objectives_of(&self, plan_id: i64) -> impl Iterator<Item = &success_objectives::Model> {
        self.objectives.iter().filter(move |o| o.plan_id == plan_id)
    }

    fn owner(&self, m: &success_milestones::Model) -> (Option<String>, Option<PlanSide>) {
        match (m.owner_user_id, m.owner_contact_id) {
            (Some(id), _) => (self.user_names.get(&id).cloned(), Some(PlanSide::Staff)),
            (None, Some(id)) => (
                self.contacts.get(&id).map(|(name, _)| name.clone()),
                Some(PlanSide::Customer),
            ),
            (None, None) => (None, None),
        }
    }

    /// Whether a contact of `account_id` owns the milestone.
    pub fn customer_owned(&self, m: &success_milestones::Model, account_id: i64) -> bool {
        m.owner_user_id.is_none()
            && m.owner_contact_id
                .and_then(|id| self.contacts.get(&id))
                .is_some_and(|(_, account)| *account == account_id)
    }

    pub fn comment(&self, c: &success_plan_comments::Model) -> AppResult<PlanComment> {
        Ok(PlanComment {
            id: c.id,
            author_name: self
                .user_names
                .get(&c.author_id)
                .cloned()
                .unwrap_or_default(),
            author_side: stored("success_plan_comments", c.id, "author_side", &c.author_side)?,
            body: c.body.clone(),
            internal: c.internal,
            created_at: c.created_at,
        })
    }

    pub fn milestone(&self, m: &success_milestones::Model) -> AppResult<Milestone> {
        let (owner_name, owner_side) = self.owner(m);
        Ok(Milestone {
            id: m.id,
            objective_id: m.objective_id,
            title: m.title.clone(),
            owner_user_id: m.owner_user_id,
            owner_contact_id: m.owner_contact_id,
            owner_name,
            owner_side,
            due_on: m.due_on,
            status: stored("success_milestones", m.id, "status", &m.status)?,
            done_at: m.done_at,
            done_by_id: m.done_by_id,
            done_by_name: m
                .done_by_id
                .and_then(|id| self.user_names.get(&id).cloned()),
            version: m.version,
        })
    }

    pub fn objective(&self, o: &success_objectives::Model) -> AppResult<Objective> {
        Ok(Objective {
            id: o.id,
            plan_id: o.plan_id,
            title: o.title.clone(),
            measure: o.measure.clone(),
            target_date: o.target_date,
            status: stored("success_objectives", o.id, "status", &o.status)?,
            shared_with_customer: o.shared_with_customer,
            progress: progress_of(self.milestones_of(o.id)),
            milestones: self
                .milestones_of(o.id)
                .map(|m| self.milestone(m))
                .collect::<AppResult<_>>()?,
            version: o.version,
        })
    }

    fn progresses(&self, plan_id: i64) -> (PlanProgress, PlanProgress) {
        let all = progress_of(self.milestones.iter().filter(|m| m.plan_id == plan_id));
        let shared = progress_of(self.milestones.iter().filter(|m| {
            m.plan_id == plan_id
                && self
                    .objectives
                    .iter()
                    .any(|o| o.id == m.objective_id && o.shared_with_customer)
        }));
        (all, shared)
    }

    /// The staff view of the plan `plan`.
    pub fn staff_view(
        &self,
        plan: &success_plans::Model,
        can_edit: bool,
    ) -> AppResult<SuccessPlan> {
        let (progress, shared_progress) = self.progresses(plan.id);
        Ok(SuccessPlan {
            id: plan.id,
            account_id: plan.account_id,
            title: plan.title.clone(),
            staff_note: plan.staff_note.clone(),
            status: stored("success_plans", plan.id, "status", &plan.status)?,
            progress,
            shared_progress,
            objectives: self
                .objectives_of(plan.id)
                .map(|o| self.objective(o))
                .collect::<AppResult<_>>()?,
            comments: self
                .comments
                .iter()
                .filter(|c| c.plan_id == plan.id)
                .map(|c| self.comment(c))
                .collect::<AppResult<_>>()?,
            can_edit,
            created_by: plan.created_by,
            created_at: plan.created_at,
            updated_at: plan.updated_at,
            version: plan.version,
        })
    }

    pub fn summary(&self, plan: &success_plans::Model) -> AppResult<SuccessPlanSummary> {
        let (progress, shared_progress) = self.progresses(plan.id);
        Ok(SuccessPlanSummary {
            id: plan.id,
            account_id: plan.account_id,
            title: plan.title.clone(),
            status: stored("success_plans", plan.id, "status", &plan.status)?,
            progress,
            shared_progress,
            objective_count: self.objectives_of(plan.id).count() as i64,
            updated_at: plan.updated_at,
        })
    }

    /// What the customer's administrator sees of `plan`: the shared
    /// objectives and their milestones, the public comments; no staff note,
    /// no staff ids, no versions.
    pub fn portal_view(&self, plan: &success_plans::Model) -> AppResult<PortalSuccessPlan> {
        let shared: Vec<&success_objectives::Model> = self
            .objectives_of(plan.id)
            .filter(|o| o.shared_with_customer)
            .collect();
        let mut objectives = Vec::with_capacity(shared.len());
        for o in &shared {
            let mut milestones = Vec::new();
            for m in self.milestones_of(o.id) {
                let (owner_name, owner_side) = self.owner(m);
                let status: MilestoneStatus =
                    stored("success_milestones", m.id, "status", &m.status)?;
                milestones.push(PortalMilestone {
                    id: m.id,
                    title: m.title.clone(),
                    owner_name,
                    owner_side,
                    due_on: m.due_on,
                    status,
                    done_at: m.done_at,
                    can_mark_done: status == MilestoneStatus::Open
                        && self.customer_owned(m, plan.account_id),
                });
            }
            objectives.push(PortalObjective {
                id: o.id,
                title: o.title.clone(),
                measure: o.measure.clone(),
                target_date: o.target_date,
                status: stored("success_objectives", o.id, "status", &o.status)?,
                progress: progress_of(self.milestones_of(o.id)),
                milestones,
            });
        }
        Ok(PortalSuccessPlan {
            id: plan.id,
            title: plan.title.clone(),
            progress: PlanProgress::sum(objectives.iter().map(|o| &o.progress)),
            objectives,
            comments: self
                .comments
                .iter()
                .filter(|c| c.plan_id == plan.id && !c.internal)
                .map(|c| self.comment(c))
                .collect::<AppResult<_>>()?,
            updated_at: plan.updated_at,
        })
    }
}
