#!/usr/bin/env bash
# Load test of the public bulletin index: the Release gateway against nginx serving the very
# same page from a file, with wrk, on this machine. Then the index's latency while reply-form
# posts arrive at about 100/s. Prints the figures recorded in docs/PERFORMANCE.md.
#
#   bash bench/bulletin_load/run.sh
#
# OGW_BENCH_SECONDS (default 20) sets each measured run's length; every run is preceded by a
# 3 s warm-up. The form posts come from FORM_CONNECTIONS connections (default 2), each pausing
# FORM_DELAY_MS (default 10) before every post: a connection reaches 100 posts/s only when a
# post takes no time, so the rate reached is printed (2 connections give about 110/s here). Installs wrk and nginx when missing, builds the gateway when missing, and leaves
# nothing running or on disk.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/bench/bulletin_load

SECONDS_RUN=${OGW_BENCH_SECONDS:-20}
WARMUP=3
THREADS=2
CONNECTIONS=32
ENTRIES=50
FORM_DELAY_MS=${FORM_DELAY_MS:-10}
FORM_CONNECTIONS=${FORM_CONNECTIONS:-2}
BIN=$ROOT/build/release/gateway/outreach-gateway

log() { printf '\n== %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- 1. tools -------------------------------------------------------------------------------

find_nginx() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -n "$(find_nginx)" ] || missing+=(nginx-light)
for tool in curl jq python3 flock; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  # The system's nginx must not start (or be left running) because of this install: an exit
  # code 101 from policy-rc.d tells invoke-rc.d to start nothing. An existing policy is kept.
  policy_added=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    policy_added=1
  fi
  # Another apt run (e.g. another engineer's install) holds the lock for a while: wait for it.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || { [ -n "$policy_added" ] && $SUDO rm -f /usr/sbin/policy-rc.d; exit 1; }
  [ -n "$policy_added" ] && $SUDO rm -f /usr/sbin/policy-rc.d
  # Under systemd the package also enables the unit; this bench runs its own nginx only.
  if [ -d /run/systemd/system ] && [[ " ${missing[*]} " == *" nginx-light "* ]]; then
    $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi
NGINX=$(find_nginx)
[ -n "$NGINX" ] || die "nginx not found after installing it"

# --- 2. the Release gateway -----------------------------------------------------------------

if [ ! -x "$BIN" ]; then
  log "building the Release gateway (the first build takes about 15 minutes)"
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DOUTREACH_BUILD_TESTS=OFF \
    -DOUTREACH_BUILD_BENCH=OFF >/dev/null
  # Others build in this tree too; the lock keeps two builds from running at once.
  flock /tmp/ogw-build.lock cmake --build build/release -j2 --target outreach-gateway
fi

# --- temp dir, and everything started is stopped on exit ------------------------------------

WORK=$(mktemp -d /tmp/ogw-bulletin-load-XXXXXX)
# nginx's workers run as another user when the master is root: they must reach the page.
chmod 755 "$WORK"
GATEWAY_PID=""
REDIS_PID=""
NGINX_STARTED=""
BACKGROUND=()

