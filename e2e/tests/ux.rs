//! The rough edges of issue 11, as a user meets them: where each role lands,
//! the portal at desktop and phone widths (no sideways scrolling), page
//! titles and focus after navigation, and an axe-core run (WCAG 2.1 A/AA)
//! over the main pages.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, ensure, Context};
use e2e::steps::{click_id, log_in, log_out, signed_in};
use e2e::{scenario, Harness};
use serde_json::{json, Value};
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

const PORTAL: &str = "portal@demo.steward.local";

/// Calls the API from the page (same origin): `(status, body)`.
async fn api(
    h: &Harness,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<(u64, Value)> {
    e2e::steps::page_api(h, token, method, path, body, false).await
}

async fn token_of(h: &Harness, email: &str) -> anyhow::Result<(String, i64)> {
    let (status, body) = api(
        h,
        None,
        "POST",
        "/auth/login",
        json!({"email": email, "password": DEMO_PASSWORD}),
    )
    .await?;
    ensure!(status == 200, "login of {email}: {status} {body}");
    Ok((
        body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        body["user"]["id"].as_i64().unwrap_or_default(),
    ))
}

/// Waits for the element with this test id (or, failing that, this id).
async fn wait_ready(h: &Harness, name: &str) -> anyhow::Result<()> {
    h.css(&format!("[data-testid=\"{name}\"], #{name}")).await?;
    Ok(())
}

async fn current_url(h: &Harness) -> anyhow::Result<String> {
    let url = h.browser.current_url().await?;
    Ok(format!(
        "{}{}",
        url.path(),
        url.query().map(|q| format!("?{q}")).unwrap_or_default()
    ))
}

#[actix_web::test]
async fn each_role_lands_where_its_work_is() {
    scenario("ux_landing", async |h| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        for (email, want) in [
            ("engineer1@demo.steward.local", "/my-work"),
            ("csm1@demo.steward.local", "/my-work"),
            ("manager@demo.steward.local", "/dashboard"),
            (DEMO_ADMIN, "/dashboard"),
            (PORTAL, "/portal"),
        ] {
            let (_, id) = token_of(h, email).await?;
            log_in(h, email, DEMO_PASSWORD).await?;
            signed_in(h).await?;
            // "/" sends them to the same place.
            let landed = current_url(h).await?;
            let expected = if want.ends_with('=') {
                format!("{want}{id}")
            } else {
                want.to_string()
            };
            ensure!(
                landed == expected,
                "{email} landed on {landed}, not {expected}"
            );
            h.goto("/").await?;
            h.wait_for_path_where("the landing page", |p| p != "/")
                .await?;
            let again = current_url(h).await?;
            ensure!(again == expected, "{email}: / led to {again}");
            log_out(h).await?;
        }
        Ok(())
    })
    .await;
}

/// Fails when the page is wider than its window (a sideways scrollbar).
async fn fits_the_window(h: &Harness, what: &str) -> anyhow::Result<()> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let sizes = h
        .browser
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await?;
    let (scroll, inner) = (
        sizes[0].as_i64().unwrap_or(0),
        sizes[1].as_i64().unwrap_or(0),
    );
    ensure!(
        scroll <= inner,
        "{what} is {scroll}px wide in a {inner}px window"
    );
    Ok(())
}

