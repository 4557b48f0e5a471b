//! `chronicle serve` end to end: the built binary on a free loopback port, real requests.

mod clients;
#[path = "../common/mod.rs"]
mod common;
mod harness;
mod http;
mod live;
mod load;
