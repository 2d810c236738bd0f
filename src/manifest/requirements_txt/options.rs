//! pip's line parser (`get_line_parser` in `pip/_internal/req/req_file.py`):
//! `break_args_options`, `shlex.split` of the options, and `optparse` over pip's option table
//! (`SUPPORTED_OPTIONS` and `SUPPORTED_OPTIONS_REQ`, from `pip/_internal/cli/cmdoptions.py`),
//! including optparse's unambiguous long-option prefixes; then `ParsedLine`'s reading of the
//! result (a requirement, an editable, or options).

use super::{LineOption, PipOption, Problem, Statement};
use std::ops::Range;

/// pip's long options: the spellings optparse matches prefixes against.
const LONG: &[(&str, PipOption)] = &[
    ("--index-url", PipOption::IndexUrl),
    ("--pypi-url", PipOption::IndexUrl),
    ("--extra-index-url", PipOption::ExtraIndexUrl),
    ("--no-index", PipOption::NoIndex),
    ("--constraint", PipOption::Constraint),
    ("--requirement", PipOption::Requirement),
    ("--editable", PipOption::Editable),
    ("--find-links", PipOption::FindLinks),
    ("--no-binary", PipOption::NoBinary),
    ("--only-binary", PipOption::OnlyBinary),
    ("--prefer-binary", PipOption::PreferBinary),
    ("--require-hashes", PipOption::RequireHashes),
    ("--pre", PipOption::Pre),
    ("--trusted-host", PipOption::TrustedHost),
    ("--use-feature", PipOption::UseFeature),
    ("--global-option", PipOption::GlobalOption),
    ("--hash", PipOption::Hash),
    ("--config-settings", PipOption::ConfigSettings),
];

const SHORT: &[(char, PipOption)] = &[
    ('i', PipOption::IndexUrl),
    ('c', PipOption::Constraint),
    ('r', PipOption::Requirement),
    ('e', PipOption::Editable),
    ('f', PipOption::FindLinks),
    ('C', PipOption::ConfigSettings),
];

/// pip's `STRONG_HASHES`, the algorithms `--hash` accepts.
const STRONG_HASHES: [&str; 3] = ["sha256", "sha384", "sha512"];

impl PipOption {
    /// The option's first long spelling in pip's table.
    pub fn long(self) -> &'static str {
        LONG.iter()
            .find(|(_, o)| *o == self)
            .map_or("", |(name, _)| name)
    }

    /// Whether optparse takes a value for it.
    pub fn takes_value(self) -> bool {
        !matches!(
            self,
            PipOption::NoIndex
                | PipOption::PreferBinary
                | PipOption::RequireHashes
                | PipOption::Pre
        )
    }

    /// pip's `SUPPORTED_OPTIONS_REQ`: options that belong to the requirement on their line.
    pub fn for_requirement(self) -> bool {
        matches!(
            self,
            PipOption::GlobalOption | PipOption::Hash | PipOption::ConfigSettings
        )
    }
}

/// A token of `shlex.split` with the byte range it was read from.
struct Token {
    text: String,
    span: Range<usize>,
}

/// Python's `shlex.split(s)` (POSIX mode, whitespace ` \t\r\n`, no comments), each token with
/// the range of `s` it came from, offset by `base`. Errors as shlex raises them.
fn shlex_split(s: &str, base: usize) -> Result<Vec<Token>, (usize, String)> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Space,
        Word,
        Quote(char),
        Escape,
    }
    let ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut tokens = Vec::new();
    let mut state = State::Space;
    let mut escaped = State::Word;
    let mut text = String::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match state {
            State::Space => {
                if ws(c) {
                    continue;
                }
                start = i;
                match c {
                    '\\' => {
                        escaped = State::Word;
                        state = State::Escape;
                    }
                    '"' | '\'' => state = State::Quote(c),
                    _ => {
                        text.push(c);
                        state = State::Word;
                    }
                }
            }
            State::Word => match c {
                _ if ws(c) => {
                    tokens.push(Token {
                        text: std::mem::take(&mut text),
                        span: base + start..base + i,
                    });
                    quoted = false;
                    state = State::Space;
                }
                '"' | '\'' => state = State::Quote(c),
                '\\' => {
                    escaped = State::Word;
                    state = State::Escape;
                }
                _ => text.push(c),
            },
            State::Quote(q) => {
                quoted = true;
                if c == q {
                    state = State::Word;
                } else if c == '\\' && q == '"' {
                    escaped = state;
                    state = State::Escape;
                } else {
                    text.push(c);
                }
            }
            State::Escape => {
                if let State::Quote(q) = escaped {
                    if c != '\\' && c != q {
                        text.push('\\');
                    }
                }
                text.push(c);
                state = escaped;
            }
        }
    }
    match state {
        State::Quote(_) => Err((base + start, "No closing quotation".into())),
        State::Escape => Err((base + start, "No escaped character".into())),
        State::Word if !text.is_empty() || quoted => {
            tokens.push(Token {
                text,
                span: base + start..base + s.len(),
            });
            Ok(tokens)
        }
        _ => Ok(tokens),
    }
}

