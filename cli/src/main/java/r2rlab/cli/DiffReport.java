package r2rlab.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import r2rlab.emu.diff.ImageDiff;

/** Text, JSON and HTML forms of an {@link ImageDiff.Result}; the text and the JSON field names are part of r2rlab's interface. */
final class DiffReport {
    private DiffReport() {
    }

    // ---- text ----

    static void text(ImageDiff.Result r, PrintWriter out) {
        out.println("Left:  " + side(r.left()));
        out.println("Right: " + side(r.right()));
        out.println();
        if (!r.header().isEmpty()) {
            out.println("Header differences: " + r.header().size());
            r.header().forEach(h -> out.println("  " + h));
            out.println();
        }
        sizeTable(out, "PE sections", r.peSections(), true);
        sizeTable(out, "R2R sections", r.r2rSections(), true);

        String title = "LEFT COUNT | RIGHT COUNT | LEFT SIZE | RIGHT SIZE | methods";
        out.println(title);
        out.println("-".repeat(title.length()));
        long leftOnly = r.leftOnly().stream().mapToLong(ImageDiff.SizeRow::left).sum();
        long rightOnly = r.rightOnly().stream().mapToLong(ImageDiff.SizeRow::right).sum();
        out.printf("%10d | %11s | %9d | %10s | LEFT-ONLY METHODS%n", r.leftOnly().size(), "---", leftOnly, "---");
        out.printf("%10s | %11d | %9s | %10d | RIGHT-ONLY METHODS%n", "---", r.rightOnly().size(), "---", rightOnly);
        out.printf("%10d | %11d | %9d | %10d | METHODS IN BOTH%n", r.common(), r.common(), r.leftCommonSize(), r.rightCommonSize());
        out.printf("%10d | %11d | %9d | %10d | (total)%n", r.common() + r.leftOnly().size(), r.common() + r.rightOnly().size(),
                r.leftCommonSize() + leftOnly, r.rightCommonSize() + rightOnly);
        out.println();
        if (!r.leftOnly().isEmpty()) {
            sizeTable(out, "methods only in left", r.leftOnly(), true);
        }
        if (!r.rightOnly().isEmpty()) {
            sizeTable(out, "methods only in right", r.rightOnly(), true);
        }
        if (!r.methodSizes().isEmpty()) {
            sizeTable(out, "methods whose size changed", r.methodSizes(), false);
        }

        out.println("Stub placement: " + r.left().stubLayout() + " -> " + r.right().stubLayout() + ", " + r.stubPlacement().size()
                + " stub" + (r.stubPlacement().size() == 1 ? "" : "s") + " moved");
        for (ImageDiff.StubPlacement p : r.stubPlacement()) {
            out.println("  " + p.stub() + ": " + p.left() + " -> " + p.right());
        }
        out.println();
        out.println("Structural differences: " + r.structural().size());
        for (ImageDiff.Structural s : r.structural()) {
            out.println("  " + s.method() + ": " + s.what());
        }
        out.println();
        out.println("Code differences: " + r.code().size() + " method" + (r.code().size() == 1 ? "" : "s"));
        for (ImageDiff.CodeDiff c : r.code()) {
            c.unifiedDiff().forEach(out::println);
        }
        out.println();
        out.println("Result: " + verdict(r));
    }

    private static String side(ImageDiff.Side s) {
        return String.format("%s (%d bytes, R2R %s, %s/%s, stubs %s)", s.name(), s.bytes(), s.version(), s.architecture(), s.os(),
                s.stubLayout());
    }

    /** r2rdump's size table: LEFT_SIZE RIGHT_SIZE DIFF NAME, then the totals. */
    private static void sizeTable(PrintWriter out, String name, List<ImageDiff.SizeRow> rows, boolean all) {
        String title = String.format(" LEFT_SIZE RIGHT_SIZE       DIFF  %s (%d)", name, rows.size());
        out.println(title);
        out.println("-".repeat(title.length()));
        long left = 0;
        long right = 0;
        for (ImageDiff.SizeRow row : rows) {
            left += Math.max(0, row.left());
            right += Math.max(0, row.right());
            out.printf("%10s %10s %10s  %s%n", row.left() < 0 ? "" : Long.toString(row.left()), row.right() < 0 ? "" : Long.toString(row.right()),
                    row.left() == row.right() ? "" : Long.toString(row.delta()), row.name());
        }
        out.printf("%10d %10d %10d  <TOTAL>%n", left, right, right - left);
        out.println();
    }

