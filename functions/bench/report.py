#!/usr/bin/env python3
"""Writes the API benchmark's section of BENCHMARKS.md from bench-out/api/results.tsv.

usage: report.py RESULTS.tsv BENCHMARKS.md TICKETS DURATION THREADS IDLE_RSS_MB
"""
import csv
import datetime
import os
import platform
import subprocess
import sys

START, END = "<!-- api-bench:start -->", "<!-- api-bench:end -->"
TARGET_P99_MS = 5.0


def main():
    results, report, tickets, duration, threads, idle_rss = sys.argv[1:7]
    rows = list(csv.DictReader(open(results), delimiter="\t"))
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    names = {
        "hello": "axum hello-world (ceiling)",
        "list-company": "ticket list, customer, company tickets, open (page of 25 + counts)",
        "list-company-gzip": "… the same, as a browser asks (Accept-Encoding: gzip …)",
        "list-company-uncached": "… the same, rendered-list cache off",
        "view": "ticket view, customer",
        "list-all": "ticket list, staff, all tickets (page of 25 + counts)",
        "list-all-gzip": "… the same, as a browser asks (Accept-Encoding: gzip …)",
        "list-all-uncached": "… the same, rendered-list cache off",
        "view-staff": "ticket view, staff",
    }
    out = [START, "", "## API: ticket list and view on the embedded store", "",
           "Written by `functions/bench/api.sh`; do not edit by hand.", "",
           f"- **Date:** {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
           f"- **Machine:** {os.cpu_count()} cores, {cpu}, Linux {platform.release()}",
           f"- **Build:** commit `{commit}`{' (with uncommitted changes)' if dirty else ''}, release",
           f"- **Data:** {int(tickets):,} tickets in SQLite (20 companies × 5 customers; 5,000 tickets per company), one article each",
           f"- **Load:** wrk, {threads} threads, {duration} per case, keep-alive, on the same 2-core machine as the server (the load generator takes part of the CPU)",
           f"- **Reproduce:** `functions/bench/api.sh {tickets}`", "",
           "Every request is authenticated (JWT cookie checked) and authorized per ticket. A list request reads its scope's All / Open / Closed counts and generation from the store; with the rendered-list cache on (the default), a page already rendered at that generation is sent from memory (gzip-compressed when the client accepts it), otherwise it is queried and rendered. wrk asks the same page again and again, which is the cache's best case and close to what the portal's self-refreshing list does; the *uncached* rows are the cost of every first request after a change.", "",
           "| case | connections | requests/s | p50 (ms) | p90 (ms) | p99 (ms) | non-2xx/errors | server RSS after (MB) |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        out.append(f"| {names.get(r['case'], r['case'])} | {r['connections']} | {float(r['rps']):,.0f} | {float(r['p50_ms']):.2f} | {float(r['p90_ms']):.2f} | {float(r['p99_ms']):.2f} | {r['errors']} | {r['rss_mb'] if r['case'] != 'hello' else '–'} |")
    out += ["", f"Server memory: {idle_rss} MB resident when idle after start; the largest after a case is in the table.", ""]
    out += ["### Target", "", "| target | measured | result |", "| --- | --- | --- |"]
    for case in ("list-company", "list-company-gzip", "list-company-uncached", "list-all", "list-all-gzip", "list-all-uncached"):
        r = next((r for r in rows if r["case"] == case and r["connections"] == "200"), None)
        if r:
            p99 = float(r["p99_ms"])
            ok = p99 <= TARGET_P99_MS
            out.append(f"| {names[case]}: p99 ≤ {TARGET_P99_MS:g} ms at 200 connections | {p99:.2f} ms | **{'PASS' if ok else 'FAIL'}** |")
            print(f"  {'PASS' if ok else 'FAIL'}  {case} p99 at 200 connections: {p99:.2f} ms")
    out += ["", END]
    section = "\n".join(out) + "\n"
    text = open(report).read() if os.path.exists(report) else "# Benchmarks\n"
    if START in text and END in text:
        text = text[: text.index(START)] + section.rstrip("\n") + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    open(report, "w").write(text)
    print(f"report: wrote the API section of {report}")


main()
