//! How one name differs from another: the kind of typo, keyboard and visual neighbours, and the
//! guards for legitimate near-names (digit-only differences, namespace families).
//! The typo index ([`super::index`]) keys its targets by this module's `squash`, `skeleton`,
//! `sorted_words` and `family_id`, so a name is looked up under the same keys the targets were
//! stored under: a change here changes the index's keys, and `examples/gen-typo-index` must be
//! run again (`tests/data.rs` rebuilds the index and fails when the embedded one differs).

/// How a name was mistyped, relative to the name it imitates (both without separators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edit {
    /// Two adjacent characters swapped: `reqeusts`.
    Swapped,
    /// A character doubled: `requestss`, `reequests`.
    Repeated,
    /// A character left out inside the name: `reqests`.
    Omitted,
    /// The last character left out: `request`.
    OmittedEnd,
    /// The first character left out: `equests`.
    OmittedStart,
    /// A character added inside the name, next to a key it neighbours: `reqwuests`.
    InsertedAdjacent,
    /// A character added inside the name, far from its neighbours on the keyboard.
    InsertedFar,
    /// A character added at the end, next to the last one on the keyboard.
    InsertedEndAdjacent,
    InsertedEndFar,
    InsertedStartAdjacent,
    InsertedStartFar,
    /// A character replaced by its keyboard neighbour: `requezts`.
    SubstitutedAdjacent,
    /// A character replaced by one far from it on the keyboard.
    SubstitutedFar,
    /// A character replaced by one that looks like it: `1`/`l`/`i`, `0`/`o`.
    SubstitutedVisual,
    /// A letter replaced by one that sounds the same: `y`/`i` (`pi` for `py`), `c`/`s`.
    SubstitutedSound,
    /// Only separators differ: `python-dateutil` as `pythondateutil`.
    Separators,
    /// Letters that look alike in most fonts: `rn` for `m`, `vv` for `w`.
    Homoglyph,
    /// The same words in another order: `dateutil-python`.
    ReorderedWords,
    /// Two typos (`colaroma`, `requestss2`), judged only against the most popular long names.
    TwoTypos,
    /// Only digits differ (`cuda11x`/`cuda12x`): a version family, not a typo.
    Digits,
    /// Not one typo apart.
    Other,
}

impl Edit {
    /// What happened, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Edit::Swapped => "two adjacent characters swapped",
            Edit::Repeated => "a character doubled",
            Edit::Omitted | Edit::OmittedEnd | Edit::OmittedStart => "a character left out",
            Edit::InsertedAdjacent | Edit::InsertedEndAdjacent | Edit::InsertedStartAdjacent => {
                "a neighbouring key hit as well"
            }
            Edit::InsertedFar | Edit::InsertedEndFar | Edit::InsertedStartFar => {
                "a character added"
            }
            Edit::SubstitutedAdjacent => "a neighbouring key hit instead",
            Edit::SubstitutedFar => "a character replaced",
            Edit::SubstitutedVisual | Edit::Homoglyph => "look-alike characters",
            Edit::SubstitutedSound => "a letter replaced by one that sounds the same",
            Edit::Separators => "separators changed",
            Edit::ReorderedWords => "the words reordered",
            Edit::TwoTypos => "two typos",
            Edit::Digits => "digits changed",
            Edit::Other => "a different name",
        }
    }
}

const ROWS: [&str; 4] = ["1234567890-=", "qwertyuiop[", "asdfghjkl;", "zxcvbnm,./"];

fn key_pos(c: char) -> Option<(f32, f32)> {
    ROWS.iter().enumerate().find_map(|(r, row)| {
        row.find(c)
            .map(|col| (r as f32, col as f32 + 0.5 * r as f32))
    })
}

/// True when two keys touch on a QWERTY keyboard (rows are staggered by half a key).
pub fn adjacent(a: char, b: char) -> bool {
    match (key_pos(a), key_pos(b)) {
        (Some((r1, c1)), Some((r2, c2))) => {
            a != b && (r1 - r2).abs() <= 1.0 && (c1 - c2).abs() <= 1.0
        }
        _ => false,
    }
}

