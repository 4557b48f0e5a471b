//! [`When`]: an event's date at the precision it was written in.

use std::fmt;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset,
    TimeZone, Utc,
};
use chrono_tz::Tz;

/// A point or period in time, as precise as the collection knows it.
///
/// Dates and periods are calendar days in the event's time zone; `Instant` is an exact moment
/// kept with the clock it is shown on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// `"2025"`: some day in that year.
    Year(i32),
    /// `"2025-03"`: some day in that month.
    Month(i32, u32),
    /// `2025-03-04`: an all-day date.
    Date(NaiveDate),
    /// An exact moment (offset date-time, or local date-time read in a zone), and the clock
    /// its day and time are shown on.
    Instant { at: DateTime<Utc>, clock: Clock },
}

/// The clock an instant's day and time are read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// A named zone: the event's `timezone`, or the collection's for a local time.
    Zone(Tz),
    /// The offset an instant was written with, when it is not the zone's own at that moment
    /// and the event names no `timezone`: shown as the reporter wrote it.
    Offset(FixedOffset),
}

impl Clock {
    /// The wall-clock date and time of `at` on this clock.
    fn local(self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        let offset = match self {
            Clock::Zone(zone) => zone.offset_from_utc_datetime(&at.naive_utc()).fix(),
            Clock::Offset(offset) => offset,
        };
        at.with_timezone(&offset)
    }

    /// The clock's name at `at`: the zone's abbreviation ("CST", "CEST"), or the offset from
    /// UTC ("UTC−3", "UTC+5:30", "UTC").
    fn name(self, at: DateTime<Utc>) -> String {
        match self {
            Clock::Zone(zone) => at.with_timezone(&zone).format("%Z").to_string(),
            Clock::Offset(offset) => {
                let seconds = offset.local_minus_utc();
                // U+2212 MINUS SIGN: the typographic minus, which no line breaks after.
                let sign = if seconds < 0 { '\u{2212}' } else { '+' };
                let (hours, minutes) = (seconds.abs() / 3600, seconds.abs() / 60 % 60);
                match (hours, minutes) {
                    (0, 0) => "UTC".to_string(),
                    (h, 0) => format!("UTC{sign}{h}"),
                    (h, m) => format!("UTC{sign}{h}:{m:02}"),
                }
            }
        }
    }
}

/// Why a written date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error(
        "{0} is not a date: use 2025-09-03, 2025-09-03T12:00:00-06:00, \"2025-03\" or \"2025\""
    )]
    Form(String),
    #[error("{0} does not exist")]
    NoSuchDate(String),
    #[error("{0} does not exist in time zone {1} (the clocks skip it)")]
    SkippedTime(String, Tz),
}

impl When {
    /// Reads a TOML date value: a local date, an offset or local date-time, or a string of
    /// reduced precision (`"2025-03"`, `"2025"`, or a full `"2025-03-04"`). A local time is
    /// read in `zone`; an offset date-time is shown on `zone`'s clock when that has the written
    /// offset at that moment, else at the written offset (see [`When::shown_in`]).
    pub fn from_toml(value: &toml::Value, zone: Tz) -> Result<When, WhenError> {
        match value {
            toml::Value::Datetime(dt) => When::from_datetime(dt, zone),
            toml::Value::String(s) => When::from_reduced(s.trim()),
            other => Err(WhenError::Form(other.to_string())),
        }
    }

