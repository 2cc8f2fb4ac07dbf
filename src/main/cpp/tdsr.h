/*
 * tdsr.h — the flat C API of the engine, for both devices. It is the only header of the engine JavaCPP reads
 * (dev.tdsr.engine.jni.Tdsr); the CUDA library adds only its device queries and registration (src/main/cuda/tdsr_cuda.h).
 *
 * Devices: a tensor is created on a device (TDSR_DEVICE_CPU, or a CUDA ordinal >= 0) and keeps it; every op checks
 * that its tensors share one device and runs that device's twin of the kernel (src/main/cpp/cpu/ or src/main/cuda/,
 * dispatched through the table of src/main/cpp/device.hpp). CUDA tensors exist only once libtdsr_cuda.so has
 * registered itself (tdsr_cuda_register); libtdsr_cpu.so never depends on CUDA.
 *
 * Conventions
 *  - Every function that can fail returns a status (TDSR_OK = 0); the message of the last failure on the calling
 *    thread is tdsr_last_error(). No C++ exception ever crosses this boundary.
 *  - Tensors are dense, row-major (NCHW for images), of dtype f32 (training/inference) or f64 (gradient checks: every
 *    kernel is one C++ template instantiated for both), or i32 (labels, indices). A tensor owns (or shares, for
 *    views) a reference-counted buffer; tdsr_tensor_free releases the handle.
 *  - One call is one whole layer on a whole batch.
 *
 * Gradient contract (as in llm.c): input gradients (dx) are OVERWRITTEN, parameter gradients (dw, db, dalpha, dscale)
 * are ACCUMULATED (+=), so gradient accumulation over micro-batches works and callers zero parameter gradients once
 * per step. Where an activation feeds several consumers, the caller adds the input gradients (tdsr_axpy) or uses
 * the `accumulate` flag that tdsr_split_channels offers for the dense concatenations of D-DBPN.
 * Parameter gradients are separate calls (*_backward_params), so a frozen layer simply does not make that call:
 * the frozen SSD of TDSR computes input gradients only.
 */
#ifndef TDSR_H
#define TDSR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdsr_tensor tdsr_tensor;

/* status codes */
#define TDSR_OK 0
#define TDSR_ERR_INVALID_ARGUMENT 1 /* bad shape, dtype or parameter: the message names the op and the shapes */
#define TDSR_ERR_OUT_OF_MEMORY 2
#define TDSR_ERR_INTERNAL 3
#define TDSR_ERR_DEVICE 4 /* the CUDA runtime, cuDNN or cuBLAS failed: the message names the call and its error */

/* devices */
#define TDSR_DEVICE_CPU (-1)

/* dtypes */
#define TDSR_F32 0
#define TDSR_F64 1
#define TDSR_I32 2

/* ---- engine ----------------------------------------------------------------------------------------------------- */
const char* tdsr_last_error(void);
/* After TDSR_ERR_OUT_OF_MEMORY: the bytes asked for and the bytes the device had free (-1 where it cannot tell). */
void tdsr_last_oom(int64_t* requested, int64_t* free_bytes);
const char* tdsr_version(void);
/* BLAS library, its version/config string and the core it selected; then oneDNN's version, or why it is not loaded. */
const char* tdsr_blas_info(void);
/* Threads of the CPU twins: OpenMP owns them; BLAS runs single-threaded, each GEMM cut into one slice per thread. */
int tdsr_set_num_threads(int n);
/* The CPU twins' convolution cores: 0 = per layer (direct cores for few output channels; the phased GEMM cores for
 * D-DBPN 8x's strided projections; else oneDNN in float where libtdsr_dnnl.so loads, im2col + GEMM otherwise and in
 * double), 1 = always im2col + GEMM, 2 = direct wherever it applies (no dilation, not 1x1), 3 = oneDNN for every
 * float convolution it takes, 4 = phased GEMM for every strided undilated convolution (im2col + GEMM for the rest).
 * For tests and benchmarks. */
int tdsr_set_conv_algorithm(int algorithm);
/* The caching allocator of a device: one line (allocated, reserved, peak, raw allocations), and the numbers
 * out[0..5] = allocated, reserved, peak allocated, peak reserved, raw allocations, raw releases (bytes, counts). */
const char* tdsr_memory_describe(int device);
int tdsr_memory_stats(int device, int64_t* out6);
/* Returns every cached block of the device that no tensor uses to the system (or the driver). */
int tdsr_memory_empty_cache(int device);

