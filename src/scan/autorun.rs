//! Editor files that run commands when a folder is opened: VS Code's `.vscode/tasks.json`, a
//! task with `"runOptions": {"runOn": "folderOpen"}` (VS Code runs it on opening the folder once
//! automatic tasks are allowed), and dev container definitions (`.devcontainer.json`,
//! `.devcontainer/devcontainer.json`, `.devcontainer/<name>/devcontainer.json`), whose lifecycle
//! commands run when the container is created or started (`initializeCommand` on the host
//! itself). Grammar: JSON with comments and trailing commas (VS Code's `jsonc` parser, which the
//! Dev Containers specification also names); comments and trailing commas are removed outside
//! strings, then the text is read as JSON. A lifecycle command is a string (run by a shell), an
//! array (argv) or an object of named commands of either form, as the specification defines.
//! Each task or command is reported with the command it runs, at its key. A file that does not
//! read as JSON is reported too: VS Code's reader is more lenient than this one.

use crate::finding::Finding;
use crate::rules::import_time_code;
use crate::source::SourceFile;
use serde_json::Value;

/// Whether `path` is a `.vscode/tasks.json`.
pub fn is_vscode_tasks(path: &std::path::Path) -> bool {
    path.file_name().is_some_and(|n| n == "tasks.json")
        && path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == ".vscode")
}

/// The `folderOpen` tasks of the `tasks.json` in `sf`.
pub fn vscode_tasks(sf: &SourceFile) -> Vec<Finding> {
    let Ok(doc) = serde_json::from_str::<Value>(&strip_jsonc(&sf.text)) else {
        return vec![import_time_code::unread_autorun(
            sf,
            "a VS Code tasks file",
            &["folderOpen"],
        )];
    };
    let mut at = sf
        .text
        .match_indices("\"folderOpen\"")
        .map(|(i, _)| i)
        .collect::<Vec<_>>()
        .into_iter();
    let mut out = Vec::new();
    let tasks = doc.get("tasks").and_then(Value::as_array);
    for task in tasks.into_iter().flatten() {
        let run_on = task.pointer("/runOptions/runOn").and_then(Value::as_str);
        if run_on != Some("folderOpen") {
            continue;
        }
        let mut command = task
            .get("command")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        for a in task
            .get("args")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            command.push(' ');
            command.push_str(a.as_str().unwrap_or(""));
        }
        let offset = at.next().unwrap_or(0);
        out.push(import_time_code::folder_open(sf, offset, &command));
    }
    out
}

/// Whether `path` is a dev container definition (see the module doc).
pub fn is_devcontainer(path: &std::path::Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == ".devcontainer.json" {
        return true;
    }
    name == "devcontainer.json"
        && path
            .ancestors()
            .skip(1)
            .take(2)
            .any(|d| d.file_name().is_some_and(|n| n == ".devcontainer"))
}

/// The lifecycle commands that run on their own, in the order of the specification.
const LIFECYCLE: &[(&str, &str)] = &[
    (
        "initializeCommand",
        "on this machine, before the dev container is built",
    ),
    ("onCreateCommand", "when the dev container is created"),
    ("updateContentCommand", "when the dev container is created"),
    ("postCreateCommand", "when the dev container is created"),
    ("postStartCommand", "every time the dev container starts"),
    (
        "postAttachCommand",
        "every time an editor attaches to the dev container",
    ),
];

/// The lifecycle commands of the dev container definition in `sf`.
pub fn devcontainer(sf: &SourceFile) -> Vec<Finding> {
    let Ok(doc) = serde_json::from_str::<Value>(&strip_jsonc(&sf.text)) else {
        let keys: Vec<&str> = LIFECYCLE.iter().map(|(k, _)| *k).collect();
        return vec![import_time_code::unread_autorun(
            sf,
            "a dev container definition",
            &keys,
        )];
    };
    let mut out = Vec::new();
    for (key, when) in LIFECYCLE {
        let Some(value) = doc.get(*key) else { continue };
        let quoted = format!("\"{key}\"");
        let offset = sf.text.find(&quoted).unwrap_or(0);
        let commands: Vec<String> = match value {
            Value::Object(named) => named.values().map(command_text).collect(),
            other => vec![command_text(other)],
        };
        for command in commands.into_iter().filter(|c| !c.trim().is_empty()) {
            out.push(import_time_code::autorun(sf, offset, &command, key, when));
        }
    }
    out
}

/// A command as a string (shell) or an array (argv), shown as one line.
fn command_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(args) => args
            .iter()
            .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// `text` without `//` and `/* */` comments and trailing commas outside strings (both become
/// spaces, so offsets and lines do not move).
fn strip_jsonc(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                for o in &mut out[i..end] {
                    if *o != b'\n' {
                        *o = b' ';
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // then the trailing commas, over the text without comments
    let mut in_str = false;
    let mut i = 0;
    while i < out.len() {
        match out[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b',' if !in_str => {
                let next = out[i + 1..].iter().find(|o| !o.is_ascii_whitespace());
                if matches!(next, Some(b']' | b'}')) {
                    out[i] = b' ';
                }
            }
            _ => {}
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devcontainer_paths() {
        use std::path::Path;
        assert!(is_devcontainer(Path::new(".devcontainer.json")));
        assert!(is_devcontainer(Path::new(
            "r/.devcontainer/devcontainer.json"
        )));
        assert!(is_devcontainer(Path::new(
            ".devcontainer/py/devcontainer.json"
        )));
        assert!(!is_devcontainer(Path::new("devcontainer.json")));
        assert!(!is_devcontainer(Path::new(
            "a/b/.devcontainer/x/y/devcontainer.json"
        )));
    }

    #[test]
    fn comments_and_trailing_commas_are_removed() {
        let s = strip_jsonc("{\"a\": \"//x\", // c\n \"b\": [1, 2,], /* d */}");
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["a"], "//x");
        assert_eq!(v["b"].as_array().unwrap().len(), 2);
    }
}
