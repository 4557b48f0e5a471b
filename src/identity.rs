//! Identity: the collection id (`id` in `chronicle.toml`) and the ids every output derives from
//! it. A leaf module, below `config`, `render` and the build's published-id record, so there is
//! one derivation for them all.
//!
//! Ids depend on the collection id and the event's `id` only, never on where the outputs are
//! published: a collection can move to another address (or from http to https) and every RSS
//! `guid`, Atom `id`, JSON Feed `id` and calendar `UID` stays the same.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The published id of an event: a UUID (version 5, URL namespace, RFC 9562 §5.5) of the name
/// `<collection id>events/<event id>` (see `name`).
///
/// Before collections had an id, the name was built from `base_url` the same way: a collection
/// whose id is its former `base_url` keeps the ids it has published.
pub fn event_uuid(collection_id: &str, event_id: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        name(collection_id, &format!("events/{event_id}")).as_bytes(),
    )
}

/// The published id of a feed (its Atom `id`): a UUID as in
/// [`event_uuid`] of `<collection id><home path>` (`""` for the whole collection,
/// `tags/<slug>/` for a tag).
pub fn feed_uuid(collection_id: &str, home_path: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        name(collection_id, home_path).as_bytes(),
    )
}

/// The published id of one correction in the corrections log: a UUID as in [`event_uuid`] of
/// `<collection id>corrections/<event id>/<instant>`, the instant the correction's date in UTC
/// (RFC 3339, seconds), so rewriting its offset or its note keeps the id.
pub fn correction_uuid(collection_id: &str, event_id: &str, date: DateTime<Utc>) -> Uuid {
    let instant = date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        name(collection_id, &format!("corrections/{event_id}/{instant}")).as_bytes(),
    )
}

/// `relative` under the collection id. A `base_url` ends with `/`, and the names were that URL
/// joined with the path; any other id (`tag:…`, `urn:uuid:…`) gets a `/` between the two, so
/// `tag:a,2025:x` and `tag:a,2025:xevents/…` never meet.
fn name(collection_id: &str, relative: &str) -> String {
    let separator = if collection_id.ends_with('/') {
        ""
    } else {
        "/"
    };
    format!("{collection_id}{separator}{relative}")
}

/// Checks a collection id as written in `chronicle.toml`: a UUID URN (`urn:uuid:` and a
/// hyphenated UUID, RFC 9562 §4), a tag URI (RFC 4151), or any other absolute IRI (RFC 3987,
/// which holds every URI of RFC 3986). Returns what is wrong.
pub fn check_collection_id(id: &str) -> Result<(), String> {
    const EXPECTED: &str =
        "write a UUID URN (urn:uuid:…), a tag URI (tag:example.org,2025:timeline) \
                            or another absolute URI";
    if id.is_empty() {
        return Err(format!("is empty ({EXPECTED})"));
    }
    if iri_string::types::IriStr::new(id).is_err() {
        return Err(format!("'{id}' is not an absolute URI ({EXPECTED})"));
    }
    let scheme_end = id.find(':').unwrap_or(0);
    let (scheme, rest) = (&id[..scheme_end], &id[scheme_end + 1..]);
    if scheme.eq_ignore_ascii_case("tag") {
        return check_tag(rest).map_err(|why| format!("'{id}' is not a tag URI: {why}"));
    }
    if scheme.eq_ignore_ascii_case("urn") {
        if let Some(uuid) = rest
            .get(..5)
            .filter(|nid| nid.eq_ignore_ascii_case("uuid:"))
            .and_then(|_| rest.get(5..))
        {
            // RFC 9562 §4: the URN holds the hyphenated form, 36 characters.
            if uuid.len() != 36 || Uuid::try_parse(uuid).is_err() {
                return Err(format!(
                    "'{id}' is not a UUID URN: '{uuid}' is not a UUID like \
                     urn:uuid:6ba7b811-9dad-11d1-80b4-00c04fd430c8"
                ));
            }
        }
    }
    Ok(())
}

/// Checks what follows `tag:` against RFC 4151 §2.1:
/// `taggingEntity ":" specific [ "#" fragment ]`, `taggingEntity = authorityName "," date`.
/// No crate parses tag URIs; the absolute-IRI check before has vetted the characters.
fn check_tag(rest: &str) -> Result<(), String> {
    let Some((authority, after)) = rest.split_once(',') else {
        return Err("no ',' after the authority (tag:example.org,2025:name)".into());
    };
    let Some((date, _specific)) = after.split_once(':') else {
        return Err("no ':' after the date (tag:example.org,2025:name)".into());
    };
    let domain = match authority.rsplit_once('@') {
        Some((local, domain)) => {
            // emailAddress = 1*(alphaNum / "-" / "." / "_") "@" DNSname
            if local.is_empty()
                || !local
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            {
                return Err(format!("'{authority}' is not an e-mail address"));
            }
            domain
        }
        None => authority,
    };
    // DNScomp = alphaNum [*(alphaNum / "-") alphaNum]
    let is_label = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !domain.split('.').all(is_label) {
        return Err(format!(
            "'{authority}' is not a domain name or e-mail address"
        ));
    }
    if !is_tag_date(date) {
        return Err(format!(
            "'{date}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
        ));
    }
    Ok(())
}

