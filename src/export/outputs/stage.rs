//! Staging folders of unfinished sets: their locks, their removal after a kill or
//! a signal ([`abort_all`]).

use super::*;

/// Staging folders and lock files of unfinished sets of this process, removed by
/// [`abort_all`] (e.g. from a SIGINT handler).
static ACTIVE: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());
static SEQ: AtomicU64 = AtomicU64::new(0);

/// Removes the staging folders of every unfinished output set of this process.
///
/// For a signal handler that then exits: the output folders keep their previous
/// complete sets and no temporary file is left behind. Returns how many staging
/// folders were removed.
pub fn abort_all() -> usize {
    let list = match ACTIVE.lock() {
        Ok(mut g) => std::mem::take(&mut *g),
        Err(p) => std::mem::take(&mut *p.into_inner()),
    };
    for (dir, lock) in &list {
        let _ = std::fs::remove_dir_all(dir);
        let _ = std::fs::remove_file(lock);
    }
    list.len()
}

pub(super) fn register(stage: &Path, lock: &Path) {
    if let Ok(mut g) = ACTIVE.lock() {
        g.push((stage.to_path_buf(), lock.to_path_buf()));
    }
}

pub(super) fn unregister(stage: &Path) {
    if let Ok(mut g) = ACTIVE.lock() {
        g.retain(|(d, _)| d != stage);
    }
}

/// A staging folder, its lock file (held while this process works on it).
pub(super) struct Stage {
    pub(super) dir: PathBuf,
    lock_path: PathBuf,
    _lock: Option<File>,
}

impl Stage {
    /// The same staging folder for a fork of the set (which never removes it).
    pub(super) fn shared(st: &Stage) -> Stage {
        Stage {
            dir: st.dir.clone(),
            lock_path: st.lock_path.clone(),
            _lock: None,
        }
    }

    pub(super) fn remove(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(&self.lock_path);
        unregister(&self.dir);
    }
}

/// Takes the lock on a staging lock file without waiting; `false` when another live
/// process holds it.
#[cfg(unix)]
pub(super) fn try_lock(f: &File) -> bool {
    rustix::fs::flock(f, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
}

#[cfg(not(unix))]
pub(super) fn try_lock(_f: &File) -> bool {
    true
}

impl Outputs {
    pub(super) fn stage(&mut self) -> Result<&Stage> {
        if self.stage.is_none() {
            let st = self.make_stage()?;
            self.stage = Some(st);
        }
        self.stage.as_ref().ok_or_else(|| Error::Output {
            path: self.given.clone(),
            message: "no staging folder".into(),
        })
    }

    pub(super) fn make_stage(&mut self) -> Result<Stage> {
        let pid = std::process::id();
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let (base, prefix) = match self.mode {
            Mode::Swap => (
                parent_of(&self.dir),
                format!(".{}.crimescape-", file_name(&self.dir)?),
            ),
            Mode::InPlace => (self.dir.clone(), ".crimescape-stage-".to_string()),
        };
        std::fs::create_dir_all(&base).map_err(|e| Error::io(&self.given, e))?;
        remove_stale(&base, &prefix);
        let dir = base.join(format!("{prefix}{pid}-{seq}"));
        let lock_path = base.join(format!("{prefix}{pid}-{seq}.lock"));
        let made = File::create(&lock_path).and_then(|f| {
            std::fs::create_dir(&dir)?;
            Ok(f)
        });
        match made {
            Ok(f) => {
                let lock = if try_lock(&f) { Some(f) } else { None };
                register(&dir, &lock_path);
                Ok(Stage {
                    dir,
                    lock_path,
                    _lock: lock,
                })
            }
            Err(e) if self.mode == Mode::Swap => {
                // the parent folder is not writable: stage inside the folder itself
                let _ = std::fs::remove_file(&lock_path);
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    self.mode = Mode::InPlace;
                    return self.make_stage();
                }
                Err(Error::io(&self.given, e))
            }
            Err(e) => {
                let _ = std::fs::remove_file(&lock_path);
                Err(Error::io(&self.given, e))
            }
        }
    }
}

/// Removes staging folders under `base` named `<prefix><pid>-<seq>` whose lock no live
/// process holds (left by a killed run).
pub(super) fn remove_stale(base: &Path, prefix: &str) {
    let Ok(rd) = std::fs::read_dir(base) else {
        return;
    };
    let names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    let ours = |n: &str| -> bool {
        let rest = &n[prefix.len()..];
        let rest = rest.strip_suffix(".lock").unwrap_or(rest);
        match rest.split_once('-') {
            Some((a, b)) => {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            }
            None => false,
        }
    };
    for n in names.iter().filter(|n| ours(n) && !n.ends_with(".lock")) {
        let lock = base.join(format!("{n}.lock"));
        let stale = match File::open(&lock) {
            Ok(f) => try_lock(&f),
            Err(_) => true,
        };
        if stale {
            let _ = std::fs::remove_dir_all(base.join(n));
            let _ = std::fs::remove_file(&lock);
        }
    }
    // lock files whose folder is gone
    for n in names.iter().filter(|n| ours(n) && n.ends_with(".lock")) {
        let dir = base.join(&n[..n.len() - ".lock".len()]);
        if !dir.exists() {
            if let Ok(f) = File::open(base.join(n)) {
                if try_lock(&f) {
                    let _ = std::fs::remove_file(base.join(n));
                }
            }
        }
    }
}
