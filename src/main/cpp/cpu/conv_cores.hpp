// The CPU convolution cores over one ConvGeom (see ops/conv.hpp for the conv/deconv duality): im2col/col2im over
// tiles of output positions + BLAS GEMM, and the phase decomposition of the strided backward-input (which is also the
// transposed convolution's forward). A header so that src/test/cpp/conv_cores_test.cpp can hold every fast path
// against the col2im reference and a direct loop, in double and float.
//
// Tiling: the im2col matrix of a whole 300x300 image is hundreds of MB; we build it for a tile of output positions
// at a time (kTile* elements), so the scratch stays in cache-friendly megabytes and GEMM's N stays large.
#pragma once

#include "../ops/conv.hpp"
#include "blas.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace tdsr::cpu::conv_cores {


// Tile sizes in column elements, per core (measured, see README "Performance"): col2im paths want the GEMM's
// output still in L2 when it is scattered; the weight gradient wants a long inner dimension for its GEMM.
constexpr int64_t kTileForward = int64_t(1) << 20;
constexpr int64_t kTileBackwardInput = int64_t(1) << 19;
constexpr int64_t kTileBackwardWeight = int64_t(1) << 21;

// Output positions per im2col tile for a budget of `elems` column elements.
inline int64_t tile_positions(const ConvGeom& g, int64_t elems) {
    int64_t t = std::max<int64_t>(elems / std::max<int64_t>(g.K(), 1), 1);
    // Keep tiles a multiple of full output rows when possible: the copy loops then run whole rows.
    if (t >= g.Wo) t = t / g.Wo * g.Wo;
    return std::min<int64_t>(t, g.P());
}

// The t in [0, cnt) whose input column (wo + t)*sw + off lies inside [0, W) form [lo, hi2): the copy loops over a
// row segment then need no bounds test. (Numerators <= 0 clamp to 0, so truncating division is fine.)
inline void row_range(const ConvGeom& g, int wo, int off, int cnt, int& lo, int& hi2) {
    lo = std::clamp((-off - wo * g.sw + g.sw - 1) / g.sw, 0, cnt);
    hi2 = std::clamp((g.W - off - wo * g.sw + g.sw - 1) / g.sw, lo, cnt);
}

// col[k][p - p0] = x[c][ho*sh - ph + i*dh][wo*sw - pw + j*dw] (0 outside), k = (c*kh + i)*kw + j, p in [p0, p1).
template <class T>
void im2col_tile(const T* x, const ConvGeom& g, int64_t p0, int64_t p1, T* col) {
    const int64_t K = g.K(), n = p1 - p0;
#pragma omp parallel for schedule(static) if (K * n > 65536)
    for (int64_t k = 0; k < K; k++) {
        const int j = int(k % g.kw), i = int((k / g.kw) % g.kh), c = int(k / (int64_t(g.kw) * g.kh));
        const T* plane = x + int64_t(c) * g.HW();
        T* dst = col + k * n;
        int64_t p = p0;
        int ho = int(p0 / g.Wo), wo = int(p0 % g.Wo);
        while (p < p1) {
            const int cnt = int(std::min<int64_t>(g.Wo - wo, p1 - p));
            const int hi = ho * g.sh - g.ph + i * g.dh;
            if (hi < 0 || hi >= g.H) {
                std::fill(dst, dst + cnt, T(0));
            } else {
                const T* src = plane + int64_t(hi) * g.W;
                const int off = j * g.dw - g.pw;
                // Zero the out-of-range ends, copy the middle without bounds tests.
                int lo, hi2;
                row_range(g, wo, off, cnt, lo, hi2);
                std::fill(dst, dst + lo, T(0));
                if (g.sw == 1) {
                    std::memcpy(dst + lo, src + wo + lo + off, sizeof(T) * (hi2 - lo));
                } else {
                    const T* s0 = src + wo * g.sw + off;
                    for (int t = lo; t < hi2; t++) dst[t] = s0[t * g.sw];
                }
                std::fill(dst + hi2, dst + cnt, T(0));
            }
            dst += cnt;
            p += cnt;
            ho++;
            wo = 0;
        }
    }
}

