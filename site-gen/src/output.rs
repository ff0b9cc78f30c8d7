//! Writing an output folder: files are written only when their bytes changed (so
//! `watch` touches only what changed), and files a build did not write are removed.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};

pub struct Output {
    root: PathBuf,
    written: Mutex<HashSet<PathBuf>>,
    pub changed: AtomicUsize,
    pub bytes: std::sync::atomic::AtomicU64,
}

impl Output {
    pub fn new(root: &Path) -> Result<Output> {
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create the output folder {}", root.display()))?;
        Ok(Output {
            root: root.to_path_buf(),
            written: Mutex::new(HashSet::new()),
            changed: AtomicUsize::new(0),
            bytes: 0.into(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file for a URL path: `/faq/x/` is `faq/x/index.html`.
    pub fn file_for(url: &str) -> PathBuf {
        let rel = url.trim_start_matches('/');
        if rel.is_empty() || rel.ends_with('/') {
            PathBuf::from(format!("{rel}index.html"))
        } else {
            PathBuf::from(rel)
        }
    }

    /// Writes `bytes` at `rel` unless the file already holds exactly them.
    pub fn write(&self, rel: &Path, bytes: &[u8]) -> Result<()> {
        let path = self.root.join(rel);
        self.written
            .lock()
            .map_err(|_| anyhow::anyhow!("output lock poisoned"))?
            .insert(rel.to_path_buf());
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if let Ok(meta) = std::fs::metadata(&path)
            && meta.len() == bytes.len() as u64
            && std::fs::read(&path).is_ok_and(|old| old == bytes)
        {
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        self.changed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Copies a file, skipping it when the copy is already there with the same size and time.
    pub fn copy(&self, from: &Path, rel: &Path) -> Result<()> {
        let to = self.root.join(rel);
        self.written
            .lock()
            .map_err(|_| anyhow::anyhow!("output lock poisoned"))?
            .insert(rel.to_path_buf());
        let src =
            std::fs::metadata(from).with_context(|| format!("cannot read {}", from.display()))?;
        self.bytes.fetch_add(src.len(), Ordering::Relaxed);
        if let Ok(dst) = std::fs::metadata(&to)
            && dst.len() == src.len()
            && dst.modified().ok() >= src.modified().ok()
        {
            return Ok(());
        }
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::copy(from, &to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
        self.changed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    pub fn files_written(&self) -> usize {
        self.written.lock().map(|w| w.len()).unwrap_or(0)
    }

    /// Removes every file under the root that this build did not write, and empty folders.
    pub fn remove_stale(&self) -> io::Result<usize> {
        let written = self
            .written
            .lock()
            .map_err(|_| io::Error::other("output lock poisoned"))?;
        let mut removed = 0;
        let mut dirs = Vec::new();
        for entry in walkdir::WalkDir::new(&self.root)
            .min_depth(1)
            .into_iter()
            .filter_map(Result::ok)
        {
            let rel = entry
                .path()
                .strip_prefix(&self.root)
                .unwrap_or(entry.path());
            if entry.file_type().is_dir() {
                dirs.push(entry.path().to_path_buf());
            } else if !written.contains(rel) {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        for d in dirs.iter().rev() {
            let _ = std::fs::remove_dir(d); // only succeeds when empty
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_to_index_files() {
        assert_eq!(Output::file_for("/"), PathBuf::from("index.html"));
        assert_eq!(
            Output::file_for("/faq/a/"),
            PathBuf::from("faq/a/index.html")
        );
        assert_eq!(Output::file_for("/feed.xml"), PathBuf::from("feed.xml"));
    }

    #[test]
    fn unchanged_files_are_not_rewritten_and_stale_ones_go() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old.html"), "x").unwrap();
        let out = Output::new(dir.path()).unwrap();
        out.write(Path::new("a/index.html"), b"hello").unwrap();
        assert_eq!(out.changed.load(Ordering::Relaxed), 1);
        out.write(Path::new("a/index.html"), b"hello").unwrap();
        assert_eq!(out.changed.load(Ordering::Relaxed), 1);
        assert_eq!(out.remove_stale().unwrap(), 1);
        assert!(!dir.path().join("old.html").exists());
        assert!(dir.path().join("a/index.html").exists());
    }
}
