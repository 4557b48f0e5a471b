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
/// kept with the zone it is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// `"2025"`: some day in that year.
    Year(i32),
    /// `"2025-03"`: some day in that month.
    Month(i32, u32),
    /// `2025-03-04`: an all-day date.
    Date(NaiveDate),
    /// An exact moment (offset date-time, or local date-time read in `zone`).
    Instant { at: DateTime<Utc>, zone: Tz },
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
    /// reduced precision (`"2025-03"`, `"2025"`, or a full `"2025-03-04"`).
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
        let at = match dt.offset {
            Some(toml::value::Offset::Z) => Utc.from_utc_datetime(&naive),
            Some(toml::value::Offset::Custom { minutes }) => {
                let offset = FixedOffset::east_opt(i32::from(minutes) * 60)
                    .ok_or_else(|| WhenError::Form(written.clone()))?;
                offset
                    .from_local_datetime(&naive)
                    .single()
                    .ok_or_else(|| WhenError::Form(written.clone()))?
                    .with_timezone(&Utc)
            }
            None => local_to_utc(naive, zone).ok_or(WhenError::SkippedTime(written, zone))?,
        };
        Ok(When::Instant { at, zone })
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
            When::Instant { at, zone } => at.with_timezone(&zone).date_naive(),
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
            When::Instant { at, zone } => {
                let local = at.with_timezone(&zone);
                // RFC 3339 offsets are whole minutes; local mean time (before a zone's standard
                // time) has seconds, and a rounded offset would name another instant.
                if local.offset().fix().local_minus_utc() % 60 == 0 {
                    local.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
                } else {
                    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                }
            }
        }
    }
}

/// For people: `2025`, `March 2025`, `3 September 2025`, `3 September 2025, 12:00 CST`.
impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            When::Year(y) => write!(f, "{y}"),
            When::Month(y, m) => write!(f, "{} {y}", month_name(m)),
            When::Date(d) => write!(f, "{}", d.format("%-d %B %Y")),
            When::Instant { at, zone } => {
                write!(
                    f,
                    "{}",
                    at.with_timezone(&zone).format("%-d %B %Y, %H:%M %Z")
                )
            }
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
            (
                "2025-09-03T18:00:00Z",
                "2025-09-03T12:00:00-06:00",
                "3 September 2025, 12:00 CST",
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