    fn from_datetime(dt: &toml::value::Datetime, zone: Tz) -> Result<When, WhenError> {
        let written = dt.to_string();
        let Some(date) = dt.date else {
            return Err(WhenError::Form(written));
        };
        let day = NaiveDate::from_ymd_opt(i32::from(date.year), date.month.into(), date.day.into())
            .ok_or_else(|| WhenError::NoSuchDate(written.clone()))?;
        let Some(time) = dt.time else {
            return Ok(When::Date(day));
        };
        let naive_time = chrono::NaiveTime::from_hms_nano_opt(
            time.hour.into(),
            time.minute.into(),
            time.second.unwrap_or(0).into(),
            time.nanosecond.unwrap_or(0),
        )
        .ok_or_else(|| WhenError::NoSuchDate(written.clone()))?;
        let naive = NaiveDateTime::new(day, naive_time);
        let offset = match dt.offset {
            None => {
                let at = local_to_utc(naive, zone).ok_or(WhenError::SkippedTime(written, zone))?;
                let clock = Clock::Zone(zone);
                return Ok(When::Instant { at, clock });
            }
            Some(toml::value::Offset::Z) => FixedOffset::east_opt(0),
            Some(toml::value::Offset::Custom { minutes }) => {
                FixedOffset::east_opt(i32::from(minutes) * 60)
            }
        }
        .ok_or_else(|| WhenError::Form(written.clone()))?;
        let at = offset
            .from_local_datetime(&naive)
            .single()
            .ok_or_else(|| WhenError::Form(written.clone()))?
            .with_timezone(&Utc);
        let clock = if Clock::Zone(zone).local(at).offset().fix() == offset {
            Clock::Zone(zone)
        } else {
            Clock::Offset(offset)
        };
        Ok(When::Instant { at, clock })
    }

    /// The same date, an instant shown on `zone`'s clock: an event's own `timezone` says where
    /// its times are read, whatever offset they were written with.
    #[must_use]
    pub fn shown_in(self, zone: Tz) -> When {
        match self {
            When::Instant { at, .. } => When::Instant {
                at,
                clock: Clock::Zone(zone),
            },
            other => other,
        }
    }

    fn from_reduced(s: &str) -> Result<When, WhenError> {
        let form = || WhenError::Form(format!("\"{s}\""));
        let parts: Vec<&str> = s.split('-').collect();
        let number = |p: &str, len: usize| -> Result<u32, WhenError> {
            if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| form())
            } else {
                Err(form())
            }
        };
        match parts.as_slice() {
            [y] => Ok(When::Year(number(y, 4)? as i32)),
            [y, m] => {
                let (year, month) = (number(y, 4)? as i32, number(m, 2)?);
                if (1..=12).contains(&month) {
                    Ok(When::Month(year, month))
                } else {
                    Err(WhenError::NoSuchDate(format!("\"{s}\"")))
                }
            }
            [y, m, d] => {
                let (year, month, day) = (number(y, 4)? as i32, number(m, 2)?, number(d, 2)?);
                NaiveDate::from_ymd_opt(year, month, day)
                    .map(When::Date)
                    .ok_or_else(|| WhenError::NoSuchDate(format!("\"{s}\"")))
            }
            _ => Err(form()),
        }
    }

    /// The first calendar day of the period (the day of an instant, in its zone).
    pub fn first_day(&self) -> NaiveDate {
        match *self {
            When::Year(y) => NaiveDate::from_ymd_opt(y, 1, 1).expect("1 January exists"),
            When::Month(y, m) => NaiveDate::from_ymd_opt(y, m, 1).expect("checked month"),
            When::Date(d) => d,
            When::Instant { at, clock } => clock.local(at).date_naive(),
        }
    }

    /// The day after the period's last day: an exclusive all-day end (RFC 5545 `DTEND`).
    pub fn day_after(&self) -> NaiveDate {
        match *self {
            When::Year(y) => NaiveDate::from_ymd_opt(y + 1, 1, 1).expect("1 January exists"),
            When::Month(y, m) => {
                let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                NaiveDate::from_ymd_opt(y, m, 1).expect("first of month exists")
            }
            When::Date(d) => d + Duration::days(1),
            When::Instant { .. } => self.first_day() + Duration::days(1),
        }
    }

    /// The year the period starts in, in its own zone: names the year page of the permalink.
    pub fn year(&self) -> i32 {
        self.first_day().year()
    }

    /// The instant the period starts, reading calendar days in `zone`: the sort key.
    pub fn start(&self, zone: Tz) -> DateTime<Utc> {
        match *self {
            When::Instant { at, .. } => at,
            _ => day_start(self.first_day(), zone),
        }
    }

    /// True for the all-day forms (date, month, year).
    pub fn is_all_day(&self) -> bool {
        !matches!(self, When::Instant { .. })
    }

    /// True when the day is not known (month or year precision).
    pub fn is_reduced(&self) -> bool {
        matches!(self, When::Year(_) | When::Month(..))
    }

    /// ISO 8601 at the written precision: `2025`, `2025-03`, `2025-03-04`, or an RFC 3339
    /// date-time with the zone's offset (in UTC, `Z`, where that offset is not whole minutes).
    pub fn iso(&self) -> String {
        match *self {
            When::Year(y) => format!("{y:04}"),
            When::Month(y, m) => format!("{y:04}-{m:02}"),
            When::Date(d) => d.format("%Y-%m-%d").to_string(),
            When::Instant { at, clock } => {
                let local = clock.local(at);
                // RFC 3339 offsets are whole minutes; local mean time (before a zone's standard
                // time) has seconds, and a rounded offset would name another instant.
                if local.offset().local_minus_utc() % 60 == 0 {
                    local.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
                } else {
                    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                }
            }
        }
    }
}

