package dev.tdsr.train;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.WeightFormatException;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.nn.ParameterSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Adam (bias-corrected, torch.optim.Adam's formula) or SGD with momentum over a {@link ParameterSet}'s slab: one
 * native call per step. The state (Adam's m and v, or SGD's momentum buffer, plus the step count) lives in slabs of
 * the same size and is saved and restored exactly by {@link #state()} / {@link #load}.
 *
 * <p>{@link #guardedStep} is the NaN guard without a host read before the update: a device flag (finite gradient
 * slab) that the update kernel reads, so a non-finite gradient leaves parameters and state untouched; {@link
 * #lastStepTaken} reads the flag afterwards (the one host read, with the losses).
 */
public final class Optimizer implements AutoCloseable {
    /** Which update rule. */
    public enum Kind {
        ADAM,
        SGD;

        public static Kind parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("optimizer: expected adam or sgd, got '" + s + "'");
            }
        }
    }

    /**
     * Hyper-parameters; {@code momentum} is SGD's momentum or Adam's beta1 (the paper's "momentum 0.9").
     */
    public record Settings(Kind kind, double momentum, double beta2, double eps, double weightDecay) {
        public static Settings adam() {
            return new Settings(Kind.ADAM, 0.9, 0.999, 1e-8, 0);
        }
    }

    private final ParameterSet params;
    private final Settings settings;
    private final Tensor first;  // Adam m, SGD momentum buffer
    private final Tensor second; // Adam v, null for SGD
    private final Tensor proceed; // [1]: 1 while the gradient slab of the guarded step is finite
    private final Tensor hyper;   // F64 {lr, t} of the guarded step, read on the device
    private long steps;

    public Optimizer(ParameterSet params, Settings settings) {
        this.params = params;
        this.settings = settings;
        Tensor slab = params.slab();
        this.first = slab.backend().allocate(slab.dtype(), slab.numel()).keep().fill(0);
        this.second = settings.kind() == Kind.ADAM
                ? slab.backend().allocate(slab.dtype(), slab.numel()).keep().fill(0) : null;
        this.proceed = slab.backend().allocate(slab.dtype(), 1).keep().fill(1);
        this.hyper = slab.backend().allocate(DType.F64, 2).keep();
    }

    public Settings settings() {
        return settings;
    }

    /** Updates taken so far (Adam's t of the last update). */
    public long steps() {
        return steps;
    }

    /** One update of every parameter from the gradient slab. */
    public void step(double lr) {
        steps++;
        update(lr, null, null);
    }

    /**
     * One update that the device skips when the gradient slab holds a NaN or an infinity; nothing is read to the host
     * (see {@link #lastStepTaken}). lr and the step number reach the kernel through a device tensor, as a captured
     * CUDA graph needs.
     */
    public void guardedStep(double lr) {
        prepareDeviceStep(lr);
        deviceStep();
    }

    /**
     * The host half of {@link #guardedStep}: counts the step and writes lr and t to the device tensor the update
     * reads. A captured step ({@link CapturedStep}) calls it before each replay of {@link #deviceStep}.
     */
    void prepareDeviceStep(double lr) {
        steps++;
        hyper.write(new double[] {lr, steps});
    }

    /**
     * The device half of {@link #guardedStep}: the finite-gradient flag and the update that reads it and the lr and t
     * of {@link #prepareDeviceStep}. No host value enters it, so a CUDA graph can capture it.
     */
    void deviceStep() {
        Tensor g = params.gradSlab();
        g.backend().fill(proceed, 1);
        g.backend().finiteFlag(g, proceed);
        update(Double.NaN, proceed, hyper); // lr and t come from hyper
    }

    /** The flag [1] of the last {@link #deviceStep}: 1 when it updated, 0 when the gradient was not finite. */
    Tensor proceedFlag() {
        return proceed;
    }

    /** Records that the last {@link #deviceStep} did not update (its flag, read elsewhere, was 0). */
    void stepSkipped() {
        steps--;
    }

    /**
     * Whether the last {@link #guardedStep} updated (its gradient was finite); reads the flag to the host. When it did
     * not, the step count goes back, so {@link #steps()} counts only updates taken.
     */
    public boolean lastStepTaken() {
        if (HostDoubles.read(proceed)[0] != 0) {
            return true;
        }
        stepSkipped();
        return false;
    }

    private void update(double lr, Tensor flag, Tensor deviceHyper) {
        Tensor p = params.slab();
        Tensor g = params.gradSlab();
        if (settings.kind() == Kind.ADAM) {
            p.backend().adamStep(p, g, first, second, flag, deviceHyper, steps, lr, settings.momentum(),
                    settings.beta2(), settings.eps(), settings.weightDecay());
        } else {
            p.backend().sgdStep(p, g, first, flag, deviceHyper, lr, settings.momentum(), settings.weightDecay());
        }
    }

    /** The state as named arrays (m, v or momentum, in the slab's dtype) and the step count. */
    public Map<String, HostArray> state() {
        Map<String, HostArray> s = new LinkedHashMap<>();
        if (settings.kind() == Kind.ADAM) {
            s.put("m", host(first));
            s.put("v", host(second));
        } else {
            s.put("momentum", host(first));
        }
        return s;
    }

    /** Restores what {@link #state()} returned, with the step count; {@code source} names the file in errors. */
    public void load(Map<String, HostArray> state, long stepCount, String source) throws WeightFormatException {
        for (Map.Entry<String, Tensor> e : slots().entrySet()) {
            HostArray a = state.get(e.getKey());
            if (a == null || a.numel() != e.getValue().numel()) {
                throw new WeightFormatException(source + ": optimizer state '" + e.getKey() + "' "
                        + (a == null ? "is missing" : "has " + a.numel() + " values")
                        + "; expected " + e.getValue().numel() + " for a " + settings.kind() + " optimizer");
            }
            if (e.getValue().dtype() == DType.F64) {
                e.getValue().write(a.toDoubleArray());
            } else {
                e.getValue().write(a.toFloatArray());
            }
        }
        this.steps = stepCount;
    }

    private Map<String, Tensor> slots() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        if (settings.kind() == Kind.ADAM) {
            m.put("m", first);
            m.put("v", second);
        } else {
            m.put("momentum", first);
        }
        return m;
    }

    static HostArray host(Tensor t) {
        return t.dtype() == DType.F64 ? HostArray.of(t.toDoubleArray(), t.shape())
                : HostArray.of(t.toFloatArray(), t.shape());
    }

    /** Writes {@link #state()} with its kind and step count to {@code file} (a checkpoint's optimizer file). */
    void write(java.nio.file.Path file) throws java.io.IOException {
        dev.tdsr.io.Safetensors.write(file, state(), Map.of("kind", settings.kind().name(), "steps",
                Long.toString(steps())));
    }

    /** Loads a file of {@link #write}; a state of another optimizer kind is refused naming the file. */
    void read(java.nio.file.Path file) throws java.io.IOException {
        dev.tdsr.io.Safetensors.Contents opt = dev.tdsr.io.Safetensors.load(file);
        String kind = opt.metadata().get("kind");
        if (!settings.kind().name().equals(kind)) {
            throw new WeightFormatException(file + ": optimizer state of kind " + kind + ", but the run uses "
                    + settings.kind());
        }
        load(opt.tensors(), Long.parseLong(opt.metadata().get("steps")), file.toString());
    }

    @Override
    public void close() {
        proceed.close();
        hyper.close();
        first.close();
        if (second != null) {
            second.close();
        }
    }
}
