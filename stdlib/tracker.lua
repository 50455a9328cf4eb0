-- stdlib/tracker.lua: tracker patterns (tracks x rows at a number of lines per beat), an order list to play them,
-- and mini-notation rendered into rows. Rows are played by a loop on the row grid, so every note, delay and effect
-- lands on the exact sample of its musical time (docs/tracker.md).

TRACKER = { patterns = {}, order = nil, ticks = 12 }

local floor, format, concat = math.floor, string.format, table.concat

local NOTE_NAMES = { "C-", "C#", "D-", "D#", "E-", "F-", "F#", "G-", "G#", "A-", "A#", "B-" }
local NOTE_LETTERS = { c = 0, d = 2, e = 4, f = 5, g = 7, a = 9, b = 11 }

local function hex(text, what, max)
  local v = tonumber(text, 16)
  if v == nil or v > max then __fail(format("tracker: %s '%s' must be hex 00..%02X", what, text, max)) end
  return v
end

-- "C-4", "C#4", "c4", "eb3", "60": a MIDI note; "OFF" or "==": a note-off; "x": a hit without pitch.
local function read_note(token)
  local upper = token:upper()
  if upper == "OFF" or token == "==" then return "off" end
  if upper == "X" then return "hit" end
  local letter, sign, octave = upper:match("^([A-G])([-#])(%d)$")
  if letter then
    return NOTE_LETTERS[letter:lower()] + (sign == "#" and 1 or 0) + (tonumber(octave) + 1) * 12
  end
  if tonumber(token) then return tonumber(token) end
  return nil
end

-- As read_note, and note names as mini-notation writes them ("c4", "eb3").
local function read_note_word(token)
  local n = read_note(token)
  if n ~= nil then return n end
  local ok, m = pcall(note, token)
  if ok then return m end
  return nil
end

