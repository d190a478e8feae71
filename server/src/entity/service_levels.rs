use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_levels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub tickets_included: bool,
    pub portal_tickets: bool,
    pub email_tickets: bool,
    pub phone_tickets: bool,
    pub sla_policy: String,
    pub person_days_per_year: i32,
    pub onsite_visits_per_year: i32,
    /// ERP module names, comma-separated (`modules_to_db`).
    pub modules: String,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
