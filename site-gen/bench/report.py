#!/usr/bin/env python3
"""Write the site-gen benchmark section of BENCHMARKS.md from run.sh's results.

Usage: report.py RESULTS_DIR BENCHMARKS_MD

RESULTS_DIR holds (tab-separated, written by run.sh):
  runs.tsv   n, tool, iteration, wall seconds, peak RSS KiB   (timed runs, no warm-up)
  sizes.tsv  n, key, value
  env.tsv    key, value
Only the text between the markers below is replaced; the rest of the file is kept.
Prints the targets with PASS/FAIL; exits 0 (a benchmark reports, it does not gate).
"""

import os
import platform
import re
import statistics
import sys
from collections import defaultdict

START = "<!-- site-gen-bench:start -->"
END = "<!-- site-gen-bench:end -->"

TOOLS = [
    ("site-gen", "site-gen"),
    ("hugo", "Hugo"),
    ("hugo-norelated", "Hugo, no related pages"),
]
TARGET_N = 10000
TIME_TARGET = 0.25
RSS_TARGET = 0.5
LINEAR_TOLERANCE = 1.10  # time ratio may exceed the page ratio by 10 % (noise, caches)


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return os.cpu_count(), cpu, mem, f"{platform.system()} {platform.release()}"


def mb(b):
    return f"{b / 1e6:.1f}"


def kb(b):
    return f"{b / 1e3:,.0f} KB"


def fmt_s(s):
    return f"{s:.2f}" if s >= 1 else f"{s:.3f}"


