// The direct convolution cores: space-to-depth (conv_direct.hpp) turns every geometry into a stride-1 valid
// convolution, which runs as row AXPYs (forward, input gradient) and row dot products (weight gradient).
#include "conv_direct.hpp"

#include "blas.hpp"
#include "threads.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace tdsr::cpu {

std::atomic<int>& conv_algorithm() {
    static std::atomic<int> algorithm{CONV_AUTO};
    return algorithm;
}

Phased phased(const ConvGeom& g) {
    Phased s{};
    s.A = (g.kh + g.sh - 1) / g.sh;
    s.B = (g.kw + g.sw - 1) / g.sw;
    s.C2 = g.C * g.sh * g.sw;
    s.H2 = g.Ho + s.A - 1;
    s.W2 = g.Wo + s.B - 1;
    return s;
}

template <class T>
void to_phased(const T* x, const ConvGeom& g, const Phased& s, T* X, int team, const int* slot, int64_t stride) {
    if (stride == 0) stride = s.plane();
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
    for (int c = 0; c < g.C; c++) {
        const T* plane = x + int64_t(c) * g.HW();
        for (int r = 0; r < g.sh; r++)
            for (int q = 0; q < g.sw; q++) {
                const int phase = (c * g.sh + r) * g.sw + q;
                T* const plane_start = X + int64_t(slot ? slot[phase] : phase) * stride;
                T* dst = plane_start;
                // The v whose column v*sw + q - pw lies inside [0, W): [lo, hi).
                const int lo = std::min(s.W2, std::max(0, (g.pw - q + g.sw - 1) / g.sw));
                const int hi = std::max(lo, std::min(s.W2, (g.W - 1 + g.pw - q) / g.sw + 1));
                for (int u = 0; u < s.H2; u++, dst += s.W2) {
                    const int h = u * g.sh + r - g.ph;
                    if (h < 0 || h >= g.H) {
                        std::fill(dst, dst + s.W2, T(0));
                        continue;
                    }
                    const T* src = plane + int64_t(h) * g.W + q - g.pw;
                    std::fill(dst, dst + lo, T(0));
                    for (int v = lo; v < hi; v++) dst[v] = src[v * g.sw];
                    std::fill(dst + hi, dst + s.W2, T(0));
                }
                std::fill(plane_start + s.plane(), plane_start + stride, T(0));
            }
    }
}

template <class T>
void from_phased(const T* X, const ConvGeom& g, const Phased& s, T* dx, int team, const int* slot, int64_t stride) {
    if (stride == 0) stride = s.plane();
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
    for (int c = 0; c < g.C; c++)
        for (int h = 0; h < g.H; h++) {
            T* row = dx + int64_t(c) * g.HW() + int64_t(h) * g.W;
            std::fill(row, row + g.W, T(0));
            const int u = (h + g.ph) / g.sh, r = (h + g.ph) % g.sh;
            if (u >= s.H2) continue;
            for (int q = 0; q < g.sw; q++) {
                const int lo = std::min(s.W2, std::max(0, (g.pw - q + g.sw - 1) / g.sw));
                const int hi = std::max(lo, std::min(s.W2, (g.W - 1 + g.pw - q) / g.sw + 1));
                const int phase = (c * g.sh + r) * g.sw + q;
                const T* src = X + int64_t(slot ? slot[phase] : phase) * stride + int64_t(u) * s.W2;
                T* dst = row + q - g.pw;
                for (int v = lo; v < hi; v++) dst[v * g.sw] = src[v];
            }
        }
}

template void to_phased<float>(const float*, const ConvGeom&, const Phased&, float*, int, const int*, int64_t);
template void to_phased<double>(const double*, const ConvGeom&, const Phased&, double*, int, const int*, int64_t);
template void from_phased<float>(const float*, const ConvGeom&, const Phased&, float*, int, const int*, int64_t);
template void from_phased<double>(const double*, const ConvGeom&, const Phased&, double*, int, const int*, int64_t);

