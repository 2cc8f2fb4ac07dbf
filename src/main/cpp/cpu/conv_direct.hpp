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

// Which convolution cores the CPU twin runs (tdsr_set_conv_algorithm): AUTO picks per layer; the others force one, for
// tests that compare them and for benchmarks. DNNL: oneDNN for every float convolution it takes (cpu/dnnl.hpp).
enum ConvAlgorithm { CONV_AUTO = 0, CONV_GEMM = 1, CONV_DIRECT = 2, CONV_DNNL = 3 };
std::atomic<int>& conv_algorithm();

// Whether the direct cores take this geometry: no dilation, not a 1x1 (a plain GEMM already), and under AUTO few
// output channels (the GEMM's M; for the input gradient its inner dimension).
bool use_direct_conv(const ConvGeom& g);

// The same contracts as the GEMM cores of conv.cpp: y and dx are overwritten, dw accumulates.
template <class T>
void direct_conv_forward(const T* x, const T* w, T* y, const ConvGeom& g);
template <class T>
void direct_conv_backward_input(const T* dy, const T* w, T* dx, const ConvGeom& g);
template <class T>
void direct_conv_backward_weight(const T* dy, const T* x, T* dw, const ConvGeom& g);

}  // namespace tdsr::cpu
