-- Shared by the wrk scripts in this folder (loaded with dofile in every Lua state wrk makes:
-- the main state that runs setup() and done(), and one state per wrk thread).
--
-- Per thread: `statuses` counts responses by HTTP status. In done(), the main state collects
-- every thread's counters with thread:get and prints one line "BENCH_RESULT {json}" that
-- bench/lib/wrk.mjs parses (latencies in microseconds).

statuses = {}

function count_status(status)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

-- main state: the thread objects, for done()
threads = {}
local setup_hooks = {}

function on_setup(fn)
  setup_hooks[#setup_hooks + 1] = fn
end

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_index", #threads)
  for _, fn in ipairs(setup_hooks) do fn(thread, #threads) end
end

-- The lines of BENCH_TOKENS_IN (read once per wrk run), and this thread's share of them:
-- every thread_count-th line, starting at its own index, so no credential is given to two threads.
local pool_lines
function thread_share_of_tokens_in(index, thread_count)
  if not pool_lines then
    local path = os.getenv("BENCH_TOKENS_IN")
    pool_lines = {}
    local file = assert(io.open(path, "r"), "cannot open BENCH_TOKENS_IN " .. tostring(path))
    for line in file:lines() do
      if #line > 0 then pool_lines[#pool_lines + 1] = line end
    end
    file:close()
  end
  local mine = {}
  for i = index, #pool_lines, thread_count do mine[#mine + 1] = pool_lines[i] end
  return mine, #pool_lines
end

-- A pool of single-use credentials (refresh tokens, codes), per thread: a FIFO queue,
-- pool[pool_head] … pool[pool_tail] not presented yet. share_tokens_in() fills it in setup();
-- pool_take() hands out the next one, or "pool-exhausted" (a 400 from a real server) counted in
-- pool_empty when there is none left.
pool = {}
pool_head = 1
pool_tail = 0
pool_empty = 0
presented = 0

function pool_take()
  presented = presented + 1
  if pool_head > pool_tail then
    pool_empty = pool_empty + 1
    return "pool-exhausted"
  end
  local value = pool[pool_head]
  pool[pool_head] = nil
  pool_head = pool_head + 1
  return value
end

function pool_put(value)
  pool_tail = pool_tail + 1
  pool[pool_tail] = value
end

-- main state: gives each thread its share of BENCH_TOKENS_IN; returns how many lines it had.
local tokens_at_start = 0
function share_tokens_in(thread_count)
  on_setup(function(thread, index)
    local mine
    mine, tokens_at_start = thread_share_of_tokens_in(index, thread_count)
    thread:set("pool", mine)
  end)
  return function() return tokens_at_start end
end

-- A urlencoded POST to wrk.path with Basic authorization, built in request() because the body
-- (and so its length) differs per request; `headers`: extra header lines, each ending in \r\n.
local post_prefix
function form_post(authorization, body, headers)
  post_prefix = post_prefix or ("POST " .. wrk.path .. " HTTP/1.1\r\n"
    .. "Host: " .. wrk.headers["Host"] .. "\r\n"
    .. "Authorization: " .. authorization .. "\r\n"
    .. "Content-Type: application/x-www-form-urlencoded\r\n")
  return post_prefix .. (headers or "") .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
end

local function json(value)
  local t = type(value)
  if t == "table" then
    local parts = {}
    if #value > 0 then
      for _, v in ipairs(value) do parts[#parts + 1] = json(v) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    for k, v in pairs(value) do parts[#parts + 1] = json(tostring(k)) .. ":" .. json(v) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "string" then
    return '"' .. value:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif t == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    if value == math.floor(value) and math.abs(value) < 1e15 then return string.format("%d", value) end
    return string.format("%.6f", value)
  elseif t == "boolean" then
    return tostring(value)
  end
  return "null"
end

-- Sums a numeric global (or a table of counters) over every thread.
function sum_over_threads(name)
  local total = nil
  for _, thread in ipairs(threads) do
    local v = thread:get(name)
    if type(v) == "number" then
      total = (total or 0) + v
    elseif type(v) == "table" then
      total = total or {}
      for k, n in pairs(v) do total[k] = (total[k] or 0) + n end
    end
  end
  return total
end

local done_hooks = {}
function on_done(fn)
  done_hooks[#done_hooks + 1] = fn
end

function done(summary, latency, requests)
  local result = {
    duration_us = summary.duration,
    requests = summary.requests,
    bytes = summary.bytes,
    socket_errors = {
      connect = summary.errors.connect,
      read = summary.errors.read,
      write = summary.errors.write,
      timeout = summary.errors.timeout,
    },
    status_errors = summary.errors.status,
    statuses = sum_over_threads("statuses") or {},
    latency_us = {
      min = latency.min,
      mean = latency.mean,
      stdev = latency.stdev,
      max = latency.max,
      p50 = latency:percentile(50),
      p90 = latency:percentile(90),
      p99 = latency:percentile(99),
      p999 = latency:percentile(99.9),
    },
    extra = {},
  }
  for _, fn in ipairs(done_hooks) do fn(result.extra) end
  io.write("BENCH_RESULT " .. json(result) .. "\n")
end

-- done() of the scripts whose pool is used up (codes, device codes): what was presented and left.
function report_single_use_pool(tokens_at_start)
  on_done(function(extra)
    extra.pool_empty = sum_over_threads("pool_empty") or 0
    extra.presented = sum_over_threads("presented") or 0
    extra.tokens_at_start = tokens_at_start()
    local left = 0
    for _, thread in ipairs(threads) do left = left + (thread:get("pool_tail") - thread:get("pool_head") + 1) end
    extra.tokens_left = left
  end)
end
