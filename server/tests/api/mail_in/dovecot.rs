//! A throwaway Dovecot IMAP server for the tests: its own config, mail and
//! state in a temp folder, plain IMAP on a free loopback port, one user
//! (`support` / `secret`). Mail is delivered as Maildir files. Stopped
//! (killed) when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const USER: &str = "support";
pub const PASSWORD: &str = "secret-imap-password";

pub struct Dovecot {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
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

impl Dovecot {
    pub fn start() -> Dovecot {
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
             instance_name = dovecot-test-{port}\nlog_path = {d}/dovecot.log\nssl = no\n\
             disable_plaintext_auth = no\nauth_mechanisms = plain login\n{users}\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = {mail_owner} home={d}/mail/%u\n}}\n\
             mail_location = maildir:~/Maildir\nservice anvil {{\n  chroot =\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
             inet_listener imaps {{\n    port = 0\n  }}\n}}\n"
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
        let dovecot = Dovecot { child, dir, port };
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

    /// Messages Dovecot holds flagged \Seen (Maildir `cur` files with `S`).
    pub fn seen(&self) -> usize {
        let cur = self.dir.join("mail").join(USER).join("Maildir").join("cur");
        std::fs::read_dir(cur)
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
