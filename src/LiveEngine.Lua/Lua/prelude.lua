-- LiveEngine Lua prelude: the sandbox and the graph/time DSL (docs/lua.md documents every function).
-- Runs once per state, before the stdlib. Engine calls come from __native (nil, message on failure).

local N = __native
__native = nil
local T = __types
local OUTPUT_CHANNELS = __output_channels
local BEATS_PER_BAR = __beats_per_bar
local SEED = __seed

local type, pairs, ipairs, tostring, tonumber, error, select, setmetatable, getmetatable, rawget, rawset =
  type, pairs, ipairs, tostring, tonumber, error, select, setmetatable, getmetatable, rawget, rawset
local floor, abs, huge = math.floor, math.abs, math.huge
local concat, sort, insert = table.concat, table.sort, table.insert
local format = string.format

---------------------------------------------------------------------------------------------------
-- Errors name the user's line: the first caller outside the prelude and the stdlib (tail calls make
-- fixed error levels unreliable). error(msg, 0) keeps its meaning (no position).
local getinfo = debug.getinfo
local raw_error = error
local function user_level()
  local fallback = 0
  for level = 3, 60 do
    local info = getinfo(level, "S")
    if not info then break end
    local src = info.short_src
    if info.what ~= "C" and src ~= "prelude.lua" then
      if src:sub(1, 7) ~= "stdlib/" then return level - 1 end
      if fallback == 0 then fallback = level - 1 end
    end
  end
  return fallback
end
error = function(msg, level)
  if level == 0 then raw_error(msg, 0) end
  raw_error(msg, user_level())
end
--- For the stdlib: raises msg at the user's line.
__fail = function(msg) raw_error(msg, user_level()) end

-- "chunk:line:" of the user's code that is calling into the DSL, kept with what it builds for errors found later
-- (a cycle, at the commit), or nil.
local function user_where()
  for level = 3, 60 do
    local info = getinfo(level, "Sl")
    if not info then break end
    local src = info.short_src
    if info.what ~= "C" and src ~= "prelude.lua" and src:sub(1, 7) ~= "stdlib/" and info.currentline > 0 then
      return src .. ":" .. info.currentline .. ":"
    end
  end
  return nil
end

