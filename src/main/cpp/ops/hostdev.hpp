// TDSR_HD marks the per-element math that both twins run: __host__ __device__ under nvcc, plain inline under g++.
// The hd:: wrappers pick the device or the host math function, so one functor body compiles in both places (nvcc's
// device code has no std::exp overloads for every type, g++'s host code has no expf in namespace std).
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define TDSR_HD __host__ __device__ __forceinline__
#else
#define TDSR_HD inline
#endif

namespace tdsr::hd {

#if defined(__CUDA_ARCH__)
TDSR_HD float exp(float x) { return ::expf(x); }
TDSR_HD double exp(double x) { return ::exp(x); }
TDSR_HD float log(float x) { return ::logf(x); }
TDSR_HD double log(double x) { return ::log(x); }
TDSR_HD float sqrt(float x) { return ::sqrtf(x); }
TDSR_HD double sqrt(double x) { return ::sqrt(x); }
TDSR_HD double pow(double x, double y) { return ::pow(x, y); }
TDSR_HD float abs(float x) { return ::fabsf(x); }
TDSR_HD double abs(double x) { return ::fabs(x); }
TDSR_HD bool isnan(float x) { return ::isnan(x); }
TDSR_HD bool isnan(double x) { return ::isnan(x); }
TDSR_HD bool isfinite(float x) { return ::isfinite(x); }
TDSR_HD bool isfinite(double x) { return ::isfinite(x); }
#else
template <class T> TDSR_HD T exp(T x) { return std::exp(x); }
template <class T> TDSR_HD T log(T x) { return std::log(x); }
template <class T> TDSR_HD T sqrt(T x) { return std::sqrt(x); }
template <class T> TDSR_HD T pow(T x, T y) { return std::pow(x, y); }
template <class T> TDSR_HD T abs(T x) { return std::abs(x); }
template <class T> TDSR_HD bool isnan(T x) { return std::isnan(x); }
template <class T> TDSR_HD bool isfinite(T x) { return std::isfinite(x); }
#endif

template <class T> TDSR_HD T max(T a, T b) { return a > b ? a : b; }
template <class T> TDSR_HD T min(T a, T b) { return a < b ? a : b; }

}  // namespace tdsr::hd
