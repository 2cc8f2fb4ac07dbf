#!/usr/bin/python3
"""Turns dnnl_bench's output (one or more thread counts, concatenated) into README's per-layer markdown table:
each pass's GFLOP/s under the engine's own GEMM cores and under its default (oneDNN), against the same run's sgemm.
  target/dnnl-bench/dnnl_bench 1 1 > /tmp/l1.txt; target/dnnl-bench/dnnl_bench 2 1 > /tmp/l2.txt
  benchmarks/dnnl/table.py /tmp/l1.txt /tmp/l2.txt"""
import re
import sys

rows = {}
sgemm = {}
for path in sys.argv[1:]:
    threads = None
    for line in open(path):
        m = re.match(r'sgemm 1024\^3 threads=(\d+) ([0-9.]+) GFLOP/s', line)
        if m:
            threads = int(m.group(1))
            sgemm[threads] = float(m.group(2))
            continue
        f = line.split()
        if len(f) == 7 and f[1] in ('forward', 'backwardInput', 'backwardWeight'):
            rows.setdefault((f[0], f[1]), {})[threads] = (float(f[2]), float(f[6]))
ts = sorted(sgemm)
head = ' | '.join(f'own GEMM {t}t | oneDNN (default) {t}t' for t in ts)
print(f'| layer (batch 1) | pass | {head} |')
print('|---|---|' + '---:|' * (2 * len(ts)))
for (layer, pas), by in rows.items():
    cells = []
    for t in ts:
        own, dnnl = by.get(t, (float('nan'), float('nan')))
        cells.append(f'{own:.1f} ({100 * own / sgemm[t]:.0f}%)')
        cells.append(f'**{dnnl:.1f}** ({100 * dnnl / sgemm[t]:.0f}%)')
    print(f'| {layer} | {pas} | ' + ' | '.join(cells) + ' |')
print('| sgemm 1024^3 (OpenBLAS, same run) | | ' + ' | '.join(f'{sgemm[t]:.1f} | {sgemm[t]:.1f}' for t in ts) + ' |')
