package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.ProjectionUnit.Direction;
import dev.tdsr.nn.Channels;
import dev.tdsr.nn.Conv2d;
import dev.tdsr.nn.Init;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.ParameterSet;
import java.util.ArrayList;
import java.util.List;

/**
 * D-DBPN (alterzero/DBPN-Pytorch dbpn.py), the super-resolution network S of TDSR: LR RGB in [0,1] -> SR at
 * {@code scale}x, no clamp; plus the bicubic upscaling of lr when {@link DbpnConfig#residual()} (a fixed linear term:
 * it adds no parameter gradient, only its adjoint to the input gradient). Parameter names are those of DBPN_x{2,4,8}.pth without {@code module.}.
 * <pre>
 *   x = feat1(feat0(lr));  h1 = up1(x);  l1 = down1(h1);  h2 = up2(l1)
 *   for i = 2..T-1:  l_i = down_i(cat(h_i..h_1));  h_{i+1} = up_{i+1}(cat(l_i..l_1))
 *   sr = output_conv(cat(h_T..h_1))                      (newest first)
 * </pre>
 * Every h_j and l_j feeds several concatenations, so the backward keeps one gradient accumulator per map and adds each
 * consumer's slice into it ({@code split_channels} with accumulate) before the producing unit runs its backward.
 */
public final class Dbpn implements SrNetwork {
    private final DbpnConfig config;
    private final ParameterSet params = new ParameterSet();
    private final Layer feat0;
    private final Layer feat1;
    private final ProjectionUnit[] ups;   // index 1..T
    private final ProjectionUnit[] downs; // index 1..T-1
    private final Conv2d output;
    /** The up-projections' HR feature maps of the last forward: {@code upMaps.get(j-1)} = h_j. */
    private final List<Tensor> upMaps = new ArrayList<>();
    /** The down-projections' LR feature maps of the last forward: {@code downMaps.get(j-1)} = l_j. */
    private final List<Tensor> downMaps = new ArrayList<>();
    /** The bicubic global residual (null without {@link DbpnConfig#residual()}). */
    private final BicubicUpscale bicubic;

    public Dbpn(DbpnConfig config, Backend backend, DType dtype, long seed) {
        this.config = config;
        int t = config.stages();
        feat0 = ProjectionUnit.convBlock(params, "feat0", 3, config.feat(), 3, ConvSpec.of(1, 1));
        feat1 = ProjectionUnit.convBlock(params, "feat1", config.feat(), config.base(), 1, ConvSpec.of(1, 0));
        ups = new ProjectionUnit[t + 1];
        downs = new ProjectionUnit[t];
        ups[1] = new ProjectionUnit(params, "up1", Direction.UP, config, 1);
        downs[1] = new ProjectionUnit(params, "down1", Direction.DOWN, config, 1);
        ups[2] = new ProjectionUnit(params, "up2", Direction.UP, config, 1);
        for (int i = 2; i < t; i++) {
            downs[i] = new ProjectionUnit(params, "down" + i, Direction.DOWN, config, i);
            ups[i + 1] = new ProjectionUnit(params, "up" + (i + 1), Direction.UP, config, i);
        }
        output = new Conv2d(params, "output_conv.conv", t * config.base(), 3, 3, ConvSpec.of(1, 1), true,
                Init.kaimingNormal(), Init.zeros());
        bicubic = config.residual() ? new BicubicUpscale(config.scale()) : null;
        params.allocate(backend, dtype, seed);
    }

    public DbpnConfig config() {
        return config;
    }

    @Override
    public int scale() {
        return config.scale();
    }

    @Override
    public ParameterSet parameters() {
        return params;
    }

    @Override
    public Tensor forward(Tensor lr) {
        upMaps.clear();
        downMaps.clear();
        Tensor x = feat1.forward(feat0.forward(lr));
        upMaps.add(ups[1].forward(x));
        downMaps.add(downs[1].forward(upMaps.get(0)));
        upMaps.add(ups[2].forward(downMaps.get(0)));
        for (int i = 2; i < config.stages(); i++) {
            downMaps.add(downs[i].forward(Channels.concat(newestFirst(upMaps))));
            upMaps.add(ups[i + 1].forward(Channels.concat(newestFirst(downMaps))));
        }
        Tensor sr = output.forward(Channels.concat(newestFirst(upMaps)));
        if (!config.residual()) {
            return sr;
        }
        Tensor withBicubic = sr.backend().allocate(sr.dtype(), sr.shape());
        sr.backend().add(sr, bicubic.forward(lr), withBicubic);
        return withBicubic;
    }

    @Override
    public Tensor backward(Tensor dSr) {
        Backend be = dSr.backend();
        int t = config.stages();
        List<Tensor> gh = zerosLike(upMaps);
        List<Tensor> gl = zerosLike(downMaps);
        splitAndFree(output.backward(dSr), newestFirst(gh));
        for (int i = t - 1; i >= 2; i--) {
            splitAndFree(backwardAndFree(ups[i + 1], gh.get(i)), newestFirst(gl.subList(0, i)));
            splitAndFree(backwardAndFree(downs[i], gl.get(i - 1)), newestFirst(gh.subList(0, i)));
        }
        addAndFree(backwardAndFree(ups[2], gh.get(1)), gl.get(0));
        addAndFree(backwardAndFree(downs[1], gl.get(0)), gh.get(0));
        Tensor dLr = feat0.backward(feat1.backward(backwardAndFree(ups[1], gh.get(0))));
        if (config.residual()) {
            be.axpy(1, bicubic.backward(dSr), dLr);
        }
        return dLr;
    }

    // The gradient maps are freed as soon as their last consumer has run: at full size each HR map is tens of MB
    // per image, and keeping all of them until the step's scope closes doubled the step's peak memory.

    /** {@code unit.backward(dMap)}, then frees the accumulated map gradient it consumed. */
    private static Tensor backwardAndFree(Layer unit, Tensor dMap) {
        Tensor dx = unit.backward(dMap);
        dMap.close();
        return dx;
    }

    /** Adds the channel slices of {@code g} into {@code targets}, then frees {@code g}. */
    private static void splitAndFree(Tensor g, List<Tensor> targets) {
        Channels.accumulateSplit(g, targets);
        g.close();
    }

    private static void addAndFree(Tensor g, Tensor target) {
        g.backend().axpy(1, g, target);
        g.close();
    }

    private static List<Tensor> newestFirst(List<Tensor> maps) {
        List<Tensor> r = new ArrayList<>(maps);
        java.util.Collections.reverse(r);
        return r;
    }

    private static List<Tensor> zerosLike(List<Tensor> maps) {
        List<Tensor> r = new ArrayList<>();
        for (Tensor m : maps) {
            r.add(Channels.zerosLike(m));
        }
        return r;
    }

    /** Frees the parameter slabs. */
    @Override
    public void close() {
        parameters().close();
        if (bicubic != null) {
            bicubic.close();
        }
    }
}
