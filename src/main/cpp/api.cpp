// The C boundary (tdsr.h): every entry point checks its arguments with its family's header, then runs the twin of
// the tensors' device through its ops table (device.hpp). Every C++ exception stops here (guarded).
#include "core.hpp"
#include "cpu/conv_direct.hpp"
#include "cpu/dnnl.hpp"
#include "cpu/threads.hpp"
#include "device.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <memory>
#include <cstring>
#include <type_traits>

namespace tdsr {
const std::string& last_error();
void last_oom(int64_t* requested, int64_t* free);
}  // namespace tdsr

using namespace tdsr;

namespace {

std::vector<int64_t> shape_of(const char* op, int ndim, const int64_t* shape, int64_t& numel) {
    if (ndim < 0 || ndim > 8) fail(Msg() << op << ": ndim must be in 0..8, got " << ndim);
    if (ndim > 0 && !shape) fail(Msg() << op << ": shape is null");
    std::vector<int64_t> dims;
    numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) fail(Msg() << op << ": negative dimension " << shape[i]);
        dims.push_back(shape[i]);
        numel *= shape[i];
    }
    return dims;
}

// The ops table of a tensor's device; on the CPU the calling thread first takes the engine's thread count.
const DeviceOps& run_on(const tdsr_tensor* t) {
    if (t->device() == TDSR_DEVICE_CPU) cpu::adopt_engine_threads();
    return ops_of(t);
}

template <class T>
int transfer(const char* op, const tdsr_tensor* t, int dtype, int64_t offset, int64_t count, T* host) {
    return guarded(op, [&] {
        check_transfer(op, t, dtype, offset, count, host);
        if (count == 0) return;
        if constexpr (std::is_const_v<T>) run_on(t).upload(const_cast<tdsr_tensor*>(t), host, offset, count);
        else run_on(t).download(t, host, offset, count);
    });
}

// A zero-filled tensor on `device` (tdsr_tensor_create without the C boundary: it throws).
std::unique_ptr<tdsr_tensor> make_tensor(const char* op, int device, int dtype, int ndim, const int64_t* shape) {
    if (dtype != TDSR_F32 && dtype != TDSR_F64 && dtype != TDSR_I32) fail(Msg() << op << ": unknown dtype " << dtype);
    const DeviceOps& ops = ops_for_device(device);
    auto t = std::make_unique<tdsr_tensor>();
    t->dtype = dtype;
    t->shape = shape_of(op, ndim, shape, t->numel);
    auto s = std::make_shared<Storage>();
    // At least one 64-byte line, so every tensor has a unique, aligned address; zero-filled by the device so a
    // fresh tensor is a valid gradient buffer.
    s->bytes = std::max<size_t>((size_t(t->numel) * dtype_size(dtype) + 63) / 64 * 64, 64);
    s->device = device;
    try {
        s->ptr = ops.allocate(device, s->bytes);
    } catch (const OutOfMemory& e) {
        throw OutOfMemory(e.requested, e.free,
                          (Msg() << shape_str(t.get()) << " on " << device_name(device) << ": " << e.what()).str());
    }
    s->ops = &ops;
    t->storage = std::move(s);
    return t;
}

// The host-value form of a loss-slot op: computes into a fresh slot on the inputs' device and reads it (a sync on a
// GPU, which is why the training step uses the *_to entry points).
template <class F>
double via_slot(const tdsr_tensor* like, F&& compute) {
    const int64_t one = 1;
    const std::unique_ptr<tdsr_tensor> slot = make_tensor("loss slot", like->device(), TDSR_F64, 1, &one);
    compute(slot.get());
    double v = 0;
    run_on(slot.get()).download(slot.get(), &v, 0, 1);
    return v;
}

ConvHyper conv_hyper(int sh, int sw, int ph, int pw, int dh, int dw) { return ConvHyper{sh, sw, ph, pw, dh, dw}; }

}  // namespace

