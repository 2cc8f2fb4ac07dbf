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
                return new TrainingRun(config, backend, new RunModels(s, det, vgg), task, optimizer, loader);
            }
            if (mode != TrainConfig.Mode.DETECTOR) {
                if (config.srInit() != null) {
                    Dbpn loaded = ModelFiles.loadDbpn(Path.of(config.srInit()), backend, config.scale());
                    s = loaded;
                    if (loaded.config().scale() != config.scale()) {
                        throw new IllegalArgumentException("--sr-init " + config.srInit() + ": a x"
                                + loaded.config().scale() + " model, but --scale is " + config.scale());
                    }
                    config = config.with(sizes(loaded.config(), null));
                } else {
                    s = new Dbpn(config.dbpnConfig(), backend, DType.F32, config.seed());
                }
            }
            if (det != null && (det.classNames() == null || mode == TrainConfig.Mode.DETECTOR)) {
                det.setClassNames(data.classes().names()); // what model.json records for detect
            }
            Task task = mode == TrainConfig.Mode.DETECTOR ? new DetectorTask(det)
                    : new SrTask((Dbpn) s, det == null ? null : new SsdTaskNetwork(det), config.sr4ir());
            Optimizer optimizer = new Optimizer(task.trained(), config.optimizerSettings());
            BatchLoader loader = new BatchLoader(mode == TrainConfig.Mode.SR ? data : data.nonEmpty(),
                    config.loaderConfig());
            return new TrainingRun(config, backend, new RunModels(s, det), task, optimizer, loader);
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
        if (models.sr() != null) {
            models.sr().close();
        }
        if (models.detector() != null) {
            models.detector().close();
        }
        if (models.perceptual() != null) {
            models.perceptual().close();
        }
    }
}
