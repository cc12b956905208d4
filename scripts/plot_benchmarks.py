#!/usr/bin/env python3
"""Draws docs/benchmarks.png from target/bench/throughput.jsonl (scripts/benchmarks.sh).

Needs matplotlib (pip install matplotlib).
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parent.parent
results = root / "target" / "bench" / "throughput.jsonl"
runs = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
tput = [r for r in runs if r.get("scenario") == "throughput"]
if not tput:
    sys.exit(f"no throughput results in {results}; run scripts/benchmarks.sh first")

def series(target, key):
    rows = sorted((r["customers"], r[key]) for r in tput if r["target"] == target)
    return [c for c, _ in rows], [v for _, v in rows]

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
for target, colour in (("relay", "#9aa5b1"), ("hotline", "#d64545")):
    xs, ys = series(target, "msgs_per_s")
    left.plot(xs, ys, marker="o", color=colour, label=f"{target}")
left.axhline(10_000, color="#444", linestyle=":", linewidth=1, label="target 10 000/s")
left.set_ylim(bottom=0)
left.set_xscale("log")
left.set_xticks([50, 200, 500, 1000], ["50", "200", "500", "1000"])
left.set_xlabel("concurrent customers (one message in flight each)")
left.set_ylabel("messages delivered per second")
left.set_title("Throughput: durable sends → operator WebSocket")
left.legend()
left.grid(alpha=0.3)

for key, style in (("deliver_p50_ms", "--"), ("deliver_p99_ms", "-")):
    for target, colour in (("relay", "#9aa5b1"), ("hotline", "#d64545")):
        xs, ys = series(target, key)
        left_label = "p50" if "p50" in key else "p99"
        right.plot(xs, ys, style, marker="o", color=colour, label=f"{target} {left_label}")
right.axhline(50, color="#444", linestyle=":", linewidth=1, label="target p99 50 ms")
right.set_xscale("log")
right.set_xticks([50, 200, 500, 1000], ["50", "200", "500", "1000"])
right.set_xlabel("concurrent customers")
right.set_ylabel("send → delivered latency, ms")
right.set_title("Latency")
right.legend(fontsize=8)
right.grid(alpha=0.3)

fig.suptitle("Hotline on 2 cores, SQLite with fsync per group commit", fontsize=11)
fig.tight_layout()
out = root / "docs" / "benchmarks.png"
fig.savefig(out, dpi=110)
print(f"wrote {out}")
