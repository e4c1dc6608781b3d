-- Password grant (RFC 6749 §4.3) for many users: request() takes the next user of the list in
-- turn (each wrk thread starts at its own offset) and sends that user's correct password, with
-- X-Forwarded-For set to an address of that user's own. As behind a reverse proxy, logins come
-- from many people at many addresses: a single user (or a single address) sending dozens of
-- logins at once is what brute-force protection is there to slow down, not a login load.
--
-- BENCH_USERS_FILE: one user a line, "username<TAB>password" (both URL-safe: no encoding).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local authorization = os.getenv("BENCH_AUTHORIZATION")
local users_file = os.getenv("BENCH_USERS_FILE")

local users = {}
for line in assert(io.open(users_file, "r"), "cannot open BENCH_USERS_FILE " .. tostring(users_file)):lines() do
  local name, password = line:match("^([^\t]+)\t(.+)$")
  if name then users[#users + 1] = { name = name, password = password } end
end
assert(#users > 0, "no users in BENCH_USERS_FILE")

local next_user = 1

function init(args)
  next_user = ((tonumber(thread_index) or 1) - 1) * 7 % #users + 1
end

function request()
  local i = next_user
  next_user = next_user % #users + 1
  local user = users[i]
  local forwarded_for = "X-Forwarded-For: 10." .. math.floor(i / 65536) % 256 .. "." .. math.floor(i / 256) % 256 .. "." .. i % 256 .. "\r\n"
  return form_post(authorization, "grant_type=password&username=" .. user.name .. "&password=" .. user.password, forwarded_for)
end

function response(status, headers, body)
  count_status(status)
end
