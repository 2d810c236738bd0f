//! Runs the code rules over one file's facts, in a fixed order: SG401-SG408, one module each
//! in [`crate::rules`] (`decode_exec`, `encoded_blob`, `install_time_code`, `import_time_code`,
//! `hidden_process`, `exfil_endpoint`, `credential_access`, `obfuscation`), with what they share
//! in [`crate::rules::code`].

use super::facts::Facts;
use crate::finding::Finding;
use crate::rules::code::CodeFile;
use crate::rules::{
    credential_access, decode_exec, encoded_blob, exfil_endpoint, hidden_process, import_time_code,
    install_time_code, obfuscation,
};
use crate::source::SourceFile;

/// Judges one Python (or `.pth`) file: `facts` are those [`super::python::read`] read from `sf`.
pub fn judge(sf: &SourceFile, facts: &Facts) -> Vec<Finding> {
    let file = CodeFile::new(sf, facts);
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