// The adjoint of im2col_tile: x[c][...] += col[k][p - p0]. Parallel over channels (each writes its own plane).
template <class T>
void col2im_tile(const T* col, const ConvGeom& g, int64_t p0, int64_t p1, T* x) {
    const int64_t n = p1 - p0;
    const int khw = g.kh * g.kw;
#pragma omp parallel for schedule(static) if (g.K() * n > 65536)
    for (int c = 0; c < g.C; c++) {
        T* plane = x + int64_t(c) * g.HW();
        for (int r = 0; r < khw; r++) {
            const int i = r / g.kw, j = r % g.kw;
            const T* src = col + (int64_t(c) * khw + r) * n;
            int64_t p = p0;
            int ho = int(p0 / g.Wo), wo = int(p0 % g.Wo);
            while (p < p1) {
                const int cnt = int(std::min<int64_t>(g.Wo - wo, p1 - p));
                const int hi = ho * g.sh - g.ph + i * g.dh;
                if (hi >= 0 && hi < g.H) {
                    T* dst = plane + int64_t(hi) * g.W;
                    const int off = j * g.dw - g.pw;
                    int lo, hi2;
                    row_range(g, wo, off, cnt, lo, hi2);
                    T* d0 = dst + wo * g.sw + off;
                    if (g.sw == 1) {
                        for (int t = lo; t < hi2; t++) d0[t] += src[t];
                    } else {
                        for (int t = lo; t < hi2; t++) d0[t * g.sw] += src[t];
                    }
                }
                src += cnt;
                p += cnt;
                ho++;
                wo = 0;
            }
        }
    }
}

// y[n] = W * im2col(x[n]) (+ bias added by the caller). y is overwritten.
template <class T>
void conv_forward_core(const T* x, const T* w, T* y, const ConvGeom& g) {
    const int64_t K = g.K(), P = g.P(), tile = tile_positions(g, kTileForward);
    for (int n = 0; n < g.N; n++) {
        const T* xn = x + int64_t(n) * g.C * g.HW();
        T* yn = y + int64_t(n) * g.M * P;
        if (g.pointwise()) {
            gemm_parallel(false, false, g.M, int(P), g.C, T(1), w, g.C, xn, int(P), T(0), yn, int(P));
            continue;
        }
        T* col = scratch<T>(size_t(K * tile));
        for (int64_t p0 = 0; p0 < P; p0 += tile) {
            const int64_t p1 = std::min(P, p0 + tile), cnt = p1 - p0;
            im2col_tile(xn, g, p0, p1, col);
            gemm_parallel(false, false, g.M, int(cnt), int(K), T(1), w, int(K), col, int(cnt), T(0), yn + p0, int(P));
        }
    }
}

// dx[n] = col2im(W^T dy[n]); dx is overwritten. The reference for conv_backward_input_phases, and the path of
// stride 1, where its GEMM already has the shape of the forward's.
template <class T>
void conv_backward_input_col2im(const T* dy, const T* w, T* dx, const ConvGeom& g) {
    const int64_t K = g.K(), P = g.P(), tile = tile_positions(g, kTileBackwardInput);
    for (int n = 0; n < g.N; n++) {
        const T* dyn = dy + int64_t(n) * g.M * P;
        T* dxn = dx + int64_t(n) * g.C * g.HW();
        if (g.pointwise()) {
            gemm_parallel(true, false, g.C, int(P), g.M, T(1), w, g.C, dyn, int(P), T(0), dxn, int(P));
            continue;
        }
        std::fill(dxn, dxn + int64_t(g.C) * g.HW(), T(0));
        T* col = scratch<T>(size_t(K * tile));
        for (int64_t p0 = 0; p0 < P; p0 += tile) {
            const int64_t p1 = std::min(P, p0 + tile), cnt = p1 - p0;
            gemm_parallel(true, false, int(K), int(cnt), g.M, T(1), w, int(K), dyn + p0, int(P), T(0), col, int(cnt));
            col2im_tile(col, g, p0, p1, dxn);
        }
    }
}

