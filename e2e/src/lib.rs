//! The browser-test harness: a real Steward server (fresh SQLite database,
//! the built web app from `frontend/dist`) on a random port, a ChromeDriver
//! driving headless Chromium, and a runner that saves a screenshot of the
//! page when a scenario fails.

pub mod steps;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use server::config::Config;
use server::startup::Application;

pub const PASSWORD: &str = "correct horse battery";

/// The checkout this test runs in. `cargo test`/`cargo run` set
/// `CARGO_MANIFEST_DIR` when they start the binary, which is right even when
/// the binary was built from another checkout sharing the target directory
/// (the compile-time value is only the fallback).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running server and a browser session pointed at it.
pub struct Harness {
    pub base: String,
    pub browser: Client,
    pub state: server::state::AppState,
    driver: Child,
    scratch: PathBuf,
}

impl Harness {
    pub async fn start() -> anyhow::Result<Harness> {
        Harness::start_with(|_| {}).await
    }

    /// A harness whose server configuration `customize` changes first
    /// (another database, say).
    pub async fn start_with(customize: impl FnOnce(&mut Config)) -> anyhow::Result<Harness> {
        // Both ring and aws-lc-rs are linked (lettre, fantoccini); rustls
        // needs to be told which to use. A second call is a harmless no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dist = workspace_root().join("frontend/dist");
        if !dist.join("index.html").is_file() {
            bail!(
                "the web app is not built ({} missing): run scripts/build-frontend.sh",
                dist.join("index.html").display()
            );
        }
        let scratch = std::env::temp_dir().join(format!("steward-e2e-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&scratch)?;
        let mut config = Config {
            database_url: Some(format!(
                "sqlite://{}/steward.db?mode=rwc",
                scratch.display()
            )),
            bind: "127.0.0.1:0".into(),
            data_dir: scratch.join("data"),
            static_dir: dist,
            jwt_secret: Some("e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into()),
            scheduler: false,
            ..Config::default()
        };
        customize(&mut config);
        let app = Application::build(config).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());

        let port = free_port()?;
        let driver =
            Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("starting chromedriver (apt-get install chromium-driver)")?;
        let user_data = scratch.join("chromium");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US",
                    format!("--user-data-dir={}", user_data.display()),
                ],
                "prefs": {"intl.accept_languages": "en-US,en"}
            }
        });
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => bail!("capabilities must be an object"),
        };
        let mut browser = None;
        for _ in 0..100 {
            match ClientBuilder::rustls()?
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    browser = Some(client);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let browser = browser.context("could not connect to chromedriver")?;
        Ok(Harness {
            base,
            browser,
            state,
            driver,
            scratch,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn goto(&self, path: &str) -> anyhow::Result<()> {
        self.browser.goto(&self.url(path)).await?;
        Ok(())
    }

    /// Waits (up to 10 s) for the element with this `data-testid`.
    pub async fn testid(&self, id: &str) -> anyhow::Result<Element> {
        self.css(&format!("[data-testid=\"{id}\"]")).await
    }

    pub async fn css(&self, selector: &str) -> anyhow::Result<Element> {
        self.browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(selector))
            .await
            .with_context(|| format!("waiting for {selector}"))
    }

    pub async fn fill(&self, id: &str, text: &str) -> anyhow::Result<()> {
        let input = self.testid(id).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Clicks the element with this `data-testid`. A list that re-renders
    /// (a debounced search answering) can replace the element between
    /// finding and clicking it; the click is then retried on the new one.
    pub async fn click(&self, id: &str) -> anyhow::Result<()> {
        let mut attempt = 0;
        loop {
            match self.testid(id).await?.click().await {
                Ok(()) => return Ok(()),
                Err(e) if attempt < 20 && is_stale(&e) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Waits (up to 10 s) until the element with this `data-testid` shows
    /// text that satisfies `wanted`, reading it afresh each time, so a
    /// re-render in between is waited out rather than failing as stale.
    pub async fn testid_text_where(
        &self,
        id: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(element) = self.testid(id).await {
                match element.text().await {
                    Ok(text) if wanted(&text) => return Ok(text),
                    Ok(text) => last = text,
                    Err(e) if is_stale(&e) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{id} never showed what was expected; it shows {last:?}")
    }

    /// Waits until the page's URL path starts with `prefix`.
    pub async fn wait_for_path(&self, prefix: &str) -> anyhow::Result<String> {
        self.wait_for_path_where(prefix, |path| path.starts_with(prefix))
            .await
    }

    /// Waits until the page's URL path satisfies `wanted` (`what` names it
    /// in the error).
    pub async fn wait_for_path_where(
        &self,
        what: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let mut last = String::new();
        for _ in 0..100 {
            let url = self.browser.current_url().await?;
            last = url.path().to_string();
            if wanted(&last) {
                return Ok(last);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("expected to reach {what}, still at {last}")
    }

    /// Waits until the page's text contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) -> anyhow::Result<()> {
        let mut last = String::new();
        for _ in 0..100 {
            last = self.body_text().await.unwrap_or_default();
            if last.contains(needle) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "the page never showed {needle:?}; it shows: {}",
            last.chars().take(600).collect::<String>()
        )
    }

    pub async fn body_text(&self) -> anyhow::Result<String> {
        Ok(self
            .browser
            .find(Locator::Css("body"))
            .await?
            .text()
            .await?)
    }

    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = workspace_root().join("e2e/screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.browser.screenshot().await?)?;
        Ok(path)
    }

    pub async fn stop(mut self) {
        let _ = self.browser.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    e.to_string().contains("stale element")
}

/// Runs a scenario; on failure saves `e2e/screenshots/<name>.png` and fails
/// with the scenario's error.
pub async fn scenario<F>(name: &str, body: F)
where
    F: AsyncFnOnce(&Harness) -> anyhow::Result<()>,
{
    let harness = match Harness::start().await {
        Ok(h) => h,
        Err(e) => panic!("{name}: the harness did not start: {e:#}"),
    };
    let outcome = body(&harness).await;
    if let Err(e) = &outcome {
        let shot = harness.screenshot(name).await;
        let url = harness
            .browser
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        harness.stop().await;
        panic!("{name} failed at {url}: {e:#}\nscreenshot: {shot:?}");
    }
    harness.stop().await;
}
