//! Snapshot tests of the manifest parsers: every file under `tests/fixtures/<format>/` is parsed
//! and the rendering compared with the `.snap` file beside it by snapbox. `SNAPSHOTS=overwrite
//! cargo test --test parse` rewrites the snapshots after a deliberate change; review the diff
//! before committing.

use squatguard::manifest::{self, ManifestKind};
use squatguard::rules;
use squatguard::source::SourceFile;
use std::path::{Path, PathBuf};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "snap"))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("_"))
        .collect();
    files.sort();
    files
}

fn check_dir(dir: &str, kind: ManifestKind) {
    check_dir_with(dir, |_| kind);
}

fn check_dir_with(dir: &str, kind_of: impl Fn(&Path) -> ManifestKind) {
    let files = fixtures(dir);
    assert!(!files.is_empty(), "no fixtures in {dir}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let assert = snapbox::Assert::new().action_env(snapbox::assert::DEFAULT_ACTION_ENV);
    for path in files {
        let rel = path.strip_prefix(root).unwrap().to_path_buf();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8(bytes).expect("fixtures are UTF-8");
        let src = SourceFile::new(rel.clone(), text);
        let got = rules::judged(manifest::parse(&src, kind_of(&path))).render_snapshot();
        let snap = path.with_file_name(format!(
            "{}.snap",
            path.file_name().unwrap().to_string_lossy()
        ));
        assert.eq(got, snapbox::Data::read_from(&snap, None).raw());
    }
}

#[test]
fn requirements_fixtures() {
    check_dir("requirements", ManifestKind::Requirements);
}

#[test]
fn pyproject_fixtures() {
    check_dir("pyproject", ManifestKind::Pyproject);
}

#[test]
fn setup_py_fixtures() {
    check_dir("setup_py", ManifestKind::SetupPy);
}

#[test]
fn setup_cfg_fixtures() {
    check_dir("setup_cfg", ManifestKind::SetupCfg);
}

#[test]
fn pixi_fixtures() {
    check_dir("pixi", ManifestKind::PixiToml);
}

#[test]
fn hatch_fixtures() {
    check_dir("hatch", ManifestKind::HatchToml);
}

#[test]
fn uv_toml_fixtures() {
    check_dir("uv_toml", ManifestKind::UvToml);
}

/// Python files with PEP 723 inline script metadata (`# /// script`), as `uv run` reads them.
#[test]
fn script_fixtures() {
    check_dir("script", ManifestKind::Script);
}

#[test]
fn pipfile_fixtures() {
    check_dir("pipfile", ManifestKind::Pipfile);
}

/// Lock files are named `CASE__FILENAME` (`basic__uv.lock`): the part after `__` picks the
/// format, as discovery would by the file's name.
#[test]
fn lockfile_fixtures() {
    check_dir_with("lockfile", |path| {
        let name = path.file_name().unwrap().to_string_lossy();
        let real = name.split_once("__").expect("CASE__FILENAME").1;
        ManifestKind::from_file_name(Path::new(real))
            .unwrap_or_else(|| panic!("{real} is not a lock file name"))
    });
}
