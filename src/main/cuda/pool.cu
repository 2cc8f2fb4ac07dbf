// Max pooling on CUDA (twins of cpu/pool.cpp) with window_argmax of ops/pool.hpp. Forward: one thread per output
// element. Backward: one thread per INPUT element gathers dy of every window whose argmax it is, visiting the
// windows in the CPU's scan order (oh, then ow ascending) -- no atomics, so the sums are deterministic and equal to
// the CPU's. The price is recomputing each covering window's argmax (kh/sh * kw/sw windows per input element).
#include "common.cuh"
#include "ops/pool.hpp"

namespace tdsr::cuda {
namespace {

template <class T>
__global__ void __launch_bounds__(kThreads) maxpool_forward_kernel(PoolGeom g, const T* x, T* y, int64_t n) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t ow = i % g.Wo, oh = (i / g.Wo) % g.Ho, nc = i / (g.Wo * g.Ho);
        const T* plane = x + nc * g.H * g.W;
        y[i] = plane[window_argmax(plane, g, oh, ow)];
    }
}

// The output indices o in [0, count) whose window (start o*s - p, size k) covers input index v.
__device__ void covering(int64_t v, int k, int s, int p, int64_t count, int64_t& lo, int64_t& hi) {
    const int64_t first = v + p - k + 1;  // o*s >= first
    lo = first <= 0 ? 0 : (first + s - 1) / s;
    hi = hd::min<int64_t>((v + p) / s, count - 1);  // o*s <= v + p
}

template <class T>
__global__ void __launch_bounds__(kThreads) maxpool_backward_kernel(PoolGeom g, const T* x, const T* dy, T* dx,
                                                                    int64_t n) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t w = i % g.W, h = (i / g.W) % g.H, nc = i / (g.W * g.H);
        const T* plane = x + nc * g.H * g.W;
        const T* gout = dy + nc * g.Ho * g.Wo;
        const int64_t self = h * g.W + w;
        int64_t oh0, oh1, ow0, ow1;
        covering(h, g.kh, g.sh, g.ph, g.Ho, oh0, oh1);
        covering(w, g.kw, g.sw, g.pw, g.Wo, ow0, ow1);
        T acc = T(0);
        for (int64_t oh = oh0; oh <= oh1; oh++)
            for (int64_t ow = ow0; ow <= ow1; ow++)
                if (window_argmax(plane, g, oh, ow) == self) acc += gout[oh * g.Wo + ow];
        dx[i] = acc;
    }
}

}  // namespace

void maxpool2d_forward(const PoolGeom& g, const tdsr_tensor* x, tdsr_tensor* y) {
    const On on(x);
    dispatch_float("maxpool2d_forward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(y->numel, on.stream, &maxpool_forward_kernel<T>, g, x->data<T>(), y->data<T>(), y->numel);
    });
}

void maxpool2d_backward(const PoolGeom& g, const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx) {
    const On on(x);
    dispatch_float("maxpool2d_backward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(dx->numel, on.stream, &maxpool_backward_kernel<T>, g, x->data<T>(), dy->data<T>(), dx->data<T>(),
               dx->numel);
    });
}

}  // namespace tdsr::cuda
