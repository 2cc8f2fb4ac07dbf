// Direct convolution for layers with few output channels (the study's D-DBPN at base 8, SRResNet at 8 channels, the
// first VGG blocks of a width-1/8 SSD): no im2col matrix and no GEMM packing.
//
// Why: im2col + GEMM gives a GEMM with M = 8 rows (or an inner dimension of 8 for the input gradient), which does 8
// multiply-adds per element OpenBLAS packs, so packing and im2col/col2im took over half of a small D-DBPN step
// (perf, 2026-12-01). Here every pass runs as row AXPYs and row dot products that the compiler vectorises.
//
// One transform makes every geometry a stride-1 "valid" convolution: space-to-depth with the padding folded in,
//   X'[(c*sh + r)*sw + q][u][v] = x[c][u*sh + r - ph][v*sw + q - pw]      (0 outside x)
//   W'[m][(c*sh + r)*sw + q][a][b] = w[m][c][a*sh + r][b*sw + q]         (0 where a*sh + r >= kh)
//   y[m][ho][wo] = sum_{c', a, b} W'[m][c'][a][b] * X'[c'][ho + a][wo + b]
// with kernel A x B = ceil(kh/sh) x ceil(kw/sw) and X' of (Ho + A - 1) x (Wo + B - 1). Each x element lands in at
// most one X' element, so the input gradient is a gather back through the same map. The transposed convolutions
// reach these cores through the conv/deconv duality of ops/conv.hpp.
#pragma once

#include "../ops/conv.hpp"

#include <atomic>

namespace tdsr::cpu {

// The stride-1 problem of a geometry: X' [C2, H2, W2] read by a kernel A x B into y [M, Ho, Wo].
struct Phased {
    int C2, A, B, H2, W2;
    int64_t plane() const { return int64_t(H2) * W2; }
    int64_t image() const { return int64_t(C2) * plane(); }
    int64_t weights(int M) const { return int64_t(M) * C2 * A * B; }
};
Phased phased(const ConvGeom& g);

// X' of one image, and its adjoint (overwriting dx: each x element reads the one X' element it went to, 0 if none).
// X' channel of phase (c, r, q), phase = (c*sh + r)*sw + q: slot[phase], or the phase itself without a slot table;
// planes `stride` elements apart (0: s.plane()), the elements between a plane's end and the next stride zeroed. A
// team > 1 splits the channels.
template <class T>
void to_phased(const T* x, const ConvGeom& g, const Phased& s, T* X, int team = 1, const int* slot = nullptr,
               int64_t stride = 0);
template <class T>
void from_phased(const T* X, const ConvGeom& g, const Phased& s, T* dx, int team = 1, const int* slot = nullptr,
                 int64_t stride = 0);

// Which convolution cores the CPU twin runs (tdsr_set_conv_algorithm): AUTO picks per layer; the others force one, for
// tests that compare them and for benchmarks. DNNL: oneDNN for every float convolution it takes (cpu/dnnl.hpp).
// PHASED: the phased GEMM cores (conv_phased.hpp) for every strided, undilated convolution.
enum ConvAlgorithm { CONV_AUTO = 0, CONV_GEMM = 1, CONV_DIRECT = 2, CONV_DNNL = 3, CONV_PHASED = 4 };
std::atomic<int>& conv_algorithm();

// Under AUTO the direct cores take layers with at most this many output channels (the GEMM's M). Measured on the
// study's layers, 2026-12-01 (README "Performance"): at 8 and 16 channels direct wins 2-4x, at 32 the two are close.
constexpr int kDirectMaxChannels = 16;
// ... and at most this many input channels: their channel loop reads one row per input plane, and over D-DBPN's 448
// concatenated maps (the 448 -> 3 output convolution at 304x304) that ran at 5 GFLOP/s on one thread against 13 for
// oneDNN (benchmarks/dnnl DBPN_OUTPUT_CONV_304, 2026-12-01). The study's layers have at most 16.
constexpr int kDirectMaxInputChannels = 64;

// Whether the direct cores take this geometry: no dilation, not a 1x1 (a plain GEMM already), and under AUTO few
// output channels (the GEMM's M; for the input gradient its inner dimension) from not too many input channels.
bool use_direct_conv(const ConvGeom& g);

// The same contracts as the GEMM cores of conv.cpp: y and dx are overwritten, dw accumulates.
template <class T>
void direct_conv_forward(const T* x, const T* w, T* y, const ConvGeom& g);
template <class T>
void direct_conv_backward_input(const T* dy, const T* w, T* dx, const ConvGeom& g);
template <class T>
void direct_conv_backward_weight(const T* dy, const T* x, T* dw, const ConvGeom& g);

}  // namespace tdsr::cpu
