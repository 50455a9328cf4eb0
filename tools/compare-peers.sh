#!/usr/bin/env bash
# Renders the peer workloads (voices-64/256/1024, chains-16x16; 20 s, 48 kHz, 64-frame blocks, stereo float
# WAV) in LiveEngine and, in the same run, in SuperCollider's scsynth/supernova through ../shared/peers/run.sh,
# and prints LiveEngine's real-time factor beside theirs as a ratio. Both sides are timed the same way: the
# wall time of one offline render process writing a float WAV, median of RUNS.
# Usage: tools/compare-peers.sh [RUNS]     (root for apt-get on first use; takes a few minutes)
set -euo pipefail
runs=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS_DIR:-$root/../shared/peers}
seconds=20
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

dotnet publish "$root/src/LiveEngine.Cli" -c Release -o "$out/le" >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A le
for w in voices-64 voices-256 voices-1024 chains-16x16; do
  "$out/le/liveengine" render --workload "$w" --seconds 1 --out "$out/warm.wav" >/dev/null 2>&1
  le[$w]=$(for r in $(seq "$runs"); do
    s=$(date +%s.%N)
    "$out/le/liveengine" render --workload "$w" --seconds "$seconds" --block 64 --bits 32 --out "$out/$w.wav" >/dev/null 2>&1
    e=$(date +%s.%N); echo "$e - $s" | bc -l
  done | median)
done

PEERS_SECONDS=$seconds bash "$peers/run.sh" "$runs" | tee "$out/peers.txt"
echo
printf '%-14s %12s %12s %12s %14s %14s\n' workload le_wall_s le_rtf scsynth_rtf le/scsynth le/supernova2
for w in voices-64 voices-256 voices-1024 chains-16x16; do
  sc=$(awk -v w="$w" '$1=="scsynth" && $2==w {print $5}' "$out/peers.txt")
  sn=$(awk -v w="$w" '$1=="supernova" && $2==w && $3==2 {print $5}' "$out/peers.txt")
  rtf=$(echo "$seconds / ${le[$w]}" | bc -l)
  printf '%-14s %12.3f %12.2f %12.2f %13.2fx %13.2fx\n' "$w" "${le[$w]}" "$rtf" "$sc" "$(echo "$rtf / $sc" | bc -l)" "$(echo "$rtf / $sn" | bc -l)"
done
