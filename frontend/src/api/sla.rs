//! `/sla-policies`, `/calendar` and `/settings/module-owners`: the SLA
//! settings.

use gloo_net::http::Method;
use shared::tickets::{ModuleOwners, SlaPolicies};

use super::client::{call, decode, json, ApiErr};
use crate::logic::sla_form::Calendar;

pub async fn policies() -> Result<SlaPolicies, ApiErr> {
    decode(&call(Method::GET, "/sla-policies".into(), None).await?)
}

pub async fn put_policies(req: &SlaPolicies) -> Result<SlaPolicies, ApiErr> {
    decode(&call(Method::PUT, "/sla-policies".into(), json(req)?).await?)
}

pub async fn calendar() -> Result<Calendar, ApiErr> {
    decode(&call(Method::GET, "/calendar".into(), None).await?)
}

pub async fn put_calendar(req: &Calendar) -> Result<Calendar, ApiErr> {
    decode(&call(Method::PUT, "/calendar".into(), json(req)?).await?)
}

pub async fn module_owners() -> Result<ModuleOwners, ApiErr> {
    decode(&call(Method::GET, "/settings/module-owners".into(), None).await?)
}

pub async fn put_module_owners(req: &ModuleOwners) -> Result<ModuleOwners, ApiErr> {
    decode(&call(Method::PUT, "/settings/module-owners".into(), json(req)?).await?)
}
