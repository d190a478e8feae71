//! The `s3://` store: any S3-compatible service through `object_store`.
//!
//! `s3://bucket[/prefix]?endpoint=…&region=…` with, optionally,
//! `access_key_id`, `secret_access_key`, `session_token`,
//! `virtual_hosted=true` (Aliyun OSS wants it; MinIO, Ceph and moto take
//! path style, the default) and any other `object_store` S3 setting by its
//! name (`aws_…`). Unset values come from the `AWS_*` environment.
//! Files larger than one part go up as a multipart upload, streamed from
//! disk; downloads stream to disk.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use anyhow::{bail, Context};
use futures_util::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, PutPayload};
use tokio::io::AsyncWriteExt;

use super::{Object, StorageError, StorageResult};

pub(super) struct S3Store {
    store: Arc<dyn ObjectStore>,
}

fn failed(key: &str, e: object_store::Error) -> StorageError {
    match e {
        object_store::Error::NotFound { .. } => StorageError::NotFound(key.to_string()),
        e => StorageError::Other(anyhow::Error::new(e).context(format!("stored object {key}"))),
    }
}

fn path_of(key: &str) -> StorageResult<ObjectPath> {
    ObjectPath::parse(key)
        .map_err(|e| StorageError::Other(anyhow::anyhow!("{key:?} is not a storage key: {e}")))
}

impl S3Store {
    pub(super) fn from_url(url: &url::Url) -> anyhow::Result<S3Store> {
        let Some(bucket) = url.host_str().filter(|b| !b.is_empty()) else {
            bail!("an s3:// storage URL names its bucket: s3://bucket?endpoint=…");
        };
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        let mut virtual_hosted: Option<bool> = None;
        let mut allow_http: Option<bool> = None;
        for (name, value) in url.query_pairs() {
            let value = value.to_string();
            builder = match name.as_ref() {
                "endpoint" => {
                    if value.starts_with("http://") && allow_http.is_none() {
                        allow_http = Some(true);
                    }
                    builder.with_endpoint(value)
                }
                "region" => builder.with_region(value),
                "access_key_id" => builder.with_access_key_id(value),
                "secret_access_key" => builder.with_secret_access_key(value),
                "session_token" => builder.with_token(value),
                "virtual_hosted" => {
                    virtual_hosted = Some(parse_bool(&name, &value)?);
                    builder
                }
                "allow_http" => {
                    allow_http = Some(parse_bool(&name, &value)?);
                    builder
                }
                other => {
                    let key = AmazonS3ConfigKey::from_str(other).map_err(|_| {
                        anyhow::anyhow!("the storage URL's parameter {other} is unknown")
                    })?;
                    builder.with_config(key, value)
                }
            };
        }
        // Unsaid, these stay as the AWS_* environment has them (path style
        // and https only by default).
        if let Some(virtual_hosted) = virtual_hosted {
            builder = builder.with_virtual_hosted_style_request(virtual_hosted);
        }
        if let Some(allow_http) = allow_http {
            builder = builder.with_allow_http(allow_http);
        }
        let store = builder.build().context("the S3 storage URL")?;
        let prefix = url.path().trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(PrefixStore::new(store, path_of(prefix)?))
        };
        Ok(S3Store { store })
    }

    pub(super) async fn put(&self, key: &str, bytes: Vec<u8>) -> StorageResult<()> {
        self.store
            .put(&path_of(key)?, PutPayload::from(bytes))
            .await
            .map_err(|e| failed(key, e))?;
        Ok(())
    }

    pub(super) async fn put_file(&self, key: &str, from: &Path) -> StorageResult<()> {
        let mut source = tokio::fs::File::open(from)
            .await
            .with_context(|| format!("opening {}", from.display()))?;
        let mut writer = BufWriter::new(self.store.clone(), path_of(key)?);
        let sent = async {
            tokio::io::copy(&mut source, &mut writer).await?;
            writer.shutdown().await
        }
        .await;
        if let Err(e) = sent {
            let _ = writer.abort().await;
            return Err(anyhow::Error::new(e)
                .context(format!("uploading {}", from.display()))
                .into());
        }
        Ok(())
    }

    pub(super) async fn get(&self, key: &str) -> StorageResult<Vec<u8>> {
        let found = self
            .store
            .get(&path_of(key)?)
            .await
            .map_err(|e| failed(key, e))?;
        let bytes = found.bytes().await.map_err(|e| failed(key, e))?;
        Ok(bytes.to_vec())
    }

    pub(super) async fn get_stream(&self, key: &str) -> StorageResult<super::ByteStream> {
        use futures_util::StreamExt;
        let found = self
            .store
            .get(&path_of(key)?)
            .await
            .map_err(|e| failed(key, e))?;
        Ok(found
            .into_stream()
            .map(|chunk| chunk.map_err(std::io::Error::other))
            .boxed())
    }

    pub(super) async fn head_bytes(&self, key: &str, len: u64) -> StorageResult<Vec<u8>> {
        let path = path_of(key)?;
        let size = self
            .store
            .head(&path)
            .await
            .map_err(|e| failed(key, e))?
            .size;
        let end = size.min(len);
        if end == 0 {
            return Ok(Vec::new());
        }
        let bytes = self
            .store
            .get_range(&path, 0..end)
            .await
            .map_err(|e| failed(key, e))?;
        Ok(bytes.to_vec())
    }

    pub(super) async fn fetch_to(&self, key: &str, to: &Path) -> StorageResult<()> {
        let found = self
            .store
            .get(&path_of(key)?)
            .await
            .map_err(|e| failed(key, e))?;
        let mut file = tokio::fs::File::create(to)
            .await
            .with_context(|| format!("creating {}", to.display()))?;
        let mut chunks = found.into_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| failed(key, e))?;
            file.write_all(&chunk)
                .await
                .with_context(|| format!("writing {}", to.display()))?;
        }
        file.flush()
            .await
            .with_context(|| format!("writing {}", to.display()))?;
        Ok(())
    }

    pub(super) async fn copy(&self, from: &str, to: &str) -> StorageResult<()> {
        self.store
            .copy(&path_of(from)?, &path_of(to)?)
            .await
            .map_err(|e| failed(from, e))
    }

    pub(super) async fn size_of(&self, key: &str) -> StorageResult<Option<u64>> {
        match self.store.head(&path_of(key)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(key, e)),
        }
    }

    pub(super) async fn delete(&self, key: &str) -> StorageResult<()> {
        match self.store.delete(&path_of(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed(key, e)),
        }
    }

    pub(super) async fn list(&self, prefix: &str) -> StorageResult<Vec<Object>> {
        let prefix_path = path_of(prefix.trim_end_matches('/'))?;
        let mut listed = self.store.list(Some(&prefix_path));
        let mut out = Vec::new();
        while let Some(meta) = listed.next().await {
            let meta = meta.map_err(|e| failed(prefix, e))?;
            out.push(Object {
                key: meta.location.to_string(),
                size: meta.size,
                modified: meta.last_modified,
            });
        }
        Ok(out)
    }
}

fn parse_bool(name: &str, value: &str) -> anyhow::Result<bool> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => bail!("the storage URL's {name} is true or false, not {value}"),
    }
}
