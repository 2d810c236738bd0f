//! Placeholder, being written.
use super::Manifest;
use crate::source::SourceFile;

pub fn parse(_src: &SourceFile) -> Manifest {
    Manifest::default()
}
