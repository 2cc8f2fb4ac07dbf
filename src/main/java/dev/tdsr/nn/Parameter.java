package dev.tdsr.nn;

import dev.tdsr.engine.Tensor;
import java.util.Arrays;

/**
 * A named parameter (PyTorch state_dict name and shape) living at {@code offset} of its {@link ParameterSet}'s slab.
 * {@link #value()} and {@link #grad()} are views into the value and gradient slabs, bound by
 * {@link ParameterSet#allocate}.
 */
public final class Parameter {
    private final ParameterSet owner;
    private final String name;
    private final long[] shape;
    private final long offset;
    final Init init;
    Tensor value;
    Tensor grad;

    Parameter(ParameterSet owner, String name, long[] shape, long offset, Init init) {
        this.owner = owner;
        this.name = name;
        this.shape = shape.clone();
        this.offset = offset;
        this.init = init;
    }

    public String name() {
        return name;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Element offset into the slab. */
    public long offset() {
        return offset;
    }

    public Tensor value() {
        requireAllocated();
        return value;
    }

    public Tensor grad() {
        requireAllocated();
        return grad;
    }

    /** Whether backward passes accumulate into {@link #grad()} (false for a frozen model). */
    public boolean requiresGrad() {
        return owner.requiresGrad();
    }

    private void requireAllocated() {
        if (value == null) {
            throw new IllegalStateException("parameter " + name + " is not allocated yet (ParameterSet.allocate)");
        }
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
