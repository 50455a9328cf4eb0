#!/usr/bin/env bash
# Renders the peer workloads (voices-64/256/1024, chains-16x16; 20 s, 48 kHz, 64-frame blocks, stereo float
# WAV) in LiveEngine on 1 and 2 threads and, in the same run, in SuperCollider's scsynth (1 thread) and
# supernova (1 and 2 threads) through tools/peers/run.sh, and prints the real-time factors side by side
# with LiveEngine/scsynth at one thread and LiveEngine/supernova at two as ratios. Both sides are timed the same way: the
# wall time of one offline render process writing a float WAV, median of RUNS.
# Usage: tools/compare-peers.sh [RUNS]     (root for apt-get on first use; takes a few minutes)
set -euo pipefail
runs=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS_DIR:-$root/tools/peers}
seconds=20
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

dotnet publish "$root/src/LiveEngine.Cli" -c Release -o "$out/le" >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A le
for w in voices-64 voices-256 voices-1024 chains-16x16; do
  for t in 1 2; do
    "$out/le/liveengine" render --workload "$w" --seconds 1 --threads "$t" --out "$out/warm.wav" >/dev/null 2>&1
    le[$w,$t]=$(for r in $(seq "$runs"); do
      s=$(date +%s.%N)
      "$out/le/liveengine" render --workload "$w" --seconds "$seconds" --block 64 --bits 32 --threads "$t" --out "$out/$w.wav" >/dev/null 2>&1
      e=$(date +%s.%N); echo "$e - $s" | bc -l
    done | median)
  done
done

PEERS_SECONDS=$seconds bash "$peers/run.sh" "$runs" | tee "$out/peers.txt"
echo
printf '%-14s %10s %10s %12s %14s %10s %14s %16s\n' workload le1_rtf le2_rtf scsynth_rtf supernova2_rtf le1/scsynth le2/supernova2 le2/le1
for w in voices-64 voices-256 voices-1024 chains-16x16; do
  sc=$(awk -v w="$w" '$1=="scsynth" && $2==w {print $5}' "$out/peers.txt")
  sn=$(awk -v w="$w" '$1=="supernova" && $2==w && $3==2 {print $5}' "$out/peers.txt")
  r1=$(echo "$seconds / ${le[$w,1]}" | bc -l)
  r2=$(echo "$seconds / ${le[$w,2]}" | bc -l)
  printf '%-14s %10.2f %10.2f %12.2f %14.2f %10.2fx %13.2fx %15.2fx\n' "$w" "$r1" "$r2" "$sc" "$sn" "$(echo "$r1 / $sc" | bc -l)" "$(echo "$r2 / $sn" | bc -l)" "$(echo "$r2 / $r1" | bc -l)"
done