extern "C" {

// ---- engine -----------------------------------------------------------------------------------------------------
const char* tdsr_last_error(void) { return last_error().c_str(); }

void tdsr_last_oom(int64_t* requested, int64_t* free_bytes) { last_oom(requested, free_bytes); }

const char* tdsr_version(void) { return "0.1.0"; }

const char* tdsr_blas_info(void) {
    thread_local std::string info;
    info = std::string("OpenBLAS ") + openblas_get_config() + " core=" + openblas_get_corename() + "; " +
           cpu::dnnl_status();
    return info.c_str();
}

int tdsr_set_num_threads(int n) {
    return guarded("set_num_threads", [&] {
        if (n < 1) fail(Msg() << "set_num_threads: thread count must be >= 1, got " << n);
        // OpenMP owns the threads; BLAS runs single-threaded inside them (cpu/blas.hpp, gemm_parallel).
        omp_set_num_threads(n);
        openblas_set_num_threads(1);
        cpu::engine_threads().store(n);
    });
}

int tdsr_set_conv_algorithm(int algorithm) {
    return guarded("set_conv_algorithm", [&] {
        if (algorithm < cpu::CONV_AUTO || algorithm > cpu::CONV_PHASED)
            fail(Msg() << "set_conv_algorithm: expected 0 (auto), 1 (gemm), 2 (direct), 3 (onednn) or 4 (phased), got "
                       << algorithm);
        if (algorithm == cpu::CONV_DNNL && !cpu::dnnl_loaded())
            fail(Msg() << "set_conv_algorithm: oneDNN (3) is not available: " << cpu::dnnl_status());
        cpu::conv_algorithm().store(algorithm);
    });
}

const char* tdsr_memory_describe(int device) {
    thread_local std::string text;
    const int status = guarded("memory_describe", [&] { text = ops_for_device(device).memory_describe(device); });
    if (status != TDSR_OK) text = last_error();
    return text.c_str();
}

int tdsr_memory_stats(int device, int64_t* out6) {
    return guarded("memory_stats", [&] {
        if (!out6) fail("memory_stats: out is null");
        const AllocatorStats s = ops_for_device(device).memory_stats(device);
        const uint64_t values[6] = {s.allocated_bytes, s.reserved_bytes,
                                    s.peak_allocated_bytes, s.peak_reserved_bytes, s.raw_allocations, s.raw_releases};
        for (int i = 0; i < 6; i++) out6[i] = int64_t(values[i]);
    });
}

int tdsr_memory_empty_cache(int device) {
    return guarded("memory_empty_cache", [&] { ops_for_device(device).empty_cache(device); });
}

// ---- tensors ----------------------------------------------------------------------------------------------------
int tdsr_tensor_create(int device, int dtype, int ndim, const int64_t* shape, tdsr_tensor** out) {
    const char* op = "tensor_create";
    return guarded(op, [&] {
        if (!out) fail(Msg() << op << ": out is null");
        *out = nullptr;
        auto t = make_tensor(op, device, dtype, ndim, shape);
        *out = t.release();
    });
}

int tdsr_tensor_view(tdsr_tensor* base, int64_t offset, int ndim, const int64_t* shape, tdsr_tensor** out) {
    const char* op = "tensor_view";
    return guarded(op, [&] {
        require_tensor(op, "base", base);
        if (!out) fail(Msg() << op << ": out is null");
        auto t = std::make_unique<tdsr_tensor>();
        t->dtype = base->dtype;
        t->shape = shape_of(op, ndim, shape, t->numel);
        if (offset < 0 || offset + t->numel > base->numel)
            fail(Msg() << op << ": view of " << t->numel << " elements at offset " << offset
                       << " does not fit in base " << shape_str(base));
        t->offset = base->offset + offset;
        t->storage = base->storage;
        *out = t.release();
    });
}

void tdsr_tensor_free(tdsr_tensor* t) { delete t; }

int tdsr_tensor_device(const tdsr_tensor* t) { return t ? t->device() : TDSR_DEVICE_CPU; }

void* tdsr_tensor_data(tdsr_tensor* t) { return t ? t->raw() : nullptr; }

int tdsr_tensor_write_f32(tdsr_tensor* t, const float* src, int64_t offset, int64_t count) {
    return transfer("tensor_write_f32", t, TDSR_F32, offset, count, src);
}
int tdsr_tensor_read_f32(const tdsr_tensor* t, float* dst, int64_t offset, int64_t count) {
    return transfer("tensor_read_f32", t, TDSR_F32, offset, count, dst);
}
int tdsr_tensor_write_f64(tdsr_tensor* t, const double* src, int64_t offset, int64_t count) {
    return transfer("tensor_write_f64", t, TDSR_F64, offset, count, src);
}
int tdsr_tensor_read_f64(const tdsr_tensor* t, double* dst, int64_t offset, int64_t count) {
    return transfer("tensor_read_f64", t, TDSR_F64, offset, count, dst);
}
int tdsr_tensor_write_i32(tdsr_tensor* t, const int32_t* src, int64_t offset, int64_t count) {
    return transfer("tensor_write_i32", t, TDSR_I32, offset, count, src);
}
int tdsr_tensor_read_i32(const tdsr_tensor* t, int32_t* dst, int64_t offset, int64_t count) {
    return transfer("tensor_read_i32", t, TDSR_I32, offset, count, dst);
}

int tdsr_tensor_fill(tdsr_tensor* t, double value) {
    return guarded("tensor_fill", [&] {
        require_tensor("tensor_fill", "t", t);
        run_on(t).fill(t, value);
    });
}

int tdsr_tensor_copy(tdsr_tensor* dst, const tdsr_tensor* src) {
    return guarded("tensor_copy", [&] {
        check_copy(dst, src);
        // Between devices the CUDA twin moves the bytes (it sees both pointers); on one device its own twin.
        const tdsr_tensor* gpu_side = dst->device() != TDSR_DEVICE_CPU ? dst : src;
        run_on(gpu_side).copy(dst, src);
    });
}

int tdsr_sum(const tdsr_tensor* x, double* out) {
    return guarded("sum", [&] {
        require_float("sum", "x", x);
        if (!out) fail("sum: out is null");
        *out = run_on(x).sum(x);
    });
}

int tdsr_all_finite(const tdsr_tensor* x, int* out) {
    return guarded("all_finite", [&] {
        require_float("all_finite", "x", x);
        if (!out) fail("all_finite: out is null");
        *out = run_on(x).all_finite(x) ? 1 : 0;
    });
}

int tdsr_finite_flag(const tdsr_tensor* x, tdsr_tensor* flag) {
    return guarded("finite_flag", [&] {
        check_finite_flag(x, flag);
        run_on(x).finite_flag(x, flag);
    });
}

int tdsr_gemm(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* c) {
    return guarded("gemm", [&] {
        const GemmShape s = check_gemm(a, b, c);
        run_on(a).gemm(s, a, b, c);
    });
}

// ---- convolution ------------------------------------------------------------------------------------------------
int tdsr_conv2d_forward(const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b, tdsr_tensor* y, int sh,
                        int sw, int ph, int pw, int dh, int dw) {
    return guarded("conv2d_forward", [&] {
        const ConvGeom g = check_conv2d_forward(x, w, b, y, conv_hyper(sh, sw, ph, pw, dh, dw));
        run_on(x).conv2d_forward(g, x, w, b, y);
    });
}

int tdsr_conv2d_backward_input(const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx, int sh, int sw, int ph,
                               int pw, int dh, int dw) {
    return guarded("conv2d_backward_input", [&] {
        const ConvGeom g = check_conv2d_backward_input(dy, w, dx, conv_hyper(sh, sw, ph, pw, dh, dw));
        run_on(dy).conv2d_backward_input(g, dy, w, dx);
    });
}

int tdsr_conv2d_backward_params(const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw, tdsr_tensor* db, int sh,
                                int sw, int ph, int pw, int dh, int dw_) {
    return guarded("conv2d_backward_params", [&] {
        if (!dw && !db) return;
        const ConvGeom g = check_conv2d_backward_params(dy, x, dw, db, conv_hyper(sh, sw, ph, pw, dh, dw_));
        run_on(dy).conv2d_backward_params(g, dy, x, dw, db);
    });
}

int tdsr_deconv2d_forward(const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b, tdsr_tensor* y, int sh,
                          int sw, int ph, int pw) {
    return guarded("deconv2d_forward", [&] {
        const ConvGeom g = check_deconv2d_forward(x, w, b, y, conv_hyper(sh, sw, ph, pw, 1, 1));
        run_on(x).deconv2d_forward(g, x, w, b, y);
    });
}

int tdsr_deconv2d_backward_input(const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx, int sh, int sw, int ph,
                                 int pw) {
    return guarded("deconv2d_backward_input", [&] {
        const ConvGeom g = check_deconv2d_backward_input(dy, w, dx, conv_hyper(sh, sw, ph, pw, 1, 1));
        run_on(dy).deconv2d_backward_input(g, dy, w, dx);
    });
}

int tdsr_deconv2d_backward_params(const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw, tdsr_tensor* db,
                                  int sh, int sw, int ph, int pw) {
    return guarded("deconv2d_backward_params", [&] {
        if (!dw && !db) return;
        const ConvGeom g = check_deconv2d_backward_params(dy, x, dw, db, conv_hyper(sh, sw, ph, pw, 1, 1));
        run_on(dy).deconv2d_backward_params(g, dy, x, dw, db);
    });
}

int tdsr_check(int op, const tdsr_tensor* a, const tdsr_tensor* b, const tdsr_tensor* c, const tdsr_tensor* d, int sh,
               int sw, int ph, int pw, int dh, int dw) {
    return guarded("check", [&] {
        const ConvHyper h = conv_hyper(sh, sw, ph, pw, dh, dw), h1 = conv_hyper(sh, sw, ph, pw, 1, 1);
        switch (op) {
            case TDSR_CHECK_CONV2D_FORWARD: check_conv2d_forward(a, b, c, d, h); break;
            case TDSR_CHECK_CONV2D_BACKWARD_INPUT: check_conv2d_backward_input(a, b, c, h); break;
            case TDSR_CHECK_CONV2D_BACKWARD_PARAMS: check_conv2d_backward_params(a, b, c, d, h); break;
            case TDSR_CHECK_DECONV2D_FORWARD: check_deconv2d_forward(a, b, c, d, h1); break;
            case TDSR_CHECK_DECONV2D_BACKWARD_INPUT: check_deconv2d_backward_input(a, b, c, h1); break;
            case TDSR_CHECK_DECONV2D_BACKWARD_PARAMS: check_deconv2d_backward_params(a, b, c, d, h1); break;
            case TDSR_CHECK_GEMM: check_gemm(a, b, c); break;
            default: fail(Msg() << "check: unknown op " << op);
        }
    });
}

// ---- activations, pooling, normalisation ------------------------------------------------------------------------
int tdsr_prelu_forward(const tdsr_tensor* x, const tdsr_tensor* alpha, tdsr_tensor* y) {
    return guarded("prelu_forward", [&] {
        const PreluGeom g = check_prelu_forward(x, alpha, y);
        run_on(x).prelu_forward(g, x, alpha, y);
    });
}

int tdsr_prelu_backward(const tdsr_tensor* x, const tdsr_tensor* alpha, const tdsr_tensor* dy, tdsr_tensor* dx,
                        tdsr_tensor* dalpha) {
    return guarded("prelu_backward", [&] {
        const PreluGeom g = check_prelu_backward(x, alpha, dy, dx, dalpha);
        run_on(x).prelu_backward(g, x, alpha, dy, dx, dalpha);
    });
}

int tdsr_relu_forward(const tdsr_tensor* x, tdsr_tensor* y) {
    return guarded("relu_forward", [&] {
        check_relu_forward(x, y);
        run_on(x).relu_forward(x, y);
    });
}

int tdsr_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx) {
    return guarded("relu_backward", [&] {
        check_relu_backward(x, dy, dx);
        run_on(x).relu_backward(x, dy, dx);
    });
}

