//! Merging and linking tickets on the ticket page (issue 15): a duplicate
//! is merged into another ticket found with the picker, a child is linked
//! to the ticket, and once it is resolved its open child is resolved with
//! one reply.

use anyhow::{ensure, Context};
use e2e::steps::{click_el, click_id, log_in, page_api, select_value, signed_in, wait_for_attr};
use e2e::{scenario, Harness};
use fantoccini::Locator;
use serde_json::{json, Value};
use server::seed::{self, BenchSize};

async fn api(
    h: &Harness,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let (status, body) = page_api(h, Some(token), method, path, body, false).await?;
    ensure!(
        (200..300).contains(&status),
        "{method} {path}: {status} {body}"
    );
    Ok(body)
}

/// Types into the picker `testid`, waits until it offers ticket `id`
/// alone (the search has answered) and chooses it.
async fn pick(h: &Harness, testid: &str, number: i64, id: i64) -> anyhow::Result<()> {
    let search = h.testid(&format!("{testid}-search")).await?;
    search.send_keys(&format!("#{number}")).await?;
    let selector = format!("[data-testid=\"{testid}-candidates\"] [data-testid=\"candidate\"]");
    for _ in 0..100 {
        let offered = h.browser.find_all(Locator::Css(&selector)).await?;
        if let [only] = &offered[..] {
            if only.attr("data-ticket-id").await.ok().flatten() == Some(id.to_string()) {
                let input = only.find(Locator::Css("input")).await?;
                if click_el(h, &input).await.is_ok() {
                    return Ok(());
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the {testid} picker never offered ticket {id} alone")
}

#[actix_web::test]
async fn a_duplicate_is_merged_a_child_linked_and_resolved_with_one_reply() {
    scenario("ticket_links", async |h| {
        seed::bench(
            &h.state.db,
            BenchSize {
                accounts: 2,
                ..Default::default()
            },
        )
        .await?;
        log_in(h, seed::BENCH_ADMIN, seed::BENCH_PASSWORD).await?;
        signed_in(h).await?;
        let (status, login) = page_api(
            h,
            None,
            "POST",
            "/auth/login",
            json!({"email": seed::BENCH_ADMIN, "password": seed::BENCH_PASSWORD}),
            false,
        )
        .await?;
        ensure!(status == 200, "login: {status} {login}");
        let token = login["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let accounts = api(h, &token, "GET", "/accounts?limit=1", Value::Null).await?;
        let account_id = accounts["items"][0]["id"].as_i64().context("an account")?;
        let mut made = Vec::new();
        for subject in [
            "E2E 凭证过账失败",
            "E2E 无法过账（重复）",
            "E2E 下级：月末结账失败",
        ] {
            let t = api(
                h,
                &token,
                "POST",
                "/tickets",
                json!({"account_id": account_id, "module": "finance", "category": "bug",
                       "priority": "p3", "subject": subject}),
            )
            .await?;
            made.push((
                t["id"].as_i64().context("id")?,
                t["number"].as_i64().context("number")?,
            ));
        }
        let [(target, target_number), (dup, _), (child, child_number)] = made[..] else {
            anyhow::bail!("three tickets");
        };

        // Merge the duplicate into the target through the picker.
        h.goto(&format!("/tickets/{dup}")).await?;
        click_id(h, "merge-open").await?;
        pick(h, "merge", target_number, target).await?;
        click_id(h, "merge-confirm").await?;
        h.testid_text_where("ticket-merged-into", |t| {
            t.contains(&format!("#{target_number}"))
        })
        .await?;
        wait_for_attr(
            h,
            "[data-testid=\"ticket-status\"] [data-status]",
            "data-status",
            "closed",
        )
        .await?;
        ensure!(
            h.browser
                .find(Locator::Css("[data-testid=\"merge-action\"]"))
                .await
                .is_err(),
            "a merged ticket offers no second merge"
        );

        // On the target: link the child, see it listed.
        h.goto(&format!("/tickets/{target}")).await?;
        h.testid("links-empty").await?;
        click_id(h, "link-open").await?;
        select_value(h, "link-kind", "child").await?;
        pick(h, "link", child_number, child).await?;
        click_id(h, "link-add").await?;
        h.css(&format!(
            "[data-testid=\"link\"][data-kind=\"child\"][data-ticket-id=\"{child}\"]"
        ))
        .await
        .context("the child is listed")?;
        h.testid("resolve-parent-first").await?;

        // Resolve the parent, then its open child with one reply.
        select_value(h, "status-select", "resolved").await?;
        click_id(h, "status-apply").await?;
        h.testid("resolve-children-form").await?;
        h.fill("children-reply", "补丁已发布，请更新后重试。")
            .await?;
        click_id(h, "children-submit").await?;
        wait_for_attr(
            h,
            &format!("[data-testid=\"link\"][data-ticket-id=\"{child}\"] [data-status]"),
            "data-status",
            "resolved",
        )
        .await?;
        let comments = api(
            h,
            &token,
            "GET",
            &format!("/tickets/{child}/comments"),
            Value::Null,
        )
        .await?;
        ensure!(
            comments.as_array().is_some_and(|c| c
                .iter()
                .any(|c| c["body"] == "补丁已发布，请更新后重试。" && c["internal"] == false)),
            "the child got the reply: {comments}"
        );
        Ok(())
    })
    .await;
}
