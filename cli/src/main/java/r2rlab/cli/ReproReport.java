package r2rlab.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import r2rlab.emu.diff.ImageDiff;
import r2rlab.emu.disasm.ImageDisassembler;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.Frame;
import r2rlab.repro.Check;
import r2rlab.repro.Observation;
import r2rlab.repro.Regression;
import r2rlab.repro.RegressionResult;
import r2rlab.repro.SymptomKind;
import r2rlab.repro.TargetResult;
import r2rlab.repro.Verdict;

/** {@code r2rlab repro}'s renderings of {@link RegressionResult}s: the table, JSON, and a self-contained HTML page. */
final class ReproReport {
    private ReproReport() {
    }

    // ---- text

    /** One row per pair (name, id, architecture, verdict, outcome with the defect | without it), the failed checks, a count. */
    static void table(List<RegressionResult> results, PrintWriter out) {
        int nameWidth = 10;
        for (RegressionResult r : results) {
            nameWidth = Math.max(nameWidth, r.regression().name().length());
        }
        String row = "%-" + nameWidth + "s  %-4s  %-5s  %-16s  %s%n";
        out.printf(row, "REGRESSION", "ID", "ARCH", "VERDICT", "WITH THE DEFECT  |  WITHOUT IT");
        Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
        int pairs = 0;
        for (RegressionResult r : results) {
            Regression g = r.regression();
            if (r.targets().isEmpty()) {
                out.printf(row, g.name(), g.id(), "-", r.verdict().text, g.reason() != null ? oneLine(g.reason())
                        : "runs on " + g.targets().stream().map(t -> t.name()).collect(Collectors.joining(", ")) + " only");
                counts.merge(r.verdict(), 1, Integer::sum);
                continue;
            }
            for (TargetResult t : r.targets()) {
                pairs++;
                counts.merge(t.verdict(), 1, Integer::sum);
                out.printf(row, g.name(), g.id(), t.target().name(), t.verdict().text,
                        oneLine(t.buggy().summary()) + "  |  " + oneLine(t.fixed().summary()));
                for (Check c : t.buggyChecks()) {
                    if (!c.ok()) {
                        out.println("    with the defect: " + c);
                    }
                }
                for (Check c : t.fixedChecks()) {
                    if (!c.ok()) {
                        out.println("    without it: " + c);
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Verdict, Integer> e : counts.entrySet()) {
            sb.append(", ").append(e.getValue()).append(' ').append(e.getKey().text);
        }
        out.printf("%d regressions, %d buggy/fixed pairs%s%n", results.size(), pairs, sb);
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\n\\s*", " ");
    }

    // ---- JSON

    static String json(List<RegressionResult> results) {
        JsonObject o = new JsonObject();
        o.addProperty("ok", results.stream().allMatch(RegressionResult::ok));
        JsonArray regs = new JsonArray();
        for (RegressionResult r : results) {
            Regression g = r.regression();
            JsonObject j = new JsonObject();
            j.addProperty("name", g.name());
            j.addProperty("id", g.id());
            j.addProperty("title", g.title());
            j.addProperty("file", g.file().toString());
            j.addProperty("driver", g.driver().key);
            j.addProperty("defect", g.defect() == null ? null : g.defect().name());
            j.addProperty("verdict", r.verdict().text);
            if (g.reason() != null) {
                j.addProperty("reason", g.reason());
            }
            JsonArray targets = new JsonArray();
            for (TargetResult t : r.targets()) {
                JsonObject tj = new JsonObject();
                tj.addProperty("target", t.target().name());
                tj.addProperty("verdict", t.verdict().text);
                tj.add("buggy", run(t.buggy(), t.buggyChecks()));
                tj.add("fixed", run(t.fixed(), t.fixedChecks()));
                targets.add(tj);
            }
            j.add("targets", targets);
            regs.add(j);
        }
        o.add("regressions", regs);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(o);
    }

    private static JsonObject run(Observation o, List<Check> checks) {
        JsonObject j = new JsonObject();
        j.addProperty("summary", o.summary());
        JsonObject facts = new JsonObject();
        for (Map.Entry<SymptomKind, String> e : o.facts().entrySet()) {
            facts.addProperty(e.getKey().key, e.getValue());
        }
        j.add("observed", facts);
        JsonArray cs = new JsonArray();
        for (Check c : checks) {
            JsonObject cj = new JsonObject();
            cj.addProperty("kind", c.kind().key);
            cj.addProperty("expected", c.expected());
            cj.addProperty("observed", c.observed());
            cj.addProperty("ok", c.ok());
            cs.add(cj);
        }
        j.add("checks", cs);
        if (o.fault() != null) {
            j.addProperty("faultReport", o.fault().toString());
        }
        return j;
    }

    // ---- HTML

    private static final String STYLE = "body{font-family:sans-serif;margin:1em 2em}pre,td.code,td.mono{font-family:monospace;font-size:12px;"
            + "white-space:pre-wrap}table{border-collapse:collapse}th,td{vertical-align:top;padding:2px 6px;text-align:left}"
            + "table.summary td,table.summary th,table.checks td,table.checks th{border:1px solid #ccc}"
            + ".ok{color:#060}.bad{color:#a00;font-weight:bold}.del{background:#fdd}.add{background:#dfd}.hunk{color:#888}"
            + ".mark{background:#ff8}section.regression{border-top:2px solid #888;margin-top:2em}h5+table td{font-family:monospace;font-size:12px;white-space:pre}";

    /** One page, no scripts and nothing fetched: the summary table, then a section per regression. */
    static String html(List<RegressionResult> results) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>r2rlab repro</title>\n<style>").append(STYLE)
                .append("</style></head><body>\n<h1>r2rlab repro</h1>\n");
        boolean ok = results.stream().allMatch(RegressionResult::ok);
        h.append("<p class=\"").append(ok ? "ok" : "bad").append("\">").append(ok
                ? "Every defect showed its documented symptom and every fixed run passed."
                : "Some defect did not show its symptom, or some fixed run failed.").append("</p>\n");
        h.append("<table class=\"summary\" id=\"summary\">\n<tr><th>regression</th><th>id</th><th>arch</th><th>with the defect</th>"
                + "<th>without it</th><th>verdict</th></tr>\n");
        for (RegressionResult r : results) {
            Regression g = r.regression();
            String link = "<a href=\"#" + anchor(g) + "\">" + esc(g.name()) + "</a>";
            if (r.targets().isEmpty()) {
                h.append("<tr><td>").append(link).append("</td><td>").append(esc(g.id())).append("</td><td>-</td><td colspan=\"2\">")
                        .append(esc(g.reason() == null ? "" : g.reason())).append("</td>").append(verdictCell(r.verdict())).append("</tr>\n");
            }
            for (TargetResult t : r.targets()) {
                h.append("<tr><td>").append(link).append("</td><td>").append(esc(g.id())).append("</td><td>").append(esc(t.target().name()))
                        .append("</td><td class=\"mono\">").append(esc(t.buggy().summary())).append("</td><td class=\"mono\">")
                        .append(esc(t.fixed().summary())).append("</td>").append(verdictCell(t.verdict())).append("</tr>\n");
            }
        }
        h.append("</table>\n");
        for (RegressionResult r : results) {
            section(h, r);
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String verdictCell(Verdict v) {
        return "<td class=\"" + (v.ok() ? "ok" : "bad") + "\">" + esc(v.text) + "</td>";
    }

    /** The id of a regression's section: its name, which the catalogue keeps unique. */
    static String anchor(Regression g) {
        return "regression-" + g.name();
    }

    private static void section(StringBuilder h, RegressionResult r) {
        Regression g = r.regression();
        h.append("<section class=\"regression\" id=\"").append(esc(anchor(g))).append("\">\n<h2>").append(esc(g.name()))
                .append(g.title() == null ? "" : " &mdash; " + esc(g.title())).append("</h2>\n");
        h.append("<p>Catalogue id <b>").append(esc(g.id())).append("</b>; driver ").append(esc(g.driver().key));
        if (g.defect() != null) {
            h.append("; defect switch <code>").append(esc(g.defect().name())).append("</code>");
        }
        h.append("; run options: ").append(esc(g.options().describe())).append("; file ").append(esc(g.file().getFileName().toString()))
                .append(". Verdict: <span class=\"").append(r.ok() ? "ok" : "bad").append("\">").append(esc(r.verdict().text)).append("</span></p>\n");
        h.append("<h3>Story</h3>\n");
        paragraphs(h, g.story());
        if (g.reason() != null) {
            h.append("<h3>Why it is not modelled</h3>\n");
            paragraphs(h, g.reason());
        }
        if (g.scenarioText() != null) {
            h.append("<h3>Scenario</h3>\n<pre>").append(esc(g.scenarioText())).append("</pre>\n");
        } else if (g.image() != null) {
            h.append("<h3>Image</h3>\n<p><code>").append(esc(g.image().getFileName().toString())).append("</code> (a real image)</p>\n");
        }
        if (g.entry() != null) {
            h.append("<p>Entry <code>").append(esc(g.entry())).append("</code> with arguments ").append(esc(g.args().toString())).append("</p>\n");
        }
        for (TargetResult t : r.targets()) {
            h.append("<h3>").append(esc(t.target().name())).append(": ").append(verdictSpan(t.verdict())).append("</h3>\n");
            h.append("<table class=\"checks\"><tr><th>run</th><th>kind</th><th>expected</th><th>observed</th><th></th></tr>\n");
            checks(h, "with the defect", t.buggyChecks());
            checks(h, "without it", t.fixedChecks());
            h.append("</table>\n");
            run(h, "With the defect", t.buggy());
            run(h, "Without it", t.fixed());
            diff(h, t.imageDiff());
        }
        h.append("</section>\n");
    }

    /** Text whose paragraphs are separated by blank lines. */
    private static void paragraphs(StringBuilder h, String text) {
        for (String p : text.strip().split("\\n\\s*\\n")) {
            h.append("<p>").append(esc(oneLine(p))).append("</p>\n");
        }
    }

    private static String verdictSpan(Verdict v) {
        return "<span class=\"" + (v.ok() ? "ok" : "bad") + "\">" + esc(v.text) + "</span>";
    }

    private static void checks(StringBuilder h, String run, List<Check> checks) {
        for (Check c : checks) {
            h.append("<tr><td>").append(run).append("</td><td>").append(esc(c.kind().key)).append("</td><td class=\"mono\">")
                    .append(esc(c.expected())).append("</td><td class=\"mono\">").append(esc(c.observed() == null ? "(nothing)" : c.observed()))
                    .append("</td><td class=\"").append(c.ok() ? "ok\">ok" : "bad\">MISMATCH").append("</td></tr>\n");
        }
    }

    private static void run(StringBuilder h, String title, Observation o) {
        h.append("<h4>").append(title).append("</h4>\n<p class=\"mono\"><code>").append(esc(o.summary())).append("</code></p>\n");
        FaultReport f = o.fault();
        if (f != null) {
            h.append("<p>Fault ").append(esc(f.kind().name())).append(String.format(" at 0x%X", f.pc())).append(" in ")
                    .append(esc(f.location())).append(f.faultAddress() != -1 ? String.format(", address 0x%X", f.faultAddress()) : "")
                    .append("</p>\n<pre>").append(esc(f.message())).append("</pre>\n");
            h.append("<h5>Registers</h5>\n<pre>").append(esc(f.registers().render())).append("</pre>\n");
            h.append("<h5>Frames</h5>\n<pre>");
            for (Frame fr : f.walk().frames()) {
                h.append(esc(fr.toString())).append('\n');
            }
            if (f.walk().terminal() != null) {
                h.append("-&gt; ").append(esc(f.walk().terminal())).append('\n');
            }
            if (f.walk().error() != null) {
                h.append("walk error: ").append(esc(f.walk().error())).append('\n');
            }
            h.append("</pre>\n<h5>Disassembly around the PC</h5>\n<pre>");
            if (f.disassembly().isEmpty()) {
                h.append("(no image code at or before the PC)\n");
            }
            for (FaultReport.Instruction i : f.disassembly()) {
                ImageDisassembler.Line l = i.line();
                String text = String.format("%s%016X  %-40s%s", i.marked() ? "=> " : "   ", l.address(), l.text(),
                        l.annotation().isEmpty() ? "" : " ; " + l.annotation());
                h.append(i.marked() ? "<span class=\"mark\">" + esc(text) + "</span>" : esc(text)).append('\n');
            }
            h.append("</pre>\n");
        }
        if (!o.notes().isEmpty()) {
            h.append("<details><summary>").append(o.notes().size()).append(" notes (trace, walks, blobs)</summary>\n<pre>");
            for (String n : o.notes()) {
                h.append(esc(n)).append('\n');
            }
            h.append("</pre></details>\n");
        }
    }

    /** The buggy image against the fixed one (ImageDiff): what differs, and each differing method side by side. */
    private static void diff(StringBuilder h, ImageDiff.Result d) {
        if (d == null) {
            return;
        }
        h.append("<h4>The fixed image (left) against the buggy image (right)</h4>\n");
        if (d.identical() && d.byteIdentical()) {
            h.append("<p>The images are byte-identical.</p>\n");
            return;
        }
        if (!d.structural().isEmpty()) {
            h.append("<ul>\n");
            for (ImageDiff.Structural s : d.structural()) {
                h.append("<li>").append(esc(s.method())).append(": ").append(esc(s.what())).append("</li>\n");
            }
            h.append("</ul>\n");
        }
        for (ImageDiff.StubPlacement p : d.stubPlacement()) {
            h.append("<p>").append(esc(p.stub())).append(": ").append(esc(p.left())).append(" &rarr; ").append(esc(p.right())).append("</p>\n");
        }
        if (d.code().isEmpty()) {
            h.append("<p>No method's instructions differ").append(d.identical() ? "; nothing the comparison covers differs" : "")
                    .append(".</p>\n");
        }
        for (ImageDiff.CodeDiff c : d.code()) {
            h.append("<h5>").append(esc(c.method())).append("</h5>\n");
            DiffReport.codeTable(h, c);
        }
    }

    private static String esc(String s) {
        return s == null ? "" : DiffReport.esc(s);
    }
}