/// optparse's `_match_abbrev`: the exact spelling, else the only one it is a prefix of.
fn match_long(opt: &str) -> Result<(&'static str, PipOption), String> {
    if let Some(&(name, o)) = LONG.iter().find(|(name, _)| *name == opt) {
        return Ok((name, o));
    }
    let mut possible: Vec<(&'static str, PipOption)> = LONG
        .iter()
        .copied()
        .filter(|(name, _)| name.starts_with(opt))
        .collect();
    match possible.len() {
        1 => Ok(possible[0]),
        0 => Err(format!("unknown pip option `{opt}`")),
        _ => {
            possible.sort();
            let names: Vec<&str> = possible.iter().map(|(n, _)| *n).collect();
            Err(format!(
                "ambiguous pip option `{opt}`: it could be {}; pip stops here",
                names.join(" or ")
            ))
        }
    }
}

/// What optparse made of the option tokens: the options in order, and the arguments it set
/// aside (which pip ignores).
struct Parsed {
    options: Vec<LineOption>,
    ignored: Vec<Range<usize>>,
}

/// A value and the range it was read from.
type Valued = (String, Range<usize>);

/// optparse's `_process_args` over the tokens, with pip's callbacks' checks.
fn optparse(tokens: Vec<Token>) -> Result<Parsed, (usize, String)> {
    let mut options = Vec::new();
    let mut ignored = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(tok) = tokens.next() {
        let arg = tok.text.as_str();
        if arg == "--" {
            ignored.extend(tokens.by_ref().map(|t| t.span));
            break;
        }
        let mut found: Vec<(PipOption, String, Option<Valued>)> = Vec::new();
        if arg.starts_with("--") {
            let (opt, explicit) = match arg.split_once('=') {
                Some((opt, v)) => {
                    let from = (tok.span.end - v.len()).max(tok.span.start);
                    (opt, Some((v.to_owned(), from..tok.span.end)))
                }
                None => (arg, None),
            };
            let (name, option) = match_long(opt).map_err(|m| (tok.span.start, m))?;
            let value = if option.takes_value() {
                match explicit {
                    Some(v) => Some(v),
                    None => match tokens.next() {
                        Some(next) => Some((next.text, next.span)),
                        None => {
                            return Err((tok.span.start, format!("option `{name}` needs a value")))
                        }
                    },
                }
            } else if explicit.is_some() {
                return Err((tok.span.start, format!("option `{name}` takes no value")));
            } else {
                None
            };
            found.push((option, opt.to_owned(), value));
        } else if arg.starts_with('-') && arg.chars().count() > 1 {
            for (j, ch) in arg[1..].char_indices() {
                let Some(&(_, option)) = SHORT.iter().find(|(c, _)| *c == ch) else {
                    return Err((tok.span.start, format!("unknown pip option `-{ch}`")));
                };
                let rest_at = 1 + j + ch.len_utf8();
                if !option.takes_value() {
                    found.push((option, format!("-{ch}"), None));
                    continue;
                }
                let value = if rest_at < arg.len() {
                    let v = &arg[rest_at..];
                    let from = (tok.span.end - v.len()).max(tok.span.start);
                    (v.to_owned(), from..tok.span.end)
                } else {
                    match tokens.next() {
                        Some(next) => (next.text, next.span),
                        None => {
                            return Err((tok.span.start, format!("option `-{ch}` needs a value")))
                        }
                    }
                };
                found.push((option, format!("-{ch}"), Some(value)));
                break;
            }
        } else {
            ignored.push(tok.span);
            continue;
        }
        for (option, spelled, value) in found {
            if let Some((v, _)) = &value {
                callback_check(option, &spelled, v).map_err(|m| (tok.span.start, m))?;
            }
            let (value, value_span) = match value {
                Some((v, span)) => (Some(v), span),
                None => (None, tok.span.clone()),
            };
            options.push(LineOption {
                option,
                spelled,
                value,
                span: tok.span.clone(),
                value_span,
            });
        }
    }
    Ok(Parsed { options, ignored })
}

/// The checks pip's option callbacks make (`_handle_merge_hash`, `_handle_config_settings`,
/// `FormatControl.handle_mutual_excludes`), which end pip's reading with an error.
fn callback_check(option: PipOption, spelled: &str, value: &str) -> Result<(), String> {
    match option {
        PipOption::Hash => match value.split_once(':') {
            None => Err(format!(
                "Arguments to {spelled} must be a hash name followed by a value, like --hash=sha256:abcde..."
            )),
            Some((algo, _)) if !STRONG_HASHES.contains(&algo) => Err(format!(
                "Allowed hash algorithms for {spelled} are {}.",
                STRONG_HASHES.join(", ")
            )),
            Some(_) => Ok(()),
        },
        PipOption::ConfigSettings if !value.contains('=') => Err(format!(
            "Arguments to {spelled} must be of the form KEY=VAL"
        )),
        // optparse's `choices` (pip 23 to 25 accept these, some as always on)
        PipOption::UseFeature
            if !["fast-deps", "truststore", "no-binary-enable-wheel-cache"].contains(&value) =>
        {
            Err(format!(
                "option --use-feature: invalid choice: '{value}' (pip knows fast-deps, truststore)"
            ))
        }
        PipOption::NoBinary | PipOption::OnlyBinary if value.starts_with('-') => {
            Err("--no-binary / --only-binary option requires 1 argument.".into())
        }
        _ => Ok(()),
    }
}

/// pip's `break_args_options`: the line split at single spaces; the arguments are the tokens
/// before the first one that starts with `-`. Returns where the arguments end and where the
/// options start.
fn break_args_options(line: &str) -> (usize, usize) {
    let mut at: usize = 0;
    for token in line.split(' ') {
        if token.starts_with('-') {
            return (at.saturating_sub(1), at);
        }
        at += token.len() + 1;
    }
    (line.len(), line.len())
}

/// Where pip's `args` (the requirement) end in a line.
pub(super) fn args_end(line: &str) -> usize {
    break_args_options(line).0
}

/// Reads one preprocessed line as pip's line parser and `ParsedLine` do. `None` when pip
/// stops with an error on it; the problems say why, or what pip would ignore on the line.
pub(super) fn parse_line(line: &str) -> (Option<Statement>, Vec<Problem>) {
    let (args_end, opts_start) = break_args_options(line);
    let parsed = shlex_split(&line[opts_start..], opts_start).and_then(optparse);
    let parsed = match parsed {
        Ok(p) => p,
        Err((at, message)) => return (None, vec![Problem { at, message }]),
    };
    let mut problems: Vec<Problem> = parsed
        .ignored
        .iter()
        .map(|r| Problem {
            at: r.start,
            message: format!("pip ignores `{}` here", &line[r.clone()]),
        })
        .collect();
    let opts = parsed.options;
    let ignores = |o: &LineOption, why: &str| Problem {
        at: o.span.start,
        message: format!("pip ignores `{}` {why}", o.spelled),
    };
    let statement = if args_end > 0 {
        for o in opts.iter().filter(|o| !o.option.for_requirement()) {
            problems.push(ignores(
                o,
                "after a requirement; put it on a line of its own",
            ));
        }
        Statement::Requirement {
            requirement: line[..args_end].to_owned(),
            span: 0..args_end,
            editable: false,
            options: opts,
        }
    } else if let Some(first) = opts.iter().position(|o| o.option == PipOption::Editable) {
        for (k, o) in opts.iter().enumerate() {
            if k != first && !matches!(o.option, PipOption::ConfigSettings) {
                problems.push(ignores(
                    o,
                    "on a line with `-e`; put it on a line of its own",
                ));
            }
        }
        let e = &opts[first];
        Statement::Requirement {
            requirement: e.value.clone().unwrap_or_default(),
            span: e.value_span.clone(),
            editable: true,
            options: opts,
        }
    } else {
        let statement = Statement::Options(opts);
        let include = statement.include().map(|o| o.span.clone());
        if let Statement::Options(opts) = &statement {
            for o in opts {
                if include.is_some() && include != Some(o.span.clone()) {
                    problems.push(ignores(o, "beside an include; put it on a line of its own"));
                } else if o.option.for_requirement() {
                    problems.push(ignores(o, "on a line without a requirement"));
                }
            }
        }
        statement
    };
    (Some(statement), problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Result<Vec<String>, String> {
        shlex_split(s, 0)
            .map(|t| t.into_iter().map(|t| t.text).collect())
            .map_err(|e| e.1)
    }

    #[test]
    fn splits_as_shlex() {
        assert_eq!(split("-r  a\tb").unwrap(), ["-r", "a", "b"]);
        assert_eq!(
            split(r#"'a b' "c\"d" e\ f '' "x\y""#).unwrap(),
            ["a b", "c\"d", "e f", "", "x\\y"]
        );
        assert_eq!(split("a'b'c").unwrap(), ["abc"]);
        assert!(split("'open").is_err());
        assert!(split("a\\").is_err());
        assert_eq!(split("a\u{a0}b").unwrap(), ["a\u{a0}b"]);
    }

    fn opts(line: &str) -> Result<Vec<(PipOption, Option<String>)>, String> {
        match parse_line(line) {
            (Some(Statement::Options(o)), p) if p.is_empty() => {
                Ok(o.into_iter().map(|o| (o.option, o.value)).collect())
            }
            (Some(_), _) => Err("not options".into()),
            (None, p) => Err(p[0].message.clone()),
        }
    }

    #[test]
    fn options_as_optparse_reads_them() {
        use PipOption::*;
        let v = |s: &str| Some(s.to_owned());
        assert_eq!(opts("--requirem x").unwrap(), [(Requirement, v("x"))]);
        assert!(matches!(
            parse_line("--edit ./p").0,
            Some(Statement::Requirement { requirement, editable: true, .. }) if requirement == "./p"
        ));
        assert_eq!(
            opts("--index=https://h").unwrap(),
            [(IndexUrl, v("https://h"))]
        );
        assert_eq!(opts("-rfile").unwrap(), [(Requirement, v("file"))]);
        assert_eq!(opts("-r=file").unwrap(), [(Requirement, v("=file"))]);
        assert_eq!(opts("--pre").unwrap(), [(Pre, None)]);
        assert_eq!(opts("--py x").unwrap(), [(IndexUrl, v("x"))]);
        assert_eq!(opts("-i --x").unwrap(), [(IndexUrl, v("--x"))]);
        assert_eq!(
            opts("--pr").unwrap_err(),
            "ambiguous pip option `--pr`: it could be --pre or --prefer-binary; pip stops here"
        );
        assert!(opts("--no x").unwrap_err().starts_with("ambiguous"));
        assert_eq!(opts("--foo").unwrap_err(), "unknown pip option `--foo`");
        assert_eq!(opts("-x").unwrap_err(), "unknown pip option `-x`");
        assert_eq!(
            opts("--pre=1").unwrap_err(),
            "option `--pre` takes no value"
        );
        assert_eq!(opts("-r").unwrap_err(), "option `-r` needs a value");
        assert!(opts("--hash=md5:x").is_err());
        assert!(opts("--no-binary -x").is_err());
    }

    #[test]
    fn requirement_lines_as_parsed_line() {
        let (s, p) = parse_line("a  b ; x -x");
        assert_eq!(p[0].message, "unknown pip option `-x`");
        assert!(s.is_none());
        let (s, p) = parse_line("req\t--hash=sha256:x --hash sha256:y");
        assert!(p.is_empty());
        match s {
            Some(Statement::Requirement {
                requirement,
                options,
                ..
            }) => {
                assert_eq!(requirement, "req\t--hash=sha256:x");
                assert_eq!(options.len(), 1);
            }
            _ => panic!(),
        }
        let (s, p) = parse_line("x==1 --index-url h");
        assert!(matches!(s, Some(Statement::Requirement { .. })));
        assert_eq!(p.len(), 1);
        let (_, p) = parse_line("-r a -r b");
        assert_eq!(p.len(), 1);
        let (_, p) = parse_line("-r a b");
        assert_eq!(p[0].message, "pip ignores `b` here");
    }
}
