package dev.tdsr.api;

import dev.tdsr.data.ClassList;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Detection;
import dev.tdsr.models.DetectionOutput;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdTaskNetwork;
import java.awt.image.BufferedImage;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;

/**
 * Task-driven detection: optional super-resolution (D-DBPN), then the SSD300 detector; the detection case of
 * {@link TaskDrivenPipeline} (which runs any task network), with SSD's decoding.
 *
 * <p><b>Geometry.</b> The (super-resolved) image is resized, bicubically and ignoring the aspect ratio, to the
 * detector's square input ({@code inputSize}, 300 for SSD300; skipped when it already has that size), as
 * ssd.pytorch's test transform does. The detector's boxes are fractions of that frame; since SR and the resize are
 * both scalings of the whole frame, multiplying by the ORIGINAL width and height gives boxes in original-image pixels.
 * SR output is passed on unclamped, as in TDSR training.
 *
 * <p><b>Decoding</b> is ssd.pytorch's: softmax, per-class score threshold ({@code optScoreThreshold}, default 0.01),
 * the 200 best per class, NMS at IoU 0.45, the 200 best per image.
 *
 * <p><b>Threads and resources</b> as {@link SuperResolver}: safe from many threads ({@code optReplicas} detectors
 * compute at once; results do not depend on concurrency), {@link #close()} frees the native weights (idempotent),
 * an unclosed instance is freed by a Cleaner with an SLF4J warning.
 */
public final class TaskDrivenDetector implements AutoCloseable {
    private final int inputSize;
    private final List<String> classNames;
    private final DetectionOutput decoder;
    /** SR, the resize to the detector's input and SSD's forward pass: the detection case of the generic pipeline. */
    private final TaskDrivenPipeline pipeline;

    private TaskDrivenDetector(Builder b, ModelSource source, Backend backend) {
        TaskDrivenPipeline p = new TaskDrivenPipeline(source, backend,
                path -> new SsdTaskNetwork(ModelFiles.loadSsd(path, backend, null)), null, b.srBuilder,
                b.replicas(), "TaskDrivenDetector");
        try {
            Ssd first = ((SsdTaskNetwork) p.network()).ssd();
            int classes = first.config().numClasses();
            List<String> recorded = first.classNames();
            List<String> names = b.classNames != null ? List.copyOf(b.classNames)
                    : recorded != null ? recorded : ClassList.VOC.names();
            if (names.size() != classes - 1) {
                throw new IllegalArgumentException(source + ": the detector has " + (classes - 1)
                        + " object classes (plus background) but " + names.size() + " class names were given"
                        + (b.classNames == null ? " (VOC's 20: the model records no class names)" : "")
                        + "; give " + (classes - 1) + " names: --classes a,b,... on the command line, optClassNames in"
                        + " the API");
            }
            this.classNames = names;
            this.inputSize = first.config().inputSize();
            this.decoder = new DetectionOutput(first.priors(), classes, b.scoreThreshold, 200, 0.45, 200);
            this.pipeline = p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The class names, index i = classId i+1. */
    public List<String> classNames() {
        return classNames;
    }

    /** The detector's square input side (pixels). */
    public int inputSize() {
        return inputSize;
    }

    /** Detections in original-image pixels, best score first. */
    public List<DetectedObject> detect(BufferedImage image) {
        return analyze(image).detections();
    }

    /** Detections plus the head outputs they were decoded from. */
    public Analysis analyze(BufferedImage image) {
        RgbPlanes p = RgbPlanes.of(image);
        try {
            return pipeline.compute(p.rgb(), p.width(), p.height(),
                    (net, out) -> decode(out.get(0), out.get(1), p.width(), p.height()));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private Analysis decode(Tensor loc, Tensor conf, int width, int height) {
        List<DetectedObject> found = new ArrayList<>();
        for (Detection d : decoder.detect(loc, conf, new double[] {width}, new double[] {height})) {
            found.add(new DetectedObject(d.classIndex(), classNames.get(d.classIndex() - 1), d.score(), d.x1(),
                    d.y1(), d.x2(), d.y2()));
        }
        int priors = (int) loc.dim(1);
        int classes = (int) conf.dim(2);
        return new Analysis(List.copyOf(found), priors, classes, loc.toFloatArray(), conf.toFloatArray());
    }

    /** Frees the detector's (and the owned SR network's) native weights; idempotent. */
    @Override
    public void close() {
        pipeline.close();
    }

    /**
     * Settings: {@code set*} are required (one detector model source), {@code opt*} optional; see
     * {@link ModelBuilder}.
     */
    public static final class Builder extends ModelBuilder<Builder> {
        private SuperResolver.Builder srBuilder;
        private double scoreThreshold = 0.01;
        private List<String> classNames;

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /**
         * Super-resolve before detecting, with a D-DBPN configured by {@code sr} (model, scale, tiles; the device,
         * threads and replicas are this builder's). The detector owns and closes it.
         */
        public Builder optSuperResolution(SuperResolver.Builder sr) {
            this.srBuilder = sr;
            return this;
        }

        /** Minimum class probability of a detection (default 0.01, ssd.pytorch's evaluation setting). */
        public Builder optScoreThreshold(double scoreThreshold) {
            if (!(scoreThreshold >= 0 && scoreThreshold < 1)) {
                throw new IllegalArgumentException("score threshold: expected 0 <= t < 1, got " + scoreThreshold);
            }
            this.scoreThreshold = scoreThreshold;
            return this;
        }

        /**
         * Names of classes 1..C-1 (default: those the model folder records in model.json's {@code classNames},
         * else VOC's 20 in the devkit's order).
         */
        public Builder optClassNames(List<String> classNames) {
            this.classNames = classNames;
            return this;
        }

        public TaskDrivenDetector build() {
            ModelSource source = source("TaskDrivenDetector: no detector model given (setModel)");
            return new TaskDrivenDetector(this, source, prepareEngine());
        }
    }
}
