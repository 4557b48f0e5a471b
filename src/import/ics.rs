//! iCalendar import (RFC 5545): every VEVENT of a calendar becomes an event.
//!
//! The icalendar crate's parser reads the content lines (names, quoted parameters, values) and
//! unescapes TEXT values (§3.3.11). Unfolding (§3.1) is done here, on bytes, before the text is
//! read as UTF-8: a fold may fall inside a multi-byte character, and each content line must
//! keep the number of the physical line it starts on, which is where its problems are reported.
//!
//! | VEVENT | event |
//! |---|---|
//! | `SUMMARY` | `title` |
//! | `DESCRIPTION` | the body |
//! | `LOCATION` | `location` |
//! | `CATEGORIES` (each, comma-separated) | `tags` |
//! | `URL` | a source |
//! | `STATUS` | `status` |
//! | `UID` | `id` (as written when it is a valid id, else its slug) |
//! | `DTSTART`, `DTEND` or `DURATION` | `date`, `end` (an all-day `DTEND` is exclusive, §3.6.1: the day before) |
//! | `CREATED`, else `DTSTAMP` | `published` |
//! | `LAST-MODIFIED` | `updated`, when later than `published` |
//!
//! Times in UTC keep `Z`; a `TZID` that is an IANA name is read in that zone (the event's
//! `timezone`), and one that is not is read by its `VTIMEZONE` (an `X-LIC-LOCATION` naming an
//! IANA zone, or a single offset); a floating time (§3.3.5, form #1) is read in the
//! collection's zone, with a warning. `RRULE`, `RDATE` and `RECURRENCE-ID` are refused:
//! a chronicle event happens once.

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use icalendar::parser::{read_calendar, Component, ParseString, Property};

use super::Imported;
use crate::create::event::{date_value, title_slug, NewEvent, NewSource};
use crate::model::Status;

/// One VEVENT's result, at the line its `BEGIN:VEVENT` or the property at fault is on.
type Read = (usize, Result<Imported, String>);

/// Content lines, unfolded, each with the (1-based) physical line it starts on.
struct Unfolded {
    text: String,
    starts: Vec<usize>,
}

/// Unfolds `bytes` (§3.1: a line break followed by a space or tab is removed) into content
/// lines ending with CRLF; blank lines are dropped.
fn unfold(bytes: &[u8]) -> Result<Unfolded, (usize, String)> {
    let mut lines: Vec<(usize, Vec<u8>)> = Vec::new();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match (line.first(), lines.last_mut()) {
            (Some(b' ' | b'\t'), Some((_, current))) => current.extend_from_slice(&line[1..]),
            (None, _) => {}
            _ => lines.push((index + 1, line.to_vec())),
        }
    }
    let mut text = String::new();
    let mut starts = Vec::with_capacity(lines.len());
    for (number, line) in lines {
        let line = String::from_utf8(line).map_err(|_| (number, "not valid UTF-8".to_string()))?;
        text.push_str(&line);
        text.push_str("\r\n");
        starts.push(number);
    }
    Ok(Unfolded { text, starts })
}