/// For people: `2025`, `March 2025`, `3 September 2025`, `3 September 2025, 12:00 CST`,
/// `2 January 2000, 19:00 UTC−3`.
impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            When::Year(y) => write!(f, "{y}"),
            When::Month(y, m) => write!(f, "{} {y}", month_name(m)),
            When::Date(d) => write!(f, "{}", d.format("%-d %B %Y")),
            When::Instant { at, clock } => {
                let local = clock.local(at);
                write!(
                    f,
                    "{}, {} {}",
                    local.format("%-d %B %Y"),
                    local.format("%H:%M"),
                    clock.name(at)
                )
            }
        }
    }
}

/// A date, or a period from a date to an end, as people read it (see [`When::period`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodText {
    /// The start, without what the end repeats: "10" of "10–12 September 2025".
    pub start: String,
    /// What stands between the two ("–", or " – " between parts with spaces in them), and the
    /// end; none when the end adds nothing to the start.
    pub end: Option<(&'static str, String)>,
}

impl fmt::Display for PeriodText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.start)?;
        if let Some((dash, end)) = &self.end {
            write!(f, "{dash}{end}")?;
        }
        Ok(())
    }
}

impl PeriodText {
    fn single(when: &When) -> Self {
        PeriodText {
            start: when.to_string(),
            end: None,
        }
    }

    /// A start that is one word or number is joined to the end by a bare en dash
    /// ("10–12 September 2025"), a longer one by a spaced dash ("30 August – 2 September 2025").
    fn range(start: String, end: String) -> Self {
        let dash = if start.contains(' ') { " – " } else { "–" };
        PeriodText {
            start,
            end: Some((dash, end)),
        }
    }
}

impl When {
    /// The period from this date to `end` as a newspaper writes it, naming once what both ends
    /// share: "10–12 September 2025", "30 August – 2 September 2025", "March–May 2025",
    /// "3 September 2025, 12:30–13:45 CST"; an end equal to the start adds nothing
    /// ("5 May 2025"). Every output that shows a "when" to people writes it with this.
    pub fn period(&self, end: Option<&When>) -> PeriodText {
        let Some(end) = end.filter(|end| *end != self) else {
            return PeriodText::single(self);
        };
        let full_end = end.to_string();
        match (*self, *end) {
            (When::Year(a), When::Year(_)) => PeriodText::range(a.to_string(), full_end),
            (When::Month(a, m), When::Month(b, _)) if a == b => {
                PeriodText::range(month_name(m).to_string(), full_end)
            }
            (When::Date(a), When::Date(b)) if (a.year(), a.month()) == (b.year(), b.month()) => {
                PeriodText::range(a.day().to_string(), full_end)
            }
            (When::Date(a), When::Date(b)) if a.year() == b.year() => {
                PeriodText::range(a.format("%-d %B").to_string(), full_end)
            }
            (When::Instant { at: a, clock: ca }, When::Instant { at: b, clock: cb })
                if self.first_day() == end.first_day() =>
            {
                let (start, finish) = (ca.local(a), cb.local(b));
                let (name_a, name_b) = (ca.name(a), cb.name(b));
                let day_and_time =
                    format!("{}, {}", start.format("%-d %B %Y"), start.format("%H:%M"));
                let end_time = format!("{} {name_b}", finish.format("%H:%M"));
                if name_a == name_b {
                    // One clock name for both times: "12:30–13:45 CST".
                    PeriodText {
                        start: day_and_time,
                        end: Some(("–", end_time)),
                    }
                } else {
                    // The clocks changed in between: each time with its own name.
                    PeriodText {
                        start: format!("{day_and_time} {name_a}"),
                        end: Some((" – ", end_time)),
                    }
                }
            }
            _ => PeriodText {
                start: self.to_string(),
                end: Some((" – ", full_end)),
            },
        }
    }
}

fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES[(month as usize).saturating_sub(1) % 12]
}

/// Midnight at the start of `day` in `zone` (or the first moment after a skipped midnight).
pub fn day_start(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    local_to_utc(midnight, zone)
        .or_else(|| local_to_utc(midnight + Duration::hours(1), zone))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// A wall-clock time in `zone` as UTC; an ambiguous time (clocks going back) takes the earlier.
fn local_to_utc(naive: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<When, WhenError> {
        let table: toml::Table = toml::from_str(&format!("v = {src}")).expect("toml");
        When::from_toml(&table["v"], chrono_tz::America::Mexico_City)
    }

    #[test]
    fn reads_every_form() {
        let cases = [
            ("2025-09-03", "2025-09-03", "3 September 2025"),
            (
                "2025-09-03T12:00:00-06:00",
                "2025-09-03T12:00:00-06:00",
                "3 September 2025, 12:00 CST",
            ),
            (
                "2025-09-03T12:00:00",
                "2025-09-03T12:00:00-06:00",
                "3 September 2025, 12:00 CST",
            ),
            // Written at another offset than the zone's: shown as written.
            (
                "2025-09-03T18:00:00Z",
                "2025-09-03T18:00:00+00:00",
                "3 September 2025, 18:00 UTC",
            ),
            (
                "2025-09-03T14:00:00-04:00",
                "2025-09-03T14:00:00-04:00",
                "3 September 2025, 14:00 UTC−4",
            ),
            (
                "2025-09-03T23:45:00+05:30",
                "2025-09-03T23:45:00+05:30",
                "3 September 2025, 23:45 UTC+5:30",
            ),
            ("\"2025-03\"", "2025-03", "March 2025"),
            ("\"2025\"", "2025", "2025"),
            ("\"2025-03-04\"", "2025-03-04", "4 March 2025"),
        ];
        for (src, iso, shown) in cases {
            let when = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(when.iso(), iso, "{src}");
            assert_eq!(when.to_string(), shown, "{src}");
        }
    }

    /// Found by the dates fuzz target (tests/fuzz/regressions/dates/lmt-offset-seconds).
    #[test]
    fn iso_names_the_instant_in_local_mean_time() {
        // Mexico City kept local mean time, -06:36:36, until 1922.
        let when = parse("1890-01-01T12:00:00").expect("a local time");
        assert_eq!(when.iso(), "1890-01-01T18:36:36Z");
        let written: toml::value::Datetime = when.iso().parse().expect("RFC 3339");
        let again = When::from_toml(&toml::Value::Datetime(written), Tz::UTC).expect("read");
        assert_eq!(again.start(Tz::UTC), when.start(Tz::UTC));
    }

    /// Issue: "2000-01-02T19:00:00-03:00" with no `timezone` in a collection in Berlin was
    /// shown as "23:00 CET"; an event's own `timezone` still says where it is shown.
    #[test]
    fn an_offset_time_is_shown_as_written_unless_the_event_names_its_zone() {
        let table: toml::Table = toml::from_str("v = 2000-01-02T19:00:00-03:00").unwrap();
        let when = When::from_toml(&table["v"], chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(when.to_string(), "2 January 2000, 19:00 UTC−3");
        assert_eq!(when.iso(), "2000-01-02T19:00:00-03:00");
        let shown = when.shown_in(chrono_tz::Europe::Berlin);
        assert_eq!(shown.to_string(), "2 January 2000, 23:00 CET");
        assert_eq!(shown.start(chrono_tz::UTC), when.start(chrono_tz::UTC));
        // Its day is the day it was written on, not the day in Berlin.
        let table: toml::Table = toml::from_str("v = 2000-01-02T23:00:00-03:00").unwrap();
        let late = When::from_toml(&table["v"], chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(late.first_day().to_string(), "2000-01-02");
        assert_eq!(
            late.shown_in(chrono_tz::Europe::Berlin)
                .first_day()
                .to_string(),
            "2000-01-03"
        );
    }

    /// Issue: ranges were written out in full on both sides ("3 September 2025, 12:30 CST –
    /// 3 September 2025, 13:45 CST", "5 May 2025 – 5 May 2025").
    #[test]
    fn periods_read_as_a_newspaper_writes_them() {
        let cases = [
            ("2025-05-05", "2025-05-05", "5 May 2025"),
            ("2025-09-02", "2025-09-19", "2–19 September 2025"),
            ("2025-08-30", "2025-09-02", "30 August – 2 September 2025"),
            (
                "2024-12-30",
                "2025-01-02",
                "30 December 2024 – 2 January 2025",
            ),
            (
                "2025-09-03T12:30:00",
                "2025-09-03T13:45:00",
                "3 September 2025, 12:30–13:45 CST",
            ),
            (
                "2025-09-03T12:30:00",
                "2025-09-03T12:30:00-06:00",
                "3 September 2025, 12:30 CST",
            ),
            (
                "2025-09-03T22:00:00",
                "2025-09-04T01:00:00",
                "3 September 2025, 22:00 CST – 4 September 2025, 01:00 CST",
            ),
            (
                "2025-09-03",
                "2025-09-04T01:00:00",
                "3 September 2025 – 4 September 2025, 01:00 CST",
            ),
            ("\"2025-03\"", "\"2025-05\"", "March–May 2025"),
            (
                "\"2024-11\"",
                "\"2025-02\"",
                "November 2024 – February 2025",
            ),
            ("\"2025-03\"", "\"2025-03\"", "March 2025"),
            ("\"2024\"", "\"2025\"", "2024–2025"),
            ("\"2024\"", "2025-03-01", "2024 – 1 March 2025"),
        ];
        for (date, end, shown) in cases {
            let (date, end) = (parse(date).unwrap(), parse(end).unwrap());
            assert_eq!(date.period(Some(&end)).to_string(), shown, "{date:?}");
        }
        assert_eq!(
            parse("2025-09-03").unwrap().period(None).to_string(),
            "3 September 2025"
        );
        // Clocks going back within the day: each time keeps its own name.
        let table: toml::Table =
            toml::from_str("a = 2025-11-02T00:30:00\nb = 2025-11-02T03:00:00").unwrap();
        let zone = chrono_tz::America::New_York;
        let (a, b) = (
            When::from_toml(&table["a"], zone).unwrap(),
            When::from_toml(&table["b"], zone).unwrap(),
        );
        assert_eq!(
            a.period(Some(&b)).to_string(),
            "2 November 2025, 00:30 EDT – 03:00 EST"
        );
    }

    #[test]
    fn rejects_impossible_and_malformed_dates() {
        // A bare 2025-02-30 is already refused by the TOML parser.
        for src in ["\"2025-13\"", "\"2025-02-30\""] {
            assert!(matches!(parse(src), Err(WhenError::NoSuchDate(_))), "{src}");
        }
        for src in ["\"March\"", "\"25-03\"", "12", "12:00:00"] {
            assert!(matches!(parse(src), Err(WhenError::Form(_))), "{src}");
        }
    }

    #[test]
    fn periods_end_on_the_day_after() {
        assert_eq!(
            parse("\"2025-12\"").unwrap().day_after().to_string(),
            "2026-01-01"
        );
        assert_eq!(
            parse("\"2024\"").unwrap().day_after().to_string(),
            "2025-01-01"
        );
        assert_eq!(
            parse("2024-02-29").unwrap().day_after().to_string(),
            "2024-03-01"
        );
    }

    #[test]
    fn skipped_local_times_are_errors() {
        let table: toml::Table = toml::from_str("v = 2025-03-09T02:30:00").unwrap();
        let err = When::from_toml(&table["v"], chrono_tz::America::New_York).unwrap_err();
        assert!(matches!(err, WhenError::SkippedTime(..)));
    }
}
