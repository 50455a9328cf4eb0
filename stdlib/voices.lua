-- stdlib/voices.lua: instruments built from the node set. Each returns its output node (a gain named after the
-- voice: chain it, e.g. synth("lead") >> out) and registers itself so that play(name, note, len) drives it.

local function env_node(name, o, defaults)
  return adsr(name .. ".env") {
    attack = o.attack or defaults.attack, decay = o.decay or defaults.decay,
    sustain = o.sustain or defaults.sustain, release = o.release or defaults.release, gate = 0,
  }
end

--- synth(name, {wave = "saw", freq, cutoff, q, attack, decay, sustain, release, detune, level}):
--- oscillator(s) -> resonant low-pass -> VCA under an ADSR -> gain `name`.
function synth(name, o)
  o = o or {}
  local ctor = _G[o.wave or "saw"]
  local freq = o.freq or 220
  local detune = o.detune or 0
  local flt = rlpf(name .. ".flt") { cutoff = o.cutoff or 1800, q = o.q or 1.5 }
  local oscs = { name .. ".osc" }
  local _ = ctor(name .. ".osc") { freq = freq, level = 1 } >> flt
  if detune ~= 0 then
    oscs[2] = name .. ".osc2"
    local _ = ctor(name .. ".osc2") { freq = freq * (1 + detune), level = 1 } >> flt
  end
  local amp = vca(name .. ".vca")
  local _ = flt >> amp
  local _ = env_node(name, o, { attack = 5, decay = 150, sustain = 0.5, release = 200 }) >> amp.cv
  local level = gain(name) { level = o.level or 0.3 }
  local _ = amp >> level
  voices[name] = {
    play = function(n, len, dt)
      if n then
        local hz = mtof(n)
        set(oscs[1], "freq", hz, dt)
        if oscs[2] then set(oscs[2], "freq", hz * (1 + detune), dt) end
      end
      trig(name .. ".env", len, dt)
    end,
  }
  return level
end

--- bass(name, opts): a resonant square bass (synth with other defaults).
function bass(name, o)
  o = o or {}
  return synth(name, { wave = o.wave or "square", freq = o.freq or 55, cutoff = o.cutoff or 500, q = o.q or 4,
    attack = o.attack or 2, decay = o.decay or 180, sustain = o.sustain or 0.3, release = o.release or 80,
    detune = o.detune, level = o.level or 0.35 })
end

--- pad(name, opts): two detuned saws, slow envelope, dark filter.
function pad(name, o)
  o = o or {}
  return synth(name, { wave = o.wave or "saw", freq = o.freq or 220, cutoff = o.cutoff or 900, q = o.q or 1,
    attack = o.attack or 600, decay = o.decay or 800, sustain = o.sustain or 0.8, release = o.release or 1500,
    detune = o.detune or 0.006, level = o.level or 0.15 })
end

--- pluck(name, opts): a short triangle pluck.
function pluck(name, o)
  o = o or {}
  return synth(name, { wave = o.wave or "triangle", freq = o.freq or 440, cutoff = o.cutoff or 3000, q = o.q or 1,
    attack = o.attack or 1, decay = o.decay or 250, sustain = o.sustain or 0, release = o.release or 120,
    detune = o.detune, level = o.level or 0.3 })
end

--- kick(name, {freq = 48, punch = 170, decay = 260, level}): a sine whose pitch falls from `punch` to `freq` Hz.
function kick(name, o)
  o = o or {}
  local amp = vca(name .. ".vca")
  local _ = sine(name .. ".osc") { freq = o.freq or 48, level = 1 } >> amp
  local _ = env_node(name, o, { attack = 0, decay = 260, sustain = 0, release = 60 }) >> amp.cv
  local level = gain(name) { level = o.level or 0.8 }
  local _ = amp >> level
  local low, punch = o.freq or 48, o.punch or 170
  voices[name] = {
    play = function(_, len, dt)
      dt = dt or 0
      set(name .. ".osc", "freq", punch, dt)
      set(name .. ".osc", "freq", low, dt + 1 / 64)
      trig(name .. ".env", len, dt)
    end,
  }
  return level
end

--- snare(name, {cutoff = 1800, tone = 190, decay = 140, level}): band-passed noise and a triangle body.
function snare(name, o)
  o = o or {}
  local amp = vca(name .. ".vca")
  local _ = whitenoise(name .. ".noise") { level = 0.8 } >> bpf(name .. ".flt") { cutoff = o.cutoff or 1800, q = 0.8 } >> amp
  local _ = triangle(name .. ".body") { freq = o.tone or 190, level = 0.5 } >> amp
  local _ = env_node(name, o, { attack = 0, decay = 140, sustain = 0, release = 40 }) >> amp.cv
  local level = gain(name) { level = o.level or 0.4 }
  local _ = amp >> level
  voices[name] = { play = function(_, len, dt) trig(name .. ".env", len, dt) end }
  return level
end

--- hat(name, {cutoff = 8000, decay = 45, level}): high-passed noise, short.
function hat(name, o)
  o = o or {}
  local amp = vca(name .. ".vca")
  local _ = whitenoise(name .. ".noise") { level = 1 } >> hpf(name .. ".flt") { cutoff = o.cutoff or 8000, q = 0.7 } >> amp
  local _ = env_node(name, o, { attack = 0, decay = 45, sustain = 0, release = 20 }) >> amp.cv
  local level = gain(name) { level = o.level or 0.25 }
  local _ = amp >> level
  voices[name] = { play = function(_, len, dt) trig(name .. ".env", len, dt) end }
  return level
end
