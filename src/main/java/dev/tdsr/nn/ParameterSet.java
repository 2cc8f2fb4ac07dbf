package dev.tdsr.nn;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * All parameters of one model in ONE value slab and ONE gradient slab, each parameter a view into both, so an
 * optimizer step is one native call over the slab. Layers {@link #declare} their parameters while the model is built
 * (in PyTorch registration order, which is also the slab order); {@link #allocate} then creates the slabs and
 * initialises every parameter, in that order, from one seeded generator.
 */
public final class ParameterSet implements AutoCloseable {
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private long count;
    private Tensor slab;
    private Tensor gradSlab;
    private boolean requiresGrad = true;

    public Parameter declare(String name, Init init, long... shape) {
        if (slab != null) {
            throw new IllegalStateException("parameter " + name + " declared after allocation");
        }
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter name " + name);
        }
        Parameter p = new Parameter(this, name, shape, count, init);
        byName.put(name, p);
        count += p.numel();
        return p;
    }

    /** Creates the slabs (gradients zeroed) and initialises the parameters from {@code seed}. */
    public ParameterSet allocate(Backend backend, DType dtype, long seed) {
        if (slab != null) {
            throw new IllegalStateException("parameters already allocated");
        }
        slab = backend.allocate(dtype, count).keep();
        gradSlab = backend.allocate(dtype, count).keep().fill(0);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Parameter p : byName.values()) {
            p.value = slab.view(p.offset(), p.shape()).keep();
            p.grad = gradSlab.view(p.offset(), p.shape()).keep();
            double[] v = new double[Math.toIntExact(p.numel())];
            p.init.fill(v, p.shape(), rnd);
            HostDoubles.write(p.value, v);
        }
        return this;
    }

    /** Total number of scalars (known before allocation). */
    public long count() {
        return count;
    }

    public List<Parameter> list() {
        return Collections.unmodifiableList(new ArrayList<>(byName.values()));
    }

    public Parameter get(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named " + name);
        }
        return p;
    }

    public Tensor slab() {
        return requireAllocated(slab);
    }

    public Tensor gradSlab() {
        return requireAllocated(gradSlab);
    }

    public void zeroGrad() {
        gradSlab().fill(0);
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** false freezes the model: backward passes compute input gradients only and never touch the gradient slab. */
    public void setRequiresGrad(boolean requiresGrad) {
        this.requiresGrad = requiresGrad;
    }

    private static Tensor requireAllocated(Tensor t) {
        if (t == null) {
            throw new IllegalStateException("parameters are not allocated yet (ParameterSet.allocate)");
        }
        return t;
    }

    @Override
    public void close() {
        for (Parameter p : byName.values()) {
            if (p.value != null) {
                p.value.close();
                p.grad.close();
            }
        }
        if (slab != null) {
            slab.close();
            gradSlab.close();
        }
    }
}
