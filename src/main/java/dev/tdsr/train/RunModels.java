package dev.tdsr.train;

import dev.tdsr.models.Dbpn;
import dev.tdsr.models.Ssd;

/** The networks of a run: S (null in detector mode) and the detector (null in sr mode). */
public record RunModels(Dbpn sr, Ssd detector) {}
