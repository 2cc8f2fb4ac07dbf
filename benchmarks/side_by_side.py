#!/usr/bin/python3
"""The engine and PyTorch side by side on this machine, in the same run, interleaved.

For every (part, scale, batch) and round it runs the engine's `bench-step` and benchmarks/pytorch/tdsr_torch.py
at each thread count, one after the other (A B A B ...), so both sides see the same machine load; each side's figure
is its best thread count's fastest round mean. With --layers it also runs the engine's EngineBench (JMH) and the
PyTorch layer timings of the same shapes, each pass's GFLOP/s against the same-run sgemm of its own side.

  mvn -B -q -Pbench -DskipTests package   # target/tdsr-native.jar and target/benchmarks.jar
  /usr/bin/python3 benchmarks/side_by_side.py --scales 4,8 --batches 1,6 --threads 1,2 --layers

PyTorch is a benchmark-time tool, never a dependency: `apt-get install python3-torch libopenblas0-pthread`.
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left as the environment has them unless --openblas-auto unsets them for
both sides (the header says which setting ran).
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_SCRIPT = os.path.join(ROOT, 'benchmarks', 'pytorch', 'tdsr_torch.py')
JAR = os.path.join(ROOT, 'target', 'tdsr-native.jar')
BENCH_JAR = os.path.join(ROOT, 'target', 'benchmarks.jar')
SECONDS = re.compile(r':\s*([0-9.]+) s')


def run(cmd, env):
    print('  $ ' + ' '.join(cmd), flush=True)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"side_by_side: command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return p.stdout


def engine_seconds(part, scale, batch, threads, steps, warmup, adam, env):
    cmd = ['java', '-jar', JAR, 'bench-step', '--device', 'cpu', '--part', part, '--scale', str(scale),
           '--batch', str(batch), '--threads', str(threads), '--steps', str(steps), '--warmup', str(warmup)]
    out = run(cmd + (['--adam'] if adam else []), env)
    line = [l for l in out.splitlines() if l.startswith('bench-step')][-1]
    print('    ' + line, flush=True)
    return float(re.search(r': ([0-9.]+) s/step', line).group(1))


def torch_seconds(part, scale, batch, threads, steps, warmup, adam, env):
    cmd = ['/usr/bin/python3', TORCH_SCRIPT, '--part', part, '--scale', str(scale), '--batch', str(batch),
           '--threads', str(threads), '--steps', str(steps), '--warmup', str(warmup)]
    out = run(cmd + (['--adam'] if adam else []), env)
    line = [l for l in out.splitlines() if l.startswith('torch')][-1]
    print('    ' + line, flush=True)
    return float(SECONDS.search(line).group(1))


def load():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def layer_rows(args, env):
    """{(shape, pass, threads): GFLOP/s} and {threads: sgemm GFLOP/s} for each side."""
    shapes = args.shapes
    eng, eng_sgemm, tor, tor_sgemm = {}, {}, {}, {}
    for rnd in range(args.rounds):
        out = run(['java', '-cp', BENCH_JAR, 'dev.tdsr.bench.EngineBench', '-p', 'threads=' + args.threads,
                   '-wi', '1', '-i', '2', '-w', '1', '-r', '1'] + (['-p', 'shape=' + shapes] if shapes else []), env)
        for l in out.splitlines():
            m = re.match(r'\| (\S+) \| (\w*) \| (\d+) \| ([0-9.]+) \| ([0-9.]+) \|', l)
            if m and m.group(1) == 'sgemm':
                continue
            if m:
                key = (m.group(1), m.group(2), m.group(3))
                eng[key] = max(eng.get(key, 0), float(m.group(5)))
            m = re.match(r'\| sgemm 1024\^3 \(reference\) \| \| (\d+) \| ([0-9.]+) \| ([0-9.]+) \|', l)
            if m:
                eng_sgemm[m.group(1)] = max(eng_sgemm.get(m.group(1), 0), float(m.group(3)))
        for t in args.threads.split(','):
            out = run(['/usr/bin/python3', TORCH_SCRIPT, '--part', 'layers', '--threads', t, '--steps', '5',
                       '--warmup', '1'] + (['--shapes', shapes] if shapes else []), env)
            for l in out.splitlines():
                m = re.match(r'torch layer (\S+) pass (\S+) threads (\d+): ([0-9.]+) ms ([0-9.]+) GFLOP/s', l)
                if not m:
                    continue
                if m.group(1) == 'sgemm1024':
                    tor_sgemm[m.group(3)] = max(tor_sgemm.get(m.group(3), 0), float(m.group(5)))
                else:
                    key = (m.group(1), m.group(2), m.group(3))
                    tor[key] = max(tor.get(key, 0), float(m.group(5)))
    return eng, eng_sgemm, tor, tor_sgemm


def main():
    ap = argparse.ArgumentParser(description='engine vs PyTorch, same machine, same run')
    ap.add_argument('--parts', default='step', help='comma list of step, sr-forward, detector-forward')
    ap.add_argument('--scales', default='4,8')
    ap.add_argument('--batches', default='1')
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--rounds', type=int, default=2, help='A B A B rounds per configuration')
    ap.add_argument('--steps', type=int, default=1, help='timed steps per run')
    ap.add_argument('--warmup', type=int, default=1, help='untimed steps per run')
    ap.add_argument('--adam', action='store_true', help='both sides end each step with an Adam update')
    ap.add_argument('--layers', action='store_true', help='also the per-layer table (EngineBench vs PyTorch)')
    ap.add_argument('--shapes', default='', help='layer shapes (comma list; default: all of ConvBenchmark.Shape)')
    ap.add_argument('--openblas-auto', action='store_true',
                    help='unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for both sides (OpenBLAS picks its kernels)')
    args = ap.parse_args()
    env = dict(os.environ)
    if args.openblas_auto:
        env.pop('OPENBLAS_CORETYPE', None)
        env.pop('OPENBLAS_L2_SIZE', None)
    for f in (JAR, BENCH_JAR if args.layers else JAR):
        if not os.path.exists(f):
            sys.exit(f'side_by_side: {f} is missing; build with: mvn -B -q -Pbench -DskipTests package')
    print(f"# side_by_side {time.strftime('%Y-%m-%d %H:%M')} load {load()}; OPENBLAS_CORETYPE="
          f"{env.get('OPENBLAS_CORETYPE', '(unset)')} OPENBLAS_L2_SIZE={env.get('OPENBLAS_L2_SIZE', '(unset)')}; "
          f"{os.cpu_count()} processors", flush=True)
    threads = [int(t) for t in args.threads.split(',')]
    results = []
    for part in [p for p in args.parts.split(',') if p]:  # --parts '' runs the layer table alone
        scales = [int(s) for s in args.scales.split(',')]
        for sc in scales[:1] if part == 'detector-forward' else scales:  # the detector's input is 300x300 at any scale
            for batch in [int(b) for b in args.batches.split(',')]:
                eng = {t: float('inf') for t in threads}
                tor = {t: float('inf') for t in threads}
                for _ in range(args.rounds):
                    for t in threads:
                        eng[t] = min(eng[t], engine_seconds(part, sc, batch, t, args.steps, args.warmup, args.adam,
                                                            env))
                        tor[t] = min(tor[t], torch_seconds(part, sc, batch, t, args.steps, args.warmup, args.adam,
                                                           env))
                results.append((part, sc, batch, eng, tor, load()))
    if results:
        print_steps(results, threads)
    if args.layers:
        print_layers(args, env, threads)
    print(f"# done {time.strftime('%H:%M')} load {load()}")


def print_steps(results, threads):
    cols = ' | '.join([f'engine {t}t' for t in threads] + [f'PyTorch {t}t' for t in threads])
    print(f"\n| part | scale | batch | {cols} | engine best | PyTorch best | engine speed vs PyTorch | load after |")
    print('|---|---:|---:|' + '---:|' * (2 * len(threads) + 3) + '---|')
    for part, sc, batch, eng, tor, ld in results:
        be, bt = min(eng.values()), min(tor.values())
        cells = ' | '.join([f'{eng[t]:.2f} s' for t in threads] + [f'{tor[t]:.2f} s' for t in threads])
        scale = '-' if part == 'detector-forward' else f'{sc}x'
        print(f"| {part} | {scale} | {batch} | {cells} | {be:.2f} s ({min(eng, key=eng.get)}t) | {bt:.2f} s "
              f"({min(tor, key=tor.get)}t) | **{bt / be:.2f}x** | {ld} |")


def print_layers(args, env, threads):
    eng, eng_sgemm, tor, tor_sgemm = layer_rows(args, env)
    print(f"\n| layer (batch 1) | pass | engine GFLOP/s (threads) | engine vs its sgemm | PyTorch GFLOP/s "
          f"(threads) | PyTorch vs its sgemm | engine / PyTorch |")
    print('|---|---|---:|---:|---:|---:|---:|')
    for shape, pas in dict.fromkeys((k[0], k[1]) for k in eng):  # in the order EngineBench printed them
        be = max(((eng.get((shape, pas, str(t)), 0), t) for t in threads))
        bt = max(((tor.get((shape, pas, str(t)), 0), t) for t in threads))
        es = eng_sgemm.get(str(be[1]), float('nan'))
        ts = tor_sgemm.get(str(bt[1]), float('nan'))
        print(f"| {shape} | {pas} | {be[0]:.1f} ({be[1]}t) | {100 * be[0] / es:.0f}% | {bt[0]:.1f} ({bt[1]}t) "
              f"| {100 * bt[0] / ts:.0f}% | {be[0] / max(bt[0], 1e-9):.2f}x |")
    for t in threads:
        print(f"| sgemm 1024^3 | | {eng_sgemm.get(str(t), float('nan')):.1f} ({t}t) | 100% | "
              f"{tor_sgemm.get(str(t), float('nan')):.1f} ({t}t) | 100% | |")


if __name__ == '__main__':
    main()
