package dev.tdsr.study;

import dev.tdsr.data.SyntheticDataset;
import dev.tdsr.eval.VocEvaluator;
import dev.tdsr.report.Method;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a study runs: the dataset, the detector D, the SR network S, the training schedules of the fine-tuned rows and
 * the evaluation. Read from JSON with snake_case keys by {@link ConfigLoader}; the shipped configs are
 * {@code configs/default.json} (small networks on synthetic data, CPU-sized placeholders), {@code configs/voc0712.json}
 * and {@code configs/coco.json} (the paper's runs). A string of the form {@code <...>} is a path the user must supply.
 *
 * @param name        config name, shown in the report
 * @param description one line on what the config is for
 * @param seed        seed of every random choice of the study
 * @param device      backend ("cpu", "cuda", "cuda:1")
 * @param scales      SR scales to run (2, 4 or 8), in order
 * @param methods     table rows to run, in order
 */
public record StudyConfig(String name, String description, long seed, String device, List<Integer> scales,
                          List<Method> methods, Dataset dataset, Detector detector, SuperResolution sr,
                          Srgan srgan, Sr4ir sr4ir, Training training, Evaluation evaluation) {
    /**
     * SR4IR's objectives of the SR4IR rows (on TDSR's schedule): SR4IR uses both ideas for S with the detector
     * frozen, SR4IR-TDP the perceptual loss only, SR4IR-Mix the patch mix only, SR4IR-Alt both plus alternating
     * updates of the detector at {@code taskLr} (null: the fine-tunings' lr). Optional (null) in a config without
     * those rows.
     *
     * @param perceptualWeight weight of the task-driven perceptual loss (mean smooth-L1 of the detector's features)
     * @param perceptualTaps   the detector's feature taps, comma-separated ("conv4_3,fc7")
     * @param patchMixGrid     the cross-quality patch mix's grid (4 = 4x4 patches)
     * @param taskLr           SR4IR-Alt's learning rate of the detector's updates (null: training.lr)
     */
    public record Sr4ir(double perceptualWeight, String perceptualTaps, int patchMixGrid, Double taskLr) {
        public Sr4ir {
            if (taskLr != null && (!(taskLr > 0) || Double.isInfinite(taskLr))) {
                throw new IllegalArgumentException("sr4ir.task_lr: expected a finite learning rate > 0 or null, got "
                        + taskLr);
            }
            if (!(perceptualWeight > 0) || Double.isInfinite(perceptualWeight)) {
                throw new IllegalArgumentException("sr4ir.perceptual_weight: expected a finite value > 0, got "
                        + perceptualWeight);
            }
            require(perceptualTaps, "sr4ir.perceptual_taps", "comma-separated feature taps like \"conv4_3,fc7\"");
            if (patchMixGrid < 1) {
                throw new IllegalArgumentException("sr4ir.patch_mix_grid: expected >= 1, got " + patchMixGrid);
            }
        }

        /** The perceptual weight of row {@code m} (0 for SR4IR-Mix). */
        public double perceptualWeight(Method m) {
            return m == Method.SR4IR_MIX ? 0 : perceptualWeight;
        }

        /** The patch mix grid of row {@code m} (0 for SR4IR-TDP). */
        public int patchMixGrid(Method m) {
            return m == Method.SR4IR_TDP ? 0 : patchMixGrid;
        }
    }

    /** Whether {@code m} is one of SR4IR's rows. */
    public static boolean isSr4ir(Method m) {
        return m == Method.SR4IR || m == Method.SR4IR_TDP || m == Method.SR4IR_MIX || m == Method.SR4IR_ALT;
    }

    /**
     * @param kind          "synthetic", "voc" or "coco"
     * @param trainRoot     dataset folder for training (VOCdevkit with VOC2007+VOC2012, COCO root); null for synthetic
     * @param trainSplit    "trainval" (VOC07+12), "train2017" (COCO)
     * @param testRoot      dataset folder for testing
     * @param testSplit     "test" (VOC2007 test), "val2017" (COCO)
     * @param syntheticImages images to generate (synthetic only; 1 in 5 is a test image)
     * @param syntheticClasses classes of the synthetic data (synthetic only)
     * @param syntheticSize side of the generated images (synthetic only)
     * @param maxTestImages evaluate on at most this many test images; 0 = all
     * @param lrDir         paired data: the folder holding {@code x<scale>/<HR stem>.png} for the training and test
     *                      images; every row that needs an LR (training S, LR, Bicubic, SR rows) reads these instead
     *                      of degrading the HR; null = bicubic degradation
     */
    public record Dataset(String kind, String trainRoot, String trainSplit, String testRoot, String testSplit,
                          int syntheticImages, int syntheticClasses, int syntheticSize, int maxTestImages,
                          String lrDir) {
        public Dataset {
            if (lrDir != null && lrDir.isBlank()) {
                throw new IllegalArgumentException("dataset.lr_dir: expected a folder with x<scale>/ LR images or "
                        + "null, got \"\"");
            }
            require(kind, "dataset.kind", "\"synthetic\", \"voc\" or \"coco\"");
            if (!List.of("synthetic", "voc", "coco").contains(kind)) {
                throw new IllegalArgumentException("dataset.kind: expected \"synthetic\", \"voc\" or \"coco\", got \""
                        + kind + "\"");
            }
            if (!kind.equals("synthetic")) {
                require(trainRoot, "dataset.train_root", "a dataset folder");
                require(testRoot, "dataset.test_root", "a dataset folder");
            } else if (syntheticImages < 5 || syntheticClasses < 1 || syntheticClasses > SyntheticDataset.MAX_CLASSES
                    || syntheticSize < 32 || syntheticSize > SyntheticDataset.MAX_SIZE) {
                throw new IllegalArgumentException("dataset.synthetic_images/synthetic_classes/synthetic_size: "
                        + "expected >= 5, 1.." + SyntheticDataset.MAX_CLASSES + " and 32.." + SyntheticDataset.MAX_SIZE
                        + ", got " + syntheticImages + ", " + syntheticClasses + ", " + syntheticSize);
            }
            nonNegative(maxTestImages, "dataset.max_test_images");
        }
    }

    /**
     * The frozen detector D (SSD300-VGG16).
     *
     * @param inputSize       square input side (300 in the paper)
     * @param width           channel multiplier (1 = the original)
     * @param numClasses      classes including background (21 VOC, 81 COCO)
     * @param priors          prior sizes "VOC" or "COCO"
     * @param weights         pretrained weights (.pth or our model folder); null = train D first
     * @param trainIterations iterations of D's own training when weights is null (placeholder in the default)
     * @param trainLr         D's SGD learning rate
     * @param trainBatch      D's batch size
     * @param trainLrWarmup   iterations of linear lr warm-up at the start of D's training (0 in ssd.pytorch)
     * @param trainAugment    SSD augmentation in D's training (true in ssd.pytorch); false = whole images only
     */
    public record Detector(int inputSize, double width, int numClasses, String priors, String weights,
                           int trainIterations, double trainLr, int trainBatch, int trainLrWarmup,
                           boolean trainAugment) {
        public Detector {
            if (inputSize < 1 || width <= 0 || width > 1 || numClasses < 2) {
                throw new IllegalArgumentException("detector.input_size/width/num_classes: expected > 0, (0, 1] and "
                        + ">= 2, got " + inputSize + ", " + width + ", " + numClasses);
            }
            if (!"VOC".equals(priors) && !"COCO".equals(priors)) {
                throw new IllegalArgumentException("detector.priors: expected \"VOC\" or \"COCO\", got " + priors);
            }
            if (weights == null && (trainIterations < 1 || trainBatch < 1)) {
                throw new IllegalArgumentException("detector.train_iterations/train_batch: expected >= 1 when "
                        + "detector.weights is null (the detector must be trained), got " + trainIterations + ", "
                        + trainBatch);
            }
            nonNegative(trainLrWarmup, "detector.train_lr_warmup");
            nonNegative(trainIterations, "detector.train_iterations");
            if (!(trainLr > 0) || Double.isInfinite(trainLr)) {
                throw new IllegalArgumentException("detector.train_lr: expected a finite value > 0, got " + trainLr);
            }
        }
    }

    /**
     * The SR network S (D-DBPN).
     *
     * @param base               channels between projection units (64 in the original)
     * @param feat               channels of the first feature layer (256)
     * @param stages             back-projection stages T (7)
     * @param residual           add the bicubic upscaling of the input to S's output (false for DBPN_x*.pth)
     * @param weights            scale ("4", "8") -> pretrained weights (DBPN_x4.pth, ...); null or a missing scale =
     *                           pretrain S on the training images first
     * @param pretrainIterations MSE-only iterations of that pretraining (placeholder in the default)
     * @param pretrainLrDropAt   iteration of that pretraining where lr drops by training.lr_drop_factor; 0 = never
     * @param pretrainAugment    SSD augmentation in that pretraining; false = whole images only, as an SR corpus
     *                           (DIV2K) is used: SSD's zoom-out fills most of a picture with flat mean colour
     */
    public record SuperResolution(int base, int feat, int stages, boolean residual, Map<String, String> weights,
                                  int pretrainIterations, double pretrainLr, int pretrainLrDropAt,
                                  boolean pretrainAugment) {
        public SuperResolution {
            if (base < 1 || feat < 1 || stages < 2) {
                throw new IllegalArgumentException("sr.base/feat/stages: expected >= 1, >= 1 and >= 2, got " + base
                        + ", " + feat + ", " + stages);
            }
            weights = weights == null ? Map.of() : Map.copyOf(weights);
            nonNegative(pretrainIterations, "sr.pretrain_iterations");
            nonNegative(pretrainLrDropAt, "sr.pretrain_lr_drop_at");
            if (!(pretrainLr > 0) || Double.isInfinite(pretrainLr)) {
                throw new IllegalArgumentException("sr.pretrain_lr: expected a finite value > 0, got " + pretrainLr);
            }
            for (Map.Entry<String, String> e : weights.entrySet()) {
                if (!List.of("2", "4", "8").contains(e.getKey())) {
                    throw new IllegalArgumentException("sr.weights: keys are the scales \"2\", \"4\" or \"8\", got \""
                            + e.getKey() + "\"");
                }
            }
        }
    }

    /**
     * The SRGAN row (Ledig et al., CVPR 2017): an SRResNet generator trained on the training images' HR/LR pairs
     * with {@code schedule} (stages with beta 0: MSE; stages with beta > 0: alpha x VGG content on the frozen
     * detector's VGG16 base + beta x adversarial, the paper's beta 1e-3) against the SRGAN discriminator. Batch size,
     * Adam settings, warm-up and augmentation are training.*'s; its lr drops by training.lr_drop_factor at
     * {@code lrDropAt}. Optional (null) in a config whose methods do not include SRGAN.
     *
     * @param channels     generator trunk channels (64 in the paper)
     * @param blocks       generator residual blocks (16)
     * @param residual     add the bicubic upscaling of the input to the generator's output (false in the paper), as
     *                     sr.residual does for D-DBPN
     * @param discChannels discriminator first-block channels (64)
     * @param discDense    discriminator hidden dense units (1024)
     * @param discCrop     side of the square crops the discriminator judges (96; a multiple of 16)
     * @param lr           Adam learning rate of both networks (1e-4 in the paper)
     * @param lrDropAt     iteration where lr drops; 0 = never
     * @param schedule     "1000k:1:0+200k:1:0.001" in the paper's notation (10^6 SRResNet, 2x10^5 SRGAN updates)
     * @param contentNetwork the content loss's VGG19 (a folder from import-weights --model vgg19, or torchvision's
     *                     vgg19-*.pth), as the paper; null: the study's frozen detector's VGG16 base
     */
    public record Srgan(int channels, int blocks, boolean residual, int discChannels, int discDense, int discCrop, double lr,
                        int lrDropAt, String schedule, String contentNetwork) {
        public Srgan {
            if (channels < 1 || blocks < 1 || discChannels < 1 || discDense < 1) {
                throw new IllegalArgumentException("srgan.channels/blocks/disc_channels/disc_dense: expected >= 1, got "
                        + channels + ", " + blocks + ", " + discChannels + ", " + discDense);
            }
            if (discCrop < 16 || discCrop % 16 != 0) {
                throw new IllegalArgumentException("srgan.disc_crop: expected a multiple of 16 (>= 16), got "
                        + discCrop);
            }
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("srgan.lr: expected a finite value > 0, got " + lr);
            }
            nonNegative(lrDropAt, "srgan.lr_drop_at");
            Training.schedule(schedule, "srgan.schedule");
        }
    }

    /**
     * Fine-tuning of S (training.md section 2). A schedule is {@code n1:alpha1:beta1+n2:alpha2:beta2+...}, n with an
     * optional k (x1000); the loss is {@code alpha*MSE + beta*MultiBoxLoss}.
     *
     * @param batchSize       images per step (6 in the paper)
     * @param lr              Adam learning rate (1e-4)
     * @param adamBeta1       0.9
     * @param adamBeta2       0.999
     * @param adamEps         1e-8
     * @param lrDropAt        global iteration at which lr is multiplied by lrDropFactor (200k of 300k); 0 = never
     * @param lrDropFactor    0.1
     * @param lrWarmup        iterations of linear lr warm-up at the start of each fine-tuning (0 in the paper)
     * @param augment         SSD augmentation of the fine-tuning batches (true in the paper); false = whole images,
     *                        as the test images are
     * @param srFtSchedule    SR-FT: "100k:1:0"
     * @param srFtPlusSchedule SR-FT+: "100k:1:0+200k:1:0"
     * @param tdsrSchedule    TDSR: "100k:1:0+200k:1:0.01"
     * @param logEvery        steps between metrics.jsonl training lines
     * @param evalEvery       steps between in-training evaluations (eval lines of metrics.jsonl); 0 = none
     * @param checkpointEvery steps between checkpoints; 0 = only the final one
     */
    public record Training(int batchSize, double lr, double adamBeta1, double adamBeta2, double adamEps,
                           int lrDropAt, double lrDropFactor, int lrWarmup, boolean augment, String srFtSchedule,
                           String srFtPlusSchedule, String tdsrSchedule, int logEvery, int evalEvery,
                           int checkpointEvery) {
        // Only the form is checked here; dev.tdsr.train's schedule parser is the authority on meaning.
        private static final Pattern SCHEDULE = Pattern.compile(
                "\\d+k?:[0-9.eE+-]+:[0-9.eE+-]+(\\+\\d+k?:[0-9.eE+-]+:[0-9.eE+-]+)*");

        public Training {
            if (batchSize < 1 || !(lr > 0) || Double.isInfinite(lr) || logEvery < 1) {
                throw new IllegalArgumentException("training.batch_size/lr/log_every: expected >= 1, > 0 and >= 1, "
                        + "got " + batchSize + ", " + lr + ", " + logEvery);
            }
            unitInterval(adamBeta1, "training.adam_beta1");
            unitInterval(adamBeta2, "training.adam_beta2");
            if (!(adamEps > 0) || Double.isInfinite(adamEps)) {
                throw new IllegalArgumentException("training.adam_eps: expected a finite value > 0, got " + adamEps);
            }
            if (!(lrDropFactor > 0) || Double.isInfinite(lrDropFactor)) {
                throw new IllegalArgumentException("training.lr_drop_factor: expected a finite value > 0, got "
                        + lrDropFactor);
            }
            nonNegative(lrDropAt, "training.lr_drop_at");
            nonNegative(lrWarmup, "training.lr_warmup");
            nonNegative(evalEvery, "training.eval_every");
            nonNegative(checkpointEvery, "training.checkpoint_every");
            schedule(srFtSchedule, "training.sr_ft_schedule");
            schedule(srFtPlusSchedule, "training.sr_ft_plus_schedule");
            schedule(tdsrSchedule, "training.tdsr_schedule");
        }

        /** The schedule of a fine-tuned row. */
        public String schedule(Method m) {
            return switch (m) {
                case SR_FT -> srFtSchedule;
                case SR_FT_PLUS -> srFtPlusSchedule;
                case TDSR, SR4IR, SR4IR_TDP, SR4IR_MIX, SR4IR_ALT -> tdsrSchedule; // the same budget as TDSR
                default -> throw new IllegalArgumentException("training: " + m + " is not a fine-tuned row");
            };
        }

        private static void unitInterval(double v, String field) {
            if (!(v >= 0 && v < 1)) {
                throw new IllegalArgumentException(field + ": expected a value in [0, 1), got " + v);
            }
        }

        static void schedule(String s, String field) {
            require(s, field, "a schedule n:alpha:beta[+n:alpha:beta...]");
            if (!SCHEDULE.matcher(s).matches()) {
                throw new IllegalArgumentException(field + ": expected a schedule n:alpha:beta[+n:alpha:beta...] "
                        + "(e.g. \"100k:1:0+200k:1:0.01\"), got \"" + s + "\"");
            }
        }
    }

    /**
     * @param vocMetric     VOC evaluator semantics: "voc_eval" (py-faster-rcnn), "devkit" or "ssd_pytorch"
     * @param evalImages    test images of the in-training evaluations (a subset, for speed)
     * @param figureImages  test images shown in the figure grids
     * @param figureMinScore detections below this score are not drawn in the figures
     * @param ssim          also compute SSIM (slow on large test sets)
     * @param bootstrapResamples paired-bootstrap resamples of the test images behind each ordering check (the share
     *                      in which it holds); 0 = none
     */
    public record Evaluation(String vocMetric, int evalImages, int figureImages, double figureMinScore,
                             boolean ssim, int bootstrapResamples) {
        public Evaluation {
            if (!List.of("voc_eval", "devkit", "ssd_pytorch").contains(vocMetric)) {
                throw new IllegalArgumentException("evaluation.voc_metric: expected \"voc_eval\", \"devkit\" or "
                        + "\"ssd_pytorch\", got " + vocMetric);
            }
            nonNegative(evalImages, "evaluation.eval_images");
            nonNegative(figureImages, "evaluation.figure_images");
            nonNegative(bootstrapResamples, "evaluation.bootstrap_resamples");
            if (!(figureMinScore >= 0 && figureMinScore <= 1)) {
                throw new IllegalArgumentException("evaluation.figure_min_score: expected a value in [0, 1], got "
                        + figureMinScore);
            }
        }

        /** The evaluator options named by {@link #vocMetric}. */
        public VocEvaluator.Options vocOptions() {
            return switch (vocMetric) {
                case "devkit" -> VocEvaluator.Options.DEVKIT;
                case "ssd_pytorch" -> VocEvaluator.Options.SSD_PYTORCH;
                default -> VocEvaluator.Options.VOC_EVAL;
            };
        }
    }

    public StudyConfig {
        require(name, "name", "a config name");
        require(device, "device", "\"cpu\" or \"cuda[:n]\"");
        require(scales, "scales", "a list like [4, 8]");
        require(methods, "methods", "a list of HR, LR, Bicubic, SRGAN, SR, SR-FT, SR-FT+, TDSR, SR4IR, SR4IR-TDP, "
                + "SR4IR-Mix, SR4IR-Alt");
        require(dataset, "dataset", "an object");
        require(detector, "detector", "an object");
        require(sr, "sr", "an object");
        require(training, "training", "an object");
        require(evaluation, "evaluation", "an object");
        if (!DEVICE.matcher(device).matches()) {
            throw new IllegalArgumentException("device: expected \"auto\", \"cpu\", \"cuda\" or \"cuda:N\", got \""
                    + device + "\"");
        }
        if (scales.isEmpty() || scales.stream().anyMatch(s -> s == null || (s != 2 && s != 4 && s != 8))) {
            throw new IllegalArgumentException("scales: expected a non-empty list of 2, 4 or 8, got " + scales);
        }
        if (scales.stream().distinct().count() != scales.size()) {
            throw new IllegalArgumentException("scales: expected each scale once, got " + scales);
        }
        if (dataset.kind().equals("synthetic") && detector.numClasses() != dataset.syntheticClasses() + 1) {
            throw new IllegalArgumentException("detector.num_classes: " + detector.numClasses() + " contradicts "
                    + "dataset.synthetic_classes " + dataset.syntheticClasses() + " (num_classes counts the background:"
                    + " expected " + (dataset.syntheticClasses() + 1) + ")");
        }
        if (methods.isEmpty() || methods.stream().distinct().count() != methods.size()) {
            throw new IllegalArgumentException("methods: expected a non-empty list without repeats, got " + methods);
        }
        if (methods.contains(Method.SRGAN) && srgan == null) {
            throw new IllegalArgumentException("srgan: missing; the methods include SRGAN, which needs its block "
                    + "\"srgan\": {\"channels\": 64, \"blocks\": 16, \"residual\": false, \"disc_channels\": 64, \"disc_dense\": 1024, "
                    + "\"disc_crop\": 96, \"lr\": 1e-4, \"lr_drop_at\": 0, \"schedule\": \"1000k:1:0+200k:1:0.001\"}");
        }
        if (methods.stream().anyMatch(StudyConfig::isSr4ir) && sr4ir == null) {
            throw new IllegalArgumentException("sr4ir: missing; the methods include an SR4IR row, which needs its block "
                    + "\"sr4ir\": {\"perceptual_weight\": 1.0, \"perceptual_taps\": \"conv4_3,fc7\", \"patch_mix_grid\": 4, "
                    + "\"task_lr\": null}");
        }
        if (srgan != null && srgan.discCrop() > detector.inputSize()) {
            throw new IllegalArgumentException("srgan.disc_crop: " + srgan.discCrop() + " does not fit in the "
                    + detector.inputSize() + "x" + detector.inputSize() + " HR images (detector.input_size)");
        }
        scales = List.copyOf(scales);
        methods = List.copyOf(methods);
    }

    private static final Pattern DEVICE = Pattern.compile("auto|cpu|cuda|cuda:\\d{1,3}");

    private static void require(Object v, String field, String expected) {
        if (v == null) {
            throw new IllegalArgumentException(field + ": missing; expected " + expected);
        }
    }

    private static void nonNegative(long v, String field) {
        if (v < 0) {
            throw new IllegalArgumentException(field + ": expected >= 0, got " + v);
        }
    }
}
