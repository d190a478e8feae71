use sea_orm::entity::prelude::*;

/// A report's figures as last computed for a workspace (see
/// `domain::common::snapshot_cache`): the dashboard, the KPI and the
/// renewal report of a big portfolio.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_snapshots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// `dashboard`, `kpi` or `renewals`.
    pub kind: String,
    /// The portfolio, period and currency the figures are of.
    pub snapshot_key: String,
    /// When they were computed (the servers' own clock, not the
    /// application's: it only says how old the figures are).
    pub stored_at: DateTimeUtc,
    /// The figures, as the API answers them (JSON).
    pub body: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