/// Reads every VEVENT of the calendar `bytes` (the collection's zone: `zone`).
pub(super) fn read_ics(bytes: &[u8], zone: Tz) -> Vec<Read> {
    let unfolded = match unfold(bytes) {
        Ok(unfolded) => unfolded,
        Err((line, message)) => return vec![(line, Err(message))],
    };
    let calendar = match read_calendar(&unfolded.text) {
        Ok(calendar) => calendar,
        Err(err) => return vec![parse_error(&err, &unfolded.starts)],
    };
    // The content lines of each VEVENT, in order: the parser keeps no positions.
    let content: Vec<&str> = unfolded.text.split("\r\n").collect();
    let mut spans = Vec::new();
    let mut open = None;
    for (index, line) in content.iter().enumerate() {
        if line.trim().eq_ignore_ascii_case("BEGIN:VEVENT") {
            open = Some(index);
        } else if line.trim().eq_ignore_ascii_case("END:VEVENT") {
            if let Some(begin) = open.take() {
                spans.push(begin..index);
            }
        }
    }
    let timezones: Vec<&Component<'_>> = calendar
        .components
        .iter()
        .filter(|c| c.name.as_str().eq_ignore_ascii_case("VTIMEZONE"))
        .collect();
    let events = calendar
        .components
        .iter()
        .filter(|c| c.name.as_str().eq_ignore_ascii_case("VEVENT"));
    let mut read = Vec::new();
    for (n, event) in events.enumerate() {
        let span = spans.get(n).cloned().unwrap_or(0..0);
        let lines = &content[span.clone()];
        let line_of = |name: &str| {
            let at = lines
                .iter()
                .position(|l| property_name(l).eq_ignore_ascii_case(name))
                .unwrap_or(0);
            unfolded.starts.get(span.start + at).copied().unwrap_or(1)
        };
        let begin = unfolded.starts.get(span.start).copied().unwrap_or(1);
        let reader = EventReader {
            event,
            timezones: &timezones,
            zone,
        };
        read.push(match reader.imported() {
            Ok(imported) => (begin, Ok(imported)),
            Err((property, message)) => {
                let at = property.map_or(begin, line_of);
                (at, Err(message))
            }
        });
    }
    read
}

/// The name of a content line (before its parameters or value).
fn property_name(line: &str) -> &str {
    line.split([';', ':']).next().unwrap_or_default()
}

