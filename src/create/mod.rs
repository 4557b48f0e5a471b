//! What `init` and `new` write: the text of a new settings file and of a new event file, from
//! values given on the command line. Pure: no I/O, no clock ("now" is an input).
//!
//! The TOML is written by the toml crate's serializer, value by value, so every value is
//! escaped as TOML requires whatever it holds; the commands then check the text with `check`'s
//! own rules before writing it.

pub mod event;
pub mod settings;