/// Characters that look alike in most fonts.
pub fn visually_confusable(a: char, b: char) -> bool {
    const PAIRS: &[(char, char)] = &[
        ('1', 'l'),
        ('1', 'i'),
        ('l', 'i'),
        ('0', 'o'),
        ('5', 's'),
        ('2', 'z'),
        ('9', 'g'),
        ('9', 'q'),
        ('3', 'e'),
        ('4', 'a'),
        ('u', 'v'),
    ];
    PAIRS
        .iter()
        .any(|&(x, y)| (a, b) == (x, y) || (a, b) == (y, x))
}

/// Letters that sound alike where names are spoken: `y` and `i` (`scipy` said as `scypy`),
/// `c` and `s` (`pyserial` as `pycerial`). `c`/`k`, `k`/`q` and `s`/`z` were measured too: no
/// squat of the development split more, 23 more alarms, and `marqo` (beside `marko`) in a real
/// manifest.
pub fn sound_alike(a: char, b: char) -> bool {
    const PAIRS: &[(char, char)] = &[('y', 'i'), ('c', 's')];
    PAIRS
        .iter()
        .any(|&(x, y)| (a, b) == (x, y) || (a, b) == (y, x))
}

/// A name with look-alike characters folded (`rn`→`m`, `vv`→`w`, `1`/`i`→`l`, `0`→`o`), as
/// PyPI's "ultranormalize" does, so that homoglyph squats collide with their target.
pub fn skeleton(squashed: &str) -> String {
    let b = squashed.as_bytes();
    if !b.is_ascii() {
        return skeleton_chars(squashed);
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'r', Some(b'n')) => {
                out.push(b'm');
                i += 2;
            }
            (b'v', Some(b'v')) => {
                out.push(b'w');
                i += 2;
            }
            (b'1' | b'i', _) => {
                out.push(b'l');
                i += 1;
            }
            (b'0', _) => {
                out.push(b'o');
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// [`skeleton`] for names with non-ASCII characters (which PyPI rejects, but input may hold).
fn skeleton_chars(squashed: &str) -> String {
    let mut out = String::with_capacity(squashed.len());
    let mut chars = squashed.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('r', Some('n')) => {
                chars.next();
                out.push('m');
            }
            ('v', Some('v')) => {
                chars.next();
                out.push('w');
            }
            ('1' | 'i', _) => out.push('l'),
            ('0', _) => out.push('o'),
            (c, _) => out.push(c),
        }
    }
    out
}

/// The name without separators.
pub fn squash(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    // separators are ASCII: cutting at them leaves whole characters between
    for part in name.split(['-', '_', '.']) {
        out.push_str(part);
    }
    out
}

/// The words of a name sorted, joined by `-`, for names of 2 to 4 words; else None.
pub fn sorted_words(name: &str) -> Option<String> {
    let mut words: Vec<&str> = name.split('-').filter(|w| !w.is_empty()).collect();
    if !(2..=4).contains(&words.len()) {
        return None;
    }
    words.sort_unstable();
    Some(words.join("-"))
}

/// True when one name is the other with a version number appended (`httpx2` beside `httpx`,
/// `argparse3` beside `argparse`): successors and forks are named so, and the original keeps
/// its name. A digit repeated (`urllib33` beside `urllib3`) does not count.
pub fn version_family(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    long.strip_prefix(short).is_some_and(|rest| {
        rest.len() == 1
            && rest.as_bytes()[0].is_ascii_digit()
            && !short.as_bytes().last().is_some_and(u8::is_ascii_digit)
    })
}

/// True when two equal-length names differ only where both have digits.
pub fn digits_only_difference(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a != b
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| x == y || (x.is_ascii_digit() && y.is_ascii_digit()))
}