/// The parser's error, at the physical line its content line starts on.
fn parse_error(err: &str, starts: &[usize]) -> Read {
    let line = err
        .split("at line ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| starts.get(n.saturating_sub(1)).copied())
        .unwrap_or(1);
    (line, Err("not an iCalendar file the parser can read (RFC 5545 content lines between BEGIN:VCALENDAR and END:VCALENDAR)".into()))
}

/// A problem, at a property (`None`: at the VEVENT).
type Fault = (Option<&'static str>, String);

struct EventReader<'a, 'c> {
    event: &'a Component<'c>,
    timezones: &'a [&'a Component<'c>],
    zone: Tz,
}

impl EventReader<'_, '_> {
    fn all(&self, name: &str) -> impl Iterator<Item = &Property<'_>> {
        let name = name.to_string();
        self.event
            .properties
            .iter()
            .filter(move |p| p.name.as_str().eq_ignore_ascii_case(&name))
    }

    fn first(&self, name: &str) -> Option<&Property<'_>> {
        self.all(name).next()
    }

    /// A TEXT value, unescaped (§3.3.11).
    fn text(&self, name: &str) -> Option<String> {
        self.first(name).map(|p| unescape(p.val.as_str()))
    }

    fn imported(&self) -> Result<Imported, Fault> {
        for refused in ["RRULE", "RDATE", "RECURRENCE-ID"] {
            if self.first(refused).is_some() {
                return Err((
                    Some(refused),
                    format!("{refused}: recurring events are not imported; a chronicle event happens once (give each occurrence its own VEVENT)"),
                ));
            }
        }
        let title = self
            .text("SUMMARY")
            .filter(|t| !t.trim().is_empty())
            .ok_or((
                None,
                "the VEVENT has no SUMMARY to be its title".to_string(),
            ))?;
        let mut notes = Vec::new();
        let start_property = self
            .first("DTSTART")
            .ok_or((None, "the VEVENT has no DTSTART".to_string()))?;
        let start = self
            .moment(start_property)
            .map_err(|e| (Some("DTSTART"), format!("DTSTART: {e}")))?;
        if start.floating {
            notes.push("DTSTART is a floating time: read in the collection's time zone".into());
        }
        let end = match (self.first("DTEND"), self.first("DURATION")) {
            (Some(end), _) => {
                let end = self
                    .moment(end)
                    .map_err(|e| (Some("DTEND"), format!("DTEND: {e}")))?;
                // An event has one zone: an end in another is written at its offset.
                Some(if end.zone == start.zone || end.all_day.is_some() {
                    end.exclusive_end()
                } else {
                    end.absolute()
                })
            }
            (None, Some(duration)) => Some(
                start
                    .plus(duration.val.as_str())
                    .map_err(|e| (Some("DURATION"), format!("DURATION: {e}")))?,
            ),
            (None, None) => None,
        }
        .filter(|end| *end != start.value);
        let status = match self
            .first("STATUS")
            .map(|p| p.val.as_str().trim().to_ascii_uppercase())
        {
            None => Status::default(),
            Some(s) if s == "CONFIRMED" => Status::Confirmed,
            Some(s) if s == "TENTATIVE" => Status::Tentative,
            Some(s) if s == "CANCELLED" => Status::Cancelled,
            Some(other) => {
                return Err((
                    Some("STATUS"),
                    format!(
                    "STATUS: '{other}' is not an event status (CONFIRMED, TENTATIVE or CANCELLED)"
                ),
                ))
            }
        };
        let tags = self
            .all("CATEGORIES")
            .flat_map(|p| split_list(p.val.as_str()))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let sources = self
            .first("URL")
            .map(|p| p.val.as_str().trim().to_string())
            .filter(|url| !url.is_empty())
            .map(|url| vec![NewSource::from_url(&url)])
            .unwrap_or_default();
        let utc = |name: &'static str| -> Result<Option<toml::value::Datetime>, Fault> {
            self.first(name)
                .map(|p| {
                    utc_stamp(p.val.as_str()).map_err(|e| (Some(name), format!("{name}: {e}")))
                })
                .transpose()
        };
        let published = match utc("CREATED")? {
            Some(created) => Some(created),
            None => utc("DTSTAMP")?,
        };
        let updated = utc("LAST-MODIFIED")?.filter(|u| {
            published
                .as_ref()
                .is_none_or(|p| u.to_string() > p.to_string())
        });
        let body = self.text("DESCRIPTION").map_or_else(String::new, |d| {
            let d = d.trim_end().to_string();
            if d.is_empty() {
                d
            } else {
                d + "\n"
            }
        });
        let id = self.first("UID").map(|p| event_id(p.val.as_str()));
        let timezone = start
            .zone
            .filter(|z| *z != self.zone)
            .map(|z| z.name().to_string());
        Ok(Imported {
            event: NewEvent {
                title: title.trim().to_string(),
                date: start.value,
                end,
                timezone,
                location: self.text("LOCATION").filter(|l| !l.trim().is_empty()),
                tags,
                status,
                sources,
                published,
                updated,
                body,
                corrections: Vec::new(),
                retraction: None,
            },
            id: id.filter(|id| !id.is_empty()),
            path: None,
            notes,
        })
    }

    /// A DTSTART or DTEND value as an event date.
    fn moment(&self, property: &Property<'_>) -> Result<Moment, String> {
        let value = property.val.as_str().trim();
        let param = |key: &str| {
            property
                .params
                .iter()
                .find(|p| p.key.as_str().eq_ignore_ascii_case(key))
                .and_then(|p| p.val.as_ref())
                .map(|v| v.as_str().trim_matches('"').to_string())
        };
        let is_date = param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
            || (value.len() == 8 && !value.contains('T'));
        if is_date {
            let day = NaiveDate::parse_from_str(value, "%Y%m%d")
                .map_err(|_| format!("'{value}' is not a date (YYYYMMDD)"))?;
            return Ok(Moment {
                value: day_value(day)?,
                all_day: Some(day),
                zone: None,
                floating: false,
            });
        }
        let (local, utc) = match value.strip_suffix(['Z', 'z']) {
            Some(local) => (local, true),
            None => (value, false),
        };
        let time = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S")
            .map_err(|_| format!("'{value}' is not a date-time (YYYYMMDDTHHMMSS, Z for UTC)"))?;
        let text = time.format("%Y-%m-%dT%H:%M:%S").to_string();
        if utc {
            return Ok(Moment {
                value: date_value(&format!("{text}Z"))?,
                all_day: None,
                zone: None,
                floating: false,
            });
        }
        match param("TZID") {
            None => Ok(Moment {
                value: date_value(&text)?,
                all_day: None,
                zone: Some(self.zone),
                floating: true,
            }),
            Some(tzid) => match self.resolve(&tzid)? {
                Clock::Zone(zone) => Ok(Moment {
                    value: date_value(&text)?,
                    all_day: None,
                    zone: Some(zone),
                    floating: false,
                }),
                Clock::Offset(offset) => Ok(Moment {
                    value: date_value(&format!("{text}{offset}"))?,
                    all_day: None,
                    zone: None,
                    floating: false,
                }),
            },
        }
    }

    /// What a TZID names: an IANA zone, or the zone or single offset of its VTIMEZONE.
    fn resolve(&self, tzid: &str) -> Result<Clock, String> {
        // A leading `/` marks a globally unique id (§3.2.19); many name an IANA zone after it.
        let name = tzid.trim_start_matches('/');
        if let Ok(zone) = name.parse::<Tz>() {
            return Ok(Clock::Zone(zone));
        }
        let Some(timezone) = self.timezones.iter().find(|tz| {
            tz.properties.iter().any(|p| {
                p.name.as_str().eq_ignore_ascii_case("TZID") && p.val.as_str().trim() == tzid
            })
        }) else {
            return Err(format!(
                "TZID '{tzid}' is not an IANA time zone name and the calendar has no VTIMEZONE for it"
            ));
        };
        let location = timezone
            .properties
            .iter()
            .find(|p| p.name.as_str().eq_ignore_ascii_case("X-LIC-LOCATION"))
            .and_then(|p| p.val.as_str().trim().parse::<Tz>().ok());
        if let Some(zone) = location {
            return Ok(Clock::Zone(zone));
        }
        let mut offsets: Vec<String> = timezone
            .components
            .iter()
            .flat_map(|c| &c.properties)
            .filter(|p| p.name.as_str().eq_ignore_ascii_case("TZOFFSETTO"))
            .map(|p| p.val.as_str().trim().to_string())
            .collect();
        offsets.sort();
        offsets.dedup();
        match offsets.as_slice() {
            [offset] => rfc3339_offset(offset).map(Clock::Offset).ok_or_else(|| {
                format!("TZID '{tzid}': its VTIMEZONE's offset '{offset}' is not ±HHMM")
            }),
            _ => Err(format!(
                "TZID '{tzid}' is not an IANA time zone name, and its VTIMEZONE changes offset \
                 without naming one (X-LIC-LOCATION): use an IANA name such as Europe/Berlin"
            )),
        }
    }
}

