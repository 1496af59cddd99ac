package r2rlab.emu.diff;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import r2rlab.format.pe.SectionHeader;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.MethodPattern;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ReadyToRunSection;

/**
 * The comparison of two ReadyToRun images behind {@code r2rlab diff}, in the spirit of
 * {@code r2rdump --diff}: PE and R2R section sizes, the methods present in one image only, method sizes,
 * then for the methods present in both (matched by {@link MethodListing#key}) what matters to the
 * runtime — a resumption stub that moved next to or away from its async variant, a changed fixup list, a
 * changed ContinuationLayout, a call that became direct or indirect, a changed split into funclets and
 * cold parts — and a unified diff of their naked listings, which do not depend on layout. A result, not
 * text: the command line and reports render it.
 */
public final class ImageDiff {
    /** A named size on each side; -1 where that side has no such thing. */
    public record SizeRow(String name, long left, long right) {
        public long delta() {
            return Math.max(0, right) - Math.max(0, left);
        }
    }

    /** A resumption stub whose placement differs: "next to its variant" or "apart from its variant" on each side. */
    public record StubPlacement(String stub, String left, String right) {
    }

    /** A difference of one method that matters to the runtime. */
    public record Structural(String method, String what) {
    }

    /** The unified diff of one method's naked listings. */
    public record CodeDiff(String method, List<String> unifiedDiff) {
    }

    /** One image's identity. */
    public record Side(String name, long bytes, String version, String architecture, String os, int flags, String compiler,
                       String stubLayout) {
    }

    /** Everything the comparison found. Lists are in a stable order: by name, sizes by name too. */
    public record Result(Side left, Side right, boolean byteIdentical, List<String> header, List<SizeRow> peSections,
                         List<SizeRow> r2rSections, List<SizeRow> leftOnly, List<SizeRow> rightOnly, int common,
                         long leftCommonSize, long rightCommonSize, List<SizeRow> methodSizes, List<StubPlacement> stubPlacement,
                         List<Structural> structural, List<CodeDiff> code) {
        /** No difference in anything compared (the files may still differ elsewhere, see {@link #byteIdentical}). */
        public boolean identical() {
            return header.isEmpty() && peSections.stream().allMatch(r -> r.left() == r.right())
                    && r2rSections.stream().allMatch(r -> r.left() == r.right()) && leftOnly.isEmpty() && rightOnly.isEmpty()
                    && methodSizes.isEmpty() && stubPlacement.isEmpty() && structural.isEmpty() && code.isEmpty();
        }

        /** The methods named by a structural difference or a code difference, sorted. */
        public Set<String> differingMethods() {
            Set<String> out = new TreeSet<>();
            structural.forEach(s -> out.add(s.method()));
            code.forEach(c -> out.add(c.method()));
            return out;
        }
    }

    private static final int CONTEXT_LINES = 3;

    private ImageDiff() {
    }

    /**
     * Compares {@code left} and {@code right} ({@code leftBytes}/{@code rightBytes}: the files, to tell
     * byte-identical images apart); {@code patterns} restrict the method part to the families they match
     * (none: every method).
     */
    public static Result compare(R2RImage left, byte[] leftBytes, R2RImage right, byte[] rightBytes, List<MethodPattern> patterns) {
        try (MethodListing l = new MethodListing(left); MethodListing r = new MethodListing(right)) {
            return compare(l, leftBytes.length, r, rightBytes.length, Arrays.equals(leftBytes, rightBytes), patterns);
        }
    }

