//! A moto S3 server (the S3 API, from PyPI: `moto[server]`, installed by
//! `scripts/install-tools.sh`) for the tests that need real object storage:
//! the API tests' `storage` module and the cluster drills include this file.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A moto S3 server on a free loopback port, stopped when dropped.
pub struct Moto {
    child: Child,
    port: u16,
}

/// Where moto_server is: `STEWARD_MOTO_SERVER`, the tools folder
/// install-tools.sh fills, else the PATH.
fn moto_server() -> String {
    if let Ok(path) = std::env::var("STEWARD_MOTO_SERVER") {
        return path;
    }
    let tools = std::env::var("STEWARD_TOOLS_DIR").unwrap_or_else(|_| {
        format!(
            "{}/.cache/steward/tools",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let installed = format!("{tools}/moto/bin/moto_server");
    if std::path::Path::new(&installed).exists() {
        return installed;
    }
    "moto_server".into()
}

impl Moto {
    pub async fn start() -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let program = moto_server();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "the S3 tests need moto's S3 server and {program} cannot be started ({e}): \
                     run scripts/install-tools.sh (pip install 'moto[server]'), or point \
                     STEWARD_MOTO_SERVER at moto_server"
                )
            });
        let moto = Moto { child, port };
        let started = Instant::now();
        loop {
            if reqwest::get(moto.endpoint()).await.is_ok() {
                return moto;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not answer on port {port} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates `bucket` (object_store does not create buckets).
    pub async fn bucket(&self, bucket: &str) -> String {
        let r = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint()))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "creating {bucket}: {}", r.status());
        format!(
            "s3://{bucket}?endpoint={}&region=us-east-1&access_key_id=test&secret_access_key=test",
            self.endpoint()
        )
    }

    /// The keys in `bucket`, as S3's own listing gives them.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let xml = reqwest::get(format!("{}/{bucket}?list-type=2", self.endpoint()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        xml.split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_string()))
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
