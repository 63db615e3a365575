-- wrk script of scripts/bench.sh (written for this project).
--
-- Environment: BENCH_PATHS = file with one request path per line (each request takes a random one),
-- BENCH_API_KEY = value of the X-API-Key header (none when empty).
-- Prints one line at the end:
--   RESULT requests=N duration_us=N p50_us=N p90_us=N p99_us=N max_us=N status_errors=N
--          connect_errors=N read_errors=N write_errors=N timeouts=N
-- (status_errors = responses with a status of 400 or more, as counted by wrk).

local paths = {}
local file = os.getenv("BENCH_PATHS")
local key = os.getenv("BENCH_API_KEY") or ""

if key ~= "" then
  wrk.headers["X-API-Key"] = key
end

function init(args)
  for line in io.lines(file) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then
    error("no paths in " .. tostring(file))
  end
  math.randomseed(os.time())
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d status_errors=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
