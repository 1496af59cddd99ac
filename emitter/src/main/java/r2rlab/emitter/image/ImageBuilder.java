package r2rlab.emitter.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emitter.EmitException;
import r2rlab.emitter.reloc.RelocationResolver;
import r2rlab.format.BlobBuilder;
import r2rlab.format.pe.BaseRelocationBlock;
import r2rlab.format.pe.DataDirectory;
import r2rlab.format.pe.PeImage;
import r2rlab.format.pe.PeWriter;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;
import r2rlab.format.pe.TargetOs;

/**
 * Places object nodes into the .text and .data sections in the order they were added, gives every
 * symbol an RVA, patches every relocation, writes the .reloc section for the absolute ones and
 * returns the PE file. Output is a pure function of the input: the COFF time stamp is derived from
 * a SHA-256 of the image, as crossgen2 does for deterministic builds.
 */
public final class ImageBuilder {
    private record Alias(String base, long offset) {
    }

    private record Directory(String symbol, long size) {
    }

    private final Map<SectionKind, List<ObjectNode>> nodes = new EnumMap<>(SectionKind.class);
    private final Map<String, ObjectNode> bySymbol = new HashMap<>(1 << 16);
    private final Map<String, Alias> aliases = new LinkedHashMap<>();
    private final Map<Integer, Directory> directories = new HashMap<>();
    private final Map<String, Long> rvas = new HashMap<>(1 << 16);
    private final List<PeImage.BaseRelocation> baseRelocations = new ArrayList<>();
    private RelocationHook hook = RelocationResolver::apply;

    /** How a relocation is applied; a defect switch may replace the exact formulas. */
    @FunctionalInterface
    public interface RelocationHook {
        boolean apply(byte[] section, long sectionRva, Relocation reloc, long symbolRva, long imageBase);
    }

    public ImageBuilder() {
        for (SectionKind k : SectionKind.values()) {
            nodes.put(k, new ArrayList<>());
        }
    }

    public void relocationHook(RelocationHook hook) {
        this.hook = hook;
    }

    public ObjectNode add(ObjectNode node) {
        if (node.section() == SectionKind.RELOC) {
            throw new IllegalArgumentException(".reloc is written by the builder");
        }
        if (bySymbol.putIfAbsent(node.symbol(), node) != null || aliases.containsKey(node.symbol())) {
            throw new IllegalArgumentException("symbol defined twice: " + node.symbol());
        }
        nodes.get(node.section()).add(node);
        return node;
    }

    /** Defines {@code symbol} as {@code base} + {@code offset} (e.g. one cell of an import section). */
    public void alias(String symbol, String base, long offset) {
        if (bySymbol.containsKey(symbol) || aliases.putIfAbsent(symbol, new Alias(base, offset)) != null) {
            throw new IllegalArgumentException("symbol defined twice: " + symbol);
        }
    }

    public boolean defines(String symbol) {
        return bySymbol.containsKey(symbol) || aliases.containsKey(symbol);
    }

    public void directory(int index, String symbol, long size) {
        directories.put(index, new Directory(symbol, size));
    }

    /** RVA of a symbol, once {@link #build} has laid the image out. */
    public long rva(String symbol) {
        Long r = rvas.get(symbol);
        if (r != null) {
            return r;
        }
        Alias a = aliases.get(symbol);
        if (a == null) {
            throw new IllegalArgumentException("undefined symbol: " + symbol);
        }
        return rva(a.base()) + a.offset();
    }

    public List<PeImage.BaseRelocation> baseRelocations() {
        return baseRelocations;
    }

