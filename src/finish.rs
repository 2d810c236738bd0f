//! `finish`: the one place where a run's judged findings become its report, for every command
//! (`check`, `scan`, `audit`, `safe-pip`, and `check --staged`/`--since`).
//!
//! A run discovers and reads its files and the rules judge what was read; then [`finish`]
//! applies the run's [`Policy`], in this order:
//!
//! 1. private packages: the name rules (`typosquat`, `not-on-pypi`, `import-name`) do not judge
//!    a name the configuration lists in `private-packages`;
//! 2. inline `# squatguard: ignore[rule, ...]` comments on a finding's line, as its reader found
//!    the line's comment ([`Finding::inline_ignore`], [`crate::inline_ignore`]; no text is
//!    searched here): honoured only in files whose [`Origin`] is the user's own; elsewhere the
//!    finding stays and says that a comment tried to hide it;
//! 3. the configuration's severity overrides (one the user has not trusted only raises a
//!    finding's severity: [`Config::severity_raises_only`]);
//! 4. allow entries, those given on safe-pip's command line first, then the configuration's:
//!    the finding stays, as a note that records who allowed it ([`Allowance`]);
//! 5. allow entries of the configuration that matched nothing, as `unused-allow` notes, when the
//!    run saw the whole tree (a run over some files cannot tell);
//! 6. the rule choice (`--select`/`--ignore`, else the configuration's);
//! 7. order by file, position and rule, without exact repeats;
//! 8. one finding per problem: the findings about one dependency at one place (a name not on
//!    PyPI that is also near a popular one) become one, the most severe, which says the others
//!    ([`Finding::also`]).
//!
//! What steps 1, 2 and 6 keep out of the report is listed in [`Finished::hidden`], each entry
//! with its reason, so that nothing that silences a check goes unseen.
//!
//! What may relax the checks is decided once, by [`Policy::new`] from a [`Trust`]: a
//! configuration applies whole only when the user vouches for it, and the checked files'
//! comments count only when the user vouches for the files.
//!
//! State is kept in fields of [`Finding`], never in its message: printers say in words what the
//! fields mean ([`Finding::display_message`]).

use crate::config::{Config, Origin, Relaxation};
use crate::finding::{Allowance, Finding, Rule, Severity};
use crate::source::display_path;

/// What a run may relax, and which rules it reports: decided once, by the command, from what
/// the user asked and what the user trusts.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The configuration in effect (for safe-pip, without the relaxations of a file the user
    /// has not trusted: see [`Config::without_relaxations`]).
    pub config: Config,
    /// Whose files these are: decides whether their `squatguard: ignore` comments count.
    pub origin: Origin,
    /// Only these rules (empty: all).
    pub select: Vec<Rule>,
    /// Never these rules.
    pub ignore: Vec<Rule>,
    /// Names allowed on the command line (safe-pip's `--squatguard-allow`).
    pub allowed_names: Vec<crate::name::PackageName>,
    /// Whether the run saw the whole tree, so that an allow entry that matched nothing is
    /// really unused.
    pub report_unused_allows: bool,
}

/// What the user vouches for in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trust {
    /// The configuration file: the user's own, named on the command line, or trusted with
    /// `squatguard trust`. Otherwise it may have come with the code, and only what tightens
    /// the checks applies.
    pub config: bool,
    /// The checked files: their `squatguard: ignore` comments count.
    pub files: bool,
}

impl Policy {
    /// The run's policy under `trust`, and what in `config` was not applied because it weakens
    /// the checks and is not trusted. The rule choice and command-line allows are the caller's
    /// to add: they come from whoever runs squatguard.
    pub fn new(config: Config, trust: Trust) -> (Policy, Vec<Relaxation>) {
        let (config, dropped) = if trust.config {
            (config, Vec::new())
        } else {
            let dropped = config.relaxations();
            (config.without_relaxations(), dropped)
        };
        let origin = if trust.files {
            Origin::Own
        } else {
            Origin::Untrusted
        };
        let policy = Policy {
            config,
            origin,
            report_unused_allows: true,
            ..Policy::default()
        };
        (policy, dropped)
    }

    /// Whether the rule choice reports `rule`.
    pub fn enabled(&self, rule: Rule) -> bool {
        (self.select.is_empty() || self.select.contains(&rule)) && !self.ignore.contains(&rule)
    }
}

/// Why a finding was kept out of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HiddenBy {
    /// `private-packages` of the configuration: the name rules do not judge the name.
    PrivatePackage,
    /// A `squatguard: ignore` comment on the finding's line, in the user's own file.
    InlineComment,
    /// The rule is not selected (`--select`/`--ignore`, or the configuration's).
    RuleChoice,
}

