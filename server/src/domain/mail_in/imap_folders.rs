//! IMAP folders: names on the wire (modified UTF-7, so `已处理` works), and
//! what becomes of fetched mail once processed — flagged `\Seen` where it
//! is, or moved to the channel's processed folder (`UID MOVE` where the
//! server offers it, else `UID COPY`, `\Deleted` and expunge), which is
//! created on first use.

use anyhow::Context;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use futures_util::StreamExt;

use super::imap_fetch::{timed, Session};

/// A folder name as IMAP sends it (RFC 3501 5.1.3): a name of printable
/// ASCII goes as typed (so a name already in modified UTF-7 keeps
/// working), any other is encoded — `已处理` is `&XfJZBHQG-`.
pub(super) fn mailbox_name(name: &str) -> String {
    if name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() * 2);
    let mut wide: Vec<u16> = Vec::new();
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush_wide(&mut out, &mut wide);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut units = [0u16; 2];
            wide.extend_from_slice(ch.encode_utf16(&mut units));
        }
    }
    flush_wide(&mut out, &mut wide);
    out
}

/// `&` + modified base64 of the UTF-16 (`,` for `/`, unpadded) + `-`.
fn flush_wide(out: &mut String, wide: &mut Vec<u16>) {
    if wide.is_empty() {
        return;
    }
    let bytes: Vec<u8> = wide.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    out.push_str(&STANDARD_NO_PAD.encode(bytes).replace('/', ","));
    out.push('-');
    wide.clear();
}

async fn store(session: &mut Session, uids: &str, flags: &str) -> anyhow::Result<()> {
    let stream = timed("flagging", session.uid_store(uids, flags)).await??;
    let answers: Vec<_> = timed("flagging", stream.collect::<Vec<_>>()).await?;
    for answer in answers {
        answer?;
    }
    Ok(())
}

/// Flags processed mail (a comma-separated UID set) read.
pub(super) async fn flag_seen(session: &mut Session, uids: &str) -> anyhow::Result<()> {
    store(session, uids, "+FLAGS.SILENT (\\Seen)").await
}

/// A channel's processed folder, ready to take mail: it exists, and what
/// the server offers for moving is known.
pub(super) struct ProcessedFolder {
    name: String,
    wire: String,
    r#move: bool,
    uidplus: bool,
}

impl ProcessedFolder {
    /// Creates the folder (and subscribes to it, so mail clients show it)
    /// when the server has none by that name.
    pub(super) async fn open(session: &mut Session, name: &str) -> anyhow::Result<ProcessedFolder> {
        let caps = timed("asking the server's capabilities", session.capabilities()).await??;
        let folder = ProcessedFolder {
            name: name.to_string(),
            wire: mailbox_name(name),
            r#move: caps.has_str("MOVE"),
            uidplus: caps.has_str("UIDPLUS"),
        };
        if !folder.exists(session).await? {
            let created = timed(
                "creating the processed folder",
                session.create(&folder.wire),
            )
            .await?;
            // Another replica may have created it meanwhile.
            if let Err(e) = created {
                if !folder.exists(session).await? {
                    return Err(e).with_context(|| format!("cannot create the folder {name}"));
                }
            } else {
                tracing::info!(folder = name, "created the processed-mail folder");
                let _ = timed("subscribing", session.subscribe(&folder.wire)).await;
            }
        }
        Ok(folder)
    }

    async fn exists(&self, session: &mut Session) -> anyhow::Result<bool> {
        // LIST takes a pattern: quoted, and the answers compared exactly.
        let pattern = format!(
            "\"{}\"",
            self.wire.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let stream = timed("listing folders", session.list(Some(""), Some(&pattern))).await??;
        let names: Vec<_> = timed("listing folders", stream.collect::<Vec<_>>()).await?;
        Ok(names
            .into_iter()
            .filter_map(Result::ok)
            .any(|n| n.name() == self.wire))
    }

    /// Moves processed mail here, read (flagged `\Seen` first: a move
    /// keeps the flags).
    /// When the move fails the mail is left unread where it was: the next
    /// run fetches it again (a duplicate: nothing new happens) and retries.
    pub(super) async fn take(&self, session: &mut Session, uids: &str) -> anyhow::Result<()> {
        flag_seen(session, uids).await?;
        let what = "moving processed mail";
        let moved = if self.r#move {
            timed(what, session.uid_mv(uids, &self.wire)).await
        } else {
            timed(what, session.uid_copy(uids, &self.wire)).await
        };
        if let Err(e) = moved.and_then(|answer| answer.map_err(anyhow::Error::from)) {
            let _ = store(session, uids, "-FLAGS.SILENT (\\Seen)").await;
            return Err(e).with_context(|| {
                format!("moving processed mail to the folder {} failed", self.name)
            });
        }
        if !self.r#move {
            // Copied; now remove the originals.
            store(session, uids, "+FLAGS.SILENT (\\Deleted)").await?;
            if self.uidplus {
                let stream = timed("expunging", session.uid_expunge(uids)).await??;
                let _: Vec<_> = timed("expunging", stream.collect::<Vec<_>>()).await?;
            } else {
                let stream = timed("expunging", session.expunge()).await??;
                let _: Vec<_> = timed("expunging", stream.collect::<Vec<_>>()).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::mailbox_name;

    #[test]
    fn folder_names_go_in_modified_utf7() {
        // RFC 3501's example, and the names Chinese mailboxes use.
        assert_eq!(
            mailbox_name("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(mailbox_name("已处理"), "&XfJZBHQG-");
        assert_eq!(mailbox_name("R&D 部"), "R&-D &kOg-");
        // ASCII goes as typed, an already encoded name included.
        assert_eq!(mailbox_name("Processed"), "Processed");
        assert_eq!(mailbox_name("&XfJZBHQG-"), "&XfJZBHQG-");
    }
}