#[actix_web::test]
async fn portal_pages_never_scroll_sideways_on_desktop_or_phone() {
    scenario("ux_portal_layout", async |h| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let (token, _) = token_of(h, PORTAL).await?;
        let (status, ticket) = api(
            h,
            Some(&token),
            "POST",
            "/portal/tickets",
            json!({"module": "finance", "category": "question", "priority": "p3",
                   "subject": "月末结账时凭证无法过账", "description": "期末结账提示有未过账凭证。"}),
        )
        .await?;
        ensure!(status == 201, "a portal ticket: {status} {ticket}");
        let id = ticket["id"].as_i64().context("ticket id")?;
        log_in(h, PORTAL, DEMO_PASSWORD).await?;
        h.wait_for_path("/portal").await?;
        let pages = [
            ("/portal", "portal-heading"),
            ("/portal/tickets", "portal-tickets-heading"),
            (&format!("/portal/tickets/{id}") as &str, "attachments"),
            ("/portal/tickets/new", "ticket-subject"),
            ("/portal/kb", "portal-kb-heading"),
        ];
        for (width, height) in [(1425, 900), (375, 812)] {
            h.browser.set_window_size(width, height).await?;
            for (path, ready) in pages {
                h.goto(path).await?;
                wait_ready(h, ready)
                    .await
                    .with_context(|| format!("{path} at {width}px"))?;
                fits_the_window(h, &format!("{path} at {width}px")).await?;
            }
        }
        // The manual's search is kept in the URL: a link shows the results.
        h.browser.set_window_size(1280, 900).await?;
        h.goto("/portal/kb?q=%E6%9C%88%E6%9C%AB%E7%BB%93%E8%B4%A6%E6%97%B6%E5%87%AD%E8%AF%81%E6%97%A0%E6%B3%95%E8%BF%87%E8%B4%A6")
            .await?;
        h.testid("kb-result")
            .await
            .context("a sentence in the URL finds the manual's articles")?;
        let typed = h
            .browser
            .execute(
                "return document.querySelector('[data-testid=kb-search]').value;",
                vec![],
            )
            .await?;
        ensure!(
            typed.as_str() == Some("月末结账时凭证无法过账"),
            "the search box shows the URL's sentence: {typed}"
        );
        h.fill("kb-search", "过账").await?;
        let mut url = String::new();
        for _ in 0..50 {
            url = current_url(h).await?;
            if url.ends_with("/portal/kb?q=%E8%BF%87%E8%B4%A6") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ensure!(
            url.ends_with("/portal/kb?q=%E8%BF%87%E8%B4%A6"),
            "a new search goes into the URL: {url}"
        );
        // The portal's home link and the upload control's visible focus.
        h.goto(&format!("/portal/tickets/{id}")).await?;
        click_id(h, "nav-portal-home").await?;
        h.wait_for_path_where("the portal home", |p| p == "/portal").await?;
        h.goto(&format!("/portal/tickets/{id}")).await?;
        h.testid("attachment-upload").await?;
        let outline = h
            .browser
            .execute(
                "const input = document.querySelector('[data-testid=attachment-upload]');
                 input.focus();
                 const label = document.querySelector('label[for=attachment-upload]');
                 return getComputedStyle(label).outlineStyle;",
                vec![],
            )
            .await?;
        ensure!(
            outline.as_str() == Some("solid"),
            "the upload button shows keyboard focus: {outline}"
        );
        Ok(())
    })
    .await;
}

#[actix_web::test]
async fn pages_are_titled_and_focus_moves_to_the_new_page() {
    scenario("ux_titles_focus", async |h| {
        server::seed::demo(&h.state.db).await?;
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        let mut titles = Vec::new();
        for nav in ["nav-accounts", "nav-tickets", "nav-renewals"] {
            click_id(h, nav).await?;
            let mut state = Value::Null;
            for _ in 0..50 {
                state = h
                    .browser
                    .execute(
                        "const h1 = document.querySelector('main h1');
                         return [document.title, h1 ? h1.textContent.trim() : '',
                                 document.activeElement === h1,
                                 (document.querySelector('[data-testid=route-announcer]') || {}).textContent || ''];",
                        vec![],
                    )
                    .await?;
                if state[2] == json!(true) && !state[1].as_str().unwrap_or_default().is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let title = state[0].as_str().unwrap_or_default().to_string();
            let heading = state[1].as_str().unwrap_or_default().to_string();
            ensure!(state[2] == json!(true), "{nav}: focus on the heading: {state}");
            ensure!(
                title.starts_with(&heading) && title.ends_with("Steward") && title != "Steward",
                "{nav}: the title names the page: {state}"
            );
            ensure!(state[3].as_str() == Some(heading.as_str()), "{nav}: announced: {state}");
            titles.push(title);
        }
        titles.dedup();
        ensure!(titles.len() == 3, "each page its own title: {titles:?}");
        // The skip link is the first stop and leads into the main region.
        h.goto("/accounts").await?;
        h.testid("accounts-heading").await?;
        let first = h
            .browser
            .execute(
                "document.activeElement.blur();
                 const links = [...document.querySelectorAll('a[href], button, input, select, textarea')];
                 return links[0].getAttribute('data-testid');",
                vec![],
            )
            .await?;
        ensure!(first.as_str() == Some("skip-link"), "first focusable: {first}");
        // Focused, it shows on screen; followed, it moves focus to main.
        let inside = h
            .browser
            .execute(
                "const a = document.querySelector('[data-testid=skip-link]');
                 a.focus();
                 const shown = a.getBoundingClientRect().top >= 0;
                 a.click();
                 return shown ? document.activeElement.id : 'hidden when focused';",
                vec![],
            )
            .await?;
        ensure!(inside.as_str() == Some("main"), "focus moved to main: {inside}");
        Ok(())
    })
    .await;
}

fn axe_source() -> anyhow::Result<String> {
    let tools = std::env::var_os("STEWARD_TOOLS_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/steward/tools"))
        })
        .context("no HOME")?;
    let path = tools.join("node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).with_context(|| {
        format!(
            "axe-core is not installed ({} missing): run scripts/install-tools.sh",
            path.display()
        )
    })
}

/// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page; fails with each
/// violation and where it is.
async fn no_axe_violations(h: &Harness, axe: &str, page: &str) -> anyhow::Result<()> {
    tokio::time::sleep(Duration::from_millis(600)).await;
    h.browser.execute(axe, vec![]).await?;
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
            .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' +
                v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
            .catch(e => done(['axe failed: ' + e]));
    "#;
    let found = h.browser.execute_async(script, vec![]).await?;
    let found: Vec<String> = found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if !found.is_empty() {
        bail!(
            "{page}: {} axe violation(s):\n{}",
            found.len(),
            found.join("\n")
        );
    }
    Ok(())
}

#[actix_web::test]
async fn axe_finds_no_violations_on_the_main_pages() {
    scenario("ux_axe", async |h| {
        let axe = axe_source()?;
        server::seed::demo(&h.state.db).await?;
        let mut failures = Vec::new();
        h.goto("/login").await?;
        h.testid("login-form").await?;
        if let Err(e) = no_axe_violations(h, &axe, "login").await {
            failures.push(format!("{e:#}"));
        }
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto("/accounts").await?;
        h.testid("account-row").await?;
        let account = h
            .testid("account-link")
            .await?
            .attr("href")
            .await?
            .context("an account link")?;
        for (page, path, ready) in [
            ("accounts", "/accounts", "account-row"),
            ("tickets", "/tickets", "tickets-heading"),
            ("account", account.as_str(), "account-summary"),
            (
                "account tickets",
                &format!("{account}?tab=tickets") as &str,
                "account-tickets",
            ),
            ("approvals", "/approvals", "approvals-heading"),
            ("renewals", "/renewals", "renewals-heading"),
        ] {
            h.goto(path).await?;
            wait_ready(h, ready)
                .await
                .with_context(|| format!("{page} opens"))?;
            if let Err(e) = no_axe_violations(h, &axe, page).await {
                failures.push(format!("{e:#}"));
            }
        }
        log_out(h).await?;
        log_in(h, PORTAL, DEMO_PASSWORD).await?;
        h.wait_for_path("/portal").await?;
        for (page, path, ready) in [
            ("portal home", "/portal", "portal-heading"),
            ("portal new ticket", "/portal/tickets/new", "ticket-subject"),
        ] {
            h.goto(path).await?;
            h.testid(ready).await?;
            if let Err(e) = no_axe_violations(h, &axe, page).await {
                failures.push(format!("{e:#}"));
            }
        }
        ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
        Ok(())
    })
    .await;
}

/// The users list keeps its filters in the URL: choosing a role and typing
/// a search change the address, a reload keeps them, and a search that
/// matches nobody says so (with a way back) instead of an empty table.
#[actix_web::test]
async fn user_filters_live_in_the_url() {
    scenario("ux_user_filters", async |h| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto("/users").await?;
        h.testid("user-row").await?;
        e2e::steps::select_value(h, "filter-role", "engineer").await?;
        let mut url = String::new();
        for _ in 0..50 {
            url = current_url(h).await?;
            if url.ends_with("/users?role=engineer") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ensure!(
            url.ends_with("/users?role=engineer"),
            "role in the URL: {url}"
        );
        h.browser.refresh().await?;
        wait_ready(h, "users-table").await?;
        let rows = h
            .browser
            .find_all(fantoccini::Locator::Css("[data-testid=\"user-row\"]"))
            .await?;
        ensure!(!rows.is_empty(), "the demo has engineers");
        for row in rows {
            let role = row.attr("data-role").await?;
            ensure!(
                role.as_deref() == Some("engineer"),
                "only engineers after a reload: {role:?}"
            );
        }
        h.fill("users-search", "没有这个人").await?;
        h.testid("users-no-match")
            .await
            .context("a search that matches nobody says so")?;
        let url = current_url(h).await?;
        ensure!(
            url.contains("role=engineer") && url.contains("q="),
            "both filters in the URL: {url}"
        );
        click_id(h, "users-clear-filters").await?;
        h.testid("user-row").await?;
        ensure!(
            current_url(h).await?.ends_with("/users"),
            "cleared filters leave the URL"
        );
        Ok(())
    })
    .await;
}