namespace {

// The stride-1 problem of a geometry: X' [C2, H2, W2] read by a kernel A x B into y [M, Ho, Wo].
// Whether X' channel c2 under tap (a, b) meets a real kernel element (a*sh + r < kh and b*sw + q < kw); where it does
// not, W' is 0 and the tap is skipped (the 12x12 stride-8 kernel of 8x D-DBPN fills 2x2 taps for a quarter of X').
inline bool tap_used(const ConvGeom& g, int c2, int a, int b) {
    const int q = c2 % g.sw, r = (c2 / g.sw) % g.sh;
    return a * g.sh + r < g.kh && b * g.sw + q < g.kw;
}

// Output channels per register block, and the weight layouts padded to a multiple of it. A layer with at most
// kSmallBlock outputs (D-DBPN's and SRResNet's 3-channel output convolutions) uses blocks of 4 and two registers of
// columns: with blocks of 8 five of every eight multiply-adds were padding (448 -> 3 ran at 5 GFLOP/s, 2026-12-01).
constexpr int kBlock = 8;
constexpr int kSmallBlock = 4;
inline int padded(int m, int block = kBlock) { return (m + block - 1) / block * block; }
inline int forward_block(int M) { return M <= kSmallBlock ? kSmallBlock : kBlock; }

// Calls f(index into w [M, C, kh, kw], m, c2, a, b) for every kernel element and its W' position.
template <class F>
void for_each_kernel_element(const ConvGeom& g, F f) {
    for (int m = 0; m < g.M; m++)
        for (int c = 0; c < g.C; c++)
            for (int ky = 0; ky < g.kh; ky++)
                for (int kx = 0; kx < g.kw; kx++)
                    f(((int64_t(m) * g.C + c) * g.kh + ky) * g.kw + kx, m, (c * g.sh + ky % g.sh) * g.sw + kx % g.sw,
                      ky / g.sh, kx / g.sw);
}

// W' as the forward reads it: [C2][A][B][padded(M, forward_block(M))], the output channels of one tap contiguous.
template <class T>
void forward_weights(const T* w, const ConvGeom& g, const Phased& s, T* Wf) {
    const int Mp = padded(g.M, forward_block(g.M));
    std::fill(Wf, Wf + int64_t(s.C2) * s.A * s.B * Mp, T(0));
    for_each_kernel_element(g, [&](int64_t i, int m, int c2, int a, int b) {
        Wf[((int64_t(c2) * s.A + a) * s.B + b) * Mp + m] = w[i];
    });
}

// W' flipped and transposed, as the input gradient reads it: [M][A][B][padded(C2)], tap (A-1-a, B-1-b).
template <class T>
void backward_input_weights(const T* w, const ConvGeom& g, const Phased& s, T* Wb) {
    const int Cp = padded(s.C2, forward_block(s.C2));
    std::fill(Wb, Wb + int64_t(g.M) * s.A * s.B * Cp, T(0));
    for_each_kernel_element(g, [&](int64_t i, int m, int c2, int a, int b) {
        Wb[((int64_t(m) * s.A + (s.A - 1 - a)) * s.B + (s.B - 1 - b)) * Cp + c2] = w[i];
    });
}

// dw += dW' [M][C2][A][B] mapped back (every kernel element has exactly one W' position).
template <class T>
void add_from_phased_weights(const T* dWp, const ConvGeom& g, const Phased& s, T* dw) {
    for_each_kernel_element(g, [&](int64_t i, int m, int c2, int a, int b) {
        dw[i] += dWp[((int64_t(m) * s.C2 + c2) * s.A + a) * s.B + b];
    });
}

// Threads over images: each image is one job with its own output, so the result does not depend on the team.
inline int image_team(int images) {
    const int threads = free_threads();
    return threads > 1 && images >= threads ? threads : 1;
}

// With fewer images than threads (batch 1: the paper-size step, an application's one image) the threads split each
// image instead: output rows in the forward, X' channels in the weight gradient. Every output element is still summed
// by one thread in one order, so results do not depend on the team either.
inline int inner_team(int images) {
    const int threads = free_threads();
    return image_team(images) == 1 ? threads : 1;
}

// One AVX2 register of T (GCC vector extension; the build targets x86-64-v3) and unaligned loads/stores of it.
template <class T>
struct Lanes {
    typedef T vec __attribute__((vector_size(32)));
    static constexpr int N = int(32 / sizeof(T));
    static vec load(const T* p) {
        vec v;
        std::memcpy(&v, p, sizeof v);
        return v;
    }
    static void store(T* p, const vec& v) { std::memcpy(p, &v, sizeof v); }
};

// A stride-1 valid convolution of one image, register-blocked: out[m][i][j] = sum over (c, a, b) of
// w[((c*A + a)*B + b)*Mp + m] * in[c][i + a][j + b], for a plane of Ho x Wo from in's Hin x Win (Win >= Wo + B - 1).
// A block of MB output channels times CW registers of columns stays in registers while every (c, a, b) tap is added
// in order, so each input load feeds MB multiply-adds. `skip(c, a, b)` names taps whose weights are all 0. Every
// element is summed in the same tap order whichever block it falls in, and rows are independent: a team splits them.
template <int MB, int CW, class T, class Skip>
void valid_conv_image(const T* in, int Cin, int Hin, int Win, const T* w, int Mout, int A, int B, T* out, int Ho,
                      int Wo, Skip skip, int team) {
    using L = Lanes<T>;
    using vec = typename L::vec;
    const int Mp = padded(Mout, MB);
    const int64_t plane = int64_t(Hin) * Win, outPlane = int64_t(Ho) * Wo;
    const int blocks = (Mout + MB - 1) / MB;
#pragma omp parallel for schedule(dynamic, 2) num_threads(team) if (team > 1)
    for (int job = 0; job < blocks * Ho; job++) {
        const int m0 = job / Ho * MB, i = job % Ho;
        const int mb = std::min(MB, Mout - m0);
        int j = 0;
        for (; j + CW * L::N <= Wo; j += CW * L::N) {
            vec acc[MB][CW] = {};
            for (int c = 0; c < Cin; c++)
                for (int a = 0; a < A; a++) {
                    const T* row = in + c * plane + int64_t(i + a) * Win + j;
                    for (int b = 0; b < B; b++) {
                        if (skip(c, a, b)) continue;
                        vec x[CW];
                        for (int q = 0; q < CW; q++) x[q] = L::load(row + b + q * L::N);
                        const T* wp = w + ((int64_t(c) * A + a) * B + b) * Mp + m0;
#pragma GCC unroll 8
                        for (int m = 0; m < MB; m++)
                            for (int q = 0; q < CW; q++) acc[m][q] += wp[m] * x[q];
                    }
                }
            for (int m = 0; m < mb; m++)
                for (int q = 0; q < CW; q++)
                    L::store(out + (m0 + m) * outPlane + int64_t(i) * Wo + j + q * L::N, acc[m][q]);
        }
        for (; j + L::N <= Wo; j += L::N) {  // one register of columns
            vec acc[MB] = {};
            for (int c = 0; c < Cin; c++)
                for (int a = 0; a < A; a++) {
                    const T* row = in + c * plane + int64_t(i + a) * Win + j;
                    for (int b = 0; b < B; b++) {
                        if (skip(c, a, b)) continue;
                        const vec x = L::load(row + b);
                        const T* wp = w + ((int64_t(c) * A + a) * B + b) * Mp + m0;
#pragma GCC unroll 8
                        for (int m = 0; m < MB; m++) acc[m] += wp[m] * x;
                    }
                }
            for (int m = 0; m < mb; m++) L::store(out + (m0 + m) * outPlane + int64_t(i) * Wo + j, acc[m]);
        }
        for (; j < Wo; j++) {  // the last columns, one at a time, summed in the same tap order
            T acc[MB] = {};
            for (int c = 0; c < Cin; c++)
                for (int a = 0; a < A; a++) {
                    const T* row = in + c * plane + int64_t(i + a) * Win + j;
                    for (int b = 0; b < B; b++) {
                        if (skip(c, a, b)) continue;
                        const T* wp = w + ((int64_t(c) * A + a) * B + b) * Mp + m0;
                        for (int m = 0; m < MB; m++) acc[m] += wp[m] * row[b];
                    }
                }
            for (int m = 0; m < mb; m++) out[(m0 + m) * outPlane + int64_t(i) * Wo + j] = acc[m];
        }
    }
}

// The forward's register blocks for Mout output channels (forward_block).
template <class T, class Skip>
void valid_conv_image(const T* in, int Cin, int Hin, int Win, const T* w, int Mout, int A, int B, T* out, int Ho,
                      int Wo, Skip skip, int team) {
    if (forward_block(Mout) == kSmallBlock)
        valid_conv_image<kSmallBlock, 2>(in, Cin, Hin, Win, w, Mout, A, B, out, Ho, Wo, skip, team);
    else
        valid_conv_image<kBlock, 1>(in, Cin, Hin, Win, w, Mout, A, B, out, Ho, Wo, skip, team);
}

// dy of one image padded by (A-1, B-1) on every side: the input gradient is the valid convolution of it with the
// flipped, transposed W'.
template <class T>
void pad_gradient(const T* dy, const ConvGeom& g, const Phased& s, T* out, int Hp, int Wp) {
    std::fill(out, out + int64_t(g.M) * Hp * Wp, T(0));
    for (int m = 0; m < g.M; m++)
        for (int ho = 0; ho < g.Ho; ho++)
            std::memcpy(out + (int64_t(m) * Hp + ho + s.A - 1) * Wp + s.B - 1, dy + (int64_t(m) * g.Ho + ho) * g.Wo,
                        sizeof(T) * g.Wo);
}

// dW'[m][c2][a][b] += sum over (ho, wo) of dy[m][ho][wo] * X'[c2][ho + a][wo + b], one image; a block of kBlock
// output channels shares each X' load, with one register of partial sums per channel.
template <class T>
void backward_weight_image(const T* dy, const T* X, T* dWp, const ConvGeom& g, const Phased& s, int team) {
    using L = Lanes<T>;
    using vec = typename L::vec;
    const int64_t P = g.P();
#pragma omp parallel for schedule(dynamic, 1) num_threads(team) if (team > 1)
    for (int c2 = 0; c2 < s.C2; c2++)
        for (int a = 0; a < s.A; a++)
            for (int b = 0; b < s.B; b++) {
                if (!tap_used(g, c2, a, b)) continue;
                for (int m0 = 0; m0 < g.M; m0 += kBlock) {
                    const int mb = std::min(kBlock, g.M - m0);
                    vec acc[kBlock] = {};
                    T tail[kBlock] = {};
                    for (int ho = 0; ho < g.Ho; ho++) {
                        const T* xs = X + int64_t(c2) * s.plane() + int64_t(ho + a) * s.W2 + b;
                        const T* dyr = dy + int64_t(m0) * P + int64_t(ho) * g.Wo;
                        int wo = 0;
                        for (; wo + L::N <= g.Wo; wo += L::N) {
                            const vec x = L::load(xs + wo);
                            for (int m = 0; m < mb; m++) acc[m] += L::load(dyr + m * P + wo) * x;
                        }
                        for (; wo < g.Wo; wo++)
                            for (int m = 0; m < mb; m++) tail[m] += dyr[m * P + wo] * xs[wo];
                    }
                    for (int m = 0; m < mb; m++) {
                        T sum = tail[m];
                        for (int l = 0; l < L::N; l++) sum += acc[m][l];
                        dWp[((int64_t(m0 + m) * s.C2 + c2) * s.A + a) * s.B + b] += sum;
                    }
                }
            }
}

}  // namespace

