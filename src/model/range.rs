//! The one range of dates every output can hold, and the tests that keep a date inside it.
//!
//! RSS dates (RFC 822), Atom and JSON Feed dates (RFC 3339) and iCalendar dates (RFC 5545) all
//! have four-digit years, and the parsers feed readers and calendar apps use (Python's
//! `datetime` under feedparser, icalendar, khal and vdirsyncer; ical.js; libical) read years 1
//! to 9999, not year 0. So every instant written is between [`first_instant`] and
//! [`last_instant`] (UTC), and every calendar day between 0001-01-01 and 9999-12-31.
//!
//! An event's dates must leave room for the end calendars write: an all-day event ends on the
//! day after its last day (RFC 5545 §3.6.1, an exclusive `DTEND`), and khal gives a time
//! without an end a day's length. So the days a `date` or `end` covers, in its zone and in
//! UTC, end by [`last_day`], 9999-12-30.

use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::When;

/// 0001-01-01T00:00:00Z, the first instant every output can hold.
pub fn first_instant() -> DateTime<Utc> {
    Utc.from_utc_datetime(&first_day().and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// 9999-12-31T23:59:59Z, the last instant every output can hold (whole seconds are written).
pub fn last_instant() -> DateTime<Utc> {
    let day = NaiveDate::from_ymd_opt(9999, 12, 31).expect("9999-12-31 exists");
    Utc.from_utc_datetime(&day.and_hms_opt(23, 59, 59).expect("23:59:59 exists"))
}

/// 0001-01-01, the first day every output can hold.
pub fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).expect("0001-01-01 exists")
}

/// 9999-12-30, the last day a date may cover: the day after it is the last day there is.
pub fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 30).expect("9999-12-30 exists")
}

/// Why a date cannot be written in every format; displayed after the value it is about, as in
/// `date (9999-12-31) lasts until ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutOfRange {
    #[error("starts on {}, before 0001-01-01, the first day every output can hold", Day(*.0))]
    EarlyDay(NaiveDate),
    #[error(
        "starts at {} in UTC, before 0001-01-01T00:00:00Z, the first instant every output can hold",
        Instant(*.0)
    )]
    EarlyInstant(DateTime<Utc>),
    #[error(
        "lasts until {}, after 9999-12-30, the last day a date may cover (calendars need the \
         day after it to end an event)",
        Day(*.0)
    )]
    LateDay(NaiveDate),
    #[error(
        "is on {} in UTC, after 9999-12-30, the last day a date may cover (calendars need the \
         day after it to end an event)",
        Day(*.0)
    )]
    LateUtcDay(NaiveDate),
    #[error(
        "is {} in UTC, outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, the instants \
         every output can hold",
        Instant(*.0)
    )]
    Instant(DateTime<Utc>),
}

impl When {
    /// Whether every day the date covers (in `zone`, the event's, and in UTC) lies between
    /// [`first_day`] and [`last_day`], and the instant it starts is not before
    /// [`first_instant`].
    pub fn check_range(&self, zone: Tz) -> Result<(), OutOfRange> {
        let first = self.first_day();
        if first < first_day() {
            return Err(OutOfRange::EarlyDay(first));
        }
        let start = self.start(zone);
        if start < first_instant() {
            return Err(OutOfRange::EarlyInstant(start));
        }
        let last = self.day_after() - Duration::days(1);
        if last > last_day() {
            return Err(OutOfRange::LateDay(last));
        }
        if let When::Instant { at, .. } = self {
            if at.date_naive() > last_day() {
                return Err(OutOfRange::LateUtcDay(at.date_naive()));
            }
        }
        Ok(())
    }
}

/// Whether an offset date-time (`published`, `updated`) lies between [`first_instant`] and
/// [`last_instant`], and its day as written is not before [`first_day`] (the exports write it
/// with its offset).
pub fn check_instant(at: DateTime<FixedOffset>) -> Result<(), OutOfRange> {
    if at.date_naive() < first_day() {
        return Err(OutOfRange::EarlyDay(at.date_naive()));
    }
    check_utc(at.with_timezone(&Utc))
}

/// Whether a UTC instant lies between [`first_instant`] and [`last_instant`].
pub fn check_utc(at: DateTime<Utc>) -> Result<(), OutOfRange> {
    if (first_instant()..=last_instant()).contains(&at) {
        Ok(())
    } else {
        Err(OutOfRange::Instant(at))
    }
}

/// Seconds since 1970 (`SOURCE_DATE_EPOCH`) as an instant every output can hold, if it is one.
pub fn instant_from_epoch(seconds: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .filter(|at| check_utc(*at).is_ok())
}

