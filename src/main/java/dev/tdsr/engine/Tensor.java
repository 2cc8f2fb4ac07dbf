package dev.tdsr.engine;

import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.Pointer;

/**
 * A dense tensor owned by a {@link Backend} (NCHW for images). It is a handle: the elements live in native (or
 * device) memory and every op is one backend call on whole tensors.
 *
 * <p>Lifetime is explicit: {@link #close()} frees the memory at once and is idempotent. A tensor created while a
 * {@link Scope} is open belongs to that scope and is freed when the scope closes, unless {@link #keep() kept}. A
 * {@link Cleaner} frees tensors that were never closed and logs a leak warning, as a safety net only.
 */
public final class Tensor implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final System.Logger LOG = System.getLogger(Tensor.class.getName());

    private final Backend backend;
    private final DType dtype;
    private final long[] shape;
    private final long numel;
    private final Pointer handle;
    private final Release release;
    private final Cleaner.Cleanable cleanable;
    Scope owner;

    /** Frees the native handle once, from close() or from the Cleaner (then as a leak). */
    private static final class Release implements Runnable {
        private final AtomicBoolean done = new AtomicBoolean();
        private final Runnable free;
        private final String what;
        private volatile boolean explicit;

        Release(Runnable free, String what) {
            this.free = free;
            this.what = what;
        }

        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                if (!explicit) {
                    LOG.log(System.Logger.Level.WARNING, "tensor " + what + " was never closed; freed by the GC");
                }
                free.run();
            }
        }
    }

    Tensor(Backend backend, DType dtype, long[] shape, Pointer handle, Runnable free) {
        this.backend = backend;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.numel = numelOf(shape);
        this.handle = handle;
        this.release = new Release(free, dtype + Arrays.toString(shape));
        this.cleanable = CLEANER.register(this, release);
        Scope.adopt(this);
    }

    static long numelOf(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public Backend backend() {
        return backend;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int ndim() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public long numel() {
        return numel;
    }

    public boolean isClosed() {
        return release.done.get();
    }

    /** The backend's native handle; for backends only. */
    public Pointer handle() {
        if (isClosed()) {
            throw new IllegalStateException("tensor " + this + " is closed");
        }
        return handle;
    }

    /** Takes this tensor out of its scope: the caller (or the enclosing scope) now owns it. */
    public Tensor keep() {
        Scope.release(this);
        return this;
    }

    @Override
    public void close() {
        release.explicit = true;
        Scope.forget(this);
        cleanable.clean();
    }

    // ---- data in and out (one native call each) ----

    public Tensor write(float[] values) {
        backend.write(this, values);
        return this;
    }

    public Tensor write(double[] values) {
        backend.write(this, values);
        return this;
    }

    public Tensor write(int[] values) {
        backend.write(this, values);
        return this;
    }

    public float[] toFloatArray() {
        return backend.readFloats(this);
    }

    public double[] toDoubleArray() {
        return backend.readDoubles(this);
    }

    public int[] toIntArray() {
        return backend.readInts(this);
    }

    public Tensor fill(double value) {
        backend.fill(this, value);
        return this;
    }

    /** A tensor sharing this one's memory: {@code count(shape)} elements from element {@code offset}. */
    public Tensor view(long offset, long... newShape) {
        return backend.view(this, offset, newShape);
    }

    /** The same elements with another shape (a view). */
    public Tensor reshape(long... newShape) {
        if (numelOf(newShape) != numel) {
            throw new InvalidTensorArgumentException(
                    "reshape: " + Arrays.toString(shape) + " has " + numel + " elements, " + Arrays.toString(newShape)
                            + " would have " + numelOf(newShape));
        }
        return view(0, newShape);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape) + "@" + backend.name();
    }
}