impl HiddenBy {
    pub fn describe(self) -> &'static str {
        match self {
            HiddenBy::PrivatePackage => "`private-packages`",
            HiddenBy::InlineComment => "`squatguard: ignore` comments",
            HiddenBy::RuleChoice => "rules turned off by --select/--ignore or the configuration",
        }
    }
}

/// One finding kept out of the report, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hidden {
    pub by: HiddenBy,
    pub rule: Rule,
    pub file: String,
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<crate::name::PackageName>,
}

impl Hidden {
    fn of(f: &Finding, by: HiddenBy) -> Hidden {
        Hidden {
            by,
            rule: f.rule,
            file: f.file.clone(),
            line: f.line,
            package: f.package.clone(),
        }
    }
}

/// A run's report: what is shown, and what was kept out.
#[derive(Debug, Default)]
pub struct Finished {
    /// Sorted by file and position, without exact repeats.
    pub findings: Vec<Finding>,
    pub hidden: Vec<Hidden>,
}

/// Applies `policy` to a run's judged findings (see the module doc for the steps).
pub fn finish(mut findings: Vec<Finding>, policy: &Policy) -> Finished {
    let cfg = &policy.config;
    let mut hidden = Vec::new();
    findings.retain_mut(|f| {
        let name_rule = matches!(f.rule, Rule::Typosquat | Rule::NotOnPypi | Rule::ImportName);
        if name_rule && f.package.as_deref().is_some_and(|p| cfg.is_private(p)) {
            hidden.push(Hidden::of(f, HiddenBy::PrivatePackage));
            return false;
        }
        if !suppressed_inline(f) {
            return true;
        }
        match policy.origin {
            Origin::Own => {
                hidden.push(Hidden::of(f, HiddenBy::InlineComment));
                false
            }
            Origin::Untrusted => {
                f.suppression_ignored = true;
                true
            }
        }
    });
    let mut used = vec![false; cfg.allow.len()];
    let config_file = cfg.file.as_deref().map(display_path).unwrap_or_default();
    for f in findings.iter_mut() {
        if let Some(&sev) = cfg.severity.get(&f.rule) {
            f.severity = if cfg.severity_raises_only.contains(&f.rule) {
                f.severity.max(sev)
            } else {
                sev
            };
        }
        let Some(pkg) = f.package.as_deref() else {
            continue;
        };
        if f.allowed.is_none()
            && f.severity != Severity::Note
            && policy.allowed_names.iter().any(|a| a == pkg)
        {
            f.severity = Severity::Note;
            f.allowed = Some(Allowance::CommandLine);
        }
        if let Some(i) = cfg
            .allow
            .iter()
            .position(|a| a.package == pkg && a.rule.is_none_or(|r| r == f.rule))
        {
            used[i] = true;
            f.severity = Severity::Note;
            if f.allowed.is_none() {
                f.allowed = Some(Allowance::Config {
                    file: config_file.clone(),
                    line: cfg.allow[i].line,
                    reason: cfg.allow[i].reason.clone(),
                });
            }
        }
    }
    if policy.report_unused_allows {
        findings.extend(cfg.allow.iter().zip(used).filter(|(_, used)| !used).map(|(a, _)| {
            let what = a.rule.map(|r| format!(" for `{r}`")).unwrap_or_default();
            Finding::new(
                Rule::UnusedAllow,
                config_file.clone(),
                a.line,
                a.column,
                format!(
                    "the allow entry for `{}`{what} matched nothing; remove it so the list does not rot",
                    a.package
                ),
            )
            .with_package(a.package.clone())
        }));
    }
    findings.retain(|f| {
        let on = policy.enabled(f.rule);
        if !on {
            hidden.push(Hidden::of(f, HiddenBy::RuleChoice));
        }
        on
    });
    sort(&mut findings);
    merge_per_dependency(&mut findings);
    Finished { findings, hidden }
}

