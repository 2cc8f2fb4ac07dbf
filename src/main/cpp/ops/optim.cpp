// Optimizer steps over whole parameter slabs (one call updates every parameter of a model).
#include "../core.hpp"

#include <cmath>

using namespace tdsr;

namespace {
void check_slabs(const char* op, const tdsr_tensor* p, std::initializer_list<std::pair<const char*, const tdsr_tensor*>> others) {
    require_tensor(op, "param", p);
    for (auto& [name, t] : others) {
        require_numel(op, name, t, p->numel);
        require_same_dtype(op, {p, t});
    }
}
}  // namespace

extern "C" {

int tdsr_sgd_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* momentum_buf, double lr, double momentum,
                  double weight_decay) {
    const char* op = "sgd_step";
    return guarded(op, [&] {
        check_slabs(op, param, {{"grad", grad}, {"momentum buffer", momentum_buf}});
        dispatch_float(op, param, [&](auto tag) {
            using T = decltype(tag);
            T* p = param->data<T>();
            const T* g = grad->data<T>();
            T* b = momentum_buf->data<T>();
            const T lr_ = T(lr), mo = T(momentum), wd = T(weight_decay);
#pragma omp parallel for schedule(static) if (param->numel > 65536)
            for (int64_t i = 0; i < param->numel; i++) {
                const T d = g[i] + wd * p[i];
                b[i] = mo * b[i] + d;
                p[i] -= lr_ * b[i];
            }
        });
    });
}

int tdsr_adam_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* m, tdsr_tensor* v, int64_t t, double lr,
                   double beta1, double beta2, double eps, double weight_decay) {
    const char* op = "adam_step";
    return guarded(op, [&] {
        check_slabs(op, param, {{"grad", grad}, {"m", m}, {"v", v}});
        if (t < 1) fail(Msg() << op << ": step number must be >= 1, got " << t);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1))
            fail(Msg() << op << ": betas must be in [0,1), got " << beta1 << ", " << beta2);
        dispatch_float(op, param, [&](auto tag) {
            using T = decltype(tag);
            // PyTorch's formula: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps).
            const double bc1 = 1.0 - std::pow(beta1, double(t)), bc2 = 1.0 - std::pow(beta2, double(t));
            const T step = T(lr / bc1), rs = T(1.0 / std::sqrt(bc2)), b1 = T(beta1), b2 = T(beta2), e = T(eps),
                    wd = T(weight_decay);
            T* p = param->data<T>();
            const T* g = grad->data<T>();
            T* ms = m->data<T>();
            T* vs = v->data<T>();
#pragma omp parallel for schedule(static) if (param->numel > 65536)
            for (int64_t i = 0; i < param->numel; i++) {
                const T gi = g[i] + wd * p[i];
                ms[i] = b1 * ms[i] + (T(1) - b1) * gi;
                vs[i] = b2 * vs[i] + (T(1) - b2) * gi * gi;
                p[i] -= step * ms[i] / (std::sqrt(vs[i]) * rs + e);
            }
        });
    });
}

}  // extern "C"