    public byte[] build(int rawMachine, TargetOs os, long imageBase) {
        // Offsets inside each section.
        Map<SectionKind, Integer> sizes = new EnumMap<>(SectionKind.class);
        // Offsets by node position: maps keyed by node would hash or probe for every one of them.
        Map<SectionKind, int[]> offsets = new EnumMap<>(SectionKind.class);
        for (SectionKind k : List.of(SectionKind.TEXT, SectionKind.DATA)) {
            List<ObjectNode> list = nodes.get(k);
            int[] at = new int[list.size()];
            int pos = 0;
            for (int i = 0; i < at.length; i++) {
                ObjectNode n = list.get(i);
                pos = (pos + n.alignment() - 1) & -n.alignment();
                at[i] = pos;
                pos += n.size();
            }
            offsets.put(k, at);
            sizes.put(k, Math.max(pos, 1));
        }
        // .reloc is last, so its size (known only once RVAs are) cannot move the others: lay out
        // with the largest size it can have, then again with the real one.
        // At most one block per relocation: header and one entry padded to two.
        int blockPerRelocation = BaseRelocationBlock.HEADER_SIZE + 2 * BaseRelocationBlock.ENTRY_SIZE;
        int maxReloc = 0;
        for (List<ObjectNode> list : nodes.values()) {
            for (ObjectNode n : list) {
                for (Relocation r : n.relocations()) {
                    if (r.type() == RelocType.IMAGE_REL_BASED_DIR64 || r.type() == RelocType.IMAGE_REL_BASED_HIGHLOW) {
                        maxReloc += blockPerRelocation;
                    }
                }
            }
        }
        PeWriter probe = writer(rawMachine, os, imageBase, 0, sizes, Math.max(maxReloc, blockPerRelocation));
        Map<SectionKind, Long> sectionRva = new EnumMap<>(SectionKind.class);
        for (int i = 0; i < 2; i++) {
            sectionRva.put(SectionKind.values()[i], probe.sections().get(i).rva());
        }
        rvas.clear();
        for (SectionKind k : List.of(SectionKind.TEXT, SectionKind.DATA)) {
            List<ObjectNode> list = nodes.get(k);
            int[] at = offsets.get(k);
            for (int i = 0; i < at.length; i++) {
                rvas.put(list.get(i).symbol(), sectionRva.get(k) + at[i]);
            }
        }
        // Patch.
        Map<SectionKind, byte[]> contents = new EnumMap<>(SectionKind.class);
        baseRelocations.clear();
        for (SectionKind k : List.of(SectionKind.TEXT, SectionKind.DATA)) {
            byte[] content = new byte[sizes.get(k)];
            List<ObjectNode> list = nodes.get(k);
            int[] at = offsets.get(k);
            for (int i = 0; i < at.length; i++) {
                System.arraycopy(list.get(i).bytes(), 0, content, at[i], list.get(i).size());
            }
            for (int i = 0; i < at.length; i++) {
                ObjectNode n = list.get(i);
                int base = at[i];
                for (Relocation r : n.relocations()) {
                    Relocation shifted = new Relocation(base + r.offset(), r.type(), r.symbol(), r.addend());
                    boolean absolute;
                    try {
                        absolute = hook.apply(content, sectionRva.get(k), shifted, rva(r.symbol()), imageBase);
                    } catch (RuntimeException e) {
                        // Out of range, misaligned, or refused by a defect switch: name where it happened.
                        throw new EmitException("relocation " + RelocType.name(r.type()) + " to " + r.symbol() + " in "
                                + n.symbol() + " at +0x" + Integer.toHexString(r.offset()) + ": " + e.getMessage(), e);
                    }
                    if (absolute) {
                        // DIR64 and HIGHLOW are base relocation types as they are.
                        baseRelocations.add(new PeImage.BaseRelocation(sectionRva.get(k) + base + r.offset(), r.type()));
                    }
                }
            }
            contents.put(k, content);
        }
        byte[] reloc = PeWriter.baseRelocationBlocks(baseRelocations);
        if (reloc.length == 0) {
            // An empty block keeps the directory valid.
            BlobBuilder empty = new BlobBuilder();
            new BaseRelocationBlock(0, List.of()).write(empty);
            reloc = empty.toByteArray();
        }
        PeWriter w = writer(rawMachine, os, imageBase, 0, sizes, reloc.length);
        w.setData(w.sections().get(0), contents.get(SectionKind.TEXT));
        w.setData(w.sections().get(1), contents.get(SectionKind.DATA));
        w.setData(w.sections().get(2), reloc);
        w.setDirectory(DataDirectory.BASERELOC, w.sections().get(2).rva(), reloc.length);
        for (var e : directories.entrySet()) {
            w.setDirectory(e.getKey(), rva(e.getValue().symbol()), e.getValue().size());
        }
        byte[] image = w.write();
        // Deterministic time stamp: the first four bytes of the image's SHA-256.
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(image);
            int stampOffset = PeWriter.DOS_HEADER_SIZE + 4 + 4;
            System.arraycopy(digest, 0, image, stampOffset, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return image;
    }

    private static PeWriter writer(int rawMachine, TargetOs os, long imageBase, int stamp, Map<SectionKind, Integer> sizes, int relocSize) {
        PeWriter w = new PeWriter(rawMachine, os, imageBase, stamp);
        w.addSection(SectionKind.TEXT.sectionName, SectionKind.TEXT.characteristics, sizes.get(SectionKind.TEXT));
        w.addSection(SectionKind.DATA.sectionName, SectionKind.DATA.characteristics, sizes.get(SectionKind.DATA));
        w.addSection(SectionKind.RELOC.sectionName, SectionKind.RELOC.characteristics, relocSize);
        w.layout();
        return w;
    }
}
