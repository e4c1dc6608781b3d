-- refresh_token grant with rotation: every request presents a refresh token that has never
-- been presented before, and the refresh token each 200 response returns goes back into the
-- pool of the thread that received it, to be presented by a later request.
--
-- BENCH_TOKENS_IN:  file with the starting pool, one token per line (split between wrk threads
--                   round-robin in setup(); each thread owns its tokens, so no token is shared).
-- BENCH_TOKENS_OUT: done() writes the tokens still unused here (for the next wrk run: the warm-up
--                   hands its pool to the measured run). Tokens in flight when wrk stops are lost.
-- A thread's pool must hold at least as many tokens as the thread has connections: each
-- connection has at most one request (one token) in flight, so request() then always finds one.
-- The pool is a FIFO queue: every chain (token family) advances in turn, as with many clients
-- each refreshing now and then, rather than a few chains rotating as fast as the server allows.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local authorization = os.getenv("BENCH_AUTHORIZATION")
local tokens_out = os.getenv("BENCH_TOKENS_OUT")

missing_token = 0  -- a 200 without a refresh_token

function init(args)
  pool_head, pool_tail = 1, #pool
end

function request()
  return form_post(authorization, "grant_type=refresh_token&refresh_token=" .. pool_take())
end

function response(status, headers, body)
  count_status(status)
  if status == 200 then
    local next_token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if next_token then pool_put(next_token) else missing_token = missing_token + 1 end
  end
end

-- main state ---------------------------------------------------------------
local tokens_at_start = share_tokens_in(tonumber(os.getenv("BENCH_WRK_THREADS") or "1"))

on_done(function(extra)
  extra.pool_empty = sum_over_threads("pool_empty") or 0
  extra.missing_token = sum_over_threads("missing_token") or 0
  extra.presented = sum_over_threads("presented") or 0
  extra.tokens_at_start = tokens_at_start()
  local leftover = {}
  for _, thread in ipairs(threads) do
    local queue = thread:get("pool") or {}
    for i = thread:get("pool_head"), thread:get("pool_tail") do leftover[#leftover + 1] = queue[i] end
  end
  extra.tokens_left = #leftover
  if tokens_out then
    local file = assert(io.open(tokens_out, "w"))
    file:write(table.concat(leftover, "\n"), "\n")
    file:close()
  end
end)
