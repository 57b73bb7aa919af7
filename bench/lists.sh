#!/usr/bin/env bash
# Latency of the busiest pages for a signed-in head, against a running demo server:
#   cargo run --release -- serve --demo --listen 127.0.0.1:8123 &  then  bash bench/lists.sh http://127.0.0.1:8123
# Sends a bounded number of sequential requests to loopback only, and prints the median and p95.
set -euo pipefail
BASE="${1:-http://127.0.0.1:8123}"
N="${N:-200}"
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
curl -s -c "$jar" -o /dev/null "$BASE/login"
csrf=$(awk '$6 == "bs_csrf" { print $7 }' "$jar")
curl -s -b "$jar" -c "$jar" -o /dev/null -d "login=head&password=demo-parol&_csrf=$csrf" "$BASE/login"
for path in "/" "/schools" "/schools?q=%D0%B3%D0%B8%D0%BC%D0%BD" "/librarians" "/passports" "/audit" "/schools/export.xlsx" "/api/schools"; do
  for _ in $(seq 1 "$N"); do
    curl -s -b "$jar" -o /dev/null -w '%{time_total}\n' "$BASE$path"
  done | sort -n | awk -v p="$path" '{ a[NR] = $1 } END { printf "%-44s median %6.2f ms   p95 %6.2f ms\n", p, a[int(NR/2)] * 1000, a[int(NR*0.95)] * 1000 }'
done
