#!/usr/bin/env bash
# LiveEngine against SuperCollider on the same scores (tools/peers/scores.scd = LiveEngine's standard workloads
# voices-64/256/1024 and chains-16x16): offline renders of SECONDS of audio at 48 kHz in 64-frame blocks to a
# stereo float WAV, each timed as the wall time of its whole process (start-up included).
#   one thread:  liveengine-render render --threads 1   against scsynth
#   two threads: liveengine-render render --threads 2   against supernova -T 2 (the voices sit in a ParGroup)
# liveengine-render (src/LiveEngine.Render, NativeAOT) is LiveEngine's offline renderer of the standard workloads:
# the same bits as `liveengine render`, with a start-up in milliseconds instead of the full command line's ~100 ms.
# The runs are interleaved: each round renders every workload on all four, one after the other, so that a noisy
# machine's drift hits both sides alike; the table gives the median of RUNS rounds and the ratios of the medians.
# It ends with liveengine's start-up time (a render of one block) and prints everything as markdown, ready to
# paste into docs/performance.md.
#
# Usage: tools/compare-peers.sh [RUNS]        (default 3; PEERS_SECONDS=20 and WORKLOADS="voices-1024 ..." override;
#        LIVEENGINE=path/to/liveengine or path/to/liveengine-render skips the Release publish and times that binary)
# Needs scsynth, supernova and sclang (Debian: supercollider-server, supercollider-supernova,
# supercollider-language). Run as root on a fresh machine and it installs them with apt-get; otherwise it stops
# and names the command to run.
set -euo pipefail
runs=${1:-3}
seconds=${PEERS_SECONDS:-20}
workloads=${WORKLOADS:-voices-1024 voices-256 voices-64 chains-16x16}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

packages="supercollider-server supercollider-supernova supercollider-language"
if ! command -v scsynth >/dev/null || ! command -v supernova >/dev/null || ! command -v sclang >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "compare-peers: SuperCollider is missing. Install it with: sudo apt-get install -y --no-install-recommends $packages" >&2
    exit 2
  fi
  echo "compare-peers: installing SuperCollider ($packages) …" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
fi

if [[ -n ${LIVEENGINE:-} ]]; then
  le=$LIVEENGINE
else
  echo "compare-peers: publishing liveengine-render (Release, NativeAOT for this machine; about a minute) …" >&2
  dotnet publish "$root/src/LiveEngine.Render" -c Release -o "$out/le" >/dev/null
  le="$out/le/liveengine-render"
fi

# The scores, written by sclang (a Qt program: headless and as root it needs these).
export QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox --disable-gpu"
PEERS_OUT=$out PEERS_SECONDS=$seconds timeout 180 sclang "$root/tools/peers/scores.scd" >"$out/sclang.log" 2>&1 \
  || { cat "$out/sclang.log" >&2; exit 1; }