int tdsr_leaky_relu_forward(const tdsr_tensor* x, tdsr_tensor* y, double slope) {
    return guarded("leaky_relu_forward", [&] {
        check_leaky_relu_forward(x, y, slope);
        run_on(x).leaky_relu_forward(x, y, slope);
    });
}

int tdsr_leaky_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx, double slope) {
    return guarded("leaky_relu_backward", [&] {
        check_leaky_relu_backward(x, dy, dx, slope);
        run_on(x).leaky_relu_backward(x, dy, dx, slope);
    });
}

int tdsr_maxpool2d_forward(const tdsr_tensor* x, tdsr_tensor* y, int kh, int kw, int sh, int sw, int ph, int pw,
                           int ceil_mode) {
    return guarded("maxpool2d_forward", [&] {
        const PoolGeom g = check_maxpool2d_forward(x, y, PoolHyper{kh, kw, sh, sw, ph, pw, ceil_mode});
        run_on(x).maxpool2d_forward(g, x, y);
    });
}

int tdsr_maxpool2d_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx, int kh, int kw, int sh,
                            int sw, int ph, int pw, int ceil_mode) {
    return guarded("maxpool2d_backward", [&] {
        const PoolGeom g = check_maxpool2d_backward(x, dy, dx, PoolHyper{kh, kw, sh, sw, ph, pw, ceil_mode});
        run_on(x).maxpool2d_backward(g, x, dy, dx);
    });
}