/// Where a TZID's times are read.
enum Clock {
    Zone(Tz),
    /// `+05:30`
    Offset(String),
}

/// A start or end as read.
struct Moment {
    /// The event date value.
    value: toml::Value,
    /// The day, for an all-day value.
    all_day: Option<NaiveDate>,
    /// The zone a local time is read in.
    zone: Option<Tz>,
    /// A time with neither `Z` nor `TZID` (§3.3.5, form #1).
    floating: bool,
}

impl Moment {
    /// A local time as the offset date-time it names in its zone (the earlier of two, where
    /// the clocks go back); any other value as it is.
    fn absolute(self) -> toml::Value {
        let (Some(zone), toml::Value::Datetime(dt)) = (self.zone, &self.value) else {
            return self.value;
        };
        let text = dt.to_string();
        let local = NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S");
        local
            .ok()
            .and_then(|local| zone.from_local_datetime(&local).earliest())
            .and_then(|at| date_value(&at.format("%Y-%m-%dT%H:%M:%S%:z").to_string()).ok())
            .unwrap_or(self.value)
    }

    /// As an event's inclusive end: an all-day DTEND is the day after the last (§3.6.1).
    fn exclusive_end(self) -> toml::Value {
        match self.all_day {
            Some(day) => day
                .pred_opt()
                .and_then(|d| day_value(d).ok())
                .unwrap_or(self.value),
            None => self.value,
        }
    }

