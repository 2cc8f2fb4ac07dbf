// Losses on CUDA (twins of cpu/loss.cpp) over the functors of ops/loss.hpp.
//
// MSE, smooth-L1 and the weighted sum forward: double sums in a fixed block layout and tree (common.cuh
// channel_reduce with one channel) stored into an f64 loss slot on the device, divided there as the CPU divides; no
// host read (the host-value entry points read the slot). The CPU adds sequentially, so the last bits differ. Backwards: one thread per element. Softmax cross-entropy and the row softmax: one thread per row, exactly
// the CPU's per-row code. Labels: the CPU checks them all before computing; here the kernel records the first row
// whose label is outside [0,C) (atomicMin), skips that row, and the twin reads the record back after the launch and
// fails with fail_label, as the CPU does (so both directions wait for the stream; on a failure the rows with valid
// labels have been written). Hard-negative mining: the Thrust code of mining.cuh with par_nosync, buffers from the
// caching allocator, no host read (the CPU twin's partial sort selects the same priors: mining_test checks the
// Thrust code on the host).
#include "common.cuh"
#include "mining.cuh"
#include "ops/loss.hpp"

#include <thrust/system/cuda/execution_policy.h>

#include <climits>

namespace tdsr::cuda {
namespace {

template <class T>
struct SquaredDiff {
    const T *a, *b;
    __device__ double operator()(int64_t, int64_t, int64_t i) const { return squared_diff(a[i], b[i]); }
};

template <class T>
struct SmoothL1Term {
    const T *x, *t, *w;
    __device__ double operator()(int64_t, int64_t, int64_t i) const { return smooth_l1_term(x[i], t[i], w, i); }
};

template <class T>
struct WeightedTerm {
    const T *x, *w;
    __device__ double operator()(int64_t, int64_t, int64_t i) const { return double(w[i]) * double(x[i]); }
};

// slot = slot / d1 / d2 (the CPU's two divisions, in its order).
__global__ void finish_slot_kernel(double* slot, double d1, double d2) { *slot = *slot / d1 / d2; }

template <class T>
struct BceTerm {
    const T *x, *t;
    __device__ double operator()(int64_t, int64_t, int64_t i) const { return bce_logits_term(x[i], t[i]); }
};

template <class T>
__global__ void __launch_bounds__(kThreads) bce_backward_kernel(const T* x, const T* t, T k, T* g, int64_t n) {
    TDSR_GRID_STRIDE(i, n) g[i] = k * (sigmoid(x[i]) - t[i]);
}

template <class T>
__global__ void __launch_bounds__(kThreads) mse_backward_kernel(const T* a, const T* b, T k, T* g, int64_t n) {
    TDSR_GRID_STRIDE(i, n) g[i] = k * (a[i] - b[i]);
}

template <class T>
__global__ void __launch_bounds__(kThreads) smooth_l1_backward_kernel(const T* x, const T* t, const T* w, T scale,
                                                                      T* g, int64_t n) {
    TDSR_GRID_STRIDE(i, n) g[i] = scale * (w ? w[i] : T(1)) * smooth_l1_grad(x[i] - t[i]);
}

__device__ void note_bad_label(unsigned long long* first_bad, int64_t r) { atomicMin(first_bad, (unsigned long long)r); }

template <class T>
__global__ void __launch_bounds__(kThreads) xent_forward_kernel(const T* logits, const int32_t* labels, T* out,
                                                                int64_t R, int64_t C, unsigned long long* first_bad) {
    TDSR_GRID_STRIDE(r, R) {
        if (!label_in_range(labels[r], C)) {
            note_bad_label(first_bad, r);
            continue;
        }
        out[r] = xent_row_loss(logits + r * C, C, labels[r]);
    }
}

template <class T>
__global__ void __launch_bounds__(kThreads) xent_backward_kernel(const T* logits, const int32_t* labels,
                                                                 const T* row_weight, T* dlogits, int64_t R, int64_t C,
                                                                 unsigned long long* first_bad) {
    TDSR_GRID_STRIDE(r, R) {
        if (!label_in_range(labels[r], C)) {
            note_bad_label(first_bad, r);
            continue;
        }
        xent_row_grad(logits + r * C, C, labels[r], row_weight ? row_weight[r] : T(1), dlogits + r * C);
    }
}

template <class T>
__global__ void __launch_bounds__(kThreads) softmax_rows_kernel(const T* logits, T* probs, int64_t R, int64_t C) {
    TDSR_GRID_STRIDE(r, R) softmax_row(logits + r * C, C, probs + r * C);
}

// The sum of f over n elements, on the host.
template <class F>
double total(const On& on, F f, int64_t n) {
    Scratch out(on, sizeof(double));
    channel_reduce(on, f, 1, 1, n, Finish::store, out.as<double>());
    return read_back(on, out.as<double>());
}

// The sum of f over n elements into a loss slot, divided by d1 then d2; no host read.
template <class F>
void total_to(const On& on, F f, int64_t n, tdsr_tensor* out, int64_t at, double d1, double d2) {
    double* slot = out->data<double>() + at;
    if (n <= 0) {
        TDSR_CUDA_CHECK(cudaMemsetAsync(slot, 0, sizeof(double), on.stream));
        return;
    }
    channel_reduce(on, f, 1, 1, n, Finish::store, slot);
    finish_slot_kernel<<<1, 1, 0, on.stream>>>(slot, d1, d2);
    check_launch(reinterpret_cast<const void*>(&finish_slot_kernel));
}

__global__ void label_flag_kernel(const unsigned long long* record, double* flags, int64_t at) {
    const unsigned long long row = *record;
    flags[at] = row == ULLONG_MAX ? -1.0 : double(row);
}

// A device record of the first row with a bad label (ULLONG_MAX: none).
struct LabelRecord {
    Scratch slot;
    explicit LabelRecord(const On& on) : slot(on, sizeof(unsigned long long)) {
        TDSR_CUDA_CHECK(cudaMemsetAsync(slot.as<unsigned long long>(), 0xff, sizeof(unsigned long long), on.stream));
    }
    unsigned long long* ptr() const { return slot.as<unsigned long long>(); }
    // Without flags: read the record back and fail on a bad label (a host synchronisation). With flags: store it
    // into flags[at] on the device (-1: none), to be read with the step's losses (a CUDA graph captures this).
    void check(const On& on, const char* op, const tdsr_tensor* labels, int64_t C, tdsr_tensor* flags,
               int64_t at) const {
        if (flags) {
            label_flag_kernel<<<1, 1, 0, on.stream>>>(ptr(), flags->data<double>(), at);
            check_launch(reinterpret_cast<const void*>(&label_flag_kernel));
            return;
        }
        const unsigned long long row = read_back(on, ptr());
        if (row == ULLONG_MAX) return;
        fail_label(op, int64_t(row), read_back(on, labels->data<int32_t>() + row), C);
    }
};

}  // namespace

void mse_forward(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* out, int64_t at, double divisor) {
    const On on(a);
    dispatch_float("mse_forward", a, [&](auto tag) {
        using T = decltype(tag);
        total_to(on, SquaredDiff<T>{a->data<T>(), b->data<T>()}, a->numel, out, at, double(a->numel), divisor);
    });
}

void mse_backward(const tdsr_tensor* a, const tdsr_tensor* b, double scale, tdsr_tensor* da) {
    const On on(a);
    dispatch_float("mse_backward", a, [&](auto tag) {
        using T = decltype(tag);
        const T k = T(2.0 * scale / double(a->numel));
        launch(a->numel, on.stream, &mse_backward_kernel<T>, a->data<T>(), b->data<T>(), k, da->data<T>(), a->numel);
    });
}

void smooth_l1_forward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, tdsr_tensor* out,
                       int64_t at, double divisor) {
    const On on(x);
    dispatch_float("smooth_l1_forward", x, [&](auto tag) {
        using T = decltype(tag);
        total_to(on, SmoothL1Term<T>{x->data<T>(), target->data<T>(), weight ? weight->data<T>() : nullptr},
                 x->numel, out, at, 1.0, divisor);
    });
}

