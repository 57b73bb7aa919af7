#!/usr/bin/env bash
# The ФСЭМ check against PostgreSQL pg_trgm and Python rapidfuzz, and the RUSMARC reader against
# yaz-marcdump, in one run (bench/RESULTS.md):
#   bash bench/fsem.sh                          # 100 000 records, a 100 MB RUSMARC file
#   BENCH_RECORDS=20000 BENCH_MARC_MB=20 bash bench/fsem.sh
# BENCH_POSTGRES_URL= (empty) skips pg_trgm. Needs python3 with rapidfuzz and numpy
# (pip install rapidfuzz numpy) and yaz-marcdump (apt-get install -y yaz). The generator and timings
# live in crates/biblioset/benches/fsem.rs; the rapidfuzz side in bench/fsem_rapidfuzz.py.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/biblioset/target}"
export BENCH_POSTGRES_URL="${BENCH_POSTGRES_URL-postgres://postgres@127.0.0.1:5432/postgres}"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
cargo bench -p biblioset --bench fsem
