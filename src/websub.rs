//! WebSub publishing: telling the hub which subscription feeds changed, so that it fetches
//! them and pushes them to their subscribers (W3C WebSub, <https://www.w3.org/TR/websub/>).
//!
//! In: the hub (`websub_hub`) and the public URL of each feed whose bytes changed. Out: one
//! form-encoded POST per feed, and a [`PingReport`] of what the hub answered. Must not fail
//! or hold up a build: a hub that refuses, answers an error or does not answer is reported,
//! never returned as an error, and every request gives up after [`PING_TIMEOUT`].
//!
//! WebSub §4 leaves how a publisher notifies its hub to the hub. The request every hub in use
//! accepts (Google's pubsubhubbub, Superfeedr, websub.rocks, WebSubHub) is PubSubHubbub 0.4's:
//! `hub.mode=publish` with the topic in `hub.url`; newer hubs read it from `hub.topic`, the
//! name WebSub gives the topic everywhere else. Both are sent, holding the same URL: each kind
//! of hub reads its own and ignores the other.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::render::{Format, Output};
use crate::url::AbsoluteUrl;

/// How long one ping may take, connecting included, before it is given up.
pub const PING_TIMEOUT: Duration = Duration::from_secs(10);

/// Pings sent at once: a collection of many tags changes many feeds in one edit, and a hub
/// answers each in a few milliseconds; more at once would only load the hub.
const PINGS_AT_ONCE: usize = 4;

/// Whether an output is a subscription feed, the documents that name the hub: the RSS, Atom
/// and JSON Feed of the collection, of each tag and of the corrections log. Archive pages,
/// calendars and pages are not.
pub fn is_subscription_feed(format: Format) -> bool {
    matches!(
        format,
        Format::Rss
            | Format::Atom
            | Format::JsonFeed
            | Format::CorrectionsRss
            | Format::CorrectionsAtom
            | Format::CorrectionsJsonFeed
    )
}

/// The pings one build owes its hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pings {
    pub hub: AbsoluteUrl,
    /// The public URL of each changed feed (`base_url` and its path): what subscribers hold.
    pub topics: Vec<String>,
}

impl Pings {
    /// The pings for the `changed` outputs (the subscription feeds among them) of a build
    /// published at `base_url`; `None` without a hub or when no feed changed.
    pub fn for_changed<'o>(
        hub: Option<&AbsoluteUrl>,
        base_url: &str,
        changed: impl IntoIterator<Item = &'o Output>,
    ) -> Option<Pings> {
        let hub = hub?.clone();
        let base = crate::render::with_trailing_slash(base_url);
        let topics: Vec<String> = changed
            .into_iter()
            .filter(|output| is_subscription_feed(output.format))
            .map(|output| format!("{base}{}", output.path))
            .collect();
        (!topics.is_empty()).then_some(Pings { hub, topics })
    }
}

/// What the hub answered to a round of pings.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PingReport {
    /// Pings the hub accepted (any 2xx status; hubs answer 202 or 204).
    pub accepted: usize,
    /// One line per ping that failed, saying why (text from the hub is not escaped here:
    /// whoever prints it escapes it, see [`crate::terminal`]).
    pub failures: Vec<String>,
    /// Pings not sent because the hub could not be reached for an earlier one: a hub that is
    /// down is not asked again for every feed, each waiting out the timeout.
    pub not_sent: usize,
}

impl PingReport {
    /// The report as lines for stderr, hostile text from the hub escaped: the failures, then
    /// a summary (left out when `quiet` and nothing failed).
    pub fn lines(&self, hub: &AbsoluteUrl, quiet: bool) -> Vec<String> {
        let escape = |text: &str| crate::terminal::escape(text).into_owned();
        let mut lines: Vec<String> = self
            .failures
            .iter()
            .map(|failure| format!("warning: WebSub ping failed: {}", escape(failure)))
            .collect();
        if self.not_sent > 0 {
            lines.push(format!(
                "warning: {} more WebSub pings not sent: the hub {} could not be reached",
                self.not_sent,
                escape(hub)
            ));
        }
        if !quiet || !lines.is_empty() {
            let total = self.accepted + self.failures.len() + self.not_sent;
            lines.push(format!(
                "pinged the WebSub hub {} for {} of {total} changed feeds",
                escape(hub),
                self.accepted
            ));
        }
        lines
    }
}

