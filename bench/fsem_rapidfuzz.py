#!/usr/bin/env python3
"""The rapidfuzz baseline of bench/fsem.sh: every catalog title against every list title with
fuzz.token_set_ratio (after utils.default_process), pairs scoring at least CUTOFF written out.

  python3 bench/fsem_rapidfuzz.py LIST.tsv CATALOG.tsv CUTOFF OUT.tsv

LIST.tsv: entry<TAB>title; CATALOG.tsv: id<TAB>title<TAB>author. OUT.tsv: id<TAB>entry<TAB>score.
Prints the seconds spent matching (files read and written excluded)."""
import sys
import time

import numpy as np
from rapidfuzz import fuzz, process, utils


def main():
    list_path, cat_path, cutoff, out_path = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    entries, titles = [], []
    with open(list_path, encoding="utf-8") as f:
        for line in f:
            e, t = line.rstrip("\n").split("\t", 1)
            entries.append(int(e))
            titles.append(t)
    ids, records = [], []
    with open(cat_path, encoding="utf-8") as f:
        for line in f:
            i, t, _a = line.rstrip("\n").split("\t", 2)
            ids.append(int(i))
            records.append(t)
    started = time.perf_counter()
    choices = [utils.default_process(t) for t in titles]
    pairs = []
    chunk = 4000
    for s in range(0, len(records), chunk):
        queries = [utils.default_process(t) for t in records[s : s + chunk]]
        m = process.cdist(queries, choices, scorer=fuzz.token_set_ratio, score_cutoff=cutoff, dtype=np.uint8, workers=-1)
        for r, c in zip(*np.nonzero(m)):
            pairs.append((ids[s + r], entries[c], int(m[r, c])))
    took = time.perf_counter() - started
    with open(out_path, "w", encoding="utf-8") as f:
        for i, e, score in pairs:
            f.write(f"{i}\t{e}\t{score}\n")
    print(f"{took:.3f}")


if __name__ == "__main__":
    main()
