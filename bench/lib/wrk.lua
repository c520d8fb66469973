-- One wrk script for every workload (wrk -s bench/lib/wrk.lua).
--
-- BENCH_REQS     file of request variants, one a line, fields separated by tabs:
--                  METHOD <tab> PATH <tab> BODY <tab> Header: value <tab> Header: value ...
--                BODY may be empty. "{n}" in a body becomes a value unique to this run
--                (BENCH_RUN_ID-thread-counter), for sign-up's fresh emails. Each thread walks the
--                variants round-robin from its own starting point.
-- BENCH_CHECK    "1": look at every response. A response counts as unexpected when its status is
--                not BENCH_EXPECT (default 200) or its body lacks BENCH_BODY_HAS (when set).
-- BENCH_RUN_ID   prefix for "{n}".
--
-- done() prints one line `BENCH_RESULT {json}` (latencies in microseconds) and, when a response
-- was unexpected, `BENCH_FIRST_UNEXPECTED <status> <body start>`.

local reqfile = os.getenv("BENCH_REQS")
local check = os.getenv("BENCH_CHECK") == "1"
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local needle = os.getenv("BENCH_BODY_HAS")
if needle == "" then needle = nil end
local run_id = os.getenv("BENCH_RUN_ID") or "run"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function split(s, sep)
  local out, from = {}, 1
  while true do
    local at = string.find(s, sep, from, true)
    if not at then
      table.insert(out, string.sub(s, from))
      return out
    end
    table.insert(out, string.sub(s, from, at - 1))
    from = at + #sep
  end
end

local variants, prebuilt, dynamic, idx, n

function init(args)
  variants, prebuilt, dynamic = {}, {}, false
  local f = assert(io.open(assert(reqfile, "BENCH_REQS is not set"), "r"))
  for line in f:lines() do
    if line ~= "" then
      local fields = split(line, "\t")
      local headers = {}
      for i = 4, #fields do
        local k, v = string.match(fields[i], "^([^:]+):%s*(.*)$")
        headers[k] = v
      end
      local body = fields[3]
      if body == "" then body = nil end
      if body and string.find(body, "{n}", 1, true) then dynamic = true end
      table.insert(variants, { method = fields[1], path = fields[2], body = body, headers = headers })
    end
  end
  f:close()
  assert(#variants > 0, "no requests in " .. reqfile)
  for i, r in ipairs(variants) do
    local h = {}
    for k, v in pairs(r.headers) do h[k] = v end
    prebuilt[i] = wrk.format(r.method, r.path, h, r.body)
  end
  idx = ((tid or 1) - 1) * 7 % #variants
  n = 0
  checked, bad, first_bad = 0, 0, nil
end

function request()
  idx = idx % #variants + 1
  if not dynamic then
    return prebuilt[idx]
  end
  local r = variants[idx]
  n = n + 1
  local h = {}
  for k, v in pairs(r.headers) do h[k] = v end
  local body = r.body and string.gsub(r.body, "{n}", run_id .. "-" .. (tid or 1) .. "-" .. n)
  return wrk.format(r.method, r.path, h, body)
end

if check then
  function response(status, headers, body)
    checked = checked + 1
    if status ~= expect or (needle and not (body and string.find(body, needle, 1, true))) then
      bad = bad + 1
      if not first_bad then
        first_bad = status .. " " .. string.gsub(string.sub(body or "", 1, 200), "%s", " ")
      end
    end
  end
end

function done(summary, latency, requests)
  local c, b, first = 0, 0, nil
  for _, t in ipairs(threads) do
    c = c + (t:get("checked") or 0)
    b = b + (t:get("bad") or 0)
    first = first or t:get("first_bad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"mean_us":%.1f,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"checked":%d,"unexpected":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout, c, b))
  if first then
    io.write("BENCH_FIRST_UNEXPECTED " .. first .. "\n")
  end
end
