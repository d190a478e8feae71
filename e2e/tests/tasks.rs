//! `/tasks` in the browser: a CSM opens every task from "my work", narrows
//! the list by assignee, account, status and source (kept in the URL, so a
//! reload keeps them), and completes a task from the list.

use anyhow::{ensure, Context};
use chrono::{Duration, Utc};
use e2e::steps::{click_id, demo_token, log_in, page_api, select_value, signed_in};
use e2e::{scenario, Harness};
use serde_json::{json, Value};
use server::seed::DEMO_PASSWORD;

const CSM: &str = "csm1@demo.steward.local";
const MANAGER: &str = "manager@demo.steward.local";

async fn ok(
    h: &Harness,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let (status, value) = page_api(h, Some(token), method, path, body, false).await?;
    ensure!(
        (200..300).contains(&status),
        "{method} {path} answered {status}: {value}"
    );
    Ok(value)
}

/// Whether the task's row is on the page (after the list settles).
async fn shown(h: &Harness, id: i64) -> anyhow::Result<bool> {
    wait_settled(h).await?;
    let rows = h
        .browser
        .find_all(fantoccini::Locator::Css(&format!(
            "[data-testid=\"task-{id}\"]"
        )))
        .await?;
    Ok(!rows.is_empty())
}

/// Waits until the page's API requests are answered and the list is drawn.
async fn wait_settled(h: &Harness) -> anyhow::Result<()> {
    // The list starts over a moment after a filter changes the URL.
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    for _ in 0..100 {
        let state = h
            .browser
            .execute(
                "return [window.stewardInFlight || 0,
                         !!document.querySelector('[data-testid=tasks-list],[data-testid=tasks-empty],[data-testid=tasks-no-match]')];",
                vec![],
            )
            .await?;
        if state[0] == json!(0) && state[1] == json!(true) {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the task list never settled")
}

#[actix_web::test]
async fn the_task_list_filters_by_assignee_account_status_and_source() {
    scenario("tasks_page", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let csm = demo_token(h, CSM).await?;
        let manager = demo_token(h, MANAGER).await?;
        let me = ok(h, &manager, "GET", "/me", Value::Null).await?;
        let manager_id = me["user"]["id"].as_i64().context("the manager's id")?;
        let accounts = ok(h, &csm, "GET", "/accounts?limit=2", Value::Null).await?;
        let account = accounts["items"][0]["id"].as_i64().context("an account")?;
        let due = |days: i64| (Utc::now() - Duration::days(days)).to_rfc3339();
        let task = |title: &str, days: i64| {
            json!({"account_id": account, "title": title, "task_type": "call", "due_at": due(days)})
        };
        let mine = ok(h, &csm, "POST", "/tasks", task("回访客户：确认上线进度", 40)).await?;
        let mine = mine["id"].as_i64().context("my task")?;
        let mut theirs = task("经理复核续约报价", 41);
        theirs["assignee_id"] = json!(manager_id);
        let theirs = ok(h, &csm, "POST", "/tasks", theirs).await?;
        let theirs = theirs["id"].as_i64().context("the manager's task")?;
        let done = ok(h, &csm, "POST", "/tasks", task("发送培训资料", 42)).await?;
        let done = done["id"].as_i64().context("a done task")?;
        ok(h, &csm, "POST", &format!("/tasks/{done}/complete"), json!({})).await?;

        // From "my work" to every task: by default my open ones.
        log_in(h, CSM, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.wait_for_path("/my-work").await?;
        click_id(h, "my-work-all-tasks").await?;
        h.wait_for_path("/tasks").await?;
        ensure!(shown(h, mine).await?, "my open task is listed");
        ensure!(!shown(h, theirs).await?, "someone else's task is not");
        ensure!(!shown(h, done).await?, "a done task is not");

        // Anyone's, on one account: the manager's task too; kept on reload.
        select_value(h, "tasks-assignee", "anyone").await?;
        wait_settled(h).await?;
        h.css(&format!("[data-testid=\"tasks-account\"] option[value=\"{account}\"]"))
            .await
            .context("the account among the choices")?;
        select_value(h, "tasks-account", &account.to_string()).await?;
        ensure!(shown(h, theirs).await?, "anyone's tasks include the manager's");
        ensure!(shown(h, mine).await?, "…and mine");
        let url = h.browser.current_url().await?;
        ensure!(
            url.query().unwrap_or_default().contains("assignee=anyone")
                && url.query().unwrap_or_default().contains(&format!("account_id={account}")),
            "the filters are in the URL: {url}"
        );
        h.goto(&format!("{}?{}", url.path(), url.query().unwrap_or_default()))
            .await?;
        ensure!(shown(h, theirs).await?, "a reload keeps the filters");

        // A person: only the manager's.
        h.css(&format!("[data-testid=\"tasks-assignee\"] option[value=\"{manager_id}\"]"))
            .await
            .context("the manager among the people")?;
        select_value(h, "tasks-assignee", &manager_id.to_string()).await?;
        ensure!(!shown(h, mine).await?, "a person's list leaves mine out");
        ensure!(shown(h, theirs).await?, "…and keeps theirs");

        // Done ones, with their status and without actions.
        select_value(h, "tasks-assignee", "me").await?;
        select_value(h, "tasks-status", "done").await?;
        ensure!(shown(h, done).await?, "the done task");
        ensure!(!shown(h, mine).await?, "no open task among the done ones");
        ensure!(
            h.browser
                .find_all(fantoccini::Locator::Css(&format!("[data-testid=\"task-{done}-done\"]")))
                .await?
                .is_empty(),
            "a done task has no quick actions"
        );

        // Made by a playbook: none here; clearing the filters goes back.
        select_value(h, "tasks-status", "any").await?;
        select_value(h, "tasks-source", "playbook").await?;
        wait_settled(h).await?;
        h.testid("tasks-no-match").await.context("nothing matches")?;
        click_id(h, "clear-filters").await?;
        h.wait_for_path_where("the filters off", |p| p == "/tasks").await?;
        ensure!(shown(h, mine).await?, "my open task again");

        // The row's actions are "my work"'s: complete it here.
        click_id(h, &format!("task-{mine}-done")).await?;
        click_id(h, &format!("task-{mine}-confirm")).await?;
        let mut gone = false;
        for _ in 0..50 {
            if !shown(h, mine).await? {
                gone = true;
                break;
            }
        }
        ensure!(gone, "the completed task leaves the open list");
        let task = ok(h, &csm, "GET", &format!("/tasks/{mine}"), Value::Null).await?;
        ensure!(task["status"] == "done", "completed: {task}");

        // On a phone the filters stack and nothing scrolls sideways.
        h.browser.set_window_size(390, 844).await?;
        h.goto("/tasks?assignee=anyone&status=any").await?;
        wait_settled(h).await?;
        let sizes = h
            .browser
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await?;
        ensure!(
            sizes[0].as_i64() <= sizes[1].as_i64(),
            "the task list fits a phone: {sizes}"
        );
        h.screenshot("tasks-390").await?;
        Ok(())
    })
    .await;
}
