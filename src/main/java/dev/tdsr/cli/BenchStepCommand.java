package dev.tdsr.cli;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.CudaBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Engine;
import dev.tdsr.engine.NativeBackend;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.GroundTruth;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdConfig;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.train.CapturedStep;
import dev.tdsr.train.Optimizer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench-step}: seconds per full-size TDSR training step (D-DBPN of the paper + frozen SSD300-VGG16, random
 * weights, one batch of constant images with two boxes each) on the chosen device, after warm-up steps. The step is
 * the one the trainer runs (S forward + backward with parameter gradients, D forward + input gradient,
 * MultiBoxLoss); reading its loss back ends each step, so GPU timings include all queued work.
 */
@Command(name = "bench-step", mixinStandardHelpOptions = true,
        description = "Time full-size TDSR training steps (D-DBPN + frozen SSD300) on the chosen device.")
public final class BenchStepCommand implements Callable<Integer> {
    @Mixin
    DeviceOptions deviceOptions;

    @Option(names = "--scale", defaultValue = "4", description = "4 or 8 (default: ${DEFAULT-VALUE})")
    int scale;

    @Option(names = "--batch", defaultValue = "1", description = "images per step (the paper: 6; default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--steps", defaultValue = "3", description = "timed steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed steps first (default: ${DEFAULT-VALUE})")
    int warmup;

    /** What one timed repetition runs: benchmarks/side-by-side.sh times the same parts in PyTorch. */
    enum Part { step, sr_forward, detector_forward }

    @Option(names = "--part", defaultValue = "step", converter = PartConverter.class,
            description = "step | sr-forward (D-DBPN forward only) | detector-forward (SSD300 forward of a 300x300 "
                    + "batch only) (default: ${DEFAULT-VALUE})")
    Part part;

    @Option(names = "--size", defaultValue = "full", description = "full (the paper's D-DBPN and SSD300) or small "
            + "(the built-in study's: D-DBPN base 8, feat 32, T 2 with the bicubic residual; SSD width 1/8, 7 classes) "
            + "(default: ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--adam", description = "end each step with an Adam update of the SR parameters")
    boolean adam;

    @Option(names = "--cuda-graph", description = "the trainer's --cuda-graph step (with its guarded Adam update): "
            + "the first warm-up step captures it, later steps replay it (GPU only; --part step)")
    boolean cudaGraph;

    static final class PartConverter implements CommandLine.ITypeConverter<Part> {
        @Override
        public Part convert(String value) {
            try {
                return Part.valueOf(value.replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected step, sr-forward or detector-forward, got '"
                        + value + "'");
            }
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (scale != 4 && scale != 8) {
            throw new IllegalArgumentException("--scale must be 4 or 8, got " + scale);
        }
        if (batch < 1 || steps < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batch and --steps must be >= 1 and --warmup >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        Backend backend = deviceOptions.choose().backend();
        if (cudaGraph && (!(backend instanceof CudaBackend) || part != Part.step || warmup < 1)) {
            throw new IllegalArgumentException("--cuda-graph times the captured training step on a GPU: needs --device "
                    + "cuda (got " + backend.name() + "), --part step and --warmup >= 1 (the eager step that captures)");
        }
        int lrSize = (300 + scale - 1) / scale;
        List<GroundTruth> boxes = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            boxes.add(new GroundTruth(new double[] {0.1, 0.1, 0.5, 0.6, 0.4, 0.3, 0.9, 0.95}, new int[] {3, 5}));
        }
        boolean small = switch (size) {
            case "small" -> true;
            case "full" -> false;
            default -> throw new IllegalArgumentException("--size: expected small or full, got '" + size + "'");
        };
        int classes = small ? 7 : 21; // the boxes' labels 3 and 5 fit both
        try (Dbpn sr = new Dbpn(small ? DbpnConfig.small(scale) : DbpnConfig.original(scale), backend, DType.F32, 1);
                Ssd detector = new Ssd(small ? SsdConfig.small(classes) : SsdConfig.voc(), backend, DType.F32, 2);
                Tensor lr = backend.allocate(batch, 3, lrSize, lrSize).fill(0.5);
                Tensor hr = backend.allocate(batch, 3, 300, 300).fill(0.5)) {
            TdsrObjective<java.util.List<dev.tdsr.models.GroundTruth>> objective = new TdsrObjective<>(sr,
                    new dev.tdsr.models.SsdTaskNetwork(detector), 1, 0.01);
            Optimizer optimizer = adam || cudaGraph ? new Optimizer(sr.parameters(), Optimizer.Settings.adam()) : null;
            CapturedStep captured = cudaGraph ? CapturedStep.onGpu(sr, new dev.tdsr.models.SsdTaskNetwork(detector),
                    optimizer, batch, lrSize, lrSize, 300) : null;
            double[] seconds = new double[steps];
            for (int i = -warmup; i < steps; i++) {
                long t0 = System.nanoTime();
                try (Scope s = Scope.open()) {
                    switch (part) {
                        case step -> {
                            if (captured != null) { // zeroes, steps and reads the loss itself
                                captured.run(lr, hr, boxes, 1, 0.01, 1e-4);
                            } else {
                                sr.parameters().zeroGrad();
                                objective.step(lr, hr, boxes).total();
                                if (optimizer != null) {
                                    optimizer.step(1e-4);
                                }
                            }
                        }
                        case sr_forward -> sr.forward(lr);
                        case detector_forward -> detector.forward(hr);
                    }
                }
                if (backend instanceof CudaBackend gpu) {
                    gpu.synchronize();
                }
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - t0) / 1e9;
                }
            }
            double mean = 0;
            for (double s : seconds) {
                mean += s / steps;
            }
            String memory = backend instanceof NativeBackend n ? n.memoryStats() : "";
            if (captured != null) {
                captured.close();
            }
            if (optimizer != null) {
                optimizer.close();
            }
            out.printf(Locale.ROOT, "bench-step %s %s %s%s scale %d batch %d threads %d: %.3f s/step (mean of %d after %d warm-up; "
                    + "fastest %.3f s); %s%n", backend.name(), size, part.name().replace('_', '-'),
                    cudaGraph ? "+adam+graph" : adam ? "+adam" : "", scale,
                    batch, Engine.threads(), mean, steps, warmup,
                    java.util.Arrays.stream(seconds).min().orElse(mean), memory);
        }
        out.flush();
        return 0;
    }
}
