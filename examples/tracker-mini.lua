-- tracker-mini.lua: Strudel-style mini-notation rendered into tracker rows (exact delays where events fall between
-- rows), then edited like any tracker pattern; 100 BPM.
-- Render: liveengine render examples/tracker-mini.lua --seconds 20 --out tracker-mini.wav
tempo(100)

local master = limiter("master", -1)
out(master)
_ = { kick("bd"), snare("sn", { decay = 120 }), hat("hh", { decay = 25 }) } >> master
_ = pluck("keys", { cutoff = 2400, level = 0.2 })
  >> echo("echo", { time = 450, fb = 0.3, mix = 0.25 })
  >> master

-- Drums: Euclid, a polymeter and a replicate, two bars over 32 rows at 4 per beat.
tracker_mini("drums", "<bd(3,8) bd(5,8,2)>, [~ sn]*2, {hh hh hh}%8", { rows = 32, cycles = 2, legato = 1/2 })

-- Keys: triplets and alternation; notes go to `target`. 32 rows, two bars, like the drums.
tracker_mini("keys", "<[c4 e4 g4] [a3 c4 e4]> [~ <b4 d5>]", { rows = 32, cycles = 2, target = "keys" })

-- Rendered rows are ordinary tracker cells: add an accent and an arpeggio by hand.
tracker_set("keys", 24, 1, "A-4 v60 a47")

-- Play both pattern sets at once: one order list each, under their own loop names.
tracker_play("drums", { name = "drums" })
tracker_play("keys", { name = "keys" })
