#!/usr/bin/env bash
# The collector's load benchmark: the same closed-loop load (rollcall-bench's LoadGenerator) against
# a bare Vert.x endpoint that answers 200 without doing anything (BareEndpoint) and against
# Rollcall, for /v1/batch (BATCH_SIZE identify calls a request) and for single /v1/identify
# requests; prints events/s acknowledged, latency, the servers' peak heap and RSS, and the ratio
# Rollcall/bare.
#
# One server runs at a time, on a loopback port, with -Xmx512m (the heap aim: an OutOfMemoryError
# would fail the run); Rollcall gets a fresh data directory for each mode, so the single run does
# not start behind the batch run's backlog. The generator runs on the same machine, so its CPU is
# taken from the server's: the figures are for "server and client on these cores".
#
# Settings (environment): DURATION=20s WARMUP=30s (under this load the C2 compiler keeps a third of a core busy for the first 20 s on 2 cores: measured with LogCompilation and its thread's CPU time) CONNECTIONS=64 BATCH_SIZE=100 GEN_THREADS=1
# MODES="batch single" TARGETS="bare rollcall" BARE_PORT=18081 ROLLCALL_PORT=18080 PROFILE=1 (a JFR recording of each
# Rollcall run, in the work directory, and the server's CPU by thread).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-30s}
CONNECTIONS=${CONNECTIONS:-64}
BATCH_SIZE=${BATCH_SIZE:-100}
GEN_THREADS=${GEN_THREADS:-1}
MODES=${MODES:-batch single}
TARGETS=${TARGETS:-bare rollcall}
BARE_PORT=${BARE_PORT:-18081}
ROLLCALL_PORT=${ROLLCALL_PORT:-18080}
PROFILE=${PROFILE:-0}
HEAP=512m
KEY=bench-key

server_jar=rollcall-server/target/rollcall.jar
bench_jar=rollcall-bench/target/benchmarks.jar

