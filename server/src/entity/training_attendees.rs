use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_attendees")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub training_id: i64,
    pub contact_id: i64,
    /// `None` until attendance is recorded.
    pub attended: Option<bool>,
    pub score: Option<i32>,
    pub feedback: Option<String>,
    pub recorded_at: Option<DateTimeUtc>,
    pub recorded_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
