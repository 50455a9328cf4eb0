-- LiveEngine for Neovim: send the paragraph under the cursor (or the selection) to a running LiveEngine REPL
-- over its editor socket (JSON-RPC 2.0 with LSP framing). Results and engine notices appear as messages.
--
--   require('liveengine').setup({ host = '127.0.0.1', port = 7771, token = nil, quantize = 'bar' })
--   <C-e> in normal mode: evaluate the paragraph; in visual mode: the selection.
--   :LiveEval [quantize]   :LivePanic   :LiveGraph   :LiveDisconnect
--
-- Neovim 0.7 or later (vim.loop). The language comes from the buffer's filetype: lua, or cs for C#.

local M = {}

local config = { host = '127.0.0.1', port = 7771, token = nil, quantize = 'bar', keymaps = true }
local client = nil
local buffer = ''
local next_id = 0
local pending = {}

local function notify(message, level)
  vim.schedule(function()
    vim.notify('LiveEngine: ' .. message, level or vim.log.levels.INFO)
  end)
end

local function on_message(message)
  if message.id ~= nil and pending[message.id] then
    local callback = pending[message.id]
    pending[message.id] = nil
    callback(message)
  elseif message.method == 'engine/notice' then
    local p = message.params or {}
    notify(string.format('%s %s: %s', p.level or '', p.source or '', p.message or ''),
      p.level == 'error' and vim.log.levels.ERROR or vim.log.levels.WARN)
  end
end

-- Splits the received bytes into Content-Length frames.
local function on_data(data)
  buffer = buffer .. data
  while true do
    local header_end = buffer:find('\r\n\r\n', 1, true)
    if not header_end then return end
    local length = tonumber(buffer:sub(1, header_end):match('[Cc]ontent%-[Ll]ength:%s*(%d+)'))
    if not length then
      buffer = buffer:sub(header_end + 4)
    else
      local body_start = header_end + 4
      if #buffer < body_start + length - 1 then return end
      local body = buffer:sub(body_start, body_start + length - 1)
      buffer = buffer:sub(body_start + length)
      local ok, message = pcall(vim.json.decode, body)
      if ok and type(message) == 'table' then
        on_message(message)
      end
    end
  end
end

local function send(message)
  local body = vim.json.encode(message)
  client:write('Content-Length: ' .. #body .. '\r\n\r\n' .. body)
end

--- Sends a request; callback(response) runs when the answer comes.
function M.request(method, params, callback)
  M.connect(function()
    next_id = next_id + 1
    pending[next_id] = callback or function() end
    send({ jsonrpc = '2.0', id = next_id, method = method, params = params or vim.empty_dict() })
  end)
end

--- Connects (once) and then runs on_ready.
function M.connect(on_ready)
  if client and not client:is_closing() then
    on_ready()
    return
  end
  client = vim.loop.new_tcp()
  client:connect(config.host, config.port, function(err)
    if err then
      notify('cannot connect to ' .. config.host .. ':' .. config.port .. ' (' .. err .. '); is `liveengine` running?', vim.log.levels.ERROR)
      client:close()
      client = nil
      return
    end
    client:read_start(function(read_err, data)
      if read_err or not data then
        if client then client:close() end
        client = nil
        return
      end
      on_data(data)
    end)
    next_id = next_id + 1
    local hello = next_id
    pending[hello] = function(response)
      if response.error then
        notify('initialize refused: ' .. response.error.message, vim.log.levels.ERROR)
      else
        on_ready()
      end
    end
    send({ jsonrpc = '2.0', id = hello, method = 'initialize', params = { token = config.token, client = 'neovim' } })
  end)
end

function M.disconnect()
  if client then client:close() end
  client = nil
end

local function language()
  local ft = vim.bo.filetype
  if ft == 'cs' or ft == 'csharp' then return 'cs' end
  return 'lua'
end

--- The lines of the paragraph around the cursor (between blank lines).
function M.paragraph()
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local last = vim.api.nvim_buf_line_count(0)
  local first, final = row, row
  while first > 1 and vim.fn.getline(first - 1):match('%S') do first = first - 1 end
  while final < last and vim.fn.getline(final + 1):match('%S') do final = final + 1 end
  return vim.api.nvim_buf_get_lines(0, first - 1, final, false), first
end

--- Evaluates code; opts.quantize overrides the default; opts.done(response) is called with the answer.
function M.eval(code, opts)
  opts = opts or {}
  local source = vim.fn.expand('%:t') ~= '' and vim.fn.expand('%:t') or 'neovim'
  if opts.line then source = source .. ':' .. opts.line end
  M.request('eval', { language = opts.language or language(), code = code, quantize = opts.quantize or config.quantize, source = source },
    function(response)
      if response.error then
        notify(response.error.message, vim.log.levels.ERROR)
      elseif response.result.ok then
        notify(response.result.output ~= '' and response.result.output or 'ok')
      else
        notify(response.result.error or 'failed', vim.log.levels.ERROR)
      end
      if opts.done then opts.done(response) end
    end)
end

function M.send_paragraph(opts)
  local lines, first = M.paragraph()
  opts = opts or {}
  opts.line = first
  M.eval(table.concat(lines, '\n'), opts)
end

function M.send_selection(opts)
  local s = vim.fn.getpos("'<")[2]
  local e = vim.fn.getpos("'>")[2]
  opts = opts or {}
  opts.line = s
  M.eval(table.concat(vim.api.nvim_buf_get_lines(0, s - 1, e, false), '\n'), opts)
end

function M.setup(opts)
  config = vim.tbl_extend('force', config, opts or {})
  vim.api.nvim_create_user_command('LiveEval', function(args)
    M.send_paragraph({ quantize = args.args ~= '' and args.args or nil })
  end, { nargs = '?' })
  vim.api.nvim_create_user_command('LivePanic', function() M.request('panic') end, {})
  vim.api.nvim_create_user_command('LiveGraph', function()
    M.request('graph/text', nil, function(r) notify(r.result or (r.error and r.error.message) or '') end)
  end, {})
  vim.api.nvim_create_user_command('LiveDisconnect', M.disconnect, {})
  if config.keymaps then
    vim.keymap.set('n', '<C-e>', M.send_paragraph, { desc = 'LiveEngine: evaluate the paragraph' })
    vim.keymap.set('v', '<C-e>', ':<C-u>lua require("liveengine").send_selection()<CR>', { desc = 'LiveEngine: evaluate the selection', silent = true })
  end
end

return M
