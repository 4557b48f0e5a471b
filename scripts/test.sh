#!/usr/bin/env bash
# Runs every test: installs the outside parsers the tests use, then lints and tests.
# The same command runs locally and in CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

.ci/install-tools.sh
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --quiet
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --locked --all-targets 2>&1 | tee "$log"
# The W3C Feed Validation Service's code comes from ../shared beside the clone (README, "Tests").
# Without it the tests that run it skip, outside CI only (in CI they fail), and the closing
# line says so.
feed_validator=../shared/tools/w3c-feedvalidator/validate
skipped=""
if [ ! -f "$feed_validator" ]; then
    skipped="; skipped: the W3C feed validator tests ($feed_validator not found)"
fi
# One closing line for the whole run: cargo prints a result line per test binary, the last of
# which (an example without tests) says 0.
awk -v skipped="$skipped" '/^test result:/ { passed += $4; failed += $6 }
    END { printf "%d passed, %d failed%s\n", passed, failed, skipped }' "$log"
