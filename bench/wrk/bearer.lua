-- A fixed API request: GET with the bearer token in BENCH_AUTHORIZATION (RFC 6750 §2.1).
-- Static, so wrk builds it once; response() only counts statuses.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

wrk.method = "GET"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")

function response(status, headers, body)
  count_status(status)
end
