//! `chronicle serve` end to end: the built binary on a free loopback port, real requests.

#[path = "../common/calendar_clients.rs"]
mod calendar_clients;
mod calendar_sync;
mod clients;
#[path = "../common/mod.rs"]
mod common;
mod date_range;
mod filters;
mod harness;
mod http;
mod ids;
mod live;
mod live_reload;
mod load;
mod options;
mod websub;
