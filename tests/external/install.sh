#!/usr/bin/env bash
# Installs the third-party parsers that check_outputs.py runs chronicle's output through:
#   - a Python venv at tests/external/.venv with feedparser, icalendar, html5lib (for the W3C
#     validator) and listparser (reads OPML subscription lists as feed readers import them), exact
#     pins below;
#   - node_modules/ from package.json + package-lock.json (ical.js; ical-generator, which writes
#     calendars for the import tests; vnu-jar, the Nu Html Checker, which runs on the system's
#     Java: install Java first, or its install script fetches one; playwright-core, which drives
#     the system's Chromium for serve's live-reload test and downloads no browser).
# Idempotent: each half is skipped when a stamp shows it is already installed with the same pins.
# Usage: bash tests/external/install.sh   (from anywhere; PYTHON=... picks the interpreter)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "install.sh: $python not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "install.sh: npm not found" >&2; exit 1; }
venv="$here/.venv"

# Every package the venv holds, transitive ones included, so two installs resolve the same.
pins=(
    "feedparser==6.0.14"
    "feedparser-sgmllib==2.1.0"
    "html5lib==1.1"
    "icalendar==7.3.2"
    "listparser==0.20"
    "python-dateutil==4.0.0"
    "six==1.17.0"
    "typing_extensions==4.16.0"
    "tzdata==2026.6"
    "webencodings==0.6.1"
)
py_stamp="$venv/.chronicle-pins"
want_py="${pins[*]}"

if [ -x "$venv/bin/python" ] && [ -f "$py_stamp" ] && [ "$(cat "$py_stamp")" = "$want_py" ] \
    && "$venv/bin/python" -c 'import feedparser, icalendar, html5lib, listparser' 2>/dev/null; then
    echo "python: $venv already has ${pins[*]}"
else
    echo "python: creating $venv with $("$python" --version 2>&1)"
    "$python" -m venv --clear "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${pins[@]}"
    "$venv/bin/python" -c 'import feedparser, icalendar, html5lib, listparser; print("python: installed feedparser", feedparser.__version__, "icalendar", icalendar.__version__, "and listparser", listparser.__version__)'
    printf '%s' "$want_py" > "$py_stamp"
fi

# node_modules is current when the lock it was installed from is byte-identical to the committed one.
node_stamp="$here/node_modules/.chronicle-lock"
if [ -f package-lock.json ] && [ -f "$node_stamp" ] && cmp -s package-lock.json "$node_stamp" \
    && [ -f node_modules/ical.js/package.json ] && [ -f node_modules/ical-generator/package.json ] \
    && [ -f node_modules/vnu-jar/build/dist/vnu.jar ] \
    && [ -f node_modules/playwright-core/package.json ]; then
    echo "node: node_modules already matches package-lock.json"
else
    if [ -f package-lock.json ]; then
        echo "node: npm ci"
        npm ci --no-audit --no-fund --loglevel=error
    else
        echo "node: npm install (no package-lock.json yet)"
        npm install --no-audit --no-fund --loglevel=error
    fi
    cp package-lock.json "$node_stamp"
    echo "node: installed ical.js $(node -p 'require("./node_modules/ical.js/package.json").version')," \
        "ical-generator $(node -p 'require("./node_modules/ical-generator/package.json").version')" \
        "and vnu-jar $(node -p 'require("./node_modules/vnu-jar/package.json").version')"
fi

echo "external checkers ready: $venv/bin/python $here/check_outputs.py --help"