/// The staff bar at a 1280 × 800 laptop, in English and in Chinese: no
/// part of it (nor the page) wider than the window, its menus' panels
/// inside the window when open; and at phone width the page still fits.
#[actix_web::test]
async fn the_staff_navigation_fits_a_laptop_in_both_languages() {
    scenario("ux_staff_nav", async |h| {
        server::seed::demo(&h.state.db).await?;
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        for (tag, width, height) in [("en", 1280, 800), ("zh-CN", 1280, 800), ("en", 390, 844)] {
            h.browser.set_window_size(width, height).await?;
            h.browser
                .execute(
                    "localStorage.setItem('steward.lang', arguments[0]);",
                    vec![json!(tag)],
                )
                .await?;
            h.goto("/accounts").await?;
            wait_ready(h, "accounts-heading").await?;
            h.testid("nav-admin").await?;
            let what = format!("the staff bar in {tag} at {width}px");
            fits_the_window(h, &what).await?;
            let edges = h
                .browser
                .execute(
                    "const nav = document.querySelector('nav.nav');
                     // A closed menu's panel is laid out but not shown.
                     const shown = [...document.querySelectorAll('.topbar *')].filter(e => {
                         const menu = e.closest('details');
                         return !menu || menu.open || e.closest('summary');
                     });
                     const right = Math.max(...shown.map(e => e.getBoundingClientRect().right));
                     const out = shown
                        .filter(e => e.getBoundingClientRect().right > window.innerWidth)
                        .map(e => e.tagName + '.' + e.className + ':' + (e.getAttribute('data-testid') || ''));
                     return [nav.scrollWidth, nav.clientWidth, Math.ceil(right), window.innerWidth,
                             nav.getBoundingClientRect().height, out];",
                    vec![],
                )
                .await?;
            let n = |k: usize| edges[k].as_f64().unwrap_or(f64::MAX);
            // A phone scrolls the row of sections by itself (the page does not).
            if width == 1280 {
                ensure!(n(0) <= n(1), "{what}: the nav scrolls sideways: {edges}");
                ensure!(n(2) <= n(3), "{what}: something sticks out: {edges}");
                // One row of sections (a link is about 36 px high).
                ensure!(n(4) < 60.0, "{what}: the sections wrap: {edges}");
            }
            for menu in ["nav-more", "nav-admin"] {
                click_id(h, menu).await?;
                let right = h
                    .browser
                    .execute(
                        "const panel = document.querySelector(`[data-testid=\"${arguments[0]}\"]`)
                            .parentElement.querySelector('.nav-menu-panel');
                         const r = panel.getBoundingClientRect();
                         return [r.left, r.right, r.width, window.innerWidth];",
                        vec![json!(menu)],
                    )
                    .await?;
                let r = |k: usize| right[k].as_f64().unwrap_or(f64::MAX);
                ensure!(
                    r(0) >= 0.0 && r(1) <= r(3) && r(2) > 0.0,
                    "{what}: {menu} opens inside the window: {right}"
                );
                fits_the_window(h, &format!("{what} with {menu} open")).await?;
                h.screenshot(&format!("staff-nav-{tag}-{width}-{menu}")).await?;
                click_id(h, menu).await?;
            }
            h.screenshot(&format!("staff-nav-{tag}-{width}")).await?;
        }
        // A link in a menu closes it once followed.
        h.browser.set_window_size(1280, 800).await?;
        e2e::steps::click_nav(h, "nav-tasks").await?;
        h.wait_for_path("/tasks").await?;
        let open = h
            .browser
            .execute(
                "return [...document.querySelectorAll('details.nav-menu')].some(d => d.open);",
                vec![],
            )
            .await?;
        ensure!(open == json!(false), "the menu closed after the link");
        Ok(())
    })
    .await;
}
