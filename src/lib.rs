//! squatguard: finds malicious, typosquatted and unknown Python dependencies before they run.
//!
//! The library does all the work and never prints: binaries parse arguments, call into it,
//! hand findings to a printer in [`report`] and map the outcome to an exit status.

pub mod advisory;
pub mod audit;
pub mod check;
pub mod code_facts;
pub mod commands;
pub mod config;
pub mod data;
pub mod db;
pub mod download;
pub mod exclude;
pub mod finding;
pub mod finish;
pub mod fix;
pub mod git;
pub mod hash;
pub mod index_facts;
pub mod index_url;
pub mod inline_ignore;
pub mod manifest;
pub mod name;
pub mod name_risk;
pub mod osv;
pub mod pip;
pub mod popular;
pub mod python_text;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod store;
pub mod trust;
