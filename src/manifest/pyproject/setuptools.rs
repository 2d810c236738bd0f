//! `[tool.setuptools.dynamic]`: the requirement files setuptools reads for a `dynamic` field.
//!
//! ```toml
//! [project]
//! dynamic = ["dependencies", "optional-dependencies"]
//! [tool.setuptools.dynamic]
//! dependencies = { file = ["requirements.txt"] }
//! optional-dependencies.dev = { file = "requirements-dev.txt" }
//! ```
//!
//! `file` is a path or an array of paths. As setuptools
//! (`setuptools/config/pyprojecttoml.py`, `_obtain_dependencies` and
//! `_obtain_optional_dependencies`, over `expand.read_files`) does, the files are read relative
//! to the directory of `pyproject.toml`, which none may leave, and joined; their lines (split
//! with `str.splitlines()`; blank lines and lines starting with `#` dropped) are then read as
//! `_reqs.parse_strings` reads them. That reading is
//! [`crate::manifest::setup_cfg::push_requirement_files`]'s, shared with setup.cfg's `file:`;
//! each requirement is reported at its own file and line, in the section of the field
//! (`project.dependencies`, `project.optional-dependencies.<extra>`). The note that the field
//! is dynamic is dropped when files were named for it. Other forms (`attr`) stay that note.

use super::{DynamicField, Reader};
use crate::finding::Rule;
use crate::manifest::setup_cfg::push_requirement_files;
use toml_edit::{Item, Value};

impl Reader<'_> {
    /// Reads the files `[tool.setuptools.dynamic]` names for the project's requirements.
    pub(super) fn setuptools_dynamic(&mut self, root: &toml_edit::Table) {
        let Some(dynamic) = root
            .get("tool")
            .and_then(|t| t.get("setuptools"))
            .and_then(|t| t.get("dynamic"))
            .and_then(Item::as_table_like)
        else {
            return;
        };
        let mut read = Vec::new();
        if let Some(item) = dynamic.get("dependencies") {
            if self.dynamic_files(item, "project.dependencies") {
                read.push(DynamicField::Dependencies);
            }
        }
        if let Some(extras) = dynamic
            .get("optional-dependencies")
            .and_then(Item::as_table_like)
        {
            let mut any = false;
            for (extra, item) in extras.iter() {
                any |= self.dynamic_files(item, &format!("project.optional-dependencies.{extra}"));
            }
            if any {
                read.push(DynamicField::OptionalDependencies);
            }
        }
        self.drop_dynamic_notes(&read);
    }

    /// Reads `{ file = ... }` under `section`; whether it named files.
    fn dynamic_files(&mut self, item: &Item, section: &str) -> bool {
        let Some(file) = item.as_table_like().and_then(|t| t.get("file")) else {
            return false;
        };
        let values: Vec<&Value> = match file {
            Item::Value(Value::Array(a)) => a.iter().collect(),
            Item::Value(v) => vec![v],
            _ => Vec::new(),
        };
        let mut files = Vec::new();
        for value in values {
            match value {
                Value::String(s) => {
                    let offset = self.locate(s, 0).offset(0);
                    files.push((s.value().clone(), offset));
                }
                other => {
                    let offset = other.span().map_or(0, |s| s.start);
                    self.m.push_finding(
                        self.src,
                        Rule::InvalidManifest,
                        offset,
                        format!(
                            "`tool.setuptools.dynamic` names the files of `{section}` with strings; \
                             this is not one"
                        ),
                    );
                }
            }
        }
        push_requirement_files(self.src, &files, section, Some(true), &mut self.m);
        true
    }

    /// Drops the notes that the `read` fields are dynamic: their files were read. Findings
    /// are only added while the tables are read, so each note is still at its index.
    fn drop_dynamic_notes(&mut self, read: &[DynamicField]) {
        let drop: Vec<usize> = std::mem::take(&mut self.dynamic_notes)
            .into_iter()
            .filter(|(field, _)| read.contains(field))
            .map(|(_, at)| at)
            .collect();
        let mut index = 0;
        self.m.findings.retain(|_| {
            index += 1;
            !drop.contains(&(index - 1))
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Rule;
    use crate::source::SourceFile;

    #[test]
    fn dynamic_files_are_read_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("requirements.txt"),
            "requests\n# c\n\ncolourama ; os_name == 'nt'\n",
        )
        .unwrap();
        std::fs::write(root.join("dev.txt"), "pytest # tests\x0breqeusts\n").unwrap();
        let text = "[project]\nname = \"demo\"\ndynamic = [\"dependencies\", \"optional-dependencies\", \"version\"]\n\
                    [tool.setuptools.dynamic]\ndependencies = { file = [\"requirements.txt\"] }\n\
                    optional-dependencies.dev = { file = \"dev.txt\" }\n\
                    optional-dependencies.bad = { file = \"../x.txt\" }\n";
        let path = root.join("pyproject.toml");
        let m = super::super::parse(&SourceFile::new(&path, text));
        let got: Vec<(String, u32, &str, &str)> = m
            .dependencies
            .iter()
            .map(|d| {
                let file = d.file.rsplit('/').next().unwrap().to_owned();
                (file, d.line, d.name.as_str(), d.section.as_str())
            })
            .collect();
        let mut got = got;
        got.sort();
        assert_eq!(
            got,
            [
                (
                    "dev.txt".to_owned(),
                    1,
                    "pytest",
                    "project.optional-dependencies.dev"
                ),
                (
                    "dev.txt".to_owned(),
                    1,
                    "reqeusts",
                    "project.optional-dependencies.dev"
                ),
                (
                    "requirements.txt".to_owned(),
                    1,
                    "requests",
                    "project.dependencies"
                ),
                (
                    "requirements.txt".to_owned(),
                    4,
                    "colourama",
                    "project.dependencies"
                ),
            ]
        );
        // the files were read: no "declared dynamic" note; the one outside is an error
        let findings: Vec<(Rule, u32)> = m.findings.iter().map(|f| (f.rule, f.line)).collect();
        assert_eq!(findings, [(Rule::InvalidManifest, 7)], "{:?}", m.findings);
        // without the table, the note stays
        let m = super::super::parse(&SourceFile::new(
            &path,
            "[project]\nname = \"demo\"\ndynamic = [\"dependencies\"]\n",
        ));
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].rule, Rule::UnresolvedDependency);
    }

    /// The note dropped is the one about the field whose files were named, whatever the
    /// messages say; the other stays.
    #[test]
    fn only_the_note_of_the_field_read_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.txt"), "requests\n").unwrap();
        let path = dir.path().join("pyproject.toml");
        for (named, kept_line, kept) in [
            (
                "dependencies",
                4,
                "optional dependencies are declared dynamic",
            ),
            (
                "optional-dependencies.dev",
                3,
                "dependencies are declared dynamic",
            ),
        ] {
            let text = format!(
                "[project]\nname = \"demo\"\ndynamic = [\"dependencies\",\n\"optional-dependencies\"]\n\
                 [tool.setuptools.dynamic]\n{named} = {{ file = \"r.txt\" }}\n"
            );
            let m = super::super::parse(&SourceFile::new(&path, text));
            assert_eq!(m.dependencies.len(), 1, "{named}");
            let notes: Vec<(u32, &str)> = m
                .findings
                .iter()
                .map(|f| (f.line, f.message.as_str()))
                .collect();
            assert_eq!(notes.len(), 1, "{named}: {notes:?}");
            assert_eq!(notes[0].0, kept_line, "{named}: {notes:?}");
            assert!(notes[0].1.starts_with(kept), "{named}: {notes:?}");
        }
    }
}
