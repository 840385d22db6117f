#!/usr/bin/env bash
# The Java SDKs side by side: rollcall-client and Segment's com.segment.analytics.java:analytics
# (3.5.4) each deliver the same identify calls (CALLS, default 1,000,000, after a WARMUP run) from
# one application thread to a local server, and rollcall-bench's SdkBench reports calls per second
# until every call is acknowledged, the client process's CPU time, and the bytes it allocated per
# call. Each client runs in its own JVM, against a fresh server: a Rollcall server on a new data
# directory (TARGETS=rollcall), and a bare Vert.x endpoint that answers 200 without doing anything
# (TARGETS=bare, the client's own ceiling when the server costs nothing). Then the table and the
# ratios, and the issue's aims.
#
# Clients (CLIENTS): rollcall (its defaults), segment (its defaults), segment-nodelay (Segment's
# library with an OkHttp client whose sockets set TCP_NODELAY; see SdkBench's Sdk).
# Client and server share this machine's cores, so the figures are for "client and server here".
#
# Settings (environment): CALLS=1000000 WARMUP=100000 WINDOW=10000 (calls not yet acknowledged, at
# most) CLIENTS="rollcall segment segment-nodelay" TARGETS="rollcall bare" PORT=18180.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

CALLS=${CALLS:-1000000}
WARMUP=${WARMUP:-100000}
WINDOW=${WINDOW:-10000}
CLIENTS=${CLIENTS:-rollcall segment segment-nodelay}
TARGETS=${TARGETS:-rollcall bare}
PORT=${PORT:-18180}
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
work=$(mktemp -d "${TMPDIR:-/tmp}/rollcall-sdk-bench.XXXXXX")
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

wait_listening() {
  local log=$1
  for _ in $(seq 1 600); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server exited; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "the server did not listen on $PORT within 60 s" >&2
  exit 1
}

# The process's CPU time (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

: >"$work/rows"
for target in $TARGETS; do
  for client in $CLIENTS; do
    log="$work/$target-$client.server.log"
    if [ "$target" = bare ]; then
      java -Xmx512m -cp "$work/benchmarks.jar" dev.rollcall.bench.load.BareEndpoint \
        --host 127.0.0.1 --port "$PORT" >"$log" 2>&1 &
    else
      mkdir -p "$work/data-$client"
      java -Xmx512m -jar "$work/rollcall.jar" serve --host 127.0.0.1 --port "$PORT" \
        --data "$work/data-$client" --write-key "$KEY" >"$log" 2>&1 &
    fi
    server_pid=$!
    wait_listening "$log"
    echo "== $client -> $target: $WARMUP warm-up calls, then $CALLS measured" >&2
    server_before=$(cpu_ticks "$server_pid")
    java -Xmx1g -cp "$work/benchmarks.jar" dev.rollcall.bench.sdk.SdkBench --client "$client" \
      --url "http://127.0.0.1:$PORT" --write-key "$KEY" --calls "$CALLS" --warmup "$WARMUP" \
      --window "$WINDOW" 2>"$work/$target-$client.client.log" | tee "$work/$target-$client.result" >/dev/null || true
    server_ticks=$(($(cpu_ticks "$server_pid") - server_before))
    grep -v '^\[' "$work/$target-$client.client.log" | tail -n 3 >&2 || true
    stop_server
    rm -rf "$work/data-$client"
    line=$(grep '^RESULT' "$work/$target-$client.result" || echo "RESULT calls_per_s=0")
    echo "$target $client $line server_cpu_s=$(awk -v t="$server_ticks" -v hz="$(getconf CLK_TCK)" \
      'BEGIN {printf "%.1f", t / hz}')" >>"$work/rows"
  done
done

field() {
  local v
  v=$(sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2")
  echo "${v:--}"
}

echo
echo "Java SDKs, $CALLS identify calls each from one application thread (at most $WINDOW" \
  "unacknowledged), after $WARMUP warm-up calls; $(nproc) cores shared by client and server"
printf '%-9s %-16s %10s %9s %12s %12s %11s %12s %16s\n' target client calls/s seconds \
  "client CPU s" "CPU us/call" "bytes/call" "app ns/call" "server us/call"
for target in $TARGETS; do
  for client in $CLIENTS; do
    row=$(grep "^$target $client " "$work/rows" || true)
    printf '%-9s %-16s %10s %9s %12s %12s %11s %12s %16s\n' "$target" "$client" \
      "$(field calls_per_s "$row")" "$(field seconds "$row")" "$(field cpu_s "$row")" \
      "$(field cpu_us_per_call "$row")" "$(field alloc_bytes_per_call "$row")" \
      "$(field app_ns_per_call "$row")" \
      "$(awk -v s="$(field server_cpu_s "$row")" -v n=$((CALLS + WARMUP)) \
        'BEGIN {if (s != "-") printf "%.1f", s * 1e6 / n; else print "-"}')"
  done
done
echo
for target in $TARGETS; do
  ours=$(grep "^$target rollcall " "$work/rows" || true)
  for other in $CLIENTS; do
    [ "$other" = rollcall ] && continue
    theirs=$(grep "^$target $other " "$work/rows" || true)
    [ -z "$ours" ] || [ -z "$theirs" ] && continue
    awk -v t="$target" -v o="$other" \
      -v rc="$(field calls_per_s "$ours")" -v sc="$(field calls_per_s "$theirs")" \
      -v ra="$(field alloc_bytes_per_call "$ours")" -v sa="$(field alloc_bytes_per_call "$theirs")" \
      -v ru="$(field cpu_us_per_call "$ours")" -v su="$(field cpu_us_per_call "$theirs")" 'BEGIN {
        if (sc > 0 && ra > 0 && ru > 0)
          printf "%s: rollcall-client vs %s: %.2fx the calls/s, %.2fx less allocation per call, %.2fx less CPU per call\n",
            t, o, rc / sc, sa / ra, su / ru
      }'
  done
done
ours=$(grep "^rollcall rollcall " "$work/rows" || true)
theirs=$(grep "^rollcall segment " "$work/rows" || true)
if [ -n "$ours" ] && [ -n "$theirs" ]; then
  awk -v rc="$(field calls_per_s "$ours")" -v sc="$(field calls_per_s "$theirs")" \
    -v ra="$(field alloc_bytes_per_call "$ours")" -v sa="$(field alloc_bytes_per_call "$theirs")" 'BEGIN {
      if (sc > 0) printf "aim: >= 2x the calls/s of Segment'"'"'s library on a Rollcall server: %.2fx (%s)\n", rc / sc, (rc / sc >= 2 ? "met" : "NOT met")
      if (sa > 0) printf "aim: <= 1/2 the allocation per call: %.3f (%s)\n", ra / sa, (ra / sa <= 0.5 ? "met" : "NOT met")
    }'
fi
echo "calls/s = calls / time from the first call to the last acknowledgement; client CPU = the client" \
  "JVM's CPU time over that run (all threads, JIT and GC included); bytes/call = bytes allocated by" \
  "all its Java threads / calls; app ns/call = time the application thread spent inside identify();" \
  "server us/call = the server process's CPU time over the client's whole run (warm-up included)" \
  "per call sent. Raw output: $work"
