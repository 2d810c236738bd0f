//! End-to-end CLI tests as data: each `tests/cmd/*.toml` pins args, stdout, stderr and exit
//! status; a sibling `NAME.in/` directory is the working directory. `TRYCMD=overwrite cargo test
//! --test cli` rewrites expectations after a deliberate change; review the diff.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
