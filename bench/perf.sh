#!/bin/bash
# Interleaved repeated runs of bench/perf.ts over several checkouts (one process per run), so
# that host noise hits every tree alike; compare medians per tree and target.
#   bench/perf.sh ROUNDS "TARGETS" DIR...     e.g. bench/perf.sh 4 "hvc-kvm direct" /tmp/old .
# Prints "<dir name> <target> <value> <unit>" lines; summarise with e.g.
#   ... | sort | awk '{k=$1" "$2; a[k]=a[k]" "$3} END {for (k in a) print k, a[k]}'
set -e
rounds=$1 targets=$2
shift 2
for _ in $(seq "$rounds"); do
  for d in "$@"; do
    (cd "$d" && deno run -A --v8-flags=--max-inlined-bytecode-size-cumulative=2000 \
      bench/perf.ts $targets 2>&1 | sed "s|^|$(basename "$(realpath "$d")") |")
  done
done
