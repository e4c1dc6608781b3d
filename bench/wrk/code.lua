-- authorization_code grant: every request redeems an authorization code that has never been
-- presented before (RFC 6749 §4.1.3), with PKCE (RFC 7636: the same code_verifier for every
-- code; the codes were minted with its S256 challenge) and the redirect URI they were issued for.
--
-- BENCH_TOKENS_IN:    file with the codes, one per line, split between wrk threads round-robin in
--                     setup(); each thread presents its own codes in turn, each once.
-- BENCH_REDIRECT_URI: the redirect_uri (already form-encoded); BENCH_CODE_VERIFIER: the verifier.
-- BENCH_CODE_REUSE=1: for the ceiling, which does not remember codes: a presented code goes back
--                     to the end of the queue, so the Lua work per request is the same without
--                     minting a code for each of the ceiling's requests.
-- When a thread has no code left it sends "pool-exhausted" (a 400 from a real server) and
-- counts it in pool_empty: the run is then invalid, and the harness mints more codes next time.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local authorization = os.getenv("BENCH_AUTHORIZATION")
local redirect_uri = os.getenv("BENCH_REDIRECT_URI")
local verifier = os.getenv("BENCH_CODE_VERIFIER")
local reuse = os.getenv("BENCH_CODE_REUSE") == "1"
local thread_count = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")

-- thread state -------------------------------------------------------------
pool = {}          -- set by setup(); pool[pool_head] … pool[pool_tail] are not presented yet
pool_head = 1
pool_tail = 0
pool_empty = 0
presented = 0

local prefix
local suffix = "&redirect_uri=" .. redirect_uri .. "&code_verifier=" .. verifier

function init(args)
  pool_head, pool_tail = 1, #pool
  prefix = "POST " .. wrk.path .. " HTTP/1.1\r\n"
    .. "Host: " .. wrk.headers["Host"] .. "\r\n"
    .. "Authorization: " .. authorization .. "\r\n"
    .. "Content-Type: application/x-www-form-urlencoded\r\n"
    .. "Content-Length: "
end

function request()
  local code
  if pool_head <= pool_tail then
    code = pool[pool_head]
    pool[pool_head] = nil
    pool_head = pool_head + 1
    if reuse then
      pool_tail = pool_tail + 1
      pool[pool_tail] = code
    end
  else
    pool_empty = pool_empty + 1
    code = "pool-exhausted"
  end
  presented = presented + 1
  local body = "grant_type=authorization_code&code=" .. code .. suffix
  return prefix .. #body .. "\r\n\r\n" .. body
end

function response(status, headers, body)
  count_status(status)
end

-- main state ---------------------------------------------------------------
local tokens_at_start = 0

on_setup(function(thread, index)
  local mine
  mine, tokens_at_start = thread_share_of_tokens_in(index, thread_count)
  thread:set("pool", mine)
end)

on_done(function(extra)
  extra.pool_empty = sum_over_threads("pool_empty") or 0
  extra.presented = sum_over_threads("presented") or 0
  extra.tokens_at_start = tokens_at_start
  local left = 0
  for _, thread in ipairs(threads) do left = left + (thread:get("pool_tail") - thread:get("pool_head") + 1) end
  extra.tokens_left = left
end)
