// Whole-tensor reductions written against Thrust alone, so the same code compiles under nvcc (the device system is
// CUDA: tensor.cu passes thrust::cuda::par(allocator).on(stream)) and under g++ with
// -DTHRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_CPP (src/test/cpp/reduce_test.cpp passes thrust::device, checking the
// algorithm on the host).
//
// Differences from the CPU twins (cpu/tensor.cpp): sum accumulates in double as the CPU does, but on CUDA Thrust
// (CUB's DeviceReduce) adds in a tree, not sequentially, so the last bits may differ; CUB's order is fixed for a
// size and GPU, so repeated calls agree. all_finite scans everything, where the CPU stops at the first NaN/Inf.
#pragma once

#include "ops/hostdev.hpp"

#include <thrust/functional.h>
#include <thrust/logical.h>
#include <thrust/transform_reduce.h>

#include <cstdint>

namespace tdsr::reduce {

template <class T>
struct ToDouble {
    TDSR_HD double operator()(T v) const { return double(v); }
};

template <class T>
struct IsFinite {
    TDSR_HD bool operator()(T v) const { return hd::isfinite(v); }
};

// Sum of data[0..n) accumulated in double; 0 for n == 0.
template <class Policy, class T>
double sum_double(const Policy& policy, const T* data, int64_t n) {
    if (n <= 0) return 0.0;
    return thrust::transform_reduce(policy, data, data + n, ToDouble<T>{}, 0.0, thrust::plus<double>());
}

// No element is NaN or +-Inf; true for n == 0.
template <class Policy, class T>
bool all_finite(const Policy& policy, const T* data, int64_t n) {
    if (n <= 0) return true;
    return thrust::transform_reduce(policy, data, data + n, IsFinite<T>{}, true, thrust::logical_and<bool>());
}

}  // namespace tdsr::reduce
