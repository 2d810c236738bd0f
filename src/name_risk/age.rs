//! How old and how active a name is, from the facts the name set keeps ([`NameAge`]): the
//! newest version and the month of its release (the PyPI listing), or the day a name was first
//! seen (`db update` adding it, or a registry's first upload given to `audit`).
//!
//! A typosquat is, at the moment it attacks, a name published days ago with a first version
//! (`0.0.1`, `1.0.0`) or its target's version copied; PyPI removes most within days. A project
//! released for years, or dormant for years, is another project with a near name. The classes
//! here are what the model ([`super::model::aged_severity`]) weighs beside the name's score.
//!
//! Dates are counted from the day the name set was made (its `created`), not from today: the
//! listing says nothing of what happened after it, and a verdict should not change with the
//! day it is asked.

use crate::store::{AgeFacts, NameAge};

/// A name's age class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeClass {
    /// First seen within [`NEW_DAYS`] of the data's day, or released within [`RECENT_MONTHS`]
    /// with a first version or the version of the name it imitates.
    New,
    /// Last released within the last year, but not within [`RECENT_MONTHS`]: the name was there
    /// months before the data was made.
    Active,
    /// Last released one to three years before the data's day.
    Quiet,
    /// No release for over [`DORMANT_MONTHS`] months.
    Dormant,
    /// Nothing known: a name the data does not have, or has without facts; or one released
    /// within [`RECENT_MONTHS`] under another version, which may as well be a new name (its
    /// author chose the version) as an established project: the listing does not say which.
    Unknown,
}

/// A name first seen this many days before the data's day (or later) is new.
pub const NEW_DAYS: i64 = 90;
/// A release this many months before the data's month (or later) is recent.
pub const RECENT_MONTHS: i64 = 2;
/// Released within this many months: active.
pub const ACTIVE_MONTHS: i64 = 12;
/// No release for more than this many months: dormant.
pub const DORMANT_MONTHS: i64 = 36;

impl AgeClass {
    pub fn as_str(self) -> &'static str {
        match self {
            AgeClass::New => "new",
            AgeClass::Active => "active",
            AgeClass::Quiet => "quiet",
            AgeClass::Dormant => "dormant",
            AgeClass::Unknown => "unknown",
        }
    }
}

/// Whether `version` is what a project's first release is usually numbered: `0.0.x`, `0.1`,
/// `0.1.0`, `1.0`, `1.0.0` (a pre-release or local part ignored).
pub fn first_release(version: &str) -> bool {
    let release: String = version
        .trim_start_matches(['v', 'V'])
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let parts: Vec<&str> = release.trim_end_matches('.').split('.').collect();
    let nums: Option<Vec<u64>> = parts.iter().map(|p| p.parse().ok()).collect();
    let Some(nums) = nums else {
        return false;
    };
    matches!(
        nums.as_slice(),
        [0, 0] | [0, 0, _] | [0, 1] | [0, 1, 0] | [1, 0] | [1, 0, 0]
    )
}

/// Whether a name with facts `age` could be new, whatever popular name it imitates: its class
/// were the target's version its own. With the facts at hand, cheaper than finding the target.
pub fn may_be_new(age: Option<&NameAge>, data_day: i64) -> bool {
    may_be_new_facts(age.map(NameAge::facts), data_day)
}

/// [`may_be_new`] of facts read in place (a name set's, [`AgeFacts`]).
pub fn may_be_new_facts(facts: Option<AgeFacts<'_>>, data_day: i64) -> bool {
    let own_version = || facts.and_then(|f| f.version).map(str::to_owned);
    classify_facts(facts, data_day, own_version) == AgeClass::New
}

/// The class of a name with facts `age`, given the data's day (days since 1970-01-01) and the
/// version of the popular name it imitates, when known: asked for only when the class depends
/// on it (a recent release), since looking it up costs a walk of the name set.
pub fn classify(
    age: Option<&NameAge>,
    data_day: i64,
    target_version: impl FnOnce() -> Option<String>,
) -> AgeClass {
    classify_facts(age.map(NameAge::facts), data_day, target_version)
}