    /// The end a DURATION (§3.3.6) after this start gives: days and weeks for a day, any for a
    /// time.
    fn plus(&self, duration: &str) -> Result<toml::Value, String> {
        let span = parse_duration(duration)?;
        match self.all_day {
            Some(day) => {
                let last = day + span - Duration::days(1);
                day_value(last.max(day))
            }
            None => {
                let toml::Value::Datetime(dt) = &self.value else {
                    return Err("the start is not a date-time".into());
                };
                let text = dt.to_string();
                let (local, offset) = split_offset(&text);
                let time = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S")
                    .map_err(|_| format!("cannot add it to {text}"))?;
                let end = time + span;
                date_value(&format!("{}{offset}", end.format("%Y-%m-%dT%H:%M:%S")))
            }
        }
    }
}

/// A TOML date-time's text split into its local part and its offset (`Z`, `-06:00` or none).
fn split_offset(text: &str) -> (&str, &str) {
    if let Some(local) = text.strip_suffix('Z') {
        return (local, "Z");
    }
    match text.get(19..) {
        Some(offset) if offset.starts_with(['+', '-']) => (&text[..19], offset),
        _ => (text, ""),
    }
}

fn day_value(day: NaiveDate) -> Result<toml::Value, String> {
    date_value(&day.format("%Y-%m-%d").to_string())
}

/// `+0530` -> `+05:30`
fn rfc3339_offset(offset: &str) -> Option<String> {
    let (sign, digits) = offset.split_at_checked(1)?;
    if !matches!(sign, "+" | "-") || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.len() {
        4 | 6 => Some(format!("{sign}{}:{}", &digits[..2], &digits[2..4])),
        _ => None,
    }
}

/// An RFC 5545 DURATION (§3.3.6): `P1W`, `P2D`, `PT1H30M`, `P1DT12H`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("'{text}' is not a duration (like P1D or PT1H30M)");
    let text = text.trim();
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let rest = rest.strip_prefix('P').ok_or_else(bad)?;
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut in_time = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' if number.is_empty() => in_time = true,
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let n: i64 = number.parse().map_err(|_| bad())?;
                number.clear();
                total += match (c, in_time) {
                    ('W', false) => Duration::try_weeks(n),
                    ('D', false) => Duration::try_days(n),
                    ('H', true) => Duration::try_hours(n),
                    ('M', true) => Duration::try_minutes(n),
                    ('S', true) => Duration::try_seconds(n),
                    _ => None,
                }
                .ok_or_else(bad)?;
            }
            _ => return Err(bad()),
        }
    }
    if !number.is_empty() || negative {
        return Err(bad());
    }
    Ok(total)
}

/// A UTC DATE-TIME (`CREATED`, `DTSTAMP`, `LAST-MODIFIED` are UTC, §3.8.7).
fn utc_stamp(value: &str) -> Result<toml::value::Datetime, String> {
    let value = value.trim();
    let local = value.strip_suffix(['Z', 'z']).unwrap_or(value);
    let time = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S")
        .map_err(|_| format!("'{value}' is not a UTC date-time (YYYYMMDDTHHMMSSZ)"))?;
    let text = time.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    text.parse()
        .map_err(|_| format!("'{value}' is not a UTC date-time"))
}

/// A UID as an event id: as written when it is one (ASCII letters, digits, `-`, `_`, `.`),
/// else its slug as `new` makes one from a title, so that the same UID gives the same id at
/// every import.
fn event_id(uid: &str) -> String {
    let uid = unescape(uid.trim());
    let valid = !uid.starts_with('.')
        && uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid && uid.len() <= 200 {
        uid
    } else {
        title_slug(&uid).unwrap_or_default()
    }
}

/// A TEXT value unescaped (§3.3.11), by the icalendar crate.
fn unescape(value: &str) -> String {
    ParseString::from(value)
        .unescape_text()
        .as_str()
        .to_string()
}