// ---- the phase decomposition of the strided backward-input -----------------------------------------------------
// dx[c][ih][iw] = sum over (m, i, j) with ih = ho*s - p + i*d of w[m][c][i][j] dy[m][ho][wo]. The input rows
// ih = r + s*a of one residue r (a phase) are reached only by the kernel rows i with (r + p - i*d) = 0 mod s, each
// reading output row ho = a + (r + p - i*d)/s. So each of the s_h*s_w phases is a small stride-1 correlation of dy:
// one GEMM [C x M*taps] x [M*taps x positions] with a long inner dimension, written once into its sub-grid of dx,
// instead of col2im's GEMM with inner dimension M and a scatter-add of kh*kw values into every input pixel.

// One axis of a phase: the kernel taps that reach it and the output shift each reads.
struct PhaseAxis {
    int rows = 0;                 // input rows (or columns) of the phase: r, r + s, ... < H
    std::vector<int> tap, shift;  // kernel index i and ho - a for each tap
};

inline PhaseAxis phase_axis(int r, int size, int k, int s, int p, int d) {
    PhaseAxis a;
    a.rows = r < size ? (size - r + s - 1) / s : 0;
    for (int i = 0; i < k; i++) {
        const int v = r + p - i * d;
        if (((v % s) + s) % s == 0) {
            a.tap.push_back(i);
            a.shift.push_back(v >= 0 ? v / s : -((-v) / s));  // exact: v is a multiple of s
        }
    }
    return a;
}

// dx[n] for a strided geometry, phase by phase; dx is overwritten (phases no tap reaches are zero).
template <class T>
void conv_backward_input_phases(const T* dy, const T* w, T* dx, const ConvGeom& g) {
    for (int rh = 0; rh < g.sh; rh++) {
        const PhaseAxis ah = phase_axis(rh, g.H, g.kh, g.sh, g.ph, g.dh);
        for (int rw = 0; rw < g.sw; rw++) {
            const PhaseAxis aw = phase_axis(rw, g.W, g.kw, g.sw, g.pw, g.dw);
            if (ah.rows == 0 || aw.rows == 0) continue;
            const int th = int(ah.tap.size()), tw = int(aw.tap.size());
            const int64_t Kp = int64_t(g.M) * th * tw;
            if (Kp == 0) {
                for (int n = 0; n < g.N; n++)
                    for (int c = 0; c < g.C; c++) {
                        T* plane = dx + (int64_t(n) * g.C + c) * g.HW();
                        for (int a = 0; a < ah.rows; a++)
                            for (int b = 0; b < aw.rows; b++) plane[int64_t(rh + a * g.sh) * g.W + rw + b * g.sw] = T(0);
                    }
                continue;
            }
            // Whole phase rows per tile, about kTileForward column elements.
            const int tile_rows = int(std::clamp<int64_t>(kTileForward / std::max<int64_t>(Kp * aw.rows, 1), 1, ah.rows));
            const int64_t tile = int64_t(tile_rows) * aw.rows;
            T* wp = scratch<T>(size_t(g.C * Kp + Kp * tile + int64_t(g.C) * tile));
            T* col = wp + g.C * Kp;
            T* out = col + Kp * tile;
            // The phase's weights, wp[c][(m*th + ti)*tw + tj] = w[m][c][tap_i][tap_j].
            for (int c = 0; c < g.C; c++)
                for (int m = 0; m < g.M; m++)
                    for (int ti = 0; ti < th; ti++)
                        for (int tj = 0; tj < tw; tj++)
                            wp[c * Kp + (int64_t(m) * th + ti) * tw + tj] =
                                w[((int64_t(m) * g.C + c) * g.kh + ah.tap[ti]) * g.kw + aw.tap[tj]];
            for (int n = 0; n < g.N; n++) {
                const T* dyn = dy + int64_t(n) * g.M * g.P();
                T* dxn = dx + int64_t(n) * g.C * g.HW();
                for (int a0 = 0; a0 < ah.rows; a0 += tile_rows) {
                    const int a1 = std::min(ah.rows, a0 + tile_rows);
                    const int64_t cnt = int64_t(a1 - a0) * aw.rows;
                    // col[(m, ti, tj)][(a - a0, b)] = dy[m][a + shift_i][b + shift_j] (0 outside the output).
#pragma omp parallel for schedule(static) if (Kp * cnt > 65536)
                    for (int64_t k = 0; k < Kp; k++) {
                        const int tj = int(k % tw), ti = int((k / tw) % th), m = int(k / (int64_t(tw) * th));
                        const int sj = aw.shift[tj];
                        const int b_lo = std::clamp(-sj, 0, aw.rows), b_hi = std::clamp(g.Wo - sj, b_lo, aw.rows);
                        T* dst = col + k * cnt;
                        for (int a = a0; a < a1; a++, dst += aw.rows) {
                            const int ho = a + ah.shift[ti];
                            if (ho < 0 || ho >= g.Ho) {
                                std::fill(dst, dst + aw.rows, T(0));
                                continue;
                            }
                            const T* src = dyn + (int64_t(m) * g.Ho + ho) * g.Wo + sj;
                            std::fill(dst, dst + b_lo, T(0));
                            std::memcpy(dst + b_lo, src + b_lo, sizeof(T) * (b_hi - b_lo));
                            std::fill(dst + b_hi, dst + aw.rows, T(0));
                        }
                    }
                    gemm_parallel(false, false, g.C, int(cnt), int(Kp), T(1), wp, int(Kp), col, int(cnt), T(0), out,
                                  int(cnt));
#pragma omp parallel for schedule(static) if (g.C * cnt > 65536)
                    for (int c = 0; c < g.C; c++) {
                        const T* src = out + int64_t(c) * cnt;
                        T* plane = dxn + int64_t(c) * g.HW();
                        for (int a = a0; a < a1; a++) {
                            T* row = plane + int64_t(rh + a * g.sh) * g.W + rw;
                            for (int b = 0; b < aw.rows; b++) row[int64_t(b) * g.sw] = src[b];
                            src += aw.rows;
                        }
                    }
                }
            }
        }
    }
}

