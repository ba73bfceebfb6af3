-- wrk reporter: after the run, one line the bench scripts parse (wrk measures latency in microseconds).
-- Every answer must be a 2xx, or exactly EXPECT_STATUS when it is set (304 for the conditional requests); others are
-- counted as bad. Optional HEADER_NAME/HEADER_VALUE add a request header (If-None-Match).
local expect = tonumber(os.getenv("EXPECT_STATUS") or "")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
  local name, value = os.getenv("HEADER_NAME"), os.getenv("HEADER_VALUE")
  if name and name ~= "" then wrk.headers[name] = value end
end

function response(status, headers, body)
  if (expect and status ~= expect) or (not expect and (status < 200 or status > 299)) then
    unexpected = unexpected + 1
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, bad, e.connect + e.read + e.write + e.timeout))
end