/// The items of a TEXT list (CATEGORIES): split at commas that are not escaped, each
/// unescaped.
fn split_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            ',' => items.push(unescape(&std::mem::take(&mut current))),
            _ => current.push(c),
        }
    }
    items.push(unescape(&current));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(usize, Result<Imported, String>)> {
        read_ics(
            text.as_bytes(),
            "America/Mexico_City".parse().expect("a zone"),
        )
    }

    fn calendar(events: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{events}END:VCALENDAR\r\n")
    }

    #[test]
    fn all_day_events_end_the_day_before_dtend() {
        let read = read(&calendar(
            "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Two days\r\nDTSTART;VALUE=DATE:20250903\r\nDTEND;VALUE=DATE:20250905\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:One day\r\nDTSTART;VALUE=DATE:20250903\r\nDTEND;VALUE=DATE:20250904\r\nEND:VEVENT\r\n",
        ));
        let a = read[0].1.as_ref().expect("read");
        assert_eq!(a.event.date.to_string(), "2025-09-03");
        assert_eq!(
            a.event.end.as_ref().map(ToString::to_string).as_deref(),
            Some("2025-09-04")
        );
        let b = read[1].1.as_ref().expect("read");
        assert_eq!(b.event.end, None);
    }

    #[test]
    fn times_in_utc_in_a_zone_and_floating() {
        let read = read(&calendar(
            "BEGIN:VEVENT\r\nUID:u\r\nSUMMARY:UTC\r\nDTSTART:20250903T120000Z\r\nDURATION:PT1H30M\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:z\r\nSUMMARY:Zone\r\nDTSTART;TZID=Europe/Berlin:20250903T120000\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:f\r\nSUMMARY:Floating\r\nDTSTART:20250903T120000\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:fl\r\nSUMMARY:Flight\r\nDTSTART;TZID=Europe/Berlin:20250903T090000\r\nDTEND;TZID=America/New_York:20250903T120000\r\nEND:VEVENT\r\n",
        ));
        let utc = read[0].1.as_ref().expect("read");
        assert_eq!(utc.event.date.to_string(), "2025-09-03T12:00:00Z");
        assert_eq!(
            utc.event.end.as_ref().map(ToString::to_string).as_deref(),
            Some("2025-09-03T13:30:00Z")
        );
        let zone = read[1].1.as_ref().expect("read");
        assert_eq!(zone.event.date.to_string(), "2025-09-03T12:00:00");
        assert_eq!(zone.event.timezone.as_deref(), Some("Europe/Berlin"));
        let floating = read[2].1.as_ref().expect("read");
        let across = read[3].1.as_ref().expect("read");
        assert_eq!(across.event.timezone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            across
                .event
                .end
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("2025-09-03T12:00:00-04:00")
        );
        assert_eq!(floating.event.timezone, None);
        assert_eq!(floating.notes.len(), 1);
    }

    #[test]
    fn a_fold_inside_a_character_and_escapes() {
        // "é" is C3 A9: folded between its two bytes.
        let mut bytes = calendar("BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Caf\u{e9}\r\nCATEGORIES:a\\,b,c\r\nDESCRIPTION:one\\ntwo\\, \\;three\r\nDTSTART;VALUE=DATE:20250903\r\nEND:VEVENT\r\n").into_bytes();
        let at = bytes.windows(2).position(|w| w == [0xc3, 0xa9]).expect("é");
        bytes.splice(at + 1..at + 1, *b"\r\n ");
        let read = read_ics(&bytes, chrono_tz::UTC);
        let event = &read[0].1.as_ref().expect("read").event;
        assert_eq!(event.title, "Café");
        assert_eq!(event.tags, ["a,b", "c"]);
        assert_eq!(event.body, "one\ntwo, ;three\n");
    }

    #[test]
    fn recurrence_is_refused_at_its_line() {
        let read = read(&calendar(
            "BEGIN:VEVENT\r\nUID:r\r\nSUMMARY:Weekly\r\nDTSTART:20250903T120000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n",
        ));
        assert_eq!(read[0].0, 8);
        assert!(read[0]
            .1
            .as_ref()
            .err()
            .is_some_and(|e| e.starts_with("RRULE: recurring events are not imported")));
    }

    #[test]
    fn uids_become_ids() {
        assert_eq!(event_id("abc-1.2_3"), "abc-1.2_3");
        assert_eq!(event_id("1234@example.com"), "1234-example-com");
        assert_eq!(parse_duration("P1DT2H").ok(), Some(Duration::hours(26)));
        assert!(parse_duration("1D").is_err());
    }
}
