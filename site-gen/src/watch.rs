//! `site-gen watch`: rebuild whenever content or templates change. Only changed
//! Markdown files are parsed again (the rest come from a cache), and only output files
//! whose bytes changed are written.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher};

use crate::build::{BuildOptions, Summary, build_cached};
use crate::content::load::Cache;

/// Builds once, then again after every burst of changes, calling `report` each time.
/// Returns only when the watcher fails.
pub fn watch(opts: &BuildOptions, mut report: impl FnMut(Result<Summary>)) -> Result<()> {
    let mut cache = Cache::default();
    let mut once = |cache: &mut Cache| {
        report(build_cached(opts, cache));
    };
    once(&mut cache);

    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        if let Ok(ev) = ev
            && !matches!(ev.kind, notify::EventKind::Access(_))
        {
            let _ = tx.send(());
        }
    })
    .context("cannot start watching files")?;
    watcher
        .watch(&opts.content, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", opts.content.display()))?;
    watcher
        .watch(&opts.templates, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", opts.templates.display()))?;
    loop {
        rx.recv().context("the file watcher stopped")?;
        // Editors write several events per save: wait for a quiet moment.
        while rx.recv_timeout(Duration::from_millis(150)).is_ok() {}
        once(&mut cache);
    }
}
