//! Writes a deterministic, realistic collection of N events for benchmarks and scale tests.
//!
//! `cargo run --release --example gen_corpus -- N DIR` writes `DIR/chronicle.toml` and
//! `DIR/<YYYY>/<id>.md`: titles of 40-120 characters with non-ASCII text, Markdown bodies of 2-6
//! paragraphs (about 1.5 KB) with links and emphasis, 0-4 tags from a pool of 50, 1-3 sources,
//! dates spread over 25 years (all-day, timed, month- and year-precision, some ranges). The same
//! N always gives the same bytes, and the first N events of a larger corpus are the events of a
//! smaller one, so corpora of different sizes are comparable.
//!
//! Every file passes `chronicle check`: single-line titles without control characters, TOML
//! strings escaped, `published` between 1990 and the present.

mod corpus;

use std::io;
use std::path::Path;

use corpus::generate;

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(count), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: gen_corpus N DIR");
        std::process::exit(2);
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("gen_corpus: N must be a number, not {count}");
        std::process::exit(2);
    };
    generate(count, Path::new(&dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::io::Write;

    use crate::corpus::toml_string;

    #[test]
    fn a_generated_corpus_checks_clean_and_builds() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let events = dir.path().join("events");
        // More events than one batch of the calendar writer, so batches meet.
        generate(2100, &events).expect("corpus written");
        let checked = chronicle::check::check_collection(
            &events,
            chronicle::render::covering::render_covering_pages,
        )
        .expect("collection readable");
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        assert_eq!(checked.files, 2100);
        let collection = checked.collection.expect("valid collection");
        let site = chronicle::render::Site::new(&collection, &collection.settings.base_url, None);
        let outputs = chronicle::render::outputs(&collection);
        assert!(
            outputs.len() > 4 * 40,
            "per-tag outputs too: {}",
            outputs.len()
        );
        for output in &outputs {
            let bytes = chronicle::render::render_to_vec(&site, output).expect("rendered");
            assert!(!bytes.is_empty(), "{}", output.path);
        }
        // The calendars written together (as `build` does) are those written one by one.
        let calendars: Vec<_> = outputs
            .iter()
            .filter(|o| o.format == chronicle::render::Format::Ical)
            .collect();
        let views: Vec<&chronicle::render::View> =
            calendars.iter().map(|o| o.view.as_ref()).collect();
        let mut together: Vec<Vec<u8>> = vec![Vec::new(); calendars.len()];
        let mut writers: Vec<&mut (dyn Write + Send)> = together
            .iter_mut()
            .map(|v| v as &mut (dyn Write + Send))
            .collect();
        chronicle::render::ical::render_icals(&site, &views, &mut writers, &|_| {})
            .expect("rendered");
        for (output, bytes) in calendars.iter().zip(&together) {
            let alone = chronicle::render::render_to_vec(&site, output).expect("rendered");
            assert!(
                alone == *bytes,
                "{} differs when written with the others",
                output.path
            );
        }
    }

    #[test]
    fn the_corpus_is_deterministic_and_prefix_stable() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (small, large) = (dir.path().join("small"), dir.path().join("large"));
        generate(20, &small).expect("corpus written");
        generate(30, &large).expect("corpus written");
        for entry in walkdir::WalkDir::new(&small) {
            let entry = entry.expect("walkable");
            if entry.file_type().is_file() {
                let relative = entry.path().strip_prefix(&small).expect("below the root");
                let same = fs::read(large.join(relative)).expect("same file in the larger corpus");
                assert_eq!(fs::read(entry.path()).expect("readable"), same);
            }
        }
    }

    #[test]
    fn toml_strings_escape_quotes_and_backslashes() {
        let mut out = String::new();
        toml_string(&mut out, "a \"b\" \\ c\u{7}");
        assert_eq!(out, r#""a \"b\" \\ c\u0007""#);
    }
}
