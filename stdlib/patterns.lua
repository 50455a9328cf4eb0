-- stdlib/patterns.lua: patterns as functions of time (after Tidal): a pattern answers "which events start in
-- cycles [a, b)?". Mini-notation strings, sequences, Euclidean rhythms and transformations build them;
-- track() plays one on a voice, one cycle per bar by default.

local Pattern = {}
Pattern.__index = Pattern

local function new(span) return setmetatable({ span = span }, Pattern) end
local function is_pattern(x) return getmetatable(x) == Pattern end

-- Events: { start = cycles (absolute), dur = cycles, value = anything }.

--- silence: no events.
silence = new(function() return {} end)

--- pure(v): v once per cycle.
function pure(v)
  return new(function(a, b)
    local list = {}
    for c = math.ceil(a), math.ceil(b) - 1 do list[#list + 1] = { start = c, dur = 1, value = v } end
    return list
  end)
end

local function lift(x)
  if is_pattern(x) then return x end
  if x == false or x == "~" or x == "." or x == nil then return silence end
  if type(x) == "table" then return seq(x) end
  return pure(x)
end

local function by_cycle(f)
  -- A pattern defined cycle by cycle: f(c) returns the events of cycle c (absolute times).
  return new(function(a, b)
    local list = {}
    for c = math.floor(a), math.ceil(b) - 1 do
      for _, e in ipairs(f(c)) do
        if e.start >= a and e.start < b then list[#list + 1] = e end
      end
    end
    return list
  end)
end

--- fast(p, k): k times as fast (k cycles of p in one). slow(p, k): k times as slow.
function fast(p, k)
  p = lift(p)
  if k <= 0 then __fail("fast: the factor must be more than 0") end
  return new(function(a, b)
    local list = {}
    for _, e in ipairs(p.span(a * k, b * k)) do
      list[#list + 1] = { start = e.start / k, dur = e.dur / k, value = e.value }
    end
    return list
  end)
end

function slow(p, k)
  if k <= 0 then __fail("slow: the factor must be more than 0") end
  return fast(p, 1 / k)
end

--- cat(list): one element per cycle, in turn (Tidal's cat / <a b c>).
function cat(items)
  local ps = {}
  for i, x in ipairs(items) do ps[i] = lift(x) end
  local n = #ps
  if n == 0 then return silence end
  return by_cycle(function(c)
    local k = c % n
    local inner = (c - k) // n
    local list = {}
    for _, e in ipairs(ps[k + 1].span(inner, inner + 1)) do
      list[#list + 1] = { start = e.start - inner + c, dur = e.dur, value = e.value }
    end
    return list
  end)
end

--- seq(list): the elements share one cycle equally (nested tables subdivide; false or "~" is a rest).
function seq(items)
  if #items == 0 then return silence end
  return fast(cat(items), #items)
end

--- stack(p1, p2, ...): all at once.
function stack(...)
  local ps = {}
  for i, x in ipairs({ ... }) do ps[i] = lift(x) end
  return new(function(a, b)
    local list = {}
    for _, p in ipairs(ps) do
      for _, e in ipairs(p.span(a, b)) do list[#list + 1] = e end
    end
    table.sort(list, function(x, y) return x.start < y.start end)
    return list
  end)
end

--- rev(p): each cycle backwards.
function rev(p)
  p = lift(p)
  return by_cycle(function(c)
    local list = {}
    for _, e in ipairs(p.span(c, c + 1)) do
      list[#list + 1] = { start = c + (1 - (e.start - c) - e.dur), dur = e.dur, value = e.value }
    end
    table.sort(list, function(x, y) return x.start < y.start end)
    return list
  end)
end

--- shift(p, t): rotates p left by t cycles (Tidal's t <~ p); a negative t delays it.
function shift(p, t)
  p = lift(p)
  return new(function(a, b)
    local list = {}
    for _, e in ipairs(p.span(a + t, b + t)) do
      list[#list + 1] = { start = e.start - t, dur = e.dur, value = e.value }
    end
    return list
  end)
end

--- nth(p, n, f): f(p) on every n-th cycle (cycles 0, n, 2n...), p otherwise (Tidal's every).
function nth(p, n, f)
  p = lift(p)
  local q = lift(f(p))
  return by_cycle(function(c)
    return ((c % n == 0) and q or p).span(c, c + 1)
  end)
end

--- euclid(k, n [, rotate [, value]]): k onsets spread over n steps (Bjorklund), as a pattern of `value` (default "x").
function euclid(k, n, rotate, value)
  local steps = bjorklund(k, n)
  local items = {}
  local r = rotate or 0
  for i = 1, n do
    items[i] = steps[((i - 1 + r) % n) + 1] and (value or "x") or false
  end
  return seq(items)
end

--- bjorklund(k, n): the Euclidean rhythm as a list of booleans, e.g. (3, 8) -> x..x..x. (Tidal's algorithm).
function bjorklund(k, n)
  if n <= 0 or k < 0 or k > n then __fail("euclid: need 0 <= k <= n and n >= 1") end
  local x, y = {}, {}
  for i = 1, k do x[i] = { true } end
  for i = 1, n - k do y[i] = { false } end
  local i, j = k, n - k
  local function join(p, q) local g = {} for _, v in ipairs(p) do g[#g + 1] = v end for _, v in ipairs(q) do g[#g + 1] = v end return g end
  while math.min(i, j) > 1 do
    local nx, ny = {}, {}
    if i > j then
      for m = 1, j do nx[m] = join(x[m], y[m]) end
      for m = j + 1, #x do ny[#ny + 1] = x[m] end
      i, j = j, i - j
    else
      for m = 1, i do nx[m] = join(x[m], y[m]) end
      for m = i + 1, #y do ny[#ny + 1] = y[m] end
      j = j - i
    end
    x, y = nx, ny
  end
  local out = {}
  for _, g in ipairs(x) do for _, v in ipairs(g) do out[#out + 1] = v end end
  for _, g in ipairs(y) do for _, v in ipairs(g) do out[#out + 1] = v end end
  return out
end

-- Mini-notation: "bd ~ sn ~", "c3 [e3 g3]", "<c3 eb3> g3", "hh*4". Words are values: numbers stay numbers,
-- note names (c3, eb4, f#2) become MIDI numbers, other words stay strings; "~" or "." is a rest.
local function parse(text)
  local pos = 1
  local function skip() pos = text:find("[^%s]", pos) or (#text + 1) end
  local function value(word)
    local n = tonumber(word)
    if n then return n end
    if word:match("^[a-gA-G][#sb]?%-?%d+$") then return note(word) end
    return word
  end
  local sequence
  local function step()
    skip()
    local c = text:sub(pos, pos)
    local p
    if c == "[" then
      pos = pos + 1
      p = seq(sequence("]"))
    elseif c == "<" then
      pos = pos + 1
      p = cat(sequence(">"))
    else
      local word = text:match("^[^%s%[%]<>%*]+", pos)
      if not word then error(string.format("pat: unexpected '%s' at position %d of \"%s\"", c, pos, text), 0) end
      pos = pos + #word
      p = (word == "~" or word == ".") and silence or pure(value(word))
    end
    if text:sub(pos, pos) == "*" then
      local k = text:match("^%*([%d%.]+)", pos)
      if not k then error(string.format("pat: '*' wants a number at position %d of \"%s\"", pos, text), 0) end
      pos = pos + 1 + #k
      p = fast(p, tonumber(k))
    end
    return p
  end
  sequence = function(close)
    local items = {}
    while true do
      skip()
      local c = text:sub(pos, pos)
      if c == "" then
        if close then error(string.format("pat: missing '%s' in \"%s\"", close, text), 0) end
        return items
      end
      if c == close then pos = pos + 1; return items end
      if c == "]" or c == ">" then error(string.format("pat: unexpected '%s' at position %d of \"%s\"", c, pos, text), 0) end
      items[#items + 1] = step()
    end
  end
  return seq(sequence(nil))
end

--- pat("bd ~ sn ~"): a pattern from mini-notation.
function pat(text)
  if is_pattern(text) then return text end
  if type(text) == "table" then return seq(text) end
  local ok, p = pcall(parse, tostring(text))
  if not ok then __fail(p) end
  return p
end

--- p:query(c): the events of cycle c, start and dur as fractions of the cycle, in time order.
function Pattern:query(c)
  local list = {}
  for _, e in ipairs(self.span(c, c + 1)) do
    list[#list + 1] = { start = e.start - c, dur = e.dur, value = e.value }
  end
  table.sort(list, function(x, y) return x.start < y.start end)
  return list
end

--- p:values(c): the values of cycle c in time order (rests left out).
function Pattern:values(c)
  local list = {}
  for i, e in ipairs(self:query(c or 0)) do list[i] = e.value end
  return list
end

function Pattern:fast(k) return fast(self, k) end
function Pattern:slow(k) return slow(self, k) end
function Pattern:rev() return rev(self) end
function Pattern:shift(t) return shift(self, t) end
function Pattern:nth(n, f) return nth(self, n, f) end

local function emit(target, value, len)
  if type(target) == "function" then return target(value, len) end
  if type(target) == "table" and getmetatable(target) == nil then
    local voice = target[value]
    if voice then play(voice, nil, len) end
    return
  end
  if type(value) == "number" then play(target, value, len) else play(target, nil, len) end
end

--- track(name, pattern, target [, {cycle = beats, legato = 0.5}]): plays a pattern, one cycle every `cycle`
--- beats (a bar by default). target: a voice or node (numbers are notes, other values hits), a table from
--- values to voices ({bd = "kick", sn = "snare"}), or a function(value, len) whose events land on the step.
function track(name, p, target, o)
  o = o or {}
  p = pat(p)
  local cycle = o.cycle or BAR
  local legato = o.legato or 0.5
  loop(name, cycle, function(i)
    for _, e in ipairs(p:query(i)) do
      __with_offset(e.start * cycle, emit, target, e.value, e.dur * cycle * legato)
    end
  end)
  return name
end