    /** "identical", or "different: " and what differs. */
    static String verdict(ImageDiff.Result r) {
        if (r.identical()) {
            return r.byteIdentical() ? "identical" : "identical (the files differ only in bytes diff does not compare)";
        }
        List<String> what = new ArrayList<>();
        count(what, r.header().size(), "header field", "header fields");
        count(what, (int) r.peSections().stream().filter(x -> x.left() != x.right()).count(), "PE section size", "PE section sizes");
        count(what, (int) r.r2rSections().stream().filter(x -> x.left() != x.right()).count(), "R2R section size", "R2R section sizes");
        count(what, r.leftOnly().size(), "method only in left", "methods only in left");
        count(what, r.rightOnly().size(), "method only in right", "methods only in right");
        count(what, r.methodSizes().size(), "method size", "method sizes");
        count(what, r.stubPlacement().size(), "stub placed differently", "stubs placed differently");
        count(what, r.structural().size(), "structural difference", "structural differences");
        count(what, r.code().size(), "method with code differences", "methods with code differences");
        return "different: " + String.join(", ", what);
    }

    private static void count(List<String> out, int n, String one, String many) {
        if (n > 0) {
            out.add(n + " " + (n == 1 ? one : many));
        }
    }

    // ---- JSON ----

    static JsonObject json(ImageDiff.Result r) {
        JsonObject o = new JsonObject();
        o.add("left", sideJson(r.left()));
        o.add("right", sideJson(r.right()));
        o.addProperty("identical", r.identical());
        o.addProperty("byteIdentical", r.byteIdentical());
        o.addProperty("result", verdict(r));
        JsonArray header = new JsonArray();
        r.header().forEach(header::add);
        o.add("header", header);
        o.add("peSections", rows(r.peSections()));
        o.add("r2rSections", rows(r.r2rSections()));
        JsonObject methods = new JsonObject();
        methods.add("leftOnly", rows(r.leftOnly()));
        methods.add("rightOnly", rows(r.rightOnly()));
        methods.addProperty("common", r.common());
        methods.addProperty("leftCommonSize", r.leftCommonSize());
        methods.addProperty("rightCommonSize", r.rightCommonSize());
        methods.add("sizeChanges", rows(r.methodSizes()));
        o.add("methods", methods);
        JsonArray stubs = new JsonArray();
        for (ImageDiff.StubPlacement p : r.stubPlacement()) {
            JsonObject j = new JsonObject();
            j.addProperty("stub", p.stub());
            j.addProperty("left", p.left());
            j.addProperty("right", p.right());
            stubs.add(j);
        }
        o.add("stubPlacement", stubs);
        JsonArray structural = new JsonArray();
        for (ImageDiff.Structural s : r.structural()) {
            JsonObject j = new JsonObject();
            j.addProperty("method", s.method());
            j.addProperty("what", s.what());
            structural.add(j);
        }
        o.add("structural", structural);
        JsonArray code = new JsonArray();
        for (ImageDiff.CodeDiff c : r.code()) {
            JsonObject j = new JsonObject();
            j.addProperty("method", c.method());
            JsonArray lines = new JsonArray();
            c.unifiedDiff().forEach(lines::add);
            j.add("diff", lines);
            code.add(j);
        }
        o.add("code", code);
        return o;
    }

    private static JsonObject sideJson(ImageDiff.Side s) {
        JsonObject j = new JsonObject();
        j.addProperty("file", s.name());
        j.addProperty("bytes", s.bytes());
        j.addProperty("r2rVersion", s.version());
        j.addProperty("architecture", s.architecture());
        j.addProperty("os", s.os());
        j.addProperty("flags", s.flags());
        j.addProperty("compilerIdentifier", s.compiler());
        j.addProperty("stubLayout", s.stubLayout());
        return j;
    }

