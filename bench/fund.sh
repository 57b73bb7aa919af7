#!/usr/bin/env bash
# The textbook fund at a region's scale, on SQLite and PostgreSQL in one run (bench/RESULTS.md):
#   bash bench/fund.sh                    # 2 000 schools, PostgreSQL on 127.0.0.1:5432
#   BENCH_SCHOOLS=600 bash bench/fund.sh  # a smaller region
# BENCH_POSTGRES_URL= (empty) measures SQLite only. The generator and timings live in
# crates/biblioset/benches/fund.rs; the databases are made in a temporary directory and dropped after.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/biblioset/target}"
export BENCH_POSTGRES_URL="${BENCH_POSTGRES_URL-postgres://postgres@127.0.0.1:5432/postgres}"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "schools: ${BENCH_SCHOOLS:-2000}"
cargo bench -p biblioset --bench fund