/// Sends `hub.mode=publish` for each topic, four at a time, each within
/// `timeout`, and waits for the answers.
pub fn send(pings: &Pings, timeout: Duration) -> PingReport {
    let agent = ureq::AgentBuilder::new()
        .timeout(timeout)
        .user_agent(concat!("chronicle/", env!("CARGO_PKG_VERSION")))
        .build();
    let next = AtomicUsize::new(0);
    let unreachable = AtomicBool::new(false);
    let report = Mutex::new(PingReport::default());
    let record = |change: &dyn Fn(&mut PingReport)| {
        change(
            &mut report
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    };
    std::thread::scope(|scope| {
        for _ in 0..PINGS_AT_ONCE.min(pings.topics.len()) {
            scope.spawn(|| loop {
                let Some(topic) = pings.topics.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    return;
                };
                if unreachable.load(Ordering::Relaxed) {
                    record(&|r| r.not_sent += 1);
                    continue;
                }
                match ping(&agent, &pings.hub, topic) {
                    Ok(()) => record(&|r| r.accepted += 1),
                    Err(Failure { message, reached }) => {
                        if !reached {
                            unreachable.store(true, Ordering::Relaxed);
                        }
                        record(&|r| r.failures.push(message.clone()));
                    }
                }
            });
        }
    });
    report
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why one ping failed, and whether the hub answered at all.
struct Failure {
    message: String,
    reached: bool,
}

/// The longest part of a hub's error answer quoted in a report.
const QUOTED_ANSWER: usize = 200;

/// One `hub.mode=publish` POST (`application/x-www-form-urlencoded`, as `send_form` encodes
/// and labels it).
fn ping(agent: &ureq::Agent, hub: &AbsoluteUrl, topic: &str) -> Result<(), Failure> {
    let form = [
        ("hub.mode", "publish"),
        ("hub.url", topic),
        ("hub.topic", topic),
    ];
    match agent.post(hub).send_form(&form) {
        Ok(_) => Ok(()),
        Err(ureq::Error::Status(status, response)) => {
            let reason = response.status_text().to_string();
            let answer = response.into_string().unwrap_or_default();
            let answer: String = answer.trim().chars().take(QUOTED_ANSWER).collect();
            let quoted = if answer.is_empty() {
                String::new()
            } else {
                format!(": {answer}")
            };
            Err(Failure {
                message: format!("the hub {hub} answered {status} {reason} for {topic}{quoted}"),
                reached: true,
            })
        }
        Err(ureq::Error::Transport(transport)) => Err(Failure {
            message: format!("the hub {hub} did not answer for {topic}: {transport}"),
            reached: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_subscription_feeds_are_pinged() {
        for (format, pinged) in [
            (Format::Rss, true),
            (Format::Atom, true),
            (Format::JsonFeed, true),
            (Format::CorrectionsRss, true),
            (Format::CorrectionsAtom, true),
            (Format::CorrectionsJsonFeed, true),
            (Format::Ical, false),
            (Format::Opml, false),
            (Format::RssArchive(1), false),
            (Format::AtomArchive(2), false),
            (Format::Html(crate::render::Page::Front), false),
        ] {
            assert_eq!(is_subscription_feed(format), pinged, "{format:?}");
        }
    }

    #[test]
    fn the_report_escapes_what_the_hub_said() {
        let hub = AbsoluteUrl::new("https://hub.example/").expect("a URL");
        let report = PingReport {
            accepted: 1,
            failures: vec!["the hub answered 500 \u{1b}[2J\u{202e}gone".into()],
            not_sent: 2,
        };
        assert_eq!(
            report.lines(&hub, true),
            [
                "warning: WebSub ping failed: the hub answered 500 \\u{1b}[2J\\u{202e}gone",
                "warning: 2 more WebSub pings not sent: the hub https://hub.example/ could not be reached",
                "pinged the WebSub hub https://hub.example/ for 1 of 4 changed feeds",
            ]
        );
        let fine = PingReport {
            accepted: 3,
            ..PingReport::default()
        };
        assert!(fine.lines(&hub, true).is_empty());
        assert_eq!(fine.lines(&hub, false).len(), 1);
    }
}
