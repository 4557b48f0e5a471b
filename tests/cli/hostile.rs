//! A generated collection of hostile text: markup, `]]>`, `&`, quotes, calendar delimiters,
//! line breaks followed by `END:VEVENT`, long multi-byte titles. Deterministic.

use std::path::Path;

/// What one generated event holds, as the test expects to read it back.
#[derive(Debug, Clone)]
pub struct Generated {
    pub id: String,
    pub title: String,
    pub location: Option<String>,
    pub tags: Vec<String>,
}

const TITLE_PARTS: [&str; 12] = [
    "<script>alert(1)</script>",
    "Tom & Jerry's \"deal\"",
    "end of CDATA ]]> here",
    "a;b,c\\d",
    "&amp; is not &",
    "Sheinbaum y Rubio: cooperación",
    "東京 会議 🚀",
    "עברית ← RTL",
    "<![CDATA[x]]>",
    "<b>bold</b> &lt;tag&gt;",
    "50% of 'quotes'",
    "BEGIN:VEVENT",
];

const TAGS: [&str; 6] = [
    "security",
    "a,b;c",
    "Seguridad pública",
    "C++",
    "<b>",
    "東京",
];

const BODIES: [&str; 4] = [
    "Line one\nEND:VEVENT\nBEGIN:VEVENT\n\nEND:VEVENT\n\nBEGIN:VEVENT\n\nSUMMARY:injected ]]> & more.\n",
    "<script>alert('x')</script> <img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) and [ok](https://example.org/?a=1&b=2)\n",
    "Semicolons; commas, backslashes \\ and \"quotes\".\r\n\r\n- item <i>one</i>\r\n- item ]]>\r\n",
    "Long multi-byte: ñandú 東京 🚀 Ελληνικά — «guillemets» … ✓\n",
];

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn date_forms(i: usize) -> (String, Option<String>) {
    let year = 1995 + i % 30;
    let month = 1 + i % 12;
    let day = 1 + i % 28;
    match i % 6 {
        0 => (format!("{year}-{month:02}-{day:02}"), None),
        1 => (
            format!("{year}-{month:02}-{day:02}T{:02}:30:00-06:00", i % 24),
            None,
        ),
        2 => (
            format!("{year}-{month:02}-{day:02}T{:02}:15:00", 8 + i % 12),
            None,
        ),
        3 => (format!("\"{year}-{month:02}\""), None),
        4 => (format!("\"{year}\""), None),
        _ => (
            format!("{year}-{month:02}-{day:02}"),
            Some(format!("{year}-{month:02}-{:02}", (day + 2).min(28))),
        ),
    }
}

/// Writes `n` hostile events and a settings file into `dir`; returns what they hold.
pub fn write_collection(dir: &Path, n: usize, feed_limit: usize) -> Vec<Generated> {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("chronicle.toml"),
        format!(
            "title = {}\ndescription = {}\nbase_url = \"https://example.org/hostile/\"\nlanguage = \"en\"\ntimezone = \"America/Mexico_City\"\nauthor = \"Desk <desk>\"\nfeed_limit = {feed_limit}\n",
            toml_string("Hostile & <strange> ]]> collection; a,b"),
            toml_string("Every kind of text that could break a feed or a calendar"),
        ),
    )
    .unwrap();
    (0..n)
        .map(|i| {
            let id = format!("event-{i:05}");
            let long = if i % 7 == 0 {
                " ñandú 東京 🚀".repeat(12)
            } else {
                String::new()
            };
            let title = format!(
                "{} #{i} {}{long}",
                TITLE_PARTS[i % TITLE_PARTS.len()],
                TITLE_PARTS[(i / 3) % TITLE_PARTS.len()]
            );
            let location = (i % 3 != 0)
                .then(|| format!("Plaza {}; Ciudad, México \\ {}", i % 10, TAGS[i % 6]));
            let tags: Vec<String> = (0..i % 4)
                .map(|k| TAGS[(i + k) % TAGS.len()].to_string())
                .collect();
            let (date, end) = date_forms(i);
            let published_day = 1 + i / 1000;
            let published = format!(
                "2025-01-{published_day:02}T{:02}:{:02}:{:02}Z",
                (i / 60 / 60) % 24,
                (i / 60) % 60,
                i % 60
            );
            let mut text = format!("+++\ntitle = {}\ndate = {date}\n", toml_string(&title));
            if let Some(end) = end {
                text.push_str(&format!("end = {end}\n"));
            }
            if let Some(location) = &location {
                text.push_str(&format!("location = {}\n", toml_string(location)));
            }
            let tag_list: Vec<String> = tags.iter().map(|t| toml_string(t)).collect();
            text.push_str(&format!("tags = [{}]\n", tag_list.join(", ")));
            text.push_str(&format!("published = {published}\n"));
            if i % 5 == 0 {
                text.push_str("updated = 2025-06-01T00:00:00Z\n");
            }
            text.push_str(
                &format!(
                "\n[[sources]]\ntitle = {}\nurl = \"https://example.org/source?id={i}&x=<y>\"\n",
                toml_string("Source ]]> & <b>")
            )
                .replace("<y>", "y"),
            );
            text.push_str("+++\n");
            text.push_str(BODIES[i % BODIES.len()]);
            let year_dir = dir.join(format!("{}", 1995 + i % 30));
            std::fs::create_dir_all(&year_dir).unwrap();
            std::fs::write(year_dir.join(format!("{id}.md")), text).unwrap();
            Generated {
                id,
                title,
                location,
                tags,
            }
        })
        .collect()
}
