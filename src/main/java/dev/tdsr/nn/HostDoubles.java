package dev.tdsr.nn;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;

/**
 * Host {@code double[]} values copied into and out of F32/F64 tensors (small per-image bookkeeping: targets, weights,
 * read-backs).
 */
public final class HostDoubles {
    private HostDoubles() {}

    public static double[] read(Tensor t) {
        if (t.dtype() == DType.F64) {
            return t.toDoubleArray();
        }
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    public static Tensor write(Tensor t, double[] v) {
        if (t.dtype() == DType.F64) {
            return t.write(v);
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return t.write(f);
    }

    public static Tensor of(Backend b, DType dtype, double[] v, long... shape) {
        return write(b.allocate(dtype, shape), v);
    }
}
