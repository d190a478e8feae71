use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workspaces")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub customer_code_pattern: String,
    pub created_at: DateTimeUtc,
    /// JSON `BusinessCalendar`; `None` is the default calendar.
    pub business_calendar: Option<String>,
    /// JSON `{module: user_id}` for tier-1 routing.
    pub module_owners: Option<String>,
    pub default_service_level: String,
    /// When the sign-up address was confirmed; until then the workspace
    /// sends no mail but the confirmation itself.
    pub verified_at: Option<DateTimeUtc>,
    /// Accounts that never had an agreement are outside agreement too.
    pub agreement_required: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