/* ---- tensors ---------------------------------------------------------------------------------------------------- */
/* A zero-filled tensor on `device`. */
int tdsr_tensor_create(int device, int dtype, int ndim, const int64_t* shape, tdsr_tensor** out);
/* A view of `count` elements starting at element `offset` of `base`'s buffer, with a new shape; shares the buffer. */
int tdsr_tensor_view(tdsr_tensor* base, int64_t offset, int ndim, const int64_t* shape, tdsr_tensor** out);
void tdsr_tensor_free(tdsr_tensor* t);
/* The device of a tensor (TDSR_DEVICE_CPU or a CUDA ordinal). */
int tdsr_tensor_device(const tdsr_tensor* t);
/* Address of the first element on the tensor's device: the device pointer the CUDA backend hands to cuDNN and cuBLAS
 * through the JavaCPP presets. */
void* tdsr_tensor_data(tdsr_tensor* t);
int tdsr_tensor_write_f32(tdsr_tensor* t, const float* src, int64_t offset, int64_t count);
int tdsr_tensor_read_f32(const tdsr_tensor* t, float* dst, int64_t offset, int64_t count);
int tdsr_tensor_write_f64(tdsr_tensor* t, const double* src, int64_t offset, int64_t count);
int tdsr_tensor_read_f64(const tdsr_tensor* t, double* dst, int64_t offset, int64_t count);
int tdsr_tensor_write_i32(tdsr_tensor* t, const int32_t* src, int64_t offset, int64_t count);
int tdsr_tensor_read_i32(const tdsr_tensor* t, int32_t* dst, int64_t offset, int64_t count);
int tdsr_tensor_fill(tdsr_tensor* t, double value);
/* dst = src (same dtype and element count; shapes may differ; any two devices: this is the host<->GPU copy). */
int tdsr_tensor_copy(tdsr_tensor* dst, const tdsr_tensor* src);

/* ---- convolution: x [N,Cin,H,W], w [Cout,Cin,kh,kw], b [Cout] or NULL, y [N,Cout,Ho,Wo] ---------------------------
 * Ho = floor((H + 2*ph - dh*(kh-1) - 1)/sh) + 1. A 1x1/stride-1/no-padding convolution is a plain GEMM. */
int tdsr_conv2d_forward(const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b, tdsr_tensor* y,
                        int sh, int sw, int ph, int pw, int dh, int dw);
/* dx = conv2d input gradient (overwritten). */
int tdsr_conv2d_backward_input(const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx,
                               int sh, int sw, int ph, int pw, int dh, int dw);
/* dw += weight gradient, db += bias gradient (either may be NULL). */
int tdsr_conv2d_backward_params(const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw, tdsr_tensor* db,
                                int sh, int sw, int ph, int pw, int dh, int dw_);

/* ---- transposed convolution: x [N,Cin,H,W], w [Cin,Cout,kh,kw] (PyTorch's storage), b [Cout] or NULL -------------
 * Ho = (H-1)*sh - 2*ph + kh + oph (PyTorch's rule, output_padding oph < sh). */
int tdsr_deconv2d_forward(const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b, tdsr_tensor* y,
                          int sh, int sw, int ph, int pw);
int tdsr_deconv2d_backward_input(const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx,
                                 int sh, int sw, int ph, int pw);
int tdsr_deconv2d_backward_params(const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw, tdsr_tensor* db,
                                  int sh, int sw, int ph, int pw);

/* Checks the arguments of a convolution or GEMM entry point without running it: the CUDA backend runs these ops
 * through cuDNN/cuBLAS from Java and validates them with the same header (ops/conv.hpp, ops/tensor.hpp) first.
 * op: TDSR_CHECK_*; a..d are the entry point's tensors in its order (unused ones NULL); h: its ints in its order
 * (stride, padding, dilation; unused ones ignored). */
#define TDSR_CHECK_CONV2D_FORWARD 0         /* x, w, b, y */
#define TDSR_CHECK_CONV2D_BACKWARD_INPUT 1  /* dy, w, dx */
#define TDSR_CHECK_CONV2D_BACKWARD_PARAMS 2 /* dy, x, dw, db */
#define TDSR_CHECK_DECONV2D_FORWARD 3       /* x, w, b, y */
#define TDSR_CHECK_DECONV2D_BACKWARD_INPUT 4
#define TDSR_CHECK_DECONV2D_BACKWARD_PARAMS 5
#define TDSR_CHECK_GEMM 6                   /* a, b, c */
int tdsr_check(int op, const tdsr_tensor* a, const tdsr_tensor* b, const tdsr_tensor* c, const tdsr_tensor* d,
               int sh, int sw, int ph, int pw, int dh, int dw);