    private static Result compare(MethodListing l, long leftLength, MethodListing r, long rightLength, boolean same,
                                  List<MethodPattern> patterns) {
        R2RImage a = l.image();
        R2RImage b = r.image();
        Side left = side(l, leftLength);
        Side right = side(r, rightLength);
        List<String> header = new ArrayList<>();
        headerRow(header, "R2R version", left.version(), right.version());
        headerRow(header, "machine", left.architecture() + "/" + left.os(), right.architecture() + "/" + right.os());
        headerRow(header, "flags", String.format("0x%08X", left.flags()), String.format("0x%08X", right.flags()));
        headerRow(header, "compiler", left.compiler(), right.compiler());

        Map<String, ReadyToRunMethod> lm = methods(l, patterns);
        Map<String, ReadyToRunMethod> rm = methods(r, patterns);
        List<SizeRow> leftOnly = new ArrayList<>();
        List<SizeRow> rightOnly = new ArrayList<>();
        List<SizeRow> sizes = new ArrayList<>();
        List<StubPlacement> placement = new ArrayList<>();
        List<Structural> structural = new ArrayList<>();
        List<CodeDiff> code = new ArrayList<>();
        long leftCommon = 0;
        long rightCommon = 0;
        int common = 0;
        for (Map.Entry<String, ReadyToRunMethod> e : lm.entrySet()) {
            if (!rm.containsKey(e.getKey())) {
                leftOnly.add(new SizeRow(e.getKey(), l.size(e.getValue()), -1));
            }
        }
        for (Map.Entry<String, ReadyToRunMethod> e : rm.entrySet()) {
            ReadyToRunMethod x = lm.get(e.getKey());
            ReadyToRunMethod y = e.getValue();
            String key = e.getKey();
            if (x == null) {
                rightOnly.add(new SizeRow(key, -1, r.size(y)));
                continue;
            }
            common++;
            long xs = l.size(x);
            long ys = r.size(y);
            leftCommon += xs;
            rightCommon += ys;
            if (xs != ys) {
                sizes.add(new SizeRow(key, xs, ys));
            }
            if (x.kind() == CodeBodyKind.RESUMPTION_STUB && l.owner(x) != null && r.owner(y) != null
                    && l.nextToVariant(x) != r.nextToVariant(y)) {
                placement.add(new StubPlacement(key, placementName(l.nextToVariant(x)), placementName(r.nextToVariant(y))));
            }
            if (same) {
                continue; // byte-identical files: identical listings, nothing to disassemble
            }
            MethodListing.Body bx = l.body(x);
            MethodListing.Body by = r.body(y);
            structural(key, l, x, bx, r, y, by, structural);
            if (!bx.listing().equals(by.listing())) {
                Patch<String> patch = DiffUtils.diff(bx.listing(), by.listing());
                code.add(new CodeDiff(key, UnifiedDiffUtils.generateUnifiedDiff("left/" + key, "right/" + key, bx.listing(), patch,
                        CONTEXT_LINES)));
            }
        }
        return new Result(left, right, same, header, sizes(peSections(a), peSections(b)), sizes(r2rSections(a), r2rSections(b)),
                leftOnly, rightOnly, common, leftCommon, rightCommon, sizes, placement, structural, code);
    }

    private static Side side(MethodListing m, long length) {
        R2RImage img = m.image();
        return new Side(img.name(), length, img.header().version(), img.pe().machine().archName, img.pe().os().osName,
                img.header().flags(), img.compilerIdentifier(), m.stubLayout());
    }

    private static void headerRow(List<String> out, String what, String left, String right) {
        if (!left.equals(right)) {
            out.add(what + ": " + left + " -> " + right);
        }
    }

    private static String placementName(boolean next) {
        return next ? "next to its variant" : "apart from its variant";
    }

    /** Keyed bodies matching {@code patterns} (all when there are none), sorted by key. */
    private static Map<String, ReadyToRunMethod> methods(MethodListing l, List<MethodPattern> patterns) {
        List<ReadyToRunMethod> chosen = patterns.isEmpty() ? l.image().methods() : MethodPattern.select(l.image(), patterns);
        Map<String, ReadyToRunMethod> out = new TreeMap<>();
        chosen.forEach(m -> out.put(l.key(m), m));
        return out;
    }

