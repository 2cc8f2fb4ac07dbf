package dev.tdsr.report;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.tdsr.eval.TestBench;
import java.util.Locale;

/** The rows of the paper's Tables 1 and 2 that this project reproduces, in table order (training.md section 4). */
public enum Method {
    HR("HR", false),
    LR("LR", false),
    BICUBIC("Bicubic", false),
    /**
     * SRResNet/SRGAN (Ledig et al., CVPR 2017) trained on the detection data's HR images with MSE pretraining, then
     * the VGG content loss (the frozen detector's VGG16 base) + 1e-3 x adversarial: a perceptual objective beside
     * TDSR's task objective. Its own network, not fine-tuned from the pretrained D-DBPN.
     */
    SRGAN("SRGAN", false),
    /** D-DBPN pretrained only (the paper's "DBPN (DIV2K)" row). */
    SR("SR", false),
    SR_FT("SR-FT", true),
    SR_FT_PLUS("SR-FT+", true),
    TDSR("TDSR", true),
    /**
     * SR4IR's objectives for S (Kim et al., CVPR 2024) on TDSR's schedule and frozen detector: the task-driven
     * perceptual loss plus the cross-quality patch mix (the study's {@code sr4ir} block).
     */
    SR4IR("SR4IR", true),
    /** SR4IR's task-driven perceptual loss alone, on TDSR's schedule (an ablation). */
    SR4IR_TDP("SR4IR-TDP", true),
    /** SR4IR's cross-quality patch mix alone, on TDSR's schedule (an ablation). */
    SR4IR_MIX("SR4IR-Mix", true),
    /**
     * SR4IR with all three of its ideas: the perceptual loss and the patch mix of {@link #SR4IR} plus alternating
     * updates of the detector (after each task-driven update of S one of T, on HR, S(lr) detached and the mixed
     * images). Evaluated with its own trained detector, which its run saves beside S.
     */
    SR4IR_ALT("SR4IR-Alt", true);

    private final String label;
    private final boolean finetuned;

    Method(String label, boolean finetuned) {
        this.label = label;
        this.finetuned = finetuned;
    }

    /** The name used in tables, JSON and configs ("SR-FT+"). */
    @JsonValue
    public String label() {
        return label;
    }

    /** True for the rows whose SR network is trained on the detection data (SR-FT, SR-FT+, TDSR, the SR4IR rows). */
    public boolean finetuned() {
        return finetuned;
    }

    /** True for the rows that run an SR network (and so have an SR PSNR worth reporting). */
    public boolean usesSr() {
        return this == SR || this == SRGAN || finetuned;
    }

    /** What this row gives the detector, as {@link TestBench} scores it. */
    public TestBench.Input benchInput() {
        return switch (this) {
            case HR -> TestBench.Input.HR;
            case LR -> TestBench.Input.LR_PADDED;
            case BICUBIC -> TestBench.Input.BICUBIC;
            default -> TestBench.Input.SR;
        };
    }

    /** A file-name-safe form: "sr-ft-plus". */
    public String slug() {
        return label.toLowerCase(Locale.ROOT).replace("+", "-plus");
    }

    /** Parses a label ("SR-FT+") or constant name ("SR_FT_PLUS"), case-insensitive. */
    @JsonCreator
    public static Method of(String text) {
        for (Method m : values()) {
            if (m.label.equalsIgnoreCase(text) || m.name().equalsIgnoreCase(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("method: expected one of HR, LR, Bicubic, SRGAN, SR, SR-FT, SR-FT+, TDSR, SR4IR, SR4IR-TDP, "
                + "SR4IR-Mix, SR4IR-Alt, got '"
                + text + "'");
    }

    @Override
    public String toString() {
        return label;
    }
}
