// Optimizer steps on the CPU: one OpenMP loop over the slab, the updates of ops/optim.hpp per element (none when the
// proceed flag is 0).
#include "../ops/optim.hpp"

namespace tdsr::cpu {

void sgd_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* buf, const tdsr_tensor* proceed,
              const tdsr_tensor* hyper, double lr, double momentum, double weight_decay) {
    dispatch_float("sgd_step", param, [&](auto tag) {
        using T = decltype(tag);
        if (proceed && proceed->data<T>()[0] == T(0)) return;
        const SgdUpdate<T> update{T(hyper ? hyper->data<double>()[0] : lr), T(momentum), T(weight_decay)};
        T* p = param->data<T>();
        const T* g = grad->data<T>();
        T* b = buf->data<T>();
#pragma omp parallel for schedule(static) if (param->numel > 65536)
        for (int64_t i = 0; i < param->numel; i++) update(p[i], g[i], b[i]);
    });
}

void adam_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* m, tdsr_tensor* v, const tdsr_tensor* proceed,
               const tdsr_tensor* hyper, const AdamHyper& h) {
    dispatch_float("adam_step", param, [&](auto tag) {
        using T = decltype(tag);
        if (proceed && proceed->data<T>()[0] == T(0)) return;
        const AdamUpdate<T> update = adam_update<T>(with_hyper(h, hyper ? hyper->data<double>() : nullptr));
        T* p = param->data<T>();
        const T* g = grad->data<T>();
        T* ms = m->data<T>();
        T* vs = v->data<T>();
#pragma omp parallel for schedule(static) if (param->numel > 65536)
        for (int64_t i = 0; i < param->numel; i++) update(p[i], g[i], ms[i], vs[i]);
    });
}

}  // namespace tdsr::cpu
