// Errors, the thread-local last error and the argument checks (core.hpp). Compiled into libtdsr_cpu.so only; the
// CUDA library links against it and uses the same definitions.
#include "core.hpp"
#include "device.hpp"

namespace tdsr {

namespace {
thread_local std::string g_last_error;
thread_local int64_t g_last_oom_requested = -1;
thread_local int64_t g_last_oom_free = -1;
}  // namespace

Error::~Error() = default;

Storage::~Storage() {
    if (ptr && ops) ops->release(device, ptr, bytes);
}

const char* dtype_name(int dtype) {
    switch (dtype) {
        case TDSR_F32: return "f32";
        case TDSR_F64: return "f64";
        case TDSR_I32: return "i32";
        default: return "?";
    }
}

std::string device_name(int device) { return device == TDSR_DEVICE_CPU ? "cpu" : "cuda:" + std::to_string(device); }

void fail(const Msg& m) { throw Error(TDSR_ERR_INVALID_ARGUMENT, m.str()); }
void fail(const std::string& m) { throw Error(TDSR_ERR_INVALID_ARGUMENT, m); }
void fail_device(const std::string& m) { throw Error(TDSR_ERR_DEVICE, m); }

void set_last_error(const std::string& m) { g_last_error = m; }
void set_last_oom(int64_t requested, int64_t free) {
    g_last_oom_requested = requested;
    g_last_oom_free = free;
}
const std::string& last_error() { return g_last_error; }
void last_oom(int64_t* requested, int64_t* free) {
    if (requested) *requested = g_last_oom_requested;
    if (free) *free = g_last_oom_free;
}

std::string shape_str(const tdsr_tensor* t) {
    if (!t) return "null";
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < t->shape.size(); i++) s << (i ? "," : "") << t->shape[i];
    s << "]";
    if (t->dtype != TDSR_F32) s << ":" << dtype_name(t->dtype);
    return s.str();
}

void require_alike(const char* op, std::initializer_list<const tdsr_tensor*> ts) {
    const tdsr_tensor* first = nullptr;
    for (auto* t : ts) {
        if (!t) continue;
        if (!first) {
            first = t;
        } else if (t->dtype != first->dtype) {
            fail(Msg() << op << ": mixed dtypes " << dtype_name(first->dtype) << " and " << dtype_name(t->dtype));
        } else if (t->device() != first->device()) {
            fail(Msg() << op << ": tensors on " << device_name(first->device()) << " and " << device_name(t->device())
                       << " (copy them to one device first)");
        }
    }
}

void require_float(const char* op, const char* name, const tdsr_tensor* t) {
    require_tensor(op, name, t);
    if (t->dtype != TDSR_F32 && t->dtype != TDSR_F64)
        fail(Msg() << op << ": dtype " << dtype_name(t->dtype) << " is not supported (expected f32 or f64)");
}

void require_ndim(const char* op, const char* name, const tdsr_tensor* t, int ndim) {
    require_tensor(op, name, t);
    if (t->ndim() != ndim) fail(Msg() << op << ": " << name << " " << shape_str(t) << " must have " << ndim << " dimensions");
}

void require_shape(const char* op, const char* name, const tdsr_tensor* t, const std::vector<int64_t>& expected) {
    require_tensor(op, name, t);
    if (t->shape != expected) {
        tdsr_tensor e;
        e.shape = expected;
        e.dtype = t->dtype;
        fail(Msg() << op << ": " << name << " has shape " << shape_str(t) << ", expected " << shape_str(&e));
    }
}

void require_numel(const char* op, const char* name, const tdsr_tensor* t, int64_t numel) {
    require_tensor(op, name, t);
    if (t->numel != numel)
        fail(Msg() << op << ": " << name << " " << shape_str(t) << " has " << t->numel << " elements, expected " << numel);
}

NCP require_ncp(const char* op, const char* name, const tdsr_tensor* t) {
    require_tensor(op, name, t);
    if (t->ndim() < 2) fail(Msg() << op << ": " << name << " " << shape_str(t) << " must be [N,C,...]");
    NCP g{t->dim(0), t->dim(1), 0};
    g.P = g.N * g.C > 0 ? t->numel / (g.N * g.C) : 0;
    return g;
}

}  // namespace tdsr
