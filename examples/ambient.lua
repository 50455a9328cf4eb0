-- ambient.lua: slow minor-seventh chords on three pads, a drifting filter, sparse bells and air, 70 BPM.
tempo(70)

local verb = space("verb", { decay = 8, mix = 0.45, damping = 0.5, size = 1.4 })
out(verb >> limiter("master", -2))

for v = 1, 3 do
  _ = pad("pad" .. v, { cutoff = 600 + v * 150, level = 0.12 }) >> verb
end
_ = pluck("bell", { wave = "sine", decay = 900, release = 900, level = 0.12 }) >> echo("echo", { time = 642.857, fb = 0.5, mix = 0.4 }) >> verb
_ = pinknoise("air") { level = 0.015 } >> hpf("air.flt") { cutoff = 5000 } >> verb

local progression = { chord("a2", "min7"), chord("f2", "maj7"), chord("c3", "maj7"), chord("g2", "7") }

-- a new chord every two bars, held almost to the next one
every(8, function(i)
  local c = progression[i % #progression + 1]
  for v = 1, 3 do play("pad" .. v, c[v] + 12, 7.5) end
end, "chords")

-- the first pad's filter drifts with a slow sine of the musical time
every(1 / 2, function(_, beat)
  set("pad1.flt", "cutoff", 800 + 350 * math.sin(beat * math.pi / 16))
end, "drift")

-- bells: now and then a note of A minor pentatonic, two octaves up
local bells = scale("a4", "minpent", 2)
every(1 / 2, function()
  if chance(0.3) then play("bell", choose(bells), 1 / 4) end
end, "bells")
