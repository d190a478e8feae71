//! The account form's values, and the requests made from them: a create, or a
//! PATCH carrying only what the user changed (so an edit never overwrites a
//! field it did not touch).

use shared::accounts::{Account, CreateAccountRequest, UpdateAccountRequest};
use shared::{ErpModule, LifecycleStage};

#[derive(Debug, Clone, PartialEq)]
pub struct AccountForm {
    pub name: String,
    pub code: String,
    pub industry: String,
    pub segment: String,
    pub owner_id: Option<i64>,
    pub stage: LifecycleStage,
    pub modules: Vec<ErpModule>,
    /// The parent company (集团), if any.
    pub parent_id: Option<i64>,
}

impl Default for AccountForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            code: String::new(),
            industry: String::new(),
            segment: String::new(),
            owner_id: None,
            stage: LifecycleStage::Onboarding,
            modules: Vec::new(),
            parent_id: None,
        }
    }
}

/// Blank optional text means "none".
pub fn opt_text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// Modules in the canonical order of the seed, without duplicates.
pub fn normalize_modules(modules: &[ErpModule]) -> Vec<ErpModule> {
    // Picking from the fixed list keeps its order with no sort (a sort is
    // surprisingly much WASM for seven items).
    ErpModule::ALL
        .iter()
        .copied()
        .filter(|m| modules.contains(m))
        .collect()
}

/// Adds or removes one module (a checkbox toggled).
pub fn toggle_module(modules: &[ErpModule], module: ErpModule, on: bool) -> Vec<ErpModule> {
    let mut out: Vec<ErpModule> = modules.iter().copied().filter(|m| *m != module).collect();
    if on {
        out.push(module);
    }
    normalize_modules(&out)
}

impl AccountForm {
    pub fn from_account(account: &Account) -> Self {
        Self {
            name: account.name.clone(),
            code: account.code.clone(),
            industry: account.industry.clone().unwrap_or_default(),
            segment: account.segment.clone().unwrap_or_default(),
            owner_id: account.owner_id,
            stage: account.stage,
            modules: normalize_modules(&account.modules),
            parent_id: account.parent_id,
        }
    }

    pub fn to_create(&self) -> CreateAccountRequest {
        CreateAccountRequest {
            name: self.name.trim().to_string(),
            code: self.code.trim().to_string(),
            industry: opt_text(&self.industry),
            segment: opt_text(&self.segment),
            owner_id: self.owner_id,
            stage: Some(self.stage),
            modules: normalize_modules(&self.modules),
            parent_id: self.parent_id,
        }
    }

    /// The PATCH body: only the fields that differ from `original`.
    pub fn diff(&self, original: &Account) -> UpdateAccountRequest {
        let mut req = UpdateAccountRequest::default();
        let name = self.name.trim();
        if name != original.name {
            req.name = Some(name.to_string());
        }
        let code = self.code.trim();
        if code != original.code {
            req.code = Some(code.to_string());
        }
        let industry = opt_text(&self.industry);
        if industry != original.industry {
            req.industry = Some(industry);
        }
        let segment = opt_text(&self.segment);
        if segment != original.segment {
            req.segment = Some(segment);
        }
        if self.owner_id != original.owner_id {
            req.owner_id = Some(self.owner_id);
        }
        if self.stage != original.stage {
            req.stage = Some(self.stage);
        }
        let modules = normalize_modules(&self.modules);
        if modules != normalize_modules(&original.modules) {
            req.modules = Some(modules);
        }
        if self.parent_id != original.parent_id {
            req.parent_id = Some(self.parent_id);
        }
        req
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn account() -> Account {
        let at = Utc.with_ymd_and_hms(2024, 3, 5, 6, 30, 0).unwrap();
        Account {
            id: 1,
            name: "深圳华强电子".into(),
            code: "000123".into(),
            industry: Some("电子".into()),
            segment: None,
            owner_id: Some(3),
            stage: LifecycleStage::Onboarding,
            stage_entered_at: at,
            modules: vec![ErpModule::Sales, ErpModule::System],
            archived: false,
            created_at: at,
            updated_at: at,
            version: 1,
            parent_id: Some(9),
            parent: None,
            subsidiaries: Vec::new(),
            portal_group_tickets: false,
        }
    }

    #[test]
    fn an_untouched_form_patches_nothing() {
        let a = account();
        let form = AccountForm::from_account(&a);
        assert_eq!(form.diff(&a), UpdateAccountRequest::default());
        // What the server reads back from the body is "change nothing" too.
        let json = serde_json::to_string(&form.diff(&a)).unwrap();
        let back: UpdateAccountRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, UpdateAccountRequest::default());
    }

    #[test]
    fn only_changed_fields_are_sent_and_cleared_ones_become_null() {
        let a = account();
        let mut form = AccountForm::from_account(&a);
        form.industry = "  ".into();
        form.owner_id = None;
        form.stage = LifecycleStage::Adoption;
        form.modules = vec![ErpModule::System, ErpModule::Sales, ErpModule::Finance];
        form.parent_id = None;
        let req = form.diff(&a);
        assert_eq!(req.parent_id, Some(None));
        assert_eq!(req.name, None);
        assert_eq!(req.industry, Some(None));
        assert_eq!(req.owner_id, Some(None));
        assert_eq!(req.stage, Some(LifecycleStage::Adoption));
        assert_eq!(
            req.modules,
            Some(vec![
                ErpModule::System,
                ErpModule::Sales,
                ErpModule::Finance
            ])
        );
        let json = serde_json::to_value(&req).unwrap();
        assert!(json["owner_id"].is_null());
        assert!(json.as_object().unwrap().contains_key("owner_id"));
        assert!(!json.as_object().unwrap().contains_key("segment"));
    }

    #[test]
    fn create_trims_text_and_orders_modules() {
        let form = AccountForm {
            name: " 华强 ".into(),
            code: " 000777 ".into(),
            industry: "".into(),
            segment: " 金牌 ".into(),
            owner_id: Some(2),
            stage: LifecycleStage::Onboarding,
            modules: vec![ErpModule::Finance, ErpModule::Sales, ErpModule::Finance],
            parent_id: Some(4),
        };
        let req = form.to_create();
        assert_eq!(req.parent_id, Some(4));
        assert_eq!(req.name, "华强");
        assert_eq!(req.code, "000777");
        assert_eq!(req.industry, None);
        assert_eq!(req.segment.as_deref(), Some("金牌"));
        assert_eq!(req.modules, vec![ErpModule::Sales, ErpModule::Finance]);
    }

    #[test]
    fn toggling_modules_keeps_them_sorted_and_unique() {
        let m = toggle_module(&[], ErpModule::Finance, true);
        let m = toggle_module(&m, ErpModule::System, true);
        let m = toggle_module(&m, ErpModule::System, true);
        assert_eq!(m, vec![ErpModule::System, ErpModule::Finance]);
        assert_eq!(
            toggle_module(&m, ErpModule::System, false),
            vec![ErpModule::Finance]
        );
    }
}
