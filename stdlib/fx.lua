-- stdlib/fx.lua: effect chains from the node set. Each returns a node to chain: x >> echo("e") >> out.

--- echo(name, {time = 375, fb = 0.4, mix = 0.3}): a stereo delay (time in ms).
function echo(name, o)
  o = o or {}
  return delay(name) { time = o.time or 375, fb = o.fb or 0.4, mix = o.mix or 0.3, channels = 2 }
end

--- space(name, {decay = 3, mix = 0.3, damping = 0.4, size = 1}): the FDN reverb (decay in seconds).
function space(name, o)
  o = o or {}
  return reverb(name) { decay = o.decay or 3, mix = o.mix or 0.3, damping = o.damping or 0.4, size = o.size or 1 }
end

--- bus(name [, level]): a stereo summing point with a level.
function bus(name, level)
  return gain(name) { level = level or 1, channels = 2 }
end

--- limiter([name [, ceiling]]): the master stage (level, NaN guard, peak limiter at `ceiling` dB).
function limiter(name, ceiling)
  return master(name or "master") { ceiling = ceiling or -1 }
end

--- fxchain(name, {echo = {...}, space = {...}}): echo then reverb, each optional; returns {first, last}
--- ends so that source >> c[1] and c[2] >> out.
function fxchain(name, o)
  o = o or {}
  local first, last
  if o.echo then first = echo(name .. ".echo", o.echo); last = first end
  if o.space then
    local r = space(name .. ".space", o.space)
    if last then chain(last, r) else first = r end
    last = r
  end
  if not first then first = bus(name); last = first end
  return { first, last }
end
