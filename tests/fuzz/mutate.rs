//! A seeded mutator: takes the repository's own event files, settings files and dates, and
//! changes a few places in each (tokens inserted, ranges cut, doubled or taken from another
//! seed, digits changed), so most inputs stay close enough to an event file to get past the
//! TOML parser and reach chronicle's own rules and renderers.
//!
//! Written by hand: the coverage-guided fuzzers (cargo-fuzz, libFuzzer, AFL) need a nightly
//! compiler or an instrumenting toolchain, and the stable property-testing crates generate
//! values from types, not variations of sample files; fastrand supplies the seeded randomness.

/// Pieces worth inserting into a front matter: TOML syntax, chronicle's fields and every date
/// form, and text that has broken parsers and terminals before.
const DICTIONARY: &[&str] = &[
    "+++",
    "+++\n",
    "\n",
    "\r\n",
    "\r",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "\\",
    "\\u0000",
    "\\u001b[2J",
    "\\u2028",
    "\\u202e",
    "\\U0010FFFF",
    "=",
    " = ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    ".",
    "[[sources]]\n",
    "[sources]\n",
    "[[corrections]]\n",
    "note = ",
    "retraction = ",
    "\"retracted\"",
    "title = ",
    "date = ",
    "end = ",
    "timezone = ",
    "location = ",
    "tags = [",
    "status = ",
    "published = ",
    "updated = ",
    "id = ",
    "draft = true",
    "url = \"https://example.org/a?b=1#c\"",
    "base_url = ",
    "language = ",
    "feed_limit = ",
    "2025-09-03",
    "2025-02-29",
    "2024-02-29",
    "2025-09-03T12:00:00-06:00",
    "2025-09-03T12:00:00Z",
    "2025-09-03T12:00:00",
    "2025-03-09T02:30:00",
    "2025-11-02T01:30:00",
    "2025-09-03 12:00:00.999999999+14:00",
    "00:00:00",
    "T23:59:60",
    "\"2025-03\"",
    "\"2025\"",
    "\"0000\"",
    "\"9999-12\"",
    "0000-01-01",
    "9999-12-31T23:59:59-23:59",
    "1969-12-31T23:59:59Z",
    "-06:00",
    "+23:59",
    "\"America/Mexico_City\"",
    "\"Australia/Lord_Howe\"",
    "\"UTC\"",
    "\"confirmed\"",
    "\"cancelled\"",
    "\"tentative\"",
    "0x7f",
    "1e999",
    "nan",
    "-0",
    "9223372036854775807",
    "true",
    "\u{feff}",
    "\u{2028}",
    "\u{202e}",
    "\u{200b}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "é",
    "東京",
    "🚀",
    "ǅ",
    "İ",
    "ß",
    "]]>",
    "<script>",
    "&amp;",
    "END:VEVENT\n",
    "BEGIN:VCALENDAR",
    "{{ title }}",
    "{% if %}",
    "[x](javascript:alert(1))",
    "<!--",
    "\t",
];

/// Bytes worth setting one byte to.
const INTERESTING_BYTES: &[u8] = &[
    0x00, b'\t', b'\n', b'\r', b' ', b'"', b'\'', b'+', b',', b'-', b'.', b'0', b'9', b':', b'=',
    b'[', b'\\', b']', b'T', b'Z', b'{', b'}', 0x7f, 0x80, 0xc2, 0xe2, 0xef, 0xff,
];

pub struct Mutator {
    pub rng: fastrand::Rng,
    seeds: Vec<Vec<u8>>,
}

impl Mutator {
    pub fn new(seed: u64, seeds: Vec<Vec<u8>>) -> Mutator {
        assert!(!seeds.is_empty(), "a mutator needs seeds");
        Mutator {
            rng: fastrand::Rng::with_seed(seed),
            seeds,
        }
    }

    /// A seed, changed in one to four places (or, one time in eight, as it is).
    pub fn next(&mut self) -> Vec<u8> {
        let mut input = self.seeds[self.rng.usize(..self.seeds.len())].clone();
        if self.rng.u8(..8) == 0 {
            return input;
        }
        for _ in 0..self.rng.usize(1..=4) {
            self.mutate(&mut input);
        }
        input
    }

    /// `next`, as text (bytes that are not UTF-8 become U+FFFD).
    pub fn next_text(&mut self) -> String {
        String::from_utf8_lossy(&self.next()).into_owned()
    }

    fn mutate(&mut self, input: &mut Vec<u8>) {
        let len = input.len();
        let at = self.rng.usize(..=len);
        match self.rng.u8(..9) {
            0 | 1 => {
                let token = self.token();
                // At a line start half the time, where a key or a table header would go.
                let at = if self.rng.bool() {
                    line_start(input, at)
                } else {
                    at
                };
                input.splice(at..at, token.bytes());
            }
            2 => {
                let end = (at + self.rng.usize(..8)).min(len);
                let token = self.token();
                input.splice(at..end, token.bytes());
            }
            3 => {
                let end = (at + self.rng.usize(..16)).min(len);
                input.drain(at..end);
            }
            4 => {
                let end = (at + self.rng.usize(..32)).min(len);
                let piece = input[at..end].to_vec();
                let to = self.rng.usize(..=len);
                input.splice(to..to, piece);
            }
            5 if len > 0 => {
                let i = self.rng.usize(..len);
                input[i] = INTERESTING_BYTES[self.rng.usize(..INTERESTING_BYTES.len())];
            }
            6 => self.splice_line(input, at),
            7 => {
                // Change a digit: dates and numbers stay numbers, at other values.
                let digits: Vec<usize> = (0..len).filter(|&i| input[i].is_ascii_digit()).collect();
                if !digits.is_empty() {
                    let i = digits[self.rng.usize(..digits.len())];
                    input[i] = b'0' + self.rng.u8(..10);
                }
            }
            _ => input.truncate(at),
        }
    }

    fn token(&mut self) -> &'static str {
        DICTIONARY[self.rng.usize(..DICTIONARY.len())]
    }

    /// Replaces the line at `at` with a line of another seed.
    fn splice_line(&mut self, input: &mut Vec<u8>, at: usize) {
        let other = &self.seeds[self.rng.usize(..self.seeds.len())];
        let lines: Vec<&[u8]> = other.split_inclusive(|&b| b == b'\n').collect();
        if lines.is_empty() {
            return;
        }
        let line = lines[self.rng.usize(..lines.len())].to_vec();
        let start = line_start(input, at);
        let end = input[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(input.len(), |i| start + i + 1);
        input.splice(start..end, line);
    }
}

fn line_start(input: &[u8], at: usize) -> usize {
    input[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}