/// The one word in which two names of the same words differ (`jaraco-test`, `jaraco-text`:
/// `("test", "text")`), when they have two words or more and differ in exactly one.
pub fn one_word_apart<'a, 'b>(name: &'a str, target: &'b str) -> Option<(&'a str, &'b str)> {
    let mut apart = None;
    let (mut a, mut b) = (name.split('-'), target.split('-'));
    let mut words = 0;
    loop {
        match (a.next(), b.next()) {
            (None, None) => break,
            (Some(x), Some(y)) => {
                words += 1;
                if x != y && apart.replace((x, y)).is_some() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    apart.filter(|_| words >= 2)
}

/// True when one word is the other with something added at its start or end (`util`/`utils`,
/// `python`/`python3`, `lib`/`xlib`): the affix games squatters play.
pub fn affix_pair(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    long.starts_with(short) || long.ends_with(short)
}

/// Namespace prefixes whose members legitimately differ by a character or two.
const FAMILIES: &[&str] = &[
    "types-",
    "django-",
    "flask-",
    "pytest-",
    "flake8-",
    "sphinx-",
    "sphinxcontrib-",
    "mypy-boto3-",
    "google-cloud-",
    "azure-",
    "aws-cdk-",
    "jupyterlab-",
    "opentelemetry-",
    "apache-airflow-providers-",
    "dbt-",
    "pyobjc-framework-",
    "llama-index-",
    "langchain-",
    "backports-",
    "oslo-",
    "types-aiobotocore-",
    "botocore-",
    "napari-",
    "plone-",
    "zope-",
    "collective-",
    "odoo-",
    "ckanext-",
    "nvidia-",
];

/// The namespace family a normalised name belongs to, as a number: 0 for none, else one more
/// than its place in the list (the first that matches), so that it fits the typo index's
/// two-typo tables.
pub fn family_id(name: &str) -> u8 {
    FAMILIES
        .iter()
        .position(|f| name.starts_with(f) && name.len() > f.len())
        .map_or(0, |i| i as u8 + 1)
}

/// The namespace family a normalised name belongs to ([`family_id`]'s prefix).
pub fn family(name: &str) -> Option<&'static str> {
    FAMILIES
        .get(usize::from(family_id(name)).checked_sub(1)?)
        .copied()
}

/// True when `name` is `target` with two neighbouring letters swapped or one letter doubled;
/// [`classify`]'s `Swapped` and `Repeated`, without its allocations, for the many candidates
/// that are neither.
pub fn swapped_or_doubled(name: &[u8], target: &[u8]) -> bool {
    let i = name.iter().zip(target).take_while(|(a, b)| a == b).count();
    if name.len() == target.len() {
        i + 1 < name.len()
            && name[i] != name[i + 1]
            && (name[i], name[i + 1]) == (target[i + 1], target[i])
            && name[i + 2..] == target[i + 2..]
    } else {
        name.len() == target.len() + 1
            && name[i + 1..] == target[i..]
            && (name.get(i + 1) == Some(&name[i]) || (i > 0 && name[i - 1] == name[i]))
    }
}

/// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one
/// substring), with an early exit once it exceeds `max`.
pub fn osa_within(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    if a.is_ascii() && b.is_ascii() && b.len() < OSA_ROW && max < 64 {
        return ascii_osa_within(a, b, max);
    }
    let d = strsim::osa_distance(
        std::str::from_utf8(a).unwrap_or_default(),
        std::str::from_utf8(b).unwrap_or_default(),
    );
    (d <= max).then_some(d)
}

/// The longest second string [`ascii_osa_within`] takes, plus one (the longest popular name has
/// 55 characters).
const OSA_ROW: usize = 64;

/// [`osa_within`] for ASCII (a byte is a character, as `strsim` counts them): the same
/// dynamic programme, over the band of cells within `max` of the diagonal only (the others are
/// farther than `max`), in three rows kept on the stack and given up as soon as a row's
/// smallest value exceeds `max` (no later row can be smaller). Every name is screened with it,
/// so it allocates nothing.
fn ascii_osa_within(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    let n = b.len();
    // any distance over `max` is kept as `far` (a byte: `max` is small)
    let far = max as u8 + 1;
    let mut rows = [[far; OSA_ROW]; 3];
    let [mut two_back, mut prev, mut cur] = rows.each_mut();
    for (j, p) in prev.iter_mut().enumerate().take(n.min(max) + 1) {
        *p = j as u8;
    }
    for i in 1..=a.len() {
        let lo = i.saturating_sub(max).max(1);
        let hi = (i + max).min(n);
        cur[0] = if i <= max { i as u8 } else { far };
        // the cells beside the band, which the next row reads, are far
        if lo > 1 {
            cur[lo - 1] = far;
        }
        if hi < n {
            cur[hi + 1] = far;
        }
        let mut row_min = cur[0];
        for j in lo..=hi {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(two_back[j - 2] + 1);
            }
            cur[j] = d.min(far);
            row_min = row_min.min(cur[j]);
        }
        if row_min >= far {
            return None;
        }
        // the rows move up one: the oldest is written over next
        std::mem::swap(&mut two_back, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = usize::from(prev[n]);
    (d <= max).then_some(d)
}

/// Classifies a one-edit difference between `name` and `target` (both without separators).
pub fn classify(name: &str, target: &str) -> Edit {
    let a: Vec<char> = name.chars().collect();
    let b: Vec<char> = target.chars().collect();
    if a == b {
        return Edit::Separators;
    }
    if a.len() == b.len() {
        let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        return match diffs.as_slice() {
            [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i] => Edit::Swapped,
            [i] => {
                let (x, y) = (a[*i], b[*i]);
                if x.is_ascii_digit() && y.is_ascii_digit() {
                    Edit::Digits
                } else if visually_confusable(x, y) {
                    Edit::SubstitutedVisual
                } else if adjacent(x, y) {
                    Edit::SubstitutedAdjacent
                } else if sound_alike(x, y) {
                    Edit::SubstitutedSound
                } else {
                    Edit::SubstitutedFar
                }
            }
            _ => Edit::Other,
        };
    }
    if a.len() == b.len() + 1 {
        // inserted a[i]
        let i = (0..b.len()).find(|&i| a[i] != b[i]).unwrap_or(b.len());
        if a[i + 1..] != b[i..] {
            return Edit::Other;
        }
        let x = a[i];
        if (i > 0 && a[i - 1] == x) || (i + 1 < a.len() && a[i + 1] == x) {
            return Edit::Repeated;
        }
        let near = [i.checked_sub(1), Some(i)]
            .into_iter()
            .flatten()
            .filter_map(|j| b.get(j))
            .any(|&y| adjacent(x, y));
        return match (i, i == b.len(), near) {
            (0, _, true) => Edit::InsertedStartAdjacent,
            (0, _, false) => Edit::InsertedStartFar,
            (_, true, true) => Edit::InsertedEndAdjacent,
            (_, true, false) => Edit::InsertedEndFar,
            (_, false, true) => Edit::InsertedAdjacent,
            (_, false, false) => Edit::InsertedFar,
        };
    }
    if a.len() + 1 == b.len() {
        let i = (0..a.len()).find(|&i| a[i] != b[i]).unwrap_or(a.len());
        if a[i..] != b[i + 1..] {
            return Edit::Other;
        }
        return if i == a.len() {
            Edit::OmittedEnd
        } else if i == 0 {
            Edit::OmittedStart
        } else {
            Edit::Omitted
        };
    }
    Edit::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stack-row OSA agrees with `strsim`'s on every pair of short strings over a small
    /// alphabet (where edits, transpositions and ties are dense), within each bound.
    #[test]
    fn ascii_osa_agrees_with_strsim() {
        // a fixed-seed generator: every run tests the same 200,000 pairs
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let mut word = |max_len: u64| -> Vec<u8> {
                let len = next() % max_len;
                (0..len).map(|_| b"abc1"[(next() % 4) as usize]).collect()
            };
            let (a, b) = (word(9), word(9));
            let d = strsim::osa_distance(
                std::str::from_utf8(&a).unwrap(),
                std::str::from_utf8(&b).unwrap(),
            );
            for max in 0..4 {
                assert_eq!(
                    osa_within(&a, &b, max),
                    (d <= max).then_some(d),
                    "{a:?} {b:?} within {max}"
                );
            }
        }
        // a target as long as the stack row allows, and longer (strsim's)
        let long = vec![b'a'; OSA_ROW + 5];
        assert_eq!(osa_within(&long, &long[1..], 2), Some(1));
        assert_eq!(osa_within(&long[2..], &long, 2), Some(2));
    }

    #[test]
    fn word_affix_and_version_guards() {
        assert_eq!(
            one_word_apart("jaraco-test", "jaraco-text"),
            Some(("test", "text"))
        );
        assert_eq!(one_word_apart("a-b-c", "a-x-c"), Some(("b", "x")));
        assert_eq!(one_word_apart("a-b-c", "a-x-y"), None, "two words differ");
        assert_eq!(one_word_apart("a-b", "a-b-c"), None, "word counts differ");
        assert_eq!(one_word_apart("requests", "reqeusts"), None, "one word");
        assert_eq!(one_word_apart("a-b", "a-b"), None, "the same");
        assert!(version_family("httpx2", "httpx") && version_family("argparse3", "argparse"));
        assert!(version_family("geoalchemy", "geoalchemy2"));
        assert!(!version_family("urllib33", "urllib3") && !version_family("httpxx", "httpx"));
        assert!(!version_family("2httpx", "httpx") && !version_family("httpx", "httpx"));
        assert!(affix_pair("util", "utils") && affix_pair("matches", "match"));
        assert!(affix_pair("python3", "python") && affix_pair("xlib", "lib"));
        assert!(!affix_pair("test", "text") && !affix_pair("core", "cors"));
    }

    #[test]
    fn each_typo_class() {
        assert_eq!(classify("reqeusts", "requests"), Edit::Swapped);
        assert_eq!(classify("requestss", "requests"), Edit::Repeated);
        assert_eq!(classify("reequests", "requests"), Edit::Repeated);
        assert_eq!(classify("reqests", "requests"), Edit::Omitted);
        assert_eq!(classify("request", "requests"), Edit::OmittedEnd);
        assert_eq!(classify("equests", "requests"), Edit::OmittedStart);
        assert_eq!(classify("reqwuests", "requests"), Edit::InsertedAdjacent);
        assert_eq!(classify("reqmuests", "requests"), Edit::InsertedFar);
        assert_eq!(classify("requestsa", "requests"), Edit::InsertedEndAdjacent);
        assert_eq!(classify("requestsp", "requests"), Edit::InsertedEndFar);
        assert_eq!(
            classify("erequests", "requests"),
            Edit::InsertedStartAdjacent
        );
        assert_eq!(classify("prequests", "requests"), Edit::InsertedStartFar);
        assert_eq!(classify("requezts", "requests"), Edit::SubstitutedAdjacent);
        assert_eq!(classify("requlsts", "requests"), Edit::SubstitutedFar);
        assert_eq!(classify("dj4ngo", "django"), Edit::SubstitutedVisual);
        assert_eq!(classify("requects", "requests"), Edit::SubstitutedSound);
        assert_eq!(classify("scypy", "scipy"), Edit::SubstitutedSound);
        assert_eq!(classify("cuda11x", "cuda12x"), Edit::Digits);
        // the cheap test agrees with classify on the two slips
        for (name, target) in [
            ("tmol", "toml"),
            ("mypyy", "mypy"),
            ("mmypy", "mypy"),
            ("tolm", "toml"),
            ("toml", "toml"),
            ("tomll", "tomli"),
            ("tomx", "toml"),
            ("toxml", "toml"),
            ("tom", "toml"),
            ("otml", "toml"),
        ] {
            let slip = matches!(classify(name, target), Edit::Swapped | Edit::Repeated);
            assert_eq!(
                swapped_or_doubled(name.as_bytes(), target.as_bytes()),
                slip,
                "{name}"
            );
        }
        assert_eq!(
            classify("pythondateutil", "pythondateutil"),
            Edit::Separators
        );
        assert_eq!(classify("abcdef", "badcfe"), Edit::Other);
    }

    #[test]
    fn keyboard_and_looks() {
        assert!(
            adjacent('q', 'w') && adjacent('g', 'h') && adjacent('i', '9') && adjacent('n', 'b')
        );
        assert!(!adjacent('q', 'p') && !adjacent('a', 'a'));
        assert!(visually_confusable('1', 'l') && visually_confusable('o', '0'));
        assert_eq!(skeleton("rnatplot1ib"), skeleton("matplotlib"));
        assert_eq!(skeleton("vvheel"), skeleton("wheel"));
        // the same folding on input that is not ASCII
        assert_eq!(skeleton("é-rn1i0vv"), "é-mlloW".to_lowercase());
    }

    #[test]
    fn guards() {
        assert!(digits_only_difference("cuda11x", "cuda12x"));
        assert!(!digits_only_difference("boto3", "boto"));
        assert_eq!(family("types-requests"), Some("types-"));
        assert_eq!(family("types-"), None);
        assert_eq!(
            sorted_words("dateutil-python"),
            sorted_words("python-dateutil")
        );
        assert_eq!(sorted_words("requests"), None);
    }
}
