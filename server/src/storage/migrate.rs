//! `steward storage migrate --from <url> --to <url>`: copies every stored
//! object (the [`PREFIXES`](super::PREFIXES)) from one store to another.
//!
//! Resumable: an object the target already holds with the same size is
//! skipped, and each object lands whole or not at all (the file store
//! renames a finished temporary file; S3 completes an upload only at its
//! end), so an interrupted run is simply run again. The source is never
//! changed: switch `STEWARD_STORAGE_URL` after the last run, then remove
//! the old files yourself.

use std::path::PathBuf;

use anyhow::Context;

use super::{Object, Storage, PREFIXES};

/// How far a migration got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Objects in the source.
    pub total: u64,
    /// Copied in this run.
    pub copied: u64,
    /// Already in the target, same size.
    pub skipped: u64,
    /// Bytes copied in this run.
    pub bytes: u64,
    /// Whether the run stopped at `max_objects` before the end.
    pub stopped_early: bool,
}

impl Progress {
    pub fn done(&self) -> u64 {
        self.copied + self.skipped
    }
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Copy at most this many objects, then stop (run again to go on).
    pub max_objects: Option<u64>,
    /// A local folder for objects on their way (S3 to S3); default the
    /// system's temporary folder.
    pub scratch: Option<PathBuf>,
}

/// A stored object the migration copies: Steward's own keys, not the
/// uploads still being received into the default store's `imports/`.
fn is_stored(object: &Object) -> bool {
    !object.key.ends_with(".part")
}

/// Copies every object of `from` missing (or of another size) in `to`,
/// telling `report` after each object.
pub async fn run(
    from: &Storage,
    to: &Storage,
    options: &Options,
    mut report: impl FnMut(&Progress, &str),
) -> anyhow::Result<Progress> {
    let mut objects = Vec::new();
    for prefix in PREFIXES {
        objects.extend(
            from.list(prefix)
                .await
                .with_context(|| format!("listing {prefix} in {}", from.describe()))?
                .into_iter()
                .filter(is_stored),
        );
    }
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    let mut progress = Progress {
        total: objects.len() as u64,
        ..Progress::default()
    };
    let scratch = options.scratch.clone().unwrap_or_else(std::env::temp_dir);
    for object in &objects {
        if to.size_of(&object.key).await? == Some(object.size) {
            progress.skipped += 1;
            report(&progress, &object.key);
            continue;
        }
        if options
            .max_objects
            .is_some_and(|max| progress.copied >= max)
        {
            progress.stopped_early = true;
            break;
        }
        copy_one(from, to, object, &scratch).await?;
        progress.copied += 1;
        progress.bytes += object.size;
        report(&progress, &object.key);
    }
    Ok(progress)
}

async fn copy_one(
    from: &Storage,
    to: &Storage,
    object: &Object,
    scratch: &std::path::Path,
) -> anyhow::Result<()> {
    let key = &object.key;
    match from.local_path(key) {
        Some(path) => to.put_copy(key, &path).await?,
        None => {
            tokio::fs::create_dir_all(scratch).await?;
            let temp = scratch.join(format!("steward-migrate-{}", uuid::Uuid::new_v4()));
            from.fetch_to(key, &temp).await?;
            to.put_file(key, &temp).await?;
        }
    }
    let landed = to.size_of(key).await?;
    if landed != Some(object.size) {
        anyhow::bail!(
            "{key}: {} bytes in the source, {landed:?} in the target after copying",
            object.size
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_interrupted_migration_resumes_where_it_stopped() {
        let base = std::env::temp_dir().join(format!("steward-migrate-{}", uuid::Uuid::new_v4()));
        let from = Storage::file(&base.join("from"));
        let to = Storage::file(&base.join("to"));
        for i in 0..5 {
            let key = format!("attachments/{}/{i}", i % 2);
            from.put(&key, vec![b'x'; 10 + i]).await.unwrap();
        }
        from.put("imports/9.csv", b"a,b\n1,2\n".to_vec())
            .await
            .unwrap();
        // An upload still being received is not an object to copy.
        from.put("imports/upload-1.part", b"half".to_vec())
            .await
            .unwrap();
        let options = Options {
            max_objects: Some(2),
            ..Options::default()
        };
        let first = run(&from, &to, &options, |_, _| {}).await.unwrap();
        assert_eq!((first.total, first.copied, first.skipped), (6, 2, 0));
        assert!(first.stopped_early);
        // What an interruption in the middle of a copy could leave behind.
        to.put("attachments/1/3", b"x".to_vec()).await.unwrap();
        let mut lines = 0;
        let second = run(&from, &to, &Options::default(), |_, _| lines += 1)
            .await
            .unwrap();
        assert_eq!((second.copied, second.skipped), (4, 2));
        assert!(!second.stopped_early);
        assert_eq!(lines, 6);
        for object in from.list("attachments/").await.unwrap() {
            assert_eq!(
                to.get(&object.key).await.unwrap(),
                from.get(&object.key).await.unwrap()
            );
        }
        assert_eq!(to.size_of("imports/upload-1.part").await.unwrap(), None);
        let third = run(&from, &to, &Options::default(), |_, _| {})
            .await
            .unwrap();
        assert_eq!((third.copied, third.skipped), (0, 6));
        std::fs::remove_dir_all(base).ok();
    }
}
