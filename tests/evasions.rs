//! Every evasion issue 17 lists, tried end to end as the author of a hostile repository would:
//! each ends in a finding on the planted dependency (an error, so a non-zero status, unless the
//! issue asks for a warning), never in "no dependency manifests found". The cases that need git
//! (ignore files, `pyvenv.cfg`, `--since`, pull requests) are in `tests/discovery.rs` and
//! `tests/git.rs`; memory and include blow-ups in `tests/bad_input.rs`.

use std::path::Path;
use std::process::Command;

/// One hostile tree: its files, and what `check` must say about it.
struct Case {
    what: &'static str,
    files: &'static [(&'static str, &'static [u8])],
    /// `rule` and a text the finding's message holds, at this severity.
    expect: (&'static str, &'static str, &'static str),
}

const SEPARATORS: [(&str, &[u8]); 9] = [
    ("CR", b"requests==2.32.3  # pinned\rcolourama==0.1.0\n"),
    ("VT", b"requests==2.32.3  # pinned\x0bcolourama==0.1.0\n"),
    ("FF", b"requests==2.32.3  # pinned\x0ccolourama==0.1.0\n"),
    ("FS", b"requests==2.32.3  # pinned\x1ccolourama==0.1.0\n"),
    ("GS", b"requests==2.32.3  # pinned\x1dcolourama==0.1.0\n"),
    ("RS", b"requests==2.32.3  # pinned\x1ecolourama==0.1.0\n"),
    (
        "NEL",
        b"requests==2.32.3  # pinned\xc2\x85colourama==0.1.0\n",
    ),
    (
        "LS",
        b"requests==2.32.3  # pinned\xe2\x80\xa8colourama==0.1.0\n",
    ),
    (
        "PS",
        b"requests==2.32.3  # pinned\xe2\x80\xa9colourama==0.1.0\n",
    ),
];

const CASES: &[Case] = &[
    Case {
        what: "a UTF-7 cookie in a requirements file",
        files: &[(
            "requirements.txt",
            b"# -*- coding: utf-7 -*-\nrequests==2.32.3 +AAo-colourama==0.1.0\n",
        )],
        expect: ("invalid-manifest", "utf-7", "error"),
    },
    Case {
        what: "a lone CR after a comment in setup.py's install_requires",
        files: &[(
            "setup.py",
            b"from setuptools import setup\nsetup(name=\"x\", install_requires=[\n  \"requests\",  # pinned\r\"colourama\",\n])\n",
        )],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "a lone CR after a comment in setup.cfg's install_requires",
        files: &[(
            "setup.cfg",
            b"[metadata]\nname = x\n[options]\ninstall_requires =\n    requests  # pinned\r    colourama\n",
        )],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "install_requires = file: in setup.cfg",
        files: &[
            (
                "setup.cfg",
                b"[metadata]\nname = x\n[options]\ninstall_requires = file: deps/base.txt\n",
            ),
            ("deps/base.txt", b"colourama\n"),
        ],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "[tool.setuptools.dynamic] dependencies from a file",
        files: &[
            (
                "pyproject.toml",
                b"[project]\nname = \"x\"\nversion = \"1\"\ndynamic = [\"dependencies\"]\n[tool.setuptools.dynamic]\ndependencies = {file = [\"deps/base.txt\"]}\n",
            ),
            ("deps/base.txt", b"colourama\n"),
        ],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "the repository's own private-packages = [\"*\"]",
        files: &[
            ("requirements.txt", b"colourama\n"),
            ("squatguard.toml", b"private-packages = [\"*\"]\n"),
        ],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "the repository's own ignore and lowered severity",
        files: &[
            ("requirements.txt", b"colourama\n"),
            (
                "pyproject.toml",
                b"[tool.squatguard]\nignore = [\"typosquat\", \"not-on-pypi\"]\n[tool.squatguard.severity]\ntyposquat = \"note\"\n",
            ),
        ],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "the repository's own exclude and allow entry",
        files: &[
            ("svc/requirements.txt", b"colourama\n"),
            (
                "squatguard.toml",
                b"exclude = [\"svc/\"]\npopular-top-n = 1\n[[allow]]\npackage = \"colourama\"\nreason = \"ours\"\n",
            ),
        ],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "an inline ignore comment",
        files: &[("requirements.txt", b"colourama  # squatguard: ignore\n")],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "--find-links to a local directory",
        files: &[("requirements.txt", b"--find-links ./wheels\nrequests\n")],
        expect: ("index-url", "local directory", "warning"),
    },
    Case {
        what: "--no-index",
        files: &[("requirements.txt", b"--no-index\nrequests\n")],
        expect: ("index-url", "--no-index", "warning"),
    },
    Case {
        what: "a plain-HTTP index on a host that only begins with 127.",
        files: &[(
            "requirements.txt",
            b"--index-url http://127.attacker.example/simple\nrequests\n",
        )],
        expect: ("index-url", "plain HTTP", "warning"),
    },
    Case {
        what: "Flit's old [tool.flit.metadata] requires",
        files: &[(
            "pyproject.toml",
            b"[tool.flit.metadata]\nmodule = \"x\"\nrequires = [\"requests\", \"colourama\"]\n",
        )],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "a Hatch environment's dependencies",
        files: &[(
            "pyproject.toml",
            b"[project]\nname = \"x\"\nversion = \"1\"\n[tool.hatch.envs.test]\ndependencies = [\"colourama\"]\n",
        )],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "Pixi's PyPI dependencies",
        files: &[(
            "pixi.toml",
            b"[workspace]\nname = \"x\"\n[feature.docs.pypi-dependencies]\ncolourama = \"*\"\n",
        )],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "a requirements file in a nested folder",
        files: &[("requirements/docs/user.txt", b"colourama\n")],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "a file a -r names whatever its name",
        files: &[
            ("requirements.txt", b"-r deps.txt\n"),
            ("deps.txt", b"colourama\n"),
        ],
        expect: ("typosquat", "colourama", "error"),
    },
    Case {
        what: "setup.py lists through a comprehension, filter and map",
        files: &[(
            "setup.py",
            b"from setuptools import setup\nbase = [\"requests\", \" colourama \"]\nsetup(name=\"x\", install_requires=[r.strip() for r in base] + list(filter(None, [\"\", \"flask\"])))\n",
        )],
        expect: ("typosquat", "colourama", "error"),
    },
];

/// `check` in a fresh directory (no git, no configuration above it but the test's own), as
/// JSON: (status, [(rule, severity, message)], stderr).
fn check(files: &[(&str, &[u8])]) -> (i32, Vec<(String, String, String)>, String) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    run(dir.path())
}