--- tracker_note_name(60) -> "C-4"
function tracker_note_name(n)
  if n == "off" then return "OFF" end
  if n == "hit" then return "x  " end
  n = floor(n + 0.5)
  return NOTE_NAMES[n % 12 + 1] .. tostring(n // 12 - 1)
end

-- One cell from its text: "C-4 v40 p20 d80 i01 r3 c6 a37 s08 lpf.cutoff=800" (any part may be left out).
local function read_cell(text)
  local cell = { fx = {} }
  local empty = true
  for token in text:gmatch("%S+") do
    local first, rest = token:sub(1, 1), token:sub(2)
    local node, param, value = token:match("^([%w_%.]+)%.([%a_][%w_]*)=(%-?[%d%.]+)$")
    if node then
      cell.fx[#cell.fx + 1] = { kind = "auto", node = node, param = param, value = tonumber(value) }
      empty = false
    elseif token:match("^[-%.]+$") then
      -- "---", "...", ".": nothing in the note column
    elseif cell.note == nil and empty and read_note(token) ~= nil then
      cell.note = read_note(token)
      empty = false
    elseif first == "v" and rest:match("^%x%x$") then
      cell.vol = hex(rest, "volume", 0x80) / 0x80
      empty = false
    elseif first == "p" and rest:match("^%x%x$") then
      cell.pan = (hex(rest, "pan", 0x80) - 0x40) / 0x40
      empty = false
    elseif first == "d" and rest:match("^%x%x$") then
      cell.delay = hex(rest, "delay", 0xFF) / 256
      empty = false
    elseif first == "i" and rest:match("^%x%x$") then
      cell.inst = hex(rest, "instrument", 0xFF)
      empty = false
    elseif first == "r" and rest:match("^%x$") then
      cell.fx[#cell.fx + 1] = { kind = "retrig", ticks = hex(rest, "retrigger", 0xF) }
      empty = false
    elseif first == "c" and rest:match("^%x$") then
      cell.fx[#cell.fx + 1] = { kind = "cut", ticks = hex(rest, "cut", 0xF) }
      empty = false
    elseif first == "a" and rest:match("^%x%x$") then
      cell.fx[#cell.fx + 1] = { kind = "arp", x = tonumber(rest:sub(1, 1), 16), y = tonumber(rest:sub(2, 2), 16) }
      empty = false
    elseif first == "s" and rest:match("^%x%x$") then
      cell.fx[#cell.fx + 1] = { kind = "slide", ticks = hex(rest, "slide", 0xFF) }
      empty = false
    else
      __fail(format("tracker: '%s' is not a note (C-4, c#3, OFF, x), a column (vXX pXX dXX iXX) or an effect "
        .. "(rX cX aXY sXX node.param=value)", token))
    end
  end
  if empty then return nil end
  return cell
end

local function hex2(v) return format("%02X", floor(v + 0.5)) end

-- A cell as text, the inverse of read_cell (columns rounded to their hex steps; a delay from mini-notation keeps
-- its exact value in the model and shows rounded).
local function cell_text(cell)
  if cell == nil then return "---" end
  local parts = { cell.note and tracker_note_name(cell.note) or "---" }
  if cell.inst then parts[#parts + 1] = "i" .. hex2(cell.inst) end
  if cell.vol then parts[#parts + 1] = "v" .. hex2(cell.vol * 0x80) end
  if cell.pan then parts[#parts + 1] = "p" .. hex2(cell.pan * 0x40 + 0x40) end
  if cell.delay and cell.delay ~= 0 then parts[#parts + 1] = "d" .. hex2(cell.delay * 256) end
  for _, fx in ipairs(cell.fx or {}) do
    if fx.kind == "retrig" then parts[#parts + 1] = format("r%X", fx.ticks)
    elseif fx.kind == "cut" then parts[#parts + 1] = format("c%X", fx.ticks)
    elseif fx.kind == "arp" then parts[#parts + 1] = format("a%X%X", fx.x, fx.y)
    elseif fx.kind == "slide" then parts[#parts + 1] = format("s%02X", fx.ticks)
    elseif fx.kind == "auto" then parts[#parts + 1] = format("%s.%s=%s", fx.node, fx.param, tostring(fx.value)) end
  end
  return concat(parts, " ")
end

local function read_cell_value(v)
  if v == nil or v == false then return nil end
  if type(v) == "string" then return read_cell(v) end
  if type(v) == "number" then return { note = v, fx = {} } end
  if type(v) == "table" then
    local cell = { fx = v.fx or {}, vol = v.vol, pan = v.pan, delay = v.delay, inst = v.inst, len = v.len }
    if v.note ~= nil then cell.note = type(v.note) == "string" and read_note_word(v.note) or v.note end
    return cell
  end
  __fail("tracker: a cell is text like 'C-4 v40', a MIDI number or a table {note =, vol =, ...}, not " .. type(v))
end

-- Note lengths: a note lasts until the next note, hit or OFF in its track (or the pattern's end), unless it says
-- otherwise (len, or a cut effect).
local function compute_lengths(p)
  for t = 1, #p.tracks do
    for r = 0, p.rows - 1 do
      local cell = p.cells[r][t]
      if cell and cell.note then
        local d0 = cell.delay or 0
        local next_row, d1 = p.rows, 0
        for q = r + 1, p.rows - 1 do
          local c = p.cells[q][t]
          if c and c.note then next_row, d1 = q, c.delay or 0 break end
        end
        cell.auto_len = (next_row - r + d1 - d0) / p.lpb
      end
    end
  end
end

local function new_pattern(name, o)
  local p = {
    name = name, lpb = o.lpb or 4, ticks = o.ticks or TRACKER.ticks, tracks = {}, cells = {},
    instruments = o.instruments or {},
  }
  if type(p.lpb) ~= "number" or p.lpb < 1 or p.lpb ~= floor(p.lpb) then __fail("tracker: lpb (lines per beat) is a whole number from 1") end
  for i, t in ipairs(o.tracks or {}) do
    if type(t) == "string" then t = { target = t } end
    p.tracks[i] = { target = t.target or t[1], pan = t.pan, name = t.name or t.target or t[1] }
  end
  return p
end

local function set_rows(p, rows)
  p.rows = rows
  for r = 0, rows - 1 do p.cells[r] = p.cells[r] or {} end
end

--- tracker(name, {lpb = 4, rows = 16, tracks = {"kick", "lead"}, text = [[...]] or rows = {...}}): defines (or
--- replaces) a pattern. `text`: one line per row, cells separated by '|'. A table: rows = n and cells = {[row] =
--- {[track] = cell}} (rows from 0). Gives the pattern.
function tracker(name, o)
  if type(name) ~= "string" then __fail("tracker: the first argument is the pattern's name") end
  o = o or {}
  local p = new_pattern(name, o)
  local lines = {}
  if o.text then
    for line in (o.text .. "\n"):gmatch("([^\n]*)\n") do
      if line:match("%S") then lines[#lines + 1] = line end
    end
  end
  set_rows(p, o.rows or (#lines > 0 and #lines) or 16)
  for r, line in ipairs(lines) do
    if r > p.rows then break end
    local t = 0
    for part in (line .. "|"):gmatch("([^|]*)|") do
      t = t + 1
      if p.tracks[t] == nil then __fail(format("tracker '%s': row %d has a cell for track %d, but the pattern has %d tracks", name, r - 1, t, #p.tracks)) end
      p.cells[r - 1][t] = read_cell(part)
    end
  end
  for r, row in pairs(o.cells or {}) do
    for t, v in pairs(row) do p.cells[r][t] = read_cell_value(v) end
  end
  compute_lengths(p)
  TRACKER.patterns[name] = p
  return p
end

local function get(name)
  local p = TRACKER.patterns[name]
  if p == nil then __fail(format("tracker: no pattern '%s'", tostring(name))) end
  return p
end

--- tracker_set(name, row, track, cell): changes one cell (rows from 0, tracks from 1); what a view's edit runs.
function tracker_set(name, row, track, cell)
  local p = get(name)
  if type(row) ~= "number" or row < 0 or row >= p.rows or row ~= floor(row) then __fail(format("tracker '%s': row %s is not 0..%d", name, tostring(row), p.rows - 1)) end
  if p.tracks[track] == nil then __fail(format("tracker '%s': track %s is not 1..%d", name, tostring(track), #p.tracks)) end
  p.cells[row][track] = read_cell_value(cell)
  compute_lengths(p)
end

--- tracker_text(name): the pattern as its text block (one line per row, cells separated by '|').
function tracker_text(name)
  local p = get(name)
  local lines = {}
  for r = 0, p.rows - 1 do
    local cells = {}
    for t = 1, #p.tracks do cells[t] = cell_text(p.cells[r][t]) end
    lines[#lines + 1] = concat(cells, " | ")
  end
  return concat(lines, "\n")
end

--- tracker_mini(name, text, {rows = 16, lpb = 4, cycles = 1, target = voice, map = {bd = "kick"}, legato = 1}): renders a
--- mini-notation pattern into tracker rows, `cycles` cycles over `rows` rows. Notes (numbers, note names) go to
--- `target`; other words are hits on map[word] (or on the voice of that name). An event between rows gets the exact
--- delay; chords and overlaps take more tracks.
function tracker_mini(name, text, o)
  o = o or {}
  local rows, cycles = o.rows or 16, o.cycles or 1
  local events, err = __mini(text, cycles)
  if events == nil then __fail(err) end
  local p = new_pattern(name, { lpb = o.lpb, ticks = o.ticks })
  set_rows(p, rows)
  local map = o.map or {}
  for _, e in ipairs(events) do
    local bn, bd, en, ed, value = e[1], e[2], e[3], e[4], e[5]
    local n = (type(value) == "number" and value) or (type(value) == "string" and read_note_word(value)) or nil
    if n == "off" or n == "hit" then n = nil end
    local target = map[value] or (n and o.target) or value
    if type(target) ~= "string" then __fail(format("tracker_mini: no target for '%s' (give target = voice, or map = {%s = voice})", tostring(value), tostring(value))) end
    local num, den = bn * rows, bd * cycles
    local row = num // den
    local cell = { note = n or "hit", fx = {}, len = (en / ed - bn / bd) * rows / cycles / p.lpb * (o.legato or 1) }
    if num % den ~= 0 then cell.delay = (num - row * den) / den end
    local t = nil
    for i, track in ipairs(p.tracks) do
      if track.target == target and p.cells[row][i] == nil then t = i break end
    end
    if t == nil then
      t = #p.tracks + 1
      p.tracks[t] = { target = target, name = target }
    end
    p.cells[row][t] = cell
  end
  compute_lengths(p)
  TRACKER.patterns[name] = p
  return p
end

local function pitch_node(target)
  if voices[target] then return target .. ".osc" end
  return target
end

local function play_cell(p, track, cell, previous)
  local row_beats = 1 / p.lpb
  local tick = row_beats / p.ticks
  local dt = (cell.delay or 0) * row_beats
  local target = (cell.inst and p.instruments[cell.inst + 1]) or track.target
  for _, fx in ipairs(cell.fx) do
    if fx.kind == "auto" then set(fx.node, fx.param, fx.value, dt) end
  end
  if cell.vol then set(target, "level", cell.vol, dt) end
  if cell.pan then set(track.pan or (target .. ".pan"), "pan", cell.pan, dt) end
  if cell.note == nil or cell.note == "off" then return end
  local note_value = cell.note ~= "hit" and cell.note or nil
  local len = cell.len or cell.auto_len
  local slide, retrig, arp
  for _, fx in ipairs(cell.fx) do
    if fx.kind == "cut" then len = fx.ticks * tick
    elseif fx.kind == "slide" then slide = fx
    elseif fx.kind == "retrig" then retrig = fx
    elseif fx.kind == "arp" then arp = fx end
  end
  if len <= 0 then len = tick end
  if slide and note_value and previous then
    -- Portamento: the pitch glides from the previous note to this one over the slide's ticks; no new attack.
    local steps = math.max(slide.ticks, 1)
    for k = 1, steps do
      local n = previous + (note_value - previous) * k / steps
      set(pitch_node(target), "freq", mtof(n), dt + (k - 1) * tick)
    end
    return
  end
  if retrig and retrig.ticks > 0 then
    local every_ticks = retrig.ticks
    local k = 0
    while k * every_ticks < p.ticks do
      play(target, note_value, math.min(len, every_ticks * tick), dt + k * every_ticks * tick)
      k = k + 1
    end
  else
    play(target, note_value, len, dt)
  end
  if arp and note_value then
    local offsets = { 0, arp.x, arp.y }
    for k = 1, p.ticks - 1 do
      set(pitch_node(target), "freq", mtof(note_value + offsets[k % 3 + 1]), dt + k * tick)
    end
    set(pitch_node(target), "freq", mtof(note_value), dt + row_beats)
  end
end

local last_note = {}

local function play_row(p, row)
  for t, track in ipairs(p.tracks) do
    local cell = p.cells[row][t]
    if cell then
      play_cell(p, track, cell, last_note[track.target])
      if type(cell.note) == "number" then last_note[track.target] = cell.note end
    end
  end
end

--- tracker_play(order [, {name = "tracker"}]): plays a pattern, or an order list of patterns, in a loop on the row
--- grid (row k of the song at beat k / lpb, from beat 0). Every pattern in the list has the same lpb.
function tracker_play(order, o)
  o = o or {}
  local list = type(order) == "table" and order or { order }
  if #list == 0 then __fail("tracker_play: the order list is empty") end
  local lpb = get(list[1]).lpb
  local total = 0
  for _, name in ipairs(list) do
    local p = get(name)
    if p.lpb ~= lpb then __fail(format("tracker_play: '%s' has %d lines per beat, '%s' %d: an order list keeps one", name, p.lpb, list[1], lpb)) end
    total = total + p.rows
  end
  TRACKER.order = { list = list, lpb = lpb, total = total, name = o.name or "tracker" }
  loop(TRACKER.order.name, 1 / lpb, function(i)
    local song_row = i % total
    for _, name in ipairs(list) do
      local p = TRACKER.patterns[name]
      if song_row < p.rows then
        play_row(p, song_row)
        return
      end
      song_row = song_row - p.rows
    end
  end)
  return TRACKER.order.name
end

--- tracker_stop(): stops the order list.
function tracker_stop()
  if TRACKER.order then stop(TRACKER.order.name) TRACKER.order = nil end
end

--- tracker_position([beat]): the pattern and row playing at a beat (default now), or nil when nothing plays.
function tracker_position(beat)
  local o = TRACKER.order
  if o == nil then return nil end
  beat = beat or now()
  local song_row = floor(beat * o.lpb + 1e-9) % o.total
  for _, name in ipairs(o.list) do
    local p = TRACKER.patterns[name]
    if p and song_row < p.rows then return name, song_row end
    song_row = song_row - (p and p.rows or 0)
  end
  return nil
end

--- tracker_list(): the names of the patterns, sorted, separated by spaces.
function tracker_list()
  local names = {}
  for name in pairs(TRACKER.patterns) do names[#names + 1] = name end
  table.sort(names)
  return concat(names, " ")
end

--- tracker_view(name): what the REPL's :tracker view draws: "lpb rows offset total beat" (offset: the pattern's
--- first row in the order list playing, -1 when it is not in it), the track names separated by '|', then
--- tracker_text(name).
function tracker_view(name)
  local p = get(name)
  local offset, total = -1, 0
  if TRACKER.order then
    for _, n in ipairs(TRACKER.order.list) do
      if n == name and offset < 0 then offset = total end
      total = total + TRACKER.patterns[n].rows
    end
  end
  local names = {}
  for i, t in ipairs(p.tracks) do names[i] = t.name end
  local beat = now()
  return format("%d %d %d %d %.9f\n", p.lpb, p.rows, offset, total, beat) .. concat(names, "|") .. "\n" .. tracker_text(name)
end
