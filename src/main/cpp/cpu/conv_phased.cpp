// The phased GEMM cores (conv_phased.hpp).
#include "conv_phased.hpp"

#include "blas.hpp"
#include "conv_direct.hpp"
#include "threads.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <tuple>
#include <vector>

namespace tdsr::cpu {
namespace {

// X' channels and the GEMMs of one geometry.
struct Plan {
    Phased s;
    std::vector<int> slot;  // phase (c*sh + r)*sw + q -> X' channel
    int64_t stride = 0;     // elements between X' planes: H2*W2 + B - 1, so that the last tap's reads stay in the plane
    int64_t cols = 0;       // GEMM columns: the output on X's width, Ho * W2
    struct Run {
        int tap, c0, count;  // tap a*B + b reads X' channels [c0, c0 + count)
        int64_t shift;       // a*W2 + b
    };
    std::vector<Run> runs;
};

Plan plan(const ConvGeom& g) {
    Plan p;
    p.s = phased(g);
    const Phased& s = p.s;
    const int ry = g.kh - (s.A - 1) * g.sh, rx = g.kw - (s.B - 1) * g.sw;
    const auto key = [&](int phase) {
        const int q = phase % g.sw, r = (phase / g.sw) % g.sh, c = phase / (g.sw * g.sh);
        return std::make_tuple(r >= ry, q >= rx, r, q, c);
    };
    std::vector<int> order(s.C2);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int x, int y) { return key(x) < key(y); });
    p.slot.assign(s.C2, 0);
    for (int i = 0; i < s.C2; i++) p.slot[order[i]] = i;
    p.stride = s.plane() + s.B - 1;
    p.cols = int64_t(g.Ho) * s.W2;
    for (int a = 0; a < s.A; a++)
        for (int b = 0; b < s.B; b++) {
            const int rmax = a == s.A - 1 ? ry : g.sh, qmax = b == s.B - 1 ? rx : g.sw;
            for (int i = 0; i < s.C2;) {
                const int phase = order[i], q = phase % g.sw, r = (phase / g.sw) % g.sh;
                if (r >= rmax || q >= qmax) {
                    i++;
                    continue;
                }
                int j = i + 1;
                while (j < s.C2) {
                    const int ph = order[j], qj = ph % g.sw, rj = (ph / g.sw) % g.sh;
                    if (rj >= rmax || qj >= qmax) break;
                    j++;
                }
                p.runs.push_back({a * s.B + b, i, j - i, int64_t(a) * s.W2 + b});
                i = j;
            }
        }
    return p;
}

// Calls f(index into w [M, C, kh, kw], index into Wt [A*B][M][C2]) for every kernel element.
template <class F>
void for_each_weight(const ConvGeom& g, const Plan& p, F f) {
    const Phased& s = p.s;
    for (int m = 0; m < g.M; m++)
        for (int c = 0; c < g.C; c++)
            for (int ky = 0; ky < g.kh; ky++)
                for (int kx = 0; kx < g.kw; kx++) {
                    const int tap = ky / g.sh * s.B + kx / g.sw;
                    const int channel = p.slot[(c * g.sh + ky % g.sh) * g.sw + kx % g.sw];
                    f(((int64_t(m) * g.C + c) * g.kh + ky) * g.kw + kx,
                      (int64_t(tap) * g.M + m) * s.C2 + channel);
                }
}

// Wt [A*B][M][C2]: each tap's weights as a GEMM's A matrix (entries no kernel element reaches stay 0, never read).
template <class T>
T* tap_weights(const T* w, const ConvGeom& g, const Plan& p) {
    const int64_t count = int64_t(p.s.A) * p.s.B * g.M * p.s.C2;
    T* Wt = scratch<T>(size_t(count), 3);
    std::fill(Wt, Wt + count, T(0));
    for_each_weight(g, p, [&](int64_t i, int64_t t) { Wt[t] = w[i]; });
    return Wt;
}

// dy of one image on X's width: D [M][Ho*W2], zero in the dropped columns (they then add nothing to any gradient).
template <class T>
void widen(const T* dy, const ConvGeom& g, const Plan& p, T* D) {
    for (int m = 0; m < g.M; m++)
        for (int ho = 0; ho < g.Ho; ho++) {
            T* row = D + m * p.cols + int64_t(ho) * p.s.W2;
            std::memcpy(row, dy + (int64_t(m) * g.Ho + ho) * g.Wo, sizeof(T) * g.Wo);
            std::fill(row + g.Wo, row + p.s.W2, T(0));
        }
}

}  // namespace

