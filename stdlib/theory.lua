-- stdlib/theory.lua: scales, chords and degrees as MIDI note numbers (note() and mtof() are in the prelude).

SCALES = {
  major = { 0, 2, 4, 5, 7, 9, 11 },
  minor = { 0, 2, 3, 5, 7, 8, 10 },
  dorian = { 0, 2, 3, 5, 7, 9, 10 },
  phrygian = { 0, 1, 3, 5, 7, 8, 10 },
  lydian = { 0, 2, 4, 6, 7, 9, 11 },
  mixolydian = { 0, 2, 4, 5, 7, 9, 10 },
  harmonic = { 0, 2, 3, 5, 7, 8, 11 },
  minpent = { 0, 3, 5, 7, 10 },
  majpent = { 0, 2, 4, 7, 9 },
  blues = { 0, 3, 5, 6, 7, 10 },
  chromatic = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 },
}

CHORDS = {
  maj = { 0, 4, 7 }, min = { 0, 3, 7 }, dim = { 0, 3, 6 }, aug = { 0, 4, 8 },
  sus2 = { 0, 2, 7 }, sus4 = { 0, 5, 7 },
  ["7"] = { 0, 4, 7, 10 }, maj7 = { 0, 4, 7, 11 }, min7 = { 0, 3, 7, 10 },
  min9 = { 0, 3, 7, 10, 14 }, add9 = { 0, 4, 7, 14 },
}

local function intervals(table_of, kind, name)
  local t = table_of[name or ""]
  if t == nil then
    local names = {}
    for k in pairs(table_of) do names[#names + 1] = k end
    table.sort(names)
    __fail(string.format("%s: unknown %s '%s' (known: %s)", kind, kind, tostring(name), table.concat(names, ", ")))
  end
  return t
end

--- scale(root, name [, octaves]): the notes of a scale from root upwards, e.g. scale("a2", "minpent", 2).
function scale(root, name, octaves)
  local r = note(root)
  local steps = intervals(SCALES, "scale", name or "major")
  local list = {}
  for o = 0, (octaves or 1) - 1 do
    for _, s in ipairs(steps) do list[#list + 1] = r + 12 * o + s end
  end
  return list
end

--- chord(root, name): the notes of a chord, e.g. chord("c3", "min7") -> {48, 51, 55, 58}.
function chord(root, name)
  local r = note(root)
  local list = {}
  for i, s in ipairs(intervals(CHORDS, "chord", name or "maj")) do list[i] = r + s end
  return list
end

--- degree(notes, i): the i-th note of a scale list (1-based), wrapping into higher or lower octaves.
function degree(notes, i)
  local n = #notes
  local k = (i - 1) % n
  return notes[k + 1] + 12 * ((i - 1 - k) // n)
end
