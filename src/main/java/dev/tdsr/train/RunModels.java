package dev.tdsr.train;

import dev.tdsr.models.Ssd;
import dev.tdsr.models.SrNetwork;
import dev.tdsr.models.Vgg19;

/**
 * The networks of a run: S (D-DBPN or the SRGAN generator; null in detector mode), the detector (null in sr mode) and
 * an imported VGG19 for SRGAN's content loss (null unless --content-network).
 */
public record RunModels(SrNetwork sr, Ssd detector, Vgg19 perceptual) {
    public RunModels(SrNetwork sr, Ssd detector) {
        this(sr, detector, null);
    }
}
