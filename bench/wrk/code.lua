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
local suffix = "&redirect_uri=" .. os.getenv("BENCH_REDIRECT_URI") .. "&code_verifier=" .. os.getenv("BENCH_CODE_VERIFIER")
local reuse = os.getenv("BENCH_CODE_REUSE") == "1"

function init(args)
  pool_head, pool_tail = 1, #pool
end

function request()
  local had_one = pool_head <= pool_tail
  local code = pool_take()
  if reuse and had_one then pool_put(code) end
  return form_post(authorization, "grant_type=authorization_code&code=" .. code .. suffix)
end

function response(status, headers, body)
  count_status(status)
end

-- main state ---------------------------------------------------------------
local tokens_at_start = share_tokens_in(tonumber(os.getenv("BENCH_WRK_THREADS") or "1"))

report_single_use_pool(tokens_at_start)
