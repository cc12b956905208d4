#!/usr/bin/env bash
# Reproduces docs/benchmarks.md: builds release binaries, starts a fresh
# Hotline and the bare relay on this machine, runs the load scenarios, and
# writes one JSON line per run to target/bench/throughput.jsonl and
# target/bench/idle.jsonl (scripts/plot_benchmarks.py draws the first).
#
#   scripts/benchmarks.sh            # everything (about 5 minutes on 2 cores)
#   scripts/benchmarks.sh throughput # only the throughput sweep
#   scripts/benchmarks.sh idle       # only idle connections
#   scripts/benchmarks.sh routing    # assignment decisions, in process
#   scripts/benchmarks.sh day        # a day of support in simulation (about 8 minutes)
#   HOTLINE_BIN=/path/to/hotline scripts/benchmarks.sh throughput
#                                    # another build of the server (A/B runs)
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
out=target/bench
mkdir -p "$out"

echo "== building release binaries" >&2
cargo build --release -q -p hotline -p hotline-bench
bin=target/release
hotline=${HOTLINE_BIN:-$bin/hotline}

export HOTLINE_IDENTITY_SECRET=bench-secret-0123456789
export HOTLINE_BENCH_OPERATOR_PASSWORD=bench-password-1
# A benchmark sends far faster than people do: switch the per-customer and
# per-IP rate limits off (docs/security.md#rate-limits).
export HOTLINE_SECURITY__RATE_LIMITS__MESSAGES_PER_MINUTE=0
export HOTLINE_SECURITY__RATE_LIMITS__CONVERSATIONS_PER_HOUR=0
export HOTLINE_SECURITY__RATE_LIMITS__UPLOADS_PER_MINUTE=0
export HOTLINE_SECURITY__RATE_LIMITS__LOGINS_PER_MINUTE_PER_IP=0
hotline_port=18080
relay_port=19090
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start_hotline() {
    local data="$out/data"
    rm -rf "$data" && mkdir -p "$data"
    echo "$HOTLINE_BENCH_OPERATOR_PASSWORD" | "$hotline" operator add --data-dir "$data" \
        --email op@bench.io --name Bench --role operator --departments marketplace --password-stdin >/dev/null
    "$hotline" serve --data-dir "$data" --listen 127.0.0.1:$hotline_port 2>"$out/serve.log" &
    hotline_pid=$!
    pids+=("$hotline_pid")
    for _ in $(seq 50); do
        # Alive and answering: a server already on the port would answer too.
        kill -0 "$hotline_pid" 2>/dev/null || break
        curl -sf "http://127.0.0.1:$hotline_port/healthz" >/dev/null && return
        sleep 0.1
    done
    echo "hotline did not start (is something else on port $hotline_port?); see $out/serve.log" >&2
    exit 1
}

if [[ $what == all || $what == throughput ]]; then
    "$bin/hotline-bench" relay --listen 127.0.0.1:$relay_port 2>/dev/null &
    pids+=("$!")
    results="$out/throughput.jsonl"
    : > "$results"
    start_hotline
    # 40 000 messages per point, whatever the concurrency.
    for customers in 50 200 500 1000; do
        messages=$((40000 / customers))
        echo "== throughput: $customers customers × $messages messages (relay, then Hotline)" >&2
        "$bin/hotline-bench" throughput --relay-url "http://127.0.0.1:$relay_port" \
            --url "http://127.0.0.1:$hotline_port" --operator-email op@bench.io \
            --customers "$customers" --messages "$messages" --sub-prefix "c$customers" | grep '^{' >>"$results"
    done
    kill "$hotline_pid"
fi

if [[ $what == all || $what == idle ]]; then
    results="$out/idle.jsonl"
    : > "$results"
    start_hotline
    echo "== idle: 15000 customer WebSockets" >&2
    "$bin/hotline-bench" idle --url "http://127.0.0.1:$hotline_port" --connections 15000 --pid "$hotline_pid" \
        | grep '^{' >>"$results"
fi

if [[ $what == all || $what == routing ]]; then
    echo "== routing: 10000 queued, 500 operators online" >&2
    "$bin/hotline-bench" routing --queued 10000 --operators 500 | grep '^{' >"$out/routing.jsonl"
fi

if [[ $what == all || $what == day ]]; then
    # 12 operators in shifts, 600 conversations, one simulated day in 6 minutes.
    kill "${hotline_pid:-0}" 2>/dev/null || true
    start_hotline
    for i in $(seq 0 11); do
        echo "$HOTLINE_BENCH_OPERATOR_PASSWORD" | "$hotline" operator add --data-dir "$out/data" \
            --email "sim-op-$i@bench.local" --name "Оператор $i" --departments marketplace --password-stdin >/dev/null
    done
    echo "== day: 600 conversations, 12 operators in shifts, ×240 time" >&2
    "$bin/hotline-bench" day --url "http://127.0.0.1:$hotline_port" --operators 12 --arrivals 600 \
        --speed 240 | grep '^{' >"$out/day.jsonl"
fi

echo "== results in $out/*.jsonl" >&2
