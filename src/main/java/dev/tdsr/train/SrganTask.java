package dev.tdsr.train;

import dev.tdsr.data.Seeds;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.Safetensors;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.SrResNet;
import dev.tdsr.models.SrganDiscriminator;
import dev.tdsr.models.PerceptualNetwork;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * SRGAN (Ledig et al., CVPR 2017): the generator G (SRResNet) trained first with {@code alpha * MSE} (stages with
 * beta 0: SRResNet), then with {@code alpha * content + beta * adversarial} (stages with beta > 0; the paper's beta is
 * 1e-3), where
 * <ul>
 *   <li>content = MSE of the perceptual network's features of SR and HR, both rescaled by 1/12.75 as in the paper.
 *   The perceptual network is the run's frozen detector's VGG16 base up to the ReLU of conv5_3 (the VGG16 analogue of
 *   the paper's VGG19 "VGG54"): no ImageNet VGG19 can be downloaded here;
 *   <li>adversarial = the non-saturating -log D(G(lr)) on one square crop of the SR images (BCE with target 1);
 * </ul>
 * and each step first updates the discriminator D once with BCE(D(hr crop), 1) + BCE(D(sr crop), 0) (its own Adam, the
 * run's settings and learning rate), then computes G's loss against the updated D. The crop window (one per step,
 * the same for the batch) is drawn from (seed, step), so a resumed run draws the same windows. Both networks run in
 * training mode (batch statistics), as PyTorch implementations of SRGAN do.
 */
final class SrganTask implements Task {
    /** SRGAN rescales the VGG feature maps by 1/12.75 before their MSE. */
    static final double FEATURE_SCALE = 1 / 12.75;
    static final String DISCRIMINATOR = "discriminator.safetensors";
    static final String DISCRIMINATOR_OPTIMIZER = "discriminator-optimizer.safetensors";
    private final SrResNet generator;
    private final PerceptualNetwork perceptual;
    private final SrganDiscriminator discriminator;
    private final Optimizer discriminatorOptimizer;
    private final long seed;

    SrganTask(SrResNet generator, PerceptualNetwork perceptual, SrganDiscriminator discriminator, Optimizer.Settings settings,
            long seed) {
        this.generator = generator;
        this.perceptual = perceptual;
        this.discriminator = discriminator;
        this.discriminatorOptimizer = new Optimizer(discriminator.parameters(), settings);
        this.seed = seed;
        if (perceptual != null) {
            perceptual.parameters().setRequiresGrad(false);
        }
        generator.setTraining(true);
        discriminator.setTraining(true);
    }

    @Override
    public ParameterSet trained() {
        return generator.parameters();
    }

    @Override
    public StepLoss step(Tensor lr, Tensor hr, dev.tdsr.data.Batch batch, Schedule.Stage stage, long step,
            double rate) {
        Backend b = hr.backend();
        Tensor full = generator.forward(lr);
        Tensor sr = TdsrObjective.cropTo(full, hr.dim(2), hr.dim(3));
        Tensor dSr = b.allocate(sr.dtype(), sr.shape());
        double mse = b.mseForward(sr, hr);
        StepLoss loss;
        if (stage.beta() == 0) {
            b.mseBackward(sr, hr, stage.alpha(), dSr);
            loss = new StepLoss(mse, 0, 0, stage.alpha() * mse, null, null, null);
        } else {
            if (perceptual == null) {
                throw new IllegalStateException("stage " + stage + " is adversarial but no perceptual network (the "
                        + "detector's VGG16 or a VGG19) was given");
            }
            int crop = discriminator.config().crop();
            SplittableRandom rnd = Seeds.random(seed, 0x5267616eL, step); // "Rgan": this task's stream
            long top = rnd.nextInt((int) hr.dim(2) - crop + 1);
            long left = rnd.nextInt((int) hr.dim(3) - crop + 1);
            Tensor hrCrop = crop(hr, crop, top, left);
            Tensor srCrop = crop(sr, crop, top, left);
            Tensor real = b.allocate(hr.dtype(), hr.dim(0), 1).fill(1);
            Tensor fake = b.allocate(hr.dtype(), hr.dim(0), 1).fill(0);
            double disc = discriminatorStep(hrCrop, srCrop, real, fake, rate);
            // G's adversarial part against the updated D; D's parameters are not differentiated here
            discriminator.parameters().setRequiresGrad(false);
            double adv;
            try {
                Tensor logits = discriminator.forward(srCrop);
                adv = b.bceLogitsForward(logits, real);
                Tensor dLogits = b.allocate(logits.dtype(), logits.shape());
                b.bceLogitsBackward(logits, real, stage.beta(), dLogits);
                b.crop2dBackward(discriminator.backward(dLogits), dSr, top, left);
            } finally {
                discriminator.parameters().setRequiresGrad(true);
            }
            double content = contentLoss(sr, hr, stage.alpha(), dSr);
            loss = new StepLoss(mse, 0, 0, stage.alpha() * content + stage.beta() * adv, content, adv, disc);
        }
        if (sr != full) {
            Tensor dFull = b.allocate(full.dtype(), full.shape());
            b.crop2dBackward(dSr, dFull, 0, 0);
            dSr = dFull;
        }
        generator.backward(dSr);
        return loss;
    }

    private static Tensor crop(Tensor x, int side, long top, long left) {
        Tensor y = x.backend().allocate(x.dtype(), x.dim(0), x.dim(1), side, side);
        x.backend().crop2dForward(x, y, top, left);
        return y;
    }

    /**
     * One update of D on real and fake crops; returns BCE(real) + BCE(fake). A non-finite loss or gradient skips the
     * update (the returned loss then stops the run in the Trainer's guard, before G's update).
     */
    private double discriminatorStep(Tensor hrCrop, Tensor srCrop, Tensor real, Tensor fake, double rate) {
        Backend b = hrCrop.backend();
        ParameterSet dp = discriminator.parameters();
        dp.zeroGrad();
        double total = 0;
        for (boolean isReal : new boolean[] {true, false}) {
            Tensor target = isReal ? real : fake;
            Tensor logits = discriminator.forward(isReal ? hrCrop : srCrop);
            total += b.bceLogitsForward(logits, target);
            Tensor d = b.allocate(logits.dtype(), logits.shape());
            b.bceLogitsBackward(logits, target, 1, d);
            discriminator.backward(d);
        }
        if (Double.isFinite(total)) {
            discriminatorOptimizer.guardedStep(rate);
            if (!discriminatorOptimizer.lastStepTaken()) {
                total = Double.NaN; // a non-finite gradient: report it as the discriminator's loss
            }
        }
        return total;
    }

    /** alpha * MSE of the rescaled features; adds its gradient into dSr; returns the (unweighted) content loss. */
    private double contentLoss(Tensor sr, Tensor hr, double alpha, Tensor dSr) {
        Backend b = sr.backend();
        Tensor fHr = perceptual.features(hr);
        Tensor fSr = perceptual.features(sr);
        double s2 = FEATURE_SCALE * FEATURE_SCALE;
        double content = s2 * b.mseForward(fSr, fHr);
        Tensor dF = b.allocate(fSr.dtype(), fSr.shape());
        b.mseBackward(fSr, fHr, alpha * s2, dF);
        b.axpy(1, perceptual.featuresBackward(dF), dSr);
        return content;
    }

    @Override
    public void save(Path dir) throws IOException {
        ModelFiles.save(dir, generator);
    }

    @Override
    public void saveExtras(Path checkpoint) throws IOException {
        LinkedHashMap<String, HostArray> d = new LinkedHashMap<>(ModelFiles.export(discriminator.parameters()));
        d.putAll(ModelFiles.export(discriminator.buffers()));
        Safetensors.write(checkpoint.resolve(DISCRIMINATOR), d, Map.of());
        discriminatorOptimizer.write(checkpoint.resolve(DISCRIMINATOR_OPTIMIZER));
    }

    @Override
    public void restore(Path checkpoint) throws IOException {
        Path g = checkpoint.resolve(ModelFiles.WEIGHTS);
        ModelFiles.loadInto(List.of(generator.parameters(), generator.buffers()), Safetensors.read(g), g.toString());
        Path d = checkpoint.resolve(DISCRIMINATOR);
        ModelFiles.loadInto(List.of(discriminator.parameters(), discriminator.buffers()), Safetensors.read(d),
                d.toString());
        discriminatorOptimizer.read(checkpoint.resolve(DISCRIMINATOR_OPTIMIZER));
    }

    /** Frees D and its optimizer state (G and the detector belong to the run's models). */
    void close() {
        discriminatorOptimizer.close();
        discriminator.close();
    }
}
