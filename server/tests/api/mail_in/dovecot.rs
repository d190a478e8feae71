//! A throwaway Dovecot IMAP server for the tests: its own config, mail and
//! state in a temp folder, plain IMAP and IMAP over TLS (imaps) on free
//! loopback ports, one user (`support` / `secret`). The TLS certificate is
//! made at start by a test CA of its own (`ca_file`), with the `openssl`
//! command (Dovecot's packages depend on it). Mail is delivered as Maildir
//! files. Stopped (killed) when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const USER: &str = "support";
pub const PASSWORD: &str = "secret-imap-password";

pub struct Dovecot {
    child: Child,
    pub dir: PathBuf,
    /// Plain IMAP.
    pub port: u16,
    /// IMAP over TLS, with a certificate for 127.0.0.1 signed by `ca_file`.
    pub tls_port: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

fn id_of(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the openssl command (installed with Dovecot)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A new CA in `dir` (`{name}.pem`, `{name}.key`), trusted by nobody yet.
pub fn make_ca(dir: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let (pem, key) = (format!("{name}.pem"), format!("{name}.key"));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &pem,
            "-days",
            "2",
            "-subj",
            &format!("/CN=Steward test {name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    dir.join(pem)
}

/// The server's key and certificate (`server.key`, `server.pem`) for
/// 127.0.0.1 and localhost, signed by the CA `ca` made by [`make_ca`].
fn make_server_certificate(dir: &Path, ca: &str) {
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    let serial = format!("0x{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-set_serial",
            &serial,
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

impl Dovecot {
    pub fn start() -> Dovecot {
        Dovecot::start_with("")
    }

    /// The CA (PEM) that signed the TLS port's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("tls").join("ca.pem")
    }

    /// Started with `extra` lines appended to its configuration.
    pub fn start_with(extra: &str) -> Dovecot {
        let binary = Path::new("/usr/sbin/dovecot");
        assert!(
            binary.exists(),
            "Dovecot is not installed: apt-get install -y dovecot-imapd (scripts/install-tools.sh)"
        );
        // Short: Dovecot's Unix sockets live under it (108-byte path limit).
        let short = uuid::Uuid::new_v4().simple().to_string();
        let dir = PathBuf::from(format!("/tmp/sd-{}", &short[..12]));
        std::fs::create_dir_all(dir.join("mail")).unwrap();
        let port = free_port();
        let tls_port = free_port();
        make_ca(&dir.join("tls"), "ca");
        make_server_certificate(&dir.join("tls"), "ca");
        let d = dir.display();
        std::fs::write(
            dir.join("passwd"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"),
        )
        .unwrap();
        let (users, mail_owner) = if is_root() {
            (
                "default_internal_user = dovecot\ndefault_login_user = dovenull\n".to_string(),
                "uid=nobody gid=nogroup".to_string(),
            )
        } else {
            let (user, group, uid) = (id_of("-un"), id_of("-gn"), id_of("-u"));
            (
                format!(
                    "default_internal_user = {user}\ndefault_login_user = {user}\n\
                     default_internal_group = {group}\nfirst_valid_uid = {uid}\n"
                ),
                format!("uid={uid} gid={}", id_of("-g")),
            )
        };
        let config = format!(
            "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\n\
             instance_name = dovecot-test-{port}\nlog_path = {d}/dovecot.log\n\
             ssl = yes\nssl_cert = <{d}/tls/server.pem\nssl_key = <{d}/tls/server.key\n\
             ssl_min_protocol = TLSv1.2\n\
             disable_plaintext_auth = no\nauth_mechanisms = plain login\n{users}\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = {mail_owner} home={d}/mail/%u\n}}\n\
             mail_location = maildir:~/Maildir\nservice anvil {{\n  chroot =\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
             inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes\n  }}\n}}\n{extra}"
        );
        std::fs::write(dir.join("dovecot.conf"), config).unwrap();
        let maildir = dir.join("mail").join(USER).join("Maildir");
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        if is_root() {
            // The auth process reads the passwd file; mail must not be root's.
            Command::new("chmod").arg("755").arg(&dir).status().unwrap();
            Command::new("chown")
                .args(["-R", "nobody:nogroup"])
                .arg(dir.join("mail"))
                .status()
                .unwrap();
        }
        let child = Command::new(binary)
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let dovecot = Dovecot {
            child,
            dir,
            port,
            tls_port,
        };
        // Ready once it greets (a readiness wait, not a timed assertion).
        for _ in 0..200 {
            if let Ok(stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                use std::io::Read;
                let mut stream = stream;
                stream
                    .set_read_timeout(Some(Duration::from_secs(2)))
                    .unwrap();
                let mut buf = [0u8; 64];
                if stream
                    .read(&mut buf)
                    .is_ok_and(|n| buf[..n].starts_with(b"* OK"))
                    && std::net::TcpStream::connect(("127.0.0.1", tls_port)).is_ok()
                {
                    return dovecot;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(dovecot.dir.join("dovecot.log")).unwrap_or_default();
        panic!("Dovecot did not start on port {port}: {log}");
    }

    /// Delivers a message the way an MTA does: written to `tmp`, renamed
    /// into `new`.
    pub fn deliver(&self, raw: &[u8]) {
        let maildir = self.dir.join("mail").join(USER).join("Maildir");
        let name = format!("{}.steward-test", uuid::Uuid::new_v4().simple());
        let tmp = maildir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).unwrap();
        if is_root() {
            Command::new("chown")
                .args(["nobody:nogroup"])
                .arg(&tmp)
                .status()
                .unwrap();
        }
        std::fs::rename(&tmp, maildir.join("new").join(&name)).unwrap();
    }

    fn maildir(&self) -> PathBuf {
        self.dir.join("mail").join(USER).join("Maildir")
    }

    /// Messages in INBOX, read or not.
    pub fn in_inbox(&self) -> usize {
        count_messages(&self.maildir())
    }

    /// Messages in a folder, by its name on disk (Maildir++: the IMAP name,
    /// modified UTF-7 for other than ASCII, behind a dot).
    pub fn in_folder(&self, on_disk: &str) -> usize {
        count_messages(&self.maildir().join(format!(".{on_disk}")))
    }

    /// Messages Dovecot holds flagged \Seen in INBOX (Maildir `cur` files
    /// with `S`).
    pub fn seen(&self) -> usize {
        count_seen(&self.maildir())
    }

    /// Messages flagged \Seen in a folder, by its name on disk.
    pub fn seen_in(&self, on_disk: &str) -> usize {
        count_seen(&self.maildir().join(format!(".{on_disk}")))
    }

    /// What the server offers once logged in (its CAPABILITY answer).
    pub fn capabilities(&self) -> String {
        use std::io::{BufRead, BufReader, Write};
        let stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut answer = String::new();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        for (tag, command) in [
            ("a", format!("LOGIN {USER} {PASSWORD}")),
            ("b", "CAPABILITY".to_string()),
            ("c", "LOGOUT".to_string()),
        ] {
            write!(writer, "{tag} {command}\r\n").unwrap();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap() == 0 {
                    return answer;
                }
                if tag == "b" && line.starts_with("* CAPABILITY") {
                    answer = line.trim().to_string();
                }
                if line.starts_with(&format!("{tag} ")) {
                    break;
                }
            }
        }
        answer
    }
}

fn count_messages(maildir: &Path) -> usize {
    ["new", "cur"]
        .iter()
        .map(|sub| {
            std::fs::read_dir(maildir.join(sub))
                .map(|d| d.filter_map(Result::ok).count())
                .unwrap_or(0)
        })
        .sum()
}

fn count_seen(maildir: &Path) -> usize {
    std::fs::read_dir(maildir.join("cur"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    name.rsplit_once(":2,")
                        .is_some_and(|(_, flags)| flags.contains('S'))
                })
                .count()
        })
        .unwrap_or(0)
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master take its login and auth processes down.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
