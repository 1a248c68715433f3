#!/usr/bin/env python3
"""Count BLT files with the `stvpoll` package's Scottish STV, one JSON line per file.

    bench/stvpoll_count.py [--names] FILE.blt [FILE.blt ...]

For each file prints
    {"file": "<basename>", "elected": [...], "seconds": <parse + count time>}
or, if the file cannot be read or stvpoll fails on it,
    {"file": "<basename>", "error": "<message>", "seconds": ...}

`elected` lists candidates in stvpoll's order of election, as 1-based candidate numbers
(ballot-paper order) by default, or with --names as the names given in the file (the text
inside the quotes, doubled quotes undone). `elected_ids` (the numbers) is always present, so a
comparison need not depend on how anyone normalises names.

The count is deterministic: candidates are passed in ballot order and random_shuffle=False,
so stvpoll's "random" tie-break is a fixed order (for an exclusion, the candidate latest in
ballot order goes first). Identical rankings are merged into one entry with their weights
summed (stvpoll's dict form of ballot data); this changes nothing in the count but saves
stvpoll from evaluating each of 600 000 identical ballot objects.

BLT dialects handled (those in the Scottish council data):
  * header "C S", an optional line of withdrawn candidates (negative numbers),
    ballot lines "weight p1 p2 ... 0", a terminating "0" line;
  * then C candidate names (quoted with doubled inner quotes, or unquoted) and a title;
  * a name line with a second quoted string (the party), named "Name (Party)";
  * names given only as "# ALTERNATIVE NAME i: name" comment lines (Glasgow 2007);
  * a trailing comma at the end of every line;
  * "=" (equal preferences) and "-" (skipped preference) end the usable part of a paper,
    as for a non-transferable paper under the Scottish rules (rule 2 (b),(c)).
Weights must be whole numbers (stvpoll counts papers).
"""
import argparse
import json
import os
import re
import sys
import time

ALT_NAME = re.compile(r"^#\s*ALTERNATIVE NAME\s+(\d+)\s*:\s*(.*?)\s*$", re.I)


class BltError(Exception):
    pass


def _quoted_strings(s):
    """Splits a run of quoted strings ("" inside is a quote); None if s is anything else."""
    out, i = [], 0
    while i < len(s):
        if s[i] != '"':
            return None
        j, text = i + 1, []
        while True:
            q = s.find('"', j)
            if q < 0:
                return None
            text.append(s[j:q])
            if s.startswith('"', q + 1):
                text.append('"')
                j = q + 2
            else:
                break
        out.append("".join(text))
        i = q + 1
        while i < len(s) and s[i].isspace():
            i += 1
    return out


def _name(s):
    """A name line: quoted ("" is a quote) or bare. A second quoted string (the party, in some
    Scottish 2022 files: "Sasha BRYDON" "Scottish Labour Party") gives "Sasha BRYDON (Scottish
    Labour Party)", as scrutin's reader does."""
    s = s.strip()
    parts = _quoted_strings(s) if s.startswith('"') else None
    if not parts:
        return s
    extra = [p for p in parts[1:] if p.strip()]
    return parts[0] + (f" ({', '.join(extra)})" if extra else "")


def read_blt(path):
    """Returns (candidate names, seats, {ranking tuple of 1-based ids: weight}, title, withdrawn)."""
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        raw = f.read().splitlines()
    lines = []
    alt_names = {}
    for ln in raw:
        s = ln.strip()
        if s.endswith(","):
            s = s[:-1].rstrip()
        if not s:
            continue
        if s.startswith("#"):
            m = ALT_NAME.match(s)
            if m:
                alt_names[int(m.group(1))] = m.group(2)
            continue
        lines.append(s)
    if not lines:
        raise BltError("empty file")
    head = lines[0].split()
    try:
        n_cand, seats = int(head[0]), int(head[1])
    except (IndexError, ValueError):
        raise BltError(f"bad header line {lines[0]!r}")
    i = 1
    withdrawn = set()
    if i < len(lines) and lines[i].startswith("-"):
        try:
            withdrawn = {-int(t) for t in lines[i].split()}
            i += 1
        except ValueError:
            pass
    ballots = {}
    while True:
        if i >= len(lines):
            raise BltError("ballot section has no terminating 0 line")
        toks = lines[i].split()
        i += 1
        if toks == ["0"]:
            break
        if toks and toks[0].startswith("("):  # optional ballot id
            toks = toks[1:]
        try:
            w = int(toks[0])
        except (IndexError, ValueError):
            raise BltError(f"bad ballot line {lines[i - 1]!r} (weights must be whole numbers)")
        ranking = []
        seen = set()
        for t in toks[1:]:
            if t == "0":
                break
            if t == "-" or "=" in t:
                break  # skipped or equal preference: no further usable preference
            c = int(t)
            if not 1 <= c <= n_cand:
                raise BltError(f"candidate {c} out of range in {lines[i - 1]!r}")
            if c in withdrawn or c in seen:
                continue
            seen.add(c)
            ranking.append(c)
        if w > 0:
            key = tuple(ranking)
            ballots[key] = ballots.get(key, 0) + w
    rest = [_name(s) for s in lines[i:]]
    if len(rest) >= n_cand:
        names = rest[:n_cand]
        title = rest[n_cand] if len(rest) > n_cand else ""
    elif len(alt_names) >= n_cand:
        names = [alt_names[k] for k in range(1, n_cand + 1)]
        title = rest[0] if rest else ""
    else:
        names = rest + [f"Candidate {k}" for k in range(len(rest) + 1, n_cand + 1)]
        title = ""
    return names, seats, ballots, title, withdrawn


def count_file(path, want_names):
    from stvpoll.scottish_stv import calculate_scottish_stv

    t0 = time.perf_counter()
    out = {"file": os.path.basename(path)}
    try:
        names, seats, ballots, _title, withdrawn = read_blt(path)
        candidates = tuple(c for c in range(1, len(names) + 1) if c not in withdrawn)
        result = calculate_scottish_stv(candidates, ballots, seats, random_shuffle=False)
        ids = list(result)
        out["elected"] = [names[c - 1] for c in ids] if want_names else ids
        out["elected_ids"] = ids
        out["quota"] = result.quota
        if not result.complete:
            out["incomplete"] = True
    except Exception as e:  # noqa: BLE001 - report and go on to the next file
        out["error"] = f"{type(e).__name__}: {e}"
    out["seconds"] = round(time.perf_counter() - t0, 6)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--names", action="store_true", help="print elected candidates' names as in the file")
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    failed = 0
    for path in a.files:
        out = count_file(path, a.names)
        failed += "error" in out
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 1 if failed == len(a.files) else 0


if __name__ == "__main__":
    sys.exit(main())