    private static void structural(String key, MethodListing l, ReadyToRunMethod x, MethodListing.Body bx,
                                   MethodListing r, ReadyToRunMethod y, MethodListing.Body by, List<Structural> out) {
        List<String> removed = minus(bx.fixups(), by.fixups());
        List<String> added = minus(by.fixups(), bx.fixups());
        removed.forEach(f -> out.add(new Structural(key, "fixup removed: " + f)));
        added.forEach(f -> out.add(new Structural(key, "fixup added: " + f)));
        if (!sorted(bx.continuationLayouts()).equals(sorted(by.continuationLayouts()))) {
            out.add(new Structural(key, "ContinuationLayout changed: " + layouts(bx.continuationLayouts()) + " -> "
                    + layouts(by.continuationLayouts())));
        }
        String sx = l.stub(x) == null ? "none" : l.key(l.stub(x));
        String sy = r.stub(y) == null ? "none" : r.key(r.stub(y));
        if (!sx.equals(sy)) {
            out.add(new Structural(key, "resumption stub changed: " + sx + " -> " + sy));
        }
        if (bx.coldParts() != by.coldParts()) {
            out.add(new Structural(key, by.coldParts() > bx.coldParts() ? "split into hot and cold parts (cold parts " + bx.coldParts()
                    + " -> " + by.coldParts() + ")" : "no longer split into hot and cold parts (cold parts " + bx.coldParts() + " -> "
                    + by.coldParts() + ")"));
        }
        if (bx.funclets() != by.funclets()) {
            out.add(new Structural(key, "funclets " + bx.funclets() + " -> " + by.funclets()));
        }
        callKinds(key, bx.calls(), by.calls(), out);
    }

    /** Calls to the same callee that were direct on one side and only indirect on the other. */
    private static void callKinds(String key, List<MethodListing.Call> left, List<MethodListing.Call> right, List<Structural> out) {
        Map<String, int[]> counts = new TreeMap<>();
        Map<String, String> cells = new HashMap<>();
        for (MethodListing.Call c : left) {
            counts.computeIfAbsent(c.callee(), k -> new int[4])[c.direct() ? 0 : 1]++;
        }
        for (MethodListing.Call c : right) {
            counts.computeIfAbsent(c.callee(), k -> new int[4])[c.direct() ? 2 : 3]++;
            if (!c.direct()) {
                cells.putIfAbsent(c.callee(), c.cell());
            }
        }
        for (MethodListing.Call c : left) {
            if (!c.direct()) {
                cells.putIfAbsent("left " + c.callee(), c.cell());
            }
        }
        counts.forEach((callee, n) -> {
            if (n[0] > 0 && n[2] == 0 && n[3] > n[1]) {
                out.add(new Structural(key, "call to " + callee + " became indirect (through " + cells.get(callee) + ")"));
            } else if (n[2] > 0 && n[0] == 0 && n[1] > n[3]) {
                out.add(new Structural(key, "call to " + callee + " became direct (was through " + cells.get("left " + callee) + ")"));
            }
        });
    }

    private static String layouts(List<String> l) {
        return l.isEmpty() ? "none" : String.join(", ", sorted(l));
    }

    private static List<String> sorted(List<String> l) {
        List<String> s = new ArrayList<>(l);
        s.sort(null);
        return s;
    }

    /** {@code a} without one occurrence of each element of {@code b} (multiset difference), sorted. */
    private static List<String> minus(List<String> a, List<String> b) {
        Map<String, Integer> left = new HashMap<>();
        b.forEach(x -> left.merge(x, 1, Integer::sum));
        List<String> out = new ArrayList<>();
        for (String x : sorted(a)) {
            Integer n = left.get(x);
            if (n != null && n > 0) {
                left.put(x, n - 1);
            } else {
                out.add(x);
            }
        }
        return out;
    }

    private static Map<String, Long> peSections(R2RImage img) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (SectionHeader s : img.pe().sections()) {
            out.merge(s.name(), s.sizeOfRawData(), Long::sum);
        }
        return out;
    }

    private static Map<String, Long> r2rSections(R2RImage img) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (ReadyToRunSection s : img.header().sections()) {
            out.merge(s.name(), s.size(), Long::sum);
        }
        return out;
    }

    /** One row per name of either side, sorted by name. */
    private static List<SizeRow> sizes(Map<String, Long> left, Map<String, Long> right) {
        Set<String> names = new TreeSet<>(left.keySet());
        names.addAll(right.keySet());
        List<SizeRow> out = new ArrayList<>();
        for (String n : names) {
            out.add(new SizeRow(n, left.getOrDefault(n, -1L), right.getOrDefault(n, -1L)));
        }
        return out;
    }
}
