//! Runs the code rules over one file's facts, in a fixed order: SG401-SG408, one module each
//! in [`crate::rules`] (`decode_exec`, `encoded_blob`, `install_time_code`, `import_time_code`,
//! `hidden_process`, `exfil_endpoint`, `credential_access`, `obfuscation`), with what they share
//! in [`crate::rules::code`].

use crate::code_facts::Facts;
use crate::finding::Finding;
use crate::rules::code::CodeFile;
use crate::rules::{
    credential_access, decode_exec, encoded_blob, exfil_endpoint, hidden_process, import_time_code,
    install_time_code, obfuscation,
};
use crate::source::SourceFile;

/// Judges one Python (or `.pth`) file: `facts` are those [`super::python::read`] read from `sf`;
/// `fine`: signals combine where they meet ([`CodeFile::new`]).
pub fn judge(sf: &SourceFile, facts: &Facts, fine: bool) -> Vec<Finding> {
    let file = CodeFile::new(sf, facts, fine);
    let mut out = decode_exec::check(&file);
    out.extend(encoded_blob::check(&file));
    out.extend(install_time_code::check(&file));
    out.extend(import_time_code::check(&file));
    out.extend(hidden_process::check(&file));
    out.extend(exfil_endpoint::check(&file));
    out.extend(credential_access::check(&file));
    out.extend(obfuscation::check(&file));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_facts::Role;
    use crate::finding::{Rule, Severity};
    use crate::scan::python;

    fn judged(role: Role, src: &str) -> Vec<(Rule, u32, Severity)> {
        let sf = SourceFile::new("x.py", src.to_owned());
        let facts = python::read(&sf.text, role);
        judge(&sf, &facts, false)
            .into_iter()
            .map(|f| (f.rule, f.line, f.severity))
            .collect()
    }

    #[test]
    fn a_detached_launch_is_an_error_only_beside_another_threat() {
        let launch = "import subprocess\nsubprocess.Popen(['x'], start_new_session=True)\n";
        assert_eq!(
            judged(Role::Module, launch),
            [(Rule::HiddenProcess, 2, Severity::Warning)]
        );
        let with_secret = format!("{launch}KEY = '~/.ssh/id_rsa'\n");
        let found = judged(Role::Module, &with_secret);
        assert!(found.contains(&(Rule::HiddenProcess, 2, Severity::Error)));
        // a credential path is a warning without network access
        assert!(found.contains(&(Rule::CredentialAccess, 3, Severity::Warning)));
    }

    #[test]
    fn off_screen_code_that_launches_is_an_error_and_bidi_counts_once_a_line() {
        let src = format!(
            "import os\nx = 1{}; os.system('id')\ns = '\u{202E}a\u{202E}b'\n",
            " ".repeat(200)
        );
        let found = judged(Role::Module, &src);
        assert_eq!(
            found,
            [
                (Rule::Obfuscation, 2, Severity::Error),
                (Rule::Obfuscation, 3, Severity::Warning),
            ]
        );
    }

    #[test]
    fn install_time_code_depends_on_the_command_class() {
        let src = "import subprocess\nfrom setuptools import setup\nfrom setuptools.command.install import install\nfrom setuptools.command.build_ext import build_ext\nclass BuildExt(build_ext):\n    def run(self):\n        subprocess.run(['make'])\nclass Install(install):\n    def run(self):\n        subprocess.run(['make'])\nsetup(cmdclass={'build_ext': BuildExt, 'install': Install})\n";
        assert_eq!(
            judged(Role::Setup, src),
            [
                (Rule::InstallTimeCode, 7, Severity::Warning),
                (Rule::InstallTimeCode, 10, Severity::Error),
                (Rule::InstallTimeCode, 11, Severity::Note),
            ]
        );
        // the same file, imported as a module, runs nothing on its own
        assert_eq!(judged(Role::Module, src), []);
    }

    #[test]
    fn pth_import_lines_run_at_start_up() {
        let src = "/some/path\nimport os; os.system('id')\nimport _virtualenv\n";
        assert_eq!(
            judged(Role::Pth, src),
            [
                (Rule::ImportTimeCode, 2, Severity::Error),
                (Rule::ImportTimeCode, 3, Severity::Warning),
            ]
        );
    }
}
