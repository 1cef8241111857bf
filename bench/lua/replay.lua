-- wrk script: replays a prepared list of HTTP requests round-robin.
--
-- The harness (bench/taskbench/load.py) writes one request per line, tab-separated:
--   METHOD <TAB> PATH <TAB> BEARER TOKEN (may be empty) <TAB> JSON BODY (may be empty)
-- optionally followed by more headers, each as <TAB> Name: value
-- and starts:  wrk ... -s replay.lua http://127.0.0.1:PORT -- /path/to/requests.tsv
--
-- Every request is formatted once in init(), so request() only returns a prepared string:
-- the load generator does as little work per request as possible and measures the server,
-- not Lua. Each wrk thread starts at a different offset so threads do not move in lockstep.
-- Status codes are not inspected here: wrk counts every non-2xx/3xx answer in
-- summary.errors.status, which done() reports and the harness checks.

local requests = {}
local idx = 0
local thread_no = 0

function setup(thread)
  thread:set("tid", thread_no)
  thread_no = thread_no + 1
end

function init(args)
  local file = args[1]
  if file == nil then
    error("replay.lua needs the request file as its first argument (after --)")
  end
  for line in io.lines(file) do
    local method, path, token, body, rest = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)(.*)$")
    if method ~= nil then
      local headers = {}
      for name, value in rest:gmatch("\t([^\t:]+): ([^\t]*)") do
        headers[name] = value
      end
      if token ~= "" then
        headers["Authorization"] = "Bearer " .. token
      end
      if body ~= "" then
        headers["Content-Type"] = "application/json"
      else
        body = nil
      end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  if #requests == 0 then
    error("no requests in " .. file)
  end
  idx = ((tid or 0) * 7919) % #requests
end

function request()
  idx = idx % #requests + 1
  return requests[idx]
end

-- One machine-readable line, picked up by the harness (latencies in microseconds).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
    '"lat_mean_us":%.1f,"lat_max_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