# Build when a jar is missing or older than a source or POM (as bin/rollcall does).
stale() {
  [ ! -f "$server_jar" ] || [ ! -f "$bench_jar" ] && return 0
  [ -n "$(find "$root" -path "$root/*/target" -prune -o \( -name pom.xml -o -path '*/src/main/*' \) \
    -newer "$bench_jar" -type f -print 2>/dev/null | head -n 1)" ]
}
if stale; then
  echo "building $server_jar and $bench_jar" >&2
  ./mvnw -q -B -DskipTests package -pl rollcall-server,rollcall-bench -am >&2
fi

# Run from copies: a rebuild in the working tree during the benchmark must not swap the jars.
work=$(mktemp -d "${TMPDIR:-/tmp}/rollcall-bench.XXXXXX")
cp "$server_jar" "$work/rollcall.jar"
cp "$bench_jar" "$work/benchmarks.jar"
echo "work directory (logs, results): $work" >&2

server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$work"/data-*' EXIT
trap 'exit 130' INT TERM

# Waits until the port accepts connections, or the server has died (its log is shown).
wait_listening() {
  local port=$1 log=$2
  for _ in $(seq 1 600); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server exited; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "the server did not listen on $port within 60 s" >&2
  exit 1
}

# The process's CPU time (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Each thread of the process: "tid name ticks" (the name is in parentheses and may hold spaces).
thread_ticks() {
  for stat in /proc/"$1"/task/*/stat; do
    sed -E 's/^([0-9]+) \((.*)\) .*$/\1 \2/; s/ /_/g; s/_/ /' "$stat" 2>/dev/null | tr '\n' ' '
    awk '{sub(/.*\) /, ""); print $12 + $13}' "$stat" 2>/dev/null
  done
}

# Where the server's CPU went during the run, by thread name (pool numbers folded), in % of a core.
thread_report() {
  awk -v hz="$(getconf CLK_TCK)" -v s="$3" 'NR == FNR {before[$1] = $3; next}
    {name = $2; sub(/-?[0-9]+$/, "", name); used[name] += $3 - before[$1]}
    END {for (n in used) if (used[n] > 0) printf "%6.1f%%  %s\n", 100 * used[n] / hz / s, n}' "$1" "$2" |
    sort -rn
}

# One row: start the target's server, load it, record its resources, stop it.
run() {
  local mode=$1 target=$2 port log
  log="$work/$target-$mode.log"
  if [ "$target" = bare ]; then
    port=$BARE_PORT
    java -Xmx$HEAP -cp "$work/benchmarks.jar" dev.rollcall.bench.load.BareEndpoint \
      --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
  else
    port=$ROLLCALL_PORT
    local data="$work/data-$mode" jfr=()
    mkdir -p "$data"
    if [ "$PROFILE" = 1 ]; then
      jfr=("-XX:StartFlightRecording=filename=$work/rollcall-$mode.jfr,settings=profile")
    fi
    java -Xmx$HEAP "${jfr[@]}" -jar "$work/rollcall.jar" serve --host 127.0.0.1 --port "$port" \
      --data "$data" --write-key "$KEY" >"$log" 2>&1 &
  fi
  server_pid=$!
  wait_listening "$port" "$log"

  # jstat reads the JVM's shared performance counters: no attach, no safepoint.
  jstat -gc "$server_pid" 1000 >"$work/$target-$mode.jstat" 2>/dev/null &
  local jstat_pid=$! cpu_before ticks_before
  cpu_before=$(cpu_ticks "$server_pid")
  thread_ticks "$server_pid" >"$work/$target-$mode.threads-before"
  ticks_before=$(date +%s%N)
  java -Xmx1g -cp "$work/benchmarks.jar" dev.rollcall.bench.load.LoadGenerator \
    --url "http://127.0.0.1:$port" --write-key "$KEY" --mode "$mode" --batch-size "$BATCH_SIZE" \
    --connections "$CONNECTIONS" --threads "$GEN_THREADS" --duration "$DURATION" \
    --warmup "$WARMUP" 2>>"$work/generator.log" | tee "$work/$target-$mode.result" | grep -v '^RESULT' >&2 || true
  local cpu_after elapsed_ns
  cpu_after=$(cpu_ticks "$server_pid")
  elapsed_ns=$(($(date +%s%N) - ticks_before))
  thread_ticks "$server_pid" >"$work/$target-$mode.threads-after"
  thread_report "$work/$target-$mode.threads-before" "$work/$target-$mode.threads-after" \
    "$(awk -v ns="$elapsed_ns" 'BEGIN {print ns / 1e9}')" >"$work/$target-$mode.threads"
  if [ "$PROFILE" = 1 ]; then
    echo "server CPU by thread (% of one core):" >&2
    head -n 12 "$work/$target-$mode.threads" >&2
  fi
  jcmd "$server_pid" GC.heap_info >"$work/$target-$mode.heap" 2>&1 || true
  kill "$jstat_pid" 2>/dev/null || true
  wait "$jstat_pid" 2>/dev/null || true
  local rss_kb
  rss_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")
  stop_server
  rm -rf "$work/data-$mode"

  # Peak heap used: the largest sum of the survivor, eden and old spaces' used KB that jstat saw.
  local heap_kb
  heap_kb=$(awk 'NR > 1 && $1 ~ /^[0-9.]+$/ {u = $3 + $4 + $6 + $8; if (u > m) m = u} END {printf "%d", m}' \
    "$work/$target-$mode.jstat")
  local cpu_pct
  cpu_pct=$(awk -v t=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" -v ns="$elapsed_ns" \
    'BEGIN {printf "%.0f", 100 * t / hz / (ns / 1e9)}')
  local line
  line=$(grep '^RESULT' "$work/$target-$mode.result" || echo "RESULT events_per_s=0 p50_ms=- p99_ms=-")
  echo "$mode $target $line cpu_pct=$cpu_pct heap_mb=$((heap_kb / 1024)) rss_mb=$((rss_kb / 1024))" \
    >>"$work/rows"
}

# The value of key $1 in row $2, or "-".
field() {
  local v
  v=$(sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2")
  echo "${v:--}"
}

: >"$work/rows"
for mode in $MODES; do
  for target in $TARGETS; do
    echo "== $target, $mode ($DURATION after $WARMUP warm-up, $CONNECTIONS in flight)" >&2
    run "$mode" "$target"
  done
done

echo
echo "Collector load benchmark: $(nproc) cores, $CONNECTIONS requests in flight, $DURATION measured" \
  "after $WARMUP warm-up, batch size $BATCH_SIZE, servers at -Xmx$HEAP"
printf '%-7s %-9s %12s %10s %9s %9s %7s %12s %10s %12s %13s\n' mode target events/s requests/s \
  "p50 ms" "p99 ms" "errors" "server CPU" "CPU us/ev" "heap/RSS MB" "ratio r/bare"
for mode in $MODES; do
  bare=$(grep "^$mode bare " "$work/rows" || true)
  for target in $TARGETS; do
    row=$(grep "^$mode $target " "$work/rows" || true)
    eps=$(field events_per_s "$row")
    ratio=""
    if [ "$target" = rollcall ]; then
      ratio=$(awk -v r="$eps" -v b="$(field events_per_s "$bare")" \
        'BEGIN {if (b > 0) printf "%.2f", r / b; else print "-"}')
    fi
    # server CPU time per acknowledged event: a figure that contention for the cores distorts less
    us=$(awk -v c="$(field cpu_pct "$row")" -v e="$eps" 'BEGIN {if (e > 0) printf "%.1f", c * 1e4 / e; else print "-"}')
    printf '%-7s %-9s %12s %10s %9s %9s %7s %11s%% %10s %12s %13s\n' "$mode" "$target" "$eps" \
      "$(field requests_per_s "$row")" "$(field p50_ms "$row")" "$(field p99_ms "$row")" \
      "$(awk -v a="$(field non200 "$row")" -v b="$(field partial "$row")" -v c="$(field errors "$row")" \
        'BEGIN {print a + b + c}')" \
      "$(field cpu_pct "$row")" "$us" "$(field heap_mb "$row")/$(field rss_mb "$row")" "$ratio"
  done
done
# The issue's aims for this 2-core machine.
aims() {
  local batch single_r single_b heap
  batch=$(field events_per_s "$(grep '^batch rollcall ' "$work/rows" || true)")
  single_r=$(field events_per_s "$(grep '^single rollcall ' "$work/rows" || true)")
  single_b=$(field events_per_s "$(grep '^single bare ' "$work/rows" || true)")
  local oom=0
  if grep -q OutOfMemoryError "$work"/rollcall-*.log 2>/dev/null; then oom=1; fi
  heap=$(awk '/ rollcall / {sub(/.*heap_mb=/, ""); sub(/ .*/, ""); if ($0 + 0 > m) m = $0 + 0} END {print m + 0}' "$work/rows")
  awk -v b="$batch" -v r="$single_r" -v s="$single_b" -v h="$heap" -v oom="$oom" 'BEGIN {
    if (b != "-") printf "aim: /v1/batch >= 100000 events/s: %s (%s)\n", b, (b >= 100000 ? "met" : "NOT met")
    if (r != "-" && s != "-" && s > 0)
      printf "aim: single >= 0.5 x bare: %.2f (%s)\n", r / s, (r / s >= 0.5 ? "met" : "NOT met")
    printf "aim: heap < 512 MB: peak used %d MB under -Xmx512m, %s (%s)\n", h,
      oom ? "OutOfMemoryError in the log" : "no OutOfMemoryError", (h < 512 && !oom ? "met" : "NOT met")
  }'
}
if [[ " $TARGETS " == *" rollcall "* ]]; then aims; fi
echo "server CPU = the server's CPU time over the generator's run (100% = one core); CPU us/ev = that per" \
  "acknowledged event; heap/RSS MB = peak heap used (jstat, every 1 s) / peak RSS (VmHWM);" \
  "errors = non-200s, 200s that rejected calls, and failed requests. Raw output: $work"
