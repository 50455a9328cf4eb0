#!/usr/bin/env bash
# Renders LiveEngine's standard peer workloads offline in SuperCollider's scsynth and supernova and
# prints wall time and real-time factor (seconds of audio per second of wall time), median of RUNS.
# Usage: tools/peers/run.sh [RUNS]    (needs root for apt-get on first use)
set -euo pipefail
runs=${1:-3}
here=$(cd "$(dirname "$0")" && pwd)
out=${PEERS_OUT:-/tmp/liveengine-peers}
seconds=${PEERS_SECONDS:-20}
mkdir -p "$out"
if ! command -v scsynth >/dev/null || ! command -v supernova >/dev/null || ! command -v sclang >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    supercollider-server supercollider-supernova supercollider-language >/dev/null
fi
# sclang is a Qt program: headless and as root it needs these
export QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox --disable-gpu"
export PEERS_OUT=$out PEERS_SECONDS=$seconds
timeout 180 sclang "$here/scores.scd" >"$out/sclang.log" 2>&1 || { cat "$out/sclang.log"; exit 1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-10s %-14s %-8s %10s %10s\n' peer workload threads wall_s rtf
for w in voices-64 voices-256 voices-1024 chains-16x16; do
  for peer in "scsynth 1" "supernova 1" "supernova 2"; do
    set -- $peer
    walls=$(for r in $(seq "$runs"); do
      s=$(date +%s.%N)
      if [[ $1 == scsynth ]]; then
        scsynth -N "$out/$w.osc" _ "$out/$w-$1-$2.wav" 48000 WAV float -o 2 -z 64 -n 4096 >/dev/null 2>&1
      else
        supernova -N "$out/$w.osc" _ "$out/$w-$1-$2.wav" 48000 WAV float -o 2 -z 64 -n 4096 -T "$2" >/dev/null 2>&1
      fi
      e=$(date +%s.%N); echo "$e - $s" | bc -l
    done | median)
    printf '%-10s %-14s %-8s %10.3f %10.2f\n' "$1" "$w" "$2" "$walls" "$(echo "$seconds / $walls" | bc -l)"
  done
done
rm -f "$out"/*.wav
