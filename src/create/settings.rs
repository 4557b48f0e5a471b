//! The text of a new collection's `chronicle.toml`: every setting, each with a comment saying
//! what it does; the optional ones left at their defaults are written commented out.

/// The settings `init` writes; the rest are left at their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSettings {
    pub title: String,
    /// Absolute http(s) URL ending with `/`.
    pub base_url: String,
    /// The collection id (`urn:uuid:…`), written once and never changed.
    pub id: String,
    /// BCP 47 language tag.
    pub language: String,
    /// IANA time zone name.
    pub timezone: String,
}

/// One `key = value` line, the value written by the toml serializer.
fn setting(key: &str, value: impl Into<toml::Value>) -> Result<String, toml::ser::Error> {
    let mut table = toml::Table::new();
    table.insert(key.to_string(), value.into());
    toml::to_string(&table)
}

/// The settings file's text.
pub fn settings_text(settings: &NewSettings) -> Result<String, toml::ser::Error> {
    let lines = [
        "# chronicle settings; docs/format.md describes each one.\n\n".to_string(),
        "# The collection's name: the title of its feeds, calendar and pages.\n".into(),
        setting("title", settings.title.as_str())?,
        "# One sentence: the feeds' subtitle and the calendar's description.\n".into(),
        format!(
            "# {}",
            setting("description", "What this timeline follows.")?
        ),
        "# The absolute http(s) URL the outputs are published at, ending with '/': the base of\n\
         # every link. It may change when the collection moves.\n"
            .into(),
        setting("base_url", settings.base_url.as_str())?,
        "# The collection id: every RSS guid, Atom id, JSON Feed id and calendar UID derives from\n\
         # it and the event's id. Never change it: feed readers would show every entry again and\n\
         # calendars would hold every event twice.\n"
            .into(),
        setting("id", settings.id.as_str())?,
        "# A BCP 47 language tag, like en or es-MX.\n".into(),
        setting("language", settings.language.as_str())?,
        "# The IANA time zone local dates and times are read in, unless an event names its own.\n"
            .into(),
        setting("timezone", settings.timezone.as_str())?,
        "# A person's or organisation's name, the feeds' author (default: the title).\n".into(),
        format!("# {}", setting("author", settings.title.as_str())?),
        "# How many of the most recently published entries each feed holds.\n".into(),
        format!(
            "# {}",
            setting(
                "feed_limit",
                i64::try_from(crate::config::DEFAULT_FEED_LIMIT).unwrap_or(i64::MAX)
            )?
        ),
        "# A WebSub hub (https://www.w3.org/TR/websub/): every feed names it, so readers get a\n\
         # push when it changes, and `build --ping` and `serve` tell it which feeds changed.\n"
            .into(),
        format!(
            "# {}",
            setting("websub_hub", "https://pubsubhubbub.appspot.com/")?
        ),
    ];
    Ok(lines.concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_settings;
    use crate::load::SourceFile;

    fn settings(title: &str) -> NewSettings {
        NewSettings {
            title: title.into(),
            base_url: "https://example.org/".into(),
            id: "urn:uuid:6ba7b811-9dad-11d1-80b4-00c04fd430c8".into(),
            language: "es-MX".into(),
            timezone: "America/Mexico_City".into(),
        }
    }

    #[test]
    fn the_settings_read_back_as_written() {
        for title in [
            "Timeline",
            "Quotes \" and \\ backslashes",
            "+++",
            "'''\"\"\"",
        ] {
            let text = settings_text(&settings(title)).expect("serializable");
            let file = SourceFile::new("c.toml".into(), "c.toml".into(), text.clone());
            let read = parse_settings(&file).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
            assert_eq!(read.title, title);
            assert_eq!(read.author, title);
            assert_eq!(read.base_url, "https://example.org/");
            assert_eq!(
                read.id.as_deref(),
                Some("urn:uuid:6ba7b811-9dad-11d1-80b4-00c04fd430c8")
            );
            assert_eq!(read.language, "es-MX");
            assert_eq!(read.timezone, chrono_tz::America::Mexico_City);
            assert_eq!(read.feed_limit, crate::config::DEFAULT_FEED_LIMIT);
            assert_eq!(read.websub_hub, None);
        }
    }

    /// Each setting written commented out reads back when its `# ` is taken away.
    #[test]
    fn the_commented_settings_read_back_once_uncommented() {
        let text = settings_text(&settings("T")).expect("serializable");
        let uncommented: String = text
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(setting) if setting.contains(" = ") => format!("{setting}\n"),
                _ => format!("{line}\n"),
            })
            .collect();
        let file = SourceFile::new("c.toml".into(), "c.toml".into(), uncommented.clone());
        let read = parse_settings(&file).unwrap_or_else(|e| panic!("{e:?}\n{uncommented}"));
        assert_eq!(read.description, "What this timeline follows.");
        assert_eq!(
            read.websub_hub.map(String::from).as_deref(),
            Some("https://pubsubhubbub.appspot.com/")
        );
    }

    #[test]
    fn every_setting_is_explained() {
        let text = settings_text(&settings("T")).expect("serializable");
        for key in [
            "title",
            "description",
            "base_url",
            "id",
            "language",
            "timezone",
            "author",
            "feed_limit",
            "websub_hub",
        ] {
            let line = text
                .lines()
                .position(|l| l.trim_start_matches("# ").starts_with(&format!("{key} = ")))
                .unwrap_or_else(|| panic!("no {key} in\n{text}"));
            let before = text.lines().nth(line - 1).unwrap_or_default();
            assert!(
                before.starts_with("# ") && !before.contains(" = "),
                "{key} has no comment above it:\n{text}"
            );
        }
    }
}
