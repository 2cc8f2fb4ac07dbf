package dev.tdsr.train;

import dev.tdsr.models.Ssd;
import dev.tdsr.models.SrNetwork;

/** The networks of a run: S (D-DBPN or the SRGAN generator; null in detector mode) and the detector (null in sr mode). */
public record RunModels(SrNetwork sr, Ssd detector) {}
