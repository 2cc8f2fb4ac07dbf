// Layout ops on the CPU: the SSD heads' NCHW <-> rows permutation and the spatial crop (index maps in ops/layout.hpp).
#include "../ops/layout.hpp"

#include <algorithm>
#include <cstring>

namespace tdsr::cpu {

namespace {

// One loop for the permutation and its adjoint: ToRows copies x into rows, else rows back into x.
template <bool ToRows>
void permute(const RowsGeom& g, const tdsr_tensor* x, const tdsr_tensor* rows) {
    dispatch_float(ToRows ? "nchw_to_rows" : "rows_to_nchw", x, [&](auto tag) {
        using T = decltype(tag);
        T* xs = x->data<T>();
        T* rs = rows->data<T>();
        for (int64_t n = 0; n < g.N; n++)
            for (int64_t p = 0; p < g.HW; p++)
                for (int64_t c = 0; c < g.C; c++) {
                    if (ToRows) rs[rows_index(g, n, c, p)] = xs[nchw_index(g, n, c, p)];
                    else xs[nchw_index(g, n, c, p)] = rs[rows_index(g, n, c, p)];
                }
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

}  // namespace tdsr::cpu
