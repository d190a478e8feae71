//! The `file://` store: a folder on this machine, files readable by this
//! user only (0600 in 0700 folders). A file is written under a temporary
//! name beside its place and renamed into it, so a reader (or `storage
//! migrate`) never sees half a file.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Object, StorageError, StorageResult};

/// Files being written; never listed.
const TEMP_PREFIX: &str = ".steward-tmp-";

pub(super) struct FileStore {
    root: PathBuf,
}

fn other(e: impl Into<anyhow::Error>) -> StorageError {
    StorageError::Other(e.into())
}

/// The size of the chunks a file is streamed in.
const CHUNK: usize = 64 * 1024;

fn io(key: &str, e: std::io::Error) -> StorageError {
    if e.kind() == ErrorKind::NotFound {
        StorageError::NotFound(key.to_string())
    } else {
        other(anyhow::Error::new(e).context(format!("stored file {key}")))
    }
}

impl FileStore {
    pub(super) fn new(root: PathBuf) -> FileStore {
        FileStore { root }
    }

    pub(super) fn path_of(&self, key: &str) -> StorageResult<PathBuf> {
        super::check_key(key)?;
        Ok(self.root.join(key))
    }

    /// Creates the folders down to `key`'s, each private.
    fn folders_for(&self, key: &str) -> StorageResult<PathBuf> {
        let path = self.path_of(key)?;
        crate::config::private_dir(&self.root).map_err(other)?;
        let mut dir = self.root.clone();
        let parts: Vec<&str> = key.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            dir.push(part);
            if !dir.is_dir() {
                crate::config::private_dir(&dir).map_err(other)?;
            }
        }
        Ok(path)
    }

    fn temp_beside(path: &Path) -> PathBuf {
        path.with_file_name(format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4()))
    }

    pub(super) async fn put(&self, key: &str, bytes: &[u8]) -> StorageResult<()> {
        let path = self.folders_for(key)?;
        let temp = Self::temp_beside(&path);
        let written = async {
            let mut file = create_private(&temp).await?;
            file.write_all(bytes).await?;
            file.flush().await?;
            tokio::fs::rename(&temp, &path).await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(io(key, e));
        }
        Ok(())
    }

    /// Moves (or, `keep`ing it, copies) the local file `from` in.
    pub(super) async fn put_file(&self, key: &str, from: &Path, keep: bool) -> StorageResult<()> {
        let path = self.folders_for(key)?;
        if !keep && tokio::fs::rename(from, &path).await.is_ok() {
            return make_private(&path).await.map_err(|e| io(key, e));
        }
        // Kept, or on another disk: copy under a temporary name, then rename.
        let temp = Self::temp_beside(&path);
        let copied = async {
            let mut source = tokio::fs::File::open(from).await?;
            let mut target = create_private(&temp).await?;
            tokio::io::copy(&mut source, &mut target).await?;
            target.flush().await?;
            tokio::fs::rename(&temp, &path).await
        }
        .await;
        if let Err(e) = copied {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(other(
                anyhow::Error::new(e).context(format!("storing {} as {key}", from.display())),
            ));
        }
        Ok(())
    }

    pub(super) async fn get(&self, key: &str) -> StorageResult<Vec<u8>> {
        tokio::fs::read(self.path_of(key)?)
            .await
            .map_err(|e| io(key, e))
    }

    pub(super) async fn get_stream(&self, key: &str) -> StorageResult<super::ByteStream> {
        let file = tokio::fs::File::open(self.path_of(key)?)
            .await
            .map_err(|e| io(key, e))?;
        let chunks = futures_util::stream::try_unfold(file, |mut file| async move {
            let mut chunk = vec![0u8; CHUNK];
            let n = file.read(&mut chunk).await?;
            if n == 0 {
                return Ok(None);
            }
            chunk.truncate(n);
            Ok(Some((bytes::Bytes::from(chunk), file)))
        });
        Ok(Box::pin(chunks))
    }

    pub(super) async fn head_bytes(&self, key: &str, len: u64) -> StorageResult<Vec<u8>> {
        let file = tokio::fs::File::open(self.path_of(key)?)
            .await
            .map_err(|e| io(key, e))?;
        let mut head = Vec::new();
        file.take(len)
            .read_to_end(&mut head)
            .await
            .map_err(|e| io(key, e))?;
        Ok(head)
    }

    pub(super) async fn fetch_to(&self, key: &str, to: &Path) -> StorageResult<()> {
        tokio::fs::copy(self.path_of(key)?, to)
            .await
            .map_err(|e| io(key, e))?;
        Ok(())
    }

    pub(super) async fn copy(&self, from: &str, to: &str) -> StorageResult<()> {
        let source = self.path_of(from)?;
        let path = self.folders_for(to)?;
        let temp = Self::temp_beside(&path);
        if let Err(e) = tokio::fs::copy(&source, &temp).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(io(from, e));
        }
        make_private(&temp).await.map_err(|e| io(to, e))?;
        tokio::fs::rename(&temp, &path).await.map_err(|e| io(to, e))
    }

    pub(super) async fn size_of(&self, key: &str) -> StorageResult<Option<u64>> {
        match tokio::fs::metadata(self.path_of(key)?).await {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(key, e)),
        }
    }

    pub(super) async fn delete(&self, key: &str) -> StorageResult<()> {
        match tokio::fs::remove_file(self.path_of(key)?).await {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(io(key, e)),
            _ => Ok(()),
        }
    }

    pub(super) async fn list(&self, prefix: &str) -> StorageResult<Vec<Object>> {
        let start = self.root.join(prefix.trim_end_matches('/'));
        let mut out = Vec::new();
        let mut folders = vec![(start, prefix.trim_end_matches('/').to_string())];
        while let Some((dir, key)) = folders.pop() {
            let mut entries = match tokio::fs::read_dir(&dir).await {
                Ok(entries) => entries,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(other(
                        anyhow::Error::new(e).context(format!("listing {}", dir.display())),
                    ))
                }
            };
            while let Some(entry) = entries
                .next_entry()
                .await
                .with_context(|| format!("listing {}", dir.display()))?
            {
                let name = entry.file_name().to_string_lossy().to_string();
                if name.starts_with(TEMP_PREFIX) {
                    continue;
                }
                let child = if key.is_empty() {
                    name
                } else {
                    format!("{key}/{name}")
                };
                let Ok(meta) = entry.metadata().await else {
                    continue;
                };
                if meta.is_dir() {
                    folders.push((entry.path(), child));
                } else if meta.is_file() {
                    let modified = meta
                        .modified()
                        .map(chrono::DateTime::<chrono::Utc>::from)
                        .unwrap_or_default();
                    out.push(Object {
                        key: child,
                        size: meta.len(),
                        modified,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// A new file readable by this user only (0600 on Unix).
async fn create_private(path: &Path) -> std::io::Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).await
}

async fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).await?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
