package dev.tdsr.api;

import dev.tdsr.data.Bicubic;
import dev.tdsr.data.Image;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.models.TaskNetwork;
import java.awt.image.BufferedImage;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;

/**
 * Task-driven recognition with any task network: optional super-resolution (D-DBPN), then a {@link TaskNetwork}
 * loaded from its model folder by the kind its model.json names (SSD300, the segmentation FCN, or one registered with
 * {@link ModelFiles#registerTaskNetwork}); returns the network's raw outputs (detection: loc [1,P,4] and conf
 * [1,P,C]; segmentation: logits [1,C,H,W]). {@link TaskDrivenDetector} is its detection case with decoding.
 *
 * <p><b>Geometry.</b> The (super-resolved) image is resized bicubically, ignoring the aspect ratio, to the network's
 * square input when it has one (SSD: its {@code inputSize}; {@link Builder#optInputSize} sets one for any network);
 * a network without one (the FCN) reads the image at its own size.
 *
 * <p><b>Threads and resources</b> as {@link SuperResolver}: safe from many threads ({@code optReplicas} copies compute at
 * once), {@link #close()} frees the native weights (idempotent).
 */
public final class TaskDrivenPipeline implements AutoCloseable {
    /** One output tensor of the task network, on the host. */
    public record Output(long[] shape, float[] values) {}

    private final Backend backend;
    private final SuperResolver sr;
    private final Integer inputSize;
    private final String kind;
    private final ModelPool<TaskNetwork<?>> pool;
    private final TaskNetwork<?> first;

    /** {@code loader} reads the task network of a model path (the detection case reads an SSD with its checks). */
    TaskDrivenPipeline(ModelSource source, Backend backend, ModelSource.Loader<TaskNetwork<?>> loader,
            Integer inputSize, SuperResolver.Builder srBuilder, int replicas, String what) {
        this.backend = backend;
        TaskNetwork<?> net = source.load(loader);
        ModelPool<TaskNetwork<?>> nets = null;
        SuperResolver srModel = null;
        try {
            this.first = net;
            this.kind = net.kind();
            this.inputSize = inputSize != null ? inputSize
                    : net instanceof SsdTaskNetwork d ? Integer.valueOf(d.ssd().config().inputSize()) : null;
            // replicas: the same model read again (any kind of network can be), then its weights copied from the first
            nets = ModelPool.replicate(this, what + "(" + source + ")", net, replicas,
                    () -> source.load(loader), TaskNetwork::parameters, backend);
            if (srBuilder != null) {
                srModel = srBuilder.build(backend, replicas);
            }
            this.sr = srModel;
            this.pool = nets;
        } catch (RuntimeException e) {
            if (nets != null) {
                nets.close();
            } else {
                net.close();
            }
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The task network's kind ("detection", "segmentation", ...). */
    public String kind() {
        return kind;
    }

    /** The square side images are resized to before the network, or null (read at their own size). */
    public Integer inputSize() {
        return inputSize;
    }

    /** The first replica, for what the network records (class names, priors); not for computing. */
    TaskNetwork<?> network() {
        return first;
    }

    /** The task network's raw outputs for {@code image} (after SR and the resize, see the class comment). */
    public List<Output> run(BufferedImage image) {
        RgbPlanes p = RgbPlanes.of(image);
        return run(p.rgb(), p.width(), p.height());
    }

    /** As {@link #run(BufferedImage)} on planar RGB in [0,1] ({@code 3 x height x width}). */
    public List<Output> run(float[] chw, int width, int height) {
        return compute(chw, width, height, (net, outputs) -> {
            List<Output> out = new ArrayList<>();
            for (Tensor t : outputs) {
                out.add(new Output(t.shape(), t.toFloatArray()));
            }
            return List.copyOf(out);
        });
    }

    /** What a caller makes of the network's output tensors, inside the replica's scope (the detector decodes). */
    interface OnOutputs<R> {
        R apply(TaskNetwork<?> net, List<Tensor> outputs);
    }

    /** SR, the resize, the forward pass on a free replica, then {@code then} on its outputs. */
    <R> R compute(float[] chw, int width, int height, OnOutputs<R> then) {
        float[] rgb = chw;
        int w = width;
        int h = height;
        if (sr != null) {
            rgb = sr.upscale(rgb, w, h);
            w *= sr.scale();
            h *= sr.scale();
        }
        if (inputSize != null && (w != inputSize || h != inputSize)) {
            rgb = Bicubic.resize(new Image(w, h, rgb), inputSize, inputSize).data();
            w = inputSize;
            h = inputSize;
        }
        float[] input = rgb;
        int iw = w;
        int ih = h;
        try {
            return pool.apply(net -> EngineErrors.translating(() -> {
                try (Scope scope = Scope.open()) {
                    Tensor x = backend.allocate(DType.F32, 1, 3, ih, iw).write(input);
                    return then.apply(net, net.forward(x));
                }
            }));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Frees the task network's (and the owned SR network's) native weights; idempotent. */
    @Override
    public void close() {
        pool.close();
        if (sr != null) {
            sr.close();
        }
    }

    /** Settings: {@code setModel*} (the task network's model folder) required, {@code opt*} optional. */
    public static final class Builder extends ModelBuilder<Builder> {
        private SuperResolver.Builder srBuilder;
        private Integer inputSize;

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /** Super-resolve first, with a D-DBPN configured by {@code sr} (the pipeline owns and closes it). */
        public Builder optSuperResolution(SuperResolver.Builder sr) {
            this.srBuilder = sr;
            return this;
        }

        /** Resize every (super-resolved) image to {@code side} x {@code side} before the network. */
        public Builder optInputSize(int side) {
            if (side < 1) {
                throw new IllegalArgumentException("input size: expected a side >= 1 pixel, got " + side);
            }
            this.inputSize = side;
            return this;
        }

        public TaskDrivenPipeline build() {
            ModelSource source = source("TaskDrivenPipeline: no task network model given (setModel)");
            Backend backend = prepareEngine();
            return new TaskDrivenPipeline(source, backend, p -> ModelFiles.loadTaskNetwork(p, backend), inputSize,
                    srBuilder, replicas(), "TaskDrivenPipeline");
        }
    }
}
