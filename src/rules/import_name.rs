//! `import-name`: a dependency named after a module (`import cv2`) rather than after the project
//! that provides it (`opencv-python`).
//!
//! `pip install cv2` is what a developer, or an AI assistant, writes from an import line. PyPI
//! has no project named for many such modules, so whoever registers one first gets the install
//! ("slopsquatting"); others were registered long ago by unrelated projects (`attr` is not
//! `attrs`, `serial` is not `pyserial`) or hold a shim. The table below lists modules whose
//! provider has another name, from the providers' own documentation. A name is judged only when
//! it comes from a registry that PyPI serves; a private index may well have its own `cv2`.
//! `--fix` writes the provider's name only for names PyPI does not have: where PyPI has the name,
//! the file may really mean that other project.

use super::at_dependency;
use crate::finding::{Finding, Fix, Rule};
use crate::manifest::Dependency;

/// Generates the table (for tests) and a `match` over it: `audit` asks about every name of the
/// registry, and a `match` on strings compares lengths before bytes.
macro_rules! import_names {
    ($(($name:literal, $module:literal, $provider:literal),)*) => {
        /// (normalised dependency name, the module as imported, the project that provides it).
        #[cfg(test)]
        const IMPORT_NAMES: &[(&str, &str, &str)] = &[$(($name, $module, $provider),)*];

        /// The module a normalised name is, and the project that provides it, when they differ.
        pub fn lookup(name: &str) -> Option<(&'static str, &'static str)> {
            match name {
                $($name => Some(($module, $provider)),)*
                _ => None,
            }
        }
    };
}

import_names! {
    ("attr", "attr", "attrs"),
    ("bio", "Bio", "biopython"),
    ("bs4", "bs4", "beautifulsoup4"),
    ("cairo", "cairo", "pycairo"),
    ("crypto", "Crypto", "pycryptodome"),
    ("cv2", "cv2", "opencv-python"),
    ("dateutil", "dateutil", "python-dateutil"),
    ("docx", "docx", "python-docx"),
    ("dotenv", "dotenv", "python-dotenv"),
    ("fitz", "fitz", "pymupdf"),
    ("gi", "gi", "pygobject"),
    ("git", "git", "gitpython"),
    ("jwt", "jwt", "pyjwt"),
    ("magic", "magic", "python-magic"),
    ("mpl-toolkits", "mpl_toolkits", "matplotlib"),
    ("mysqldb", "MySQLdb", "mysqlclient"),
    ("nacl", "nacl", "pynacl"),
    ("openssl", "OpenSSL", "pyopenssl"),
    ("pil", "PIL", "pillow"),
    ("pkg-resources", "pkg_resources", "setuptools"),
    ("pptx", "pptx", "python-pptx"),
    ("serial", "serial", "pyserial"),
    ("skimage", "skimage", "scikit-image"),
    ("sklearn", "sklearn", "scikit-learn"),
    ("umap", "umap", "umap-learn"),
    ("win32api", "win32api", "pywin32"),
    ("win32con", "win32con", "pywin32"),
    ("wx", "wx", "wxpython"),
    ("yaml", "yaml", "pyyaml"),
    ("zmq", "zmq", "pyzmq"),
}

/// What is wrong with a name, for `check` and `audit` alike.
pub fn message(raw_name: &str, module: &str, provider: &str, on_pypi: bool) -> String {
    let there = if on_pypi {
        format!("PyPI's `{raw_name}` is another project, or at best a shim")
    } else {
        format!("PyPI has no `{raw_name}`, so whoever registers it first gets this install")
    };
    format!("`{raw_name}` is the name of a module (`import {module}`); the project that provides it is `{provider}`: {there}")
}

pub fn check(dep: &Dependency, on_pypi: bool) -> Option<Finding> {
    if !dep.source.is_registry() || dep.private_index {
        return None;
    }
    let (module, provider) = lookup(&dep.name)?;
    let mut f = at_dependency(
        dep,
        Rule::ImportName,
        message(&dep.raw_name, module, provider, on_pypi),
    )
    .with_help(format!("did you mean `{provider}`?"));
    f.similar_to = Some(provider.to_owned());
    // never into a lock file, whose hashes belong to the name it records
    if !on_pypi && !dep.locked && super::fixable(dep) && dep.source.is_registry() {
        f.fix = Some(Fix::Replace {
            span: dep.name_span.clone(),
            expected: dep.raw_name.clone(),
            with: provider.to_owned(),
        });
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_normalised_and_names_other_projects() {
        for w in IMPORT_NAMES.windows(2) {
            assert!(w[0].0 < w[1].0, "{} before {}", w[0].0, w[1].0);
        }
        for (name, module, provider) in IMPORT_NAMES {
            assert_eq!(crate::name::normalize(name), *name);
            assert_eq!(crate::name::normalize(module), *name, "{module}");
            assert_ne!(name, provider);
            // the provider is itself a popular project
            assert!(
                matches!(
                    crate::name_risk::assess(provider),
                    crate::name_risk::Verdict::Popular(_)
                ),
                "{provider}"
            );
        }
    }

    #[test]
    fn modules_lead_to_their_project() {
        assert_eq!(lookup("cv2"), Some(("cv2", "opencv-python")));
        assert_eq!(lookup("pil"), Some(("PIL", "pillow")));
        assert_eq!(lookup("opencv-python"), None);
        assert_eq!(
            lookup("requests"),
            None,
            "module and project share the name"
        );
        let m = message("PIL", "PIL", "pillow", false);
        assert!(
            m.contains("`pillow`") && m.contains("PyPI has no `PIL`"),
            "{m}"
        );
        assert!(message("attr", "attr", "attrs", true).contains("another project"));
    }
}