    private static JsonArray rows(List<ImageDiff.SizeRow> rows) {
        JsonArray a = new JsonArray();
        for (ImageDiff.SizeRow row : rows) {
            JsonObject j = new JsonObject();
            j.addProperty("name", row.name());
            if (row.left() < 0) {
                j.add("left", JsonNull.INSTANCE);
            } else {
                j.addProperty("left", row.left());
            }
            if (row.right() < 0) {
                j.add("right", JsonNull.INSTANCE);
            } else {
                j.addProperty("right", row.right());
            }
            a.add(j);
        }
        return a;
    }

    // ---- HTML ----

    /** A self-contained page: the text report's tables, then each differing method side by side (left removed, right added). */
    static String html(ImageDiff.Result r) {
        StringWriter summary = new StringWriter();
        ImageDiff.Result noCode = new ImageDiff.Result(r.left(), r.right(), r.byteIdentical(), r.header(), r.peSections(), r.r2rSections(),
                r.leftOnly(), r.rightOnly(), r.common(), r.leftCommonSize(), r.rightCommonSize(), r.methodSizes(), r.stubPlacement(),
                r.structural(), List.of());
        text(noCode, new PrintWriter(summary, true));
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>r2rlab diff ").append(esc(r.left().name())).append(" ")
                .append(esc(r.right().name())).append("</title>\n<style>body{font-family:sans-serif}pre,td{font-family:monospace;"
                        + "font-size:12px;white-space:pre}table{border-collapse:collapse}td{vertical-align:top;padding:0 6px}"
                        + ".del{background:#fdd}.add{background:#dfd}.hunk{color:#888}</style></head><body>\n");
        h.append("<h1>").append(esc(r.left().name())).append(" &rarr; ").append(esc(r.right().name())).append("</h1>\n");
        h.append("<p><b>Result: ").append(esc(verdict(r))).append("</b></p>\n");
        h.append("<pre>").append(esc(summary.toString())).append("</pre>\n");
        for (ImageDiff.CodeDiff c : r.code()) {
            h.append("<h2>").append(esc(c.method())).append("</h2>\n");
            codeTable(h, c);
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    /** One method's unified diff as a two-column table: left (removed) and right (added) lines side by side. */
    static void codeTable(StringBuilder h, ImageDiff.CodeDiff c) {
        h.append("<table>\n");
        List<String> del = new ArrayList<>();
        List<String> add = new ArrayList<>();
        for (String line : c.unifiedDiff()) {
            if (line.startsWith("---") || line.startsWith("+++")) {
                continue;
            }
            if (line.startsWith("-")) {
                del.add(line.substring(1));
                continue;
            }
            if (line.startsWith("+")) {
                add.add(line.substring(1));
                continue;
            }
            flush(h, del, add);
            if (line.startsWith("@@")) {
                h.append("<tr><td class=\"hunk\" colspan=\"2\">").append(esc(line)).append("</td></tr>\n");
            } else {
                String same = line.isEmpty() ? "" : line.substring(1);
                h.append("<tr><td>").append(esc(same)).append("</td><td>").append(esc(same)).append("</td></tr>\n");
            }
        }
        flush(h, del, add);
        h.append("</table>\n");
    }

    /** A run of removed and added lines, paired row by row. */
    private static void flush(StringBuilder h, List<String> del, List<String> add) {
        for (int i = 0; i < Math.max(del.size(), add.size()); i++) {
            String a = i < del.size() ? del.get(i) : null;
            String b = i < add.size() ? add.get(i) : null;
            h.append("<tr><td").append(a == null ? "" : " class=\"del\"").append(">").append(a == null ? "" : esc(a)).append("</td><td")
                    .append(b == null ? "" : " class=\"add\"").append(">").append(b == null ? "" : esc(b)).append("</td></tr>\n");
        }
        del.clear();
        add.clear();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
