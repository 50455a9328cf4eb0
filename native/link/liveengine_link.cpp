// A thin C interface over ableton::Link (Debian's ableton-link-dev headers) for LiveEngine's LibraryImport binding
// (src/LiveEngine.Hosts/Link/LinkNative.cs). Built by build.sh, from LiveEngine.Hosts' LinkShim target, into
// libliveengine-link.so next to the assemblies; it is never committed. Ableton Link is GPL-2.0-or-later, and so is
// this file once it is linked with it (docs/link.md, "Licence").
//
// Times are Link's host time: microseconds of CLOCK_MONOTONIC_RAW (ableton::link::platform::Clock on Linux).
// Every function catches what Link throws: a C caller cannot unwind a C++ exception.

#include <ableton/Link.hpp>

#include <chrono>
#include <cstdint>
#include <new>

extern "C"
{
  struct le_link_state
  {
    double tempo;
    double beat;
    double phase;
    std::int32_t is_playing;
    std::int32_t reserved;
    std::int64_t time_for_is_playing;
  };

  __attribute__((visibility("default"))) void* le_link_create(double bpm)
  {
    try
    {
      return new ableton::Link(bpm);
    }
    catch (...)
    {
      return nullptr;
    }
  }

  __attribute__((visibility("default"))) void le_link_destroy(void* link)
  {
    try
    {
      delete static_cast<ableton::Link*>(link);
    }
    catch (...)
    {
    }
  }

  __attribute__((visibility("default"))) std::int32_t le_link_enable(void* link, std::int32_t enable)
  {
    try
    {
      static_cast<ableton::Link*>(link)->enable(enable != 0);
      return 1;
    }
    catch (...)
    {
      return 0;
    }
  }

  __attribute__((visibility("default"))) std::int32_t le_link_is_enabled(void* link)
  {
    return static_cast<ableton::Link*>(link)->isEnabled() ? 1 : 0;
  }

  __attribute__((visibility("default"))) void le_link_enable_start_stop_sync(void* link, std::int32_t enable)
  {
    static_cast<ableton::Link*>(link)->enableStartStopSync(enable != 0);
  }

  __attribute__((visibility("default"))) std::int64_t le_link_num_peers(void* link)
  {
    return static_cast<std::int64_t>(static_cast<ableton::Link*>(link)->numPeers());
  }

  __attribute__((visibility("default"))) std::int64_t le_link_clock_micros(void* link)
  {
    return static_cast<ableton::Link*>(link)->clock().micros().count();
  }

  // The session state now, read at host time at_micros for a quantum.
  __attribute__((visibility("default"))) std::int32_t le_link_capture(
    void* link, std::int64_t at_micros, double quantum, le_link_state* out)
  {
    try
    {
      const auto state = static_cast<ableton::Link*>(link)->captureAppSessionState();
      const auto at = std::chrono::microseconds(at_micros);
      out->tempo = state.tempo();
      out->beat = state.beatAtTime(at, quantum);
      out->phase = state.phaseAtTime(at, quantum);
      out->is_playing = state.isPlaying() ? 1 : 0;
      out->reserved = 0;
      out->time_for_is_playing = state.timeForIsPlaying().count();
      return 1;
    }
    catch (...)
    {
      return 0;
    }
  }

  __attribute__((visibility("default"))) std::int64_t le_link_time_at_beat(void* link, double beat, double quantum)
  {
    try
    {
      return static_cast<ableton::Link*>(link)->captureAppSessionState().timeAtBeat(beat, quantum).count();
    }
    catch (...)
    {
      return 0;
    }
  }

  __attribute__((visibility("default"))) std::int32_t le_link_set_tempo(void* link, double bpm, std::int64_t at_micros)
  {
    try
    {
      auto* l = static_cast<ableton::Link*>(link);
      auto state = l->captureAppSessionState();
      state.setTempo(bpm, std::chrono::microseconds(at_micros));
      l->commitAppSessionState(state);
      return 1;
    }
    catch (...)
    {
      return 0;
    }
  }

  // requestBeatAtTime: alone in the session, the timeline moves to put beat at at_micros; with peers, the beat is
  // mapped to the next time the session's phase matches (Link never jumps the others' phase).
  __attribute__((visibility("default"))) std::int32_t le_link_request_beat_at_time(
    void* link, double beat, std::int64_t at_micros, double quantum)
  {
    try
    {
      auto* l = static_cast<ableton::Link*>(link);
      auto state = l->captureAppSessionState();
      state.requestBeatAtTime(beat, std::chrono::microseconds(at_micros), quantum);
      l->commitAppSessionState(state);
      return 1;
    }
    catch (...)
    {
      return 0;
    }
  }

  __attribute__((visibility("default"))) std::int32_t le_link_set_is_playing(
    void* link, std::int32_t playing, std::int64_t at_micros)
  {
    try
    {
      auto* l = static_cast<ableton::Link*>(link);
      auto state = l->captureAppSessionState();
      state.setIsPlaying(playing != 0, std::chrono::microseconds(at_micros));
      l->commitAppSessionState(state);
      return 1;
    }
    catch (...)
    {
      return 0;
    }
  }
}
