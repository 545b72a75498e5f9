//! Single output files written atomically (through [`crate::export::Outputs`]).

use std::path::Path;

use crate::error::Result;
pub use crate::export::OutputOptions;
use crate::export::Outputs;

/// Writes `bytes` to `path` atomically: a staged file in the same folder, then a
/// rename. Refuses to replace an existing file unless `force`, and never replaces a
/// non-regular file (a folder, device, link). Parent folders are created; nothing is
/// left behind on an error.
pub fn write_atomic(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    let (mut out, name) = Outputs::single(path, &OutputOptions::force(force))?;
    out.bytes(&name, bytes)?;
    out.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn write_atomic_refuses_overwrite_without_force() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/a.txt");
        write_atomic(&p, b"one", false).unwrap();
        assert!(matches!(
            write_atomic(&p, b"two", false),
            Err(Error::OutputsExist { .. })
        ));
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        // no temp files left
        assert_eq!(std::fs::read_dir(d.path().join("sub")).unwrap().count(), 1);
    }

    #[test]
    fn write_atomic_never_replaces_a_non_regular_file() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("x")).unwrap();
        let e = write_atomic(&d.path().join("x"), b"one", true).unwrap_err();
        assert!(e.to_string().contains("folder"), "{e}");
        #[cfg(unix)]
        {
            let e = write_atomic(Path::new("/dev/null"), b"one", true).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
    }
}