bool use_phased_conv(const ConvGeom& g) {
    return conv_algorithm().load() == CONV_PHASED && g.dh == 1 && g.dw == 1 && (g.sh > 1 || g.sw > 1);
}

template <class T>
void phased_conv_forward(const T* x, const T* w, T* y, const ConvGeom& g) {
    const Plan p = plan(g);
    const T* Wt = tap_weights(w, g, p);
    T* X = scratch<T>(size_t(p.s.C2 * p.stride), 2);
    T* Y = scratch<T>(size_t(g.M * p.cols), 4);
    for (int n = 0; n < g.N; n++) {
        to_phased(x + int64_t(n) * g.C * g.HW(), g, p.s, X, free_threads(), p.slot.data(), p.stride);
        bool first = true;
        for (const Plan::Run& r : p.runs) {
            gemm_parallel(false, false, g.M, int(p.cols), r.count, T(1), Wt + int64_t(r.tap) * g.M * p.s.C2 + r.c0,
                          p.s.C2, X + r.c0 * p.stride + r.shift, int(p.stride), first ? T(0) : T(1), Y, int(p.cols));
            first = false;
        }
        T* yn = y + int64_t(n) * g.M * g.P();
        for (int m = 0; m < g.M; m++)
            for (int ho = 0; ho < g.Ho; ho++)
                std::memcpy(yn + (int64_t(m) * g.Ho + ho) * g.Wo, Y + m * p.cols + int64_t(ho) * p.s.W2,
                            sizeof(T) * g.Wo);
    }
}

template <class T>
void phased_conv_backward_input(const T* dy, const T* w, T* dx, const ConvGeom& g) {
    const Plan p = plan(g);
    const T* Wt = tap_weights(w, g, p);
    T* X = scratch<T>(size_t(p.s.C2 * p.stride), 2);
    T* D = scratch<T>(size_t(g.M * p.cols), 4);
    for (int n = 0; n < g.N; n++) {
        widen(dy + int64_t(n) * g.M * g.P(), g, p, D);
        std::fill(X, X + p.s.C2 * p.stride, T(0));
        for (const Plan::Run& r : p.runs)
            gemm_parallel(true, false, r.count, int(p.cols), g.M, T(1), Wt + int64_t(r.tap) * g.M * p.s.C2 + r.c0,
                          p.s.C2, D, int(p.cols), T(1), X + r.c0 * p.stride + r.shift, int(p.stride));
        from_phased(X, g, p.s, dx + int64_t(n) * g.C * g.HW(), free_threads(), p.slot.data(), p.stride);
    }
}

template <class T>
void phased_conv_backward_weight(const T* dy, const T* x, T* dw, const ConvGeom& g) {
    const Plan p = plan(g);
    const int64_t count = int64_t(p.s.A) * p.s.B * g.M * p.s.C2;
    T* dWt = scratch<T>(size_t(count), 3);
    std::fill(dWt, dWt + count, T(0));
    T* X = scratch<T>(size_t(p.s.C2 * p.stride), 2);
    T* D = scratch<T>(size_t(g.M * p.cols), 4);
    for (int n = 0; n < g.N; n++) {
        widen(dy + int64_t(n) * g.M * g.P(), g, p, D);
        to_phased(x + int64_t(n) * g.C * g.HW(), g, p.s, X, free_threads(), p.slot.data(), p.stride);
        for (const Plan::Run& r : p.runs)
            gemm_parallel(false, true, g.M, r.count, int(p.cols), T(1), D, int(p.cols), X + r.c0 * p.stride + r.shift,
                          int(p.stride), T(1), dWt + int64_t(r.tap) * g.M * p.s.C2 + r.c0, p.s.C2);
    }
    for_each_weight(g, p, [&](int64_t i, int64_t t) { dw[i] += dWt[t]; });
}

template void phased_conv_forward<float>(const float*, const float*, float*, const ConvGeom&);
template void phased_conv_forward<double>(const double*, const double*, double*, const ConvGeom&);
template void phased_conv_backward_input<float>(const float*, const float*, float*, const ConvGeom&);
template void phased_conv_backward_input<double>(const double*, const double*, double*, const ConvGeom&);
template void phased_conv_backward_weight<float>(const float*, const float*, float*, const ConvGeom&);
template void phased_conv_backward_weight<double>(const double*, const double*, double*, const ConvGeom&);

}  // namespace tdsr::cpu