---------------------------------------------------------------------------------------------------
-- Sandbox: no os, io, debug, package, require, no files, no bytecode, no coroutines (the engine's own).
os, io, debug, package, require, dofile, loadfile, coroutine = nil, nil, nil, nil, nil, nil, nil, nil
string.dump = nil
local raw_load = load
load = function(chunk, name, _, env)
  if type(chunk) ~= "string" then error("load: only source text can be loaded here", 2) end
  return raw_load(chunk, name or "=load", "t", env)
end
local raw_setmetatable = setmetatable
_G.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("setmetatable: __gc finalizers are not available in the sandbox", 2)
  end
  return raw_setmetatable(t, mt)
end
local raw_collect = collectgarbage
collectgarbage = function(opt, ...)
  if opt == nil or opt == "collect" or opt == "count" or opt == "step" then return raw_collect(opt, ...) end
  error("collectgarbage: only 'collect', 'count' and 'step' are available", 2)
end

-- table.sort in Lua: the C one calls its comparator across a C boundary, where an endless loop could not be
-- stopped (a hook cannot yield there). A merge sort; stable, which the C one is not.
table.sort = function(t, less)
  less = less or function(a, b) return a < b end
  local n = #t
  if n < 2 then return end
  local src, dst = {}, {}
  for i = 1, n do src[i] = t[i] end
  local width = 1
  while width < n do
    local i = 1
    while i <= n do
      local mid, hi = math.min(i + width, n + 1), math.min(i + 2 * width, n + 1)
      local a, b, k = i, mid, i
      while a < mid and b < hi do
        if less(src[b], src[a]) then dst[k] = src[b]; b = b + 1 else dst[k] = src[a]; a = a + 1 end
        k = k + 1
      end
      while a < mid do dst[k] = src[a]; a = a + 1; k = k + 1 end
      while b < hi do dst[k] = src[b]; b = b + 1; k = k + 1 end
      i = i + 2 * width
    end
    src, dst = dst, src
    width = width * 2
  end
  for i = 1, n do t[i] = src[i] end
end

print = function(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  N.output(concat(parts, "\t"))
end

-- Seeded randomness: math.random is the session's generator (same seed, same piece: same notes).
math.randomseed(SEED[1], SEED[2])

---------------------------------------------------------------------------------------------------
-- Rationals: musical times are exact. A number is read as the nearest fraction with a denominator up to
-- 10^6 (so 1/3, 0.25 and 3/16 are exact); a string "a/b" is read as written.

local function rat(x, what)
  if x == nil then return 0, 1 end
  if type(x) == "string" then
    local a, b = x:match("^%s*(-?%d+)%s*/%s*(%d+)%s*$")
    if a then
      if tonumber(b) == 0 then error((what or "time") .. ": zero denominator in '" .. x .. "'", 3) end
      return tonumber(a), tonumber(b)
    end
    local v = tonumber(x)
    if v == nil then error((what or "time") .. ": '" .. x .. "' is not a number or a fraction like '3/8'", 3) end
    x = v
  end
  if type(x) ~= "number" or x ~= x or abs(x) == huge then
    error((what or "time") .. ": expected a number of beats, got " .. tostring(x), 3)
  end
  if math.type(x) == "integer" then return x, 1 end
  if x == floor(x) then return floor(x), 1 end
  -- continued fraction
  local sign = x < 0 and -1 or 1
  local v = abs(x)
  local h0, h1, k0, k1 = 0, 1, 1, 0
  local r = v
  for _ = 1, 40 do
    local a = floor(r)
    local h2, k2 = a * h1 + h0, a * k1 + k0
    if k2 > 1000000 then break end
    h0, h1, k0, k1 = h1, h2, k1, k2
    if abs(h1 / k1 - v) < 1e-12 then break end
    local f = r - a
    if f < 1e-15 then break end
    r = 1 / f
  end
  return sign * floor(h1), floor(k1)
end
__rat = rat

---------------------------------------------------------------------------------------------------
-- Node types, parameters and their short names.

local ALIASES = {}   -- type -> { short or real name -> real name }
local PARAMS = {}    -- type -> { real name -> {min, max, default, unit} }
local FIRST = {}     -- type -> first parameter (what a positional value sets)
local EXTRA = { amp = "level", vol = "level", res = "q", width = "pulseWidth", pw = "pulseWidth",
                fb = "feedback", wet = "mix", time = "delayMs" }
for name, t in pairs(T) do
  local a, p = {}, {}
  for i, d in ipairs(t.params) do
    local real = d[1]
    p[real] = d
    a[real] = real
    local short = real:gsub("Hz$", ""):gsub("Ms$", ""):gsub("Sec$", ""):gsub("Db$", "")
    if short ~= real and short ~= "" then a[short] = real end
    if i == 1 then FIRST[name] = real end
  end
  for short, real in pairs(EXTRA) do
    if p[real] and a[short] == nil then a[short] = real end
  end
  ALIASES[name], PARAMS[name] = a, p
end

local function distance(a, b)
  a, b = a:lower(), b:lower()
  local row = {}
  for j = 0, #b do row[j] = j end
  for i = 1, #a do
    local diag = row[0]
    row[0] = i
    for j = 1, #b do
      local above = row[j]
      row[j] = math.min(row[j] + 1, row[j - 1] + 1, diag + (a:sub(i, i) == b:sub(j, j) and 0 or 1))
      diag = above
    end
  end
  return row[#b]
end

local function suggest(name, candidates)
  local best, bestd = nil, huge
  for _, c in ipairs(candidates) do
    local d = distance(name, c)
    if d < bestd then best, bestd = c, d end
  end
  if best and bestd <= math.max(2, #name // 3) then return best end
end

local function param_names(typ)
  local list = {}
  for _, d in ipairs(T[typ].params) do list[#list + 1] = d[1] end
  return list
end

--- The real name of parameter `name` of node type `typ` (short names allowed), or an error naming the choices.
local function resolve(typ, name, level)
  local real = ALIASES[typ] and ALIASES[typ][name]
  if real then return real end
  local names = param_names(typ)
  local short = {}
  for k in pairs(ALIASES[typ] or {}) do short[#short + 1] = k end
  sort(short)
  local guess = suggest(tostring(name), short)
  guess = guess and ALIASES[typ][guess]
  error(format("'%s' has no parameter '%s'.%s (its parameters: %s)", typ, tostring(name),
    guess and (" Did you mean '" .. guess .. "'?") or "", #names > 0 and concat(names, ", ") or "none"), (level or 2) + 1)
end

---------------------------------------------------------------------------------------------------
-- The draft graph: what the code builds until it commits. Anonymous nodes are named after their type and
-- their place (saw1, saw2, lpf1): re-running the same code gives the same ids, so the nodes keep their state.

local Node, Port = {}, {}
local connect
local draft
local live = { types = {} }   -- id -> type of the graph committed last (what set/play may address)

local function reset_draft()
  draft = { nodes = {}, order = {}, edges = {}, edge_keys = {}, counters = {}, dirty = false }
end
reset_draft()

local function is_node(x) return getmetatable(x) == Node end
local function is_port(x) return getmetatable(x) == Port end

local function ensure(node)
  local id = rawget(node, "_id")
  local existing = draft.nodes[id]
  if existing == nil then
    draft.nodes[id] = node
    draft.order[#draft.order + 1] = id
    draft.dirty = true
  elseif existing ~= node then
    if rawget(existing, "_type") ~= rawget(node, "_type") then
      error(format("node id '%s' is already a '%s' in this graph; pick another name", id, rawget(existing, "_type")), 4)
    end
    for k, v in pairs(rawget(node, "_p")) do rawget(existing, "_p")[k] = v end
    for k, v in pairs(rawget(node, "_o")) do rawget(existing, "_o")[k] = v end
    return existing
  end
  return node
end

-- A NaN or infinite parameter value is refused where it is written, naming the node, the parameter and (through
-- error) the user's line: the graph's validator would see it only at the commit, where there is no line.
local function check_finite(node, real, v, level)
  if v == v and v ~= math.huge and v ~= -math.huge then return end
  local range = ""
  for _, d in ipairs(T[rawget(node, "_type")].params) do
    if d[1] == real then range = format(": it takes a number in %g..%g%s", d[2], d[3], d[5] ~= "" and " " .. d[5] or "") end
  end
  local what = v ~= v and "NaN (not a number, e.g. 0/0)" or (v > 0 and "infinity" or "-infinity") .. " (e.g. a division by zero)"
  error(format("Parameter '%s.%s' = %s%s.", rawget(node, "_id"), real, what, range), level + 1)
end

local function apply(node, params, level)
  local typ = rawget(node, "_type")
  local p = rawget(node, "_p")
  for k, v in pairs(params) do
    if k == 1 then
      local first = FIRST[typ]
      if not first then error(format("'%s' has no parameters", typ), level + 1) end
      k = first
    end
    if k == "channels" then
      rawset(node, "_ch", v)
    elseif k ~= "id" and k ~= "name" then
      if type(k) ~= "string" then error("parameter names are strings", level + 1) end
      if type(v) == "string" then
        -- a string is a node option (e.g. a sampler's sample = "kick"), not a parameter
        rawget(node, "_o")[k] = v
      else
        local real = resolve(typ, k, level + 1)
        if type(v) ~= "number" then error(format("parameter '%s' wants a number, got %s", real, type(v)), level + 1) end
        check_finite(node, real, v, level + 1)
        p[real] = v
      end
    end
  end
  draft.dirty = true
  return node
end

local function new_node(typ, id, params, level)
  if id == nil then
    local n = (draft.counters[typ] or 0) + 1
    draft.counters[typ] = n
    id = typ .. n
  elseif type(id) ~= "string" or id == "" then
    error("a node's name must be a non-empty string", level + 1)
  end
  local node = ensure(setmetatable({ _id = id, _type = typ, _p = {}, _o = {} }, Node))
  if params then apply(node, params, level + 1) end
  return node
end

--- Makes (or finds) a node: node("bass", "saw", {freq = 55}); node("saw", {freq = 55}) is anonymous.
function node(a, b, c)
  if T[b] then return new_node(b, a, c, 2) end
  if T[a] then return new_node(a, nil, b, 2) end
  error(format("node: unknown type '%s'", tostring(T[b] == nil and b or a)), 2)
end

-- One constructor per node type: saw{55}, saw{freq = 55}, saw "bass" {freq = 55}, saw("bass", {freq = 55}), saw "bass".
for typ in pairs(T) do
  if typ ~= "out" and typ ~= "xfade" then
    _G[typ] = function(arg, params, ...)
      -- A second argument is the parameters of a named node; anything else would be dropped without a word.
      if select("#", ...) > 0 or (params ~= nil and (type(arg) ~= "string" or type(params) ~= "table")) then
        error(format("%s: give a name and parameters as %s \"name\" {...} or %s(\"name\", {...}), or parameters alone (%s{...})", typ, typ, typ, typ), 2)
      end
      if type(arg) == "string" then return new_node(typ, arg, params, 2) end
      if arg ~= nil and type(arg) ~= "table" then
        error(format("%s: give a name (%s \"name\") or parameters (%s{...})", typ, typ, typ), 2)
      end
      local id = arg and (arg.id or arg.name)
      return new_node(typ, id, arg, 2)
    end
  end
end

--- The graph's output (stereo unless the session has another channel count).
out = setmetatable({ _id = "out", _type = "out", _p = {}, _o = {}, _ch = OUTPUT_CHANNELS }, Node)

local function in_ports(typ)
  return T[typ].inputs
end

Node.__index = function(n, k)
  local typ = rawget(n, "_type")
  if k == "id" then return rawget(n, "_id") end
  if k == "type" then return typ end
  for _, port in ipairs(T[typ].inputs) do
    if port[1] == k then return setmetatable({ _node = n, _port = k }, Port) end
  end
  for _, port in ipairs(T[typ].outputs) do
    if port[1] == k then return setmetatable({ _node = n, _port = k }, Port) end
  end
  local real = ALIASES[typ][k]
  if real then
    local v = rawget(n, "_p")[real]
    if v == nil then v = PARAMS[typ][real][4] end
    return v
  end
  return nil
end

Node.__newindex = function(n, k, v)
  local typ = rawget(n, "_type")
  local real = resolve(typ, k, 2)
  if type(v) == "number" then check_finite(n, real, v, 2) end
  rawget(n, "_p")[real] = v
  local id = rawget(n, "_id")
  if live.types[id] == typ then
    local ok, err = N.set(id, real, v, 0, 1)
    if not ok then error(err, 2) end
  end
end

Node.__call = function(n, params)
  -- n(x) with a node, a port or a list of them connects x into n: out(saw{55} >> lpf{800}).
  if is_node(params) or is_port(params) or (type(params) == "table" and (is_node(params[1]) or is_port(params[1]))) then
    return connect(params, n)
  end
  if type(params) ~= "table" then error(format("%s: parameters go in a table: %s{...}", rawget(n, "_id"), rawget(n, "_id")), 2) end
  return apply(n, params, 2)
end

Node.__tostring = function(n)
  return format("%s(%s)", rawget(n, "_type"), rawget(n, "_id"))
end

Port.__tostring = function(p) return format("%s.%s", rawget(p._node, "_id"), p._port) end

local function sources(x, list)
  list = list or {}
  if is_node(x) then
    list[#list + 1] = { ensure(x), "out" }
  elseif is_port(x) then
    list[#list + 1] = { ensure(x._node), x._port }
  elseif type(x) == "table" then
    for _, v in ipairs(x) do sources(v, list) end
  else
    error(">>: expected a node, a port or a list of them on the left, got " .. tostring(x), 3)
  end
  return list
end

local function targets(x, list)
  list = list or {}
  if is_node(x) then
    local typ = rawget(x, "_type")
    local ins = in_ports(typ)
    if #ins == 0 then error(format(">>: '%s' (%s) has no inputs", rawget(x, "_id"), typ), 3) end
    list[#list + 1] = { ensure(x), ins[1][1] }
  elseif is_port(x) then
    list[#list + 1] = { ensure(x._node), x._port }
  elseif type(x) == "table" then
    for _, v in ipairs(x) do targets(v, list) end
  else
    error(">>: expected a node, a port or a list of them on the right, got " .. tostring(x), 3)
  end
  return list
end

connect = function(a, b)
  local where
  for _, s in ipairs(sources(a)) do
    for _, t in ipairs(targets(b)) do
      local key = rawget(s[1], "_id") .. "\0" .. s[2] .. "\0" .. rawget(t[1], "_id") .. "\0" .. t[2]
      if not draft.edge_keys[key] then
        draft.edge_keys[key] = true
        where = where or user_where()
        draft.edges[#draft.edges + 1] = { s[1], s[2], t[1], t[2], where }
        draft.dirty = true
      end
    end
  end
  return b
end

--- a >> b: connects a's output to b's input (or a port: env >> amp.cv); lists fan in and out. Returns b.
Node.__shr = connect
Port.__shr = connect

--- Connects its arguments in a chain: chain(a, b, c) is a >> b >> c.
function chain(...)
  local items = { ... }
  for i = 2, #items do connect(items[i - 1], items[i]) end
  return items[#items]
end

---------------------------------------------------------------------------------------------------
-- Emitting the draft: channel counts are inferred (a mono-by-default node fed stereo becomes stereo) and a
-- mono signal into a stereo input passes through an automatic pan node (id "<source>.pan", centred).

local function port_channels(typ, port, node_channels, outputs)
  for _, p in ipairs(outputs and T[typ].outputs or T[typ].inputs) do
    if p[1] == port then return p[2] == 0 and node_channels or p[2] end
  end
  return node_channels
end

local function port_is_per_node(typ, port)
  for _, p in ipairs(T[typ].inputs) do
    if p[1] == port then return p[2] == 0 end
  end
  return false
end

local function emit_graph()
  local ids = { "out" }
  local nodes = { out = out }
  for _, id in ipairs(draft.order) do
    if id ~= "out" then
      ids[#ids + 1] = id
      nodes[id] = draft.nodes[id]
    end
  end
  local ch = {}
  for _, id in ipairs(ids) do
    local n = nodes[id]
    ch[id] = rawget(n, "_ch") or T[rawget(n, "_type")].channels
  end
  -- widen mono-by-default nodes that are fed more channels (to a fixed point; channel counts only grow)
  for _ = 1, #ids + 1 do
    local changed = false
    for _, e in ipairs(draft.edges) do
      local from, fport, to, tport = rawget(e[1], "_id"), e[2], rawget(e[3], "_id"), e[4]
      local tn = nodes[to]
      local ttype = rawget(tn, "_type")
      if rawget(tn, "_ch") == nil and T[ttype].channels == 1 and port_is_per_node(ttype, tport) then
        local c = port_channels(rawget(nodes[from], "_type"), fport, ch[from], true)
        if c > ch[to] then ch[to] = c; changed = true end
      end
    end
    if not changed then break end
  end
  -- The graph goes to the engine as these tables, read by the commit native straight into a GraphDescription:
  -- nodes are { id, type, channels, parameters, options }, edges { from, fromPort, to, toPort }.
  local nodes_out, extra_nodes, edges, pans = {}, {}, {}, {}
  for _, e in ipairs(draft.edges) do
    local from, fport, to, tport = rawget(e[1], "_id"), e[2], rawget(e[3], "_id"), e[4]
    local fc = port_channels(rawget(nodes[from], "_type"), fport, ch[from], true)
    local tc = port_channels(rawget(nodes[to], "_type"), tport, ch[to], false)
    if fc == 1 and tc == 2 then
      local pid = from .. (fport == "out" and "" or ("." .. fport)) .. ".pan"
      if not pans[pid] then
        pans[pid] = true
        extra_nodes[#extra_nodes + 1] = { pid, "pan" }
        edges[#edges + 1] = { from, fport, pid, "in" }
      end
      from, fport = pid, "out"
    end
    edges[#edges + 1] = { from, fport, to, tport }
  end
  local types = {}
  for _, id in ipairs(ids) do
    local n = nodes[id]
    local typ = rawget(n, "_type")
    types[id] = typ
    nodes_out[#nodes_out + 1] = { id, typ, ch[id], rawget(n, "_p"), rawget(n, "_o") }
  end
  for id in pairs(pans) do types[id] = "pan" end
  for _, x in ipairs(extra_nodes) do nodes_out[#nodes_out + 1] = x end
  return { nodes = nodes_out, edges = edges }, types
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return format("\\u%04x", c:byte()) end) .. '"'
end

local function json_number(v)
  if math.type(v) == "integer" then return tostring(v) end
  if v ~= v or abs(v) == huge then error("parameter values must be finite numbers", 3) end
  return format("%.17g", v)
end

local function json_map(map, value)
  local keys, items = {}, {}
  for k in pairs(map or {}) do keys[#keys + 1] = k end
  sort(keys)
  for _, k in ipairs(keys) do items[#items + 1] = json_string(k) .. ":" .. value(map[k]) end
  return concat(items, ",")
end

--- The draft as JSON, for a look (a commit sends the tables themselves, not this text).
function graph_json()
  local graph = emit_graph()
  local parts, edges = {}, {}
  for _, n in ipairs(graph.nodes) do
    local channels = n[3] and format(',"channels":%d', n[3]) or ""
    local options = json_map(n[5], json_string)
    if options ~= "" then options = ',"options":{' .. options .. "}" end
    parts[#parts + 1] = format('{"id":%s,"type":%s%s,"parameters":{%s}%s}', json_string(n[1]), json_string(n[2]), channels, json_map(n[4], json_number), options)
  end
  for _, e in ipairs(graph.edges) do
    edges[#edges + 1] = format('{"from":%s,"fromPort":%s,"to":%s,"toPort":%s}', json_string(e[1]), json_string(e[2]), json_string(e[3]), json_string(e[4]))
  end
  return '{"nodes":[' .. concat(parts, ",") .. '],"edges":[' .. concat(edges, ",") .. ']}'
end

---------------------------------------------------------------------------------------------------
-- When: nil/"bar" next bar, "now", "beat", a number n = in n bars, {at = beat} = at that beat.

local DEFAULT_WHEN = "bar"

--- Beats in a bar (the session's meter).
BAR = BEATS_PER_BAR

local function when_args(when, level)
  if when == nil then when = DEFAULT_WHEN end
  if when == "now" then return 0, 0, 0, 1 end
  if when == "beat" then return 1, 0, 0, 1 end
  if when == "bar" then return 2, 0, 0, 1 end
  if type(when) == "number" then
    if when < 1 or when ~= floor(when) then error("when: a number means 'in n bars' and must be a whole number >= 1", level + 1) end
    return 3, when, 0, 1
  end
  if type(when) == "table" and when.at ~= nil then
    local a, b = rat(when.at, "at")
    return 4, 0, a, b
  end
  error("when: use \"now\", \"beat\", \"bar\", a number of bars, or {at = beat}; got " .. tostring(when), level + 1)
end

--- Sets what an evaluation's automatic commit (and commit() without argument) waits for.
function quant(when)
  when_args(when, 2)
  DEFAULT_WHEN = when
end

-- The line that closed a cycle the validator reports ("Cycle: a -> b -> a. ..."): of the cycle's edges built by
-- this evaluation, the last one built.
local function cycle_where(err)
  local ids = type(err) == "string" and err:match("Cycle: (.-)%. ")
  if not ids then return nil end
  local path = {}
  for id in (ids .. " -> "):gmatch("(.-) %-> ") do path[#path + 1] = id end
  local step = {}
  for i = 1, #path - 1 do step[path[i] .. "\0" .. path[i + 1]] = true end
  for i = #draft.edges, 1, -1 do
    local e = draft.edges[i]
    if e[5] and step[rawget(e[1], "_id") .. "\0" .. rawget(e[3], "_id")] then return e[5] end
  end
  return nil
end

local function do_commit(when, patch, level)
  local graph, types = emit_graph()
  local k, c, a, b = when_args(when, level + 1)
  local sample, err = N.commit(graph, k, c, a, b, patch)
  if not sample then
    local where = cycle_where(err)
    if where then error(where .. " " .. err, 0) end
    error(err, level < 0 and 0 or level + 1)
  end
  if patch then
    for id, typ in pairs(types) do live.types[id] = typ end
  else
    live.types = types
  end
  reset_draft()
  return sample
end

--- Replaces the playing graph with the one built since the last commit, at `when`. Returns the sample it lands on.
function commit(when) return do_commit(when, false, 2) end

--- Adds the nodes and edges built since the last commit to the playing graph (same ids replace), at `when`.
function patch(when) return do_commit(when, true, 2) end

---------------------------------------------------------------------------------------------------
-- Events. Inside a callback they are stamped with the callback's beat plus `dt` beats; outside, now.

local offset_beats = 0   -- added to every event's dt (pattern playback sets it per step)

local function target_id(target, level)
  if is_node(target) then return rawget(target, "_id"), rawget(target, "_type") end
  if type(target) == "string" then
    local typ = live.types[target] or (draft.nodes[target] and rawget(draft.nodes[target], "_type"))
    if typ == nil then error(format("no node '%s' in the playing graph", target), level + 1) end
    return target, typ
  end
  error("expected a node or a node id, got " .. tostring(target), level + 1)
end

-- An event on a node that this evaluation has built but not yet committed cannot land now: say so, and what to do.
local function event_error(id, err)
  if live.types[id] == nil and draft.nodes[id] ~= nil then
    return format("node '%s' is built by this evaluation and plays only from its commit, when the evaluation ends: "
      .. "play it from a callback (after(0, function() ... end)) or in the next evaluation", id)
  end
  return err
end

local function dt_args(dt)
  if offset_beats ~= 0 then dt = (dt or 0) + offset_beats end
  return rat(dt, "dt")
end

--- set(node, param, value [, dt]) or set(node, {param = value, ...} [, dt]): a parameter change at an exact time.
function set(target, param, value, dt)
  local id, typ = target_id(target, 2)
  if type(param) == "table" then
    dt = value
    local a, b = dt_args(dt)
    local keys = {}
    for k in pairs(param) do keys[#keys + 1] = k end
    sort(keys)
    for _, k in ipairs(keys) do
      local ok, err = N.set(id, resolve(typ, k, 2), param[k], a, b)
      if not ok then error(event_error(id, err), 2) end
    end
    return
  end
  local a, b = dt_args(dt)
  local ok, err = N.set(id, resolve(typ, param, 2), value, a, b)
  if not ok then error(event_error(id, err), 2) end
end

--- trig(node [, len [, dt [, param]]]): opens the node's gate (or `param`) for `len` beats (default 1/8).
function trig(target, len, dt, param)
  local id, typ = target_id(target, 2)
  local real = resolve(typ, param or "gate", 2)
  local la, lb = rat(len or 0.125, "len")
  local a, b = dt_args(dt)
  local ok, err = N.trig(id, real, la, lb, a, b, 1, 0)
  if not ok then error(event_error(id, err), 2) end
end

--- The current musical time: beat, bar (numbers). Inside a callback, the callback's own time.
function now() return N.now() end

---------------------------------------------------------------------------------------------------
-- Voices: stdlib registers instruments here; play(name, note, len, dt) drives one.

voices = {}

local function midi_to_hz(n) return 440 * 2 ^ ((n - 69) / 12) end

--- play(voice, note [, len [, dt]]): a note (MIDI number or name like "c3") on a voice or node with a gate.
function play(name, note_value, len, dt)
  local v = voices[is_node(name) and rawget(name, "_id") or name]
  if type(note_value) == "string" then note_value = note(note_value) end
  if v then return v.play(note_value, len or 0.125, dt) end
  local id, typ = target_id(name, 2)
  if note_value and ALIASES[typ].freq then set(id, "freq", midi_to_hz(note_value), dt) end
  if ALIASES[typ].gate then trig(id, len, dt) end
end

--- MIDI note number to Hz (A4 = 69 = 440 Hz).
function mtof(n) return midi_to_hz(n) end

local NOTE_OFFSETS = { c = 0, d = 2, e = 4, f = 5, g = 7, a = 9, b = 11 }

--- note("c4") -> 60, note("eb3") -> 51, note("f#2") -> 42; numbers pass through.
function note(name)
  if type(name) == "number" then return name end
  local letter, accidental, octave = tostring(name):lower():match("^([a-g])([#sb]?)(-?%d+)$")
  if not letter then error("note: '" .. tostring(name) .. "' is not a note name like c4, eb3 or f#2", 2) end
  local n = NOTE_OFFSETS[letter] + (tonumber(octave) + 1) * 12
  if accidental == "#" or accidental == "s" then n = n + 1 elseif accidental == "b" then n = n - 1 end
  return n
end

---------------------------------------------------------------------------------------------------
-- Time: callbacks run ahead of the audio (look-ahead) at exact musical times.

local function schedule(name, fn, interval, phase, once, absolute, level)
  if type(fn) ~= "function" then error("expected a function to call", level + 1) end
  if name ~= nil and type(name) ~= "string" then error("a callback's name is a string", level + 1) end
  local ia, ib = rat(interval or 0, "interval")
  local pa, pb = rat(phase or 0, "phase")
  local ok, err = N.schedule(name, fn, ia, ib, pa, pb, once, absolute)
  if not ok then error(err, level + 1) end
  return name
end

--- every(beats, fn [, name]): calls fn(i, beat) every `beats` beats on the grid 0, beats, 2·beats...
--- (i = beat / beats). A named callback replaces the one of that name when the code is run again.
function every(beats, fn, name) return schedule(name, fn, beats, 0, false, false, 2) end

--- loop(name, beats, fn): every() with the name first, as a live loop.
function loop(name, beats, fn) return schedule(name, fn, beats, 0, false, false, 2) end

--- at(beat, fn [, name]): calls fn once at an absolute beat.
function at(beat, fn, name) return schedule(name, fn, 0, beat, true, true, 2) end

--- after(beats, fn [, name]): calls fn once, `beats` after now (the callback's time inside one).
function after(beats, fn, name) return schedule(name, fn, 0, beats, true, false, 2) end

--- stop(name): stops the callbacks of that name. hush(): stops them all. Return how many.
function stop(name) return N.stop(name) end
function hush() return N.hush() end

--- osc(pattern, fn): fn(v, ...) runs for each OSC message whose address matches pattern (OSC wildcards
--- * ? [a-z] [!x] {a,b}), with the message's arguments; set() and trig() inside it land on the message's sample
--- (its bundle's time tag, docs/sync.md). osc_address() is the address being handled. osc(pattern, nil) removes it.
local osc_handlers, osc_order, osc_current = {}, {}, nil
function osc(pattern, fn)
  if type(pattern) ~= "string" or pattern:sub(1, 1) ~= "/" then
    error("osc: the pattern is an OSC address such as \"/fader/*\"", 2)
  end
  if fn ~= nil and type(fn) ~= "function" then error("osc: the handler is a function(v, ...), or nil to remove it", 2) end
  if fn == nil then
    if osc_handlers[pattern] ~= nil then
      osc_handlers[pattern] = nil
      for i = #osc_order, 1, -1 do if osc_order[i] == pattern then table.remove(osc_order, i) end end
    end
  else
    if osc_handlers[pattern] == nil then osc_order[#osc_order + 1] = pattern end
    osc_handlers[pattern] = fn
  end
  N.oschandlers(#osc_order)
end

function osc_address() return osc_current end

function __osc_dispatch(address, ...)
  osc_current = address
  for i = 1, #osc_order do
    local pattern = osc_order[i]
    local fn = osc_handlers[pattern]
    if fn ~= nil and N.oscmatch(pattern, address) then fn(...) end
  end
  osc_current = nil
end

--- osc_send(host, port, address, ...): sends an OSC message over UDP (integers as i, other numbers as f, strings
--- as s, booleans as T/F, nil as N). Available in a performance (the REPL, serve), not in a bare piece.
function osc_send(host, port, address, ...)
  if type(host) ~= "string" or type(port) ~= "number" or type(address) ~= "string" then
    error("osc_send: expected (host, port, address, ...), e.g. osc_send(\"127.0.0.1\", 9000, \"/note\", 60)", 2)
  end
  local ok, err = N.oscsend(host, port, address, ...)
  if not ok then error(err, 2) end
  return true
end

--- tempo(bpm [, when]) sets the tempo; tempo(bpm, {ramp = beats [, at = beat]}) ramps to it.
function tempo(bpm, when)
  local a, b = rat(bpm, "tempo")
  local ra, rb = 0, 1
  if type(when) == "table" and when.ramp then
    ra, rb = rat(when.ramp, "ramp")
    when = when.at and { at = when.at } or "now"
  end
  local k, c, qa, qb = when_args(when or "now", 2)
  local sample, err = N.tempo(a, b, ra, rb, k, c, qa, qb)
  if not sample then error(err, 2) end
  return sample
end

---------------------------------------------------------------------------------------------------
--- sample(name, file): loads a WAV file from the folders repl.config grants ([repl] sample_folders) into the
--- sample library as `name`, for the sampler node: sample("kick", "drums/kick.wav"); sampler("k") { sample = "kick" }.
--- Scripts read no other files; outside the REPL (or with no folders granted) it is an error that says so.
function sample(name, file)
  if type(name) ~= "string" or type(file) ~= "string" then error("sample: expected a name and a file, e.g. sample(\"kick\", \"kick.wav\")", 2) end
  local result, err = N.host("sample", name .. "\n" .. file)
  if not result then error(err, 2) end
  return result
end

--- midi(command): the controller banks (docs/midi.md), as the REPL's :midi takes them, e.g.
--- midi("bind cc 74 -> lp.cutoffHz 80..8000 exp soft"), midi("learn 2 -> drive 1..4"), midi("bank fx"),
--- midi("list"). Returns the answer as text. Available where a host offers MIDI (the REPL, the socket).
function midi(command)
  if type(command) ~= "string" then error("midi: expected a command string, e.g. midi(\"list\")", 2) end
  local result, err = N.host("midi", command)
  if not result then error(err, 2) end
  return result
end

--- link(true) / link(false) / link(): Ableton Link (docs/link.md). Joins or leaves the Link session on this
--- network, or leaves it as it is, and returns the status: { enabled, peers, tempo, phase, quantum, reason }
--- (tempo and phase nil while off; reason: why Link cannot run here). link(true) where it cannot run is an error
--- with that reason ("Ableton Link is off: ...").
function link(on)
  local arg
  if on == nil then arg = "" elseif on == true then arg = "on" elseif on == false then arg = "off"
  else error("link: expected true, false or nothing, e.g. link(true)", 2) end
  local result, err = N.host("link", arg)
  if not result then error(err, 2) end
  local head, reason = result:match("^([^\n]*)\n?(.*)$")
  local enabled, peers, tempo, phase, quantum = head:match("^(%S+) (%S+) (%S+) (%S+) (%S+)$")
  return { enabled = enabled == "on", peers = tonumber(peers), tempo = tonumber(tempo), phase = tonumber(phase),
           quantum = tonumber(quantum), reason = reason ~= "" and reason or nil }
end

-- Named variables: what controllers, the REPL and the socket write; var(name [, default]) reads one.

function var(name, default)
  local v, err = N.getvar(name, default or 0)
  if v == nil then error(err, 2) end
  return v
end

function setvar(name, value)
  local ok, err = N.setvar(name, value)
  if not ok then error(err, 2) end
end

---------------------------------------------------------------------------------------------------
-- Randomness (seeded from the session): rand() in [0,1), rrand(lo, hi), irand(lo, hi), choose(t), chance(p).

function rand() return math.random() end
function rrand(lo, hi) return lo + (hi - lo) * math.random() end
function irand(lo, hi) return math.random(lo, hi) end
function choose(t) return t[math.random(1, #t)] end
function chance(p) return math.random() < p end
--- seed(n): restarts the generator (n and the session seed) for a repeatable stretch.
function seed(n) math.randomseed(SEED[1] ~ (n or 0), SEED[2]) end

---------------------------------------------------------------------------------------------------
-- For the stdlib: the offset that pattern playback adds to the events of one step.
function __with_offset(dt, fn, ...)
  local saved = offset_beats
  offset_beats = saved + dt
  local ok, err = pcall(fn, ...)
  offset_beats = saved
  if not ok then error(err, 0) end
end

--- For the stdlib: mini-notation's events over `cycles` cycles, read by the C# reader that is checked against
--- Strudel: { {beginNum, beginDen, endNum, endDen, value}, ... }, or nil and the message.
function __mini(text, cycles) return N.mini(text, cycles) end

--- The names the REPL completes: every global function and table.
function __names()
  local list = {}
  for k, v in pairs(_G) do
    if type(k) == "string" and k:sub(1, 2) ~= "__" and (type(v) == "function" or type(v) == "table") then list[#list + 1] = k end
  end
  sort(list)
  return concat(list, "\n")
end

---------------------------------------------------------------------------------------------------
-- One evaluation: run, then commit what was built (if anything) and start the callbacks it made.

local function show(...)
  local n = select("#", ...)
  if n == 0 then return nil end
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  return concat(parts, "\t")
end

-- An evaluation is a transaction on the globals: __eval keeps a shallow copy of _G, and __abort (after an error
-- or a limit) puts back every global the code created, changed or removed, so that a failed evaluation leaves
-- nothing behind (a memory bomb's table included: the host collects it after the rollback). Tables reached
-- through globals are not copied: what code changes inside them stays.
local rawnext = next
local saved_globals = nil

function __eval(chunk)
  reset_draft()
  offset_beats = 0
  local saved = {}
  for k, v in rawnext, _G do saved[k] = v end
  saved_globals = saved
  local results = table.pack(chunk())
  if draft.dirty then do_commit(nil, false, -1) end
  N.activate()
  saved_globals = nil
  return show(table.unpack(results, 1, results.n))
end

function __abort()
  reset_draft()
  offset_beats = 0
  local saved = saved_globals
  saved_globals = nil
  if saved == nil then return end
  -- Assigning nil to a field during a traversal with next is allowed (Lua 5.4 manual, next).
  for k in rawnext, _G do
    if saved[k] == nil then rawset(_G, k, nil) end
  end
  for k, v in rawnext, saved do
    if rawget(_G, k) ~= v then rawset(_G, k, v) end
  end
end

function __seal()
  __types, __output_channels, __beats_per_bar, __seed, __seal, __osc_dispatch = nil, nil, nil, nil, nil, nil
end