stop_pid() {  # pid, seconds to wait after SIGTERM before SIGKILL
  local pid=$1 wait_s=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < wait_s * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  set +e
  for pid in "${BACKGROUND[@]}"; do stop_pid "$pid" 2; done
  if [ -n "$NGINX_STARTED" ] && [ -f "$WORK/nginx/nginx.pid" ]; then
    stop_pid "$(cat "$WORK/nginx/nginx.pid")" 5
  fi
  if [ -n "$GATEWAY_PID" ]; then
    stop_pid "$GATEWAY_PID" 15
    wait "$GATEWAY_PID" 2>/dev/null
  fi
  # The gateway stops its private redis-server; should it have died first, it is stopped here.
  if [ -z "$REDIS_PID" ] && [ -f "$WORK/gateway.log" ]; then
    REDIS_PID=$(grep -o 'private redis-server (pid [0-9]*)' "$WORK/gateway.log" | grep -o '[0-9]*' | tail -n 1)
  fi
  [ -n "$REDIS_PID" ] && stop_pid "$REDIS_PID" 5
  if [ "$status" -ne 0 ] && [ -f "$WORK/gateway.log" ]; then
    echo "--- last lines of the gateway's log:" >&2
    tail -n 20 "$WORK/gateway.log" >&2
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- 3. the gateway on a private config -----------------------------------------------------

GW_PORT=$(free_port)
NGINX_PORT=$(free_port)
while [ "$NGINX_PORT" = "$GW_PORT" ]; do NGINX_PORT=$(free_port); done
GW=http://127.0.0.1:$GW_PORT
mkdir -m 700 "$WORK/redis"

# Every wrk connection comes from 127.0.0.1: the public limit per client address (100/s by
# default) and the reply form's limits (per address and, when the config has it, per
# bulletin) are raised so that they never answer 429 here.
write_config() {  # 1: form limits raised; "": without form_rate_limit; none: without bulletins
  jq --argjson port "$GW_PORT" --arg base "$GW" --arg data "$WORK/redis" --arg form "$1" '
    .server.listen = "127.0.0.1" | .server.port = $port
    | .links.public_base_url = $base
    | .redis.url = "" | .redis.data_dir = $data
    | .api.public_rate_limit = {"per_second": 1000000, "burst": 1000000}
    | if $form == "1" then
        .bulletins = ((.bulletins // {}) + {"form_rate_limit": {"per_second": 1000000, "burst": 1000000}})
        | .bulletins |= with_entries(if (.key | endswith("form_rate_limit"))
                                     then .value = {"per_second": 1000000, "burst": 1000000}
                                     else . end)
      elif $form == "" then del(.bulletins.form_rate_limit)
      else del(.bulletins) end' config/gateway.example.json >"$WORK/gateway.json"
}

start_gateway() {
  : >"$WORK/gateway.log"
  "$BIN" --config "$WORK/gateway.json" serve >"$WORK/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  local i
  for ((i = 0; i < 600; i++)); do
    if grep -q 'first admin API key' "$WORK/gateway.log" &&
       curl -fs -o /dev/null "$GW/healthz"; then
      return 0
    fi
    if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
      wait "$GATEWAY_PID" 2>/dev/null || true
      GATEWAY_PID=""
      return 1
    fi
    sleep 0.1
  done
  die "the gateway did not answer within 60 s"
}

FORM_LIMIT_NOTE="form rate limits set to 1,000,000/s"
unknown_bulletins_key() { grep -q 'unknown key' "$WORK/gateway.log" && grep -q 'bulletins' "$WORK/gateway.log"; }
write_config 1
if ! start_gateway; then
  unknown_bulletins_key || die "the gateway did not start: $(tail -n 5 "$WORK/gateway.log")"
  # A build older than the reply form: its config loader does not know the form's keys.
  FORM_LIMIT_NOTE="bulletins.form_rate_limit not known to this build's config loader: left out"
  echo "note: $FORM_LIMIT_NOTE"
  rm -rf "$WORK/redis" && mkdir -m 700 "$WORK/redis"
  write_config ""
  if ! start_gateway; then
    unknown_bulletins_key || die "the gateway did not start: $(tail -n 5 "$WORK/gateway.log")"
    FORM_LIMIT_NOTE="no bulletins section known to this build's config loader: left out"
    echo "note: $FORM_LIMIT_NOTE"
    rm -rf "$WORK/redis" && mkdir -m 700 "$WORK/redis"
    write_config none
    start_gateway || die "the gateway did not start: $(tail -n 5 "$WORK/gateway.log")"
  fi
fi
REDIS_PID=$(grep -o 'private redis-server (pid [0-9]*)' "$WORK/gateway.log" | grep -o '[0-9]*' | tail -n 1 || true)
KEY=$(sed -n 's/.*first admin API key (shown once, keep it safe): *\([^ ]*\).*/\1/p' "$WORK/gateway.log" | head -n 1)
[ -n "$KEY" ] || die "no admin API key in the gateway's output"
AUTH="Authorization: Bearer $KEY"

# --- 4. a post with 50 entries --------------------------------------------------------------

api() {  # method path [json body]
  local out body=()
  [ $# -ge 3 ] && body=(--data-binary "$3")
  out=$(curl -sS -X "$1" -H "$AUTH" -H 'Content-Type: application/json' "${body[@]}" \
    -w '\n%{http_code}' "$GW$2")
  local code=${out##*$'\n'}
  [[ "$code" == 2?? ]] || die "$1 $2 answered $code: ${out%$'\n'*}"
  printf '%s' "${out%$'\n'*}"
}

ORG=$(api GET /v1/me | jq -r .org_id)
POST=$(api POST /v1/posts '{"name":"Embassy in Berlin","country":"DE","city":"Berlin",
  "default_language":"en","time_zone":"Europe/Berlin"}' | jq -r .id)

# Notices as an embassy writes them: a title and a few paragraphs of Markdown, each different.
entry_json() {  # index
  jq -n --argjson i "$1" --arg post "$POST" '
    ["Berlin","Hamburg","Munich","Frankfurt","Cologne","Leipzig","Stuttgart","Dresden","Hanover","Bremen"] as $cities
    | ["3 March","17 March","7 April","28 April","12 May","9 June","23 June","14 July","8 September",
       "22 September","6 October","10 November","1 December"] as $days
    | $cities[$i % 10] as $city | $days[$i % 13] as $day
    | [
      ["Consular day in \($city) on \($day)",
       "Our mobile consular team will receive citizens in **\($city)** on **\($day)**, from 9:00 to 17:00. Passports, identity cards, certificates and notarial acts are handled on the spot."],
      ["Passport applications: new appointment system",
       "From **\($day)**, every passport application needs an appointment booked online. Walk-in applications are accepted only for urgent travel with proof of the ticket."],
      ["Embassy closed on \($day)",
       "The embassy and the consular section are closed on **\($day)** for a national holiday. For emergencies, call the duty officer at **+49 30 1234 5678**."],
      ["Voter registration for citizens abroad is open",
       "Citizens living in Germany can register to vote at the embassy until **\($day)**. Registration takes five minutes and needs a valid passport or identity card."],
      ["Notarial services: the documents you need",
       "Powers of attorney, consent for a child to travel and certified copies are prepared at the consular section. Please bring the **original documents** and their copies."],
      ["Community meeting with the Ambassador in \($city)",
       "The Ambassador invites the community of \($city) to an open meeting on **\($day)** at 18:00. Questions can be sent in advance through this bulletin."],
      ["Scholarships for students abroad",
       "The ministry offers **40 scholarships** for students enrolled at German universities. Applications close on \($day); the selection is announced a month later."],
      ["Registering the birth of a child born abroad",
       "Parents should register a child born in Germany within **three months**. The German birth certificate needs an apostille and a certified translation."],
      ["Pension certificates: annual proof of life",
       "Pensioners living in \($city) can confirm their proof of life at the consular day on **\($day)**, or by post with a certificate signed by a German notary."],
      ["Fraud warning: calls pretending to be the embassy",
       "Several people reported calls from someone **claiming to be a consular officer** and asking for payment. The embassy never asks for money by phone or messenger."]
    ][$i % 10] as $topic
    | ($topic[0] + (if $i >= 10 then " (\($i / 10 | floor + 1))" else "" end)) as $title
    | ($topic[1] + "\n\n"
       + "What to bring:\n\n- a valid passport or identity card;\n- one recent biometric photo;\n"
       + "- proof of residence in Germany (*Meldebescheinigung*);\n- the fee in cash or by card.\n\n"
       + "Appointments are booked at [the online calendar](https://embassy.example.org/appointments) "
       + "or by phone on weekdays from 10:00 to 12:00. People who cannot travel may ask for a home "
       + "visit; write to *consular@embassy.example.org* with your address and the service needed.\n\n"
       + "Please arrive ten minutes early. Notice \($i + 1) of \($day) in \($city).") as $body
    | {post_id: $post, texts: {en: {title: $title, body: $body}}}'
}

log "creating $ENTRIES bulletin entries in post $POST (organisation $ORG)"
FIRST_ENTRY=""
for ((i = 0; i < ENTRIES; i++)); do
  id=$(api POST /v1/bulletins/entries "$(entry_json "$i")" | jq -r .id)
  [ -n "$FIRST_ENTRY" ] || FIRST_ENTRY=$id
done

# --- 5. the page, and nginx serving it ------------------------------------------------------

INDEX_PATH=/b/$ORG/$POST/
GW_URL=$GW$INDEX_PATH
NGINX_URL=http://127.0.0.1:$NGINX_PORT$INDEX_PATH
mkdir -p "$WORK/www$INDEX_PATH" "$WORK/nginx"
# wrk sends the request line and Host only; curl sends the same (its own headers removed).
WRK_LIKE=(-H 'User-Agent:' -H 'Accept:')
code=$(curl -s "${WRK_LIKE[@]}" -o "$WORK/www${INDEX_PATH}index.html" -w '%{http_code}' "$GW_URL")
[ "$code" = 200 ] || die "the index answered $code, not 200"
PAGE_BYTES=$(stat -c %s "$WORK/www${INDEX_PATH}index.html")
grep -q '<article' "$WORK/www${INDEX_PATH}index.html" || die "the index holds no entry"

# uwsgi and scgi temp paths exist only in builds with those modules (not nginx-light).
extra_temp=""
"$NGINX" -V 2>&1 | grep -q 'without-http_uwsgi_module' ||
  extra_temp+="uwsgi_temp_path $WORK/nginx/uwsgi; "
"$NGINX" -V 2>&1 | grep -q 'without-http_scgi_module' ||
  extra_temp+="scgi_temp_path $WORK/nginx/scgi; "
cat >"$WORK/nginx/nginx.conf" <<EOF
# A plain static server: as many workers as CPUs (auto), the page from disk with sendfile.
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  types { text/html html; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  $extra_temp
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    index index.html;
  }
}
EOF
"$NGINX" -p "$WORK/nginx/" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -t -q
"$NGINX" -p "$WORK/nginx/" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf"
NGINX_STARTED=1
for ((i = 0; i < 50; i++)); do
  [ -s "$WORK/nginx/nginx.pid" ] && curl -fs -o /dev/null "$NGINX_URL" && break
  sleep 0.1
done
NGINX_WORKERS=$(pgrep -c -P "$(cat "$WORK/nginx/nginx.pid")" || true)
curl -s "${WRK_LIKE[@]}" -o "$WORK/from-nginx.html" "$NGINX_URL"
cmp -s "$WORK/from-nginx.html" "$WORK/www${INDEX_PATH}index.html" ||
  die "nginx does not serve the gateway's page byte for byte"

# --- 6. wrk: gateway, then nginx ------------------------------------------------------------

WRK_ARGS=(-t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency)

declare -A R
CLK_TCK=$(getconf CLK_TCK)
# CPU time (user + system, in clock ticks) of the given processes, all their threads.
cpu_ticks() {
  local pid total=0
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
  done
  echo "$total"
}
# Runs wrk with report.lua; keeps its RESULT fields as R[<name>.<field>], and the CPU time
# the server processes in MEASURED spent meanwhile as R[<name>.cpu_ticks].
MEASURED=()
run_wrk() {  # name url [extra wrk args...]
  local name=$1 url=$2 before
  shift 2
  before=$(cpu_ticks "${MEASURED[@]}")
  wrk "$@" -s "$HERE/report.lua" "$url" >"$WORK/$name.out"
  R[$name.cpu_ticks]=$(( $(cpu_ticks "${MEASURED[@]}") - before ))
  sed '/^RESULT/d' "$WORK/$name.out"
  local field
  for field in $(grep '^RESULT' "$WORK/$name.out" | cut -d' ' -f2-); do
    R[$name.${field%%=*}]=${field#*=}
  done
  [ -n "${R[$name.requests]:-}" ] || die "no RESULT line from wrk ($name)"
  if [ "${R[$name.err_status]}" != 0 ]; then
    echo "WARNING: $name: ${R[$name.err_status]} answers were not 2xx/3xx (429?)"
  fi
}

rate() { awk -v n="${R[$1.requests]}" -v us="${R[$1.duration_us]}" 'BEGIN { printf "%.0f", n / (us / 1e6) }'; }
mbps() { awk -v b="${R[$1.bytes]}" -v us="${R[$1.duration_us]}" 'BEGIN { printf "%.1f", b / (us / 1e6) / 1048576 }'; }
ms() { awk -v us="${R[$1]}" 'BEGIN { printf "%.2f", us / 1000 }'; }
# Server CPU per request in microseconds (clock ticks are 10 ms: a rough figure).
cpu_per_request() { awk -v t="${R[$1.cpu_ticks]}" -v hz="$CLK_TCK" -v n="${R[$1.requests]}" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }'; }

check_200() {  # url name
  local code
  code=$(curl -s "${WRK_LIKE[@]}" -o /dev/null -w '%{http_code}' "$1")
  [ "$code" = 200 ] || die "$2 answered $code to wrk's headers, not 200"
}

log "machine"
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
RAM_GB=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
echo "nproc $(nproc); $CPU_MODEL; ${RAM_GB} GiB RAM; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "gateway $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (working tree with changes)'), binary built $(date -r "$BIN" '+%F %T')"
echo "wrk $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f2); $("$NGINX" -v 2>&1 | cut -d' ' -f3), worker_processes auto = $NGINX_WORKERS"
echo "page $INDEX_PATH: $PAGE_BYTES bytes, $ENTRIES entries; $FORM_LIMIT_NOTE"
echo "wrk ${WRK_ARGS[*]} (after ${WARMUP} s of warm-up with the same threads and connections)"

GATEWAY_PIDS=("$GATEWAY_PID")
[ -n "$REDIS_PID" ] && GATEWAY_PIDS+=("$REDIS_PID")
mapfile -t NGINX_PIDS < <(cat "$WORK/nginx/nginx.pid"; pgrep -P "$(cat "$WORK/nginx/nginx.pid")")

check_200 "$GW_URL" gateway
log "gateway: warm-up ${WARMUP} s"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$GW_URL" >/dev/null
log "gateway: wrk ${WRK_ARGS[*]} $GW_URL"
MEASURED=("${GATEWAY_PIDS[@]}")
run_wrk gateway "$GW_URL" "${WRK_ARGS[@]}"
check_200 "$GW_URL" gateway

# As browsers ask for it: the page gzipped once in the gateway's cache.
GZIP_BYTES=$(curl -s "${WRK_LIKE[@]}" -H 'Accept-Encoding: gzip' -o - "$GW_URL" | wc -c)
log "gateway, gzip: wrk ${WRK_ARGS[*]} -H 'Accept-Encoding: gzip' $GW_URL ($GZIP_BYTES bytes)"
run_wrk gzip "$GW_URL" "${WRK_ARGS[@]}" -H 'Accept-Encoding: gzip'

check_200 "$NGINX_URL" nginx
log "nginx: warm-up ${WARMUP} s"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$NGINX_URL" >/dev/null
log "nginx: wrk ${WRK_ARGS[*]} $NGINX_URL"
MEASURED=("${NGINX_PIDS[@]}")
run_wrk nginx "$NGINX_URL" "${WRK_ARGS[@]}"

# --- 7. the index while reply-form posts arrive ---------------------------------------------

FORM_NOTE=""
FORM_TOKEN="" FORM_LANG="" FORM_COOKIE="" post_code=""
FORM_URL=$GW/b/$ORG/$POST/$FIRST_ENTRY/reply
log "reply form: GET $FORM_URL?lang=en"
form_code=$(curl -s -c "$WORK/cookies" -o "$WORK/form.html" -w '%{http_code}' "$FORM_URL?lang=en")
if [ "$form_code" = 404 ]; then
  FORM_NOTE="reply form not available (GET .../reply answered 404): scenario skipped"
elif [ "$form_code" != 200 ]; then
  FORM_NOTE="reply form not available (GET .../reply answered $form_code): scenario skipped"
else
  # The hidden inputs of the form that posts, whatever the order of their attributes.
  read -r FORM_TOKEN FORM_LANG < <(python3 - "$WORK/form.html" <<'PY'
import sys
from html.parser import HTMLParser

class Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_post_form = False
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.in_post_form = (a.get("method") or "").lower() == "post"
        elif tag == "input" and self.in_post_form and a.get("name") in ("token", "lang"):
            self.fields[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False

f = Form()
f.feed(open(sys.argv[1], encoding="utf-8").read())
print(f.fields.get("token", "-"), f.fields.get("lang", "-"))
PY
) || true
  FORM_COOKIE=$(awk -F'\t' '!/^#/ && NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$WORK/cookies" 2>/dev/null || true)
  if [ "$FORM_TOKEN" = "-" ] || [ -z "$FORM_TOKEN" ]; then
    FORM_NOTE="reply form not available (no hidden token input in a method=post form): scenario skipped"
  fi
fi

if [ -z "$FORM_NOTE" ]; then
  # The server refuses a token younger than 3 s.
  sleep 3.5
  post_code=$(curl -s -o "$WORK/form-answer.html" -w '%{http_code}' ${FORM_COOKIE:+-H "Cookie: $FORM_COOKIE"} \
    --data-urlencode "token=$FORM_TOKEN" --data-urlencode "lang=$FORM_LANG" \
    --data-urlencode "message=Is the consular day open to people without an appointment?" \
    --data-urlencode "email=first.reader@example.org" --data-urlencode "consent=yes" \
    --data-urlencode "website=" "$FORM_URL")
  if [[ "$post_code" != 2?? && "$post_code" != 3?? ]]; then
    FORM_NOTE="reply form refused a valid post ($post_code: $(head -c 200 "$WORK/form-answer.html" | tr '\n' ' ')): scenario skipped"
  fi
fi

if [ -n "$FORM_NOTE" ]; then
  echo "NOTE: $FORM_NOTE"
else
  echo "one form post answered $post_code; the form is posted from $FORM_CONNECTIONS connection(s), delay ${FORM_DELAY_MS} ms"
  export FORM_TOKEN FORM_LANG FORM_COOKIE FORM_DELAY_MS
  FORM_SECONDS=$((WARMUP + SECONDS_RUN + 2))
  wrk -t1 -c"$FORM_CONNECTIONS" -d"${FORM_SECONDS}s" -s "$HERE/form_post.lua" "$FORM_URL" >"$WORK/forms.out" &
  BACKGROUND+=($!)
  FORM_WRK_PID=$!
  sleep 1
  log "gateway under form load: warm-up ${WARMUP} s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$GW_URL" >/dev/null
  log "gateway under form load: wrk ${WRK_ARGS[*]} $GW_URL"
  MEASURED=("${GATEWAY_PIDS[@]}")
  run_wrk loaded "$GW_URL" "${WRK_ARGS[@]}"
  wait "$FORM_WRK_PID" || die "the form-posting wrk failed"
  BACKGROUND=()
  log "form posts: wrk -t1 -c$FORM_CONNECTIONS -d${FORM_SECONDS}s -s form_post.lua $FORM_URL"
  sed '/^RESULT/d' "$WORK/forms.out"
  for field in $(grep '^RESULT' "$WORK/forms.out" | cut -d' ' -f2-); do
    R[forms.${field%%=*}]=${field#*=}
  done
  [ -n "${R[forms.requests]:-}" ] || die "no RESULT line from the form-posting wrk"
fi

# --- summary --------------------------------------------------------------------------------

log "summary (wrk ${WRK_ARGS[*]}, page $PAGE_BYTES bytes)"
GW_RATE=$(rate gateway)
NGINX_RATE=$(rate nginx)
RATIO=$(awk -v g="$GW_RATE" -v n="$NGINX_RATE" 'BEGIN { printf "%.3f", g / n }')
printf '%-24s %11s %9s %8s %8s %8s %8s %18s\n' "" "requests/s" "MiB/s" "p50 ms" "p90 ms" "p99 ms" "max ms" "server CPU/request"
for name in gateway gzip nginx loaded; do
  [ -n "${R[$name.requests]:-}" ] || continue
  label=$name
  [ "$name" = loaded ] && label="gateway, forms posted"
  [ "$name" = gzip ] && label="gateway, gzip ($GZIP_BYTES B)"
  printf '%-24s %11s %9s %8s %8s %8s %8s %15s us\n' "$label" "$(rate "$name")" "$(mbps "$name")" \
    "$(ms "$name.p50_us")" "$(ms "$name.p90_us")" "$(ms "$name.p99_us")" "$(ms "$name.max_us")" \
    "$(cpu_per_request "$name")"
done
echo "ratio gateway/nginx: $RATIO (target: at least 0.5)"
if awk -v r="$RATIO" 'BEGIN { exit !(r >= 0.5) }'; then echo "rate target met"; else echo "rate target NOT met"; fi
if [ -n "$FORM_NOTE" ]; then
  echo "form scenario: $FORM_NOTE"
else
  FORM_RATE=$(rate forms)
  echo "form posts: $FORM_RATE/s (${R[forms.requests]} in $(awk -v us="${R[forms.duration_us]}" 'BEGIN { printf "%.1f", us / 1e6 }') s;" \
    "${R[forms.accepted]} accepted, ${R[forms.refused]} refused (last refusal: ${R[forms.last_refused]}); p50 $(ms forms.p50_us) ms, p99 $(ms forms.p99_us) ms)"
  echo "index p50/p99: $(ms gateway.p50_us)/$(ms gateway.p99_us) ms without, $(ms loaded.p50_us)/$(ms loaded.p99_us) ms with the form posts"
  if [ "$FORM_RATE" -lt 90 ]; then
    echo "form-load target not tested: only $FORM_RATE posts/s reached (try FORM_CONNECTIONS=4)"
  elif awk -v p="${R[loaded.p99_us]}" 'BEGIN { exit !(p < 50000) }'; then
    echo "form-load target met (index p99 under 50 ms at about 100 posts/s)"
  else
    echo "form-load target NOT met (index p99 under 50 ms at about 100 posts/s)"
  fi
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
