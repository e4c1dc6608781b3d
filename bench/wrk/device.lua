-- device_code grant (RFC 8628 §3.4): every request is a device's poll that finds its code
-- approved, and redeems it: each device code is presented once, as a device presents it the one
-- time the user has approved. Client authentication with HTTP Basic (a confidential client).
--
-- BENCH_TOKENS_IN:  file with the device codes (approved), one per line, split between wrk threads.
-- BENCH_CODE_REUSE=1: for the ceiling, which remembers no code: a presented code goes back to the
--                   end of the queue, so the Lua work per request is the same.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local authorization = os.getenv("BENCH_AUTHORIZATION")
local reuse = os.getenv("BENCH_CODE_REUSE") == "1"
local prefix = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code="

function init(args)
  pool_head, pool_tail = 1, #pool
end

function request()
  local had_one = pool_head <= pool_tail
  local code = pool_take()
  if reuse and had_one then pool_put(code) end
  return form_post(authorization, prefix .. code)
end

function response(status, headers, body)
  count_status(status)
end

-- main state ---------------------------------------------------------------
local tokens_at_start = share_tokens_in(tonumber(os.getenv("BENCH_WRK_THREADS") or "1"))

report_single_use_pool(tokens_at_start)
