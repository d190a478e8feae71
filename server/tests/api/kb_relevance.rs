//! Search relevance, as a customer meets it: the vendor's manual
//! (`server/data/kb_manual.json`, 50 articles over the seven modules) is
//! published through the API, then every sentence of the test set
//! (`kb_relevance.json`: what clerks type, in Chinese and English, with
//! typos and colloquialisms, each with the article that answers it) goes
//! through the portal search page's request and the new-ticket
//! suggestions' request. At least nine in ten must find their article in
//! the first three results, on each backend.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::helpers::*;

const MANUAL: &str = include_str!("../../data/kb_manual.json");
const SENTENCES: &str = include_str!("kb_relevance.json");
const MIN_RECALL_AT_3: f64 = 0.9;

#[derive(Deserialize)]
struct Article {
    key: String,
    module: String,
    title: String,
    body: String,
    visibility: String,
    faq: Value,
}

#[derive(Deserialize)]
struct Case {
    sentence: String,
    article: String,
}

fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn titles(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let response = app
        .get(&format!("/api/v1/portal/kb/search?{query}"), token)
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK, "{query}");
    let page: Value = response.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

/// The share of cases whose article is among the first three answers to
/// `query(case)`; prints the misses.
async fn recall_at_3(
    app: &TestApp,
    token: &str,
    label: &str,
    cases: &[Case],
    manual: &HashMap<String, Article>,
    query: impl Fn(&Case, &Article) -> String,
) -> f64 {
    let mut found = 0;
    for case in cases {
        let expected = &manual[&case.article];
        let answer = titles(app, token, &query(case, expected)).await;
        assert!(
            answer.iter().all(|t| !t.starts_with("内部")),
            "an internal article reached the portal: {answer:?}"
        );
        if answer.iter().take(3).any(|t| *t == expected.title) {
            found += 1;
        } else {
            eprintln!(
                "{label} miss: {} → expected {}, got {:?}",
                case.sentence,
                expected.title,
                answer.iter().take(3).collect::<Vec<_>>()
            );
        }
    }
    let recall = found as f64 / cases.len() as f64;
    eprintln!("{label}: recall@3 = {recall:.3} ({found}/{})", cases.len());
    recall
}

#[actix_web::test]
async fn customer_sentences_find_the_manual_article_that_answers_them() {
    let app = spawn_app().await;
    let admin = app.signup("Relevance", "kb-relevance@x.cn").await;
    let (_, customer) = app.portal_user(&admin, "kb-relevance@kehu.cn", "1").await;
    let articles: Vec<Article> = serde_json::from_str(MANUAL).unwrap();
    assert!(articles.len() >= 40);
    for a in &articles {
        let response = app
            .post(
                "/api/v1/kb/articles",
                &admin.token,
                json!({"module": a.module, "title": a.title, "body": a.body,
                       "visibility": a.visibility, "faq": a.faq, "status": "published"}),
            )
            .await;
        assert_eq!(response.status(), reqwest::StatusCode::CREATED, "{}", a.key);
    }
    let manual: HashMap<String, Article> =
        articles.into_iter().map(|a| (a.key.clone(), a)).collect();
    let cases: Vec<Case> = serde_json::from_str(SENTENCES).unwrap();
    assert!(cases.len() >= 60);

    // The portal search page: the sentence alone, as the page sends it.
    let search = recall_at_3(
        &app,
        &customer.token,
        "portal search",
        &cases,
        &manual,
        |c, _| format!("limit=20&q={}", enc(&c.sentence)),
    )
    .await;
    // The new-ticket form's suggestions: the subject and the module picked.
    let suggest = recall_at_3(
        &app,
        &customer.token,
        "suggestions",
        &cases,
        &manual,
        |c, a| format!("limit=5&q={}&module={}", enc(&c.sentence), a.module),
    )
    .await;
    assert!(search >= MIN_RECALL_AT_3, "portal search recall@3 {search}");
    assert!(suggest >= MIN_RECALL_AT_3, "suggestion recall@3 {suggest}");

    // The sentence with the form's old default module (系统设置):
    // the finance article still comes, the module only ranks.
    let sentence = enc("月末结账时凭证无法过账");
    let answer = titles(
        &app,
        &customer.token,
        &format!("limit=5&q={sentence}&module=system"),
    )
    .await;
    assert!(
        answer.contains(&manual["fin-post-voucher"].title),
        "{answer:?}"
    );
}
