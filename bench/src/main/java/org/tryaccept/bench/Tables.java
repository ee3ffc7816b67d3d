package org.tryaccept.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Number formatting and plain-text / Markdown tables, shared by every part of the report. */
final class Tables {
    private Tables() {
    }

    /** A difference with its sign, for the breakdown (noise can make a step negative). */
    static String delta(double v, int decimals) {
        return (v >= 0 ? "+" : "-") + fmt(Math.abs(v), decimals);
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    static String textTable(String[] head, List<String[]> body) {
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
            for (String[] r : body) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        List<String[]> all = new ArrayList<>();
        all.add(head);
        all.addAll(body);
        for (String[] r : all) {
            for (int i = 0; i < r.length; i++) {
                String cell = i == 0 ? String.format("%-" + w[i] + "s", r[i]) : String.format("%" + w[i] + "s", r[i]);
                sb.append(i == 0 ? "" : "  ").append(cell);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String mdTable(String[] head, List<String[]> body) {
        StringBuilder sb = new StringBuilder("| " + String.join(" | ", head) + " |\n|");
        for (int i = 0; i < head.length; i++) {
            sb.append(i == 0 ? "---|" : "---:|");
        }
        sb.append('\n');
        for (String[] r : body) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return sb.toString();
    }

    static String yes(boolean b) {
        return b ? "yes" : "NO";
    }
}
