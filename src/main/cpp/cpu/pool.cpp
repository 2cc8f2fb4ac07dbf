// Max pooling on the CPU: one OpenMP loop over planes, the window argmax of ops/pool.hpp per output element.
#include "../ops/pool.hpp"

#include <algorithm>

namespace tdsr::cpu {

void maxpool2d_forward(const PoolGeom& g, const tdsr_tensor* x, tdsr_tensor* y) {
    dispatch_float("maxpool2d_forward", x, [&](auto tag) {
        using T = decltype(tag);
#pragma omp parallel for schedule(static) if (y->numel > 16384)
        for (int64_t nc = 0; nc < g.NC; nc++) {
            const T* plane = x->data<T>() + nc * g.H * g.W;
            T* out = y->data<T>() + nc * g.Ho * g.Wo;
            for (int64_t oh = 0; oh < g.Ho; oh++)
                for (int64_t ow = 0; ow < g.Wo; ow++) out[oh * g.Wo + ow] = plane[window_argmax(plane, g, oh, ow)];
        }
    });
}

void maxpool2d_backward(const PoolGeom& g, const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx) {
    dispatch_float("maxpool2d_backward", x, [&](auto tag) {
        using T = decltype(tag);
#pragma omp parallel for schedule(static) if (dy->numel > 16384)
        for (int64_t nc = 0; nc < g.NC; nc++) {
            const T* plane = x->data<T>() + nc * g.H * g.W;
            const T* gout = dy->data<T>() + nc * g.Ho * g.Wo;
            T* gin = dx->data<T>() + nc * g.H * g.W;
            std::fill(gin, gin + g.H * g.W, T(0));
            for (int64_t oh = 0; oh < g.Ho; oh++)
                for (int64_t ow = 0; ow < g.Wo; ow++) gin[window_argmax(plane, g, oh, ow)] += gout[oh * g.Wo + ow];
        }
    });
}

}  // namespace tdsr::cpu
