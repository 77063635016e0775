-- wrk script of bench/load/verify_load.sh: one pre-built request per line of a file,
-- taken in turn, so that consecutive requests use different tokens (sessions).
--
--   wrk ... -s bench/load/rotate.lua <url> -- <mode> <file> [user-agent]
--
--   mode "bearer": each line is a JWT; sends <method> <path> with
--                  "Authorization: Bearer <line>" (method from LOAD_METHOD, default GET).
--   mode "login":  each line is a JSON body; sends POST <path> with it.
--
-- Each wrk thread starts at its own place in the list. done() prints one line
-- "LOAD_RESULT {...}" (JSON) after wrk's own report, for scripts to pick up.

local mode, file, agent
local requests = {}
local count, position = 0, 0

local thread_number = 0
function setup(thread)
  thread:set("thread_number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  mode = args[1] or "bearer"
  file = args[2]
  agent = args[3] or "sessionkit-load/1"
  if file == nil then
    error("usage: wrk ... -s rotate.lua <url> -- <bearer|login> <file> [user-agent]")
  end
  local method = os.getenv("LOAD_METHOD") or "GET"
  for line in io.lines(file) do
    line = line:gsub("%s+$", "")
    if #line > 0 then
      local headers = { ["User-Agent"] = agent }
      if mode == "login" then
        headers["Content-Type"] = "application/json"
        requests[#requests + 1] = wrk.format("POST", wrk.path, headers, line)
      else
        headers["Authorization"] = "Bearer " .. line
        requests[#requests + 1] = wrk.format(method, wrk.path, headers)
      end
    end
  end
  count = #requests
  if count == 0 then
    error("no usable line in " .. file)
  end
  position = ((thread_number or 0) * 7919) % count
end

function request()
  position = position % count + 1
  return requests[position]
end

function done(summary, latency, _)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local failed = e.status + e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    'LOAD_RESULT {"requests":%d,"seconds":%.3f,"ok_per_s":%.1f,"non_2xx":%d,' ..
    '"socket_errors":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, seconds, (summary.requests - e.status) / seconds, e.status,
    failed - e.status, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency:percentile(99.9) / 1e3, latency.max / 1e3))
end
