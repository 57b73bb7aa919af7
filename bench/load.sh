#!/usr/bin/env bash
# Load on the demo over loopback with wrk, in one run: a trivial handler (/health) as the ceiling,
# the signed-in pages at 10 and at 500 connections, sign-in, and the server's memory during and
# after 100 concurrent sign-ins. Prints each figure and the ratio of each page to the ceiling.
#   bash bench/load.sh            (builds the release binary, starts its own demo server)
# Needs wrk and curl (Debian: apt-get install wrk curl).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-18123}"
DUR="${DUR:-10s}"
BASE="http://127.0.0.1:$PORT"
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/biblioset"
data=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
# --trust-proxy: the sign-in load speaks from many addresses (X-Forwarded-For), as a school
# district's users do, so that it measures hashing, not the per-address throttle.
"$BIN" --data-dir "$data" serve --demo --trust-proxy --listen "127.0.0.1:$PORT" >"$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done

rss() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$pid/status"; }
hwm() { awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$pid/status"; }

jar="$data/jar"
curl -s -c "$jar" -o /dev/null "$BASE/login"
csrf=$(awk '$6 == "bs_csrf" { print $7 }' "$jar")
curl -s -b "$jar" -c "$jar" -o /dev/null -d "login=head&password=demo-parol&_csrf=$csrf" "$BASE/login"
cookie="bs_session=$(awk '$6 == "bs_session" { print $7 }' "$jar")"

# wrk's summary as "req/s p50 p99" (latencies in ms).
run() {
  wrk --latency "$@" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    / 50%/ { p50 = ms($2) } / 99%/ { p99 = ms($2) } /Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.2f %.2f %s\n", rps, p50, p99, (bad == "" ? 0 : bad) }'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); database: SQLite (WAL); duration $DUR per line"
printf '%-34s %10s %9s %9s %8s %9s\n' "what" "req/s" "p50 ms" "p99 ms" "non-2xx" "of ceiling"
read -r ceil p50 p99 bad < <(run -t2 -c10 -d"$DUR" "$BASE/health")
printf '%-34s %10s %9s %9s %8s %9s\n' "/health (ceiling), 10 conn" "$ceil" "$p50" "$p99" "$bad" "100 %"
for path in /api/me /schools /librarians /passports /; do
  read -r rps p50 p99 bad < <(run -t2 -c10 -d"$DUR" -H "Cookie: $cookie" "$BASE$path")
  printf '%-34s %10s %9s %9s %8s %8s%%\n' "$path signed in, 10 conn" "$rps" "$p50" "$p99" "$bad" "$(( rps * 100 / ceil ))"
done
read -r rps p50 p99 bad < <(run -t2 -c500 -d"$DUR" -H "Cookie: $cookie" "$BASE/schools")
printf '%-34s %10s %9s %9s %8s %8s%%\n' "/schools signed in, 500 conn" "$rps" "$p50" "$p99" "$bad" "$(( rps * 100 / ceil ))"

# Sign-in: each request posts the form with the CSRF pair of an anonymous browser, from its own
# address, as one of the demo accounts; a success answers 303 (counted as non-2xx by wrk).
cat >"$data/login.lua" <<LUA
local logins = {"head", "observer", "lib01", "lib02", "lib03", "lib04", "lib05", "lib06", "lib07", "lib08", "lib09", "lib10"}
local n = 0
request = function()
  n = n + 1
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "bs_csrf=$csrf",
    ["X-Forwarded-For"] = "10." .. (n % 200) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254),
  }
  local body = "login=" .. logins[n % #logins + 1] .. "&password=demo-parol&_csrf=$csrf"
  return wrk.format("POST", "/login", headers, body)
end
LUA
before=$(rss)
read -r rps p50 p99 bad < <(run -t2 -c100 -d"$DUR" -s "$data/login.lua" "$BASE/login")
peak=$(hwm)
sleep 2
printf '%-34s %10s %9s %9s %8s\n' "sign-in, 100 conn" "$rps" "$p50" "$p99" "$bad"
echo "server memory: ${before} MiB before the sign-ins, peak ${peak} MiB, $(rss) MiB after"