int tdsr_l2norm_forward(const tdsr_tensor* x, const tdsr_tensor* scale, tdsr_tensor* y, double eps) {
    return guarded("l2norm_forward", [&] {
        const NCP g = check_l2norm_forward(x, scale, y);
        run_on(x).l2norm_forward(g, x, scale, y, eps);
    });
}

int tdsr_l2norm_backward(const tdsr_tensor* x, const tdsr_tensor* scale, const tdsr_tensor* dy, tdsr_tensor* dx,
                         tdsr_tensor* dscale, double eps) {
    return guarded("l2norm_backward", [&] {
        const NCP g = check_l2norm_backward(x, scale, dy, dx, dscale);
        run_on(x).l2norm_backward(g, x, scale, dy, dx, dscale, eps);
    });
}

int tdsr_batchnorm_forward(const tdsr_tensor* x, const tdsr_tensor* gamma, const tdsr_tensor* beta,
                           tdsr_tensor* running_mean, tdsr_tensor* running_var, tdsr_tensor* save_mean,
                           tdsr_tensor* save_invstd, tdsr_tensor* y, int training, double momentum, double eps) {
    return guarded("batchnorm_forward", [&] {
        const NCP g = check_batchnorm_forward(x, gamma, beta, running_mean, running_var, save_mean, save_invstd, y,
                                              training != 0, momentum, eps);
        run_on(x).batchnorm_forward(BatchNormArgs{g, training != 0}, x, gamma, beta, running_mean, running_var,
                                    save_mean, save_invstd, y, momentum, eps);
    });
}

