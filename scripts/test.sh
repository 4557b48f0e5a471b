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
# One closing line for the whole run: cargo prints a result line per test binary, the last of
# which (an example without tests) says 0.
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "%d passed, %d failed\n", passed, failed }' "$log"
