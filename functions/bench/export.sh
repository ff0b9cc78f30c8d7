#!/usr/bin/env bash
# The export benchmark: staff export every ticket of an embedded store of N tickets as
# CSV and as Excel over real HTTP against `madoguchi serve` (release build), and the
# server's memory is watched: its peak resident size (VmHWM) before and after each
# export shows what the export itself held. Writes the export section of BENCHMARKS.md.
#
#   functions/bench/export.sh [N]        tickets, default 100000
#
# Shares the seeded data folder with api.sh (bench-out/api/var-N).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-100000}
OUT="$ROOT/bench-out/api"
DATA="$OUT/var-$N"
PORT=18090
REPORT="$ROOT/BENCHMARKS.md"
die() { printf 'export.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf '\n==> %s\n' "$*"; }

[[ "$N" =~ ^[0-9]+$ ]] || die "ticket count '$N' is not a number"
mkdir -p "$OUT"
say "Building (release)"
(cd "$ROOT" && cargo build --release -p madoguchi --bin madoguchi --example bench_seed 2>&1 | tail -1)
BIN="$ROOT/target/release"
if [ ! -f "$DATA/madoguchi.db" ]; then
  say "Seeding $N tickets"
  rm -rf "$DATA"
  "$BIN/examples/bench_seed" "$DATA" "$N"
fi

say "Starting the portal"
"$BIN/madoguchi" serve --root "$ROOT" --data "$DATA" --listen "127.0.0.1:$PORT" >"$OUT/export-serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/" >/dev/null || die "the portal did not start (see $OUT/export-serve.log)"
STAFF=$(curl -fs -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"email":"agent@bench.example.jp","password":"bench password 2026"}' "http://127.0.0.1:$PORT/api/v1/auth/login" \
  | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(mg_access=[^;]*\).*/\1/p')
[ -n "$STAFF" ] || die "login failed (see $OUT/export-serve.log)"

kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER/status"; }
# One small list first, so that start-up allocations are not counted as the export's.
curl -fs -H "Cookie: $STAFF" "http://127.0.0.1:$PORT/api/v1/tickets?of=all&limit=25" >/dev/null
RESULTS="$OUT/export.tsv"
printf 'format\tseconds\tbytes\trows\trss_before_kb\thwm_before_kb\thwm_after_kb\n' >"$RESULTS"
for format in csv xlsx; do
  say "Exporting as $format"
  file="$OUT/export.$format"
  rss=$(kb VmRSS); hwm=$(kb VmHWM)
  start=$(date +%s.%N)
  curl -fs -H "Cookie: $STAFF" -o "$file" "http://127.0.0.1:$PORT/api/v1/tickets/export?of=all&format=$format"
  end=$(date +%s.%N)
  after=$(kb VmHWM)
  if [ "$format" = csv ]; then rows=$(($(wc -l <"$file") - 1)); else
    rows=$(python3 -c "import zipfile,re,sys; z=zipfile.ZipFile(sys.argv[1]); print(len(re.findall(rb'<row ', z.read('xl/worksheets/sheet1.xml'))) - 1)" "$file")
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$format" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')" \
    "$(stat -c %s "$file")" "$rows" "$rss" "$hwm" "$after" >>"$RESULTS"
done

python3 - "$RESULTS" "$REPORT" "$N" <<'PY'
import csv, datetime, os, subprocess, sys
results, report, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
START, END = "<!-- export-bench:start -->", "<!-- export-bench:end -->"
rows = list(csv.DictReader(open(results), delimiter="\t"))
commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mb = lambda kb: int(kb) / 1024
out = [START, "", "## Staff exports: 100,000 tickets as CSV and Excel" if n == 100000 else f"## Staff exports: {n:,} tickets as CSV and Excel", "",
       "Written by `functions/bench/export.sh`; do not edit by hand.", "",
       f"- **Date:** {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
       f"- **Machine:** {os.cpu_count()} cores, {cpu}",
       f"- **Build:** commit `{commit}`, release; the embedded store (SQLite) with {n:,} tickets (the api benchmark's data)",
       f"- **Reproduce:** `functions/bench/export.sh {n}`", "",
       "One request each (`GET /api/v1/tickets/export?of=all&format=…`, staff), over HTTP on the same machine. *Peak RSS* is the server's VmHWM: the most memory it ever held, read before and after the export; the difference is the most the export added.", "",
       "| format | time (s) | file (MB) | rows | server RSS before (MB) | peak RSS before (MB) | peak RSS after (MB) | added by the export (MB) |",
       "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for r in rows:
    added = max(0, int(r["hwm_after_kb"]) - int(r["hwm_before_kb"]))
    out.append(f"| {r['format'].upper()} | {float(r['seconds']):.2f} | {int(r['bytes']) / 1e6:.1f} | {int(r['rows']):,} | {mb(r['rss_before_kb']):.0f} | {mb(r['hwm_before_kb']):.0f} | {mb(r['hwm_after_kb']):.0f} | {added / 1024:.1f} |")
out += ["", "Every row of the store came out (rows = tickets). The list is read 200 tickets at a time; CSV chunks are sent as they are made, Excel rows go to a constant-memory worksheet (a temporary file) and the finished file is streamed from disk, so what an export holds does not grow with the list.", "", END]
text = open(report).read()
block = "\n".join(out)
if START in text:
    text = text[: text.index(START)] + block + text[text.index(END) + len(END):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(report, "w").write(text)
print(block)
PY