// dx[n] = the adjoint of the forward at dy[n]; dx is overwritten. Strided geometries take the phase GEMMs.
template <class T>
void conv_backward_input_core(const T* dy, const T* w, T* dx, const ConvGeom& g) {
    if (g.sh > 1 || g.sw > 1) {
        conv_backward_input_phases(dy, w, dx, g);
    } else {
        conv_backward_input_col2im(dy, w, dx, g);
    }
}

// dw += sum_n dy[n] * im2col(x[n])^T (samples in order: deterministic).
template <class T>
void conv_backward_weight_core(const T* dy, const T* x, T* dw, const ConvGeom& g) {
    const int64_t K = g.K(), P = g.P(), tile = tile_positions(g, kTileBackwardWeight);
    for (int n = 0; n < g.N; n++) {
        const T* dyn = dy + int64_t(n) * g.M * P;
        const T* xn = x + int64_t(n) * g.C * g.HW();
        if (g.pointwise()) {
            gemm_parallel(false, true, g.M, g.C, int(P), T(1), dyn, int(P), xn, int(P), T(1), dw, g.C);
            continue;
        }
        T* col = scratch<T>(size_t(K * tile));
        for (int64_t p0 = 0; p0 < P; p0 += tile) {
            const int64_t p1 = std::min(P, p0 + tile), cnt = p1 - p0;
            im2col_tile(xn, g, p0, p1, col);
            gemm_parallel(false, true, g.M, int(K), int(cnt), T(1), dyn + p0, int(P), col, int(cnt), T(1), dw, int(K));
        }
    }
}

// y[n,m,:] += b[m]
template <class T>
void add_bias(T* y, const T* b, int N, int M, int64_t P) {
    for (int n = 0; n < N; n++)
        for (int m = 0; m < M; m++) {
            T* row = y + (int64_t(n) * M + m) * P;
            const T bm = b[m];
            for (int64_t p = 0; p < P; p++) row[p] += bm;
        }
}

// db[m] += sum_{n,p} dy[n,m,p]
template <class T>
void bias_grad(const T* dy, T* db, int N, int M, int64_t P) {
    for (int m = 0; m < M; m++) {
        double s = 0;
        for (int n = 0; n < N; n++) {
            const T* row = dy + (int64_t(n) * M + m) * P;
            for (int64_t p = 0; p < P; p++) s += row[p];
        }
        db[m] += T(s);
    }
}

}  // namespace tdsr::cpu::conv_cores