# Runs one command and prints its wall seconds and CPU seconds (user + system, all its threads); its output goes
# to $out/last.log, and a failure stops the script.
timed() {
  local TIMEFORMAT='%R %U %S' real user sys
  if ! { time "$@" >"$out/last.log" 2>&1; } 2>"$out/time.txt"; then
    echo "compare-peers: failed: $*" >&2
    cat "$out/last.log" >&2
    exit 1
  fi
  read -r real user sys <"$out/time.txt"
  echo "$real $(echo "$user + $sys" | bc -l)"
}
run_le() { timed "$le" render --workload "$1" --seconds "$seconds" --sample-rate 48000 --block 64 --bits 32 --threads "$2" --out "$out/le.wav"; }
# After a two-thread render: how many of its blocks the measured serial/parallel choice ran on both threads.
parallel_blocks() { grep -oE '^[0-9]+ of [0-9]+ blocks ran on' "$out/last.log" | awk '{print $1 "/" $3}' || true; }
run_scsynth() { timed scsynth -N "$out/$1.osc" _ "$out/sc.wav" 48000 WAV float -o 2 -z 64 -n 4096; }
run_supernova() { timed supernova -N "$out/$1.osc" _ "$out/sc.wav" 48000 WAV float -o 2 -z 64 -n 4096 -T 2; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minmax() { tr ' ' '\n' | grep -v '^$' | sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.2f–%.2f", lo, hi}'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# One untimed pass of each, so that every binary and library is in the page cache.
for w in $workloads; do
  "$le" render --workload "$w" --seconds 0.1 --block 64 --out "$out/warm.wav" >/dev/null 2>&1
  scsynth -N "$out/$w.osc" _ "$out/warm.wav" 48000 WAV float -o 2 -z 64 -n 4096 >/dev/null 2>&1 || true
done

declare -A times cpus shares
record() { # key, then "wall cpu" from timed
  local wall_s cpu_s
  read -r wall_s cpu_s <<<"$2"
  times[$1]+=" $wall_s"
  cpus[$1]+=" $cpu_s"
}
for r in $(seq "$runs"); do
  for w in $workloads; do
    record "$w,le1" "$(run_le "$w" 1)"
    record "$w,sc" "$(run_scsynth "$w")"
    record "$w,le2" "$(run_le "$w" 2)"
    shares[$w]+=" $(parallel_blocks)"
    record "$w,sn" "$(run_supernova "$w")"
  done
  echo "compare-peers: round $r of $runs done" >&2
done

# Start-up: a render of one 64-frame block, as wall time and as CPU time (user + system, all threads), which a
# loaded machine inflates far less.
startups=""
startup_cpus=""
for r in $(seq 5); do
  read -r real cpu <<<"$(timed "$le" render --workload voices-256 --seconds "$(echo "64 / 48000" | bc -l)" --block 64 --bits 32 --out "$out/startup.wav")"
  startups+=" $real"
  startup_cpus+=" $cpu"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

rtf() { echo "$seconds / $(echo "${times[$1,$2]}" | median)" | bc -l; }
cpu_rtf() { echo "$seconds / $(echo "${cpus[$1,$2]}" | median)" | bc -l; }
# Real-time factors from each round's wall times, lowest–highest.
spread() { for t in ${times[$1,$2]}; do echo "$seconds / $t" | bc -l; done | tr '\n' ' ' | minmax; }

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
cpu=$(lscpu 2>/dev/null | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')
scversion=$(dpkg-query -W -f '${Version}' supercollider-server 2>/dev/null || echo "?")
echo
echo "\`tools/compare-peers.sh $runs\` at commit \`$commit\`$dirty, $(date -u '+%Y-%m-%d %H:%M UTC'): $seconds s renders, 48 kHz,"
echo "64-frame blocks, whole process, $runs interleaved rounds (median real-time factor; lowest–highest in brackets); LiveEngine is \`$(basename "$le")\`."
echo "Machine: $(nproc) CPUs ($cpu), load average $load_before before and $load_after after; SuperCollider $scversion, $(dotnet --version 2>/dev/null | sed 's/^/.NET SDK /')."
echo
echo "| workload | LiveEngine 1 thread | scsynth | LE 1 / scsynth | LiveEngine 2 threads | supernova 2 threads | LE 2 / supernova 2 | LE 2 / LE 1 |"
echo "|---|---|---|---|---|---|---|---|"
for w in $workloads; do
  le1=$(rtf "$w" le1); sc=$(rtf "$w" sc); le2=$(rtf "$w" le2); sn=$(rtf "$w" sn)
  printf '| %s | %.2f× (%s) | %.2f× (%s) | **%.2f×** | %.2f× (%s) | %.2f× (%s) | **%.2f×** | %.2f× |\n' \
    "$w" "$le1" "$(spread "$w" le1)" "$sc" "$(spread "$w" sc)" "$(echo "$le1 / $sc" | bc -l)" \
    "$le2" "$(spread "$w" le2)" "$sn" "$(spread "$w" sn)" "$(echo "$le2 / $sn" | bc -l)" "$(echo "$le2 / $le1" | bc -l)"
done
echo
echo "Blocks of each two-thread LiveEngine render that ran on both threads (the rest ran on one, by the measured"
echo "serial/parallel choice), per round:"
for w in $workloads; do
  echo "- $w:${shares[$w]:- (not reported)}"
done
echo
echo "Per CPU second (seconds of audio per second of CPU time, user + system, all threads of the process; median of"
echo "$runs): what each side costs, which other processes on the machine disturb far less than the wall time. With"
echo "two threads it counts the workers' waiting too."
echo
echo "| workload | LiveEngine 1 thread | scsynth | LE 1 / scsynth | LiveEngine 2 threads | supernova 2 threads | LE 2 / supernova 2 |"
echo "|---|---|---|---|---|---|---|"
for w in $workloads; do
  le1=$(cpu_rtf "$w" le1); sc=$(cpu_rtf "$w" sc); le2=$(cpu_rtf "$w" le2); sn=$(cpu_rtf "$w" sn)
  printf '| %s | %.2f× | %.2f× | **%.2f×** | %.2f× | %.2f× | **%.2f×** |\n' "$w" "$le1" "$sc" "$(echo "$le1 / $sc" | bc -l)" "$le2" "$sn" "$(echo "$le2 / $sn" | bc -l)"
done
echo
printf 'Start-up: `%s render --workload voices-256` of one 64-frame block takes %.3f s wall (median of 5; %s s)\n' \
  "$(basename "$le")" "$(echo "$startups" | median)" "$(echo "$startups" | minmax)"
printf 'and %.3f s of CPU (user + system, all threads; %s s).\n' "$(echo "$startup_cpus" | median)" "$(echo "$startup_cpus" | minmax)"
