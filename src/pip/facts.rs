//! At install time, the index pip uses is asked about each package a name rule flags
//! (`typosquat`, `not-on-pypi`), or that `typosquat` would flag were it new (two typos from a
//! popular name: [`Engine::flags_if_new`]): its PEP 691 project page gives the first upload, the number of
//! releases and the newest version ([`crate::index_facts`]), and the package is judged again
//! with those facts instead of the name snapshot's ([`crate::rules::Known::age`]).
//!
//! Bounded: only flagged names are asked, each once, at most [`MAX_ASKED`] per run, each within
//! [`crate::index_facts::LIMITS`] and all within [`BUDGET`]. When the index does not answer (or
//! answers what does not read), the snapshot's verdict stands and stderr says so.

use crate::finding::{Finding, IndexSays, Rule};
use crate::manifest::Dependency;
use crate::name::PackageName;
use crate::rules::{Engine, Known, KnownAge};
use crate::store::{NameAge, StoreError};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The most names one run asks the index about.
pub const MAX_ASKED: usize = 20;
/// The most time one run spends asking.
pub const BUDGET: Duration = Duration::from_secs(20);
/// Of [`MAX_ASKED`], the most names asked about only because they would be flagged were they
/// new ([`Engine::flags_if_new`]); they are asked only within the first half of [`BUDGET`].
/// So names that are not flagged cannot use up what flagged names are asked with.
pub const MAX_ASKED_IF_NEW: usize = 10;

/// PyPI's simple index, pip's default.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple/";

/// The rules whose verdict a name's age facts inform.
fn name_rule(rule: Rule) -> bool {
    matches!(rule, Rule::Typosquat | Rule::NotOnPypi)
}

/// Asks one index, remembering the answers; the notes are for stderr.
pub struct IndexFacts {
    /// The index asked; `None`: none is asked, for the reason in `not_asked`.
    index: Option<String>,
    not_asked: String,
    asked: HashMap<PackageName, Option<NameAge>>,
    /// How many of `asked` were asked only because they would be flagged were they new.
    asked_if_new: usize,
    started: Option<Instant>,
    /// What stderr should say: names the index did not answer about, and why.
    pub notes: Vec<String>,
}

impl IndexFacts {
    /// Asks `index` (the `--index-url` pip is given, PyPI's by default).
    pub fn new(index: &str) -> IndexFacts {
        IndexFacts {
            index: Some(index.to_owned()),
            not_asked: String::new(),
            asked: HashMap::new(),
            asked_if_new: 0,
            started: None,
            notes: Vec::new(),
        }
    }

    /// Asks nothing, because `why`.
    pub fn none(why: &str) -> IndexFacts {
        IndexFacts {
            index: None,
            not_asked: why.to_owned(),
            ..IndexFacts::new("")
        }
    }

    /// Stops asking, because `why` (an index judged an error).
    pub fn stop(&mut self, why: &str) {
        if self.index.is_some() {
            self.index = None;
            self.not_asked = why.to_owned();
        }
    }

    /// `found`, the findings about `dep`; when a name rule is among them, or `typosquat` would
    /// flag the name were it new ([`Engine::flags_if_new`]), those of `dep` judged again with
    /// the index's facts (when it answers).
    pub fn judge(
        &mut self,
        engine: &Engine,
        dep: &Dependency,
        found: Vec<Finding>,
    ) -> Result<Vec<Finding>, StoreError> {
        let flagged = found.iter().any(|f| name_rule(f.rule));
        if !flagged && !engine.flags_if_new(dep.name.as_str()) {
            return Ok(found);
        }
        let Some(age) = self.facts(&dep.name, flagged) else {
            return Ok(found);
        };
        let mut again = engine.judge(
            dep,
            Known {
                age: Some(KnownAge::Index(Box::new(age.clone()))),
                ..Known::default()
            },
        )?;
        let host = self
            .index
            .as_deref()
            .and_then(crate::index_url::url_host)
            .unwrap_or_default();
        for f in again
            .iter_mut()
            .filter(|f| f.rule == Rule::Typosquat && f.package.as_ref() == Some(&dep.name))
        {
            f.index_says = Some(IndexSays {
                host: host.clone(),
                facts: crate::index_facts::describe(&age),
            });
        }
        Ok(again)
    }

    /// The index's facts on `name`, asked once; `flagged`: whether a name rule flags it (else
    /// it would be flagged were it new).
    fn facts(&mut self, name: &PackageName, flagged: bool) -> Option<NameAge> {
        if let Some(known) = self.asked.get(name) {
            return known.clone();
        }
        if !flagged {
            let started = *self.started.get_or_insert_with(Instant::now);
            if self.asked_if_new >= MAX_ASKED_IF_NEW || started.elapsed() >= BUDGET / 2 {
                self.notes.push(format!(
                    "`{name}` judged by the name snapshot's facts: of names flagged only were they new (two typos from a popular name), the index is asked about {MAX_ASKED_IF_NEW} at most, within {} s, per run",
                    (BUDGET / 2).as_secs()
                ));
                // not remembered: were the name flagged later, it may still be asked
                return None;
            }
            self.asked_if_new += 1;
        }
        let answer = self.ask(name);
        self.asked.insert(name.clone(), answer.clone());
        answer
    }

