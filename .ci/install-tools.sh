#!/usr/bin/env bash
# Installs every outside tool the test suite runs outputs through. Idempotent: a second run on a
# machine that has them does nothing slow. Runs as root in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use, one per line.
apt_packages=(
    libical-dev   # libical, the C library behind Evolution and other clients
    pkg-config
    gcc
    chromium          # the timeline pages' browser test (tests/html.rs)
    fonts-dejavu-core # a font for chromium's screenshots
    newsboat  # tests/serve: a real feed reader, run headless against chronicle serve
    procps    # tests/serve: kill, to send SIGTERM to the server
    bsdutils  # tests/cli/init.rs: script, a terminal for the questions init asks
    vdirsyncer # tests: syncs a calendar one item per event, from a file and over HTTP
    khal       # tests/cli/external.rs: khal printics reads a calendar as khal users see it
    default-jre-headless  # runs the Nu Html Checker (npm vnu-jar) over the timeline pages
    zsh        # tests/cli/shell.rs: the zsh completion script loads
    fish       # tests/cli/shell.rs: the fish completion script loads
    groff-base # tests/cli/shell.rs: the man pages render without warnings
)

missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The W3C Feed Validation Service's code is not installed: it comes from ../shared beside the
# clone (README, "Tests"), which CI always has.
if [ "${CI:-}" = true ] && [ ! -f ../shared/tools/w3c-feedvalidator/validate ]; then
    echo "install-tools.sh: ../shared/tools/w3c-feedvalidator/validate is missing (CI=true)" >&2
    exit 1
fi

# Python feedparser, icalendar, html5lib (for the W3C validator) and listparser, npm ical.js,
# ical-generator (writes calendars for the import tests) and vnu-jar (pinned in tests/external).
if [ -x tests/external/install.sh ]; then
    tests/external/install.sh
fi

# A small libical front end (tests/external/libical_check.c), rebuilt when its source changes.
libical_bin=tests/external/.bin/libical_check
if [ ! -x "$libical_bin" ] || [ tests/external/libical_check.c -nt "$libical_bin" ]; then
    mkdir -p tests/external/.bin
    # shellcheck disable=SC2046  # pkg-config prints several flags
    cc -O2 -Wall -Werror -o "$libical_bin" tests/external/libical_check.c $(pkg-config --cflags --libs libical)
    echo "built $libical_bin"
fi
