-- Posts the bulletin's reply form at a steady pace. Run with -t1 and few connections: wrk
-- has no rate option, so delay() spaces each connection's posts (10 ms plus the answer's
-- time); the real rate is requests / duration in the RESULT line.
-- Environment: FORM_TOKEN and FORM_LANG (the form's hidden inputs), FORM_COOKIE (when the
-- form page set one), FORM_DELAY_MS (default 10).

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local token = os.getenv("FORM_TOKEN") or ""
local lang = os.getenv("FORM_LANG") or "en"
local cookie = os.getenv("FORM_COOKIE") or ""
local pause = tonumber(os.getenv("FORM_DELAY_MS") or "10")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
if cookie ~= "" then wrk.headers["Cookie"] = cookie end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

sent = 0
accepted = 0
refused = 0
last_refused = 0

-- A different message each time, as different readers would write.
function request()
  sent = sent + 1
  local message = "Good afternoon. I would like to attend the consular day and need a new " ..
    "passport for my daughter; which documents should we bring? (reader " .. sent .. ")"
  local body = "token=" .. urlencode(token) .. "&lang=" .. urlencode(lang) ..
    "&message=" .. urlencode(message) .. "&email=" .. urlencode("reader" .. sent .. "@example.org") ..
    "&consent=yes&website="
  return wrk.format(nil, nil, nil, body)
end

function delay()
  return pause
end

function response(status, headers, body)
  if status < 400 then
    accepted = accepted + 1
  else
    refused = refused + 1
    last_refused = status
  end
end

-- Each wrk thread has its own Lua state: the counters are read from the threads.
function done(summary, latency, requests)
  local ok, bad, last = 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("accepted")
    bad = bad + t:get("refused")
    if t:get("last_refused") ~= 0 then last = t:get("last_refused") end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d p50_us=%.0f p99_us=%.0f max_us=%.0f " ..
    "accepted=%d refused=%d last_refused=%d err_connect=%d err_read=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    ok, bad, last, e.connect, e.read, e.timeout))
end
