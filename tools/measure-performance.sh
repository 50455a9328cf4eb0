#!/usr/bin/env bash
# Reproduces the whole-graph figures of docs/performance.md with `liveengine bench` (Release, self-contained
# publish), one after another on an otherwise idle machine. Prints Markdown rows; raw JSON lands in $OUT.
# Usage: tools/measure-performance.sh [SECONDS]       (default 10 s of audio per figure)
set -euo pipefail
seconds=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d)}
dotnet publish "$root/src/LiveEngine.Cli" -c Release -o "$OUT/le" >/dev/null
le="$OUT/le/liveengine"
row() { # workload threads block policy
  local f="$OUT/$1-t$2-b$3-$4.json"
  "$le" bench "$1" --threads "$2" --block "$3" --policy "$4" --seconds "$seconds" --json "$f" >/dev/null
  python3 - "$f" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {r['Workload']} | {r['Threads']} | {r['Policy']} | {r['BlockFrames']} | {r['RealTimeFactor']:.2f}× | {r['P50Us']:.1f} | {r['P99Us']:.1f} | {r['MaxUs']:.1f} | {r['WorkUs']:.1f} | {r['SpanUs']:.1f} | {r['BoundUs']:.1f} | {r['Efficiency']*100:.0f} %{'' if r.get('Windows', 0) == 0 else ' (%.0f–%.0f)' % (r['EfficiencyMin']*100, r['EfficiencyMax']*100)} | {r['AllocatedBytes']} |")
PY
}
echo "| workload | threads | policy | block | RTF | p50 µs | p99 µs | max µs | W µs | span µs | bound µs | efficiency | bytes allocated |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for w in voices-64 voices-256 voices-1024; do row "$w" 1 64 critical-path; done
for w in voices-1024 session chains-16x16 random-layered; do
  row "$w" 1 128 critical-path
  row "$w" 2 128 critical-path
done
for p in steal wavefront; do row random-layered 2 128 "$p"; done
for n in 1 1000; do
  row "trivial-$n" 1 128 critical-path
  row "trivial-$n" 2 128 critical-path
done
echo "raw JSON: $OUT" >&2