/// `date = year ["-" month ["-" day]]` (RFC 4151 §2.1), a real day of the calendar.
fn is_tag_date(date: &str) -> bool {
    let full = match date.len() {
        4 => format!("{date}-01-01"),
        7 => format!("{date}-01"),
        10 => date.to_string(),
        _ => return false,
    };
    full.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        _ => b.is_ascii_digit(),
    }) && chrono::NaiveDate::parse_from_str(&full, "%Y-%m-%d").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the ids were before collections had an id: UUIDs of names built from `base_url`.
    fn former_event_uuid(base_url: &str, event_id: &str) -> Uuid {
        Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            format!("{base_url}events/{event_id}").as_bytes(),
        )
    }

    #[test]
    fn a_former_base_url_as_collection_id_keeps_every_id() {
        let base_url = "https://example.org/us-mexico-security/";
        for event_id in ["rubio-visit", "a.b_c-1", "2025"] {
            assert_eq!(
                event_uuid(base_url, event_id),
                former_event_uuid(base_url, event_id)
            );
        }
        for home in ["", "tags/security/", "years/2025/"] {
            assert_eq!(
                feed_uuid(base_url, home),
                Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("{base_url}{home}").as_bytes())
            );
        }
        // Values the sample published before collections had an id (its rss.xml and
        // atom.xml snapshots).
        assert_eq!(
            event_uuid(base_url, "09-03-trade-talks-washington").to_string(),
            "d1d90469-fb69-5abc-8d76-7ba15bedf4b1"
        );
        assert_eq!(
            feed_uuid(base_url, "").to_string(),
            "e9e79b24-ee58-50a3-b05b-6316faeb4303"
        );
    }

    #[test]
    fn ids_of_other_collection_ids_are_joined_with_a_slash() {
        let id = "tag:example.org,2025:timeline";
        assert_eq!(
            event_uuid(id, "a"),
            Uuid::new_v5(
                &Uuid::NAMESPACE_URL,
                b"tag:example.org,2025:timeline/events/a"
            )
        );
        assert_ne!(
            event_uuid(id, "a"),
            event_uuid("tag:example.org,2025:other", "a")
        );
    }

    #[test]
    fn a_correction_s_id_is_its_event_s_and_its_instant() {
        let id = "tag:example.org,2025:timeline";
        let at = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .expect("a date")
                .with_timezone(&Utc)
        };
        let a = correction_uuid(id, "a", at("2025-09-04T10:00:00-06:00"));
        assert_eq!(a, correction_uuid(id, "a", at("2025-09-04T16:00:00Z")));
        assert_eq!(
            a,
            Uuid::new_v5(
                &Uuid::NAMESPACE_URL,
                b"tag:example.org,2025:timeline/corrections/a/2025-09-04T16:00:00Z"
            )
        );
        assert_ne!(a, correction_uuid(id, "b", at("2025-09-04T16:00:00Z")));
        assert_ne!(a, correction_uuid(id, "a", at("2025-09-04T16:00:01Z")));
        assert_ne!(a, event_uuid(id, "a"));
    }

    #[test]
    fn accepts_collection_ids() {
        for id in [
            "urn:uuid:6ba7b811-9dad-11d1-80b4-00c04fd430c8",
            "URN:UUID:6BA7B811-9DAD-11D1-80B4-00C04FD430C8",
            "tag:example.org,2025:timeline",
            "tag:news.example.org,2025-09:us-mexico/security",
            "tag:desk@example.org,2025-09-03:timeline#main",
            "tag:example.org,2025:",
            "https://example.org/us-mexico-security/",
            "http://example.org/año/",
            "urn:isbn:0451450523",
            "did:example:123",
        ] {
            assert_eq!(check_collection_id(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn refuses_what_is_no_collection_id() {
        for (id, why) in [
            ("", "is empty"),
            ("timeline", "is not an absolute URI"),
            ("/us-mexico-security/", "is not an absolute URI"),
            ("https://example.org/a b/", "is not an absolute URI"),
            // Though a base_url may hold it: config accepts any base_url as the id.
            ("https://example.org/a|b/", "is not an absolute URI"),
            ("urn:uuid:6ba7b811", "is not a UUID URN"),
            (
                "urn:uuid:6ba7b8119dad11d180b400c04fd430c8",
                "is not a UUID URN",
            ),
            ("tag:example.org:timeline", "no ',' after the authority"),
            ("tag:example.org,2025", "no ':' after the date"),
            ("tag:example.org,2025-13:x", "is not a date"),
            ("tag:example.org,2025-02-30:x", "is not a date"),
            ("tag:example.org,25:x", "is not a date"),
            ("tag:-example.org,2025:x", "is not a domain name"),
            ("tag:example..org,2025:x", "is not a domain name"),
            ("tag:@example.org,2025:x", "is not an e-mail address"),
            ("tag:example.org,2025:a b", "is not an absolute URI"),
        ] {
            let err = check_collection_id(id).expect_err(id);
            assert!(err.contains(why), "{id}: {err}");
        }
    }
}
