//! The staff knowledge base's pure logic: the list's filters and the
//! article form (create, or a PATCH of only what changed).

use shared::kb::{
    self as rules, CreateKbArticleRequest, KbArticle, KbStatus, KbVisibility,
    UpdateKbArticleRequest,
};
use shared::{ErpModule, FieldErrors};

use super::query::{get_param, QueryString};

/// The filters of `/kb`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct KbFilter {
    pub q: String,
    pub module: Option<ErpModule>,
    pub visibility: Option<KbVisibility>,
    /// `None`: every status but archived (the server's default).
    pub status: Option<KbStatus>,
}

impl KbFilter {
    pub fn is_unfiltered(&self) -> bool {
        self.q.trim().is_empty()
            && self.module.is_none()
            && self.visibility.is_none()
            && self.status.is_none()
    }

    /// The filters of a `/kb?q=&module=&visibility=&status=` URL.
    pub fn from_search(search: &str) -> Self {
        let param = |key: &str| get_param(search, key).unwrap_or_default();
        KbFilter {
            q: param("q"),
            module: param("module").parse().ok(),
            visibility: param("visibility").parse().ok(),
            status: param("status").parse().ok(),
        }
    }

    /// The staff list's URL with these filters.
    pub fn href(&self) -> String {
        let q = QueryString::new()
            .push("q", self.q.trim())
            .push_opt("module", self.module.map(|m| m.as_str()))
            .push_opt("visibility", self.visibility.map(|v| v.as_str()))
            .push_opt("status", self.status.map(|s| s.as_str()))
            .build();
        format!("/kb{q}")
    }

    pub fn query(&self, limit: u64, cursor: Option<&str>) -> String {
        let q: String = self.q.trim().chars().take(rules::MAX_QUERY_LEN).collect();
        let filter = shared::filters::KbFilter {
            q: super::query::non_blank(&q),
            module: self.module,
            visibility: self.visibility,
            status: self.status,
            match_mode: None,
        };
        shared::filters::list_query(&filter, Some(limit), cursor)
    }
}

/// What the article editor holds. FAQ entries are kept as they are (the
/// editor does not change them).
#[derive(Debug, Clone, PartialEq)]
pub struct KbForm {
    pub title: String,
    pub module: ErpModule,
    pub visibility: KbVisibility,
    pub status: KbStatus,
    pub body: String,
}

impl Default for KbForm {
    fn default() -> Self {
        KbForm {
            title: String::new(),
            module: ErpModule::System,
            visibility: KbVisibility::Internal,
            status: KbStatus::Draft,
            body: String::new(),
        }
    }
}

fn changed<T: PartialEq + Clone>(new: &T, old: &T) -> Option<T> {
    (new != old).then(|| new.clone())
}

impl KbForm {
    pub fn from_article(a: &KbArticle) -> Self {
        KbForm {
            title: a.title.clone(),
            module: a.module,
            visibility: a.visibility,
            status: a.status,
            body: a.body.clone(),
        }
    }

    pub fn to_create(&self) -> Result<CreateKbArticleRequest, FieldErrors> {
        let req = CreateKbArticleRequest {
            module: self.module,
            title: self.title.trim().to_string(),
            body: self.body.clone(),
            visibility: Some(self.visibility),
            faq: Vec::new(),
            status: Some(self.status),
        };
        rules::validate_create(&req)?;
        Ok(req)
    }

    /// Only the fields that differ from `original` (all `None`: nothing to save).
    pub fn diff(&self, original: &KbArticle) -> Result<UpdateKbArticleRequest, FieldErrors> {
        let title = self.title.trim().to_string();
        let req = UpdateKbArticleRequest {
            module: changed(&self.module, &original.module),
            title: changed(&title, &original.title),
            body: changed(&self.body, &original.body),
            visibility: changed(&self.visibility, &original.visibility),
            faq: None,
            status: changed(&self.status, &original.status),
        };
        rules::validate_update(&req)?;
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> KbArticle {
        KbArticle {
            id: 3,
            module: ErpModule::Inventory,
            title: "盘点单录入".into(),
            body: "# 步骤\n1. 打开".into(),
            body_html: "<h1>步骤</h1>".into(),
            visibility: KbVisibility::Public,
            faq: vec![],
            status: KbStatus::Published,
            source_ticket_id: None,
            author_id: 1,
            created_at: chrono::DateTime::default(),
            updated_at: chrono::DateTime::default(),
            version: 2,
        }
    }

    #[test]
    fn filters_become_query_parameters() {
        let f = KbFilter::default();
        assert!(f.is_unfiltered());
        assert_eq!(f.query(50, None), "?limit=50");
        let f = KbFilter {
            q: " 盘点 ".into(),
            module: Some(ErpModule::Inventory),
            visibility: Some(KbVisibility::Public),
            status: Some(KbStatus::Archived),
        };
        assert!(!f.is_unfiltered());
        assert_eq!(
            f.query(50, Some("x")),
            "?q=%E7%9B%98%E7%82%B9&module=inventory&visibility=public&status=archived&limit=50&cursor=x"
        );
    }

    #[test]
    fn new_articles_need_a_title() {
        let mut form = KbForm::default();
        assert!(form.to_create().unwrap_err().contains_key("title"));
        form.title = " 凭证过账 ".into();
        let req = form.to_create().unwrap();
        assert_eq!(req.title, "凭证过账");
        assert_eq!(req.visibility, Some(KbVisibility::Internal));
        assert_eq!(req.status, Some(KbStatus::Draft));
    }

    #[test]
    fn updates_send_only_the_changes() {
        let a = article();
        let mut form = KbForm::from_article(&a);
        assert_eq!(form.diff(&a), Ok(UpdateKbArticleRequest::default()));
        form.title = "盘点单录入 ".into();
        assert_eq!(form.diff(&a), Ok(UpdateKbArticleRequest::default()));
        form.status = KbStatus::Draft;
        form.body.push_str("\n2. 保存");
        let req = form.diff(&a).unwrap();
        assert_eq!(req.status, Some(KbStatus::Draft));
        assert_eq!(req.body.as_deref(), Some("# 步骤\n1. 打开\n2. 保存"));
        assert_eq!((req.title, req.module, req.visibility), (None, None, None));
        form.title = " ".into();
        assert!(form.diff(&a).unwrap_err().contains_key("title"));
    }
}
