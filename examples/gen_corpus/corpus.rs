//! The corpus generator behind `gen_corpus` (see `main.rs`); the integration tests include this
//! file to write the same corpus without running the example.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// SplitMix64 (Steele, Lea and Flood, 2014), written here rather than taken from `rand`:
/// the corpus must stay byte-identical across dependency upgrades (the `rand` crates document
/// that their value streams may change between versions), and ten lines need no dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant for test data.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, low: usize, high_inclusive: usize) -> usize {
        low + self.below(high_inclusive - low + 1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const FIRST_YEAR: i32 = 2000;
const YEARS: usize = 25;

const SUBJECTS: &[&str] = &[
    "City council",
    "Ministère de la Santé",
    "Regional court",
    "São Paulo transit authority",
    "Port of Rotterdam",
    "Bürgermeisterin Müller",
    "National weather service",
    "Central bank",
    "Universidad de Córdoba",
    "Harbour police",
    "Zürich water board",
    "Parliament's budget committee",
    "Łódź film festival",
    "Province of Québec",
    "Energy regulator",
    "Mayor of Reykjavík",
    "Kraków heritage office",
    "Ombudsman",
    "Tōkyō metropolitan government",
    "Fire brigade of Malmö",
];

const VERBS: &[&str] = &[
    "approves",
    "rejects",
    "announces",
    "postpones",
    "publishes",
    "opens an inquiry into",
    "signs",
    "suspends",
    "reviews",
    "extends",
    "cancels",
    "confirms",
];

const OBJECTS: &[&str] = &[
    "the new tram line through the old town",
    "a plan for 4 000 affordable homes",
    "the “clean air” zone around the centre",
    "emergency repairs to the Brücke über den Fluss",
    "the annual report on río pollution",
    "a €12 million flood defence scheme",
    "the merger of two regional hospitals",
    "a ban on night flights",
    "the café licensing rules",
    "school meal prices for the coming year",
    "the contract for the harbour dredging",
    "new rules on short-term rentals",
    "the restoration of the cathédrale",
    "a pilot for free public transport",
    "the census results for the district",
];

const QUALIFIERS: &[&str] = &[
    "after a long debate",
    "despite protests",
    "by a narrow vote",
    "ahead of the elections",
    "under public pressure",
    "following an audit",
    "with immediate effect",
    "for the second time",
    "à la demande des habitants",
    "in a surprise move",
];

const WORDS: &[&str] = &[
    "the",
    "council",
    "said",
    "that",
    "residents",
    "would",
    "be",
    "consulted",
    "before",
    "any",
    "decision",
    "was",
    "taken",
    "on",
    "budget",
    "plan",
    "which",
    "opposition",
    "members",
    "criticised",
    "as",
    "rushed",
    "and",
    "unfunded",
    "officials",
    "expect",
    "work",
    "to",
    "start",
    "next",
    "spring",
    "while",
    "critics",
    "warn",
    "of",
    "delays",
    "costs",
    "have",
    "risen",
    "since",
    "first",
    "proposal",
    "in",
    "report",
    "published",
    "today",
    "shows",
    "district",
    "population",
    "grew",
    "by",
    "percent",
    "over",
    "decade",
    "naïve",
    "façade",
    "señora",
    "Straße",
    "éclair",
    "coöperation",
    "résumé",
    "über",
    "mayor",
    "told",
    "reporters",
    "vote",
    "is",
    "expected",
    "later",
    "this",
    "month",
    "agreement",
    "covers",
    "three",
    "years",
    "with",
    "an",
    "option",
    "extend",
];

const TAGS: [&str; 50] = [
    "politics",
    "economy",
    "health",
    "transport",
    "housing",
    "environment",
    "education",
    "culture",
    "sport",
    "justice",
    "police",
    "fire",
    "weather",
    "flooding",
    "energy",
    "water",
    "budget",
    "elections",
    "protest",
    "strike",
    "trade",
    "tourism",
    "science",
    "technology",
    "media",
    "religion",
    "heritage",
    "architecture",
    "agriculture",
    "fishing",
    "aviation",
    "rail",
    "roads",
    "ports",
    "labour",
    "pensions",
    "taxes",
    "banking",
    "immigration",
    "diplomacy",
    "defence",
    "security",
    "courts",
    "corruption",
    "accidents",
    "festivals",
    "music",
    "film",
    "literature",
    "obituaries",
];

const PUBLISHERS: &[&str] = &[
    "The Daily Record",
    "Le Courrier régional",
    "Der Tagesspiegel am Fluss",
    "El Diario del Sur",
    "City Hall press office",
    "Public Broadcaster",
    "The \"Evening\" Standard",
    "Gazeta Wyborcza Łódź",
];

const HOSTS: &[&str] = &[
    "example.org",
    "news.example.com",
    "press.example.net",
    "archive.example.org",
];

const ZONES: &[&str] = &[
    "Europe/Paris",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Europe/Warsaw",
];

/// Writes the settings and `count` event files into `dir`.
pub(crate) fn generate(count: usize, dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(
        dir.join("chronicle.toml"),
        "title = \"Städtische Chronik: a generated city timeline\"\n\
         description = \"Generated events for benchmarks: council decisions, courts, weather and culture over 25 years.\"\n\
         base_url = \"https://example.org/chronik/\"\n\
         id = \"tag:example.org,2025:chronik\"\n\
         language = \"en\"\n\
         timezone = \"Europe/Berlin\"\n\
         author = \"chronicle corpus generator\"\n\
         feed_limit = 50\n",
    )?;
    for year in 0..YEARS {
        fs::create_dir_all(dir.join(format!("{}", FIRST_YEAR + year as i32)))?;
    }
    let mut text = String::with_capacity(4096);
    for n in 0..count {
        // One generator per event, seeded by its number: event n is the same in every corpus.
        let mut rng =
            SplitMix64(0x5eed_0000_0000_0000 ^ (n as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
        text.clear();
        let (year, id) = event(&mut rng, n, &mut text);
        let path = dir.join(format!("{year}")).join(format!("{id}.md"));
        let mut file = BufWriter::new(fs::File::create(path)?);
        file.write_all(text.as_bytes())?;
        file.flush()?;
    }
    Ok(())
}

/// A TOML basic string: quotes, backslashes and controls escaped (TOML 1.0, "String").
pub(crate) fn toml_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn title(rng: &mut SplitMix64) -> String {
    loop {
        let mut t = format!(
            "{} {} {}",
            rng.pick(SUBJECTS),
            rng.pick(VERBS),
            rng.pick(OBJECTS)
        );
        if rng.chance(60) {
            t.push(' ');
            t.push_str(rng.pick(QUALIFIERS));
        }
        let len = t.chars().count();
        if (40..=120).contains(&len) {
            return t;
        }
    }
}

fn slug(title: &str) -> String {
    let mut slug = String::new();
    for word in title.split_whitespace().take(5) {
        let word: String = word
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if !word.is_empty() {
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.push_str(&word);
        }
    }
    slug
}

fn days_in_month(year: i32, month: usize) -> usize {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Writes one event file's text; returns its year folder and id.
fn event(rng: &mut SplitMix64, n: usize, out: &mut String) -> (i32, String) {
    let year = FIRST_YEAR + rng.below(YEARS) as i32;
    let month = rng.range(1, 12);
    let day = rng.range(1, days_in_month(year, month));
    let title = title(rng);
    let id = format!("{month:02}-{day:02}-{}-{n}", slug(&title));
    out.push_str("+++\ntitle = ");
    toml_string(out, &title);
    out.push('\n');
    let kind = rng.below(100);
    let mut end_day = day;
    match kind {
        // Timed, with an offset.
        0..=29 => {
            let hour = rng.range(0, 23);
            let minute = rng.below(4) * 15;
            let offset = rng.pick(&["Z", "+01:00", "+02:00", "-03:00", "+09:00"]);
            let _ = writeln!(
                out,
                "date = {year}-{month:02}-{day:02}T{hour:02}:{minute:02}:00{offset}"
            );
        }
        // Timed, local to the event's own zone (daytime, never in a clock change gap).
        30..=39 => {
            let hour = rng.range(8, 20);
            let _ = writeln!(out, "date = {year}-{month:02}-{day:02}T{hour:02}:30:00");
            out.push_str("timezone = ");
            toml_string(out, rng.pick(ZONES));
            out.push('\n');
        }
        // Known only to the month or the year.
        40..=44 => {
            let _ = writeln!(out, "date = \"{year}-{month:02}\"");
        }
        45..=47 => {
            let _ = writeln!(out, "date = \"{year}\"");
        }
        // All-day, some of them ranges.
        _ => {
            let _ = writeln!(out, "date = {year}-{month:02}-{day:02}");
            if rng.chance(20) {
                end_day = (day + rng.range(1, 5)).min(days_in_month(year, month));
                let _ = writeln!(out, "end = {year}-{month:02}-{end_day:02}");
            }
        }
    }
    if rng.chance(60) {
        out.push_str("location = ");
        toml_string(out, rng.pick(SUBJECTS));
        out.push('\n');
    }
    let tag_count = rng.below(5);
    if tag_count > 0 {
        out.push_str("tags = [");
        let mut chosen: Vec<&str> = Vec::new();
        while chosen.len() < tag_count {
            let tag = TAGS[rng.below(TAGS.len())];
            if !chosen.contains(&tag) {
                chosen.push(tag);
            }
        }
        for (i, tag) in chosen.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            toml_string(out, tag);
        }
        out.push_str("]\n");
    }
    if rng.chance(5) {
        out.push_str("status = \"tentative\"\n");
    } else if rng.chance(3) {
        out.push_str("status = \"cancelled\"\n");
    }
    // Published a few days after the event's (last) day; every year is before the present.
    let pub_day = (end_day + rng.range(0, 3)).min(days_in_month(year, month));
    let (hour, minute) = (rng.range(6, 22), rng.below(60));
    let _ = writeln!(
        out,
        "published = {year}-{month:02}-{pub_day:02}T{hour:02}:{minute:02}:00+01:00"
    );
    if rng.chance(10) {
        // A year later; 29 February has no twin in the following year.
        let _ = writeln!(
            out,
            "updated = {}-{month:02}-{:02}T{hour:02}:{minute:02}:00+01:00",
            year + 1,
            pub_day.min(28)
        );
    }
    for _ in 0..rng.range(1, 3) {
        out.push_str("\n[[sources]]\ntitle = ");
        toml_string(out, &title_case_source(rng));
        out.push_str("\nurl = ");
        let url = format!(
            "https://{}/{year}/{month:02}/{}-{}",
            rng.pick(HOSTS),
            slug(&title),
            rng.below(100_000)
        );
        toml_string(out, &url);
        out.push('\n');
        if rng.chance(80) {
            out.push_str("publisher = ");
            toml_string(out, rng.pick(PUBLISHERS));
            out.push('\n');
        }
        if rng.chance(50) {
            let _ = writeln!(out, "date = {year}-{month:02}-{day:02}");
        }
    }
    out.push_str("+++\n");
    body(rng, out);
    (year, id)
}

fn title_case_source(rng: &mut SplitMix64) -> String {
    let mut t = format!("{} {}", rng.pick(SUBJECTS), rng.pick(VERBS));
    t.push(' ');
    t.push_str(rng.pick(OBJECTS));
    if rng.chance(10) {
        // A title with quotes and a backslash exercises TOML escaping.
        t.push_str(" — \"analysis\" \\ update");
    }
    t
}

/// 2-6 paragraphs, about 1.5 KB in all, with emphasis, links and sometimes a list.
fn body(rng: &mut SplitMix64, out: &mut String) {
    let paragraphs = rng.range(2, 6);
    let target = 1500 / paragraphs;
    for p in 0..paragraphs {
        if p > 0 {
            out.push('\n');
        }
        if p == 1 && rng.chance(20) {
            for _ in 0..rng.range(2, 4) {
                out.push_str("- ");
                sentence(rng, out, 6);
                out.push('\n');
            }
            out.push('\n');
        }
        let start = out.len();
        while out.len() - start < target {
            let words = rng.range(8, 20);
            sentence(rng, out, words);
            out.push(' ');
        }
        out.pop();
        out.push('\n');
    }
}

fn sentence(rng: &mut SplitMix64, out: &mut String, words: usize) {
    for i in 0..words {
        let word = rng.pick(WORDS);
        if i == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
            continue;
        }
        out.push(' ');
        match rng.below(40) {
            0 => {
                let _ = write!(out, "*{word}*");
            }
            1 => {
                let _ = write!(out, "**{word}**");
            }
            2 => {
                let _ = write!(
                    out,
                    "[{word}](https://{}/{word}/{})",
                    rng.pick(HOSTS),
                    rng.below(1000)
                );
            }
            _ => out.push_str(word),
        }
    }
    out.push('.');
}
