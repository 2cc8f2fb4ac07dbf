// Optimizer steps on CUDA (twins of cpu/optim.cpp): one thread per parameter element applying SgdUpdate /
// AdamUpdate of ops/optim.hpp; the Adam functor (bias corrections) is built on the host by adam_update<T>, as on the
// CPU. No differences beyond FMA contraction.
#include "common.cuh"
#include "ops/optim.hpp"

namespace tdsr::cuda {
namespace {

template <class T>
__global__ void __launch_bounds__(kThreads) sgd_kernel(SgdUpdate<T> update, T* p, const T* g, T* buf, int64_t n) {
    TDSR_GRID_STRIDE(i, n) update(p[i], g[i], buf[i]);
}

template <class T>
__global__ void __launch_bounds__(kThreads) adam_kernel(AdamUpdate<T> update, T* p, const T* g, T* m, T* v, int64_t n) {
    TDSR_GRID_STRIDE(i, n) update(p[i], g[i], m[i], v[i]);
}

}  // namespace

void sgd_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* buf, double lr, double momentum,
              double weight_decay) {
    const On on(param);
    dispatch_float("sgd_step", param, [&](auto tag) {
        using T = decltype(tag);
        const SgdUpdate<T> update{T(lr), T(momentum), T(weight_decay)};
        launch(param->numel, on.stream, &sgd_kernel<T>, update, param->data<T>(), grad->data<T>(), buf->data<T>(),
               param->numel);
    });
}

void adam_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* m, tdsr_tensor* v, const AdamHyper& h) {
    const On on(param);
    dispatch_float("adam_step", param, [&](auto tag) {
        using T = decltype(tag);
        launch(param->numel, on.stream, &adam_kernel<T>, adam_update<T>(h), param->data<T>(), grad->data<T>(),
               m->data<T>(), v->data<T>(), param->numel);
    });
}

}  // namespace tdsr::cuda
