package dev.tdsr.train;

import dev.tdsr.models.TdsrObjective;

/**
 * What a {@link Task}'s step reports: the TDSR parts (mse, loc, conf, total) and, for SRGAN's adversarial stages, the
 * content, adversarial and discriminator losses (null elsewhere); see {@link StepMetrics}.
 */
record StepLoss(double mse, double loc, double conf, double total, Double content, Double adv, Double disc) {
    static StepLoss of(TdsrObjective.Parts p) {
        // SR4IR's task-driven perceptual loss is a feature loss like SRGAN's content loss: the same column
        return new StepLoss(p.mse(), p.loc(), p.conf(), p.total(), p.perceptual() != 0 ? p.perceptual() : null, null,
                null);
    }

    /** The name of the first part that is not finite, or null. */
    String firstNonFinite() {
        if (!Double.isFinite(mse)) {
            return "mse";
        }
        if (!Double.isFinite(loc)) {
            return "loc";
        }
        if (!Double.isFinite(conf)) {
            return "conf";
        }
        if (content != null && !Double.isFinite(content)) {
            return "content";
        }
        if (adv != null && !Double.isFinite(adv)) {
            return "adversarial";
        }
        if (disc != null && !Double.isFinite(disc)) {
            return "discriminator";
        }
        return null;
    }
}
