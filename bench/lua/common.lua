-- Shared by every bench script (bench/common.py prepends it): the bench key's header, ids read
-- from the file named by BENCH_IDS, and a done() that prints one JSON line for bench/common.py.
local key = os.getenv("BENCH_KEY") or ""
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"

ids = {}
local ids_file = os.getenv("BENCH_IDS")
if ids_file and ids_file ~= "" then
  for line in io.lines(ids_file) do
    if line ~= "" then ids[#ids + 1] = line end
  end
end

function pick_id()
  return ids[math.random(#ids)]
end

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(os.time() + (seed or 0))
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
