-- generative.lua: a seeded random walk over D dorian on a pluck with echoes, over a drone and a soft pulse.
-- Same seed, same melody: render it twice and the files are identical.
tempo(96)

local verb = space("verb", { decay = 4, mix = 0.3 })
out(verb >> limiter("master", -1))
_ = pluck("lead", { cutoff = 2800, level = 0.22 }) >> echo("echo", { time = 468.75, fb = 0.45, mix = 0.35 }) >> verb
_ = pad("drone", { cutoff = 500, level = 0.12 }) >> verb
_ = kick("pulse", { freq = 55, punch = 90, decay = 400, level = 0.35 }) >> verb

local notes = scale("d3", "dorian", 3)
local position = 8

-- each sixteenth: with probability 0.6, step up or down the scale and play the note
every(1 / 4, function()
  if chance(0.6) then
    position = math.max(1, math.min(#notes, position + choose({ -2, -1, 1, 2 })))
    play("lead", notes[position], 1 / 8)
  end
end, "walk")

every(4, function(i)
  play("drone", degree(scale("d2", "dorian"), i % 2 == 0 and 1 or 5), 3.5)
end, "drone")

track("pulse", "x ~ ~ x ~ ~ x ~", "pulse")
