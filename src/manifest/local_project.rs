//! The name a local project directory installs as (`-e ./vendor/requests`, `./libs/x` in a
//! requirements file), read from its metadata without building it.
//!
//! pip learns the name by asking the project's build backend for its metadata (PEP 517
//! `prepare_metadata_for_build_wheel`, or `setup.py egg_info`), which runs the project's code:
//! squatguard never does. It reads what the backends read the name from, in their order:
//!
//! 1. `pyproject.toml`: `[project] name` (PEP 621: never dynamic), else `[tool.poetry] name`
//!    when the backend is poetry-core ([`super::pyproject::project_name`]); an in-tree backend
//!    (`backend-path`) leaves the name unknown, since its code decides;
//! 2. `setup.py`: the `name=` keyword of its one `setup()` call, when it is a string literal
//!    ([`super::setup_py::project_name`]); setuptools lets it override `setup.cfg`, so a
//!    `name=` squatguard does not read (an expression, a variable, `**kwargs`, several
//!    `setup()` calls) leaves the name unknown whatever `setup.cfg` says;
//! 3. `setup.cfg`: `[metadata] name`, as configparser hands it to setuptools
//!    ([`super::setup_cfg::project_name`]).
//!
//! What the name is matters when it is a popular one: the repository then installs its own
//! copy in place of the released package (`direct-url`, a warning). A name that cannot be read
//! this way is said, as a note at the requirement.

use super::pyproject::DeclaredName;
use crate::source::{read_source, SourceFile};
use std::path::Path;

/// What a local directory's metadata says of its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalName {
    /// The name, and the file (relative to the directory) that declares it.
    Known { name: String, file: &'static str },
    /// Not known without building the project, because of what this says.
    Unknown(String),
}

/// The name the project in `dir` installs as.
pub fn read(dir: &Path) -> LocalName {
    let load = |file: &str| -> Option<Result<SourceFile, String>> {
        let path = dir.join(file);
        std::fs::symlink_metadata(&path).ok()?;
        Some(read_source(&path).map_err(|e| format!("`{file}` does not read: {e}")))
    };
    let known = |name: String, file| LocalName::Known { name, file };
    match load("pyproject.toml") {
        Some(Ok(src)) => match super::pyproject::project_name(&src) {
            DeclaredName::Name(name) => return known(name, "pyproject.toml"),
            DeclaredName::Unknown(why) => return LocalName::Unknown(why),
            DeclaredName::Silent => {}
        },
        Some(Err(why)) => return LocalName::Unknown(why),
        None => {}
    }
    match load("setup.py") {
        Some(Ok(src)) => match super::setup_py::project_name(&src) {
            Some(Some(name)) => return known(name, "setup.py"),
            Some(None) => {
                return LocalName::Unknown(
                    "its `setup.py` passes a name to setup() that squatguard cannot read without running it"
                        .into(),
                )
            }
            None => {}
        },
        Some(Err(why)) => return LocalName::Unknown(why),
        None => {}
    }
    match load("setup.cfg") {
        Some(Ok(src)) => {
            if let Some(name) = super::setup_cfg::project_name(&src) {
                return known(name, "setup.cfg");
            }
        }
        Some(Err(why)) => return LocalName::Unknown(why),
        None => {}
    }
    LocalName::Unknown(
        "no `pyproject.toml`, `setup.py` or `setup.cfg` in it declares a name squatguard can read"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn name_of(files: &[(&str, &str)]) -> LocalName {
        read(project(files).path())
    }

    #[test]
    fn names_as_the_backends_read_them() {
        let known = |name: &str, file| LocalName::Known {
            name: name.into(),
            file,
        };
        assert_eq!(
            name_of(&[("pyproject.toml", "[project]\nname = \"requests\"\n")]),
            known("requests", "pyproject.toml")
        );
        assert_eq!(
            name_of(&[(
                "pyproject.toml",
                "[build-system]\nbuild-backend = \"poetry.core.masonry.api\"\n[tool.poetry]\nname = \"Flask\"\n"
            )]),
            known("Flask", "pyproject.toml")
        );
        // a pyproject.toml without a name (only build-system): setup.py decides
        assert_eq!(
            name_of(&[
                (
                    "pyproject.toml",
                    "[build-system]\nrequires = [\"setuptools\"]\n"
                ),
                (
                    "setup.py",
                    "from setuptools import setup\nsetup(name='numpy', version='1')\n"
                ),
                ("setup.cfg", "[metadata]\nname = harmless\n"),
            ]),
            known("numpy", "setup.py")
        );
        // `[tool.poetry]` counts only under poetry-core: setuptools reads setup.py
        assert_eq!(
            name_of(&[
                (
                    "pyproject.toml",
                    "[build-system]\nbuild-backend = 'setuptools.build_meta'\n[tool.poetry]\nname = 'harmless'\n"
                ),
                ("setup.py", "from setuptools import setup\nsetup(name='requests')\n"),
            ]),
            known("requests", "setup.py")
        );
        // configparser keeps a header's inner spaces: `[ metadata ]` is another section
        assert_eq!(
            name_of(&[(
                "setup.cfg",
                "[ metadata ]\nname = harmless\n[metadata]\nname = requests\n"
            )]),
            known("requests", "setup.cfg")
        );
        assert_eq!(
            name_of(&[
                ("setup.py", "from setuptools import setup\nsetup()\n"),
                ("setup.cfg", "[metadata]\nname = urllib3\nversion = 1\n"),
            ]),
            known("urllib3", "setup.cfg")
        );
    }

    #[test]
    fn what_cannot_be_read_is_unknown() {
        for files in [
            // setuptools lets setup.py override setup.cfg: an unreadable name= wins
            &[
                (
                    "setup.py",
                    "import os\nfrom setuptools import setup\nsetup(name=os.environ['N'])\n",
                ),
                ("setup.cfg", "[metadata]\nname = harmless\n"),
            ][..],
            &[(
                "setup.py",
                "from setuptools import setup\nkw = make()\nsetup(**kw)\n",
            )],
            &[(
                "setup.cfg",
                "[metadata]\nname = %(other)s\nother = requests\n",
            )],
            &[("pyproject.toml", "[project\nname = 'x'\n")],
            &[("README.md", "requests\n")],
            // a variable may be rebound where a static reader does not look
            &[(
                "setup.py",
                "from setuptools import setup\nNAME = 'harmless'\nglobals()['NAME'] = 'requests'\nsetup(name=NAME)\n",
            )],
            // of two setup() calls, either may be the one that runs
            &[(
                "setup.py",
                "import setuptools\nfrom setuptools import setup\nif __name__ != '__main__':\n    setup(name='harmless')\nsetuptools.setup(name='requests')\n",
            )],
            // an in-tree backend's code decides
            &[(
                "pyproject.toml",
                "[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['.']\n[project]\nname = 'harmless'\n",
            )],
        ] {
            assert!(
                matches!(name_of(files), LocalName::Unknown(_)),
                "{files:?}: {:?}",
                name_of(files)
            );
        }
    }
}
