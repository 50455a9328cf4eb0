#!/bin/sh
# Builds libliveengine-link.so (the C shim over Ableton Link) into the path given as $1.
# Needs Debian's ableton-link-dev (Link's headers, which pull libasio-dev) and g++.
# LiveEngine.Hosts' LinkShim target runs it when /usr/include/ableton/Link.hpp exists.
set -eu
out="$1"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$(dirname "$out")"
# Link's Linux platform (CLOCK_MONOTONIC_RAW, its own thread factory); -fvisibility=hidden exports only le_link_*.
g++ -std=c++14 -O2 -fPIC -shared -fvisibility=hidden -DLINK_PLATFORM_LINUX=1 -Wall -Wno-multichar \
  -o "$out.tmp" "$here/liveengine_link.cpp" -lpthread
mv -f "$out.tmp" "$out"
