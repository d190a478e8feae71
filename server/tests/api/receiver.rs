//! A real HTTP receiver for webhook and chat-bot tests: a tiny HTTP/1.1
//! server on a loopback port that records every request and answers from
//! a script (then a default answer).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
}

impl Request {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// A query parameter of the target, URL-decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(&format!("http://x{}", self.target)).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

#[derive(Default)]
struct Inner {
    requests: Vec<Request>,
    script: VecDeque<(u16, String)>,
    default: (u16, String),
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    /// Starts a receiver answering `default_status` with `default_body`.
    pub async fn start(default_status: u16, default_body: &str) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://127.0.0.1:{}/hook",
            listener.local_addr().unwrap().port()
        );
        let inner = Arc::new(Mutex::new(Inner {
            default: (default_status, default_body.to_string()),
            ..Inner::default()
        }));
        let shared = inner.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, shared).await;
                });
            }
        });
        Receiver { url, inner }
    }

    /// The next answer (before the default).
    pub fn then(&self, status: u16, body: &str) {
        self.inner
            .lock()
            .unwrap()
            .script
            .push_back((status, body.to_string()));
    }

    pub fn answer(&self, status: u16, body: &str) {
        self.inner.lock().unwrap().default = (status, body.to_string());
    }

    pub fn requests(&self) -> Vec<Request> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// Waits (up to 30 s) until `n` requests have arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Request> {
        for _ in 0..600 {
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {n} requests at {}, got {}",
            self.url,
            self.requests().len()
        );
    }
}

async fn serve(mut stream: tokio::net::TcpStream, inner: Arc<Mutex<Inner>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let target = first.next().unwrap_or_default().to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let (status, answer) = {
        let mut inner = inner.lock().unwrap();
        inner.requests.push(Request {
            method,
            target,
            headers,
            body: String::from_utf8_lossy(&body).to_string(),
            received_at: chrono::Utc::now(),
        });
        let default = inner.default.clone();
        inner.script.pop_front().unwrap_or(default)
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
