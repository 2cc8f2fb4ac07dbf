// What the CPU twins add to the shared headers: the BLAS GEMM and a per-thread scratch buffer.
#pragma once

#include "../host_pages.hpp"
#include "threads.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace tdsr::cpu {

// Row-major GEMM: C = alpha * op(A) op(B) + beta * C.
inline void gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                 float beta, float* C, int ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
                B, ldb, beta, C, ldc);
}
inline void gemm(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B,
                 int ldb, double beta, double* C, int ldc) {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
                B, ldb, beta, C, ldc);
}

// The engine's one owner of threads is OpenMP: BLAS always runs single-threaded (tdsr_set_num_threads sets it so),
// and a GEMM is cut into slices of C, along its longer side, one slice per OpenMP thread. Two pools of spinning
// threads (libgomp's and OpenBLAS's) on the same cores made a step on 2 threads several times slower than on one.
// Slices are fixed by the shape and the thread count, so a result is the same on every run with that count.
template <class T>
void gemm_parallel(bool ta, bool tb, int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta,
                   T* C, int ldc) {
    const int threads = free_threads();
    const int64_t work = int64_t(M) * N * K;
    // A slice should be worth a thread's start (~2^18 multiply-adds) and keep a few rows or columns.
    const int useful = int(std::min<int64_t>(work >> 18, int64_t(std::max(M, N)) / 16));
    const int slices = std::max(1, std::min(threads, useful));
    if (slices == 1) {
        gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    const bool by_rows = M >= N;
    const int L = by_rows ? M : N;
#pragma omp parallel for schedule(static) num_threads(slices)
    for (int s = 0; s < slices; s++) {
        const int a = int(int64_t(L) * s / slices), b = int(int64_t(L) * (s + 1) / slices);
        if (by_rows) {  // rows a..b of C = rows a..b of op(A) times op(B)
            gemm(ta, tb, b - a, N, K, alpha, ta ? A + a : A + int64_t(a) * lda, lda, B, ldb, beta, C + int64_t(a) * ldc,
                 ldc);
        } else {        // columns a..b of C = op(A) times columns a..b of op(B)
            gemm(ta, tb, M, b - a, K, alpha, A, lda, tb ? B + int64_t(a) * ldb : B + a, ldb, beta, C + a, ldc);
        }
    }
}

// Per-thread scratch buffers that only grow: im2col columns and other temporaries, no allocation per call once warm.
// `slot` picks one of six independent buffers (a caller needing several at once: columns and a partial sum; the
// direct convolution's transformed input, weights, padded gradient and tap table use slots 2 to 5).
// Contents are unspecified. Large buffers sit on huge pages (host_pages.hpp).
template <class T>
T* scratch(size_t count, int slot = 0) {
    thread_local GrowingBuffer bufs[6];
    return static_cast<T*>(bufs[slot].get(count * sizeof(T)));
}

}  // namespace tdsr::cpu
