package dev.tdsr.models;

/** Box arithmetic of ssd.pytorch's box_utils.py, in normalised coordinates (no "+1"). */
final class BoxMath {
    static final double VAR_CENTER = 0.1;
    static final double VAR_SIZE = 0.2;

    private BoxMath() {}

    /** IoU of corner boxes a[ia..ia+3] and b[ib..ib+3]; intersection clamped at 0. */
    static double iou(double[] a, int ia, double[] b, int ib) {
        double iw = Math.max(0, Math.min(a[ia + 2], b[ib + 2]) - Math.max(a[ia], b[ib]));
        double ih = Math.max(0, Math.min(a[ia + 3], b[ib + 3]) - Math.max(a[ia + 1], b[ib + 1]));
        double inter = iw * ih;
        double areaA = (a[ia + 2] - a[ia]) * (a[ia + 3] - a[ia + 1]);
        double areaB = (b[ib + 2] - b[ib]) * (b[ib + 3] - b[ib + 1]);
        return inter / (areaA + areaB - inter);
    }

    /** Center-size priors [P*4] to corners. */
    static double[] corners(double[] cs) {
        double[] c = new double[cs.length];
        for (int i = 0; i < cs.length; i += 4) {
            c[i] = cs[i] - cs[i + 2] / 2;
            c[i + 1] = cs[i + 1] - cs[i + 3] / 2;
            c[i + 2] = cs[i] + cs[i + 2] / 2;
            c[i + 3] = cs[i + 1] + cs[i + 3] / 2;
        }
        return c;
    }

    /** Regression target of corner box g[ig..] against center-size prior p[ip..], written to out[io..io+3]. */
    static void encode(double[] g, int ig, double[] p, int ip, double[] out, int io) {
        out[io] = ((g[ig] + g[ig + 2]) / 2 - p[ip]) / (VAR_CENTER * p[ip + 2]);
        out[io + 1] = ((g[ig + 1] + g[ig + 3]) / 2 - p[ip + 1]) / (VAR_CENTER * p[ip + 3]);
        out[io + 2] = Math.log((g[ig + 2] - g[ig]) / p[ip + 2]) / VAR_SIZE;
        out[io + 3] = Math.log((g[ig + 3] - g[ig + 1]) / p[ip + 3]) / VAR_SIZE;
    }

    /** Corner box from regression d[id..] against center-size prior p[ip..], written to out[io..io+3]. */
    static void decode(double[] d, int id, double[] p, int ip, double[] out, int io) {
        double cx = p[ip] + d[id] * VAR_CENTER * p[ip + 2];
        double cy = p[ip + 1] + d[id + 1] * VAR_CENTER * p[ip + 3];
        double w = p[ip + 2] * Math.exp(d[id + 2] * VAR_SIZE);
        double h = p[ip + 3] * Math.exp(d[id + 3] * VAR_SIZE);
        out[io] = cx - w / 2;
        out[io + 1] = cy - h / 2;
        out[io + 2] = cx + w / 2;
        out[io + 3] = cy + h / 2;
    }
}
