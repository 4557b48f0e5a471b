//! "Did you mean": the known word closest to one that is not known, for a diagnostic's
//! suggestion. Distances come from `strsim` (Damerau-Levenshtein, so a swapped pair of
//! letters, `loaction`, counts as one edit).

/// The candidate `word` most likely stands for: one equal to it but for case (`america/chicago`
/// -> `America/Chicago`), else the nearest within a few edits (a quarter of the word's
/// length, at least one), compared without case; ties go to the first candidate.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_lowercase();
    let within = (word.chars().count() / 4).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = strsim::damerau_levenshtein(&lower, &candidate.to_lowercase());
        if best.is_none_or(|(nearest, _)| distance < nearest) {
            best = Some((distance, candidate));
        }
    }
    best.filter(|&(distance, _)| distance <= within)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_near_misses_and_other_cases() {
        let fields = ["title", "date", "end", "location", "tags", "status"];
        let cases = [
            ("loaction", Some("location")),
            ("tagz", Some("tags")),
            ("titel", Some("title")),
            ("TITLE", Some("title")),
            ("colour", None),
            ("x", None),
        ];
        for (word, expected) in cases {
            assert_eq!(closest(word, fields), expected, "{word}");
        }
        let zones = ["America/Chicago", "America/Mexico_City", "Europe/Paris"];
        assert_eq!(closest("america/chicago", zones), Some("America/Chicago"));
        assert_eq!(
            closest("America/Mexico_Cty", zones),
            Some("America/Mexico_City")
        );
        assert_eq!(closest("Mars/Olympus", zones), None);
        let statuses = ["confirmed", "tentative", "cancelled"];
        assert_eq!(closest("confimed", statuses), Some("confirmed"));
        assert_eq!(closest("canceled", statuses), Some("cancelled"));
        assert_eq!(closest("maybe", statuses), None);
    }
}
