// PReLU, ReLU and LeakyReLU on CUDA (twins of cpu/activation.cpp): one thread per element over the functors of
// ops/activation.hpp. Differs from the CPU twin in the order of dalpha's double sums: per channel, a fixed block
// layout and tree (common.cuh channel_reduce), then the channels in order for a shared alpha.
#include "common.cuh"
#include "ops/activation.hpp"

namespace tdsr::cuda {
namespace {

template <class T>
__global__ void __launch_bounds__(kThreads) prelu_forward_kernel(const T* x, const T* a, T* y, int64_t n, int64_t C,
                                                                 int64_t P, bool shared) {
    TDSR_GRID_STRIDE(i, n) y[i] = prelu(x[i], shared ? a[0] : a[(i / P) % C]);
}

template <class T>
__global__ void __launch_bounds__(kThreads) prelu_dx_kernel(const T* x, const T* a, const T* dy, T* dx, int64_t n,
                                                            int64_t C, int64_t P, bool shared) {
    TDSR_GRID_STRIDE(i, n) dx[i] = prelu_dx(x[i], shared ? a[0] : a[(i / P) % C], dy[i]);
}

template <class T>
__global__ void __launch_bounds__(kThreads) relu_forward_kernel(const T* x, T* y, int64_t n) {
    TDSR_GRID_STRIDE(i, n) y[i] = relu(x[i]);
}

template <class T>
__global__ void __launch_bounds__(kThreads) relu_backward_kernel(const T* x, const T* dy, T* dx, int64_t n) {
    TDSR_GRID_STRIDE(i, n) dx[i] = relu_dx(x[i], dy[i]);
}

template <class T>
__global__ void __launch_bounds__(kThreads) leaky_forward_kernel(const T* x, T* y, T s, int64_t n) {
    TDSR_GRID_STRIDE(i, n) y[i] = leaky_relu(x[i], s);
}

template <class T>
__global__ void __launch_bounds__(kThreads) leaky_backward_kernel(const T* x, const T* dy, T* dx, T s, int64_t n) {
    TDSR_GRID_STRIDE(i, n) dx[i] = leaky_relu_dx(x[i], s, dy[i]);
}

// The element (n, c, p)'s share of dL/dalpha.
template <class T>
struct PreluDalpha {
    const T *x, *dy;
    int64_t C, P;
    __device__ double operator()(int64_t c, int64_t n, int64_t p) const {
        const int64_t i = (n * C + c) * P + p;
        return prelu_dalpha(x[i], dy[i]);
    }
};

}  // namespace

void prelu_forward(const PreluGeom& g, const tdsr_tensor* x, const tdsr_tensor* alpha, tdsr_tensor* y) {
    const On on(x);
    dispatch_float("prelu_forward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &prelu_forward_kernel<T>, x->data<T>(), alpha->data<T>(), y->data<T>(), x->numel,
               g.C, g.P, g.shared);
    });
}

void prelu_backward(const PreluGeom& g, const tdsr_tensor* x, const tdsr_tensor* alpha, const tdsr_tensor* dy,
                    tdsr_tensor* dx, tdsr_tensor* dalpha) {
    const On on(x);
    dispatch_float("prelu_backward", x, [&](auto tag) {
        using T = decltype(tag);
        if (dx)
            launch(x->numel, on.stream, &prelu_dx_kernel<T>, x->data<T>(), alpha->data<T>(), dy->data<T>(),
                   dx->data<T>(), x->numel, g.C, g.P, g.shared);
        if (dalpha)
            channel_reduce(on, PreluDalpha<T>{x->data<T>(), dy->data<T>(), g.C, g.P}, g.N, g.C, g.P,
                           g.shared ? Finish::shared : Finish::accumulate, dalpha->data<T>());
    });
}

void relu_forward(const tdsr_tensor* x, tdsr_tensor* y) {
    const On on(x);
    dispatch_float("relu_forward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &relu_forward_kernel<T>, x->data<T>(), y->data<T>(), x->numel);
    });
}

void relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx) {
    const On on(x);
    dispatch_float("relu_backward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &relu_backward_kernel<T>, x->data<T>(), dy->data<T>(), dx->data<T>(), x->numel);
    });
}

void leaky_relu_forward(const tdsr_tensor* x, tdsr_tensor* y, double slope) {
    const On on(x);
    dispatch_float("leaky_relu_forward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &leaky_forward_kernel<T>, x->data<T>(), y->data<T>(), T(slope), x->numel);
    });
}

void leaky_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx, double slope) {
    const On on(x);
    dispatch_float("leaky_relu_backward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &leaky_backward_kernel<T>, x->data<T>(), dy->data<T>(), dx->data<T>(), T(slope),
               x->numel);
    });
}

}  // namespace tdsr::cuda
