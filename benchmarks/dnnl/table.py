#!/usr/bin/python3
"""Turns dnnl_bench's output (one or more thread counts, concatenated) into README's per-layer markdown table:
each pass's GFLOP/s under the engine's own GEMM cores, its phased GEMM cores (strided layers) and its default (AUTO:
oneDNN for most, the direct cores for the study's narrow layers), against the same run's sgemm.
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
        if len(f) >= 7 and f[1] in ('forward', 'backwardInput', 'backwardWeight'):
            phased = float(f[7]) if len(f) >= 8 else 0.0
            rows.setdefault((f[0], f[1]), {})[threads] = (float(f[2]), phased, float(f[6]))
ts = sorted(sgemm)


def cell(v, t, bold=False):
    if v <= 0:
        return '-'
    s = f'{v:.1f}'
    return f'**{s}** ({100 * v / sgemm[t]:.0f}%)' if bold else f'{s} ({100 * v / sgemm[t]:.0f}%)'


head = ' | '.join(f'own GEMM {t}t | phased {t}t | default {t}t' for t in ts)
print(f'| layer (batch 1) | pass | {head} |')
print('|---|---|' + '---:|' * (3 * len(ts)))
for (layer, pas), by in rows.items():
    cells = []
    for t in ts:
        own, phased, default = by.get(t, (0.0, 0.0, 0.0))
        cells += [cell(own, t), cell(phased, t), cell(default, t, True)]
    print(f'| {layer} | {pas} | ' + ' | '.join(cells) + ' |')
print('| sgemm 1024^3 (OpenBLAS, same run) | | ' + ' | '.join(f'{sgemm[t]:.1f} | | ' for t in ts) + ' |')
