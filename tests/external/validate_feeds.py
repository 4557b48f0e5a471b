#!/usr/bin/env python3
"""Every RSS and Atom document `chronicle build` wrote into public/ (the root's, each tags/<slug>/
folder's and every archive/ page), and the OPML subscription list feeds.opml, judged by the W3C
Feed Validation Service's own code.

Usage:
    python validate_feeds.py --validator ../shared/tools/w3c-feedvalidator/validate \
        --public public --config events/chronicle.toml [--sample N]

Each document goes through the validator's `validate` script on its own, with `--base` set to
the URL the document is published at (base_url + its path), so it is judged as if fetched from
there (a self link pointing elsewhere is a SelfDoesntMatchLocation warning). Any error or
warning fails the document, and so does a missing feeds.opml. `--sample N` judges at most N
documents: the root's three, then others evenly spread over the sorted paths (for large
collections, where every document has the same shape). Prints the validator's messages for each failed document and ends with
`N passed, M failed`; exits 0 only if none failed.
"""

import argparse
import os
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT_DOCUMENTS = ("rss.xml", "atom.xml", "feeds.opml")


def documents(public, sample):
    """Relative paths of the RSS and Atom documents and the OPML list to judge, sorted."""
    found = sorted(
        p.relative_to(public).as_posix()
        for p in [*public.rglob("*.xml"), *public.glob("feeds.opml")]
    )
    if sample is None or len(found) <= sample:
        return found
    roots = [p for p in found if p in ROOT_DOCUMENTS]
    others = [p for p in found if p not in ROOT_DOCUMENTS]
    room = max(sample - len(roots), 0)
    step = len(others) / room if room else 0
    picked = [others[int(i * step)] for i in range(room)]
    return sorted(roots + picked)


def validate(validator, public, base_url, relative):
    """(relative path, passed, the validator's output) for one document."""
    run = subprocess.run(
        [sys.executable, str(validator), str(public / relative), "--base", base_url + relative],
        capture_output=True, text=True, timeout=300,
    )
    return relative, run.returncode == 0, (run.stdout + run.stderr).strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--validator", required=True, type=Path, help="the validator's `validate` script")
    parser.add_argument("--public", required=True, type=Path, help="the folder chronicle build wrote")
    parser.add_argument("--config", required=True, type=Path, help="events/chronicle.toml (for base_url)")
    parser.add_argument("--sample", type=int, help="judge at most this many documents")
    args = parser.parse_args(argv)

    with open(args.config, "rb") as f:
        base_url = tomllib.load(f).get("base_url", "")
    if not base_url.endswith("/"):
        base_url += "/"
    paths = documents(args.public, args.sample)
    if not paths:
        print(f"{args.public}: no RSS or Atom document found\n0 passed, 1 failed")
        return 1
    if "feeds.opml" not in paths:
        print(f"{args.public}: no feeds.opml\n0 passed, 1 failed")
        return 1
    # One process per document (each has its own --base); they run side by side.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(lambda p: validate(args.validator, args.public, base_url, p), paths))
    failed = 0
    for relative, passed, output in results:
        if not passed:
            failed += 1
            print(f"FAIL {relative}:\n{output}", flush=True)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
