//! Stored files: ticket attachments (uploads, mail-in files, signed visit
//! report PDFs) and import files, behind one interface chosen by
//! `STEWARD_STORAGE_URL`:
//!
//! - `file:///var/lib/steward` — a folder on this machine (the default is
//!   `file://<data_dir>`, the layout Steward always had: `attachments/…`,
//!   `imports/…`); files 0600 in 0700 folders. One machine only.
//! - `s3://bucket[/prefix]?endpoint=http://127.0.0.1:9000&region=us-east-1`
//!   — any S3-compatible store (AWS S3, MinIO, Ceph RGW, Aliyun OSS…),
//!   through the `object_store` crate. Credentials come from
//!   `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and the other `AWS_*`
//!   variables) or the URL's `access_key_id` / `secret_access_key`
//!   parameters; requests use path-style addressing unless
//!   `virtual_hosted=true`. Every replica of a cluster sees the same files.
//!
//! Keys are relative paths with `/` separators (`attachments/3/<uuid>`,
//! `imports/12.csv`), made by Steward itself, never from user input.

mod file;
pub mod migrate;
mod s3;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};

use crate::config::Config;

/// The key prefixes Steward stores under (what `storage migrate` copies).
pub const PREFIXES: &[&str] = &["attachments/", "imports/"];

/// Where the readiness probe writes.
const PROBE_PREFIX: &str = ".steward-probe/";

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("stored file {0} does not exist")]
    NotFound(String),
    #[error("storage: {0:#}")]
    Other(#[from] anyhow::Error),
}

pub type StorageResult<T> = Result<T, StorageError>;

impl From<StorageError> for crate::error::AppError {
    fn from(e: StorageError) -> Self {
        crate::error::AppError::Internal(e.into())
    }
}

/// A stored object's bytes as they arrive ([`Storage::get_stream`]).
pub type ByteStream =
    futures_util::stream::BoxStream<'static, Result<bytes::Bytes, std::io::Error>>;

/// One stored object, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub key: String,
    pub size: u64,
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// The store files go to; cheap to clone.
#[derive(Clone)]
pub struct Storage {
    backend: Arc<Backend>,
    /// The URL without secrets, for logs and progress lines.
    described: String,
}

enum Backend {
    File(file::FileStore),
    S3(s3::S3Store),
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Storage").field(&self.described).finish()
    }
}

