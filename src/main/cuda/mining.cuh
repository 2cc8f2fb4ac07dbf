// Hard-negative mining (ops/loss.hpp) written against Thrust alone, so the same code compiles under nvcc (loss.cu
// passes thrust::cuda::par_nosync(allocator).on(stream): no host synchronisation, so a step that mines stays
// capturable) and under g++ with THRUST_DEVICE_SYSTEM_CPP (src/test/cpp/mining_test.cpp checks it on the host
// against the CPU twin's order).
//
// Per image the selection needs the priors sorted by (mining_key, prior). Thrust has no segmented sort, so two
// stable radix sorts make one: all N*P priors by key (ties keep the global index order, which within an image is the
// prior order), then by image (stable, so each image's block keeps the key order). Positives per image come from an
// inclusive scan of label > 0, read at each image's last prior; nothing is read back to the host.
#pragma once

#include "ops/loss.hpp"

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/scan.h>
#include <thrust/sort.h>

#include <cstdint>

namespace tdsr::mining {

// Device buffers of N*P elements each, owned by the caller.
struct Buffers {
    uint64_t* keys;
    int64_t* order;     // a global prior index n*P + q
    int32_t* image;     // order[k] / P, the key of the second sort
    int64_t* positives; // inclusive scan of label > 0
};

template <class T>
struct Prepare {
    const T* loss;
    const int32_t* labels;
    T* selected;
    Buffers b;
    TDSR_HD void operator()(int64_t k) const {
        b.keys[k] = mining_key(loss[k], labels[k]);
        b.order[k] = k;
        selected[k] = labels[k] > 0 ? T(1) : T(0);
    }
};

struct ImageOf {
    Buffers b;
    int64_t P;
    TDSR_HD void operator()(int64_t k) const { b.image[k] = int32_t(b.order[k] / P); }
};

struct IsPositive {
    const int32_t* labels;
    TDSR_HD int64_t operator()(int64_t k) const { return labels[k] > 0 ? 1 : 0; }
};

template <class T>
struct MarkNegatives {
    T* selected;
    Buffers b;
    int64_t P;
    int neg_pos;
    TDSR_HD void operator()(int64_t k) const {
        const int64_t i = k / P, rank = k % P;
        const int64_t positives = b.positives[i * P + P - 1] - (i > 0 ? b.positives[i * P - 1] : 0);
        if (rank < mining_negatives(positives, P, neg_pos)) selected[b.order[k]] = T(1);
    }
};

// selected[0..N*P) as ops/loss.hpp defines it.
template <class Policy, class T>
void select(const Policy& policy, const T* loss, const int32_t* labels, int64_t N, int64_t P, int neg_pos,
            T* selected, const Buffers& b) {
    const int64_t n = N * P;
    if (n <= 0) return;
    const thrust::counting_iterator<int64_t> first(0), last(n);
    thrust::for_each(policy, first, last, Prepare<T>{loss, labels, selected, b});
    thrust::stable_sort_by_key(policy, b.keys, b.keys + n, b.order);
    thrust::for_each(policy, first, last, ImageOf{b, P});
    thrust::stable_sort_by_key(policy, b.image, b.image + n, b.order);
    thrust::inclusive_scan(policy, thrust::make_transform_iterator(first, IsPositive{labels}),
                           thrust::make_transform_iterator(last, IsPositive{labels}), b.positives);
    thrust::for_each(policy, first, last, MarkNegatives<T>{selected, b, P, neg_pos});
}

}  // namespace tdsr::mining