/// [`classify`] of facts read in place.
pub fn classify_facts(
    facts: Option<AgeFacts<'_>>,
    data_day: i64,
    target_version: impl FnOnce() -> Option<String>,
) -> AgeClass {
    let Some(age) = facts else {
        return AgeClass::Unknown;
    };
    if let Some(day) = age.first_seen {
        if data_day - day <= NEW_DAYS {
            return AgeClass::New;
        }
        // seen long ago: not new; its releases (an index's page gives them with the first
        // upload) say the rest, and an update that added the name without them says nothing
    }
    let Some(month) = age.month else {
        return AgeClass::Unknown;
    };
    let data_month = crate::store::month_code_of_day(data_day).unwrap_or(0);
    let months = data_month as i64 - month as i64;
    let version = age.version;
    if months <= RECENT_MONTHS {
        // a version the author picks never spares a recent name
        if version.is_some_and(|v| first_release(v) || target_version().as_deref() == Some(v)) {
            AgeClass::New
        } else {
            AgeClass::Unknown
        }
    } else if months <= ACTIVE_MONTHS {
        AgeClass::Active
    } else if months <= DORMANT_MONTHS {
        AgeClass::Quiet
    } else {
        AgeClass::Dormant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(v: &str, when: &str) -> NameAge {
        NameAge::parse(v, when).unwrap()
    }

    #[test]
    fn first_releases() {
        for v in [
            "0.0.1", "0.0.0", "0.1", "0.1.0", "1.0", "1.0.0", "v1.0.0", "0.0.3a1",
        ] {
            assert!(first_release(v), "{v}");
        }
        for v in ["0.2.0", "1.0.1", "2.0.0", "0.1.1", "2024.1", "", "abc"] {
            assert!(!first_release(v), "{v}");
        }
    }

    #[test]
    fn classes() {
        let day = crate::data::days_from_date("2026-11-26").unwrap();
        assert_eq!(classify(None, day, || None), AgeClass::Unknown);
        let seen = |d: &str| NameAge {
            first_seen: Some(d.to_owned()),
            ..NameAge::default()
        };
        assert_eq!(
            classify(Some(&seen("2026-11-20")), day, || None),
            AgeClass::New
        );
        assert_eq!(
            classify(Some(&seen("2026-12-03")), day, || None),
            AgeClass::New
        );
        assert_eq!(
            classify(Some(&seen("2025-01-01")), day, || None),
            AgeClass::Unknown
        );
        // first uploaded long ago: its releases decide (the facts an index's page gives)
        let long_ago = |v: &str, w: &str| NameAge {
            first_seen: Some("2015-03-02".to_owned()),
            ..at(v, w)
        };
        assert_eq!(
            classify(Some(&long_ago("3.1", "2024-06")), day, || None),
            AgeClass::Quiet
        );
        assert_eq!(
            classify(Some(&long_ago("0.1.0", "2019-03")), day, || None),
            AgeClass::Dormant
        );
        assert_eq!(
            classify(Some(&long_ago("4.2.1", "2026-10")), day, || None),
            AgeClass::Unknown
        );
        // first uploaded last week: new, whatever its version
        let this_week = NameAge {
            first_seen: Some("2026-11-24".to_owned()),
            ..at("7.3.0", "2026-11")
        };
        assert_eq!(classify(Some(&this_week), day, || None), AgeClass::New);
        let c = |v, w, t: Option<&str>| classify(Some(&at(v, w)), day, || t.map(str::to_owned));
        assert_eq!(c("0.0.1", "2026-11", None), AgeClass::New);
        assert_eq!(c("1.0.0", "2026-09", None), AgeClass::New);
        // the version of the name it imitates, copied
        assert_eq!(c("2.32.3", "2026-10", Some("2.32.3")), AgeClass::New);
        // released last month under another version: a new squat may pick any version, so
        // nothing is known (judged on the name alone)
        assert_eq!(c("4.2.1", "2026-10", Some("2.32.3")), AgeClass::Unknown);
        assert_eq!(c("", "2026-11", None), AgeClass::Unknown);
        assert_eq!(c("4.2.1", "2026-08", Some("2.32.3")), AgeClass::Active);
        assert_eq!(c("0.0.1", "2026-01", None), AgeClass::Active);
        assert_eq!(c("3.1", "2024-06", None), AgeClass::Quiet);
        assert_eq!(c("0.1.0", "2019-03", None), AgeClass::Dormant);
        assert_eq!(c("0.1.0", "", None), AgeClass::Unknown);
    }
}
