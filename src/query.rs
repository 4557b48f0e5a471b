//! Filters over a collection: tag, since, until. Results keep chronological order.

use crate::model::{Collection, Event, Tag, When, WhenError};

/// Which events a listing or export holds; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A tag, matched by its page name (slug), so `Tariffs` and `tariffs` are one tag.
    pub tag: Option<Tag>,
    /// Keep events that end on or after the first day of this period.
    pub since: Option<When>,
    /// Keep events that start on or before the last day of this period.
    pub until: Option<When>,
}

impl Filter {
    pub fn matches(&self, event: &Event) -> bool {
        if let Some(wanted) = &self.tag {
            if !event.tags.iter().any(|t| t.slug() == wanted.slug()) {
                return false;
            }
        }
        // Calendar days compare in each event's own zone, so "since 2025-09-03" keeps an event
        // on 3 September wherever it happened.
        if let Some(since) = &self.since {
            let last_day = event.end.as_ref().unwrap_or(&event.date).day_after();
            if last_day <= since.first_day() {
                return false;
            }
        }
        if let Some(until) = &self.until {
            if event.date.first_day() >= until.day_after() {
                return false;
            }
        }
        true
    }

    /// Indices of the matching events, in the collection's chronological order.
    pub fn select(&self, collection: &Collection) -> Vec<usize> {
        collection
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| self.matches(e))
            .map(|(i, _)| i)
            .collect()
    }
}

/// Reads a `--since`/`--until` argument: a year, a month or a day (`2025`, `2025-03`,
/// `2025-03-04`), unquoted. The message suggests only those forms.
pub fn parse_day_period(text: &str) -> Result<When, String> {
    let hint = || "use a year, a month or a day: 2025, 2025-09 or 2025-09-03".to_string();
    // A quoted value is how an event file writes a reduced date, not how a flag takes it.
    if text.contains('"') {
        return Err(hint());
    }
    match When::from_toml(&toml::Value::String(text.to_string()), chrono_tz::UTC) {
        Ok(When::Instant { .. }) | Err(WhenError::Form(_) | WhenError::SkippedTime(..)) => {
            Err(hint())
        }
        Err(WhenError::NoSuchDate(_)) => Err(format!("{} does not exist", text.trim())),
        Ok(when) => Ok(when),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse() {
        assert_eq!(parse_day_period("2025-03").unwrap(), When::Month(2025, 3));
        assert!(parse_day_period("2025-3").is_err());
        assert_eq!(
            parse_day_period("2025-02-29").unwrap_err(),
            "2025-02-29 does not exist"
        );
    }
}
