//! The vendor's operating manual (操作手册) that a new workspace can start
//! from: about fifty articles over the seven ERP modules, written as a
//! K/3-style vendor's manual is (a title, the procedure, FAQ entries), most
//! in Chinese, a few in English, a few internal. `seed-demo` fills the demo
//! workspace with it and the relevance test (`server/tests/api/
//! kb_relevance.rs`) measures search against it; the text itself is the
//! data file `server/data/kb_manual.json`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use shared::kb::{CreateKbArticleRequest, FaqEntry, KbArticle, KbStatus, KbVisibility};
use shared::ErpModule;

use crate::auth::StaffActor;
use crate::db::Db;
use crate::error::{AppError, AppResult};

const MANUAL_JSON: &str = include_str!("../../../data/kb_manual.json");

/// One article of the manual file.
#[derive(Debug, Clone, Deserialize)]
pub struct ManualArticle {
    /// A stable name (`fin-post-voucher`) that tests refer to.
    pub key: String,
    pub module: ErpModule,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub visibility: KbVisibility,
    #[serde(default)]
    pub faq: Vec<FaqEntry>,
}

/// The manual's articles, in file order.
pub fn manual() -> AppResult<Vec<ManualArticle>> {
    serde_json::from_str(MANUAL_JSON).map_err(|e| AppError::Internal(e.into()))
}

/// Publishes every article of the manual in the actor's workspace through
/// the normal create path (validation, search index, audit entry), as
/// `actor` at `now`. Returns the articles in file order.
pub async fn seed_manual(
    db: &Db,
    actor: &StaffActor,
    now: DateTime<Utc>,
) -> AppResult<Vec<KbArticle>> {
    let mut created = Vec::new();
    for article in manual()? {
        let req = CreateKbArticleRequest {
            module: article.module,
            title: article.title,
            body: article.body,
            visibility: Some(article.visibility),
            faq: article.faq,
            status: Some(KbStatus::Published),
        };
        created.push(super::create(db, actor, req, now).await?);
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manual_covers_every_module_with_valid_articles() {
        let manual = manual().unwrap();
        assert!(manual.len() >= 40);
        for module in ErpModule::ALL {
            assert!(
                manual.iter().filter(|a| a.module == *module).count() >= 5,
                "{module:?}"
            );
        }
        let mut keys = std::collections::HashSet::new();
        for a in &manual {
            assert!(keys.insert(a.key.clone()), "duplicate key {}", a.key);
            let req = CreateKbArticleRequest {
                module: a.module,
                title: a.title.clone(),
                body: a.body.clone(),
                visibility: Some(a.visibility),
                faq: a.faq.clone(),
                status: None,
            };
            assert_eq!(shared::kb::validate_create(&req), Ok(()), "{}", a.key);
        }
    }
}
