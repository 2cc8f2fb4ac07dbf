package dev.tdsr.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.data.BadInputPolicy;
import dev.tdsr.data.BatchLoader;
import dev.tdsr.data.Dataset;
import dev.tdsr.data.Datasets;
import dev.tdsr.data.LrFiles;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdConfig;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.models.SegmentationTaskNetwork;
import dev.tdsr.models.TaskNetwork;
import dev.tdsr.data.VocSegmentationReader;
import dev.tdsr.models.SrNetwork;
import dev.tdsr.models.SrResNet;
import dev.tdsr.models.PerceptualNetwork;
import dev.tdsr.models.SrganDiscriminator;
import dev.tdsr.models.Vgg19;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a {@link Trainer} runs: the config (with the sizes of loaded networks), the networks, the {@link Task} that
 * computes a step, its optimizer and the batch loader. {@link #build} assembles one from a {@link TrainConfig}; another
 * kind of training (another task, e.g. a GAN's) assembles its own and reuses the loop. Closing it frees all of them.
 */
record TrainingRun(TrainConfig config, Backend backend, RunModels models, Task task, Optimizer optimizer,
                   BatchLoader loader) implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The run of a resolved config: the dataset of {@code data} (its split), the detector (loaded from
     * {@code detector}, or new in detector mode) and S (loaded from {@code srInit}, or new; none in detector mode),
     * the mode's task, the optimizer over the trained parameters and the loader.
     */
    static TrainingRun build(TrainConfig config, Backend backend) throws IOException {
        TrainConfig.Mode mode = config.modeValue();
        if (mode == TrainConfig.Mode.STUDY) {
            throw new IllegalArgumentException("mode study is run by the study (dev.tdsr.study), not by Trainer");
        }
        if (config.detector() != null && !ModelFiles.isSsd(Path.of(config.detector()))) {
            return buildWithTaskNetwork(config, backend); // e.g. the FCN: its kind comes from its model.json
        }
        if (config.hrSize() != null) {
            throw new IllegalArgumentException("hrSize (--hr-size) " + config.hrSize() + ": the HR side of a "
                    + "segmentation run; an SSD run's HR images have the detector's input side (ssdInput)");
        }
        Path dataDir = Path.of(config.data());
        Dataset data = openDataset(dataDir, config);
        boolean coco = Files.isDirectory(dataDir.resolve("annotations"));
        int classes = data.classes().size() + 1;

        Ssd det = null;
        SrNetwork s = null;
        SrganDiscriminator disc = null;
        Vgg19 vgg = null;
        try {
            if (config.detector() != null) {
                det = ModelFiles.loadSsd(Path.of(config.detector()), backend, classes);
                if (det.config().numClasses() != classes) {
                    throw new IllegalArgumentException("--detector " + config.detector() + ": the detector has "
                            + det.config().numClasses() + " classes (with background) but " + dataDir + " has "
                            + classes);
                }
                config = config.with(sizes(null, det.config()));
            } else if (mode == TrainConfig.Mode.DETECTOR) {
                det = new Ssd(config.ssdConfig(classes, coco), backend, DType.F32, config.seed() + 1);
            }
            SsdTaskNetwork detection = det == null ? null : new SsdTaskNetwork(det);
            if (mode == TrainConfig.Mode.SRGAN) {
                SrResNet g;
                if (config.srInit() != null) {
                    g = ModelFiles.loadSrResNet(Path.of(config.srInit()), backend);
                    s = g;
                    if (g.config().scale() != config.scale()) {
                        throw new IllegalArgumentException("--sr-init " + config.srInit() + ": a x"
                                + g.config().scale() + " model, but --scale is " + config.scale());
                    }
                    ObjectNode n = JSON.createObjectNode().put("srganChannels", g.config().channels())
                            .put("srganBlocks", g.config().blocks()).put("srganResidual", g.config().residual());
                    config = config.with(TrainConfig.fromJson(n, "model.json"));
                } else {
                    g = new SrResNet(config.srResNetConfig(), backend, DType.F32, config.seed());
                    s = g;
                }
                disc = new SrganDiscriminator(config.discriminatorConfig(), backend, DType.F32, config.seed() + 2);
                if (config.contentNetwork() != null) { // an imported ImageNet VGG19, as the SRGAN paper
                    vgg = ModelFiles.loadVgg19(Path.of(config.contentNetwork()), backend);
                }
                PerceptualNetwork perceptual = vgg != null ? vgg : det != null ? det.perceptual() : null;
                SrganTask task = new SrganTask(g, perceptual, disc, config.optimizerSettings(), config.seed());
                Optimizer optimizer = new Optimizer(task.trained(), config.optimizerSettings());
                BatchLoader loader = new BatchLoader(data, config.loaderConfig());
                return new TrainingRun(config, backend, new RunModels(s, detection, vgg), task, optimizer, loader);
            }
            if (mode != TrainConfig.Mode.DETECTOR) {
                s = srNetwork(config, backend);
                if (config.srInit() != null) {
                    config = config.with(sizes(((Dbpn) s).config(), null));
                }
            }
            if (det != null && (det.classNames() == null || mode == TrainConfig.Mode.DETECTOR)) {
                det.setClassNames(data.classes().names()); // what model.json records for detect
            }
            Task task = mode == TrainConfig.Mode.DETECTOR ? new DetectorTask(det)
                    : srTask((Dbpn) s, detection == null ? null : TaskTargets.of(detection), config);
            Optimizer optimizer = new Optimizer(task.trained(), config.optimizerSettings());
            BatchLoader loader = new BatchLoader(mode == TrainConfig.Mode.SR ? data : data.nonEmpty(),
                    config.loaderConfig());
            return new TrainingRun(config, backend, new RunModels(s, detection), task, optimizer, loader);
        } catch (IOException | RuntimeException e) {
            if (disc != null) {
                disc.close();
            }
            if (s != null) {
                s.close();
            }
            if (det != null) {
                det.close();
            }
            if (vgg != null) {
                vgg.close();
            }
            throw e;
        }
    }

    /** S: loaded from {@code srInit} (its scale checked), or new from the config's sizes. */
    private static Dbpn srNetwork(TrainConfig config, Backend backend) throws IOException {
        if (config.srInit() == null) {
            return new Dbpn(config.dbpnConfig(), backend, DType.F32, config.seed());
        }
        Dbpn loaded = ModelFiles.loadDbpn(Path.of(config.srInit()), backend, config.scale());
        if (loaded.config().scale() != config.scale()) {
            loaded.close();
            throw new IllegalArgumentException("--sr-init " + config.srInit() + ": a x" + loaded.config().scale()
                    + " model, but --scale is " + config.scale());
        }
        return loaded;
    }

    /** S's task, with T's alternating updates when the config asks for them (lr taskLr, S's schedule's shape). */
    private static SrTask<?> srTask(Dbpn s, TaskTargets<?> targets, TrainConfig config) {
        return new SrTask<>(s, targets, config.sr4ir(), config.alternate() ? config.optimizerSettings() : null,
                config.taskLr() / config.lr());
    }

    /**
     * Mode tdsr through a task network that is not SSD (a model folder whose model.json names its kind, e.g. the
     * FCN): the batches carry the class masks of {@code data}'s VOC segmentation set ({@code split}, default
     * trainval), which must have the network's classes.
     */
    private static TrainingRun buildWithTaskNetwork(TrainConfig config, Backend backend) throws IOException {
        if (config.modeValue() != TrainConfig.Mode.TDSR) {
            throw new IllegalArgumentException("--detector " + config.detector() + " is not an SSD (its model.json "
                    + "names another task network); mode " + config.modeValue() + " takes an SSD, only mode tdsr "
                    + "trains S through another task network");
        }
        Path dataDir = Path.of(config.data());
        if (!Files.isDirectory(dataDir)) {
            throw new IOException("--data " + dataDir + ": no such folder");
        }
        TaskNetwork<?> net = ModelFiles.loadTaskNetwork(Path.of(config.detector()), backend);
        Dbpn s = null;
        try {
            TaskTargets<?> targets = TaskTargets.of(net);
            int classes = ((SegmentationTaskNetwork) net).fcn().config().classes();
            VocSegmentationReader.Set set = VocSegmentationReader.read(dataDir,
                    config.split() != null ? config.split() : "trainval");
            if (set.classes() != classes) {
                throw new IllegalArgumentException("--detector " + config.detector() + ": the segmentation network "
                        + "has " + classes + " classes (with background) but " + dataDir + " has " + set.classes());
            }
            Dataset data = set.dataset();
            if (data.size() == 0) {
                throw new IllegalArgumentException("--data " + dataDir + ": the segmentation set has no images");
            }
            if (config.lrSourceValue() instanceof LrFiles files) {
                data = files.verify(data);
            }
            s = srNetwork(config, backend);
            if (config.srInit() != null) {
                config = config.with(sizes(s.config(), null));
            }
            SrTask<?> task = srTask(s, targets, config);
            Optimizer optimizer = new Optimizer(task.trained(), config.optimizerSettings());
            // the photometric part of augmentation only: expand, crop and mirror would move the image off its mask
            dev.tdsr.data.LoaderConfig lc = config.loaderConfig();
            dev.tdsr.data.SsdAugmentation a = lc.augmentation();
            lc = lc.withAugmentation(new dev.tdsr.data.SsdAugmentation(a.photometric(), false, false, false,
                    a.enforceCropIou(), a.clampOutput()));
            BatchLoader loader = new BatchLoader(data, lc, classes);
            return new TrainingRun(config, backend, new RunModels(s, net), task, optimizer, loader);
        } catch (IOException | RuntimeException e) {
            if (s != null) {
                s.close();
            }
            net.close();
            throw e;
        }
    }

    private static Dataset openDataset(Path dir, TrainConfig c) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("--data " + dir + ": no such folder");
        }
        boolean coco = Files.isDirectory(dir.resolve("annotations"));
        if (c.layout().equals("voc") && coco || c.layout().equals("coco") && !coco) {
            throw new IllegalArgumentException("--layout " + c.layout() + ": " + dir + " is "
                    + (coco ? "a COCO folder (annotations/)" : "not a COCO folder (no annotations/)"));
        }
        Dataset d = Datasets.open(dir, c.split(), null, BadInputPolicy.FAIL_FAST);
        if (c.modeValue() != TrainConfig.Mode.DETECTOR && c.lrSourceValue() instanceof LrFiles files) {
            d = files.verify(d); // every pair checked before the first step
        }
        if (d.size() == 0) {
            throw new IllegalArgumentException("--data " + dir + ": the split has no images");
        }
        return d;
    }

    /** A config holding only the network sizes of a loaded model (so config.json says what was trained). */
    private static TrainConfig sizes(DbpnConfig d, SsdConfig s) {
        ObjectNode n = JSON.createObjectNode();
        if (d != null) {
            n.put("dbpnBase", d.base()).put("dbpnFeat", d.feat()).put("dbpnStages", d.stages())
                    .put("dbpnResidual", d.residual());
        }
        if (s != null) {
            n.put("ssdInput", s.inputSize()).put("ssdWidth", s.width());
        }
        return TrainConfig.fromJson(n, "model.json");
    }

    /** Frees the loader's threads, the optimizer state and the networks. */
    @Override
    public void close() {
        loader.close();
        optimizer.close();
        if (task instanceof SrganTask gan) {
            gan.close();
        }
        if (task instanceof SrTask<?> sr) {
            sr.close();
        }
        if (models.sr() != null) {
            models.sr().close();
        }
        if (models.task() != null) {
            models.task().close();
        }
        if (models.perceptual() != null) {
            models.perceptual().close();
        }
    }
}
