-- ramp.lua: an arpeggio and a beat that accelerate from 90 to 150 BPM over 16 beats, then come back down.
-- The clock integrates the ramp exactly, so every event still lands on its beat's sample.
tempo(90)

local master = limiter("master", -1)
out(master)
_ = { kick("kick"), hat("hat") } >> master
_ = pluck("arp", { cutoff = 2200, level = 0.25 }) >> echo("echo", { time = 250, fb = 0.3, mix = 0.25 }) >> master

-- tempo changes first: at the same beat, callbacks run in the order they were made
at(8, function() tempo(150, { ramp = 16 }) end, "up")
at(40, function() tempo(90, { ramp = 16 }) end, "down")

track("kick", "x ~ x ~", "kick")
track("hat", "x*8", "hat")
track("arp", "a3 c4 e4 a4 e4 c4", "arp")
