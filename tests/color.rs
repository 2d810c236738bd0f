//! When the human report is coloured: `--color always|never`, else anstream's reading of the
//! environment (`NO_COLOR` wins, `CLICOLOR_FORCE` forces colour off a terminal, `CLICOLOR=0`
//! turns it off), as users of other terminal tools expect.

use std::process::Command;

fn stdout(args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "reqeusts==2.31.0\n").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_squatguard"));
    cmd.args(args)
        .current_dir(dir.path())
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("SQUATGUARD_DATA_DIR", dir.path().join("data"));
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn colour_follows_the_flag_then_the_environment() {
    let coloured = |s: &str| s.contains("\x1b[");
    // not a terminal: no colour unless asked
    assert!(!coloured(&stdout(&["check"], &[])));
    assert!(coloured(&stdout(&["check"], &[("CLICOLOR_FORCE", "1")])));
    assert!(!coloured(&stdout(
        &["check"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    )));
    assert!(coloured(&stdout(&["check", "--color", "always"], &[])));
    assert!(!coloured(&stdout(
        &["check", "--color", "never"],
        &[("CLICOLOR_FORCE", "1")]
    )));
    let painted = stdout(&["check", "--color", "always"], &[]);
    let plain = stdout(&["check", "--color", "never"], &[]);
    let stripped = painted
        .split("\x1b[")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                part.split_once('m').map_or(part, |(_, rest)| rest)
            }
        })
        .collect::<String>();
    assert_eq!(stripped, plain, "colour changes nothing but the colour");
}
