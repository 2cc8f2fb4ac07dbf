// The device registry: the CPU twins' table, and the CUDA library's once it registers itself.
#include "device.hpp"

#include <atomic>

namespace tdsr {

namespace {
const DeviceOps kCpuOps = {TDSR_DEVICE_OPS(TDSR_OPS_ENTRY_CPU)};
std::atomic<const DeviceOps*> g_cuda_ops{nullptr};
std::atomic<int> g_cuda_devices{0};
}  // namespace

const DeviceOps& ops_for_device(int device) {
    if (device == TDSR_DEVICE_CPU) return kCpuOps;
    const DeviceOps* cuda = g_cuda_ops.load();
    if (device < 0) fail(Msg() << "unknown device " << device << " (expected -1 for the CPU or a CUDA ordinal >= 0)");
    if (!cuda) fail(Msg() << device_name(device) << ": the CUDA library is not loaded (see tdsr_cuda_register)");
    if (device >= g_cuda_devices.load())
        fail(Msg() << device_name(device) << ": no such CUDA device (" << g_cuda_devices.load() << " visible)");
    return *cuda;
}

void register_cuda_ops(const DeviceOps* ops, int device_count) {
    g_cuda_devices.store(device_count);
    g_cuda_ops.store(ops);
}

}  // namespace tdsr