int tdsr_batchnorm_backward(const tdsr_tensor* x, const tdsr_tensor* gamma, const tdsr_tensor* save_mean,
                            const tdsr_tensor* save_invstd, const tdsr_tensor* dy, tdsr_tensor* dx,
                            tdsr_tensor* dgamma, tdsr_tensor* dbeta, int training) {
    return guarded("batchnorm_backward", [&] {
        const NCP g = check_batchnorm_backward(x, gamma, save_mean, save_invstd, dy, dx, dgamma, dbeta);
        run_on(x).batchnorm_backward(BatchNormArgs{g, training != 0}, x, gamma, save_mean, save_invstd, dy, dx,
                                     dgamma, dbeta);
    });
}

// ---- elementwise, channel affine, concat/split ------------------------------------------------------------------
int tdsr_add(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y) {
    return guarded("add", [&] {
        check_binary("add", a, b, y);
        run_on(a).binary(Binary::add, a, b, 0.0, y);
    });
}

int tdsr_sub(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y) {
    return guarded("sub", [&] {
        check_binary("sub", a, b, y);
        run_on(a).binary(Binary::sub, a, b, 0.0, y);
    });
}

int tdsr_scale(const tdsr_tensor* x, double s, tdsr_tensor* y) {
    return guarded("scale", [&] {
        check_binary("scale", x, x, y);
        run_on(x).binary(Binary::scale, x, x, s, y);
    });
}

int tdsr_axpy(double alpha, const tdsr_tensor* x, tdsr_tensor* y) {
    return guarded("axpy", [&] {
        check_binary("axpy", x, y, y);
        run_on(x).binary(Binary::axpy, x, y, alpha, y);
    });
}

int tdsr_channel_affine_forward(const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y) {
    return guarded("channel_affine_forward", [&] {
        const NCP g = check_channel_affine_forward(x, a, b, y);
        run_on(x).channel_affine_forward(g, x, a, b, y);
    });
}

int tdsr_channel_affine_backward(const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* dy, tdsr_tensor* dx,
                                 tdsr_tensor* da, tdsr_tensor* db) {
    return guarded("channel_affine_backward", [&] {
        const NCP g = check_channel_affine_backward(x, a, dy, dx, da, db);
        run_on(x).channel_affine_backward(g, x, a, dy, dx, da, db);
    });
}

int tdsr_concat_channels(int n, tdsr_tensor* const* inputs, tdsr_tensor* y) {
    return guarded("concat_channels", [&] {
        const NCP g = check_concat_channels(n, inputs, y);
        run_on(y).concat_channels(g, n, inputs, y);
    });
}

int tdsr_split_channels(const tdsr_tensor* y, int n, tdsr_tensor* const* outs, int accumulate) {
    return guarded("split_channels", [&] {
        const NCP g = check_split_channels(y, n, outs);
        run_on(y).split_channels(g, y, n, outs, accumulate);
    });
}

