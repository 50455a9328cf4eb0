-- tracker-beat.lua: a drum pattern and an acid line written as tracker rows, played through an order list, 124 BPM.
-- Render: liveengine render examples/tracker-beat.lua --seconds 16 --out tracker-beat.wav
-- Columns (docs/tracker.md): note (C-4, OFF, x = a hit), vXX volume, dXX delay (of 256ths of a row), effects:
-- rX retrigger every X ticks, cX cut after X ticks, aXY arpeggio, sXX slide, node.param=value automation.
tempo(124)

local master = limiter("master", -1)
out(master)
_ = { kick("kick"), hat("hat", { decay = 35 }), snare("snare", { decay = 140 }) } >> master
_ = bass("acid", { cutoff = 380, q = 6, level = 0.3 }) >> master

-- 16 rows at 4 per beat: one bar. Tracks: kick | hat | snare | acid.
tracker("a", { lpb = 4, tracks = { "kick", "hat", "snare", "acid" }, text = [[
x       | ---     | ---      | A-1
---     | x v30   | ---      | ---
---     | x       | ---      | A-2 s03
---     | x v30   | ---      | OFF
x       | ---     | x        | A-1 acid.flt.cutoffHz=600
---     | x v30   | ---      | ---
---     | x       | ---      | C-2
---     | x v30   | x d80 c3 | ---
x       | ---     | ---      | A-1 acid.flt.cutoffHz=380
---     | x v30   | ---      | ---
---     | x       | ---      | E-2 a07
---     | x v30   | ---      | ---
x       | ---     | x        | G-1
---     | x r3 c1 | ---      | ---
---     | x       | ---      | A-1
---     | x v30   | x d40 c3 | OFF
]] })

-- The same bar with the snare rolling at its end: pattern b copies a, then changes two cells.
tracker("b", { lpb = 4, tracks = { "kick", "hat", "snare", "acid" }, text = tracker_text("a") })
tracker_set("b", 14, 3, "x r4 c2")
tracker_set("b", 15, 3, "x r3 c1 v60")

tracker_play({ "a", "a", "a", "b" })