/// A storage URL with its query's secrets hidden.
pub fn redact(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name.contains("secret") || name.contains("token") => {
                format!("{name}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

impl Storage {
    /// The store `config` names, else `file://<data_dir>`.
    pub fn from_config(config: &Config) -> anyhow::Result<Storage> {
        match config.storage_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => Storage::from_url(url),
            _ => Ok(Storage::file(&config.data_dir)),
        }
    }

    /// A folder on this machine.
    pub fn file(root: &Path) -> Storage {
        Storage {
            described: format!("file://{}", root.display()),
            backend: Arc::new(Backend::File(file::FileStore::new(root.to_path_buf()))),
        }
    }

    /// `file:///path` or `s3://bucket[/prefix]?…`.
    pub fn from_url(url: &str) -> anyhow::Result<Storage> {
        let parsed = url::Url::parse(url)
            .with_context(|| format!("STEWARD_STORAGE_URL {} is not a URL", redact(url)))?;
        let backend = match parsed.scheme() {
            "file" => {
                let path = parsed.to_file_path().map_err(|()| {
                    anyhow::anyhow!("{}: a file:// URL needs an absolute path", redact(url))
                })?;
                Backend::File(file::FileStore::new(path))
            }
            "s3" => Backend::S3(s3::S3Store::from_url(&parsed)?),
            other => bail!(
                "STEWARD_STORAGE_URL: unknown scheme {other}:// (use file:///path or s3://bucket?endpoint=…)"
            ),
        };
        Ok(Storage {
            backend: Arc::new(backend),
            described: redact(url),
        })
    }

    /// The URL, secrets hidden.
    pub fn describe(&self) -> &str {
        &self.described
    }

    /// Where `key` is on this machine's disk, for a `file://` store.
    pub fn local_path(&self, key: &str) -> Option<PathBuf> {
        match &*self.backend {
            Backend::File(f) => f.path_of(key).ok(),
            Backend::S3(_) => None,
        }
    }

    /// Stores `bytes` as `key` (replacing an object of that key).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> StorageResult<()> {
        check_key(key)?;
        match &*self.backend {
            Backend::File(f) => f.put(key, &bytes).await,
            Backend::S3(s) => s.put(key, bytes).await,
        }
    }

    /// Moves the local file `from` into the store as `key`, streaming it
    /// (a rename on a `file://` store on the same disk). `from` is gone
    /// afterwards, also when storing failed.
    pub async fn put_file(&self, key: &str, from: &Path) -> StorageResult<()> {
        check_key(key)?;
        let result = match &*self.backend {
            Backend::File(f) => f.put_file(key, from, false).await,
            Backend::S3(s) => s.put_file(key, from).await,
        };
        let _ = tokio::fs::remove_file(from).await;
        result
    }

    /// Stores a copy of the local file `from` as `key`, streaming it;
    /// `from` stays.
    pub async fn put_copy(&self, key: &str, from: &Path) -> StorageResult<()> {
        check_key(key)?;
        match &*self.backend {
            Backend::File(f) => f.put_file(key, from, true).await,
            Backend::S3(s) => s.put_file(key, from).await,
        }
    }

    /// The whole object (attachments: at most 10 MiB).
    pub async fn get(&self, key: &str) -> StorageResult<Vec<u8>> {
        check_key(key)?;
        match &*self.backend {
            Backend::File(f) => f.get(key).await,
            Backend::S3(s) => s.get(key).await,
        }
    }

    /// The object as a stream of chunks, for downloads: nothing is held
    /// whole in memory. A missing object is `NotFound` here, before the
    /// first chunk; a failure later ends the stream with an error.
    pub async fn get_stream(&self, key: &str) -> StorageResult<ByteStream> {
        check_key(key)?;
        match &*self.backend {
            Backend::File(f) => f.get_stream(key).await,
            Backend::S3(s) => s.get_stream(key).await,
        }
    }

    /// The first `len` bytes (fewer when the object is shorter).
    pub async fn head_bytes(&self, key: &str, len: u64) -> StorageResult<Vec<u8>> {
        check_key(key)?;
        match &*self.backend {
            Backend::File(f) => f.head_bytes(key, len).await,
            Backend::S3(s) => s.head_bytes(key, len).await,
        }
    }

    /// Writes the object to the local file `to`, streaming.
    pub async fn fetch_to(&self, key: &str, to: &Path) -> StorageResult<()> {
        check_key(key)?;
        let result = match &*self.backend {
            Backend::File(f) => f.fetch_to(key, to).await,
            Backend::S3(s) => s.fetch_to(key, to).await,
        };
        if result.is_err() {
            let _ = tokio::fs::remove_file(to).await;
        }
        result
    }

    /// Copies `from` to `to` inside the store.
    pub async fn copy(&self, from: &str, to: &str) -> StorageResult<()> {
        check_key(from)?;
        check_key(to)?;
        match &*self.backend {
            Backend::File(f) => f.copy(from, to).await,
            Backend::S3(s) => s.copy(from, to).await,
        }
    }

    /// The object's size, or `None` when there is none.
    pub async fn size_of(&self, key: &str) -> StorageResult<Option<u64>> {
        check_key(key)?;
        match &*self.backend {
            Backend::File(f) => f.size_of(key).await,
            Backend::S3(s) => s.size_of(key).await,
        }
    }

    /// Removes `key`; an object already gone is no error.
    pub async fn delete(&self, key: &str) -> StorageResult<()> {
        check_key(key)?;
        match &*self.backend {
            Backend::File(f) => f.delete(key).await,
            Backend::S3(s) => s.delete(key).await,
        }
    }

    /// Every object whose key starts with `prefix` (ending in `/`), in no
    /// particular order.
    pub async fn list(&self, prefix: &str) -> StorageResult<Vec<Object>> {
        match &*self.backend {
            Backend::File(f) => f.list(prefix).await,
            Backend::S3(s) => s.list(prefix).await,
        }
    }

    /// Whether the store answers: writes a small probe, reads it back and
    /// removes it (for readiness).
    pub async fn check(&self) -> StorageResult<()> {
        let key = format!("{PROBE_PREFIX}{}", uuid::Uuid::new_v4());
        let probe = b"steward storage probe".to_vec();
        self.put(&key, probe.clone()).await?;
        let back = self.get(&key).await;
        let removed = self.delete(&key).await;
        if back? != probe {
            return Err(anyhow::anyhow!("the probe {key} read back differently").into());
        }
        removed
    }
}

/// Refuses a key that could leave the store's root.
fn check_key(key: &str) -> StorageResult<()> {
    let bad = key.is_empty()
        || key.starts_with('/')
        || key.contains('\\')
        || key.contains('\0')
        || key
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(anyhow::anyhow!("{key:?} is not a storage key").into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_store() {
        assert!(check_key("attachments/3/0d9c").is_ok());
        assert!(check_key("imports/12.csv").is_ok());
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "./a", "a\\b", "a/"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_in_the_url_are_hidden() {
        assert_eq!(
            redact("s3://b?endpoint=http://h:9000&access_key_id=AK&secret_access_key=SK"),
            "s3://b?endpoint=http://h:9000&access_key_id=AK&secret_access_key=***"
        );
        assert_eq!(redact("file:///var/lib/steward"), "file:///var/lib/steward");
    }

    #[test]
    fn urls_choose_the_store() {
        assert!(Storage::from_url("file:///var/lib/steward").is_ok());
        assert!(Storage::from_url("ftp://host/x").is_err());
        assert!(Storage::from_url("file://relative").is_err());
        let s3 = Storage::from_url(
            "s3://files/steward?endpoint=http://127.0.0.1:9000&region=us-east-1&access_key_id=a&secret_access_key=b",
        )
        .unwrap();
        assert!(s3.local_path("attachments/1/x").is_none());
        let local = Storage::file(Path::new("/srv/steward"));
        assert_eq!(
            local.local_path("attachments/1/x").unwrap(),
            Path::new("/srv/steward/attachments/1/x")
        );
    }

    #[tokio::test]
    async fn a_file_store_keeps_lists_and_forgets() {
        let root = std::env::temp_dir().join(format!("steward-store-{}", uuid::Uuid::new_v4()));
        let store = Storage::file(&root);
        store.check().await.unwrap();
        store.put("attachments/1/a", b"one".to_vec()).await.unwrap();
        store.put("imports/7.csv", b"a,b\n".to_vec()).await.unwrap();
        assert_eq!(store.get("attachments/1/a").await.unwrap(), b"one");
        assert_eq!(store.head_bytes("imports/7.csv", 2).await.unwrap(), b"a,");
        assert_eq!(
            store.head_bytes("imports/7.csv", 99).await.unwrap(),
            b"a,b\n"
        );
        store.copy("imports/7.csv", "imports/8.csv").await.unwrap();
        assert_eq!(store.size_of("imports/8.csv").await.unwrap(), Some(4));
        let mut keys: Vec<String> = store
            .list("imports/")
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect();
        keys.sort();
        assert_eq!(keys, ["imports/7.csv", "imports/8.csv"]);
        store.delete("imports/8.csv").await.unwrap();
        store.delete("imports/8.csv").await.unwrap();
        assert_eq!(store.size_of("imports/8.csv").await.unwrap(), None);
        assert!(matches!(
            store.get("imports/8.csv").await,
            Err(StorageError::NotFound(_))
        ));
        assert!(store.list("nothing/").await.unwrap().is_empty());
        std::fs::remove_dir_all(root).ok();
    }
}
