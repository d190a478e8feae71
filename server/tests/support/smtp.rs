//! A real SMTP server for the tests (mailin-embedded on a loopback port)
//! that keeps every message it receives; shared by the API tests and the
//! cluster drills.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Messages received by the test SMTP server.
#[derive(Clone, Default)]
pub struct MailSink {
    pub messages: Arc<Mutex<Vec<Mail>>>,
}

#[derive(Clone, Debug)]
pub struct Mail {
    pub to: Vec<String>,
    /// The raw message as received.
    pub data: String,
}

impl Mail {
    /// The decoded text body (transfer encodings undone).
    pub fn body(&self) -> String {
        let parsed = mailparse::parse_mail(self.data.as_bytes()).expect("a MIME message");
        if parsed.subparts.is_empty() {
            parsed.get_body().unwrap()
        } else {
            parsed
                .subparts
                .iter()
                .map(|p| p.get_body().unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        let parsed = mailparse::parse_mail(self.data.as_bytes()).ok()?;
        use mailparse::MailHeaderMap;
        parsed.headers.get_first_value(name)
    }
}

#[derive(Clone)]
struct SmtpHandler {
    sink: MailSink,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for SmtpHandler {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let mail = Mail {
            to: std::mem::take(&mut self.to),
            data: String::from_utf8_lossy(&self.data).into_owned(),
        };
        self.sink.messages.lock().unwrap().push(mail);
        mailin_embedded::response::OK
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> mailin_embedded::Response {
        mailin_embedded::response::OK
    }
}

/// A real SMTP server on `port` (0: any free one) collecting what it receives.
pub fn start_smtp_on(port: u16) -> (u16, MailSink) {
    let sink = MailSink::default();
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = SmtpHandler {
        sink: sink.clone(),
        to: vec![],
        data: vec![],
    };
    let mut server = mailin_embedded::Server::new(handler);
    server
        .with_name("smtp.test")
        .with_num_threads(2)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, sink)
}

impl MailSink {
    /// Waits (up to 10 s) until a message to `to` has arrived and returns it.
    pub async fn wait_for(&self, to: &str) -> Mail {
        for _ in 0..200 {
            if let Some(m) = self
                .messages
                .lock()
                .unwrap()
                .iter()
                .find(|m| m.to.iter().any(|t| t.contains(to)))
            {
                return m.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail to {to} arrived");
    }

    /// Waits (up to 10 s) for a mail to `to` with a `{path}?token=` link,
    /// takes it out of the sink (so later waits see only what comes next)
    /// and returns the link's token.
    pub async fn take_link(&self, to: &str, path: &str) -> String {
        let marker = format!("{path}?token=");
        for _ in 0..200 {
            {
                let mut messages = self.messages.lock().unwrap();
                let found = messages.iter().position(|m| {
                    m.to.iter().any(|t| t.contains(to)) && m.body().contains(&marker)
                });
                if let Some(i) = found {
                    return link_token(&messages.remove(i).body(), &marker);
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail to {to} with a {path} link arrived");
    }
}

impl MailSink {
    /// How many times each Message-ID arrived.
    pub fn message_id_counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for mail in self.messages.lock().unwrap().iter() {
            if let Some(id) = mail.header("Message-ID") {
                *counts.entry(id.trim().to_string()).or_default() += 1;
            }
        }
        counts
    }
}

/// The token of the first link in `body` that contains `marker` (such as
/// `/verify-email?token=`): what follows it, up to a space, quote or `<`.
pub fn link_token(body: &str, marker: &str) -> String {
    body.split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker} link in {body}"))
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_string()
}
