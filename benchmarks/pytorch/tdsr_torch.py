#!/usr/bin/python3
"""The PyTorch side of benchmarks/side-by-side.sh: the same networks and the same step as the engine's bench-step.

Our own script of the project's networks (not a dependency, never run by the tests or CI): D-DBPN as models/Dbpn
(alterzero dbpn.py: base 64, feat 256, T = 7, kernel/stride 8/4 at 4x, 12/8 at 8x, padding 2, PReLU after each
conv) and SSD300-VGG16 as models/Ssd (ssd.pytorch: VGG16 with ceil pool3, pool5 3/1/1, dilated conv6, conv7, L2Norm,
extras, loc/conf heads, 8732 VOC priors). The step is bench-step's: zero the SR gradients, SR forward, crop to
300x300, MSE, frozen-detector forward, MultiBoxLoss (IoU 0.5 matching, variances 0.1/0.2, 3:1 hard negatives),
backward into the SR parameters (the detector's weights get no gradient), and an Adam step when --adam is given.

Prints one line per measurement: "torch <what> ... : <seconds> s" (parsed by side-by-side.sh).
Run with Debian's python3-torch and libopenblas0-pthread (without the latter PyTorch's BLAS paths use the
reference BLAS, about 50x slower).
"""
import argparse
import itertools
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- D-DBPN ----------------------------------------------------------------------------------------------------
class ConvBlock(nn.Module):
    def __init__(self, cin, cout, k, s, p):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, p, bias=True)
        self.act = nn.PReLU(1)

    def forward(self, x):
        return self.act(self.conv(x))


class DeconvBlock(nn.Module):
    def __init__(self, ch, k, s, p):
        super().__init__()
        self.deconv = nn.ConvTranspose2d(ch, ch, k, s, p, bias=True)
        self.act = nn.PReLU(1)

    def forward(self, x):
        return self.act(self.deconv(x))


class Projection(nn.Module):
    """UpBlock/DownBlock and the dense D_UpBlock/D_DownBlock (with the 1x1 bottleneck when inputs > 1)."""

    def __init__(self, up, ch, inputs, k, s, p):
        super().__init__()
        self.bottleneck = ConvBlock(ch * inputs, ch, 1, 1, 0) if inputs > 1 else None
        make_a = (lambda: DeconvBlock(ch, k, s, p)) if up else (lambda: ConvBlock(ch, ch, k, s, p))
        make_b = (lambda: ConvBlock(ch, ch, k, s, p)) if up else (lambda: DeconvBlock(ch, k, s, p))
        self.first, self.second, self.third = make_a(), make_b(), make_a()

    def forward(self, x):
        u = x if self.bottleneck is None else self.bottleneck(x)
        a = self.first(u)
        b = self.second(a)
        return self.third(b - u) + a


class Dbpn(nn.Module):
    def __init__(self, scale, base=64, feat=256, stages=7):
        super().__init__()
        k, s, p = {2: (6, 2, 2), 4: (8, 4, 2), 8: (12, 8, 2)}[scale]
        self.stages = stages
        self.feat0 = ConvBlock(3, feat, 3, 1, 1)
        self.feat1 = ConvBlock(feat, base, 1, 1, 0)
        self.ups = nn.ModuleList([Projection(True, base, 1, k, s, p), Projection(True, base, 1, k, s, p)])
        self.downs = nn.ModuleList([Projection(False, base, 1, k, s, p)])
        for i in range(2, stages):
            self.downs.append(Projection(False, base, i, k, s, p))
            self.ups.append(Projection(True, base, i, k, s, p))
        self.output_conv = nn.Conv2d(stages * base, 3, 3, 1, 1)

    def forward(self, lr):
        x = self.feat1(self.feat0(lr))
        h = [self.ups[0](x)]
        l = [self.downs[0](h[0])]
        h.append(self.ups[1](l[0]))
        for i in range(2, self.stages):
            l.append(self.downs[i - 1](torch.cat(h[::-1], 1)))
            h.append(self.ups[i](torch.cat(l[::-1], 1)))
        return self.output_conv(torch.cat(h[::-1], 1))


