//! Editor files that run commands when a folder is opened: VS Code's `.vscode/tasks.json`, a
//! task with `"runOptions": {"runOn": "folderOpen"}` (VS Code runs it on opening the folder once
//! automatic tasks are allowed). Grammar: JSON with comments and trailing commas (VS Code's
//! `jsonc` parser); comments and trailing commas are removed outside strings, then the text is
//! read as JSON. Each such task is reported with the command it runs, at its `"folderOpen"`.

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
        return Vec::new();
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
    fn comments_and_trailing_commas_are_removed() {
        let s = strip_jsonc("{\"a\": \"//x\", // c\n \"b\": [1, 2,], /* d */}");
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["a"], "//x");
        assert_eq!(v["b"].as_array().unwrap().len(), 2);
    }
}