fn run(dir: &Path) -> (i32, Vec<(String, String, String)>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(["check", "--format", "json"])
        .current_dir(dir)
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("SQUATGUARD_DATA_DIR", dir.join(".no-cache"))
        .env_remove("GITHUB_BASE_REF")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let findings = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (out.status.code().unwrap(), findings, stderr)
}

fn assert_caught(what: &str, files: &[(&str, &[u8])], expect: (&str, &str, &str)) {
    let (code, findings, stderr) = check(files);
    let (rule, text, severity) = expect;
    assert!(
        findings
            .iter()
            .any(|(r, s, m)| r == rule && s == severity && m.contains(text)),
        "{what}: no {severity} {rule} about `{text}`: {findings:?}\n{stderr}"
    );
    if severity == "error" {
        assert_eq!(code, 1, "{what}: {findings:?}\n{stderr}");
    }
    assert!(
        !stderr.contains("no dependency manifests found"),
        "{what}: {stderr}"
    );
}

#[test]
fn every_line_break_pip_honours_in_a_requirements_file_is_caught() {
    for (name, text) in SEPARATORS {
        assert_caught(
            &format!("a {name} after a comment"),
            &[("requirements.txt", text)],
            ("typosquat", "colourama", "error"),
        );
    }
}

#[test]
fn every_hostile_tree_of_issue_17_ends_in_a_finding() {
    for case in CASES {
        assert_caught(case.what, case.files, case.expect);
    }
}