# ---- SSD300-VGG16 ----------------------------------------------------------------------------------------------
VGG = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'C', 512, 512, 512, 'M', 512, 512, 512]
EXTRAS = [(256, 1, 1, 0), (512, 3, 2, 1), (128, 1, 1, 0), (256, 3, 2, 1),
          (128, 1, 1, 0), (256, 3, 1, 0), (128, 1, 1, 0), (256, 3, 1, 0)]
BOXES = [4, 6, 6, 6, 4, 4]


class Ssd(nn.Module):
    def __init__(self, classes=21):
        super().__init__()
        layers, cin = [], 3
        for v in VGG:
            if v == 'M':
                layers.append(nn.MaxPool2d(2, 2))
            elif v == 'C':
                layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
            else:
                layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU(inplace=True)]
                cin = v
        layers += [nn.MaxPool2d(3, 1, 1), nn.Conv2d(512, 1024, 3, padding=6, dilation=6), nn.ReLU(inplace=True),
                   nn.Conv2d(1024, 1024, 1), nn.ReLU(inplace=True)]
        self.vgg = nn.ModuleList(layers)
        self.l2_weight = nn.Parameter(torch.full((512,), 20.0))
        self.extras = nn.ModuleList()
        cin = 1024
        for out, k, s, p in EXTRAS:
            self.extras.append(nn.Conv2d(cin, out, k, s, p))
            cin = out
        sources = [512, 1024, 512, 256, 256, 256]
        self.loc = nn.ModuleList([nn.Conv2d(c, b * 4, 3, padding=1) for c, b in zip(sources, BOXES)])
        self.conf = nn.ModuleList([nn.Conv2d(c, b * classes, 3, padding=1) for c, b in zip(sources, BOXES)])
        self.classes = classes
        self.register_buffer('mean', torch.tensor([123.0, 117.0, 104.0]).view(1, 3, 1, 1))

    def forward(self, img):
        x = img * 255 - self.mean
        src = []
        for i, layer in enumerate(self.vgg):
            x = layer(x)
            if i == 22:
                norm = x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10
                src.append(x / norm * self.l2_weight.view(1, -1, 1, 1))
        src.append(x)
        for i, layer in enumerate(self.extras):
            x = F.relu(layer(x))
            if i % 2 == 1:
                src.append(x)
        n = img.shape[0]
        loc = torch.cat([l(s).permute(0, 2, 3, 1).reshape(n, -1) for l, s in zip(self.loc, src)], 1)
        conf = torch.cat([c(s).permute(0, 2, 3, 1).reshape(n, -1) for c, s in zip(self.conf, src)], 1)
        return loc.view(n, -1, 4), conf.view(n, -1, self.classes)


def priors():
    """ssd.pytorch's PriorBox for VOC at 300: [8732, 4] center-size, clipped."""
    maps, steps = [38, 19, 10, 5, 3, 1], [8, 16, 32, 64, 100, 300]
    mins, maxs, ratios = [30, 60, 111, 162, 213, 264], [60, 111, 162, 213, 264, 315], [[2], [2, 3], [2, 3], [2, 3], [2], [2]]
    out = []
    for k, f in enumerate(maps):
        fk = 300 / steps[k]
        s, big = mins[k] / 300, math.sqrt(mins[k] / 300 * maxs[k] / 300)
        for i, j in itertools.product(range(f), repeat=2):
            cx, cy = (j + 0.5) / fk, (i + 0.5) / fk
            out += [[cx, cy, s, s], [cx, cy, big, big]]
            for ar in ratios[k]:
                r = math.sqrt(ar)
                out += [[cx, cy, s * r, s / r], [cx, cy, s / r, s * r]]
    return torch.tensor(out).clamp(0, 1)


