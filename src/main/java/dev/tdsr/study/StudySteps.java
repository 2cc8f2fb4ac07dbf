package dev.tdsr.study;

import dev.tdsr.data.Image;
import dev.tdsr.report.DetectionBox;
import dev.tdsr.report.Method;
import dev.tdsr.report.MethodResult;
import java.nio.file.Path;
import java.util.List;

/**
 * The work a {@link Study} delegates: training (dev.tdsr.train) and evaluation (dev.tdsr.eval) are wired in here by
 * the caller, so the study logic is testable with fakes. Every call gets a fresh working folder of its own under the
 * study's output folder ({@code detector/}, {@code x4/sr/}, {@code x4/tdsr/}, ...).
 */
public interface StudySteps {
    /** Obtains the frozen detector D (trains it, or loads the configured weights). Called once, first. */
    Trained prepareDetector(StudyConfig config, Path dir) throws Exception;

    /** Obtains the pretrained S at {@code scale} (loads the configured weights, or pretrains with MSE). */
    Trained pretrainSr(StudyConfig config, int scale, Path dir) throws Exception;

    /**
     * Trains a fine-tuned row ({@link Method#SR_FT}, {@link Method#SR_FT_PLUS} or {@link Method#TDSR}) from the
     * pretrained S with {@code config.training().schedule(method)}.
     */
    Trained finetune(StudyConfig config, Method method, int scale, Trained pretrained, Path dir) throws Exception;

    /**
     * Trains the {@link Method#SRGAN} row's generator at {@code scale} with {@code config.srgan()} (MSE pretraining,
     * then content + adversarial through the frozen detector's VGG16 base). Steps that cannot train it say so.
     */
    default Trained trainSrgan(StudyConfig config, int scale, Path dir) throws Exception {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not train the SRGAN row");
    }

    /**
     * Evaluates one row on the test set: {@code sr} is null for HR, LR and Bicubic, the S to run otherwise. The
     * result's wall time is ignored (the study measures it). Samples are the first
     * {@code config.evaluation().figureImages()} test images, in test-set order, for the figure grids.
     */
    Evaluation evaluate(StudyConfig config, Method method, int scale, Trained sr, Path dir) throws Exception;

    /** A trained or loaded network: where it is and its metrics.jsonl (null when nothing was trained). */
    record Trained(Path modelDir, Path metricsJsonl) {}

    /** The numbers of one row and a few of its output images with detections. */
    record Evaluation(MethodResult result, List<FigureSample> samples) {
        public Evaluation {
            samples = samples == null ? List.of() : List.copyOf(samples);
        }
    }

    /**
     * One test image as a row saw it: the image D was given (HR, LR as it is, Bicubic or S's output), the detections in
     * that image's pixels, the image's PSNR against HR (null for HR itself).
     */
    record FigureSample(String imageId, Image image, List<DetectionBox> detections, Double psnr) {}
}