/// Step 8: merges the findings, sorted, about the same dependency at the same place into the
/// most severe of them (the first rule, on a tie), which keeps the others' rule, severity and
/// headline (the message up to its explanation) in [`Finding::also`], adds their help to its
/// own, and takes the first fix and look-alike any of them had.
fn merge_per_dependency(findings: &mut Vec<Finding>) {
    let same = |a: &Finding, b: &Finding| {
        a.package.is_some()
            && a.package == b.package
            && a.file == b.file
            && a.line == b.line
            && a.column == b.column
    };
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut group: Vec<Finding> = Vec::new();
    let flush = |group: &mut Vec<Finding>, out: &mut Vec<Finding>| {
        if group.len() < 2 {
            out.append(group);
            return;
        }
        // most severe first; the sort already put rules in order within a place
        let first = group
            .iter()
            .enumerate()
            .max_by(|(i, a), (j, b)| a.severity.cmp(&b.severity).then(j.cmp(i)))
            .map_or(0, |(i, _)| i);
        let mut primary = group.remove(first);
        for other in group.drain(..) {
            // its headline: the message up to its explanation
            let message = other
                .message
                .split(": ")
                .next()
                .unwrap_or_default()
                .to_owned();
            if let Some(help) = other.help.filter(|h| primary.help.as_ref() != Some(h)) {
                primary.help = Some(match primary.help.take() {
                    Some(mine) => format!("{mine}; {help}"),
                    None => help,
                });
            }
            if primary.fix.is_none() {
                primary.fix = other.fix;
            }
            if primary.similar_to.is_none() {
                primary.similar_to = other.similar_to;
            }
            primary.also.push(crate::finding::Also {
                rule: other.rule,
                code: other.code,
                severity: other.severity,
                message,
            });
        }
        out.push(primary);
    };
    for f in findings.drain(..) {
        if group.last().is_some_and(|g| !same(g, &f)) {
            flush(&mut group, &mut out);
        }
        group.push(f);
    }
    flush(&mut group, &mut out);
    *findings = out;
}

/// Sorts findings by file, position and rule, then message (with what the index says), and
/// drops exact repeats (an include reached from two manifests, a requirement seen in two phases
/// of safe-pip).
pub fn sort(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.said().cmp(&b.said()))
    });
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.said() == b.said());
}