void weighted_sum(const tdsr_tensor* x, const tdsr_tensor* w, tdsr_tensor* out, int64_t at, double divisor) {
    const On on(x);
    dispatch_float("weighted_sum", x, [&](auto tag) {
        using T = decltype(tag);
        total_to(on, WeightedTerm<T>{x->data<T>(), w->data<T>()}, x->numel, out, at, 1.0, divisor);
    });
}

void smooth_l1_backward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, double scale,
                        tdsr_tensor* dx) {
    const On on(x);
    dispatch_float("smooth_l1_backward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &smooth_l1_backward_kernel<T>, x->data<T>(), target->data<T>(),
               weight ? weight->data<T>() : nullptr, T(scale), dx->data<T>(), x->numel);
    });
}

void softmax_xent_forward(const RowsShape& s, const tdsr_tensor* logits, const tdsr_tensor* labels,
                          tdsr_tensor* row_loss, tdsr_tensor* flags, int64_t at) {
    const char* op = "softmax_xent_forward";
    const On on(logits);
    if (s.R == 0 && !flags) return;
    dispatch_float(op, logits, [&](auto tag) {
        using T = decltype(tag);
        const LabelRecord bad(on);
        if (s.R > 0)
            launch(s.R, on.stream, &xent_forward_kernel<T>, logits->data<T>(), labels->data<int32_t>(), row_loss->data<T>(),
               s.R, s.C, bad.ptr());
        bad.check(on, op, labels, s.C, flags, at);
    });
}

