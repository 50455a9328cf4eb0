#!/usr/bin/env bash
# Late periods and deadline misses with and without CPU isolation (docs/audio.md, "Late periods"), interleaved so
# that a noisy machine's drift hits every variant alike:
#   soak: liveengine engine soak --seconds SOAK_SECONDS --workload session --edit-seconds 0.25 [--audio-cpus C]
#         [--backup-pacer on|off]
#   play: liveengine play --workload voices-1024 --driver jack --seconds PLAY_SECONDS [--audio-cpus C], through a
#         real-time jackd (dummy backend, 64 frames) whose threads this script moves onto C too (taskset), or back
#         onto every CPU for the runs without isolation.
# Each line gives the counts, the late periods' start lateness and block time, the host's steal time and the load.
#
# Usage: tools/late-periods.sh [ROUNDS] [VARIANTS]   (default 5 rounds; variants "off 0 1": no isolation, audio
#        CPUs 0, audio CPUs 1; a suffix +b turns the null driver's backup pacer on, -b off, e.g. "off-b off+b 1+b");
#        SOAK_SECONDS=60 PLAY_SECONDS=20 MODES="soak play" override;
#        LIVEENGINE="dotnet path/liveengine.dll" skips the build.
# Needs jackd (Debian: jackd2) for the play runs, and root (or CAP_SYS_NICE) for real-time scheduling.
set -euo pipefail
rounds=${1:-5}
variants=${2:-off 0 1}
soak_seconds=${SOAK_SECONDS:-60}
play_seconds=${PLAY_SECONDS:-20}
modes=${MODES:-soak play}
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${LIVEENGINE:-} ]]; then
  dotnet build "$root/src/LiveEngine.Cli" -c Release >/dev/null
  LIVEENGINE="dotnet $root/src/LiveEngine.Cli/bin/Release/net10.0/liveengine.dll"
fi
all_cpus=$(taskset -pc $$ | sed 's/.*: //')

steal() { awk '/^cpu /{print $9}' /proc/stat; }

jack_pid=""
server=late-periods-$$
if [[ $modes == *play* ]]; then
  command -v jackd >/dev/null || { echo "late-periods: jackd is missing (apt-get install jackd2)" >&2; exit 2; }
  jackd -n "$server" -R -d dummy -r 48000 -p 64 >/dev/null 2>&1 &
  jack_pid=$!
  trap 'kill $jack_pid 2>/dev/null || true' EXIT
  sleep 2
fi

for round in $(seq "$rounds"); do
  for variant in $variants; do
    cpus=()
    list=${variant%[+-]b}
    [[ $list != off ]] && cpus=(--audio-cpus "$list")
    [[ $variant == *+b ]] && cpus+=(--backup-pacer on)
    [[ $variant == *-b ]] && cpus+=(--backup-pacer off)
    for mode in $modes; do
      s0=$(steal)
      if [[ $mode == soak ]]; then
        out=$($LIVEENGINE engine soak --seconds "$soak_seconds" --workload session --edit-seconds 0.25 "${cpus[@]}" 2>&1 || true)
        counts=$(grep -o 'xruns [0-9]*, deadline misses [0-9]*' <<<"$out" || echo "no report: $out")
        detail=$(grep -E '^(late periods|deadline misses|xruns) logged|^during the run|backup pacer' <<<"$out" | tr '\n' ' ' || true)
        commit=$(grep -o 'p50 [0-9.]* ms, p99 [0-9.]* ms' <<<"$out" | head -1 || true)
      else
        taskset -a -p -c "${list/off/$all_cpus}" "$jack_pid" >/dev/null
        out=$($LIVEENGINE play --workload voices-1024 --driver jack --jack-server "$server" --seconds "$play_seconds" "${cpus[@]}" 2>&1 || true)
        counts=$(grep -oE '[0-9]+ xruns, [0-9]+ deadline misses; block time p50 [0-9]+ µs \([0-9]+ %' <<<"$out" || echo "no report: $out")
        detail=$(grep -E '^(blocks started|server xruns|deadline misses) |^during the' <<<"$out" | tr '\n' ' ' || true)
        commit=""
      fi
      s1=$(steal)
      echo "round $round $mode audio-cpus=$variant: $counts; $detail${commit:+commit $commit; }steal $((s1 - s0)) ticks; load $(cut -d' ' -f1-3 /proc/loadavg)"
    done
  done
done
