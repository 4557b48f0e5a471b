//! Front matter written as Hugo and Jekyll write it, YAML between `---` lines: recognised so
//! `check` can say so and show the same fields in TOML between `+++` lines.
//!
//! Written by hand, and only for that message: a YAML parser would read every YAML document,
//! but the fix shown needs only the simple `key: value` lines such files hold, and nothing is
//! ever read from YAML.

use std::ops::Range;

/// What `check` says of a file with YAML front matter.
pub(super) const MESSAGE: &str = "front matter in YAML between --- lines (as Hugo and Jekyll write it): chronicle reads TOML between +++ lines";

/// The event fields a YAML front matter's lines are carried over for.
const FIELDS: [&str; 11] = [
    "title",
    "date",
    "end",
    "timezone",
    "location",
    "tags",
    "status",
    "published",
    "updated",
    "id",
    "draft",
];

/// A file's YAML front matter, found.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct YamlFrontMatter {
    /// Bytes of the opening `---` line.
    pub(super) opening: Range<usize>,
    /// The event fields it holds written as TOML front matter, `+++` lines included.
    pub(super) as_toml: String,
}

/// The file's YAML front matter, if it opens with a `---` line.
pub(super) fn front_matter(text: &str) -> Option<YamlFrontMatter> {
    let mut lines = text.split('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let opening = 0..first.trim_end().len();
    let mut toml = vec!["+++".to_string()];
    let mut list: Option<(String, Vec<String>)> = None;
    let flush = |list: &mut Option<(String, Vec<String>)>, toml: &mut Vec<String>| {
        if let Some((key, items)) = list.take() {
            toml.push(format!("{key} = [{}]", items.join(", ")));
        }
    };
    for line in lines {
        let line = line.trim_end();
        if line == "---" {
            break;
        }
        if let (Some(item), Some((_, items))) = (line.trim_start().strip_prefix("- "), &mut list) {
            items.push(string(item.trim()));
            continue;
        }
        flush(&mut list, &mut toml);
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        if !FIELDS.contains(&key) {
            continue;
        }
        let value = value.trim();
        if value.is_empty() {
            list = Some((key.to_string(), Vec::new()));
        } else {
            toml.push(format!("{key} = {}", value_as_toml(value)));
        }
    }
    flush(&mut list, &mut toml);
    if toml.len() == 1 {
        toml.push("title = \"Rubio visits Mexico City\"".into());
        toml.push("date = 2025-09-03".into());
    }
    toml.push("+++".into());
    Some(YamlFrontMatter {
        opening,
        as_toml: toml.join("\n"),
    })
}

/// A YAML scalar or flow list as TOML: dates, times, numbers and booleans as they are,
/// everything else a string.
fn value_as_toml(value: &str) -> String {
    if let Some(items) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        let items: Vec<String> = items
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(string)
            .collect();
        return format!("[{}]", items.join(", "));
    }
    let bare = value == "true"
        || value == "false"
        || value.parse::<f64>().is_ok()
        || value.parse::<toml::value::Datetime>().is_ok();
    if bare {
        value.to_string()
    } else {
        string(value)
    }
}

/// A YAML scalar as a TOML basic string (its own quotes removed).
fn string(value: &str) -> String {
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|&q| value.strip_prefix(q).and_then(|v| v.strip_suffix(q)))
        .unwrap_or(value);
    toml::Value::String(unquoted.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_hugo_front_matter_as_toml() {
        let found = front_matter(
            "---\ntitle: \"Rubio visits\"\ndate: 2025-09-03T10:00:00-06:00\ndraft: false\nlayout: post\ntags: [trade, \"security\"]\ncategories:\n  - news\n---\nBody\n",
        )
        .expect("YAML");
        assert_eq!(found.opening, 0..3);
        assert_eq!(
            found.as_toml,
            "+++\ntitle = \"Rubio visits\"\ndate = 2025-09-03T10:00:00-06:00\ndraft = false\ntags = [\"trade\", \"security\"]\n+++"
        );
        let listed = front_matter("---\r\ntags:\r\n  - a\r\n  - 'b c'\r\n---\r\n").expect("YAML");
        assert_eq!(listed.as_toml, "+++\ntags = [\"a\", \"b c\"]\n+++");
        assert!(front_matter("+++\ntitle = \"T\"\n+++\n").is_none());
        assert!(front_matter("---\nlayout: post\n---\n")
            .expect("YAML")
            .as_toml
            .contains("title = "));
    }
}
