-- A fixed POST: the form body in BENCH_BODY (default grant_type=client_credentials) with HTTP
-- Basic client authentication from BENCH_AUTHORIZATION — a client_credentials token request, or
-- an introspection request (token=…) to the introspection endpoint. The request is static (no
-- request() callback), so wrk builds it once; response() only counts statuses.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")

function response(status, headers, body)
  count_status(status)
end
