//! The one finding type every rule produces and every printer consumes, and the rule catalogue.
//!
//! Rule names and codes are stable: they are used in `--select`/`--ignore`, in suppressions,
//! in JSON and SARIF output, and in users' CI configuration. Never renumber a rule.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// How serious a finding is. Only `Error` fails a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

macro_rules! rules {
    ($( $variant:ident = ($name:literal, $code:literal, $sev:ident, $desc:literal), )*) => {
        /// Every rule squatguard knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $( $variant, )* }

        impl Rule {
            /// All rules, in code order.
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];

            /// The kebab-case name used on the command line and in output.
            pub fn name(self) -> &'static str {
                match self { $( Rule::$variant => $name, )* }
            }

            /// The stable code (`SG101`).
            pub fn code(self) -> &'static str {
                match self { $( Rule::$variant => $code, )* }
            }

            /// Severity unless configuration says otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $( Rule::$variant => Severity::$sev, )* }
            }

            /// One sentence on what the rule finds and why it matters.
            pub fn description(self) -> &'static str {
                match self { $( Rule::$variant => $desc, )* }
            }
        }
    };
}

rules! {
    KnownMalicious = ("known-malicious", "SG101", Error,
        "The package, or the release the requirement admits, was reported as malicious."),
    Typosquat = ("typosquat", "SG102", Error,
        "The name is not itself popular and is one typo away from a popular package: a classic typosquat."),
    NotOnPypi = ("not-on-pypi", "SG103", Warning,
        "The name is not on PyPI: a private package, a hallucinated name (slopsquatting), or one PyPI removed."),
    ImportName = ("import-name", "SG104", Warning,
        "The name is a module's (`import cv2`), not the project's that provides it (`opencv-python`): PyPI's project of that name is another one, or free for anyone to register."),
    DirectUrl = ("direct-url", "SG201", Warning,
        "A URL, VCS or local path requirement bypasses the package index and its malware checks."),
    IndexUrl = ("index-url", "SG202", Warning,
        "An extra or non-HTTPS package index, or a trusted host, opens the door to dependency confusion and tampering; an index that replaces PyPI serves every package."),
    InvalidRequirement = ("invalid-requirement", "SG301", Error,
        "A requirement that cannot be parsed cannot be checked."),
    InvalidManifest = ("invalid-manifest", "SG302", Error,
        "A manifest that cannot be read as its format cannot be checked."),
    UnresolvedDependency = ("unresolved-dependency", "SG303", Note,
        "Dependencies computed at run time (a function call, a file read, an include) that a static reader cannot see."),
    UnusedAllow = ("unused-allow", "SG304", Note,
        "An allow entry in the configuration matched no finding: remove it so the list does not rot."),
    DecodeExec = ("decode-exec", "SG401", Error,
        "Code decoded at run time (base64, hex, zlib, ROT13, XOR...) and then executed hides what it does from every reader."),
    EncodedBlob = ("encoded-blob", "SG402", Warning,
        "A large base64 or hex literal that decodes to Python source or an executable is a payload carried in plain sight."),
    InstallTimeCode = ("install-time-code", "SG403", Warning,
        "Code in setup.py that runs commands or reaches the network runs on `pip install`, before anything else can look."),
    ImportTimeCode = ("import-time-code", "SG404", Warning,
        "Code that spawns, executes or connects at module level in an auto-loaded file (__init__.py, conftest.py, .pth) runs just by importing or testing."),
    HiddenProcess = ("hidden-process", "SG405", Warning,
        "A process launched detached, in a new session or from a temporary file outlives and hides from the program that started it."),
    ExfilEndpoint = ("exfil-endpoint", "SG406", Warning,
        "Discord webhooks, Telegram bots, paste sites, raw IP and ROT13-hidden URLs are where stolen data and second stages go."),
    CredentialAccess = ("credential-access", "SG407", Warning,
        "Paths to SSH keys, cloud credentials, browser profiles or wallet extensions are what stealers read."),
    Obfuscation = ("obfuscation", "SG408", Warning,
        "Dynamic builtins lookup, code pushed off-screen by spaces and bidirectional control characters hide code from reviewers."),
    DisguisedBinary = ("disguised-binary", "SG409", Error,
        "A .py file that is really a binary, or compiled .pyc without its source, cannot be reviewed."),
    VendoredPackage = ("vendored-package", "SG410", Note,
        "A folder named like a popular PyPI package is a vendored copy that may have been modified; it is not the package you would install."),
    OpaqueCode = ("opaque-code", "SG411", Warning,
        "Code Python can run that cannot be read (a native module, a file too large, an unreadable archive) is reported, never passed over in silence."),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl FromStr for Rule {
    type Err = String;

    /// Accepts a rule's name or its code, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.name().eq_ignore_ascii_case(s) || r.code().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
                format!("unknown rule `{s}` (rules: {})", names.join(", "))
            })
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One problem at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub code: &'static str,
    pub severity: Severity,
    /// Normalised package name, when the finding is about a package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<crate::name::PackageName>,
    /// The file, as given or discovered.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in code points.
    pub column: u32,
    pub message: String,
    /// For `typosquat` in safe-pip: what the index asked about the name says of it, which the
    /// verdict weighed. Printed after the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_says: Option<IndexSays>,
    /// For `typosquat`: the popular package the name imitates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similar_to: Option<String>,
    /// For `known-malicious`: the advisory id (`MAL-2025-6794`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory: Option<String>,
    /// For `known-malicious`: where the report can be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The text of the offending line, for human output.
    #[serde(skip)]
    pub snippet: Option<String>,
    /// Code points of the line before `snippet`, when only a window of a long line is kept.
    #[serde(skip)]
    pub snippet_skip: u32,
    /// [`crate::source::line_identity`] of the whole line, when the finding was made where its
    /// file was at hand: what `--since` compares (else the snippet's).
    #[serde(skip)]
    pub line_identity: Option<u64>,
    /// The `squatguard: ignore` directive in the comment of its line, as the file's format
    /// finds the comment ([`crate::inline_ignore`]); [`crate::finish`] decides whether to honour it.
    #[serde(skip)]
    pub inline_ignore: Option<crate::inline_ignore::InlineIgnore>,
    /// How many code points to underline from `column`.
    #[serde(skip)]
    pub span_len: u32,
    /// The edit `--fix` would make, when one is safe.
    #[serde(skip)]
    pub fix: Option<Fix>,
    /// Demoted to a note by an allow entry: who allowed it, and why. Set only by
    /// [`crate::finish`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Allowance>,
    /// Its line carries a `squatguard: ignore` comment that was not honoured, since the file is
    /// under inspection. Set only by [`crate::finish`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppression_ignored: bool,
    /// Other findings about the same dependency at the same place, merged into this one (the
    /// one of highest severity) so that one problem is one finding: a name not on PyPI that is
    /// also near a popular one. Set only by [`crate::finish`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Also>,
}

