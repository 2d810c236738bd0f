//! Helpers shared by the integration tests (a test file that needs one declares `mod common;`).
//!
//! Tests over the data and evaluation sets in `../shared` (the directory beside the checkout, or
//! `SQUATGUARD_SHARED_DIR`) cannot run without them. Under CI they must: a missing file there is
//! a failure, never a quiet pass. Only outside CI do such tests skip, saying why on stderr.

use std::path::PathBuf;

/// Environment variable that points the tests at another `shared` directory.
#[allow(dead_code)] // why: not every test file reads `../shared`
pub const SHARED_DIR_ENV: &str = "SQUATGUARD_SHARED_DIR";

/// Whether the tests run under CI: `CI` set to anything but empty, `0` or `false`, as GitHub
/// Actions, GitLab and most runners set it (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| {
        let v = v.to_string_lossy();
        let v = v.trim();
        !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
    })
}

/// The shared directory when every file of `needs` (paths relative to it) is there. Otherwise:
/// under CI, panics naming the missing file; outside CI, prints why the test is skipped and
/// returns None, for the test to return.
#[allow(clippy::print_stderr, dead_code)] // why: a skipped test says why; not every test file reads `../shared`
pub fn shared_dir(needs: &[&str]) -> Option<PathBuf> {
    let dir = std::env::var_os(SHARED_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let Some(missing) = needs.iter().map(|n| dir.join(n)).find(|p| !p.is_file()) else {
        return Some(dir);
    };
    let why = format!(
        "{} is not present (set {SHARED_DIR_ENV} to the shared directory)",
        missing.display()
    );
    assert!(!in_ci(), "this test needs the shared data under CI: {why}");
    eprintln!("skipping: {why}");
    None
}

/// Whether a test may go on without a tool it needs: `missing` says what is missing, if
/// anything. Under CI, a missing tool is a failure (panics naming it); outside CI, the test
/// says why it is skipped and returns false.
#[allow(clippy::print_stderr)] // why: a skipped test says why
#[allow(dead_code)] // why: only the tests that run a tool use it
pub fn tool_present(missing: Option<String>) -> bool {
    let Some(why) = missing else {
        return true;
    };
    assert!(!in_ci(), "this test needs a tool under CI: {why}");
    eprintln!("skipping: {why}");
    false
}

/// `python3` when it runs. Otherwise: under CI, panics; outside CI, prints why the test is
/// skipped and returns None, for the test to return.
#[allow(clippy::print_stderr, dead_code)] // why: a skipped test says why; not every test file runs Python
pub fn python3() -> Option<&'static str> {
    let runs = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if runs {
        return Some("python3");
    }
    assert!(!in_ci(), "this test needs python3 under CI");
    eprintln!("skipping: python3 is not on PATH");
    None
}

/// Runs `cmd` with `input` on its standard input (written from another thread, so a child that
/// answers while it reads cannot block on a full pipe) and its standard error shown: its
/// output. Panics when it cannot start or does not succeed, naming `what`.
#[allow(dead_code)] // why: only the differential tests feed a process; the other tests share this module
pub fn run_fed(cmd: &mut std::process::Command, input: String, what: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{what} failed");
    out
}

/// A small deterministic generator (xorshift64*) for the differential tests, so a failure can be
/// replayed by its seed (which must not be 0).
#[allow(dead_code)] // why: only the differential tests generate inputs
pub struct XorShift(pub u64);

#[allow(dead_code)] // why: only the differential tests generate inputs
impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// The newest pip's wheel and its version, fetched once into the test target directory
/// (`pip-wheels/newest/`; remove it to fetch a newer one) by the machine's pip (PyPI, or the
/// index the machine's pip configuration names); or why there is none.
#[allow(dead_code)] // why: only the tests that run the newest pip use it
pub fn newest_pip_wheel() -> Result<(PathBuf, String), String> {
    use std::path::Path;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pip-wheels/newest");
    let found = |dir: &Path| {
        std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version = name
                .strip_prefix("pip-")?
                .strip_suffix("-py3-none-any.whl")?;
            Some((e.path(), version.to_owned()))
        })
    };
    if found(&dir).is_none() {
        let o = std::process::Command::new("python3")
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            .args(["--disable-pip-version-check", "--quiet", "--dest"])
            .arg(&dir)
            .arg("pip")
            .output()
            .map_err(|e| format!("no python3: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "cannot fetch the newest pip: status {:?}\n{}{}",
                o.status.code(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
    }
    found(&dir).ok_or_else(|| "`pip download pip` gave no pip wheel".to_owned())
}
