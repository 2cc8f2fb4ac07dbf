package dev.tdsr.eval;

import dev.tdsr.data.Degradation;
import dev.tdsr.data.Image;
import dev.tdsr.data.SegmentationMask;
import dev.tdsr.data.VocSegmentationReader;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.SegmentationTaskNetwork;
import dev.tdsr.models.SrNetwork;
import dev.tdsr.models.TdsrObjective;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Segmentation's test bench: the first images of a VOC segmentation set with their masks and LR, scored by a
 * {@link SegmentationTaskNetwork} on the HR images or on S's output (mIoU, pixel accuracy, PSNR-Y of S). The
 * segmentation study and the trainer's periodic evaluation of segmentation runs share its {@link #upscale} and
 * {@link #segment}, as detection's study and runs share {@link TestBench}.
 */
public final class SegmentationBench {
    /** Images per forward pass. */
    static final int BATCH = 8;

    /** One test image: HR, its LR and its mask. */
    public record Item(String id, Image hr, Image lr, SegmentationMask mask) {}

    /** A row's score: mIoU and pixel accuracy over all test pixels, PSNR-Y of S's output (null on HR). */
    public record Score(double meanIou, double pixelAccuracy, Double psnrY) {}

    private final List<Item> items;
    private final int scale;

    private SegmentationBench(List<Item> items, int scale) {
        this.items = items;
        this.scale = scale;
    }

    /**
     * The first {@code maxImages} (0 = all) of set {@code split} under {@code root}, each of {@code side} x
     * {@code side} pixels (others are refused: masks are not resampled for testing), LR by {@code degradation}.
     */
    public static SegmentationBench open(Path root, String split, int maxImages, int classes, int side,
            Degradation degradation) throws IOException {
        VocSegmentationReader.Set set = VocSegmentationReader.read(root, split);
        if (set.classes() != classes) {
            throw new IllegalArgumentException(root + ": classes.txt has " + (set.classes() - 1) + " classes; the "
                    + "segmentation network has " + (classes - 1) + " (plus background)");
        }
        List<Item> items = new ArrayList<>();
        for (VocSegmentationReader.Item it : set.items()) {
            if (maxImages > 0 && items.size() == maxImages) {
                break;
            }
            VocSegmentationReader.Loaded l = VocSegmentationReader.load(it, classes);
            if (l.image().width() != side || l.image().height() != side) {
                throw new IllegalArgumentException(it.image() + ": " + l.image().width() + "x" + l.image().height()
                        + "; expected " + side + "x" + side + " (the run's HR side, hrSize)");
            }
            items.add(new Item(it.id(), l.image(), degradation.apply(l.image(), null), l.mask()));
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("evaluation: " + root + " segmentation set " + split + " has no images");
        }
        return new SegmentationBench(List.copyOf(items), degradation.scale());
    }

    public List<Item> items() {
        return items;
    }

    /** The network on the HR images ({@code sr} null) or on S's output of their LR. */
    public Score score(SrNetwork sr, SegmentationTaskNetwork net) {
        int side = items.get(0).hr().width();
        int classes = net.fcn().config().classes();
        SegmentationMetrics all = new SegmentationMetrics(classes);
        double psnr = 0;
        for (int i = 0; i < items.size(); i += BATCH) {
            List<Item> batch = items.subList(i, Math.min(items.size(), i + BATCH));
            try (Scope sc = Scope.open()) {
                List<Image> inputs = sr == null ? batch.stream().map(Item::hr).toList()
                        : upscale(sr, batch.stream().map(Item::lr).toList(), side);
                List<SegmentationMetrics> per = segment(net, inputs, batch.stream().map(Item::mask).toList());
                per.forEach(m -> all.add(m, 1));
                if (sr != null) {
                    for (int k = 0; k < batch.size(); k++) {
                        psnr += ImageQuality.psnr(inputs.get(k).data(), batch.get(k).hr().data(), side, side, scale,
                                ImageQuality.Channel.Y);
                    }
                }
            }
        }
        return new Score(all.meanIou(), all.pixelAccuracy(), sr == null ? null : psnr / items.size());
    }

    /** S's outputs of LR images, cut to {@code side} x {@code side} and clamped to [0,1] as test images are. */
    public static List<Image> upscale(SrNetwork net, List<Image> lrs, int side) {
        Tensor y = TdsrObjective.cropTo(net.forward(stack(net.parameters().slab().backend(), lrs)), side, side);
        float[] v = y.toFloatArray();
        List<Image> out = new ArrayList<>();
        int per = 3 * side * side;
        for (int k = 0; k < lrs.size(); k++) {
            float[] im = new float[per];
            for (int i = 0; i < per; i++) {
                im[i] = Math.min(1f, Math.max(0f, v[k * per + i]));
            }
            out.add(new Image(side, side, im));
        }
        return out;
    }

    /** The network's per-pixel argmax of each input against its mask, one metrics object per image. */
    public static List<SegmentationMetrics> segment(SegmentationTaskNetwork net, List<Image> inputs,
            List<SegmentationMask> masks) {
        int classes = net.fcn().config().classes();
        float[] logits = net.forward(stack(net.parameters().slab().backend(), inputs)).get(0).toFloatArray();
        int side = inputs.get(0).width();
        int plane = side * side;
        List<SegmentationMetrics> out = new ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) {
            int[] pred = new int[plane];
            int[] truth = new int[plane];
            for (int p = 0; p < plane; p++) {
                int best = 0;
                float bestV = logits[(k * classes) * plane + p];
                for (int c = 1; c < classes; c++) {
                    float v = logits[(k * classes + c) * plane + p];
                    if (v > bestV) {
                        bestV = v;
                        best = c;
                    }
                }
                pred[p] = best;
                truth[p] = masks.get(k).labels()[p] & 0xff;
            }
            SegmentationMetrics m = new SegmentationMetrics(classes);
            m.add(truth, pred);
            out.add(m);
        }
        return out;
    }

    /** Images of one size as an [N,3,H,W] tensor. */
    public static Tensor stack(Backend backend, List<Image> images) {
        int w = images.get(0).width();
        int h = images.get(0).height();
        int per = 3 * w * h;
        float[] v = new float[images.size() * per];
        for (int k = 0; k < images.size(); k++) {
            System.arraycopy(images.get(k).data(), 0, v, k * per, per);
        }
        return backend.allocate(DType.F32, images.size(), 3, h, w).write(v);
    }
}