def verdict(ok):
    return "**PASS**" if ok else "**FAIL**"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RESULTS_DIR BENCHMARKS_MD")
    res, md_path = sys.argv[1], sys.argv[2]
    env = {k: v for k, v in read_tsv(os.path.join(res, "env.tsv"))}
    walls = defaultdict(list)
    rss = defaultdict(list)
    repeated = defaultdict(int)  # runs that needed more than one attempt
    disturbed = defaultdict(int)  # runs still disturbed after the last attempt
    for row in read_tsv(os.path.join(res, "runs.tsv")):
        n, tool, _it, wall, kib = row[:5]
        walls[(int(n), tool)].append(float(wall))
        rss[(int(n), tool)].append(int(kib) * 1024)
        if len(row) >= 8:
            repeated[(int(n), tool)] += int(row[7]) > 1
            disturbed[(int(n), tool)] += int(row[6])
    sizes = defaultdict(dict)
    for n, key, value in read_tsv(os.path.join(res, "sizes.tsv")):
        sizes[int(n)][key] = float(value)
    ns = sorted({n for n, _ in walls})

    def med(n, tool):
        return statistics.median(walls[(n, tool)])

    def med_rss(n, tool):
        return statistics.median(rss[(n, tool)])

    cores, cpu, mem, kernel = machine()
    out = [START, "", "## site-gen vs Hugo: build time, memory, search index", ""]
    out += [
        "Written by `site-gen/bench/run.sh`; do not edit by hand (the next run replaces this section).",
        "",
        f"- **Date:** {env.get('date', '?')}",
        f"- **Machine:** {cores} cores, {cpu}, {mem} RAM, {kernel}",
        f"- **site-gen:** commit `{env.get('commit', '?')}`, release build ({env.get('rustc', '?')})",
        f"- **Hugo:** {env.get('hugo_version', '?')}",
        f"- **Pagefind:** {env.get('pagefind_version', '?')}",
        f"- **Reproduce:** `{env.get('command', 'site-gen/bench/run.sh')}` (from the repository root; "
        "installs Hugo, GNU time and Pagefind into `bench-out/` if missing)",
        "",
        "**Method.** `site-gen/bench/gen_corpus.py N` writes a deterministic corpus (seeded RNG) of N FAQ pages, "
        "about 6 KB of Markdown each (80 % Japanese with some English paragraphs, 20 % `.en.md` translations; "
        "headings, tables, code blocks, lists, relative links between pages, 2 % `visibility: customer`), "
        "in 20 categories × 5 sub-categories with `_index.md` files, plus a few notices. "
        "Both tools build the same `content/` folder: site-gen with the project's `templates/`, "
        "Hugo with the minimal layouts in `site-gen/bench/hugo/` (base, breadcrumbs, page body, FAQ facts, "
        "related pages by keywords, section tables with counts, home with category counts and latest pages, "
        "a link render hook that resolves `.md` links as site-gen does, one home RSS feed, sitemap; no theme, "
        "no taxonomies). Hugo also runs without its related-pages lookup (`norelated.toml`) as a lower bound, "
        "since `.Related` is a large share of its time on this corpus. site-gen does more per build than Hugo here: "
        "its search index, a members site, Atom and iCalendar feeds, the status page. "
        f"Each tool ran once as warm-up, then {env.get('runs', '?')} times, interleaved, output on tmpfs "
        f"(`{env.get('tmpfs', '/dev/shm')}`), the output folder removed before every run; wall time and "
        "peak RSS from GNU time (`/usr/bin/time -f '%e %M'`, wall time from the shell's clock in ms); "
        "the tables show the median, with min and max of wall time. The machine may be shared: a run during which "
        f"other processes used more than {env.get('foreign_max', '0.05')} of the machine's CPU capacity "
        "(busy time in `/proc/stat` minus the tool's own CPU time) is repeated once the machine is idle "
        "(`FOREIGN_MAX`, `MAX_ATTEMPTS` in run.sh).",
        "",
    ]

    for n in ns:
        s = sizes[n]
        out += [f"### {n:,} pages", ""]
        out += [
            f"Corpus: {int(s.get('corpus_files', 0)):,} Markdown files, {mb(s.get('corpus_bytes', 0))} MB.",
            "",
            "| tool | median wall (s) | min (s) | max (s) | peak RSS (MB, median) | output (MB) | output files |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for key, label in TOOLS:
            if (n, key) not in walls:
                continue
            w = walls[(n, key)]
            out.append(
                f"| {label} | {fmt_s(med(n, key))} | {fmt_s(min(w))} | {fmt_s(max(w))} | "
                f"{med_rss(n, key) / 1e6:.0f} | {mb(s.get(key + '_out_bytes', 0))} | "
                f"{int(s.get(key + '_out_files', 0)):,} |"
            )
        out.append("")
        rep = [f"{label} {repeated[(n, key)]}" for key, label in TOOLS if (n, key) in walls]
        dis = sum(disturbed[(n, key)] for key, _ in TOOLS)
        out += [
            "Runs repeated because other processes used more than "
            f"{env.get('foreign_max', '0.05')} of the CPU while they ran: " + ", ".join(rep)
            + (f"; **{dis} run(s) still disturbed after the last try (numbers less reliable)**" if dis else "")
            + ".",
            "",
        ]
        if (n, "hugo") in walls and (n, "site-gen") in walls:
            t = med(n, "site-gen") / med(n, "hugo")
            r = med_rss(n, "site-gen") / med_rss(n, "hugo")
            line = f"site-gen / Hugo: **time {t:.3f}×**, **peak RSS {r:.3f}×**"
            if (n, "hugo-norelated") in walls:
                t2 = med(n, "site-gen") / med(n, "hugo-norelated")
                r2 = med_rss(n, "site-gen") / med_rss(n, "hugo-norelated")
                line += f" (against Hugo without related pages: time {t2:.3f}×, peak RSS {r2:.3f}×)"
            out += [line + ".", ""]
        if "sg_index_bytes" in s:
            out += [
                "Search index, public site:",
                "",
                "| index | size | files | built in |",
                "| --- | ---: | ---: | --- |",
                f"| site-gen (`search/` + `en/search/`: meta.json, d*.json, s*.bin) | {kb(s['sg_index_bytes'])} | "
                f"{int(s.get('sg_index_files', 0)):,} | part of the build |",
            ]
            if "sg_members_index_bytes" in s:
                out.append(
                    f"| site-gen members site (its own index) | {kb(s['sg_members_index_bytes'])} | "
                    f"{int(s.get('sg_members_index_files', 0)):,} | part of the build |"
                )
            if "pf_bytes" in s:
                out.append(
                    f"| Pagefind on site-gen's output: whole `pagefind/` folder | {kb(s['pf_bytes'])} | "
                    f"{int(s.get('pf_files', 0)):,} | {fmt_s(s.get('pf_wall', 0))} s, "
                    f"{s.get('pf_rss', 0) / 1e6:.0f} MB peak RSS, extra step |"
                )
                out.append(
                    f"| Pagefind: index data only (fragment/, index/, filter/, *.pf_meta, entry) | "
                    f"{kb(s.get('pf_data_bytes', 0))} | {int(s.get('pf_data_files', 0)):,} | |"
                )
                out.append(
                    f"| Pagefind: its runtime (wasm, JS, CSS) | {kb(s['pf_bytes'] - s.get('pf_data_bytes', 0))} | | |"
                )
                out.append("")
                out.append(
                    f"site-gen's index is {s['sg_index_bytes'] / s['pf_bytes']:.2f}× the Pagefind folder and "
                    f"{s['sg_index_bytes'] / max(s.get('pf_data_bytes', 1), 1):.2f}× Pagefind's index data "
                    "(Pagefind keeps each page's full text in its fragments for excerpts; "
                    "site-gen stores a snippet per page). A browser fetches only the shards of the terms it looks for "
                    "in either case."
                )
            out.append("")

    if len(ns) >= 2:
        lo, hi = ns[0], ns[-1]
        out += [
            f"### Scaling from {lo:,} to {hi:,} pages ({hi / lo:g}× the pages)",
            "",
            f"| tool | wall {lo:,} (s) | wall {hi:,} (s) | time ratio | exponent k (t ∝ N^k) | RSS ratio |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        import math

        for key, label in TOOLS:
            if (lo, key) in walls and (hi, key) in walls:
                ratio = med(hi, key) / med(lo, key)
                k = math.log(ratio) / math.log(hi / lo)
                out.append(
                    f"| {label} | {fmt_s(med(lo, key))} | {fmt_s(med(hi, key))} | {ratio:.2f}× | {k:.2f} | "
                    f"{med_rss(hi, key) / med_rss(lo, key):.2f}× |"
                )
        out.append("")

    # Targets (from the issue).
    out += ["### Targets", "", "| target | measured | result |", "| --- | --- | --- |"]
    summary = []
    if (TARGET_N, "site-gen") in walls and (TARGET_N, "hugo") in walls:
        t = med(TARGET_N, "site-gen") / med(TARGET_N, "hugo")
        r = med_rss(TARGET_N, "site-gen") / med_rss(TARGET_N, "hugo")
        out.append(
            f"| wall time at 10,000 pages ≤ {TIME_TARGET}× Hugo's | {fmt_s(med(TARGET_N, 'site-gen'))} s vs "
            f"{fmt_s(med(TARGET_N, 'hugo'))} s = {t:.3f}× | {verdict(t <= TIME_TARGET)} |"
        )
        out.append(
            f"| peak RSS at 10,000 pages ≤ {RSS_TARGET}× Hugo's | {med_rss(TARGET_N, 'site-gen') / 1e6:.0f} MB vs "
            f"{med_rss(TARGET_N, 'hugo') / 1e6:.0f} MB = {r:.3f}× | {verdict(r <= RSS_TARGET)} |"
        )
        summary += [("time ≤ 0.25× Hugo", t <= TIME_TARGET, f"{t:.3f}×"), ("RSS ≤ 0.5× Hugo", r <= RSS_TARGET, f"{r:.3f}×")]
    else:
        out.append("| wall time and peak RSS at 10,000 pages | not measured (run with N = 10000) | — |")
    if 1000 in ns and TARGET_N in ns:
        lo, hi = 1000, TARGET_N
    elif len(ns) >= 2:
        lo, hi = ns[0], ns[-1]
    else:
        lo = hi = None
    if lo is not None and (lo, "site-gen") in walls and (hi, "site-gen") in walls:
        ratio = med(hi, "site-gen") / med(lo, "site-gen")
        limit = (hi / lo) * LINEAR_TOLERANCE
        ok = ratio <= limit
        out.append(
            f"| linear scaling {lo:,} → {hi:,} pages: time ratio ≤ {hi / lo:g}× (+{LINEAR_TOLERANCE - 1:.0%} tolerance, "
            f"i.e. ≤ {limit:g}×) | {fmt_s(med(lo, 'site-gen'))} s → {fmt_s(med(hi, 'site-gen'))} s = {ratio:.2f}× | "
            f"{verdict(ok)} |"
        )
        summary.append(("linear scaling", ok, f"{ratio:.2f}× for {hi / lo:g}× pages"))
    else:
        out.append("| linear scaling 1,000 → 10,000 pages | not measured (needs two sizes) | — |")
    out += ["", END]
    section = "\n".join(out) + "\n"

    text = ""
    if os.path.exists(md_path):
        with open(md_path, encoding="utf-8") as f:
            text = f.read()
    if not text.strip():
        text = "# Benchmarks\n"
    pat = re.compile(re.escape(START) + r".*?" + re.escape(END) + r"\n?", re.S)
    if pat.search(text):
        text = pat.sub(lambda _m: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    tmp = md_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, md_path)

    print(f"report: wrote the site-gen section of {md_path}")
    for name, ok, val in summary:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {val}")


if __name__ == "__main__":
    main()
