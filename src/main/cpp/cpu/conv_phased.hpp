// Strided convolutions over many channels as a few large GEMMs: the phased GEMM cores.
//
// Why (the option (b), measured against oneDNN: use_phased_conv): D-DBPN's projections (8x8 stride 4 at 4x, 12x12 stride 8 at 8x, 64 channels) are the biggest share of a
// full-size TDSR step. im2col + GEMM copies every input element kh*kw/(sh*sw) times (2.25x at 8x), and oneDNN has no
// direct kernel for 12x12/s8: it falls back to the same im2col + GEMM for the forward (TDSR_CONV_PROFILE: the 8x
// projections ran at 50-62 GFLOP/s on 2 threads, 57% of the step's convolution time).
//
// The space-to-depth of conv_direct.hpp turns the layer into a stride-1 valid convolution over X' [C2 = C*sh*sw,
// H2, W2] with an A x B kernel. Computed on X's width W2 (the columns wo >= Wo are dropped), each tap (a, b) of that
// kernel is one GEMM over all output positions at once: the tap's shift is a pointer offset into X', since a plane
// position p + a*W2 + b is the input of output position p. X' channels are ordered (r >= ry, q >= rx, r, q, c),
// ry x rx being the phases the last tap row and column still meet (4 x 4 of 8 x 8 at 8x), so that every tap's used
// channels are at most two contiguous runs: 8x needs 5 GEMMs (K = 4096, 2048, 1024, 1024, 1024) and copies each input
// element once; 4x needs 4 (K = 1024 each). The input gradient and the weight gradient are the same GEMMs transposed.
// Every output element is a fixed sequence of BLAS calls, sliced by gemm_parallel: a thread count gives one result.
#pragma once

#include "../ops/conv.hpp"

namespace tdsr::cpu {

// Whether the phased cores take this geometry: only when chosen (tdsr_set_conv_algorithm(4), -Dtdsr.conv=phased),
// for every undilated strided layer. AUTO leaves them out: on D-DBPN's projections they measured level with oneDNN
// (8x, 2 threads: 58-62 against 60-82 GFLOP/s; in the full 8x step 7.06-7.63 s against 7.15-7.25 s of the step's
// 12x12 convolution time, benchmarks/dnnl and TDSR_CONV_PROFILE, 2026-12-01; docs/DECISIONS.md). The GEMMs alone
// reach ~90 GFLOP/s; the space-to-depth copy, the crop and OpenBLAS's packing of a 64-row GEMM eat the difference.
bool use_phased_conv(const ConvGeom& g);

// The same contracts as the GEMM cores of conv.cpp: y and dx are overwritten, dw accumulates.
template <class T>
void phased_conv_forward(const T* x, const T* w, T* y, const ConvGeom& g);
template <class T>
void phased_conv_backward_input(const T* dy, const T* w, T* dx, const ConvGeom& g);
template <class T>
void phased_conv_backward_weight(const T* dy, const T* x, T* dw, const ConvGeom& g);

}  // namespace tdsr::cpu
