//! Bad input gets a clear error or finding naming the file, never a panic.

use std::path::Path;
use std::process::{Command, Output};

fn squatguard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run squatguard")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A report cut short (`squatguard check | head -1` under `set -o pipefail`) may have held the
/// errors: the run fails closed instead of passing.
#[test]
fn a_closed_stdout_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "colourama\n").unwrap();
    for args in [&["check"][..], &["check", "--format", "json"]] {
        // the reading end is closed before squatguard starts: its first write fails
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdout(writer)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains("standard output was closed"),
            "{}",
            text(&out.stderr)
        );
    }
    // a listing cut short is no failure
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .arg("rules")
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn binary_file_is_an_invalid_manifest_finding() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        b"\x7fELF\x00\x01\x02binary",
    )
    .unwrap();
    let out = squatguard(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("requirements.txt:1:1: error[invalid-manifest]: cannot check this file: it is a binary file"), "{stdout}");
}

#[test]
fn invalid_utf8_is_an_invalid_manifest_finding() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reqs.txt"), b"requests\n\xff\xfe bad\n").unwrap();
    let out = squatguard(dir.path(), &["check", "reqs.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("reqs.txt:1:1: error[invalid-manifest]: cannot check this file: it is not valid UTF-8 (invalid byte at offset 9)"));
}

#[test]
fn oversized_file_is_refused_with_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(squatguard::source::MAX_FILE_SIZE + 1).unwrap();
    let out = squatguard(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("it is larger than 64 MiB"));
}

#[test]
fn large_valid_file_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::new();
    for i in 0..20_000 {
        body.push_str(&format!("package-number-{i}==1.0\n"));
    }
    body.push_str("reqeusts\n");
    std::fs::write(dir.path().join("requirements.txt"), body).unwrap();
    let out = squatguard(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("requirements.txt:20001:1: error[typosquat]"));
}

#[test]
fn unreadable_paths_fail_closed_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("nowhere.txt", dir.path().join("requirements.txt")).unwrap();
    let out = squatguard(dir.path(), &["check", "requirements.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "squatguard: error: `requirements.txt`: no such file\n"
    );
    assert!(out.stdout.is_empty());
    // A path through a regular file: the OS refuses (as it would for a file without read permission).
    std::fs::write(dir.path().join("plain"), "x").unwrap();
    let out = squatguard(dir.path(), &["check", "plain/requirements.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("squatguard: error: `plain/requirements.txt`: "));
}

#[test]
fn deeply_nested_includes_stop_with_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..100 {
        std::fs::write(
            dir.path().join(format!("r{i}.txt")),
            format!("pkg-{i}\n-r r{}.txt\n", i + 1),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("r100.txt"), "last\n").unwrap();
    let out = squatguard(dir.path(), &["check", "r0.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("r31.txt:2:4: error[invalid-manifest]: `-r r32.txt`: includes nest deeper than 32 files; not followed"), "{stdout}");
}

#[test]
fn include_cycle_names_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "-r b.txt\n").unwrap();
    std::fs::write(dir.path().join("b.txt"), "-r requirements.txt\n").unwrap();
    let out = squatguard(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("b.txt:1:4: error[invalid-manifest]: include cycle: requirements.txt -> b.txt -> requirements.txt"));
}

#[test]
fn random_bytes_never_panic_any_parser() {
    // A small deterministic generator: no dependency needed for a fuzz-style smoke test.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet: &[u8] = b"abc-_.=<>!~;[]@#\\ \n\r\t\"'{}()+*:,/$%0123456789-erq";
    for round in 0..300 {
        let len = (next() % 200) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
            .collect();
        for kind in [
            squatguard::manifest::ManifestKind::Requirements,
            squatguard::manifest::ManifestKind::Pyproject,
            squatguard::manifest::ManifestKind::SetupPy,
            squatguard::manifest::ManifestKind::SetupCfg,
            squatguard::manifest::ManifestKind::Pipfile,
        ] {
            let src = squatguard::source::SourceFile::new(format!("fuzz-{round}"), text.clone());
            let _ = squatguard::manifest::parse(&src, kind);
        }
    }
}

/// A fresh git repository (the real git), nested in `outer` so that there is an outside.
fn repository(outer: &Path) -> std::path::PathBuf {
    let repo = outer.join("project");
    std::fs::create_dir_all(&repo).unwrap();
    let init = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&repo)
        .status()
        .expect("git runs");
    assert!(init.success());
    repo
}

#[cfg(unix)]
#[test]
fn devices_and_pipes_are_never_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "-r /dev/zero\n-r /dev/stdin\n-r pipe.txt\nflask\n",
    )
    .unwrap();
    // a pipe inside the checked directory: the devices lie outside it, refused before any read
    let fifo = Command::new("mkfifo")
        .arg(dir.path().join("pipe.txt"))
        .status()
        .expect("mkfifo runs");
    assert!(fifo.success());
    // stdin is a pipe that never ends: reading it would hang the test
    let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .arg("check")
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("requirements.txt:1:4: error[invalid-manifest]: `-r /dev/zero` points outside the checked directory"),
        "{stdout}"
    );
    assert!(stdout.contains("`-r /dev/stdin`"), "{stdout}");
    assert!(
        stdout.contains("requirements.txt:3:4: error[invalid-manifest]: `-r pipe.txt`: cannot read `pipe.txt`: it is not a regular file"),
        "{stdout}"
    );
}

