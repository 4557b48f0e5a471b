//! Integration tests: the `chronicle` binary run on fixture collections, and its outputs read
//! back by independent parsers (feed-rs, the ical crate, and the Python and JavaScript parsers
//! feed readers and calendar apps use).

// Test modules share helpers with `pub`; the binary has no outside users to hide them from.
#![allow(unreachable_pub)]

mod build;
#[path = "../common/calendar_clients.rs"]
mod calendar_clients;
mod check;
#[path = "../common/mod.rs"]
mod common;
#[path = "../../examples/gen_corpus/corpus.rs"]
mod corpus;
mod dates;
mod diagnostics;
mod export;
mod external;
mod harness;
mod hostile;
mod html_checker;
mod ids;
mod import;
mod init;
mod list;
mod new;
mod opml;
mod parsers;
mod shell;
mod terminal;
mod tutorial;
mod usage;
mod websub;