/// `# squatguard: ignore[rule, ...] reason` (or `ignore` alone, for every rule) in the comment
/// of the finding's own line, as its reader found it ([`Finding::inline_ignore`]).
fn suppressed_inline(f: &Finding) -> bool {
    f.inline_ignore.as_ref().is_some_and(|i| i.covers(f.rule))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inline_ignore::InlineIgnore;
    use crate::source::SourceFile;

    fn policy(config: &str, origin: Origin) -> Policy {
        Policy {
            config: crate::config::parse(&SourceFile::new("squatguard.toml", config)).unwrap(),
            origin,
            report_unused_allows: true,
            ..Policy::default()
        }
    }

    fn finding(rule: Rule, package: &str, line: &str) -> Finding {
        Finding::new(rule, "requirements.txt", 1, 1, "m")
            .with_package(package)
            .with_snippet(line)
    }

    /// One problem, one finding: the findings about one dependency at one place merge into
    /// the most severe, which says the others; other places and other packages stay apart.
    #[test]
    fn findings_about_one_dependency_merge_into_the_most_severe() {
        let mut squat =
            finding(Rule::Typosquat, "reqeusts", "reqeusts").with_severity(Severity::Warning);
        squat.message = "`reqeusts` looks like a typo of `requests` (rank 6): swapped".into();
        squat.help = Some("did you mean `requests`?".into());
        let mut missing =
            finding(Rule::NotOnPypi, "reqeusts", "reqeusts").with_severity(Severity::Error);
        missing.message = "`reqeusts` is not on PyPI (snapshot): a private package".into();
        let mut elsewhere = finding(Rule::NotOnPypi, "reqeusts", "reqeusts");
        elsewhere.line = 2;
        let other = finding(Rule::NotOnPypi, "colourama", "reqeusts");
        let done = finish(
            vec![squat, missing, elsewhere, other],
            &policy("", Origin::Own),
        );
        assert_eq!(done.findings.len(), 3, "{:#?}", done.findings);
        let merged = &done.findings[0];
        assert_eq!(
            (merged.rule, merged.severity),
            (Rule::NotOnPypi, Severity::Error)
        );
        assert_eq!(merged.also.len(), 1);
        assert_eq!(merged.also[0].rule, Rule::Typosquat);
        assert_eq!(
            merged.also[0].message,
            "`reqeusts` looks like a typo of `requests` (rank 6)"
        );
        assert!(merged
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean `requests`?"));
        assert!(merged.display_message().ends_with(
            "; also warning typosquat: `reqeusts` looks like a typo of `requests` (rank 6)"
        ));
    }

    /// The directive its reader found in the comment of the finding's line counts, for the
    /// rules it names; the text the finding shows does not.
    #[test]
    fn inline_suppression_names_its_rules() {
        let mut f = finding(Rule::Typosquat, "reqeusts", "reqeusts==1.0");
        f.inline_ignore = InlineIgnore::parse("# squatguard: ignore[typosquat, not-on-pypi] test");
        assert!(suppressed_inline(&f));
        let mut g = f.clone();
        g.rule = Rule::KnownMalicious;
        assert!(!suppressed_inline(&g), "only the rules named");
        let mut h = finding(Rule::KnownMalicious, "x", "x");
        h.inline_ignore = Some(InlineIgnore::All);
        assert!(suppressed_inline(&h));
        let shown = finding(
            Rule::Typosquat,
            "x",
            "x @ https://h/x.whl#squatguard: ignore",
        );
        assert!(!suppressed_inline(&shown), "state is not text");
    }

    /// A file under inspection cannot hide its own findings: the comment is named instead.
    #[test]
    fn inline_suppression_of_an_untrusted_file_is_reported_not_honoured() {
        let src = SourceFile::new(
            "evil.py",
            "import x\nexec(base64.b64decode(x))  # squatguard: ignore\n",
        );
        let f = Finding::new(Rule::DecodeExec, "evil.py", 2, 1, "exec runs decoded data")
            .with_snippet_at(&src, src.line_start(2));
        let own = finish(vec![f.clone()], &policy("", Origin::Own));
        assert!(own.findings.is_empty());
        assert_eq!(own.hidden[0].by, HiddenBy::InlineComment);
        let untrusted = finish(vec![f], &policy("", Origin::Untrusted));
        assert_eq!(untrusted.findings.len(), 1);
        assert!(untrusted.hidden.is_empty());
        let shown = &untrusted.findings[0];
        assert_eq!(shown.severity, Severity::Error);
        assert!(shown.suppression_ignored);
        assert_eq!(shown.message, "exec runs decoded data", "state is not text");
        assert!(shown
            .display_message()
            .ends_with(crate::finding::IGNORED_SUPPRESSION));
    }

    #[test]
    fn private_packages_hide_only_the_name_rules() {
        let p = policy("private-packages = [\"acme-*\"]\n", Origin::Own);
        let out = finish(
            vec![
                finding(Rule::NotOnPypi, "acme-billing", "acme-billing"),
                finding(Rule::KnownMalicious, "acme-billing", "acme-billing"),
            ],
            &p,
        );
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].rule, Rule::KnownMalicious);
        assert_eq!(out.hidden.len(), 1);
        assert_eq!(out.hidden[0].by, HiddenBy::PrivatePackage);
        assert_eq!(out.hidden[0].package.as_deref(), Some("acme-billing"));
    }

    #[test]
    fn allow_entries_demote_and_record_who_allowed() {
        let p = policy(
            "[[allow]]\npackage = \"reqeusts\"\nreason = \"test double\"\n[[allow]]\npackage = \"gone\"\nrule = \"typosquat\"\nreason = \"old\"\n",
            Origin::Own,
        );
        let out = finish(vec![finding(Rule::Typosquat, "reqeusts", "reqeusts")], &p);
        let allowed = &out.findings[0];
        assert_eq!(allowed.severity, Severity::Note);
        assert_eq!(
            allowed.allowed,
            Some(Allowance::Config {
                file: "squatguard.toml".into(),
                line: 1,
                reason: "test double".into()
            })
        );
        assert_eq!(allowed.display_message(), "m [allowed: test double]");
        let unused = &out.findings[1];
        assert_eq!(unused.rule, Rule::UnusedAllow);
        assert_eq!((unused.file.as_str(), unused.line), ("squatguard.toml", 4));
        assert!(unused.message.contains("`gone` for `typosquat`"));

        let mut cli = Policy {
            allowed_names: vec![crate::name::normalize("reqeusts")],
            ..Policy::default()
        };
        let out = finish(vec![finding(Rule::Typosquat, "reqeusts", "reqeusts")], &cli);
        assert_eq!(out.findings[0].allowed, Some(Allowance::CommandLine));
        assert_eq!(
            out.findings[0].display_message(),
            "allowed by --squatguard-allow: m"
        );
        cli.report_unused_allows = true;
        assert_eq!(
            finish(Vec::new(), &cli).findings.len(),
            0,
            "no config entries"
        );
    }

    #[test]
    fn rule_choice_hides_and_counts_and_output_is_sorted_once() {
        let p = Policy {
            ignore: vec![Rule::DirectUrl],
            ..Policy::default()
        };
        let a = Finding::new(Rule::Typosquat, "b.txt", 3, 1, "x");
        let b = Finding::new(Rule::Typosquat, "a.txt", 9, 1, "y");
        let c = Finding::new(Rule::DirectUrl, "a.txt", 1, 1, "z");
        let out = finish(vec![a.clone(), b.clone(), c, a.clone()], &p);
        assert_eq!(out.findings, vec![b, a]);
        assert_eq!(out.hidden.len(), 1);
        assert_eq!(out.hidden[0].by, HiddenBy::RuleChoice);
    }
}