/// A pull request can point an include at a secret file the CI runner holds; the check's
/// report, which CI logs publish, must not show its lines.
#[test]
fn includes_do_not_leave_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let repo = repository(dir.path());
    std::fs::write(
        dir.path().join("credentials"),
        "https://ci-bot:SECRET-TOKEN@git.example.invalid/x\n",
    )
    .unwrap();
    std::fs::create_dir_all(repo.join("requirements")).unwrap();
    std::fs::write(repo.join("requirements/base.txt"), "reqeusts==1.0\n").unwrap();
    std::fs::write(
        repo.join("requirements.txt"),
        "-r requirements/base.txt\n-r ../credentials\n",
    )
    .unwrap();
    let out = squatguard(&repo, &["check", "requirements.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("SECRET-TOKEN"), "{stdout}");
    assert!(
        stdout.contains("requirements.txt:2:4: error[invalid-manifest]: `-r ../credentials` points outside the repository"),
        "{stdout}"
    );
    // inside the repository, includes are followed as before
    assert!(
        stdout.contains("requirements/base.txt:1:1: error[typosquat]"),
        "{stdout}"
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_followed_inside_the_repository_only() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let repo = repository(dir.path());
    std::fs::write(dir.path().join("secret.txt"), "SECRET-TOKEN\n").unwrap();
    std::fs::create_dir_all(repo.join("shared")).unwrap();
    std::fs::write(repo.join("shared/deps.dat"), "colourama==0.4.6\n").unwrap();
    // a manifest name on a file pip reads, whose real name no walk would look at
    symlink("shared/deps.dat", repo.join("requirements.txt")).unwrap();
    symlink("../secret.txt", repo.join("requirements-dev.txt")).unwrap();
    symlink("missing.txt", repo.join("constraints.txt")).unwrap();
    symlink("../secret.txt", repo.join("module.py")).unwrap();
    let out = squatguard(&repo, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("SECRET-TOKEN"), "{stdout}");
    assert!(
        stdout.contains("requirements.txt:1:1: error[typosquat]: `colourama`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("requirements-dev.txt:1:1: error[invalid-manifest]: cannot check this file: it is a symbolic link to")
            && stdout.contains("outside the repository"),
        "{stdout}"
    );
    assert!(
        stdout.contains("constraints.txt:1:1: error[invalid-manifest]: cannot check this file: it is a symbolic link to nothing"),
        "{stdout}"
    );
    let out = squatguard(&repo, &["scan"]);
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("SECRET-TOKEN"), "{stdout}");
    assert!(
        stdout
            .contains("module.py:1:1: warning[obfuscation]: not scanned: it is a symbolic link to"),
        "{stdout}"
    );
    assert!(
        stdout.contains("requirements.txt:1:1: error[typosquat]"),
        "{stdout}"
    );
}

/// Escape sequences in a hostile file could move the cursor and erase the finding printed
/// above them on a terminal: reports show them instead of sending them.
#[test]
fn terminal_escape_sequences_are_shown_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let erase = "\x1b[1A\x1b[2K";
    std::fs::write(
        dir.path().join("requirements.txt"),
        format!("colourama # {erase}\nreqeusts==1.0{erase}\n"),
    )
    .unwrap();
    let out = squatguard(dir.path(), &["check", "--color", "always"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let without_colours = stdout.replace("\x1b[0m", "").replace("\x1b[1m", "");
    assert!(
        !without_colours
            .split("\x1b[")
            .skip(1)
            .any(|seq| seq.starts_with("1A") || seq.starts_with("2K")),
        "{stdout:?}"
    );
    assert!(stdout.contains("\\u{1b}[1A\\u{1b}[2K"), "{stdout}");
    assert!(stdout.contains("`colourama` looks like a typo"), "{stdout}");
    std::fs::write(dir.path().join("names.txt"), format!("reqeusts{erase}\n")).unwrap();
    let out = squatguard(dir.path(), &["audit", "names.txt"]);
    assert!(!text(&out.stdout).contains('\x1b'), "{}", text(&out.stdout));
}

/// Peak resident memory of `squatguard ARGS` in `dir`, in KiB, as the kernel counts it for a
/// child (Python's `resource`, which every CI machine here has for the safe-pip tests).
fn peak_kib(dir: &Path, args: &[&str]) -> (i32, u64) {
    let out = Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys\n\
             r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
             print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
            env!("CARGO_BIN_EXE_squatguard"),
        ])
        .args(args)
        .current_dir(dir)
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("SQUATGUARD_DATA_DIR", dir.join("no-cache"))
        .output()
        .expect("python3 runs (the safe-pip tests need it too)");
    let text = text(&out.stdout);
    let mut it = text.split_whitespace().map(|x| x.parse::<u64>().unwrap());
    (it.next().unwrap() as i32, it.next().unwrap())
}

/// A dependency costs memory in proportion to itself, not to its line: 25,000 names on one
/// 400 KB line (each dependency used to copy the whole line: 10 GB) stay within a small bound.
#[test]
fn one_long_line_of_many_names_is_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..25_000).map(|i| format!("\"pkg{i}é\"")).collect();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!(
            "[project]\nname = \"x\"\ndependencies = [{}, \"colourama\"]\n",
            names.join(", ")
        ),
    )
    .unwrap();
    let (code, kib) = peak_kib(dir.path(), &["check", "--format", "json"]);
    // invalid names (`é`) and the squat are findings: exit 1, not a crash
    assert_eq!(code, 1);
    assert!(kib < 400 * 1024, "peak {kib} KiB");
}

/// A marker of thousands of nested parentheses would overflow the PEP 508 parser's stack (an
/// abort no `catch_unwind` stops); a 100,000-character name would cost a hash of the whole
/// name per deletion in the typo index. Each is a finding, in every manifest format that
/// takes requirement strings.
#[test]
fn pathological_requirements_are_findings_not_crashes_or_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let nested = format!(
        "six ; {}python_version>\"3\"{}",
        "(".repeat(3000),
        ")".repeat(3000)
    );
    let long = format!("six{}", "a".repeat(100_000));
    std::fs::write(
        dir.path().join("requirements.txt"),
        format!("{nested}\n{long}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("setup.cfg"),
        format!("[options]\ninstall_requires =\n    {nested}\n"),
    )
    .unwrap();
    let out = squatguard(dir.path(), &["check"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("requirements.txt:1:") && stdout.contains("nest deeper than 64"),
        "{stdout}"
    );
    assert!(stdout.contains("setup.cfg:3:"), "{stdout}");
}