void softmax_xent_backward(const RowsShape& s, const tdsr_tensor* logits, const tdsr_tensor* labels,
                           const tdsr_tensor* row_weight, tdsr_tensor* dlogits, tdsr_tensor* flags, int64_t at) {
    const char* op = "softmax_xent_backward";
    const On on(logits);
    if (s.R == 0 && !flags) return;
    dispatch_float(op, logits, [&](auto tag) {
        using T = decltype(tag);
        const LabelRecord bad(on);
        if (s.R > 0)
            launch(s.R, on.stream, &xent_backward_kernel<T>, logits->data<T>(), labels->data<int32_t>(),
               row_weight ? row_weight->data<T>() : nullptr, dlogits->data<T>(), s.R, s.C, bad.ptr());
        bad.check(on, op, labels, s.C, flags, at);
    });
}

void softmax_rows(const RowsShape& s, const tdsr_tensor* logits, tdsr_tensor* probs) {
    const On on(logits);
    dispatch_float("softmax_rows", logits, [&](auto tag) {
        using T = decltype(tag);
        launch(s.R, on.stream, &softmax_rows_kernel<T>, logits->data<T>(), probs->data<T>(), s.R, s.C);
    });
}

double bce_logits_forward(const tdsr_tensor* x, const tdsr_tensor* target) {
    const On on(x);
    double loss = 0;
    dispatch_float("bce_logits_forward", x, [&](auto tag) {
        using T = decltype(tag);
        loss = total(on, BceTerm<T>{x->data<T>(), target->data<T>()}, x->numel) / double(x->numel);
    });
    return loss;
}

void bce_logits_backward(const tdsr_tensor* x, const tdsr_tensor* target, double scale, tdsr_tensor* dx) {
    const On on(x);
    dispatch_float("bce_logits_backward", x, [&](auto tag) {
        using T = decltype(tag);
        const T k = T(scale / double(x->numel));
        launch(x->numel, on.stream, &bce_backward_kernel<T>, x->data<T>(), target->data<T>(), k, dx->data<T>(),
               x->numel);
    });
}

void mine_hard_negatives(const MiningShape& s, const tdsr_tensor* row_loss, const tdsr_tensor* labels,
                         tdsr_tensor* selected) {
    const char* op = "mine_hard_negatives";
    const On on(row_loss);
    const int64_t n = s.N * s.P;
    if (n == 0) return;
    Scratch keys(on, size_t(n) * sizeof(uint64_t)), order(on, size_t(n) * sizeof(int64_t)),
        image(on, size_t(n) * sizeof(int32_t)), positives(on, size_t(n) * sizeof(int64_t));
    const mining::Buffers b{keys.as<uint64_t>(), order.as<int64_t>(), image.as<int32_t>(), positives.as<int64_t>()};
    dispatch_float(op, row_loss, [&](auto tag) {
        using T = decltype(tag);
        ThrustScratch alloc{&on};
        thrust_call(op, [&] {
            mining::select(thrust::cuda::par_nosync(alloc).on(on.stream), row_loss->data<T>(),
                           labels->data<int32_t>(), s.N, s.P, s.neg_pos, selected->data<T>(), b);
        });
    });
}

}  // namespace tdsr::cuda
