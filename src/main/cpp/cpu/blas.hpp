// What the CPU twins add to the shared headers: the BLAS GEMM and a per-thread scratch buffer.
#pragma once

#include <cblas.h>

#include <cstddef>
#include <vector>

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

// A per-thread scratch buffer that only grows: im2col columns and other temporaries, no allocation per call once warm.
template <class T>
T* scratch(size_t count) {
    thread_local std::vector<char> buf;
    size_t bytes = count * sizeof(T);
    if (buf.size() < bytes) {
        buf.clear();
        buf.shrink_to_fit();
        buf.resize(bytes);
    }
    return reinterpret_cast<T*>(buf.data());
}

}  // namespace tdsr::cpu
