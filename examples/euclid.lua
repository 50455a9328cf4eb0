-- euclid.lua: Euclidean percussion (Toussaint's rhythms: k onsets spread over n steps), with a 12-step tom
-- against the 16-step bar for a polymeter, 112 BPM.
tempo(112)

local master = limiter("master", -1)
out(master >> space("room", { decay = 1.2, mix = 0.12 }) >> bus("main"))
_ = {
  kick("kick"),
  snare("rim", { cutoff = 3200, tone = 330, decay = 60, level = 0.3 }),
  hat("hat"),
  hat("shaker", { cutoff = 5000, decay = 90, level = 0.12 }),
  kick("tom", { freq = 110, punch = 220, decay = 180, level = 0.45 }),
} >> master

track("kick", euclid(3, 8), "kick")          -- x..x..x.
track("rim", euclid(5, 8, 2), "rim")         -- x.xx.xx. rotated by two steps
track("hat", euclid(7, 16), "hat")
track("shaker", euclid(9, 16, 3), "shaker")
track("tom", euclid(5, 12), "tom", { cycle = 3 })   -- 12 steps over three beats: 4 against 3