/* ---- activations ------------------------------------------------------------------------------------------------
 * PReLU: alpha has 1 element (one shared parameter, as D-DBPN) or C (per channel). */
int tdsr_prelu_forward(const tdsr_tensor* x, const tdsr_tensor* alpha, tdsr_tensor* y);
int tdsr_prelu_backward(const tdsr_tensor* x, const tdsr_tensor* alpha, const tdsr_tensor* dy, tdsr_tensor* dx,
                        tdsr_tensor* dalpha);
int tdsr_relu_forward(const tdsr_tensor* x, tdsr_tensor* y);
/* dx = dy where x > 0 else 0 (x may be the forward output, since relu(x) > 0 iff x > 0). */
int tdsr_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx);

/* LeakyReLU with a fixed slope in [0,1) (the SRGAN discriminator's 0.2): y = x > 0 ? x : slope*x. The backward's x
 * may be the forward output (same sign). */
int tdsr_leaky_relu_forward(const tdsr_tensor* x, tdsr_tensor* y, double slope);
int tdsr_leaky_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx, double slope);

/* ---- max pooling: out size floor or ceil((H + 2p - k)/s) + 1; with ceil_mode the last window must start inside the
 * input or left padding (PyTorch's rule). Padding never wins the max. The backward recomputes the argmax (first max in
 * scan order wins ties) instead of storing indices. */
int tdsr_maxpool2d_forward(const tdsr_tensor* x, tdsr_tensor* y, int kh, int kw, int sh, int sw, int ph, int pw,
                           int ceil_mode);
int tdsr_maxpool2d_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx, int kh, int kw, int sh,
                            int sw, int ph, int pw, int ceil_mode);

/* ---- L2Norm across channels (SSD conv4_3): y = x / (sqrt(sum_c x^2) + eps) * scale[c] ----------------------------- */
int tdsr_l2norm_forward(const tdsr_tensor* x, const tdsr_tensor* scale, tdsr_tensor* y, double eps);
int tdsr_l2norm_backward(const tdsr_tensor* x, const tdsr_tensor* scale, const tdsr_tensor* dy, tdsr_tensor* dx,
                         tdsr_tensor* dscale, double eps);

/* ---- batch normalisation over [N,C,...] per channel (PyTorch's BatchNorm1d/2d): gamma, beta, running_mean,
 * running_var, save_mean, save_invstd all [C]. training != 0: the batch's mean and biased variance normalise, the
 * running statistics move by momentum towards the batch mean and unbiased variance; training == 0: the running
 * statistics normalise and are not changed. Either way save_mean/save_invstd receive the mean and 1/sqrt(var + eps)
 * used, which the backward reads. Backward: dx overwritten (may be NULL; in training mode it includes the path
 * through the batch statistics), dgamma += sum dy*xhat, dbeta += sum dy (either may be NULL). */
int tdsr_batchnorm_forward(const tdsr_tensor* x, const tdsr_tensor* gamma, const tdsr_tensor* beta,
                           tdsr_tensor* running_mean, tdsr_tensor* running_var, tdsr_tensor* save_mean,
                           tdsr_tensor* save_invstd, tdsr_tensor* y, int training, double momentum, double eps);
int tdsr_batchnorm_backward(const tdsr_tensor* x, const tdsr_tensor* gamma, const tdsr_tensor* save_mean,
                            const tdsr_tensor* save_invstd, const tdsr_tensor* dy, tdsr_tensor* dx,
                            tdsr_tensor* dgamma, tdsr_tensor* dbeta, int training);

/* ---- channel concat / split (NCHW, along C) ------------------------------------------------------------------------
 * split writes y's channel slices into outs; with accumulate != 0 it adds into them (dense-connection gradients). */
int tdsr_concat_channels(int n, tdsr_tensor* const* inputs, tdsr_tensor* y);
int tdsr_split_channels(const tdsr_tensor* y, int n, tdsr_tensor* const* outs, int accumulate);

