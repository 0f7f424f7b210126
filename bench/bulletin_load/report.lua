-- Adds one machine-readable line to wrk's report; run.sh reads its figures from it.
-- Only done() is defined, so wrk keeps its fast path (no Lua call per request).

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d p50_us=%.0f p75_us=%.0f p90_us=%.0f " ..
    "p99_us=%.0f max_us=%.0f mean_us=%.0f err_connect=%d err_read=%d err_write=%d " ..
    "err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
