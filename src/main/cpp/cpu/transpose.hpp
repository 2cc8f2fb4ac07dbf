// Matrix transposition on the CPU: dst[j * ldd + i] = src[i * lds + j] for a rows x cols block. One piece of code for
// every NCHW <-> channels-last move: the SSD heads' permutation into rows (cpu/layout.cpp) and the activations that
// oneDNN's brgemm kernels take channels-last (dnnl/tdsr_dnnl.cpp, header-only so that library needs no link to this
// one). oneDNN's own reorder moved a 64 x 304 x 304 map in 4.7-5.3 ms on 2 threads (10 GB/s, ONEDNN_VERBOSE, AVX2
// EPYC, 2026-12-02); 8 x 8 register transposes over cache-sized tiles move it at memory speed.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tdsr::cpu {

namespace transpose_detail {

// Tiles of kTile x kTile elements: 64 x 64 floats read 64 rows of 256 bytes and write 16 KB, within L1 + L2.
constexpr int64_t kTile = 64;

template <class T>
inline void scalar_block(const T* src, int64_t lds, T* dst, int64_t ldd, int64_t rows, int64_t cols) {
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) dst[j * ldd + i] = src[i * lds + j];
}

#if defined(__AVX2__)
// The 8 x 8 block at src (rows of lds) into dst (rows of ldd): unpack pairs, shuffle quads, swap 128-bit halves.
inline void block8x8(const float* src, int64_t lds, float* dst, int64_t ldd) {
    __m256 r[8], t[8];
    for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(src + k * lds);
    for (int k = 0; k < 8; k += 2) {
        t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
        t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
    }
    for (int k = 0; k < 8; k += 4) {
        r[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int k = 0; k < 4; k++) {
        _mm256_storeu_ps(dst + k * ldd, _mm256_permute2f128_ps(r[k], r[k + 4], 0x20));
        _mm256_storeu_ps(dst + (k + 4) * ldd, _mm256_permute2f128_ps(r[k], r[k + 4], 0x31));
    }
}
#endif

// One tile: 8 x 8 register blocks for float where AVX2 is there, element by element for the edges and for double.
template <class T>
inline void tile(const T* src, int64_t lds, T* dst, int64_t ldd, int64_t rows, int64_t cols) {
#if defined(__AVX2__)
    if constexpr (std::is_same_v<T, float>) {
        const int64_t r8 = rows / 8 * 8, c8 = cols / 8 * 8;
        for (int64_t i = 0; i < r8; i += 8)
            for (int64_t j = 0; j < c8; j += 8) block8x8(src + i * lds + j, lds, dst + j * ldd + i, ldd);
        if (c8 < cols) scalar_block(src + c8, lds, dst + c8 * ldd, ldd, r8, cols - c8);
        if (r8 < rows) scalar_block(src + r8 * lds, lds, dst + r8, ldd, rows - r8, cols);
        return;
    }
#endif
    scalar_block(src, lds, dst, ldd, rows, cols);
}

}  // namespace transpose_detail

// dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols, on `threads` threads (each tile written by one thread:
// the result does not depend on the count). Inside a parallel region pass 1.
template <class T>
void transpose(const T* src, int64_t rows, int64_t cols, int64_t lds, T* dst, int64_t ldd, int threads) {
    using transpose_detail::kTile;
    const int64_t row_tiles = (rows + kTile - 1) / kTile, col_tiles = (cols + kTile - 1) / kTile;
    const int64_t tiles = row_tiles * col_tiles;
    const int team = tiles >= 2 * threads && rows * cols >= (int64_t(1) << 16) ? threads : 1;
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
    for (int64_t t = 0; t < tiles; t++) {
        // Column tiles outer: consecutive tiles of one thread write consecutive stretches of dst.
        const int64_t i0 = (t % row_tiles) * kTile, j0 = (t / row_tiles) * kTile;
        transpose_detail::tile(src + i0 * lds + j0, lds, dst + j0 * ldd + i0, ldd, std::min(kTile, rows - i0),
                               std::min(kTile, cols - j0));
    }
}

// N images [C][HW] (dense NCHW) into channels-last rows [HW][C], image n starting at rows + n * image_stride (the
// SSD rows' per-image length, or C x HW), and back.
template <class T>
void images_to_channels_last(const T* x, int64_t N, int64_t C, int64_t HW, T* rows, int64_t image_stride,
                             int threads) {
    for (int64_t n = 0; n < N; n++) transpose(x + n * C * HW, C, HW, HW, rows + n * image_stride, C, threads);
}

template <class T>
void channels_last_to_images(const T* rows, int64_t image_stride, int64_t N, int64_t C, int64_t HW, T* x,
                             int threads) {
    for (int64_t n = 0; n < N; n++) transpose(rows + n * image_stride, HW, C, C, x + n * C * HW, HW, threads);
}

}  // namespace tdsr::cpu
