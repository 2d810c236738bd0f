//! Flit's older metadata table in `pyproject.toml`, `[tool.flit.metadata]`, which Flit used
//! before PEP 621 (Flit's PEP 621 form, `[project]`, is read with the standard tables):
//!
//! - `requires = [...]`: the install requirements (`tool.flit.metadata.requires`);
//! - `dev-requires = [...]`: the `dev` extra (`tool.flit.metadata.dev-requires`);
//! - `requires-extra = { <extra> = [...] }`, also written `[tool.flit.metadata.requires-extra]`
//!   (`tool.flit.metadata.requires-extra.<extra>`).
//!
//! Each entry is a PEP 508 requirement string. `dist-name` (or, without it, `module`) names
//! the project itself: `name[extra]` on it is the project, as for `[project] name`.
//!
//! Must agree with Flit's reader: flit_core's `config.py` (`_prep_metadata`), which copies
//! `requires` to `Requires-Dist`, and `requires-extra` and `dev-requires` (as the `dev` extra)
//! to `Requires-Dist` with an `extra ==` marker.

use super::{entries, Entries, Reader};
use crate::manifest::DependencySource;
use crate::name::normalize;
use toml_edit::{Item, TableLike};

impl Reader<'_> {
    /// `[tool.flit]`: the requirement arrays of its `metadata` table.
    pub(super) fn flit(&mut self, flit: &dyn TableLike) {
        let label = "tool.flit.metadata";
        let Some(metadata) = self.subtable(flit, "metadata", label) else {
            return;
        };
        for name in ["requires", "dev-requires"] {
            if let Some((key, item)) = metadata.get_key_value(name) {
                self.requirements(key, item, &format!("{label}.{name}"), Entries::Pep508);
            }
        }
        if let Some((key, item)) = metadata.get_key_value("requires-extra") {
            let label = format!("{label}.requires-extra");
            if let Some(extras) = self.table(key, item, &label) {
                for (extra, deps) in entries(extras) {
                    let section = format!("{label}.{}", extra.get());
                    self.requirements(extra, deps, &section, Entries::Pep508);
                }
            }
        }
        let own = ["dist-name", "module"]
            .into_iter()
            .find_map(|k| metadata.get(k).and_then(Item::as_str))
            .map(normalize);
        if let Some(own) = own {
            for dep in &mut self.m.dependencies {
                if dep.name == own && dep.source.is_registry() {
                    dep.source = DependencySource::Workspace;
                }
            }
        }
    }
}
