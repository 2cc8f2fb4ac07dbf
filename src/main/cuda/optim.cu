// Optimizer steps on CUDA (twins of cpu/optim.cpp): one thread per parameter element applying SgdUpdate /
// AdamUpdate of ops/optim.hpp; every thread builds the Adam functor (bias corrections) with adam_update<T>, from the
// arguments or from the hyper tensor (lr, t) on the device, so device pow may differ from the host's in the last bit. No differences beyond FMA contraction. The proceed flag is read by every thread on the device (a skipped
// update costs one launch), never by the host.
#include "common.cuh"
#include "ops/optim.hpp"

namespace tdsr::cuda {
namespace {

template <class T>
__global__ void __launch_bounds__(kThreads) sgd_kernel(SgdUpdate<T> update, T* p, const T* g, T* buf,
                                                       const T* proceed, const double* hyper, int64_t n) {
    if (proceed && *proceed == T(0)) return;
    if (hyper) update.lr = T(hyper[0]);
    TDSR_GRID_STRIDE(i, n) update(p[i], g[i], buf[i]);
}

template <class T>
__global__ void __launch_bounds__(kThreads) adam_kernel(AdamHyper h, T* p, const T* g, T* m, T* v,
                                                        const T* proceed, const double* hyper, int64_t n) {
    if (proceed && *proceed == T(0)) return;
    const AdamUpdate<T> update = adam_update<T>(with_hyper(h, hyper));
    TDSR_GRID_STRIDE(i, n) update(p[i], g[i], m[i], v[i]);
}

}  // namespace

void sgd_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* buf, const tdsr_tensor* proceed,
              const tdsr_tensor* hyper, double lr, double momentum, double weight_decay) {
    const On on(param);
    dispatch_float("sgd_step", param, [&](auto tag) {
        using T = decltype(tag);
        const SgdUpdate<T> update{T(lr), T(momentum), T(weight_decay)};
        launch(param->numel, on.stream, &sgd_kernel<T>, update, param->data<T>(), grad->data<T>(), buf->data<T>(),
               proceed ? proceed->data<T>() : nullptr, hyper ? hyper->data<double>() : nullptr, param->numel);
    });
}

void adam_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* m, tdsr_tensor* v, const tdsr_tensor* proceed,
               const tdsr_tensor* hyper, const AdamHyper& h) {
    const On on(param);
    dispatch_float("adam_step", param, [&](auto tag) {
        using T = decltype(tag);
        launch(param->numel, on.stream, &adam_kernel<T>, h, param->data<T>(), grad->data<T>(), m->data<T>(),
               v->data<T>(), proceed ? proceed->data<T>() : nullptr, hyper ? hyper->data<double>() : nullptr,
               param->numel);
    });
}

}  // namespace tdsr::cuda
