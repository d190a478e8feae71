//! Account pickers in a workspace with more accounts than one page of the
//! select holds: the search box finds the rest, and a ticket can be raised
//! for an account the first page does not show.

use anyhow::{ensure, Context};
use e2e::steps::{log_in, select_value, signed_in};
use e2e::{scenario, Harness};
use server::seed::{self, BenchSize};

/// The values of the select's account options (the placeholder left out).
async fn option_values(h: &Harness, testid: &str) -> anyhow::Result<Vec<String>> {
    let values = h
        .browser
        .execute(
            "return Array.from(document.querySelectorAll(`[data-testid=\"${arguments[0]}\"] option`))\
               .map(o => o.value).filter(v => v !== '');",
            vec![serde_json::json!(testid)],
        )
        .await?;
    Ok(serde_json::from_value(values)?)
}

async fn wait_for_options(
    h: &Harness,
    testid: &str,
    ok: impl Fn(&[String]) -> bool,
) -> anyhow::Result<Vec<String>> {
    let mut last = Vec::new();
    for _ in 0..100 {
        last = option_values(h, testid).await.unwrap_or_default();
        if ok(&last) {
            return Ok(last);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!(
        "{testid} never offered the expected accounts; it offers {} of them",
        last.len()
    )
}

#[actix_web::test]
async fn a_ticket_can_be_raised_for_an_account_beyond_the_pickers_first_page() {
    scenario("account_search", async |h| {
        seed::bench(
            &h.state.db,
            BenchSize {
                accounts: 230,
                ..Default::default()
            },
        )
        .await?;
        log_in(h, seed::BENCH_ADMIN, seed::BENCH_PASSWORD).await?;
        signed_in(h).await?;
        h.goto("/tickets/new").await?;
        let first_page = wait_for_options(h, "ticket-account", |v| v.len() >= 50).await?;
        ensure!(
            first_page.len() == 50,
            "the first page holds 50, not {}",
            first_page.len()
        );

        // Bench codes are the account's number, zero-padded to eight digits;
        // find one the first page left out by searching each candidate.
        let search = h.testid("ticket-account-search").await?;
        let mut found = None;
        for n in (1..=230).rev() {
            let code = format!("{n:08}");
            search.clear().await?;
            search.send_keys(&code).await?;
            let matches = wait_for_options(h, "ticket-account", |v| v.len() == 1).await?;
            if !first_page.contains(&matches[0]) {
                found = Some(matches[0].clone());
                break;
            }
        }
        let account_id = found.context("every account was on the first page")?;
        select_value(h, "ticket-account", &account_id).await?;

        // Clearing the search keeps the picked account in the select.
        search.clear().await?;
        search.send_keys(" ").await?;
        let after = wait_for_options(h, "ticket-account", |v| v.len() == 51).await?;
        ensure!(
            after.contains(&account_id),
            "the picked account left the select"
        );

        let name: String = serde_json::from_value(
            h.browser
                .execute(
                    "return document.querySelector(`[data-testid=\"ticket-account\"] option[value=\"${arguments[0]}\"]`).textContent.trim();",
                    vec![serde_json::json!(account_id)],
                )
                .await?,
        )?;
        select_value(h, "ticket-module", "finance").await?;
        h.fill("ticket-subject", "月末结账提示存在未过账凭证")
            .await?;
        h.fill("ticket-description", "总账月末结账时报错，凭证均已审核。")
            .await?;
        h.click("ticket-submit").await?;
        // The new ticket's page: /tickets/<number>.
        h.wait_for_path_where("the new ticket's page", |path| {
            path.strip_prefix("/tickets/")
                .is_some_and(|n| n.parse::<i64>().is_ok())
        })
        .await?;
        // The queue names the ticket's account though the pickers' page
        // lacks it (asked for by id).
        h.goto("/tickets").await?;
        h.wait_for_text(&name).await?;
        ensure!(
            !h.body_text().await?.contains(&format!("#{account_id}")),
            "the queue shows the account as #{account_id}, not by name"
        );
        Ok(())
    })
    .await;
}
