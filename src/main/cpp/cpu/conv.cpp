// Convolution and transposed convolution on the CPU: im2col/col2im over tiles of output positions + BLAS GEMM; for
// layers with few output channels the direct cores of conv_direct.cpp (use_direct_conv); oneDNN for the rest of the
// float layers the GEMM cores would take (dnnl.hpp); on request the phased GEMM cores of conv_phased.cpp.
// The geometry, the checks and the conv/deconv duality live in ops/conv.hpp.
//
// Tiling: the im2col matrix of a whole 300x300 image is hundreds of MB; we build it for a tile of output positions
// at a time (kTile* elements), so the scratch stays in cache-friendly megabytes and GEMM's N stays large.
#include "../ops/conv.hpp"
#include "blas.hpp"
#include "conv_direct.hpp"
#include "conv_phased.hpp"
#include "dnnl.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace tdsr::cpu {
namespace {

// Tile sizes in column elements, per core (measured, see README "Performance"): col2im paths want the GEMM's
// output still in L2 when it is scattered; the weight gradient wants a long inner dimension for its GEMM.
constexpr int64_t kTileForward = int64_t(1) << 20;
constexpr int64_t kTileBackwardInput = int64_t(1) << 19;
constexpr int64_t kTileBackwardWeight = int64_t(1) << 21;

// Output positions per im2col tile for a budget of `elems` column elements.
int64_t tile_positions(const ConvGeom& g, int64_t elems) {
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

// A stride-1 layer from many channels to very few outputs (D-DBPN's output convolution, 448 -> 3, 3x3) as one
// well-shaped GEMM over the input planes plus shifted plane sums ("kn2row"): its M x kh x kw (27) kernel rows times
// the C-channel input give one plane per (output, tap), and each output is the sum of its taps' planes, shifted. The
// im2col route gives a GEMM with 3 rows; oneDNN ran it at 14-16 GFLOP/s in the full 8x step (TDSR_CONV_PROFILE,
// 2026-12-02), 0.3 s of a 6 s step for its forward and weight gradient. AUTO only, so that the GEMM cores stay the
// reference it is tested against.
constexpr int64_t kPlaneSumMaxRows = 64;  // M x kh x kw

inline bool few_outputs_by_planes(const ConvGeom& g) {
    return conv_algorithm().load() == CONV_AUTO && g.sh == 1 && g.sw == 1 && !g.pointwise() &&
           g.C > kDirectMaxInputChannels && int64_t(g.M) * g.kh * g.kw <= kPlaneSumMaxRows;
}

// The columns wo of output row segment [0, Wo) whose input column wo - pw + j dw lies inside [0, W): [lo, hi).
inline void tap_columns(const ConvGeom& g, int j, int& lo, int& hi) {
    const int off = j * g.dw - g.pw;
    lo = std::clamp(-off, 0, g.Wo);
    hi = std::clamp(g.W - off, lo, g.Wo);
}

// y[n] = sum over taps of the shifted planes z = W' x[n], W'[(m, tap)][c] = w[m][c][tap]; y overwritten. Each output
// element adds its taps in kernel order: the same result for any thread count.
template <class T>
void conv_forward_by_planes(const T* x, const T* w, T* y, const ConvGeom& g) {
    const int khw = g.kh * g.kw;
    const int64_t R = int64_t(g.M) * khw, HW = g.HW();
    T* wt = scratch<T>(size_t(R * g.C), 1);
    for (int m = 0; m < g.M; m++)
        for (int c = 0; c < g.C; c++)
            for (int r = 0; r < khw; r++) wt[(int64_t(m) * khw + r) * g.C + c] = w[(int64_t(m) * g.C + c) * khw + r];
    T* z = scratch<T>(size_t(R * HW));
    for (int n = 0; n < g.N; n++) {
        gemm_parallel(false, false, int(R), int(HW), g.C, T(1), wt, g.C, x + int64_t(n) * g.C * HW, int(HW), T(0), z,
                      int(HW));
#pragma omp parallel for schedule(static) num_threads(free_threads())
        for (int64_t row = 0; row < int64_t(g.M) * g.Ho; row++) {
            const int m = int(row / g.Ho), ho = int(row % g.Ho);
            T* yr = y + (int64_t(n) * g.M + m) * g.P() + int64_t(ho) * g.Wo;
            std::fill(yr, yr + g.Wo, T(0));
            for (int i = 0; i < g.kh; i++) {
                const int hi = g.input_row(ho, i);
                if (hi < 0 || hi >= g.H) continue;
                for (int j = 0; j < g.kw; j++) {
                    int lo, hi2;
                    tap_columns(g, j, lo, hi2);
                    const T* zr = z + (int64_t(m) * khw + i * g.kw + j) * HW + int64_t(hi) * g.W + (j * g.dw - g.pw);
                    for (int wo = lo; wo < hi2; wo++) yr[wo] += zr[wo];
                }
            }
        }
    }
}

// dw += sum_n W'^T, W'[(m, tap)][c] = sum_q s[(m, tap)][q] x[n][c][q], where s holds dy[n][m] shifted onto the input
// positions that tap reads (zero elsewhere): one GEMM with the whole image as its inner dimension.
template <class T>
void conv_backward_weight_by_planes(const T* dy, const T* x, T* dw, const ConvGeom& g) {
    const int khw = g.kh * g.kw;
    const int64_t R = int64_t(g.M) * khw, HW = g.HW();
    T* planes = scratch<T>(size_t(R * HW));
    T* acc = scratch<T>(size_t(R * g.C), 1);
    for (int n = 0; n < g.N; n++) {
#pragma omp parallel for schedule(static) num_threads(free_threads())
        for (int64_t r = 0; r < R; r++) {
            const int m = int(r / khw), i = int(r % khw / g.kw), j = int(r % g.kw);
            T* plane = planes + r * HW;
            std::fill(plane, plane + HW, T(0));
            int lo, hi2;
            tap_columns(g, j, lo, hi2);
            for (int ho = 0; ho < g.Ho; ho++) {
                const int hi = g.input_row(ho, i);
                if (hi < 0 || hi >= g.H) continue;
                const T* dyr = dy + (int64_t(n) * g.M + m) * g.P() + int64_t(ho) * g.Wo;
                T* dst = plane + int64_t(hi) * g.W + (j * g.dw - g.pw);
                for (int wo = lo; wo < hi2; wo++) dst[wo] = dyr[wo];
            }
        }
        gemm_parallel(false, true, int(R), g.C, int(HW), T(1), planes, int(HW), x + int64_t(n) * g.C * HW, int(HW),
                      n == 0 ? T(0) : T(1), acc, g.C);
    }
    for (int m = 0; m < g.M; m++)
        for (int c = 0; c < g.C; c++)
            for (int r = 0; r < khw; r++) dw[(int64_t(m) * g.C + c) * khw + r] += acc[(int64_t(m) * khw + r) * g.C + c];
}

// The team for a pass cut into `jobs` independent (image, tile) jobs, or 1 when the per-tile GEMM slices should be
// used instead (too few jobs to keep every thread busy, or already inside a parallel region). One parallel region per
// pass, each thread running whole tiles with single-threaded BLAS: with a region per tile (im2col, GEMM slices) a step
// opened tens of thousands of regions, and on cores shared with other jobs every join waited for a descheduled
// thread (a 4x step on 2 threads took 170 s against 49 s on 1, with PyTorch at 52 s, 2026-12-01, load 9).
inline int tile_team(int64_t jobs) {
    const int threads = free_threads();
    return threads > 1 && jobs >= 2 * int64_t(threads) ? threads : 1;
}

// y[n] = W * im2col(x[n]) (+ bias added by the caller). y is overwritten.
template <class T>
void conv_forward_core(const T* x, const T* w, T* y, const ConvGeom& g) {
    if (use_phased_conv(g)) {
        phased_conv_forward(x, w, y, g);
        return;
    }
    if (few_outputs_by_planes(g)) {
        conv_forward_by_planes(x, w, y, g);
        return;
    }
    if constexpr (std::is_same_v<T, float>) {
        if (use_dnnl_conv(0, g)) {
            dnnl_conv(0, g, x, w, y);
            return;
        }
    }
    if (use_direct_conv(g)) {
        direct_conv_forward(x, w, y, g);
        return;
    }
    const int64_t K = g.K(), P = g.P(), tile = tile_positions(g, kTileForward);
    if (g.pointwise()) {
        for (int n = 0; n < g.N; n++)
            gemm_parallel(false, false, g.M, int(P), g.C, T(1), w, g.C, x + int64_t(n) * g.C * g.HW(), int(P), T(0),
                          y + int64_t(n) * g.M * P, int(P));
        return;
    }
    const int64_t tiles = (P + tile - 1) / tile, jobs = g.N * tiles;
    const int team = tile_team(jobs);
    if (team > 1) {
        // Each job writes its own columns of y, so which thread runs it changes nothing: dynamic, so that a thread
        // that is descheduled does not hold the others at the join.
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
        for (int64_t j = 0; j < jobs; j++) {
            const int n = int(j / tiles);
            const int64_t p0 = (j % tiles) * tile, p1 = std::min(P, p0 + tile), cnt = p1 - p0;
            T* col = scratch<T>(size_t(K * tile));
            im2col_tile(x + int64_t(n) * g.C * g.HW(), g, p0, p1, col);
            gemm(false, false, g.M, int(cnt), int(K), T(1), w, int(K), col, int(cnt), T(0),
                 y + int64_t(n) * g.M * P + p0, int(P));
        }
        return;
    }
    for (int n = 0; n < g.N; n++) {
        const T* xn = x + int64_t(n) * g.C * g.HW();
        T* yn = y + int64_t(n) * g.M * P;
        T* col = scratch<T>(size_t(K * tile));
        for (int64_t p0 = 0; p0 < P; p0 += tile) {
            const int64_t p1 = std::min(P, p0 + tile), cnt = p1 - p0;
            im2col_tile(xn, g, p0, p1, col);
            gemm_parallel(false, false, g.M, int(cnt), int(K), T(1), w, int(K), col, int(cnt), T(0), yn + p0, int(P));
        }
    }
}

// For stride 1 the input gradient is itself a convolution: dx = conv(dy, w~), w~[c][m][i][j] = w[m][c][kh-1-i][kw-1-j],
// padding d(k-1) - p, same dilation. Taken where col2im's GEMM would be thin: a wide kernel matrix (512 channels x 3x3)
// leaves col2im tiles of ~100 positions, and VGG conv4_3's input gradient ran at a quarter of its forward's rate.
inline bool backward_input_as_conv(const ConvGeom& g) {
    return g.sh == 1 && g.sw == 1 && !g.pointwise() && g.ph <= g.dh * (g.kh - 1) && g.pw <= g.dw * (g.kw - 1) &&
           tile_positions(g, kTileBackwardInput) < 256;
}

// A layer from many channels to few (D-DBPN's output convolution, 448 -> 3, 3x3): its input gradient as a
// convolution to the many channels is a well-shaped forward, ~60 GFLOP/s through the GEMM cores against 15-19 for the
// direct cores and oneDNN's backward-data (TDSR_CONV_PROFILE of the full-size 8x step, 2026-12-01).
inline bool wide_input_gradient_as_conv(const ConvGeom& g) {
    return conv_algorithm().load() == CONV_AUTO && g.M <= kDirectMaxChannels && g.C > kDirectMaxChannels &&
           g.sh == 1 && g.sw == 1 && !g.pointwise() && g.ph <= g.dh * (g.kh - 1) && g.pw <= g.dw * (g.kw - 1);
}

template <class T>
void conv_forward_core(const T* x, const T* w, T* y, const ConvGeom& g);

template <class T>
void conv_backward_input_by_conv(const T* dy, const T* w, T* dx, const ConvGeom& g) {
    ConvGeom f = g;  // from dy [N, M, Ho, Wo] to dx [N, C, H, W]
    f.C = g.M; f.H = g.Ho; f.W = g.Wo;
    f.M = g.C; f.Ho = g.H; f.Wo = g.W;
    f.ph = g.dh * (g.kh - 1) - g.ph;
    f.pw = g.dw * (g.kw - 1) - g.pw;
    T* wf = scratch<T>(size_t(int64_t(g.M) * g.K()), 1);  // slot 1: the forward's columns use slot 0
    const int khw = g.kh * g.kw;
    for (int c = 0; c < g.C; c++)
        for (int m = 0; m < g.M; m++)
            for (int r = 0; r < khw; r++)
                wf[(int64_t(c) * g.M + m) * khw + r] = w[(int64_t(m) * g.C + c) * khw + (khw - 1 - r)];
    conv_forward_core(dy, wf, dx, f);
}

// dx[n] = col2im(W^T dy[n]); dx is overwritten. Tiles scatter-add into overlapping rows of dx, so a team of T
// splits the (image, tile) jobs into T fixed contiguous runs: thread 0 adds into dx, the others into their own
// zeroed copies of the images they touch, added in thread order afterwards (deterministic for a given count).
template <class T>
void conv_backward_input_core(const T* dy, const T* w, T* dx, const ConvGeom& g) {
    if (wide_input_gradient_as_conv(g)) {
        conv_backward_input_by_conv(dy, w, dx, g);
        return;
    }
    if (use_phased_conv(g)) {
        phased_conv_backward_input(dy, w, dx, g);
        return;
    }
    if constexpr (std::is_same_v<T, float>) {
        if (use_dnnl_conv(1, g)) {
            dnnl_conv(1, g, dy, w, dx);
            return;
        }
    }
    if (use_direct_conv(g)) {
        direct_conv_backward_input(dy, w, dx, g);
        return;
    }
    const int64_t K = g.K(), P = g.P(), tile = tile_positions(g, kTileBackwardInput), image = int64_t(g.C) * g.HW();
    if (g.pointwise()) {
        for (int n = 0; n < g.N; n++)
            gemm_parallel(true, false, g.C, int(P), g.M, T(1), w, g.C, dy + int64_t(n) * g.M * P, int(P), T(0),
                          dx + int64_t(n) * image, int(P));
        return;
    }
    if (backward_input_as_conv(g)) {
        conv_backward_input_by_conv(dy, w, dx, g);
        return;
    }
    std::fill(dx, dx + g.N * image, T(0));
    const int64_t tiles = (P + tile - 1) / tile, jobs = g.N * tiles;
    const int team = tile_team(jobs);
    if (team > 1) {
        std::vector<T*> partial(team, nullptr);
        std::vector<int64_t> first(team), last(team);  // the images each thread's run touches: [first, last]
#pragma omp parallel num_threads(team)
        {
            const int t = omp_get_thread_num();
            const int64_t j0 = jobs * t / team, j1 = jobs * (t + 1) / team;
            first[t] = j0 / tiles;
            last[t] = j1 > j0 ? (j1 - 1) / tiles : first[t] - 1;
            T* col = scratch<T>(size_t(K * tile));
            if (t > 0 && last[t] >= first[t]) {
                const int64_t span = (last[t] - first[t] + 1) * image;
                partial[t] = scratch<T>(size_t(span), 1);
                std::fill(partial[t], partial[t] + span, T(0));
            }
            for (int64_t j = j0; j < j1; j++) {
                const int n = int(j / tiles);
                const int64_t p0 = (j % tiles) * tile, p1 = std::min(P, p0 + tile), cnt = p1 - p0;
                gemm(true, false, int(K), int(cnt), g.M, T(1), w, int(K), dy + int64_t(n) * g.M * P + p0, int(P), T(0),
                     col, int(cnt));
                // Image n's sum: in dx for thread 0, in this thread's copy (from image first[t] on) for the others.
                T* sum = t == 0 ? dx + int64_t(n) * image : partial[t] + (n - first[t]) * image;
                col2im_tile(col, g, p0, p1, sum);
            }
#pragma omp barrier
#pragma omp for schedule(static)
            for (int64_t i = 0; i < g.N * image; i++) {
                const int64_t n = i / image;
                for (int u = 1; u < team; u++)
                    if (partial[u] && n >= first[u] && n <= last[u]) dx[i] += partial[u][i - first[u] * image];
            }
        }
        return;
    }
    for (int n = 0; n < g.N; n++) {
        const T* dyn = dy + int64_t(n) * g.M * P;
        T* dxn = dx + int64_t(n) * image;
        T* col = scratch<T>(size_t(K * tile));
        for (int64_t p0 = 0; p0 < P; p0 += tile) {
            const int64_t p1 = std::min(P, p0 + tile), cnt = p1 - p0;
            gemm_parallel(true, false, int(K), int(cnt), g.M, T(1), w, int(K), dyn + p0, int(P), T(0), col, int(cnt));
            col2im_tile(col, g, p0, p1, dxn);
        }
    }
}

// dw += sum_n dy[n] * im2col(x[n])^T. Deterministic for a given thread count: one thread sums its tiles in order;
// a team of T splits the (image, tile) jobs into T fixed contiguous runs, thread 0 adds its run straight into dw,
// the others into their own buffers, which are then added in thread order.
template <class T>
void conv_backward_weight_core(const T* dy, const T* x, T* dw, const ConvGeom& g) {
    if (use_phased_conv(g)) {
        phased_conv_backward_weight(dy, x, dw, g);
        return;
    }
    if (few_outputs_by_planes(g)) {
        conv_backward_weight_by_planes(dy, x, dw, g);
        return;
    }
    if constexpr (std::is_same_v<T, float>) {
        if (use_dnnl_conv(2, g)) {
            dnnl_conv(2, g, dy, x, dw);
            return;
        }
    }
    if (use_direct_conv(g)) {
        direct_conv_backward_weight(dy, x, dw, g);
        return;
    }
    const int64_t K = g.K(), P = g.P(), tile = tile_positions(g, kTileBackwardWeight);
    if (g.pointwise()) {
        for (int n = 0; n < g.N; n++)
            gemm_parallel(false, true, g.M, g.C, int(P), T(1), dy + int64_t(n) * g.M * P, int(P),
                          x + int64_t(n) * g.C * g.HW(), int(P), T(1), dw, g.C);
        return;
    }
    const int64_t tiles = (P + tile - 1) / tile, jobs = g.N * tiles, MK = int64_t(g.M) * K;
    const int team = tile_team(jobs);
    if (team > 1) {
        std::vector<T*> partial(team, nullptr);
#pragma omp parallel num_threads(team)
        {
            const int t = omp_get_thread_num();
            T* col = scratch<T>(size_t(K * tile));
            T* acc = dw;
            if (t > 0) {
                acc = scratch<T>(size_t(MK), 1);
                std::fill(acc, acc + MK, T(0));
                partial[t] = acc;
            }
            for (int64_t j = jobs * t / team; j < jobs * (t + 1) / team; j++) {
                const int n = int(j / tiles);
                const int64_t p0 = (j % tiles) * tile, p1 = std::min(P, p0 + tile), cnt = p1 - p0;
                im2col_tile(x + int64_t(n) * g.C * g.HW(), g, p0, p1, col);
                gemm(false, true, g.M, int(K), int(cnt), T(1), dy + int64_t(n) * g.M * P + p0, int(P), col, int(cnt),
                     T(1), acc, int(K));
            }
#pragma omp barrier
#pragma omp for schedule(static)
            for (int64_t i = 0; i < MK; i++)
                for (int u = 1; u < team; u++) dw[i] += partial[u][i];
        }
        return;
    }
    for (int n = 0; n < g.N; n++) {
        const T* dyn = dy + int64_t(n) * g.M * P;
        const T* xn = x + int64_t(n) * g.C * g.HW();
        T* col = scratch<T>(size_t(K * tile));
        for (int64_t p0 = 0; p0 < P; p0 += tile) {
            const int64_t p1 = std::min(P, p0 + tile), cnt = p1 - p0;
            im2col_tile(xn, g, p0, p1, col);
            gemm_parallel(false, true, g.M, int(K), int(cnt), T(1), dyn + p0, int(P), col, int(cnt), T(1), dw, int(K));
        }
    }
}

// Threads for a pass over a whole activation (the bias add and gradient of a full-size D-DBPN map: 6 M elements).
inline int map_team(int64_t elements) { return elements >= (int64_t(1) << 18) ? free_threads() : 1; }

// y[n,m,:] += b[m]
template <class T>
void add_bias(T* y, const T* b, int N, int M, int64_t P) {
#pragma omp parallel for schedule(static) num_threads(map_team(int64_t(N) * M * P))
    for (int nm = 0; nm < N * M; nm++) {
        T* row = y + int64_t(nm) * P;
        const T bm = b[nm % M];
        for (int64_t p = 0; p < P; p++) row[p] += bm;
    }
}

// db[m] += sum_{n,p} dy[n,m,p]; each channel summed by one thread in one order, whatever the team.
template <class T>
void bias_grad(const T* dy, T* db, int N, int M, int64_t P) {
#pragma omp parallel for schedule(static) num_threads(map_team(int64_t(N) * M * P))
    for (int m = 0; m < M; m++) {
        double s = 0;
        for (int n = 0; n < N; n++) {
            const T* row = dy + (int64_t(n) * M + m) * P;
            s += fixed_order_sum(P, [&](int64_t p) { return double(row[p]); });
        }
        db[m] += T(s);
    }
}

// TDSR_CONV_PROFILE=1: each convolution entry point's calls, seconds and GFLOP/s per geometry, printed to stderr when
// the process exits (which layer family a step's time goes to; a developer's tool, off by default).
class ConvProfile {
public:
    static ConvProfile& get() {
        static ConvProfile p;
        return p;
    }
    bool on() const { return on_; }
    void add(const char* op, const ConvGeom& g, double seconds) {
        char key[160];
        std::snprintf(key, sizeof key, "%-24s N%d %4d->%-4d %3dx%-3d -> %3dx%-3d k%dx%d s%d p%d d%d", op, g.N, g.C, g.M,
                      g.H, g.W, g.Ho, g.Wo, g.kh, g.kw, g.sh, g.ph, g.dh);
        std::lock_guard<std::mutex> lock(mutex_);
        Row& r = rows_[key];
        r.calls++;
        r.seconds += seconds;
        r.flops += 2.0 * g.N * g.M * double(g.K()) * double(g.P());
    }
    ~ConvProfile() {
        if (!on_ || rows_.empty()) return;
        std::vector<std::pair<std::string, Row>> v(rows_.begin(), rows_.end());
        std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
        double total = 0;
        for (const auto& e : v) total += e.second.seconds;
        std::fprintf(stderr, "tdsr conv profile: %.3f s in convolutions\n", total);
        for (const auto& e : v)
            std::fprintf(stderr, "  %s  %5ld calls %8.3f s %5.1f%% %6.1f GFLOP/s\n", e.first.c_str(), e.second.calls,
                         e.second.seconds, 100 * e.second.seconds / total, e.second.flops / e.second.seconds / 1e9);
    }

private:
    struct Row {
        long calls = 0;
        double seconds = 0, flops = 0;
    };
    ConvProfile() {
        const char* v = std::getenv("TDSR_CONV_PROFILE");
        on_ = v && *v && std::string(v) != "0";
    }
    bool on_;
    std::mutex mutex_;
    std::map<std::string, Row> rows_;
};

// Runs f, timed into the profile when it is on.
template <class F>
void profiled(const char* op, const ConvGeom& g, F f) {
    ConvProfile& p = ConvProfile::get();
    if (!p.on()) {
        f();
        return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    f();
    p.add(op, g, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace

void conv2d_forward(const ConvGeom& g, const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b, tdsr_tensor* y) {
    profiled("conv2d_forward", g, [&] {
        dispatch_float("conv2d_forward", x, [&](auto tag) {
            using T = decltype(tag);
            conv_forward_core(x->data<T>(), w->data<T>(), y->data<T>(), g);
            if (b) add_bias(y->data<T>(), b->data<T>(), g.N, g.M, g.P());
        });
    });
}

void conv2d_backward_input(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx) {
    profiled("conv2d_backward_input", g, [&] {
        dispatch_float("conv2d_backward_input", dy, [&](auto tag) {
            using T = decltype(tag);
            conv_backward_input_core(dy->data<T>(), w->data<T>(), dx->data<T>(), g);
        });
    });
}

void conv2d_backward_params(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw, tdsr_tensor* db) {
    profiled("conv2d_backward_params", g, [&] {
        dispatch_float("conv2d_backward_params", dy, [&](auto tag) {
            using T = decltype(tag);
            if (dw) conv_backward_weight_core(dy->data<T>(), x->data<T>(), dw->data<T>(), g);
            if (db) bias_grad(dy->data<T>(), db->data<T>(), int(dy->dim(0)), int(dy->dim(1)), dy->dim(2) * dy->dim(3));
        });
    });
}

void deconv2d_forward(const ConvGeom& g, const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b, tdsr_tensor* y) {
    profiled("deconv2d_forward", g, [&] {
        dispatch_float("deconv2d_forward", x, [&](auto tag) {
            using T = decltype(tag);
            conv_backward_input_core(x->data<T>(), w->data<T>(), y->data<T>(), g);
            if (b) add_bias(y->data<T>(), b->data<T>(), g.N, g.C, g.HW());
        });
    });
}

void deconv2d_backward_input(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx) {
    profiled("deconv2d_backward_input", g, [&] {
        dispatch_float("deconv2d_backward_input", dy, [&](auto tag) {
            using T = decltype(tag);
            conv_forward_core(dy->data<T>(), w->data<T>(), dx->data<T>(), g);
        });
    });
}

void deconv2d_backward_params(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw, tdsr_tensor* db) {
    profiled("deconv2d_backward_params", g, [&] {
        dispatch_float("deconv2d_backward_params", dy, [&](auto tag) {
            using T = decltype(tag);
            // The conv's "output gradient" is x and its "input" is dy.
            if (dw) conv_backward_weight_core(x->data<T>(), dy->data<T>(), dw->data<T>(), g);
            if (db) bias_grad(dy->data<T>(), db->data<T>(), int(dy->dim(0)), int(dy->dim(1)), dy->dim(2) * dy->dim(3));
        });
    });
}

}  // namespace tdsr::cpu
