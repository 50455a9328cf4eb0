-- swarm.lua: 64 voices of the stdlib synth, each holding one note of a slowly turning A minor cloud, 90 BPM.
-- Like voices feeding one bus become voice banks: `:graph` shows them, and
-- `liveengine bench examples/swarm.lua --banks compare` measures them against the same piece unbanked.
tempo(90)

local mix = bus("mix", 0.9)
out(mix >> limiter("master", -1))

local notes = scale("a1", "minpent", 6)
for v = 1, 64 do
  local _ = synth("s" .. v, {
    freq = mtof(notes[(v - 1) % #notes + 1]),
    cutoff = 700 + (v % 8) * 180, q = 2,
    attack = 40, decay = 600, sustain = 0.5, release = 900,
    level = 0.05,
  }) >> mix
end

-- every half beat four voices take a new note of the scale and sound for three beats
every(1 / 2, function(i)
  for k = 0, 3 do
    local v = (i * 4 + k) % 64 + 1
    play("s" .. v, degree(notes, (i * 3 + k * 5) % #notes + 1), 3)
  end
end, "cloud")