def multibox_loss(loc, conf, boxes, labels, pri):
    """ssd.pytorch's MultiBoxLoss: match (IoU >= 0.5, each truth keeps its best prior), smooth L1 on the positives'
    encoded offsets, cross-entropy on positives and 3:1 hard negatives, both divided by the positives."""
    n = loc.shape[0]
    pri_corner = torch.cat([pri[:, :2] - pri[:, 2:] / 2, pri[:, :2] + pri[:, 2:] / 2], 1)
    loc_t, conf_t = [], []
    for b in range(n):
        t = boxes[b]
        lt = torch.max(t[:, None, :2], pri_corner[None, :, :2])
        rb = torch.min(t[:, None, 2:], pri_corner[None, :, 2:])
        inter = (rb - lt).clamp(min=0).prod(2)
        area_t = ((t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1]))[:, None]
        area_p = ((pri_corner[:, 2] - pri_corner[:, 0]) * (pri_corner[:, 3] - pri_corner[:, 1]))[None, :]
        iou = inter / (area_t + area_p - inter)
        best_prior = iou.argmax(1)
        best_truth_iou, best_truth = iou.max(0)
        best_truth_iou[best_prior] = 2
        for j in range(t.shape[0]):
            best_truth[best_prior[j]] = j
        m = t[best_truth]
        c = labels[b][best_truth] + 1
        c[best_truth_iou < 0.5] = 0
        g_cxcy = ((m[:, :2] + m[:, 2:]) / 2 - pri[:, :2]) / (0.1 * pri[:, 2:])
        g_wh = torch.log((m[:, 2:] - m[:, :2]) / pri[:, 2:]) / 0.2
        loc_t.append(torch.cat([g_cxcy, g_wh], 1))
        conf_t.append(c)
    loc_t, conf_t = torch.stack(loc_t), torch.stack(conf_t)
    pos = conf_t > 0
    loss_l = F.smooth_l1_loss(loc[pos], loc_t[pos], reduction='sum')
    ce = F.cross_entropy(conf.reshape(-1, conf.shape[2]), conf_t.reshape(-1), reduction='none').view(n, -1)
    mining = ce.detach().clone()
    mining[pos] = 0
    rank = mining.argsort(1, descending=True).argsort(1)
    num_neg = (3 * pos.sum(1, keepdim=True)).clamp(max=pos.shape[1] - 1)
    neg = rank < num_neg
    loss_c = ce[pos | neg].sum()
    npos = pos.sum().clamp(min=1).float()
    return loss_l / npos, loss_c / npos