bool use_direct_conv(const ConvGeom& g) {
    if (g.dh != 1 || g.dw != 1 || g.pointwise()) return false;
    switch (conv_algorithm().load()) {
        case CONV_GEMM: return false;
        case CONV_DNNL: return false;
        case CONV_PHASED: return false;
        case CONV_DIRECT: return true;
        default: return g.M <= kDirectMaxChannels && g.C <= kDirectMaxInputChannels;
    }
}

template <class T>
void direct_conv_forward(const T* x, const T* w, T* y, const ConvGeom& g) {
    const Phased s = phased(g);
    T* Wf = scratch<T>(size_t(int64_t(s.C2) * s.A * s.B * padded(g.M, forward_block(g.M))), 3);
    forward_weights(w, g, s, Wf);
    // The taps' use as a table: tap_used's divisions in the innermost loop took a fifth of the forward (perf).
    uint8_t* used = scratch<uint8_t>(size_t(s.C2) * s.A * s.B, 5);
    for (int c2 = 0; c2 < s.C2; c2++)
        for (int a = 0; a < s.A; a++)
            for (int b = 0; b < s.B; b++) used[(c2 * s.A + a) * s.B + b] = tap_used(g, c2, a, b);
    const auto skip = [&](int c2, int a, int b) { return !used[(c2 * s.A + a) * s.B + b]; };
    const int inner = inner_team(g.N);
#pragma omp parallel for schedule(dynamic, 1) num_threads(image_team(g.N))
    for (int n = 0; n < g.N; n++) {
        T* X = scratch<T>(size_t(s.image()), 2);
        to_phased(x + int64_t(n) * g.C * g.HW(), g, s, X, inner);
        valid_conv_image(X, s.C2, s.H2, s.W2, Wf, g.M, s.A, s.B, y + int64_t(n) * g.M * g.P(), g.Ho, g.Wo, skip,
                         inner);
    }
}