/// What an index said about a flagged name ([`Finding::index_says`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexSays {
    /// The index's host (`pypi.org`).
    pub host: String,
    /// Its facts in words: `first uploaded 2026-12-01, 1 release, the newest 1.0, ...`.
    pub facts: String,
}

/// A finding merged into another about the same dependency (see [`Finding::also`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Also {
    pub rule: Rule,
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
}

/// Who allowed a finding, which [`crate::finish`] then kept as a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Allowance {
    /// An `[[allow]]` entry of the configuration file `file`, at `line`.
    Config {
        file: String,
        line: u32,
        reason: String,
    },
    /// `--squatguard-allow NAME` on safe-pip's command line.
    CommandLine,
}

/// What a printer appends to the message of a finding whose line carries a suppression comment
/// that was not honoured.
pub const IGNORED_SUPPRESSION: &str =
    " [its line carries a `squatguard: ignore` comment, not honoured in a file under inspection]";

/// An automatic fix of one finding, in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Replace the bytes `span` (which must still read `expected`) with `with`.
    Replace {
        span: std::ops::Range<usize>,
        expected: String,
        with: String,
    },
    /// Remove the requirement on this 1-based line, with its `\` continuation lines; the line
    /// must hold the requirement's name at `span` (which must still read `expected`).
    RemoveLine {
        line: u32,
        span: std::ops::Range<usize>,
        expected: String,
    },
}

