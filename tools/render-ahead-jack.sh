#!/usr/bin/env bash
# Render-ahead through jackd's dummy backend at 64 frames (docs/performance.md, "Render-ahead through JACK"):
# plays a graph whose all-real-time cost exceeds the 1.33 ms period, once with render-ahead off and once on, and
# prints each run's xruns and deadline misses. Needs a quiet machine; real-time JACK needs -R (rtprio allowed).
# Usage: tools/render-ahead-jack.sh [SECONDS] [WORKLOAD] [THREADS] [BANKS]   (defaults: 60 voices-16384 2 on)
set -euo pipefail
seconds=${1:-60}
workload=${2:-voices-16384}
threads=${3:-2}
banks=${4:-on}
liveengine=${LIVEENGINE:-src/LiveEngine.Cli/bin/Release/net10.0/liveengine}
server=render-ahead-$$
command -v jackd >/dev/null || { echo "jackd is missing (apt-get install jackd2)" >&2; exit 1; }
rt=(-R -P 70)
jackd "${rt[@]}" -n "$server" -d dummy -r 48000 -p 64 >/tmp/$server.log 2>&1 &
jack=$!
trap 'kill $jack 2>/dev/null || true' EXIT
sleep 2
if ! kill -0 $jack 2>/dev/null; then
    echo "jackd -R did not start (no real-time privilege?): falling back to --no-realtime; the figures then say little" >&2
    jackd --no-realtime -n "$server" -d dummy -r 48000 -p 64 >/tmp/$server.log 2>&1 &
    jack=$!
    sleep 2
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ahead in off on; do
    echo "== $workload, --banks $banks, $threads thread(s), render-ahead $ahead, $seconds s"
    "$liveengine" play --workload "$workload" --banks "$banks" --threads "$threads" --driver jack --jack-server "$server" \
        --seconds "$seconds" --render-ahead "$ahead" 2>&1 | grep -E "callbacks|render-ahead|Render-ahead" || true
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