/// A day as ISO 8601; years past 9999 get a sign (`+10000-01-01`), as ISO 8601 expands them.
struct Day(NaiveDate);

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// A UTC instant as RFC 3339 with `Z` (years past 9999 signed, as for [`Day`]).
struct Instant(DateTime<Utc>);

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%SZ"))
    }
}

/// A UTC instant as [`OutOfRange`] shows it: `+10000-01-01T00:00:00Z`.
pub fn utc_text(at: DateTime<Utc>) -> String {
    Instant(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when(src: &str, zone: Tz) -> When {
        let table: toml::Table = toml::from_str(&format!("v = {src}")).expect("toml");
        When::from_toml(&table["v"], zone).expect("a date")
    }

    #[test]
    fn every_date_form_at_the_edges() {
        use chrono_tz::{America::Mexico_City, Asia::Tokyo, UTC};
        let ok = [
            ("0001-01-01", UTC),
            ("0001-01-01", Mexico_City),
            ("\"0001\"", UTC),
            ("\"0001-01\"", UTC),
            ("0001-01-01T00:00:00Z", UTC),
            // Shown at its written offset: its day is 0001-01-01, not 0000-12-31 in Mexico.
            ("0001-01-01T00:00:00Z", Mexico_City),
            ("0001-01-01T10:00:00", Tokyo),
            ("9999-12-30", UTC),
            ("9999-12-30", Tokyo),
            ("\"9999-11\"", UTC),
            ("\"9998\"", UTC),
            ("9999-12-30T23:59:59Z", UTC),
            ("9999-12-30T17:59:59-06:00", UTC),
        ];
        for (src, zone) in ok {
            assert_eq!(when(src, zone).check_range(zone), Ok(()), "{src} in {zone}");
        }
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let out = [
            ("0000-12-31", UTC, OutOfRange::EarlyDay(day(0, 12, 31))),
            ("\"0000\"", UTC, OutOfRange::EarlyDay(day(0, 1, 1))),
            (
                "0001-01-01",
                Tokyo,
                OutOfRange::EarlyInstant(utc("0000-12-31T14:41:01Z")),
            ),
            (
                "0000-12-31T23:00:00-06:00",
                Mexico_City,
                OutOfRange::EarlyDay(day(0, 12, 31)),
            ),
            ("9999-12-31", UTC, OutOfRange::LateDay(day(9999, 12, 31))),
            ("\"9999\"", UTC, OutOfRange::LateDay(day(9999, 12, 31))),
            ("\"9999-12\"", UTC, OutOfRange::LateDay(day(9999, 12, 31))),
            (
                "9999-12-31T00:00:00Z",
                UTC,
                OutOfRange::LateDay(day(9999, 12, 31)),
            ),
            (
                "9999-12-30T23:00:00-06:00",
                Mexico_City,
                OutOfRange::LateUtcDay(day(9999, 12, 31)),
            ),
            // Its day as written: 9999-12-31 (in UTC, already 10000-01-01).
            (
                "9999-12-31T23:00:00-06:00",
                UTC,
                OutOfRange::LateDay(day(9999, 12, 31)),
            ),
        ];
        for (src, zone, err) in out {
            assert_eq!(
                when(src, zone).check_range(zone),
                Err(err),
                "{src} in {zone}"
            );
        }
    }

    #[test]
    fn instants_at_the_edges() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        for ok in [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00-01:00",
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59+12:00",
        ] {
            assert_eq!(check_instant(at(ok)), Ok(()), "{ok}");
        }
        assert_eq!(
            check_instant(at("9999-12-31T23:59:59-12:00")).map_err(|e| e.to_string()),
            Err(
                "is +10000-01-01T11:59:59Z in UTC, outside 0001-01-01T00:00:00Z to \
                 9999-12-31T23:59:59Z, the instants every output can hold"
                    .to_string()
            )
        );
        assert!(matches!(
            check_instant(at("0001-01-01T00:30:00+01:00")),
            Err(OutOfRange::Instant(_))
        ));
        assert!(matches!(
            check_instant(at("0000-12-31T23:00:00-02:00")),
            Err(OutOfRange::EarlyDay(_))
        ));
    }

    #[test]
    fn epochs_at_the_edges() {
        assert_eq!(instant_from_epoch(-62_135_596_800), Some(first_instant()));
        assert_eq!(instant_from_epoch(253_402_300_799), Some(last_instant()));
        for out in [
            -62_135_596_801,
            -62_167_219_201,
            253_402_300_800,
            8_210_298_412_800,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(instant_from_epoch(out), None, "{out}");
        }
    }
}
