package org.tryaccept.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A dependency-free SVG chart of the results: per scenario, each row's time as a multiple of the C
 * floor on a log axis (1.0 = C, the dashed red line = the target), and the churn medians with their
 * min-max range. Hand-written so that the report needs nothing beyond the JDK.
 */
final class Svg {
    private static final int WIDTH = 1020;
    private static final int LABEL_W = 420;
    private static final int BAR_H = 18;
    private static final int GAP = 6;

    private Svg() {
    }

    static String chart(List<JmhRunner.Row> rows, List<ChurnRunner.ChurnResult> churn) {
        StringBuilder body = new StringBuilder();
        int lx = 10;
        for (String[] item : new String[][] {{"#2a7ab8", "tryAccept"}, {"#e08a2c", "JDK / Netty"},
                {"#777", "C floor"}, {"#bbb", "breakdown rows"}}) {
            body.append("<rect x=\"").append(lx).append("\" y=\"6\" width=\"14\" height=\"14\" fill=\"").append(item[0])
                    .append("\"/><text x=\"").append(lx + 20).append("\" y=\"18\">").append(item[1]).append("</text>\n");
            lx += 40 + item[1].length() * 7;
        }
        int y = 30;
        y = ratioPanel(body, y, rows, JmhRunner.NP, "Nothing pending: time / failing accept4 in C (log scale; target <= 0.15)", 0.15);
        y = ratioPanel(body, y + 20, rows, JmhRunner.CYCLE, "Connect + accept + close: time / C cycle (line at 1.00; targets are against Netty and bare FFM accept4)", 1.00);
        if (!churn.isEmpty()) {
            y = churnPanel(body, y + 20, churn);
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + (y + 10)
                + "\" font-family=\"sans-serif\" font-size=\"12\">\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body + "</svg>\n";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static int ratioPanel(StringBuilder sb, int y, List<JmhRunner.Row> rows, String scenario, String title, double target) {
        JmhRunner.Row floor = JmhRunner.floorOf(rows, scenario);
        List<JmhRunner.Row> mine = new ArrayList<>();
        for (JmhRunner.Row r : rows) {
            if (r.scenario().equals(scenario) && !r.isPart()) {
                mine.add(r);
            }
        }
        double lo = target / 2;
        double hi = 1.5;
        for (JmhRunner.Row r : mine) {
            lo = Math.min(lo, r.ns() / floor.ns() / 1.5);
            hi = Math.max(hi, r.ns() / floor.ns() * 1.3);
        }
        // Half-decade bounds when the rows span decades (nothing pending); tight bounds when they sit
        // within a few tens of percent of each other (the cycle), so that the differences stay visible.
        boolean narrow = Math.log10(hi / lo) < 0.6;
        if (narrow) {
            lo = Math.min(lo * 1.5, target) * 0.9;
            hi = hi / 1.3 * 1.08;
        }
        double logLo = narrow ? Math.log10(lo) : Math.floor(Math.log10(lo) * 2) / 2;
        double logHi = narrow ? Math.log10(hi) : Math.ceil(Math.log10(hi) * 2) / 2;
        int x0 = LABEL_W;
        int plotW = WIDTH - LABEL_W - 80;
        java.util.function.DoubleUnaryOperator xOf = v -> x0 + (Math.log10(v) - logLo) / (logHi - logLo) * plotW;
        sb.append("<text x=\"10\" y=\"").append(y + 14).append("\" font-weight=\"bold\" font-size=\"14\">")
                .append(esc(title)).append("</text>\n");
        int top = y + 40;
        int bottom = top + mine.size() * (BAR_H + GAP);
        double[] ticks = narrow ? new double[] {0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2}
                : new double[] {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50};
        for (double t : ticks) {
            double lt = Math.log10(t);
            if (lt < logLo - 1e-9 || lt > logHi + 1e-9) {
                continue;
            }
            double x = xOf.applyAsDouble(t);
            sb.append("<line x1=\"").append(f(x)).append("\" y1=\"").append(top).append("\" x2=\"").append(f(x))
                    .append("\" y2=\"").append(bottom).append("\" stroke=\"#ddd\"/>\n");
            sb.append("<text x=\"").append(f(x)).append("\" y=\"").append(bottom + 14)
                    .append("\" text-anchor=\"middle\" fill=\"#555\">").append(t).append("x</text>\n");
        }
        int by = top;
        for (JmhRunner.Row r : mine) {
            double ratio = r.ns() / floor.ns();
            String color = r.isBreakdown() ? "#bbb" : r.isC() ? "#777" : r.isTryAccept() ? "#2a7ab8" : "#e08a2c";
            double xEnd = xOf.applyAsDouble(ratio);
            sb.append("<text x=\"").append(x0 - 8).append("\" y=\"").append(by + 13)
                    .append("\" text-anchor=\"end\">").append(esc(r.label())).append("</text>\n");
            sb.append("<rect x=\"").append(x0).append("\" y=\"").append(by).append("\" width=\"")
                    .append(f(Math.max(1, xEnd - x0))).append("\" height=\"").append(BAR_H).append("\" fill=\"")
                    .append(color).append("\"/>\n");
            sb.append("<text x=\"").append(f(xEnd + 4)).append("\" y=\"").append(by + 13).append("\">")
                    .append(String.format(Locale.ROOT, "%.3fx", ratio)).append("</text>\n");
            by += BAR_H + GAP;
        }
        double x1 = xOf.applyAsDouble(1.0);
        sb.append("<line x1=\"").append(f(x1)).append("\" y1=\"").append(top - 4).append("\" x2=\"").append(f(x1))
                .append("\" y2=\"").append(bottom).append("\" stroke=\"#333\"/>\n");
        double xt = xOf.applyAsDouble(target);
        sb.append("<line x1=\"").append(f(xt)).append("\" y1=\"").append(top - 4).append("\" x2=\"").append(f(xt))
                .append("\" y2=\"").append(bottom).append("\" stroke=\"#c00\" stroke-dasharray=\"5,3\"/>\n");
        sb.append("<text x=\"").append(f(xt + 3)).append("\" y=\"").append(top - 6).append("\" fill=\"#c00\">target ")
                .append(target).append("x</text>\n");
        return bottom + 20;
    }

    private static int churnPanel(StringBuilder sb, int y, List<ChurnRunner.ChurnResult> churn) {
        sb.append("<text x=\"10\" y=\"").append(y + 14).append("\" font-weight=\"bold\" font-size=\"14\">")
                .append("End-to-end churn: connections/s, median with min-max of the runs</text>\n");
        double hi = 1;
        for (ChurnRunner.ChurnResult c : churn) {
            hi = Math.max(hi, c.max());
        }
        hi *= 1.1;
        int x0 = LABEL_W;
        int plotW = WIDTH - LABEL_W - 80;
        int by = y + 24;
        for (ChurnRunner.ChurnResult c : churn) {
            double xm = x0 + c.median() / hi * plotW;
            String color = c.server().startsWith("tryaccept") ? "#2a7ab8" : "#e08a2c";
            sb.append("<text x=\"").append(x0 - 8).append("\" y=\"").append(by + 13).append("\" text-anchor=\"end\">")
                    .append(esc(ChurnRunner.CHURN_LABELS.get(c.server()))).append("</text>\n");
            sb.append("<rect x=\"").append(x0).append("\" y=\"").append(by).append("\" width=\"").append(f(xm - x0))
                    .append("\" height=\"").append(BAR_H).append("\" fill=\"").append(color).append("\"/>\n");
            double xa = x0 + c.min() / hi * plotW;
            double xb = x0 + c.max() / hi * plotW;
            sb.append("<line x1=\"").append(f(xa)).append("\" y1=\"").append(by + BAR_H / 2).append("\" x2=\"").append(f(xb))
                    .append("\" y2=\"").append(by + BAR_H / 2).append("\" stroke=\"black\" stroke-width=\"2\"/>\n");
            sb.append("<text x=\"").append(f(xb + 4)).append("\" y=\"").append(by + 13).append("\">")
                    .append(String.format(Locale.ROOT, "%,.0f", c.median())).append("</text>\n");
            by += BAR_H + GAP;
        }
        return by + 10;
    }

    /**
     * The end-to-end chart: server CPU per connection (median, with the min-max of the rounds) per row,
     * conn/s beside it; the dashed line is 1.10x the C floor with deferral, the example's target.
     */
    static String e2eChart(EndToEndRunner.Result res) {
        List<EndToEndRunner.RowResult> rows = res.rows().stream().filter(r -> r.skipped() == null).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("<text x=\"10\" y=\"20\" font-weight=\"bold\" font-size=\"14\">")
                .append(esc("End to end: server CPU us per connection (median, min-max of " + res.plan().rounds
                        + " rounds; lower is better), conn/s at the right")).append("</text>\n");
        double hi = 1;
        for (EndToEndRunner.RowResult r : rows) {
            hi = Math.max(hi, r.max(EndToEndRunner.Sample::cpuUsPerConn));
        }
        hi *= 1.15;
        int x0 = LABEL_W;
        int plotW = WIDTH - LABEL_W - 150;
        int by = 40;
        for (EndToEndRunner.RowResult r : rows) {
            String g = r.row().server().group();
            String color = g.equals("example") ? "#2a7ab8" : g.equals("c") ? "#777" : g.equals("nginx") ? "#3a9a4a" : "#e08a2c";
            double m = r.median(EndToEndRunner.Sample::cpuUsPerConn);
            double xm = x0 + m / hi * plotW;
            sb.append("<text x=\"").append(x0 - 8).append("\" y=\"").append(by + 13).append("\" text-anchor=\"end\">")
                    .append(esc(r.row().label())).append("</text>\n");
            sb.append("<rect x=\"").append(x0).append("\" y=\"").append(by).append("\" width=\"").append(f(xm - x0))
                    .append("\" height=\"").append(BAR_H).append("\" fill=\"").append(color)
                    .append(r.row().keepAlive() ? "\" fill-opacity=\"0.45" : "").append("\"/>\n");
            double xa = x0 + r.min(EndToEndRunner.Sample::cpuUsPerConn) / hi * plotW;
            double xb = x0 + r.max(EndToEndRunner.Sample::cpuUsPerConn) / hi * plotW;
            sb.append("<line x1=\"").append(f(xa)).append("\" y1=\"").append(by + BAR_H / 2).append("\" x2=\"").append(f(xb))
                    .append("\" y2=\"").append(by + BAR_H / 2).append("\" stroke=\"black\" stroke-width=\"2\"/>\n");
            sb.append("<text x=\"").append(f(xb + 4)).append("\" y=\"").append(by + 13).append("\">")
                    .append(String.format(Locale.ROOT, "%.2f us", m)).append("</text>\n");
            sb.append("<text x=\"").append(WIDTH - 10).append("\" y=\"").append(by + 13).append("\" text-anchor=\"end\" fill=\"#555\">")
                    .append(String.format(Locale.ROOT, r.row().keepAlive() ? "%,.0f req/s" : "%,.0f conn/s",
                            r.median(EndToEndRunner.Sample::connPerSec))).append("</text>\n");
            by += BAR_H + GAP;
        }
        EndToEndRunner.RowResult floor = res.row("c-defer");
        if (floor != null && floor.skipped() == null) {
            double xt = x0 + 1.10 * floor.median(EndToEndRunner.Sample::cpuUsPerConn) / hi * plotW;
            sb.append("<line x1=\"").append(f(xt)).append("\" y1=\"34\" x2=\"").append(f(xt)).append("\" y2=\"").append(by)
                    .append("\" stroke=\"#c00\" stroke-dasharray=\"5,3\"/>\n");
            sb.append("<text x=\"").append(f(xt + 3)).append("\" y=\"").append(by + 14)
                    .append("\" fill=\"#c00\">1.10x C floor with deferral (target)</text>\n");
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + (by + 30)
                + "\" font-family=\"sans-serif\" font-size=\"12\">\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + sb + "</svg>\n";
    }
}
