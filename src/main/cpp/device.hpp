// The ops table of a device: one function pointer per twin, the same names in tdsr::cpu and tdsr::cuda. The C
// boundary (api.cpp) checks the arguments with the family headers, then calls the table of the tensors' device.
// The CPU table is built in; the CUDA library registers its table when it loads (tdsr_cuda_register), so
// libtdsr_cpu.so never depends on CUDA. Initialising a table from the other namespace's functions makes the compiler
// check that every CUDA twin has the CPU twin's signature.
#pragma once

#include "ops/activation.hpp"
#include "ops/conv.hpp"
#include "ops/elementwise.hpp"
#include "ops/layout.hpp"
#include "ops/loss.hpp"
#include "ops/norm.hpp"
#include "ops/optim.hpp"
#include "ops/pool.hpp"
#include "ops/tensor.hpp"

namespace tdsr {

#define TDSR_DEVICE_OPS(X)                                                                                         \
    X(allocate) X(release) X(memory_describe) X(memory_stats) X(empty_cache) X(upload) X(download) X(fill) X(copy) X(sum) X(all_finite) X(finite_flag) X(gemm)       \
    X(conv2d_forward) X(conv2d_backward_input) X(conv2d_backward_params)                                          \
    X(deconv2d_forward) X(deconv2d_backward_input) X(deconv2d_backward_params)                                    \
    X(prelu_forward) X(prelu_backward) X(relu_forward) X(relu_backward)                                           \
    X(leaky_relu_forward) X(leaky_relu_backward) X(batchnorm_forward) X(batchnorm_backward)                       \
    X(bce_logits_forward) X(bce_logits_backward) X(pixel_shuffle_forward) X(pixel_shuffle_backward)               \
    X(maxpool2d_forward) X(maxpool2d_backward) X(l2norm_forward) X(l2norm_backward)                               \
    X(binary) X(channel_affine_forward) X(channel_affine_backward) X(concat_channels) X(split_channels)            \
    X(mse_forward) X(mse_backward) X(smooth_l1_forward) X(smooth_l1_backward) X(weighted_sum)                                     \
    X(softmax_xent_forward) X(softmax_xent_backward) X(softmax_rows) X(mine_hard_negatives)                       \
    X(sgd_step) X(adam_step)                                                                                      \
    X(nchw_to_rows) X(rows_to_nchw) X(crop2d_forward) X(crop2d_backward)

struct DeviceOps {
#define TDSR_OPS_FIELD(name) decltype(&cpu::name) name;
    TDSR_DEVICE_OPS(TDSR_OPS_FIELD)
#undef TDSR_OPS_FIELD
};

#define TDSR_OPS_ENTRY_CPU(name) &cpu::name,
#define TDSR_OPS_ENTRY_CUDA(name) &cuda::name,

// The table of a device; fails when no CUDA library registered itself.
const DeviceOps& ops_for_device(int device);
inline const DeviceOps& ops_of(const tdsr_tensor* t) { return *t->storage->ops; }

// Called by the CUDA library; the table must outlive the process (a static).
void register_cuda_ops(const DeviceOps* ops, int device_count);

}  // namespace tdsr