impl Finding {
    /// A finding of `rule` at its default severity; refine it with the `with_*` methods.
    pub fn new(
        rule: Rule,
        file: impl Into<String>,
        line: u32,
        column: u32,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            code: rule.code(),
            severity: rule.default_severity(),
            package: None,
            file: file.into(),
            line,
            column,
            message: message.into(),
            index_says: None,
            similar_to: None,
            advisory: None,
            source: None,
            help: None,
            snippet: None,
            snippet_skip: 0,
            line_identity: None,
            inline_ignore: None,
            span_len: 1,
            fix: None,
            allowed: None,
            suppression_ignored: false,
            also: Vec::new(),
        }
    }

    /// The message as the text printers show it: with what the index says, who allowed the
    /// finding, and a suppression comment that was not honoured, said in words.
    pub fn display_message(&self) -> std::borrow::Cow<'_, str> {
        if self.allowed.is_none()
            && !self.suppression_ignored
            && self.also.is_empty()
            && self.index_says.is_none()
        {
            return std::borrow::Cow::Borrowed(&self.message);
        }
        let mut out = String::with_capacity(self.message.len() + 64);
        if self.allowed == Some(Allowance::CommandLine) {
            out.push_str("allowed by --squatguard-allow: ");
        }
        out.push_str(&self.said());
        for a in &self.also {
            out.push_str(&format!("; also {} {}: {}", a.severity, a.rule, a.message));
        }
        if self.suppression_ignored {
            out.push_str(IGNORED_SUPPRESSION);
        }
        if let Some(Allowance::Config { reason, .. }) = &self.allowed {
            out.push_str(&format!(" [allowed: {reason}]"));
        }
        std::borrow::Cow::Owned(out)
    }

    /// The message with what the index says ([`Finding::index_says`]) after it.
    pub fn said(&self) -> std::borrow::Cow<'_, str> {
        match &self.index_says {
            None => std::borrow::Cow::Borrowed(&self.message),
            Some(IndexSays { host, facts }) => std::borrow::Cow::Owned(format!(
                "{}; the index ({host}) says: {facts}",
                self.message
            )),
        }
    }

    /// About `package` (normalised here, whatever the caller had).
    pub fn with_package(mut self, package: impl AsRef<str>) -> Self {
        self.package = Some(crate::name::normalize(package.as_ref()));
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_snippet(mut self, snippet: impl Into<String>) -> Self {
        self.snippet = Some(snippet.into());
        self
    }

    /// With the line at byte `offset` of `src` as its snippet (a window of it, if it is long).
    pub fn with_snippet_at(mut self, src: &crate::source::SourceFile, offset: usize) -> Self {
        self.set_snippet(src.snippet_at(offset));
        self
    }

    /// Shows `snippet`, of the finding's line.
    pub fn set_snippet(&mut self, snippet: crate::source::Snippet) {
        self.snippet = Some(snippet.text);
        self.snippet_skip = snippet.skip;
        self.line_identity = Some(snippet.line_identity);
        self.inline_ignore = snippet.inline_ignore;
    }

    /// With what identifies the 1-based `line` of `src` and the suppression its comment holds,
    /// for a finding that shows a snippet of its own making.
    pub fn on_line_of(mut self, src: &crate::source::SourceFile, line: u32) -> Self {
        self.line_identity = Some(src.line_identity(line));
        self.inline_ignore = src.inline_ignore(line);
        self
    }

    /// Orders findings by file, position, then rule, for stable output.
    pub fn sort_key(&self) -> (&str, u32, u32, Rule) {
        (&self.file, self.line, self.column, self.rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_stable() {
        let codes: HashSet<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        let names: HashSet<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(codes.len(), Rule::ALL.len());
        assert_eq!(names.len(), Rule::ALL.len());
        let listed: Vec<String> = Rule::ALL
            .iter()
            .map(|r| format!("{} {} {}", r.code(), r.name(), r.default_severity()))
            .collect();
        assert_eq!(
            listed,
            [
                "SG101 known-malicious error",
                "SG102 typosquat error",
                "SG103 not-on-pypi warning",
                "SG104 import-name warning",
                "SG201 direct-url warning",
                "SG202 index-url warning",
                "SG301 invalid-requirement error",
                "SG302 invalid-manifest error",
                "SG303 unresolved-dependency note",
                "SG304 unused-allow note",
                "SG401 decode-exec error",
                "SG402 encoded-blob warning",
                "SG403 install-time-code warning",
                "SG404 import-time-code warning",
                "SG405 hidden-process warning",
                "SG406 exfil-endpoint warning",
                "SG407 credential-access warning",
                "SG408 obfuscation warning",
                "SG409 disguised-binary error",
                "SG410 vendored-package note",
                "SG411 opaque-code warning",
            ]
        );
    }

    /// What the index says is a field: printed after the message, its own object in JSON.
    #[test]
    fn what_the_index_says_is_a_field() {
        let mut f = Finding::new(
            Rule::Typosquat,
            "r.txt",
            1,
            1,
            "`reqeusts` looks like a typo",
        );
        f.index_says = Some(IndexSays {
            host: "pypi.org".into(),
            facts: "first uploaded 2026-12-01, 1 release".into(),
        });
        assert_eq!(
            f.display_message(),
            "`reqeusts` looks like a typo; the index (pypi.org) says: first uploaded 2026-12-01, 1 release"
        );
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["message"], "`reqeusts` looks like a typo");
        assert_eq!(json["index_says"]["host"], "pypi.org");
        assert_eq!(
            json["index_says"]["facts"],
            "first uploaded 2026-12-01, 1 release"
        );
        f.index_says = None;
        let json = serde_json::to_value(&f).unwrap();
        assert!(json.get("index_says").is_none());
    }

    #[test]
    fn rules_parse_by_name_or_code() {
        assert_eq!("typosquat".parse::<Rule>(), Ok(Rule::Typosquat));
        assert_eq!("sg101".parse::<Rule>(), Ok(Rule::KnownMalicious));
        assert!("nope".parse::<Rule>().is_err());
    }
}
