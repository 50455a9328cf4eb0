-- techno.lua: four on the floor, off-beat hats, a resonant bassline and a delayed stab, 128 BPM.
-- Render: liveengine render examples/techno.lua --seconds 30 --out techno.wav
tempo(128)

local master = limiter("master", -1)
out(master)

-- Drums and bass straight into the master; the stab through an echo (a dotted eighth) and a small room.
_ = { kick("kick"), hat("hat"), snare("clap", { cutoff = 1400, decay = 160 }) } >> master
_ = bass("acid", { cutoff = 420, q = 7, level = 0.3 }) >> master
_ = pluck("stab", { cutoff = 2600, level = 0.18 })
  >> echo("echo", { time = 351.5625, fb = 0.35, mix = 0.3 })
  >> space("room", { decay = 1.8, mix = 0.2 })
  >> master

track("kick", "x x x x", "kick")
track("hat", "~ x ~ x ~ x ~ x", "hat")
track("clap", "~ x ~ x", "clap")
track("acid", "a1 a1 [~ a2] a1 c2 a1 [~ g1] e1", "acid")
-- the stab plays backwards every fourth bar
track("stab", nth(pat("~ [a3 e4] ~ [c4 ~]"), 4, rev), "stab")

-- open the bass filter a little more on every bar, over eight bars, then start again
every(4, function(i)
  set("acid.flt", "cutoff", 300 + (i % 8) * 120)
end, "sweep")
