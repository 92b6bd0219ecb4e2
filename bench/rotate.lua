-- wrk script: GET requests rotating through a file of query strings ("?query=..." one per line), each
-- prefixed with the endpoint path; prints one JSON summary line at the end.
-- usage: wrk ... -s rotate.lua URL -- PATHS_FILE ENDPOINT_PATH [unique [RUN_TAG]]
-- With "unique", every request ends with a SPARQL comment holding the run's tag and a counter
-- ("\n#u<run tag>.<thread>.<n>"), so that no two requests have the same text, in this run or in another
-- run with another tag, and no result cache keyed on the query text can answer them.

local threads = {}
local paths = {}
local requests = {}
local unique = false
local run_tag = ""
local next_index = 0
local sent = 0

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  local endpoint = args[2] or "/sparql"
  unique = args[3] == "unique"
  run_tag = args[4] or ""
  wrk.headers["Accept"] = "application/sparql-results+json"
  for line in file:lines() do
    if #line > 0 then
      paths[#paths + 1] = endpoint .. line
      requests[#requests + 1] = wrk.format("GET", endpoint .. line)
    end
  end
  file:close()
  assert(#paths > 0, "no request in " .. args[1])
  -- threads start at different places of the list
  next_index = (thread_number * 7919) % #paths
end

function request()
  next_index = next_index % #paths + 1
  if not unique then
    return requests[next_index]
  end
  sent = sent + 1
  return wrk.format("GET", paths[next_index] .. "%0A%23u" .. run_tag .. "." .. thread_number .. "." .. sent)
end

local function finite(x)
  if x ~= x or x == math.huge or x == -math.huge then return 0 end
  return x
end

function done(summary, latency, _requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d,"stdev":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    finite(latency.mean), latency.max, finite(latency.stdev)))
end
