//! Jupyter notebooks (`.ipynb`, nbformat 4: JSON with `cells`, each with `cell_type` and
//! `source`, a string or a list of lines): the code cells are what runs, so they are read as
//! Python. Each cell's lines are placed on the notebook's own lines where nbformat writes them
//! (a list `source` one element a line after its `"source"` key), so findings point into the
//! `.ipynb` file; the rest of the text is blank.

use serde::Deserialize;

#[derive(Deserialize)]
struct Notebook {
    #[serde(default)]
    cells: Vec<Cell>,
}

#[derive(Deserialize)]
struct Cell {
    #[serde(default)]
    cell_type: String,
    #[serde(default)]
    source: Source,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Source {
    Lines(Vec<String>),
    Text(String),
}

impl Default for Source {
    fn default() -> Self {
        Source::Text(String::new())
    }
}

/// The code cells of the notebook `bytes` as Python text laid over the notebook's lines;
/// `None` when it is not a notebook's JSON.
pub fn code(bytes: &[u8]) -> Option<String> {
    let nb: Notebook = serde_json::from_slice(bytes).ok()?;
    let raw = String::from_utf8_lossy(bytes);
    let json_lines: Vec<&str> = raw.lines().collect();
    // the line of each cell's "source" key, in order (nbformat writes one per cell)
    let mut keys = json_lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("\"source\""))
        .map(|(i, _)| i);
    let mut lines: Vec<String> = vec![String::new(); json_lines.len()];
    let mut extra = String::new();
    let mut cursor = 0;
    for cell in &nb.cells {
        let key = keys.next();
        if cell.cell_type != "code" {
            continue;
        }
        let (first, code): (usize, Vec<String>) = match &cell.source {
            Source::Lines(l) => (
                key.map_or(usize::MAX, |k| k + 1),
                l.iter()
                    .map(|s| s.trim_end_matches(['\n', '\r']).to_owned())
                    .collect(),
            ),
            Source::Text(t) => (
                key.unwrap_or(usize::MAX),
                t.lines().map(str::to_owned).collect(),
            ),
        };
        for (i, line) in code.into_iter().enumerate() {
            let at = first.saturating_add(i);
            let at = if json_lines
                .get(at)
                .is_some_and(|l| l.contains(escaped(&line).as_str()))
            {
                Some(at)
            } else {
                // not where nbformat puts it: on the first free line, from the cursor on,
                // that holds it as JSON writes it
                let want = escaped(&line);
                (cursor..json_lines.len())
                    .find(|&k| lines[k].is_empty() && json_lines[k].contains(want.as_str()))
            };
            match at.and_then(|k| lines.get_mut(k).map(|slot| (k, slot))) {
                Some((k, slot)) if slot.is_empty() => {
                    *slot = line;
                    cursor = k;
                }
                // nowhere to place it: kept, after the notebook's lines
                _ => {
                    extra.push_str(&line);
                    extra.push('\n');
                }
            }
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text.push_str(&extra);
    Some(text)
}

/// `line` as JSON writes it inside a string (quotes and backslashes escaped).
fn escaped(line: &str) -> String {
    let quoted = serde_json::to_string(line).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or("")
        .to_owned()
}
