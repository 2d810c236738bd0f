//! The `safe-pip` launcher: it runs only the `squatguard` installed beside it, fails closed
//! (status 66, naming where it looked) when there is none, passes arguments and exit status
//! through untouched, and carries none of the data (which lives in `squatguard` alone).
//! What safe-pip does once started is tested in `safe_pip.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LAUNCHER: &str = env!("CARGO_BIN_EXE_safe-pip");
const SQUATGUARD: &str = env!("CARGO_BIN_EXE_squatguard");

/// A copy of the launcher alone in a fresh directory.
fn lone_launcher() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir
        .path()
        .join(format!("safe-pip{}", std::env::consts::EXE_SUFFIX));
    std::fs::copy(LAUNCHER, &copy).unwrap();
    (dir, copy)
}

/// Runs `cmd`, again while the executable is busy: a test that has just written an executable
/// can see ETXTBSY when another test's fork still holds the write handle (a known race of
/// writing then running executables in a multi-threaded process; it ends when that child execs).
fn output(cmd: &mut Command) -> Output {
    const ETXTBSY: i32 = 26;
    for _ in 0..100 {
        match cmd.output() {
            Err(e) if cfg!(unix) && e.raw_os_error() == Some(ETXTBSY) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.unwrap(),
        }
    }
    panic!("the executable stayed busy: {cmd:?}");
}

fn show(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn without_squatguard_beside_it_fails_closed_naming_the_path() {
    let (dir, launcher) = lone_launcher();
    // a squatguard on PATH is not used: only the one beside the launcher counts
    let path_dir = Path::new(SQUATGUARD).parent().unwrap();
    let o = output(
        Command::new(&launcher)
            .args(["install", "requests"])
            .env("PATH", path_dir),
    );
    assert_eq!(o.status.code(), Some(66), "{}", show(&o));
    assert!(o.stdout.is_empty(), "{}", show(&o));
    let expected = dir
        .path()
        .canonicalize()
        .unwrap()
        .join(format!("squatguard{}", std::env::consts::EXE_SUFFIX));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.starts_with("safe-pip: error: "), "{}", show(&o));
    assert!(
        stderr.contains(&format!("`{}` not found", expected.display())),
        "{}",
        show(&o)
    );
    assert!(stderr.contains("nothing was installed"), "{}", show(&o));
}

#[test]
fn runs_squatguard_pip_beside_it() {
    // the launcher in the build directory, beside the real squatguard: safe-pip's version line,
    // then pip's own from the pip it drives
    let o = output(Command::new(LAUNCHER).arg("--version"));
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some(format!("safe-pip {} (squatguard)", env!("CARGO_PKG_VERSION")).as_str()),
        "{}",
        show(&o)
    );
    assert!(
        lines.next().is_some_and(|l| l.starts_with("pip ")),
        "{}",
        show(&o)
    );
}

/// With a stand-in `squatguard` beside it that records what it was given: the launcher adds
/// `pip` and passes every argument byte for byte (not UTF-8 included), and its status is the
/// stand-in's.
#[cfg(unix)]
#[test]
fn arguments_and_exit_status_pass_through_untouched() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;

    let (dir, launcher) = lone_launcher();
    let record = dir.path().join("argv");
    let stand_in = dir.path().join("squatguard");
    std::fs::write(
        &stand_in,
        format!(
            "#!/bin/sh\nprintf '%s\\0' \"$@\" > '{}'\nexit 42\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();
    let odd = OsStr::from_bytes(b"caf\xe9 --x");
    let o = output(Command::new(&launcher).args([
        OsStr::new("install"),
        OsStr::new(""),
        OsStr::new("a b"),
        odd,
    ]));
    assert_eq!(o.status.code(), Some(42), "{}", show(&o));
    let got = std::fs::read(&record).unwrap();
    assert_eq!(got, b"pip\0install\0\0a b\0caf\xe9 --x\0");
}

/// The launcher links no library: a stretch of each embedded data file is in `squatguard` and
/// not in `safe-pip`.
#[test]
fn the_launcher_carries_none_of_the_data() {
    let launcher = std::fs::read(LAUNCHER).unwrap();
    let squatguard = std::fs::read(SQUATGUARD).unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for file in ["pypi-names.sgdb", "typo-index.bin"] {
        let bytes = std::fs::read(data.join(file)).unwrap();
        let middle = bytes.len() / 2;
        let probe = &bytes[middle..middle + 64];
        assert!(contains(&squatguard, probe), "{file} is not in squatguard");
        assert!(!contains(&launcher, probe), "{file} is in safe-pip");
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    // a literal pattern, searched with the regex crate's substring search (a plain scan of the
    // unoptimised test build takes seconds)
    let pattern: String = needle.iter().map(|b| format!("\\x{b:02x}")).collect();
    regex::bytes::Regex::new(&format!("(?-u){pattern}"))
        .unwrap()
        .is_match(haystack)
}
