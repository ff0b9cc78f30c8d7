#!/usr/bin/env bash
# The staff search benchmark: an embedded store (SQLite) of N tickets with Japanese
# subjects and bodies and two to four replies or internal notes each (written through
# the Store port, so the search index is kept as in production), then the latency of
# typical searches (first page of 25) measured in process over RUNS runs each.
# Writes the search section of BENCHMARKS.md.
#
#   functions/bench/search.sh [N] [RUNS]     tickets (default 100000), runs (default 30)
#   PROFILE=dev functions/bench/search.sh    without a release build (slower seeding;
#                                            SQLite itself is built with -O1 then)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-100000}
RUNS=${2:-30}
PROFILE=${PROFILE:-release}
OUT="$ROOT/bench-out/search"
DATA="$OUT/var-$N-$PROFILE"
REPORT="$ROOT/BENCHMARKS.md"
die() { printf 'search.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf '\n==> %s\n' "$*"; }

[[ "$N" =~ ^[0-9]+$ ]] || die "ticket count '$N' is not a number"
[[ "$RUNS" =~ ^[0-9]+$ ]] || die "runs '$RUNS' is not a number"
mkdir -p "$OUT"
say "Building ($PROFILE)"
(cd "$ROOT" && cargo build --profile "$PROFILE" -p madoguchi --example bench_search 2>&1 | tail -1)
DIR=$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
BIN="$ROOT/target/$DIR/examples/bench_search"
fresh=yes
[ -f "$DATA/madoguchi.db" ] && fresh=no
say "Seeding $N tickets (if not yet) and searching"

if [ "$fresh" = yes ]; then
  "$BIN" "$DATA" "$N" "$RUNS" >"$OUT/search.tsv" 2>"$DATA/seeded.txt"
else
  "$BIN" "$DATA" "$N" "$RUNS" >"$OUT/search.tsv"
fi

SIZE=$(du -sm "$DATA" | cut -f1)

python3 - "$OUT/search.tsv" "$REPORT" "$N" "$RUNS" "$PROFILE" "$DATA" "$SIZE" <<'PY'
import datetime, os, re, sqlite3, subprocess, sys
results, report, n, runs, profile, data, size = sys.argv[1:8]
seeded = open(os.path.join(data, "seeded.txt")).read() if os.path.exists(os.path.join(data, "seeded.txt")) else ""
seconds = re.search(r"in ([0-9.]+) s", seeded)
db = sqlite3.connect(f"file:{os.path.join(data, 'madoguchi.db')}?mode=ro", uri=True)
postings = db.execute("SELECT count(*) FROM search_terms").fetchone()[0]
def holding(terms):
    marks = ",".join("?" * len(terms))
    return db.execute(f"SELECT count(*) FROM (SELECT number FROM search_terms WHERE term IN ({marks}) GROUP BY number HAVING count(*) = ?)", (*terms, len(terms))).fetchone()[0]
words = {"遅延": ["遅延"], "障害": ["障害"], "請求書": ["請求", "求書"], "メール 遅延": ["メー", "ール", "遅延"], "relay timeout": ["relay", "timeout"]}
n, runs = int(n), int(runs)
START, END = "<!-- search-bench:start -->", "<!-- search-bench:end -->"
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
out = [START, "", f"## Staff search: {n:,} tickets", "",
       "Written by `functions/bench/search.sh`; do not edit by hand.", "",
       f"- **Date:** {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
       f"- **Machine:** {os.cpu_count()} cores, {cpu} (shared with other builds while it ran)",
       f"- **Build:** commit `{commit}`, profile `{profile}`; the embedded store (SQLite), {n:,} tickets of a subject, a body and 2–4 replies or internal notes each; database folder {int(size):,} MB" + (f"; seeding (every ticket, reply and note written through the port, the index kept in each transaction) took {float(seconds.group(1)):,.0f} s" if seconds else ""),
       f"- **Reproduce:** `{'PROFILE=' + profile + ' ' if profile != 'release' else ''}functions/bench/search.sh {n} {runs}`", "",
       f"Each search is `SearchStore::search_tickets` for the first page of 25, in process (no HTTP), {runs} times; p50 and p95 of those runs. Words match by the tokenizer's terms (Japanese bigrams, English words); relevance is the sum of the terms' counts, so every match is scored before the page is cut.", "",
       f"The index holds {postings:,} (term, ticket) counts. Tickets holding the words: " + "; ".join(f"{w} {holding(t):,}" for w, t in words.items()) + ". A search scores every ticket that holds all its words before it cuts the page, so its time grows with that number; filters alone walk the update-time index.", "",
       "| search | query | on the page | p50 (ms) | p95 (ms) |",
       "| --- | --- | ---: | ---: | ---: |"]
for name, shown, found, p50, p95 in rows:
    out.append(f"| {name} | `{shown}` | {found} | {p50} | {p95} |")
out += ["", "On DynamoDB (measured on moto by `use_cases_take_few_round_trips`, where latency means nothing): a search with words is one Query per term (in parallel; more pages for a term in many tickets: a posting is about 60 bytes, so about 16,000 tickets a page) and one BatchGetItem per 100 tickets holding every term; filters alone are one Query per 200 tickets of the staff list looked at (the open or closed list when the states are all open or all closed, the requester's or company's list when one is named), at most 5,000 per request. See `functions/src/adapters/aws/ROUND_TRIPS.md`.", "", END]
text = open(report).read()
block = "\n".join(out)
if START in text:
    text = text[: text.index(START)] + block + text[text.index(END) + len(END):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(report, "w").write(text)
print(block)
PY
