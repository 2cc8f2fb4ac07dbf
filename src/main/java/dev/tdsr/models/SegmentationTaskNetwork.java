package dev.tdsr.models;

import dev.tdsr.data.SegmentationMask;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The FCN with pixel cross-entropy as a {@link TaskNetwork}: the segmentation task of issue 16. Targets are one
 * {@link SegmentationMask} per image, of the images' size (255 ignored). The loss has one part, {@code ce} (mean over
 * labelled pixels). Feature taps are the encoder's ReLU outputs {@code conv2} (full size), {@code conv3} (after the
 * first pool, H/2) and {@code conv4} (H/4). Trainable for the FCN's own training, frozen for TDSR; this wraps the
 * {@link Fcn}, and {@link #close} frees it.
 */
public final class SegmentationTaskNetwork implements TaskNetwork<List<SegmentationMask>> {
    /** Tap name -> index in {@link Fcn#encoderLayers()} of the ReLU whose output it is. */
    private static final Map<String, Integer> TAPS = new LinkedHashMap<>();

    static {
        TAPS.put("conv2", 3);
        TAPS.put("conv3", 6);
        TAPS.put("conv4", 9);
    }

    private final Fcn fcn;
    private final List<String> classNames;
    private List<String> lastTaps = List.of();

    /** {@code classNames}: background first, one per class of the FCN. */
    public SegmentationTaskNetwork(Fcn fcn, List<String> classNames) {
        if (classNames.size() != fcn.config().classes()) {
            throw new IllegalArgumentException("segmentation task: " + classNames.size() + " class names for an FCN of "
                    + fcn.config().classes() + " classes");
        }
        this.fcn = fcn;
        this.classNames = List.copyOf(classNames);
    }

    public Fcn fcn() {
        return fcn;
    }

    public List<String> classNames() {
        return classNames;
    }

    @Override
    public String kind() {
        return "segmentation";
    }

    @Override
    public List<Tensor> forward(Tensor images) {
        return List.of(fcn.forward(images));
    }

    /** The masks as the loss's device targets (row order image, y, x). */
    public PixelCrossEntropy.Targets targets(Tensor images, List<SegmentationMask> masks) {
        int n = (int) images.dim(0);
        int h = (int) images.dim(2);
        int w = (int) images.dim(3);
        if (masks.size() != n) {
            throw new IllegalArgumentException("segmentation task: " + masks.size() + " masks for " + n + " images");
        }
        int[] labels = new int[n * h * w];
        for (int k = 0; k < n; k++) {
            SegmentationMask m = masks.get(k);
            if (m.width() != w || m.height() != h) {
                throw new IllegalArgumentException("segmentation task: mask " + k + " is " + m.width() + "x"
                        + m.height() + ", its image " + w + "x" + h);
            }
            byte[] l = m.labels();
            for (int i = 0; i < l.length; i++) {
                labels[k * h * w + i] = l[i] & 0xff;
            }
        }
        return PixelCrossEntropy.targets(images.backend(), images.dtype(), labels, n, fcn.config().classes(), h, w);
    }

    @Override
    public TaskLoss loss(Tensor images, List<SegmentationMask> masks) {
        return of(PixelCrossEntropy.value(fcn.forward(images), targets(images, masks)));
    }

    @Override
    public Gradient lossGradient(Tensor images, List<SegmentationMask> masks, double weight) {
        Tensor logits = fcn.forward(images);
        PixelCrossEntropy.Targets t = targets(images, masks);
        double ce = PixelCrossEntropy.value(logits, t);
        return new Gradient(of(ce), fcn.backward(PixelCrossEntropy.backward(logits, t, weight)));
    }

    private static TaskLoss of(double ce) {
        return new TaskLoss(ce, Map.of("ce", ce));
    }

    @Override
    public List<String> featureTaps() {
        return List.copyOf(TAPS.keySet());
    }

    @Override
    public Map<String, Tensor> features(Tensor images, List<String> taps) {
        int deepest = -1;
        for (String t : taps) {
            Integer i = TAPS.get(t);
            if (i == null) {
                throw new IllegalArgumentException("segmentation task: no feature tap '" + t + "'; have "
                        + TAPS.keySet());
            }
            deepest = Math.max(deepest, i);
        }
        List<Layer> layers = fcn.encoderLayers();
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor x = images;
        for (int i = 0; i <= deepest; i++) {
            x = layers.get(i).forward(x);
            for (String t : taps) {
                if (TAPS.get(t) == i) {
                    out.put(t, x);
                }
            }
        }
        lastTaps = List.copyOf(taps);
        return out;
    }

    @Override
    public Tensor featuresBackward(Map<String, Tensor> dFeatures) {
        int deepest = lastTaps.stream().mapToInt(TAPS::get).max()
                .orElseThrow(() -> new IllegalStateException("segmentation task: featuresBackward before features"));
        List<Layer> layers = fcn.encoderLayers();
        Tensor d = null;
        for (int i = deepest; i >= 0; i--) {
            for (Map.Entry<String, Tensor> e : dFeatures.entrySet()) {
                if (TAPS.get(e.getKey()) == i) {
                    if (!lastTaps.contains(e.getKey())) {
                        throw new IllegalArgumentException("segmentation task: gradient for tap '" + e.getKey()
                                + "' that the last features() call did not compute");
                    }
                    if (d == null) {
                        d = e.getValue().backend().allocate(e.getValue().dtype(), e.getValue().shape()).fill(0);
                    }
                    d.backend().axpy(1, e.getValue(), d);
                }
            }
            if (d == null) {
                continue; // nothing flows yet below the deepest tap with a gradient
            }
            d = layers.get(i).backward(d);
        }
        if (d == null) {
            throw new IllegalArgumentException("segmentation task: featuresBackward without any tap gradient");
        }
        return d;
    }

    @Override
    public ParameterSet parameters() {
        return fcn.parameters();
    }

    @Override
    public void save(Path dir) throws IOException {
        ModelFiles.save(dir, fcn, classNames);
    }

    /** A task network of an FCN model folder ({@link ModelFiles#loadTaskNetwork} uses it for kind "fcn"). */
    public static SegmentationTaskNetwork load(Path dir, dev.tdsr.engine.Backend backend) throws IOException {
        ModelFiles.LoadedFcn l = ModelFiles.loadFcn(dir, backend);
        return new SegmentationTaskNetwork(l.model(), l.classNames());
    }

    /** A fresh, trainable network of {@code config}. */
    public static SegmentationTaskNetwork create(FcnConfig config, List<String> classNames,
            dev.tdsr.engine.Backend backend, long seed) {
        return new SegmentationTaskNetwork(new Fcn(config, backend, DType.F32, seed), classNames);
    }

    @Override
    public void close() {
        fcn.close();
    }
}