template <class T>
void direct_conv_backward_input(const T* dy, const T* w, T* dx, const ConvGeom& g) {
    const Phased s = phased(g);
    T* Wb = scratch<T>(size_t(int64_t(g.M) * s.A * s.B * padded(s.C2, forward_block(s.C2))), 3);
    backward_input_weights(w, g, s, Wb);
    const int Hp = g.Ho + 2 * (s.A - 1), Wp = g.Wo + 2 * (s.B - 1);
    const auto none = [](int, int, int) { return false; };
    const int inner = inner_team(g.N);
#pragma omp parallel for schedule(dynamic, 1) num_threads(image_team(g.N))
    for (int n = 0; n < g.N; n++) {
        T* dyp = scratch<T>(size_t(int64_t(g.M) * Hp * Wp), 4);
        T* dX = scratch<T>(size_t(s.image()), 2);
        pad_gradient(dy + int64_t(n) * g.M * g.P(), g, s, dyp, Hp, Wp);
        valid_conv_image(dyp, g.M, Hp, Wp, Wb, s.C2, s.A, s.B, dX, s.H2, s.W2, none, inner);
        from_phased(dX, g, s, dx + int64_t(n) * g.C * g.HW());
    }
}

// Images are summed in a fixed order per thread and the threads' sums in thread order (deterministic for a count).
template <class T>
void direct_conv_backward_weight(const T* dy, const T* x, T* dw, const ConvGeom& g) {
    const Phased s = phased(g);
    const int team = image_team(g.N);
    const int64_t count = s.weights(g.M);
    const int inner = inner_team(g.N);
    std::vector<T*> partial(team, nullptr);
#pragma omp parallel num_threads(team)
    {
        const int t = omp_get_thread_num();
        T* X = scratch<T>(size_t(s.image()), 2);
        T* sum = partial[t] = scratch<T>(size_t(count), 3);
        std::fill(sum, sum + count, T(0));
        for (int n = int(int64_t(g.N) * t / team); n < int(int64_t(g.N) * (t + 1) / team); n++) {
            to_phased(x + int64_t(n) * g.C * g.HW(), g, s, X, inner);
            backward_weight_image(dy + int64_t(n) * g.M * g.P(), X, sum, g, s, inner);
        }
    }
    for (int t = 1; t < team; t++)
        for (int64_t i = 0; i < count; i++) partial[0][i] += partial[t][i];
    add_from_phased_weights(partial[0], g, s, dw);
}

template void direct_conv_forward<float>(const float*, const float*, float*, const ConvGeom&);
template void direct_conv_forward<double>(const double*, const double*, double*, const ConvGeom&);
template void direct_conv_backward_input<float>(const float*, const float*, float*, const ConvGeom&);
template void direct_conv_backward_input<double>(const double*, const double*, double*, const ConvGeom&);
template void direct_conv_backward_weight<float>(const float*, const float*, float*, const ConvGeom&);
template void direct_conv_backward_weight<double>(const double*, const double*, double*, const ConvGeom&);

}  // namespace tdsr::cpu
