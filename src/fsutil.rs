//! Files m2fresh writes and reads for itself, in one place: atomic replacement, bounded
//! reads of records others can write too, lock files, the hash of a file, and the time
//! format of its records. Each rule here is one a crash, a FIFO or a huge file once
//! taught; callers ([`crate::freshness::stamp`], the tag ledger, the stat cache, the
//! install lock) should not grow their own.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Replaces `path` with `bytes` so that readers see the old or the new content, never a
/// mix: a temporary file in the same directory, fsync, rename, then fsync the directory so
/// the rename itself survives a crash. On failure the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default();
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A temporary file is private (0600); the stamp is for everyone who reads the
    // repository, as Maven's own files are (the umask still applies).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // Some filesystems refuse fsync on a directory; the data is already safe by then.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The most m2fresh reads of one of its own files (a stamp, the tag ledger, the stat cache). A stamp
/// lists every input of a module, so it grows with the module, but stays far below this.
pub const MAX_RECORD_BYTES: u64 = 64 << 20;

/// Reads a file m2fresh wrote into the local repository, which others can write too:
/// `Ok(None)` when it does not exist; an error, never a wait or an endless read, when it
/// is a FIFO, a device, a directory or larger than [`MAX_RECORD_BYTES`].
pub fn read_record(path: &Path) -> io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    // Opening a FIFO would wait for a writer; reading /dev/zero would never end.
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    // Size 0 is empty: files of /proc say 0, then produce content or block.
    if meta.len() == 0 {
        return Ok(Some(Vec::new()));
    }
    let mut bytes = Vec::new();
    File::open(path)?
        .take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {} MiB", MAX_RECORD_BYTES >> 20),
        ));
    }
    Ok(Some(bytes))
}

/// Opens (creating it) a lock file m2fresh keeps in the local repository. Something
/// other than a regular file at that path is an error: opening a FIFO for writing would
/// wait forever for a reader.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && !meta.is_file()
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a regular file; remove it",
        ));
    }
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// Takes an exclusive lock on the lock file at `path` (created when missing), calling
/// `on_wait` once first when another process holds it. The lock lasts while the returned
/// file is open.
pub fn lock_exclusive(path: &Path, on_wait: &dyn Fn(&Path)) -> io::Result<File> {
    let file = open_lock_file(path)?;
    acquire_exclusive(&file, path, on_wait)?;
    Ok(file)
}

/// Takes an exclusive lock on the opened lock file `file` (at `path`), calling `on_wait`
/// once first when another process holds it.
pub fn acquire_exclusive(file: &File, path: &Path, on_wait: &dyn Fn(&Path)) -> io::Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => {
            on_wait(path);
            file.lock()
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Size and blake3 hex of a file's bytes, read as a stream.
pub fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let file = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(file)?;
    Ok((hasher.count(), hasher.finalize().to_hex().to_string()))
}

/// `time` as RFC 3339 in UTC with whole seconds, e.g. `2024-02-29T13:05:09Z`.
pub fn rfc3339_utc(time: SystemTime) -> String {
    let secs: i64 = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            // Round towards the past so that a fraction before the epoch is still 1969.
            let d = e.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            -whole - i64::from(d.subsec_nanos() > 0)
        }
    };
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), so no date crate is needed for one timestamp.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are small positive numbers by construction.
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fifos_and_devices_are_never_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("stamp.json");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let err = read_record(&fifo).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(open_lock_file(&fifo).is_err());
        // /dev/zero would be read forever.
        assert!(read_record(Path::new("/dev/zero")).is_err());
        assert_eq!(read_record(&dir.path().join("none")).unwrap(), None);
        let lock = dir.path().join("install.lock");
        assert!(open_lock_file(&lock).is_ok() && open_lock_file(&lock).is_ok());
    }

    #[test]
    fn hash_file_matches_blake3_of_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("core-1.0.jar");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let (size, hex) = hash_file(&path).unwrap();
        assert_eq!(size, 200_000);
        assert_eq!(hex, blake3::hash(&bytes).to_hex().to_string());
        assert!(hash_file(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn a_held_lock_makes_the_next_one_wait_and_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = lock_exclusive(&path, &|_| panic!("nobody holds it")).unwrap();
        let waited = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let second = s.spawn(|| {
                lock_exclusive(&path, &|_| {
                    waited.store(true, std::sync::atomic::Ordering::SeqCst)
                })
            });
            while !waited.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
            drop(held);
            assert!(second.join().unwrap().is_ok());
        });
    }

    #[test]
    fn rfc3339_formats_known_instants() {
        let at = |secs: u64| rfc3339_utc(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_709_211_909), "2024-02-29T13:05:09Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH + Duration::from_millis(1_500)),
            "1970-01-01T00:00:01Z"
        );
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH - Duration::from_millis(500)),
            "1969-12-31T23:59:59Z"
        );
    }
}
