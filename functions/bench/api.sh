#!/usr/bin/env bash
# The API benchmark: ticket list and ticket view over real HTTP against `madoguchi serve`
# on an embedded store of N tickets, at 50 and 200 connections, beside an axum
# hello-world as the ceiling. Writes the api section of BENCHMARKS.md.
#
#   functions/bench/api.sh [N]        tickets, default 100000
#
# Environment: DURATION=15s per measurement, THREADS=2 (wrk threads).
# Installs wrk (Debian) if missing. Data in bench-out/api/ (rebuilt when N changes).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-100000}
DURATION=${DURATION:-15s}
THREADS=${THREADS:-2}
OUT="$ROOT/bench-out/api"
DATA="$OUT/var-$N"
PORT=18080
HELLO_PORT=18099
UNCACHED_PORT=18081
# What browsers send; the list answers gzip from its cache.
BROWSER_ENCODING="gzip, deflate, br, zstd"
REPORT="$ROOT/BENCHMARKS.md"
die() { printf 'api.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf '\n==> %s\n' "$*"; }

[[ "$N" =~ ^[0-9]+$ ]] || die "ticket count '$N' is not a number"
if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt-get install -y wrk)"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get install -y wrk >/dev/null 2>&1 || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y wrk >/dev/null; } \
    || die "could not install wrk"
fi
mkdir -p "$OUT"

say "Building (release)"
(cd "$ROOT" && cargo build --release -p madoguchi --bin madoguchi --example bench_seed --example hello 2>&1 | tail -1)
BIN="$ROOT/target/release"

if [ ! -f "$DATA/madoguchi.db" ]; then
  say "Seeding $N tickets"
  rm -rf "$DATA"
  "$BIN/examples/bench_seed" "$DATA" "$N"
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

say "Starting the portal and the hello-world"
"$BIN/madoguchi" serve --root "$ROOT" --data "$DATA" --listen "127.0.0.1:$PORT" >"$OUT/serve.log" 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
"$BIN/examples/hello" "127.0.0.1:$HELLO_PORT" >/dev/null 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/" >/dev/null || die "the portal did not start (see $OUT/serve.log)"
# The same portal with the rendered-list cache off, for the lists' uncached cost.
MADOGUCHI_LIST_CACHE_MB=0 "$BIN/madoguchi" serve --site "$ROOT/dist/site" --data "$DATA" --listen "127.0.0.1:$UNCACHED_PORT" >"$OUT/serve-uncached.log" 2>&1 &
PIDS+=("$!")
UNCACHED=$!
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$UNCACHED_PORT/" >/dev/null 2>&1 && break
  sleep 0.5
done

login() {
  curl -fs -D - -o /dev/null -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"bench password 2026\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" \
    | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(mg_access=[^;]*\).*/\1/p'
}
TICKET=$(printf 'B%012d' "$((N / 2))")

RSS_MAX=0
sample_rss() {
  local kb
  kb=$(awk '/VmRSS/ { print $2 }' "/proc/$SAMPLED/status")
  [ "$kb" -gt "$RSS_MAX" ] && RSS_MAX=$kb
  return 0
}
RSS_IDLE=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER/status")

RESULTS="$OUT/results.tsv"
printf 'case\tconnections\trps\tp50_ms\tp90_ms\tp99_ms\terrors\trss_mb\n' >"$RESULTS"
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print v }'; }
run() {
  local name=$1 conns=$2 url=$3 cookie=${4:-} encoding=${5:-}
  local log="$OUT/wrk-$name-$conns.txt"
  RSS_MAX=0
  # The server that answers this case (the uncached one on its own port).
  SAMPLED=$SERVER; [[ "$url" == *":$UNCACHED_PORT/"* ]] && SAMPLED=$UNCACHED
  ( while kill -0 "$SAMPLED" 2>/dev/null; do sample_rss; sleep 0.2; done ) & local sampler=$!
  local headers=()
  [ -n "$cookie" ] && headers+=(-H "Cookie: $cookie")
  [ -n "$encoding" ] && headers+=(-H "Accept-Encoding: $encoding")
  wrk -t"$THREADS" -c"$conns" -d"$DURATION" --latency "${headers[@]}" "$url" >"$log"
  kill "$sampler" 2>/dev/null || true
  local rss; rss=$(awk '/VmRSS/ { print $2 }' "/proc/$SAMPLED/status")
  local rps p50 p90 p99 errs
  rps=$(awk '/Requests\/sec/ { print $2 }' "$log")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$log")")
  p90=$(to_ms "$(awk '$1 == "90%" { print $2 }' "$log")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$log")")
  errs=$(awk '/Non-2xx/ { print $NF } /Socket errors/ { s += $4 + $6 + $8 + $10 } END { print s + 0 }' "$log" | tail -1)
  grep -q 'Non-2xx' "$log" && errs=$(awk '/Non-2xx/ { print $NF }' "$log")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$conns" "$rps" "$p50" "$p90" "$p99" "$errs" "$((rss / 1024))" >>"$RESULTS"
  printf '  %-14s c=%-4s %10s req/s  p50 %6s ms  p99 %6s ms  errors %s\n' "$name" "$conns" "$rps" "$p50" "$p99" "$errs"
}

say "Measuring ($DURATION each, wrk with $THREADS threads)"
for c in 50 200; do
  run hello "$c" "http://127.0.0.1:$HELLO_PORT/"
  CUSTOMER=$(login u000@bench.example.jp)
  [ -n "$CUSTOMER" ] || die "login failed (see $OUT/serve.log)"
  LIST_COMPANY="/api/v1/tickets?of=company&filter=open&order=newest&limit=25"
  run list-company "$c" "http://127.0.0.1:$PORT$LIST_COMPANY" "$CUSTOMER"
  run list-company-gzip "$c" "http://127.0.0.1:$PORT$LIST_COMPANY" "$CUSTOMER" "$BROWSER_ENCODING"
  run list-company-uncached "$c" "http://127.0.0.1:$UNCACHED_PORT$LIST_COMPANY" "$CUSTOMER"
  run view "$c" "http://127.0.0.1:$PORT/api/v1/tickets/$(printf 'B%012d' 1)" "$CUSTOMER"
  STAFF=$(login agent@bench.example.jp)
  LIST_ALL="/api/v1/tickets?of=all&filter=all&order=newest&limit=25"
  run list-all "$c" "http://127.0.0.1:$PORT$LIST_ALL" "$STAFF"
  run list-all-gzip "$c" "http://127.0.0.1:$PORT$LIST_ALL" "$STAFF" "$BROWSER_ENCODING"
  run list-all-uncached "$c" "http://127.0.0.1:$UNCACHED_PORT$LIST_ALL" "$STAFF"
  run view-staff "$c" "http://127.0.0.1:$PORT/api/v1/tickets/$TICKET" "$STAFF"
done

python3 "$ROOT/functions/bench/report.py" "$RESULTS" "$REPORT" "$N" "$DURATION" "$THREADS" "$((RSS_IDLE / 1024))"
