//! At install time, the index pip uses is asked about each package a name rule flags
//! (`typosquat`, `not-on-pypi`): its PEP 691 project page gives the first upload, the number of
//! releases and the newest version ([`crate::index_facts`]), and the package is judged again
//! with those facts instead of the name snapshot's ([`crate::rules::Known::age`]).
//!
//! Bounded: only flagged names are asked, each once, at most [`MAX_ASKED`] per run, each within
//! [`crate::index_facts::LIMITS`] and all within [`BUDGET`]. When the index does not answer (or
//! answers what does not read), the snapshot's verdict stands and stderr says so.

use crate::finding::{Finding, Rule};
use crate::manifest::Dependency;
use crate::name::PackageName;
use crate::rules::{Engine, Known};
use crate::store::{NameAge, StoreError};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The most names one run asks the index about.
pub const MAX_ASKED: usize = 20;
/// The most time one run spends asking.
pub const BUDGET: Duration = Duration::from_secs(20);

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

    /// `found`, the findings about `dep`; when a name rule is among them, those of `dep` judged
    /// again with the index's facts (when it answers).
    pub fn judge(
        &mut self,
        engine: &Engine,
        dep: &Dependency,
        found: Vec<Finding>,
    ) -> Result<Vec<Finding>, StoreError> {
        if !found.iter().any(|f| name_rule(f.rule)) {
            return Ok(found);
        }
        let Some(age) = self.facts(&dep.name) else {
            return Ok(found);
        };
        let mut again = engine.judge(
            dep,
            Known {
                age: Some(age.clone()),
                age_from_index: true,
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
            f.message.push_str(&format!(
                "; the index ({host}) says: {}",
                crate::index_facts::describe(&age)
            ));
        }
        Ok(again)
    }

    /// The index's facts on `name`, asked once.
    fn facts(&mut self, name: &PackageName) -> Option<NameAge> {
        if let Some(known) = self.asked.get(name) {
            return known.clone();
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