/* ---- elementwise (same element count) ------------------------------------------------------------------------------ */
int tdsr_add(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y);      /* y = a + b */
int tdsr_sub(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y);      /* y = a - b */
int tdsr_scale(const tdsr_tensor* x, double s, tdsr_tensor* y);                /* y = s * x */
int tdsr_axpy(double alpha, const tdsr_tensor* x, tdsr_tensor* y);             /* y += alpha * x */
/* Per-channel affine y[n,c,...] = x[n,c,...] * a[c] + b[c] (a or b may be NULL = 1 / 0): x255 and mean subtraction. */
int tdsr_channel_affine_forward(const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y);
/* dx = dy * a[c] (overwritten); da += sum dy*x, db += sum dy per channel (either may be NULL). */
int tdsr_channel_affine_backward(const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* dy, tdsr_tensor* dx,
                                 tdsr_tensor* da, tdsr_tensor* db);

/* ---- losses ----------------------------------------------------------------------------------------------------------
 * MSE (mean over all elements): *loss = mean((a-b)^2); da = scale * 2(a-b)/numel. */
int tdsr_mse_forward(const tdsr_tensor* a, const tdsr_tensor* b, double* loss);
int tdsr_mse_backward(const tdsr_tensor* a, const tdsr_tensor* b, double scale, tdsr_tensor* da);
/* Smooth-L1 (beta 1), summed: *loss = sum_i w_i * sl1(x_i - t_i); weight may be NULL (= 1). dx = scale * w * sl1'. */
int tdsr_smooth_l1_forward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, double* loss);
int tdsr_smooth_l1_backward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, double scale,
                            tdsr_tensor* dx);
/* Loss slots: the same forwards (and the weighted sum, sum_i w_i x_i: the confidence loss over the selected priors)
 * store loss / divisor into element `at` of `out`, an f64 tensor on the inputs' device, with no host
 * synchronisation on CUDA; a training step reads all its slots once. On the CPU the numbers equal the host-value
 * forwards' divided by divisor. */
int tdsr_mse_forward_to(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* out, int64_t at, double divisor);
int tdsr_smooth_l1_forward_to(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight,
                              tdsr_tensor* out, int64_t at, double divisor);
int tdsr_weighted_sum_to(const tdsr_tensor* x, const tdsr_tensor* w, tdsr_tensor* out, int64_t at, double divisor);
/* Softmax cross-entropy per row: logits [R,C], labels i32 [R] in [0,C); row_loss [R] = logsumexp(row) - row[label]
 * (computed with the row max subtracted). Backward: dlogits[r] = row_weight[r] * (softmax(row) - onehot(label));
 * row_weight may be NULL (= 1); rows with weight 0 get zero gradient (unselected priors of hard negative mining). */
int tdsr_softmax_xent_forward(const tdsr_tensor* logits, const tdsr_tensor* labels, tdsr_tensor* row_loss);
int tdsr_softmax_xent_backward(const tdsr_tensor* logits, const tdsr_tensor* labels, const tdsr_tensor* row_weight,
                               tdsr_tensor* dlogits);
/* The same with no host read for the labels (a CUDA graph can capture them): instead of failing on a label outside
 * [0,C), they store the first such row into flags[at] (f64 on the logits' device), -1 when every label is in range,
 * and skip the bad rows; the caller reads the flag with its losses. */
int tdsr_softmax_xent_forward_flagged(const tdsr_tensor* logits, const tdsr_tensor* labels, tdsr_tensor* row_loss,
                                      tdsr_tensor* flags, int64_t at);
int tdsr_softmax_xent_backward_flagged(const tdsr_tensor* logits, const tdsr_tensor* labels,
                                       const tdsr_tensor* row_weight, tdsr_tensor* dlogits, tdsr_tensor* flags,
                                       int64_t at);
/* Sigmoid binary cross-entropy on logits x against targets t in [0,1] (same element count), mean over elements:
 * *loss = mean(max(x,0) - x*t + log(1+exp(-|x|))); dx = scale * (sigmoid(x) - t) / numel (overwritten). */
int tdsr_bce_logits_forward(const tdsr_tensor* x, const tdsr_tensor* target, double* loss);
int tdsr_bce_logits_backward(const tdsr_tensor* x, const tdsr_tensor* target, double scale, tdsr_tensor* dx);
/* Hard-negative mining of SSD's MultiBoxLoss: row_loss [images*P] (the cross-entropy of every prior), labels i32
 * [images*P] (0 = background, > 0 = positive). selected [images*P] (row_loss's dtype, overwritten) = 1 on every
 * positive and on the min(neg_pos * positives, P-1) highest-ranked priors of each image, 0 elsewhere; positives rank 0,
 * the others by their loss, in Java's Double.compare order (NaN highest, -0 below +0), equal ranks to the lower
 * prior index (ops/loss.hpp). No host synchronisation on CUDA. */