// ---- losses -----------------------------------------------------------------------------------------------------
int tdsr_mse_forward(const tdsr_tensor* a, const tdsr_tensor* b, double* loss) {
    return guarded("mse_forward", [&] {
        check_mse_forward(a, b, loss);
        *loss = via_slot(a, [&](tdsr_tensor* slot) { run_on(a).mse_forward(a, b, slot, 0, 1.0); });
    });
}

int tdsr_mse_forward_to(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* out, int64_t at, double divisor) {
    return guarded("mse_forward_to", [&] {
        check_mse_forward_to(a, b, out, at, divisor);
        run_on(a).mse_forward(a, b, out, at, divisor);
    });
}

int tdsr_mse_backward(const tdsr_tensor* a, const tdsr_tensor* b, double scale, tdsr_tensor* da) {
    return guarded("mse_backward", [&] {
        check_mse_backward(a, b, da);
        run_on(a).mse_backward(a, b, scale, da);
    });
}

int tdsr_bce_logits_forward(const tdsr_tensor* x, const tdsr_tensor* target, double* loss) {
    return guarded("bce_logits_forward", [&] {
        check_bce_logits_forward(x, target, loss);
        *loss = run_on(x).bce_logits_forward(x, target);
    });
}

int tdsr_bce_logits_backward(const tdsr_tensor* x, const tdsr_tensor* target, double scale, tdsr_tensor* dx) {
    return guarded("bce_logits_backward", [&] {
        check_bce_logits_backward(x, target, dx);
        run_on(x).bce_logits_backward(x, target, scale, dx);
    });
}

int tdsr_smooth_l1_forward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, double* loss) {
    return guarded("smooth_l1_forward", [&] {
        check_smooth_l1_forward(x, target, weight, loss);
        *loss = via_slot(x, [&](tdsr_tensor* slot) { run_on(x).smooth_l1_forward(x, target, weight, slot, 0, 1.0); });
    });
}

int tdsr_smooth_l1_forward_to(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight,
                              tdsr_tensor* out, int64_t at, double divisor) {
    return guarded("smooth_l1_forward_to", [&] {
        check_smooth_l1_forward_to(x, target, weight, out, at, divisor);
        run_on(x).smooth_l1_forward(x, target, weight, out, at, divisor);
    });
}

int tdsr_weighted_sum_to(const tdsr_tensor* x, const tdsr_tensor* w, tdsr_tensor* out, int64_t at, double divisor) {
    return guarded("weighted_sum_to", [&] {
        check_weighted_sum_to(x, w, out, at, divisor);
        run_on(x).weighted_sum(x, w, out, at, divisor);
    });
}

int tdsr_smooth_l1_backward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, double scale,
                            tdsr_tensor* dx) {
    return guarded("smooth_l1_backward", [&] {
        check_smooth_l1_backward(x, target, weight, dx);
        run_on(x).smooth_l1_backward(x, target, weight, scale, dx);
    });
}

int tdsr_softmax_xent_forward(const tdsr_tensor* logits, const tdsr_tensor* labels, tdsr_tensor* row_loss) {
    return guarded("softmax_xent_forward", [&] {
        const RowsShape s = check_softmax_xent_forward(logits, labels, row_loss);
        run_on(logits).softmax_xent_forward(s, logits, labels, row_loss, nullptr, 0);
    });
}

int tdsr_softmax_xent_forward_flagged(const tdsr_tensor* logits, const tdsr_tensor* labels, tdsr_tensor* row_loss,
                                      tdsr_tensor* flags, int64_t at) {
    return guarded("softmax_xent_forward_flagged", [&] {
        const RowsShape s = check_softmax_xent_forward(logits, labels, row_loss);
        check_label_flag("softmax_xent_forward_flagged", logits, flags, at);
        run_on(logits).softmax_xent_forward(s, logits, labels, row_loss, flags, at);
    });
}

int tdsr_softmax_xent_backward(const tdsr_tensor* logits, const tdsr_tensor* labels, const tdsr_tensor* row_weight,
                               tdsr_tensor* dlogits) {
    return guarded("softmax_xent_backward", [&] {
        const RowsShape s = check_softmax_xent_backward(logits, labels, row_weight, dlogits);
        run_on(logits).softmax_xent_backward(s, logits, labels, row_weight, dlogits, nullptr, 0);
    });
}

