// Convolution and transposed convolution on CUDA (twins of cpu/conv.cpp).
//
// NOT DONE YET: the six twins need cuDNN (convolution forward, backward-data, backward-filter) and this build has no
// cuDNN/cuBLAS headers, so each fails with TDSR_ERR_DEVICE ("... on CUDA needs the cuDNN/cuBLAS engine, which this
// build does not have yet"). A network on a CUDA device therefore stops at its first convolution with that message.
//
// Done: the bias parts, which are ours and not cuDNN's: add_bias (y[n,m,:] += b[m], one thread per element) and
// bias_grad (db[m] += sum over n and positions, a deterministic double reduction, common.cuh channel_reduce, where
// the CPU adds sequentially). The cuDNN path will call them after its forward / with its backward-filter; until then
// nothing calls them (they are instantiated for f32 and f64 here so they compile and pass ptxas with the rest).
#include "common.cuh"
#include "ops/conv.hpp"

namespace tdsr::cuda {
namespace {

template <class T>
__global__ void __launch_bounds__(kThreads) add_bias_kernel(T* y, const T* b, int64_t M, int64_t P, int64_t n) {
    TDSR_GRID_STRIDE(i, n) y[i] += b[(i / P) % M];
}

template <class T>
struct BiasTerm {
    const T* dy;
    int64_t M, P;
    __device__ double operator()(int64_t m, int64_t n, int64_t p) const { return double(dy[(n * M + m) * P + p]); }
};

[[noreturn]] void needs_cudnn(const char* op, const ConvGeom& g) {
    fail_device((Msg() << op << " (N=" << g.N << ", " << g.C << "->" << g.M << " channels, kernel " << g.kh << "x"
                       << g.kw << ") on CUDA needs the cuDNN/cuBLAS engine, which this build does not have yet")
                    .str());
}

}  // namespace

// y [N,M,P] += b[m] per channel.
template <class T>
void add_bias(const On& on, T* y, const T* b, int64_t N, int64_t M, int64_t P) {
    launch(N * M * P, on.stream, &add_bias_kernel<T>, y, b, M, P, N * M * P);
}

// db[m] += sum_{n,p} dy[n,m,p].
template <class T>
void bias_grad(const On& on, const T* dy, T* db, int64_t N, int64_t M, int64_t P) {
    channel_reduce(on, BiasTerm<T>{dy, M, P}, N, M, P, Finish::accumulate, db);
}

template void add_bias<float>(const On&, float*, const float*, int64_t, int64_t, int64_t);
template void add_bias<double>(const On&, double*, const double*, int64_t, int64_t, int64_t);
template void bias_grad<float>(const On&, const float*, float*, int64_t, int64_t, int64_t);
template void bias_grad<double>(const On&, const double*, double*, int64_t, int64_t, int64_t);

void conv2d_forward(const ConvGeom& g, const tdsr_tensor*, const tdsr_tensor*, const tdsr_tensor*, tdsr_tensor*) {
    needs_cudnn("conv2d_forward", g);
}

void conv2d_backward_input(const ConvGeom& g, const tdsr_tensor*, const tdsr_tensor*, tdsr_tensor*) {
    needs_cudnn("conv2d_backward_input", g);
}

void conv2d_backward_params(const ConvGeom& g, const tdsr_tensor*, const tdsr_tensor*, tdsr_tensor*, tdsr_tensor*) {
    needs_cudnn("conv2d_backward_params", g);
}

void deconv2d_forward(const ConvGeom& g, const tdsr_tensor*, const tdsr_tensor*, const tdsr_tensor*, tdsr_tensor*) {
    needs_cudnn("deconv2d_forward", g);
}

void deconv2d_backward_input(const ConvGeom& g, const tdsr_tensor*, const tdsr_tensor*, tdsr_tensor*) {
    needs_cudnn("deconv2d_backward_input", g);
}

void deconv2d_backward_params(const ConvGeom& g, const tdsr_tensor*, const tdsr_tensor*, tdsr_tensor*, tdsr_tensor*) {
    needs_cudnn("deconv2d_backward_params", g);
}

}  // namespace tdsr::cuda
