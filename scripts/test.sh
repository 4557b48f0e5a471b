#!/usr/bin/env bash
# Runs every test: installs the outside parsers the tests use, then lints and tests.
# The same command runs locally and in CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

.ci/install-tools.sh
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --quiet
cargo test --locked --all-targets