int tdsr_softmax_xent_backward_flagged(const tdsr_tensor* logits, const tdsr_tensor* labels,
                                       const tdsr_tensor* row_weight, tdsr_tensor* dlogits, tdsr_tensor* flags,
                                       int64_t at) {
    return guarded("softmax_xent_backward_flagged", [&] {
        const RowsShape s = check_softmax_xent_backward(logits, labels, row_weight, dlogits);
        check_label_flag("softmax_xent_backward_flagged", logits, flags, at);
        run_on(logits).softmax_xent_backward(s, logits, labels, row_weight, dlogits, flags, at);
    });
}

int tdsr_softmax_rows(const tdsr_tensor* logits, tdsr_tensor* probs) {
    return guarded("softmax_rows", [&] {
        const RowsShape s = check_softmax_rows(logits, probs);
        run_on(logits).softmax_rows(s, logits, probs);
    });
}

int tdsr_mine_hard_negatives(const tdsr_tensor* row_loss, const tdsr_tensor* labels, int64_t images, int neg_pos,
                             tdsr_tensor* selected) {
    return guarded("mine_hard_negatives", [&] {
        const MiningShape s = check_mine_hard_negatives(row_loss, labels, images, neg_pos, selected);
        run_on(row_loss).mine_hard_negatives(s, row_loss, labels, selected);
    });
}

// ---- optimizers -------------------------------------------------------------------------------------------------
int tdsr_sgd_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* momentum_buf, const tdsr_tensor* proceed,
                  const tdsr_tensor* hyper, double lr, double momentum, double weight_decay) {
    return guarded("sgd_step", [&] {
        check_sgd_step(param, grad, momentum_buf, proceed, hyper);
        run_on(param).sgd_step(param, grad, momentum_buf, proceed, hyper, lr, momentum, weight_decay);
    });
}

int tdsr_adam_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* m, tdsr_tensor* v,
                   const tdsr_tensor* proceed, const tdsr_tensor* hyper, int64_t t, double lr, double beta1,
                   double beta2, double eps, double weight_decay) {
    return guarded("adam_step", [&] {
        const AdamHyper h{t, lr, beta1, beta2, eps, weight_decay};
        check_adam_step(param, grad, m, v, proceed, hyper, h);
        run_on(param).adam_step(param, grad, m, v, proceed, hyper, h);
    });
}

// ---- layout -----------------------------------------------------------------------------------------------------
int tdsr_nchw_to_rows(const tdsr_tensor* x, tdsr_tensor* rows, int64_t offset) {
    return guarded("nchw_to_rows", [&] {
        const RowsGeom g = check_rows_slice("nchw_to_rows", x, rows, offset);
        run_on(x).nchw_to_rows(g, x, rows);
    });
}

int tdsr_rows_to_nchw(const tdsr_tensor* rows, tdsr_tensor* x, int64_t offset) {
    return guarded("rows_to_nchw", [&] {
        const RowsGeom g = check_rows_slice("rows_to_nchw", x, rows, offset);
        run_on(x).rows_to_nchw(g, rows, x);
    });
}

int tdsr_crop2d_forward(const tdsr_tensor* x, tdsr_tensor* y, int64_t top, int64_t left) {
    return guarded("crop2d_forward", [&] {
        const CropGeom g = check_crop("crop2d_forward", x, y, top, left);
        run_on(x).crop2d_forward(g, x, y);
    });
}

int tdsr_crop2d_backward(const tdsr_tensor* dy, tdsr_tensor* dx, int64_t top, int64_t left) {
    return guarded("crop2d_backward", [&] {
        const CropGeom g = check_crop("crop2d_backward", dx, dy, top, left);
        run_on(dx).crop2d_backward(g, dy, dx);
    });
}

int tdsr_pixel_shuffle_forward(const tdsr_tensor* x, tdsr_tensor* y, int r) {
    return guarded("pixel_shuffle_forward", [&] {
        const ShuffleGeom g = check_pixel_shuffle("pixel_shuffle_forward", x, y, r);
        run_on(x).pixel_shuffle_forward(g, x, y);
    });
}

int tdsr_pixel_shuffle_backward(const tdsr_tensor* dy, tdsr_tensor* dx, int r) {
    return guarded("pixel_shuffle_backward", [&] {
        const ShuffleGeom g = check_pixel_shuffle("pixel_shuffle_backward", dx, dy, r);
        run_on(dy).pixel_shuffle_backward(g, dy, dx);
    });
}

}  // extern "C"