    fn ask(&mut self, name: &PackageName) -> Option<NameAge> {
        let Some(index) = self.index.clone() else {
            self.notes.push(format!(
                "`{name}` judged by the name snapshot's facts: no index asked ({})",
                self.not_asked
            ));
            return None;
        };
        let started = *self.started.get_or_insert_with(Instant::now);
        if self.asked.len() >= MAX_ASKED || started.elapsed() >= BUDGET {
            self.notes.push(format!(
                "`{name}` judged by the name snapshot's facts: the index is asked about {MAX_ASKED} names at most, within {} s, per run",
                BUDGET.as_secs()
            ));
            return None;
        }
        match crate::index_facts::ask(&index, name) {
            Ok(age) => Some(age),
            Err(e) => {
                // the URL may carry credentials: only its host is shown
                let host = crate::index_url::url_host(&index).unwrap_or_default();
                let why = e
                    .to_string()
                    .replace(&crate::index_facts::project_url(&index, name), &host);
                self.notes.push(format!(
                    "`{name}` judged by the name snapshot's facts: the index did not answer usably ({why})"
                ));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Data;
    use crate::index_facts::ACCEPT;
    use crate::source::SourceFile;
    use std::io::{BufRead, BufReader, Write};
    use std::sync::{Arc, Mutex};

    /// A PEP 691 index on loopback that says every project was first uploaded years ago, and
    /// logs the paths asked.
    fn old_index() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/simple/", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let logged = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                while let Ok(n) = reader.read_line(&mut String::new()) {
                    if n <= 2 {
                        break;
                    }
                }
                let path = line.split(' ').nth(1).unwrap_or("").to_owned();
                let name = path.trim_matches('/').rsplit('/').next().unwrap_or("");
                logged.lock().unwrap().push(path.clone());
                let body = format!(
                    r#"{{"meta": {{"api-version": "1.1"}}, "name": "{name}", "files": [{{"filename": "{name}-1.0.tar.gz", "url": "x", "hashes": {{}}, "upload-time": "2015-03-02T10:00:00Z"}}], "versions": ["1.0"]}}"#
                );
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: {ACCEPT}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, log)
    }

    /// Names that are asked about only because they would be flagged were they new cannot use
    /// up what flagged names are asked with: at most [`MAX_ASKED_IF_NEW`] of them are asked,
    /// and a flagged name after them still is.
    #[test]
    fn names_flagged_only_if_new_do_not_use_up_the_asking() {
        let data = Data::load(None, u64::MAX);
        // as with an index that replaces PyPI, where `not-on-pypi` is not judged (with PyPI's,
        // names the snapshot lacks are flagged by it, and asked about as flagged names)
        let mut engine = Engine::new(&data, 15_000);
        engine.only = vec![Rule::Typosquat, Rule::KnownMalicious];
        let dep = |name: &str| {
            let src = SourceFile::new("requirements.txt", name.to_owned());
            Dependency::new(&src, name, 0, "requirements")
        };
        // two letters at the end of popular names of 8+ letters replaced: not flagged on the
        // snapshot's facts (the names are not in it), but would be were they new
        let near: Vec<String> = crate::popular::Popular::embedded()
            .top(3000)
            .filter(|(_, n)| n.len() >= 8 && n.bytes().all(|b| b.is_ascii_lowercase()))
            .map(|(_, n)| format!("{}qz", &n[..n.len() - 2]))
            .filter(|n| !data.names.contains(n) && engine.flags_if_new(n))
            .filter(|n| {
                let found = engine.check(&dep(n)).unwrap();
                !found.iter().any(|f| name_rule(f.rule))
            })
            .take(MAX_ASKED_IF_NEW + 3)
            .collect();
        assert_eq!(near.len(), MAX_ASKED_IF_NEW + 3);
        let (url, log) = old_index();
        let mut asker = IndexFacts::new(&url);
        for n in &near {
            let d = dep(n);
            let found = engine.check(&d).unwrap();
            // an old project: still nothing
            let again = asker.judge(&engine, &d, found).unwrap();
            assert!(!again.iter().any(|f| name_rule(f.rule)), "{n}: {again:?}");
        }
        assert_eq!(log.lock().unwrap().len(), MAX_ASKED_IF_NEW);
        // the names not asked about are said
        for n in &near[MAX_ASKED_IF_NEW..] {
            assert!(
                asker
                    .notes
                    .iter()
                    .any(|note| note.starts_with(&format!("`{n}` judged by the name snapshot's facts: of names flagged only were they new"))),
                "{n}: {:?}",
                asker.notes
            );
        }
        // a flagged name is still asked, and judged with the index's facts
        let d = dep("reqeusts");
        let found = engine.check(&d).unwrap();
        let again = asker.judge(&engine, &d, found).unwrap();
        assert_eq!(log.lock().unwrap().last().unwrap(), "/simple/reqeusts/");
        assert!(
            again.iter().any(|f| f.rule == Rule::Typosquat
                && f.index_says.as_ref().is_some_and(|s| s.host == "127.0.0.1")
                && !f.message.contains("the index")
                && f.display_message()
                    .contains("the index (127.0.0.1) says: first uploaded")),
            "{again:?}"
        );
        // a name near no popular one is not asked about
        let d = dep("zzqxv-unrelated");
        let found = engine.check(&d).unwrap();
        asker.judge(&engine, &d, found).unwrap();
        assert_eq!(log.lock().unwrap().len(), MAX_ASKED_IF_NEW + 1);
    }
}
