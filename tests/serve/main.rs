//! `chronicle serve` end to end: the built binary on a free loopback port, real requests.

mod clients;
mod harness;
mod http;
mod live;