# ---- timing ----------------------------------------------------------------------------------------------------
def timed(fn, steps, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sum(times) / len(times), min(times)


def bench_step(args):
    torch.manual_seed(1)
    sr, det = Dbpn(args.scale), Ssd()
    for p in det.parameters():
        p.requires_grad_(False)
    lr_size = (300 + args.scale - 1) // args.scale
    lr = torch.full((args.batch, 3, lr_size, lr_size), 0.5)
    hr = torch.full((args.batch, 3, 300, 300), 0.5)
    boxes = [torch.tensor([[0.1, 0.1, 0.5, 0.6], [0.4, 0.3, 0.9, 0.95]])] * args.batch
    labels = [torch.tensor([3, 14])] * args.batch
    pri = priors()
    opt = torch.optim.Adam(sr.parameters(), lr=1e-4) if args.adam else None

    def step():
        sr.zero_grad(set_to_none=False)
        out = sr(lr)[:, :, :300, :300]
        mse = F.mse_loss(out, hr)
        loc, conf = det(out)
        ll, lc = multibox_loss(loc, conf, boxes, labels, pri)
        loss = mse + 0.01 * (ll + lc)
        loss.backward()
        if opt is not None:
            opt.step()
        return loss.item()

    def sr_forward():
        with torch.no_grad():
            sr(lr)

    def det_forward():
        with torch.no_grad():
            det(hr)

    fn = {'step': step, 'sr-forward': sr_forward, 'detector-forward': det_forward}[args.part]
    mean, fastest = timed(fn, args.steps, args.warmup)
    part = args.part + ('+adam' if args.adam and args.part == 'step' else '')
    print(f"torch {part} scale {args.scale} batch {args.batch} threads {torch.get_num_threads()}: "
          f"{mean:.3f} s (mean of {args.steps} after {args.warmup} warm-up; fastest {fastest:.3f} s)", flush=True)


# The layer families of the step, batch 1 (the engine's ConvBenchmark.Shape): transposed, cin, cout, size, k, s, p,
# dilation. FLOPs = 2 * cin * cout * k^2 * (output positions of the conv, input positions of the deconv).
SHAPES = {
    'DBPN4X_DOWN_CONV': (False, 64, 64, 300, 8, 4, 2, 1),
    'DBPN4X_UP_DECONV': (True, 64, 64, 75, 8, 4, 2, 1),
    'DBPN8X_DOWN_CONV': (False, 64, 64, 304, 12, 8, 2, 1),
    'DBPN8X_UP_DECONV': (True, 64, 64, 38, 12, 8, 2, 1),
    'VGG_CONV1_2_300': (False, 64, 64, 300, 3, 1, 1, 1),
    'VGG_CONV2_2_150': (False, 128, 128, 150, 3, 1, 1, 1),
    'VGG_CONV4_3_38': (False, 512, 512, 38, 3, 1, 1, 1),
    'VGG_FC6_DILATED_19': (False, 512, 1024, 19, 3, 1, 6, 6),
    'SSD_CONF_HEAD_38': (False, 512, 84, 38, 3, 1, 1, 1),
}


def bench_layers(args):
    torch.manual_seed(1)
    n = 1024
    a, b = torch.rand(n, n), torch.rand(n, n)
    ms, _ = timed(lambda: torch.mm(a, b), 10, 3)
    print(f"torch layer sgemm1024 pass gemm threads {torch.get_num_threads()}: {ms * 1e3:.3f} ms "
          f"{2 * n ** 3 / ms / 1e9:.1f} GFLOP/s", flush=True)
    names = args.shapes.split(',') if args.shapes else list(SHAPES)
    for name in names:
        tr, cin, cout, size, k, s, p, d = SHAPES[name]
        if tr:
            layer = nn.ConvTranspose2d(cin, cout, k, s, p)
        else:
            layer = nn.Conv2d(cin, cout, k, s, p, dilation=d)
        x = torch.rand(1, cin, size, size, requires_grad=True)
        y = layer(x)
        dy = torch.rand_like(y)
        positions = size * size if tr else y.shape[2] * y.shape[3]
        flops = 2.0 * cin * cout * k * k * positions
        with torch.no_grad():
            fwd = timed(lambda: layer(x), args.steps, args.warmup)[0]
        # Backward-input and backward-weight separately, through autograd.grad on a fresh graph each time (the
        # forward is timed apart and subtracted).
        w = layer.weight

        def both():
            out = layer(x)
            torch.autograd.grad(out, [x, w], dy)

        def input_only():
            out = layer(x)
            torch.autograd.grad(out, [x], dy)

        def weight_only():
            out = layer(x)
            torch.autograd.grad(out, [w], dy)

        t_in = timed(input_only, args.steps, args.warmup)[0] - fwd
        t_w = timed(weight_only, args.steps, args.warmup)[0] - fwd
        for pass_name, t in (('forward', fwd), ('backwardInput', t_in), ('backwardWeight', t_w)):
            print(f"torch layer {name} pass {pass_name} threads {torch.get_num_threads()}: {t * 1e3:.3f} ms "
                  f"{flops / max(t, 1e-9) / 1e9:.1f} GFLOP/s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--part', default='step', choices=['step', 'sr-forward', 'detector-forward', 'layers'])
    ap.add_argument('--scale', type=int, default=4, choices=[2, 4, 8])
    ap.add_argument('--batch', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=2)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--adam', action='store_true', help='end the step with an Adam update (bench-step has none)')
    ap.add_argument('--shapes', default='', help='layers: comma-separated names (default: all)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    if args.part == 'layers':
        bench_layers(args)
    else:
        bench_step(args)


if __name__ == '__main__':
    sys.exit(main())