int tdsr_mine_hard_negatives(const tdsr_tensor* row_loss, const tdsr_tensor* labels, int64_t images, int neg_pos,
                             tdsr_tensor* selected);
/* Row-wise softmax (detection output). */
int tdsr_softmax_rows(const tdsr_tensor* logits, tdsr_tensor* probs);

/* ---- optimizers: update parameter slabs in place -------------------------------------------------------------------
 * SGD as PyTorch: g' = g + wd*p; buf = momentum*buf + g'; p -= lr*buf (buf starts at 0, which equals PyTorch's first
 * step). Adam as PyTorch (L2 weight decay added to the gradient): m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps), t >= 1 the step number.
 * proceed: NULL, or [1] of the param's dtype on its device (tdsr_finite_flag's flag): where it holds 0 the call
 * changes nothing (the NaN guard, decided on the device). hyper: NULL, or f64 [2] = (lr, t) on the param's device,
 * read on the device instead of the lr and t arguments (a CUDA graph then replays with the values of each replay);
 * SGD reads lr only. */
int tdsr_sgd_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* momentum_buf, const tdsr_tensor* proceed,
                  const tdsr_tensor* hyper, double lr, double momentum, double weight_decay);
int tdsr_adam_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* m, tdsr_tensor* v,
                   const tdsr_tensor* proceed, const tdsr_tensor* hyper, int64_t t, double lr, double beta1,
                   double beta2, double eps, double weight_decay);

/* ---- reductions used by trainers and tests -------------------------------------------------------------------------- */
/* *out = sum of all elements (double accumulation), and whether any element is NaN/Inf. */
int tdsr_sum(const tdsr_tensor* x, double* out);
int tdsr_all_finite(const tdsr_tensor* x, int* out);
/* The NaN guard on the device: flag [1] (x's dtype and device) becomes 0 if any element of x is NaN/Inf, else keeps its
 * value; the optimizer steps take it as `proceed`. No host synchronisation on CUDA. */
int tdsr_finite_flag(const tdsr_tensor* x, tdsr_tensor* flag);

/* ---- GEMM: C[M,N] = A[M,K] B[K,N] (row-major; the bicubic residual of D-DBPN and the benchmarks' reference) ---------- */
int tdsr_gemm(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* c);

/* ---- layout of the SSD heads (ops/layout.hpp) -------------------------------------------------------------------
 * rows: any tensor with dim 0 = N, read as [N, T]. nchw_to_rows writes x [N,C,H,W] into rows[n, offset + (h*W+w)*C + c]
 * (ssd.pytorch's permute(0,2,3,1) + view + cat over sources); rows_to_nchw is its adjoint: x[n,c,h,w] = that element
 * (x overwritten). */
int tdsr_nchw_to_rows(const tdsr_tensor* x, tdsr_tensor* rows, int64_t offset);
int tdsr_rows_to_nchw(const tdsr_tensor* rows, tdsr_tensor* x, int64_t offset);

/* ---- spatial crop (ops/layout.hpp): y [N,C,h,w] = x[:, :, top:top+h, left:left+w]; the backward writes dy into that
 * window of dx and zeros elsewhere (dx overwritten). D-DBPN 8x turns a 38x38 LR into 304x304; the top-left 300x300 is
 * the SR image the detector and the MSE see. */
int tdsr_crop2d_forward(const tdsr_tensor* x, tdsr_tensor* y, int64_t top, int64_t left);
int tdsr_crop2d_backward(const tdsr_tensor* dy, tdsr_tensor* dx, int64_t top, int64_t left);

/* ---- pixel shuffle (ops/layout.hpp; PyTorch's PixelShuffle): x [N, C*r*r, H, W] -> y [N, C, H*r, W*r] with
 * y[n, c, h*r+i, w*r+j] = x[n, c*r*r + i*r + j, h, w]. The backward is the inverse permutation (dx overwritten). */
int tdsr_pixel_shuffle_forward(const tdsr_tensor* x, tdsr_tensor* y, int r);
int tdsr_pixel_shuffle_backward(const tdsr_tensor* dy, tdsr_tensor* dx, int r);

#ifdef __cplusplus
}
#endif

#endif /* TDSR_H */
