// Layout ops on the CPU: the SSD heads' NCHW <-> rows permutation, the spatial crop and the pixel shuffle (index maps in ops/layout.hpp).
#include "../ops/layout.hpp"
#include "threads.hpp"
#include "transpose.hpp"

#include <algorithm>
#include <cstring>

namespace tdsr::cpu {

namespace {

// One transposition per image for the permutation and its adjoint: ToRows copies x into rows, else rows back into x.
template <bool ToRows>
void permute(const RowsGeom& g, const tdsr_tensor* x, const tdsr_tensor* rows) {
    dispatch_float(ToRows ? "nchw_to_rows" : "rows_to_nchw", x, [&](auto tag) {
        using T = decltype(tag);
        T* xs = x->data<T>();
        T* rs = rows->data<T>();
        T* row0 = rs + rows_index(g, 0, 0, 0);  // image n's rows start n * T further
        if (ToRows) images_to_channels_last(xs, g.N, g.C, g.HW, row0, g.T, free_threads());
        else channels_last_to_images(row0, g.T, g.N, g.C, g.HW, xs, free_threads());
    });
}

}  // namespace

void nchw_to_rows(const RowsGeom& g, const tdsr_tensor* x, tdsr_tensor* rows) { permute<true>(g, x, rows); }

void rows_to_nchw(const RowsGeom& g, const tdsr_tensor* rows, tdsr_tensor* x) { permute<false>(g, x, rows); }

void crop2d_forward(const CropGeom& g, const tdsr_tensor* x, tdsr_tensor* y) {
    dispatch_float("crop2d_forward", x, [&](auto tag) {
        using T = decltype(tag);
        for (int64_t nc = 0; nc < g.NC; nc++)
            for (int64_t r = 0; r < g.h; r++)
                std::memcpy(y->data<T>() + (nc * g.h + r) * g.w, x->data<T>() + (nc * g.H + g.top + r) * g.W + g.left,
                            sizeof(T) * g.w);
    });
}

void crop2d_backward(const CropGeom& g, const tdsr_tensor* dy, tdsr_tensor* dx) {
    dispatch_float("crop2d_backward", dx, [&](auto tag) {
        using T = decltype(tag);
        std::fill(dx->data<T>(), dx->data<T>() + dx->numel, T(0));
        for (int64_t nc = 0; nc < g.NC; nc++)
            for (int64_t r = 0; r < g.h; r++)
                std::memcpy(dx->data<T>() + (nc * g.H + g.top + r) * g.W + g.left, dy->data<T>() + (nc * g.h + r) * g.w,
                            sizeof(T) * g.w);
    });
}

void pixel_shuffle_forward(const ShuffleGeom& g, const tdsr_tensor* x, tdsr_tensor* y) {
    dispatch_float("pixel_shuffle_forward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        T* ys = y->data<T>();
#pragma omp parallel for schedule(static) if (y->numel > 65536)
        for (int64_t i = 0; i < y->numel; i++) ys[i] = xs[pixel_shuffle_source(g, i)];
    });
}

void pixel_shuffle_backward(const ShuffleGeom& g, const tdsr_tensor* dy, tdsr_tensor* dx) {
    dispatch_float("pixel_shuffle_backward", dy, [&](auto tag) {
        using T = decltype(tag);
        const T* gs = dy->data<T>();
        T* d = dx->data<T>();
#pragma omp parallel for schedule(static) if (dy->numel > 65536)
        for (int64_t i = 0; i < dy->numel; i++) d[pixel_shuffle_source(g, i)] = gs[i];
    });
}

}  // namespace tdsr::cpu
