-- wrk script for bench/orders.sh: POST /api/v1/orders with a bearer token, the same JSON basket every time and a
-- fresh Idempotency-Key per request (run prefix + thread number + counter), counting every answer that is not 201.
-- Environment: ORDER_TOKEN (bearer token), ORDER_BODY (JSON body), KEY_PREFIX (unique per run).
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  not_201 = 0
  math.randomseed(os.time() + id)
  prefix = string.format("%s-t%d-%06d-", os.getenv("KEY_PREFIX") or "bench", id, math.random(0, 999999))
  wrk.method = "POST"
  wrk.body = os.getenv("ORDER_BODY")
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("ORDER_TOKEN")
end

function request()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = prefix .. counter
  return wrk.format()
end

function response(status, headers, body)
  if status ~= 201 then
    not_201 = not_201 + 1
    if not_201 <= 3 then io.stderr:write(string.format("status %d: %s\n", status, body:sub(1, 300))) end
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_201") end
  local e = summary.errors
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d non201=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, bad, e.connect + e.read + e.write + e.timeout))
end
