-- GET the path in BENCH_PATH (the ceiling, a list's first page, the external list).
local path = os.getenv("BENCH_PATH")
request = function()
  return wrk.format("GET", path)
end
