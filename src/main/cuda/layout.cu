// Layout ops on CUDA (twins of cpu/layout.cpp): the SSD heads' NCHW <-> rows permutation with the index maps of
// ops/layout.hpp, the spatial crop and the pixel shuffle (one thread per output element; the backward scatters
// through the same permutation, so no two threads write one element). One thread per element of the NCHW tensor (permutation) or of the written
// tensor (crop); the crop backward writes the zeros outside the window in the same pass instead of a fill first.
#include "common.cuh"
#include "ops/layout.hpp"

namespace tdsr::cuda {
namespace {

// Thread i is the rows element (n, p, c) in rows order, so the writes are contiguous.
template <class T>
__global__ void __launch_bounds__(kThreads) nchw_to_rows_kernel(RowsGeom g, const T* x, T* rows, int64_t n) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t c = i % g.C, p = (i / g.C) % g.HW, b = i / (g.C * g.HW);
        rows[rows_index(g, b, c, p)] = x[nchw_index(g, b, c, p)];
    }
}

// Thread i is the NCHW element (n, c, p), contiguous in x.
template <class T>
__global__ void __launch_bounds__(kThreads) rows_to_nchw_kernel(RowsGeom g, const T* rows, T* x, int64_t n) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t p = i % g.HW, c = (i / g.HW) % g.C, b = i / (g.C * g.HW);
        x[nchw_index(g, b, c, p)] = rows[rows_index(g, b, c, p)];
    }
}

template <class T>
__global__ void __launch_bounds__(kThreads) crop_forward_kernel(CropGeom g, const T* x, T* y, int64_t n) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t c = i % g.w, r = (i / g.w) % g.h, nc = i / (g.w * g.h);
        y[i] = x[(nc * g.H + g.top + r) * g.W + g.left + c];
    }
}

template <class T>
__global__ void __launch_bounds__(kThreads) crop_backward_kernel(CropGeom g, const T* dy, T* dx, int64_t n) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t col = i % g.W, row = (i / g.W) % g.H, nc = i / (g.W * g.H);
        const int64_t r = row - g.top, c = col - g.left;
        dx[i] = (r >= 0 && r < g.h && c >= 0 && c < g.w) ? dy[(nc * g.h + r) * g.w + c] : T(0);
    }
}

template <class T>
__global__ void __launch_bounds__(kThreads) shuffle_forward_kernel(ShuffleGeom g, const T* x, T* y, int64_t n) {
    TDSR_GRID_STRIDE(i, n) y[i] = x[pixel_shuffle_source(g, i)];
}

template <class T>
__global__ void __launch_bounds__(kThreads) shuffle_backward_kernel(ShuffleGeom g, const T* dy, T* dx, int64_t n) {
    TDSR_GRID_STRIDE(i, n) dx[pixel_shuffle_source(g, i)] = dy[i];
}

}  // namespace

void nchw_to_rows(const RowsGeom& g, const tdsr_tensor* x, tdsr_tensor* rows) {
    const On on(x);
    dispatch_float("nchw_to_rows", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &nchw_to_rows_kernel<T>, g, x->data<T>(), rows->data<T>(), x->numel);
    });
}

void rows_to_nchw(const RowsGeom& g, const tdsr_tensor* rows, tdsr_tensor* x) {
    const On on(x);
    dispatch_float("rows_to_nchw", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &rows_to_nchw_kernel<T>, g, rows->data<T>(), x->data<T>(), x->numel);
    });
}

void crop2d_forward(const CropGeom& g, const tdsr_tensor* x, tdsr_tensor* y) {
    const On on(x);
    dispatch_float("crop2d_forward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(y->numel, on.stream, &crop_forward_kernel<T>, g, x->data<T>(), y->data<T>(), y->numel);
    });
}

void crop2d_backward(const CropGeom& g, const tdsr_tensor* dy, tdsr_tensor* dx) {
    const On on(dx);
    dispatch_float("crop2d_backward", dx, [&](auto tag) {
        using T = decltype(tag);
        launch(dx->numel, on.stream, &crop_backward_kernel<T>, g, dy->data<T>(), dx->data<T>(), dx->numel);
    });
}

void pixel_shuffle_forward(const ShuffleGeom& g, const tdsr_tensor* x, tdsr_tensor* y) {
    const On on(x);
    dispatch_float("pixel_shuffle_forward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(y->numel, on.stream, &shuffle_forward_kernel<T>, g, x->data<T>(), y->data<T>(), y->numel);
    });
}

void pixel_shuffle_backward(const ShuffleGeom& g, const tdsr_tensor* dy, tdsr_tensor* dx) {
    const On on(dy);
    dispatch_float("pixel_shuffle_backward", dy, [&](auto tag) {
        using T = decltype(tag);
        launch(dy->numel, on.stream, &shuffle_backward_kernel<T>, g, dy->data<T>(), dx->data<T>(), dy->numel);
    });
}

}  // namespace tdsr::cuda
