package r2rlab.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.nativeformat.FixupList;
import r2rlab.format.nativeformat.NativeArray;
import r2rlab.format.nativeformat.NativeHashtable;
import r2rlab.format.nativeformat.NativeReader;
import r2rlab.format.pe.CorHeader;
import r2rlab.format.pe.DataDirectory;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.PeImage;
import r2rlab.format.pe.SectionHeader;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.R2RLabSections;
import r2rlab.format.r2r.ReadyToRunHeaderConstants;
import r2rlab.format.r2r.ReadyToRunImportSection;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;

/**
 * A parsed ReadyToRun image: PE envelope, CLI header and metadata, READYTORUN_HEADER, import
 * sections with decoded fixups, runtime functions, and every method with code (MethodDef entry
 * points, instance entry points, resumption stubs), each mapped to its runtime functions. Reading is
 * eager and complete, so a malformed image fails here, with a {@link FormatException}, and never
 * later.
 */
public final class R2RImage {
    /** Sanity limit on any count read from an image before anything is allocated for it. */
    private static final long MAX_ENTRIES = 1 << 24;

    private final String name;
    private final PeImage pe;
    private final ByteReader file;
    private final CorHeader corHeader;
    private final Metadata metadata;
    private final ReadyToRunHeader header;
    private final String compilerIdentifier;
    private final List<ImportSection> importSections;
    private final List<RuntimeFunction> runtimeFunctions;
    private final long methodDefSlots;
    private final List<ReadyToRunMethod> methods;
    private final List<ResumptionStub> resumptionStubs;
    private final Map<Integer, Integer> coldToHot;

    private R2RImage(String name, byte[] bytes) {
        this.name = name;
        this.pe = PeImage.read(bytes);
        this.file = pe.file();
        DataDirectory cli = pe.dataDirectory(DataDirectory.COM_DESCRIPTOR);
        if (cli.isEmpty()) {
            throw new FormatException("IMAGE_DATA_DIRECTORY[COM_DESCRIPTOR]", -1, "the image has no CLI header: not a .NET image");
        }
        this.corHeader = CorHeader.read(file, pe.rvaToOffset("IMAGE_COR20_HEADER", cli.rva(), CorHeader.SIZE));
        DataDirectory md = corHeader.metadata();
        long mdOffset = pe.rvaToOffset("Metadata", md.rva(), md.size());
        this.metadata = Metadata.read(file, mdOffset, (int) md.size());
        DataDirectory nativeHeader = corHeader.managedNativeHeader();
        if (nativeHeader.isEmpty()) {
            throw new FormatException("IMAGE_COR20_HEADER.ManagedNativeHeader", -1, "empty: an IL-only image, not ReadyToRun");
        }
        this.header = readHeader(nativeHeader.rva());

        ReadyToRunSection ci = header.section(ReadyToRunSectionType.CompilerIdentifier.id);
        this.compilerIdentifier = ci == null ? "" : readCompilerIdentifier(ci);

        ReadyToRunSection mm = header.section(ReadyToRunSectionType.ManifestMetadata.id);
        Metadata manifest = mm == null ? null
                : Metadata.read(file, offsetOf(mm, "ManifestMetadata"), (int) mm.size());
        ModuleNames modules = new ModuleNames(metadata, manifest, header.majorVersion(), header.minorVersion());
        SignatureDecoder decoder = new SignatureDecoder(file, modules, pe.pointerSize());

        this.importSections = readImportSections(decoder);
        this.runtimeFunctions = readRuntimeFunctions();
        this.coldToHot = readHotColdMap();

        List<ReadyToRunMethod> entries = new ArrayList<>();
        this.methodDefSlots = readMethodDefEntryPoints(entries);
        readInstanceEntryPoints(decoder, entries);
        readTier1CodeVersions(entries);
        List<StubCell> stubCells = findStubCells();
        entries.addAll(stubMethods(stubCells, entries));
        this.methods = attachRuntimeFunctions(entries);
        this.resumptionStubs = resumptionStubs(stubCells);
    }

    /** Reads and parses an image file. I/O problems surface as IOException, format problems as FormatException. */
    public static R2RImage read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > Integer.MAX_VALUE - 8) {
            throw new FormatException("file", 0, "file of " + size + " bytes is larger than any PE image can be");
        }
        return new R2RImage(path.getFileName().toString(), Files.readAllBytes(path));
    }

    public static R2RImage read(String name, byte[] bytes) {
        return new R2RImage(name, bytes);
    }

    // ---- READYTORUN_HEADER ----

    private ReadyToRunHeader readHeader(long rva) {
        String s = "READYTORUN_HEADER";
        long o = pe.rvaToOffset(s, rva, ReadyToRunHeaderConstants.HEADER_SIZE);
        int signature = file.i32(s + ".Signature", o);
        if (signature != ReadyToRunHeaderConstants.SIGNATURE) {
            throw new FormatException(s + ".Signature", o, String.format("0x%08X is not 'RTR'", signature));
        }
        int major = file.u16(s + ".MajorVersion", o + 4);
        int minor = file.u16(s + ".MinorVersion", o + 6);
        int flags = file.i32(s + ".Flags", o + 8);
        long count = file.u32(s + ".NumberOfSections", o + 12);
        long tableOffset = o + ReadyToRunHeaderConstants.HEADER_SIZE;
        if (count * ReadyToRunHeaderConstants.SECTION_ENTRY_SIZE > file.length() - tableOffset) {
            throw new FormatException(s + ".NumberOfSections", o + 12, count + " sections do not fit in the file");
        }
        pe.rvaToOffset(s + " section table", rva + ReadyToRunHeaderConstants.HEADER_SIZE, count * ReadyToRunHeaderConstants.SECTION_ENTRY_SIZE);
        List<ReadyToRunSection> sections = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long e = tableOffset + (long) i * ReadyToRunHeaderConstants.SECTION_ENTRY_SIZE;
            String es = "READYTORUN_SECTION[" + i + "]";
            ReadyToRunSection sec = new ReadyToRunSection(file.i32(es, e), file.u32(es, e + 4), file.u32(es, e + 8));
            if (!sections.isEmpty() && sections.get(sections.size() - 1).type() >= sec.type()) {
                throw new FormatException(es + ".Type", e, "section types are not sorted ascending (" + sec.type()
                        + " after " + sections.get(sections.size() - 1).type() + "); the runtime requires it");
            }
            sections.add(sec);
        }
        return new ReadyToRunHeader(rva, major, minor, flags, Collections.unmodifiableList(sections));
    }

    private long offsetOf(ReadyToRunSection s, String structure) {
        return pe.rvaToOffset(structure, s.rva(), s.size());
    }

    private NativeReader sectionReader(ReadyToRunSection s) {
        String n = s.name();
        return new NativeReader(file, offsetOf(s, n), s.size(), n);
    }

    private String readCompilerIdentifier(ReadyToRunSection s) {
        long o = offsetOf(s, "CompilerIdentifier");
        byte[] b = file.bytes("CompilerIdentifier", o, (int) s.size());
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) {
            n--;
        }
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    // ---- Import sections ----

    private List<ImportSection> readImportSections(SignatureDecoder decoder) {
        ReadyToRunSection is = header.section(ReadyToRunSectionType.ImportSections.id);
        if (is == null) {
            return List.of();
        }
        long base = offsetOf(is, "ImportSections");
        long count = is.size() / ReadyToRunImportSection.SIZE;
        List<ImportSection> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long o = base + (long) i * ReadyToRunImportSection.SIZE;
            String s = "ImportSection[" + i + "]";
            long rva = file.u32(s, o);
            long size = file.u32(s, o + 4);
            int flags = file.u16(s, o + 8);
            int type = file.u8(s, o + 10);
            int entrySize = file.u8(s, o + 11);
            long sigs = file.u32(s, o + 12);
            long aux = file.u32(s, o + 16);
            int cellSize = entrySize == 0 ? pe.pointerSize() : entrySize;
            long cellCount = size / cellSize;
            if (cellCount > MAX_ENTRIES || cellCount * cellSize > file.length()) {
                throw new FormatException(s + ".Size", o + 4, "section of " + size + " bytes holds more cells than the file can");
            }
            List<ImportCell> cells = new ArrayList<>((int) cellCount);
            long sigBase = -1;
            ReadyToRunSection sigContainer = null;
            if (sigs != 0 && cellCount > 0) {
                sigBase = pe.rvaToOffset(s + ".Signatures", o + 12, sigs, cellCount * 4);
            }
            for (int c = 0; c < cellCount; c++) {
                long cellRva = rva + (long) c * cellSize;
                long value = readCellValue(s + " cell " + c, o, cellRva, cellSize);
                long sigRva = 0;
                SignatureDecoder.DecodedFixup sig = NO_SIGNATURE;
                if (sigBase >= 0) {
                    sigRva = file.u32(s + ".Signatures[" + c + "]", sigBase + 4L * c);
                    String ss = s + " cell " + c + " signature";
                    long sigOffset = pe.rvaToOffset(ss, sigBase + 4L * c, sigRva, 1);
                    sig = decoder.fixup(sigOffset, sectionEndOffset(sigRva), ss);
                }
                cells.add(new ImportCell(i, c, cellRva, value, sigRva, sig.signature(), sig.text(), sig.method()));
            }
            out.add(new ImportSection(i, rva, size, flags, type, entrySize, sigs, aux, Collections.unmodifiableList(cells)));
        }
        return Collections.unmodifiableList(out);
    }

    private static final SignatureDecoder.DecodedFixup NO_SIGNATURE = new SignatureDecoder.DecodedFixup(null, null, null);

    /** A cell's initial content; cells in the zero-filled tail of a section read as 0. */
    private long readCellValue(String structure, long referencedAt, long cellRva, int cellSize) {
        SectionHeader sec = pe.sectionForRva(cellRva);
        if (sec == null) {
            throw new FormatException(structure, referencedAt, String.format("cell RVA 0x%X is outside every section", cellRva));
        }
        if (cellRva + cellSize > sec.virtualAddress() + sec.sizeOfRawData()) {
            return 0;
        }
        long off = pe.rvaToOffset(structure, referencedAt, cellRva, cellSize);
        return cellSize == 8 ? file.u64(structure, off) : cellSize == 4 ? file.u32(structure, off) : file.u16(structure, off);
    }

    /** File offset just past the raw data of the section holding {@code rva}: signatures must end before it. */
    private long sectionEndOffset(long rva) {
        SectionHeader s = pe.sectionForRva(rva);
        return s == null ? file.length() : s.pointerToRawData() + s.sizeOfRawData();
    }

    // ---- Runtime functions ----

    private List<RuntimeFunction> readRuntimeFunctions() {
        ReadyToRunSection rf = header.section(ReadyToRunSectionType.RuntimeFunctions.id);
        if (rf == null) {
            return List.of();
        }
        Machine m = pe.machine();
        int entrySize = m == Machine.AMD64 ? 12 : 8;
        long base = offsetOf(rf, "RuntimeFunctions");
        // Floor: from 18.x crossgen2 counts the 0xFFFFFFFF sentinel in the section size, older ones do not.
        long count = rf.size() / entrySize;
        List<RuntimeFunction> out = new ArrayList<>((int) Math.min(count, MAX_ENTRIES));
        long previousBegin = -1;
        for (int i = 0; i < count; i++) {
            long o = base + (long) i * entrySize;
            String s = "RUNTIME_FUNCTION[" + i + "]";
            long begin = file.u32(s, o);
            long end;
            long unwind;
            if (entrySize == 12) {
                end = file.u32(s, o + 4);
                unwind = file.u32(s, o + 8);
            } else {
                unwind = file.u32(s, o + 4);
                end = functionEnd(m, begin, unwind, s, o + 4);
            }
            if (begin < previousBegin) {
                throw new FormatException(s, o, String.format("BeginAddress 0x%X is below the previous entry's 0x%X: the table must be sorted", begin, previousBegin));
            }
            previousBegin = begin;
            out.add(new RuntimeFunction(i, begin, end, unwind));
        }
        return Collections.unmodifiableList(out);
    }

    /** ARM64 and ARM .xdata records start with the function length (in 4- resp. 2-byte units). */
    private long functionEnd(Machine m, long begin, long unwindRva, String structure, long referencedAt) {
        if (m == Machine.ARM64 || m == Machine.ARMNT) {
            if ((unwindRva & 3) != 0) {
                return -1; // packed unwind data: the runtime rejects it, r2rlab shows it
            }
            long off = pe.rvaToOffset(structure + " unwind data", referencedAt, unwindRva, 4);
            long length = Arm64UnwindInfo.functionLengthField(file.i32(structure + " unwind data", off));
            return m == Machine.ARM64 ? begin + length * 4 : (begin & ~1L) + length * 2;
        }
        return -1;
    }

    private Map<Integer, Integer> readHotColdMap() {
        ReadyToRunSection hc = header.section(ReadyToRunSectionType.HotColdMap.id);
        Map<Integer, Integer> map = new HashMap<>();
        if (hc == null) {
            return map;
        }
        long base = offsetOf(hc, "HotColdMap");
        for (long i = 0; i + 8 <= hc.size(); i += 8) {
            long cold = file.u32("HotColdMap", base + i);
            long hot = file.u32("HotColdMap", base + i + 4);
            if (cold >= runtimeFunctions.size() || hot >= runtimeFunctions.size()) {
                throw new FormatException("HotColdMap", base + i, "pair {" + cold + ", " + hot + "} names a runtime function past the "
                        + runtimeFunctions.size() + " of the image");
            }
            map.put((int) cold, (int) hot);
        }
        return map;
    }

    // ---- Entry points ----

    private record EntryPoint(int runtimeFunction, List<FixupCell> fixups) {
    }

    /** The entry-point value of MethodDefEntryPoints and InstanceMethodEntryPoints (r2r-format.md §3.2). */
    private EntryPoint readEntryPoint(NativeReader r, long offset) {
        long v = r.decodeUnsigned(offset);
        long after = r.next();
        long index;
        List<FixupCell> fixups = List.of();
        if ((v & 1) == 0) {
            index = v >>> 1;
        } else {
            index = v >>> 2;
            long blob = after;
            if ((v & 2) != 0) {
                long delta = r.decodeUnsigned(after);
                blob = after - delta;
            }
            fixups = FixupList.read(r, blob);
        }
        if (index >= runtimeFunctions.size()) {
            throw r.error(offset, "entry point names runtime function " + index + " but the image has " + runtimeFunctions.size());
        }
        return new EntryPoint((int) index, fixups);
    }

    private long readMethodDefEntryPoints(List<ReadyToRunMethod> out) {
        ReadyToRunSection s = header.section(ReadyToRunSectionType.MethodDefEntryPoints.id);
        if (s == null) {
            return 0;
        }
        NativeReader r = sectionReader(s);
        NativeArray array = new NativeArray(r, r.start());
        if (array.count() > MAX_ENTRIES) {
            throw r.error(r.start(), "MethodDefEntryPoints claims " + array.count() + " elements");
        }
        int methodRows = metadata.rowCount(MetadataTable.METHODDEF);
        for (int i = 0; i < array.count(); i++) {
            long e = array.elementOffset(i);
            if (e < 0) {
                continue;
            }
            int rid = i + 1;
            if (rid > methodRows) {
                throw r.error(e, "entry for MethodDef rid " + rid + " but metadata has " + methodRows + " methods");
            }
            EntryPoint ep = readEntryPoint(r, e);
            out.add(new ReadyToRunMethod(metadata.methodDefName(rid), MetadataTable.token(MetadataTable.METHODDEF, rid),
                    MethodVariant.METHOD, null, ep.runtimeFunction(), runtimeFunctions.get(ep.runtimeFunction()).beginRva(),
                    ep.fixups(), List.of(), ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS));
        }
        return array.count();
    }

    private void readInstanceEntryPoints(SignatureDecoder decoder, List<ReadyToRunMethod> out) {
        ReadyToRunSection s = header.section(ReadyToRunSectionType.InstanceMethodEntryPoints.id);
        if (s == null) {
            return;
        }
        NativeReader r = sectionReader(s);
        NativeHashtable table = new NativeHashtable(r, r.start());
        for (NativeHashtable.Entry entry : table.entries()) {
            r2rlab.format.SignatureReader sr = new r2rlab.format.SignatureReader(file, entry.vertexOffset(), r.end(),
                    "InstanceMethodEntryPoints entry signature");
            MethodRef sig = decoder.method(sr, 0);
            EntryPoint ep = readEntryPoint(r, sr.position());
            MethodVariant variant = sig.isAsyncVariant() ? MethodVariant.ASYNC : MethodVariant.METHOD;
            out.add(new ReadyToRunMethod(sig.name(), sig.token(), variant, sig, ep.runtimeFunction(),
                    runtimeFunctions.get(ep.runtimeFunction()).beginRva(), ep.fixups(), List.of(),
                    ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS));
        }
    }

    /** Suffix of the name of a body from r2rlab's Tier1 code-version section. */
    public static final String TIER1_SUFFIX = "$Tier1";

    /**
     * r2rlab's section of Tier1 code versions ({@link R2RLabSections#TIER1_CODE_VERSIONS}): bodies the
     * entry-point tables do not reach. Their starts are method starts all the same, so that the
     * runtime functions before them do not swallow them as funclets.
     */
    private void readTier1CodeVersions(List<ReadyToRunMethod> out) {
        ReadyToRunSection s = header.section(R2RLabSections.TIER1_CODE_VERSIONS);
        if (s == null) {
            return;
        }
        NativeReader r = sectionReader(s);
        long count = r.u32(r.start());
        if (count > (s.size() - 4) / R2RLabSections.TIER1_ENTRY_SIZE) {
            throw r.error(r.start(), count + " Tier1 entries do not fit the section");
        }
        int methodRows = metadata.rowCount(MetadataTable.METHODDEF);
        for (int i = 0; i < count; i++) {
            long e = r.start() + 4 + (long) i * R2RLabSections.TIER1_ENTRY_SIZE;
            int token = (int) r.u32(e);
            long kind = r.u32(e + 4);
            long rf = r.u32(e + 8);
            long fixupRva = r.u32(e + 16);
            int rid = token & 0xFFFFFF;
            if ((token >>> 24) != MetadataTable.METHODDEF || rid < 1 || rid > methodRows) {
                throw r.error(e, String.format("Tier1 entry names token 0x%08X, which is no MethodDef of the image", token));
            }
            if (rf >= runtimeFunctions.size() || kind > 3) {
                throw r.error(e + 4, "Tier1 entry with body kind " + kind + " and runtime function " + rf + " is out of range");
            }
            List<FixupCell> fixups = List.of();
            if (fixupRva != 0) {
                String st = "R2RLabTier1CodeVersions fixup list";
                long off = pe.rvaToOffset(st, e + 16, fixupRva, 1);
                SectionHeader sec = pe.sectionForRva(fixupRva);
                fixups = FixupList.read(new NativeReader(file, off, sec.pointerToRawData() + sec.sizeOfRawData() - off, st), off);
            }
            MethodVariant variant = kind == 2 ? MethodVariant.ASYNC : kind == 3 ? MethodVariant.RESUME : MethodVariant.METHOD;
            String name = metadata.methodDefName(rid) + (variant == MethodVariant.RESUME ? STUB_SUFFIX : "") + TIER1_SUFFIX;
            out.add(new ReadyToRunMethod(name, variant == MethodVariant.RESUME ? 0 : token, variant, null, (int) rf,
                    runtimeFunctions.get((int) rf).beginRva(), fixups, List.of(), ReadyToRunMethod.Source.TIER1_CODE_VERSIONS));
        }
    }

    // ---- Resumption stubs ----

    /** A ResumptionStubEntryPoint cell: where it is, the slot fixup lists name it by, and its payload. */
    private record StubCell(int section, int cellIndex, FixupCell slot, long stubRva) {
    }

    private List<StubCell> findStubCells() {
        List<StubCell> out = new ArrayList<>();
        for (ImportSection is : importSections) {
            int entrySize = is.entrySize() == 0 ? pe.pointerSize() : is.entrySize();
            for (ImportCell c : is.cells()) {
                if (c.signature() instanceof FixupSignature.ResumptionStubEntryPoint sig) {
                    // Fixup lists count cells in pointer-size units, whatever the section's EntrySize.
                    int slot = (int) ((long) c.index() * entrySize / pe.pointerSize());
                    out.add(new StubCell(is.index(), c.index(), new FixupCell(is.index(), slot), sig.stubRva()));
                }
            }
        }
        return out;
    }

    private static Map<FixupCell, ReadyToRunMethod> fixupOwners(List<ReadyToRunMethod> methods) {
        Map<FixupCell, ReadyToRunMethod> byCell = new HashMap<>();
        for (ReadyToRunMethod m : methods) {
            for (FixupCell f : m.fixups()) {
                byCell.putIfAbsent(f, m);
            }
        }
        return byCell;
    }

    /**
     * A stub's code start is a method start: the runtime registers a stub MethodDesc for it. Without
     * that, a block of stubs would read as funclets of the method before them.
     */
    private List<ReadyToRunMethod> stubMethods(List<StubCell> cells, List<ReadyToRunMethod> entries) {
        Map<FixupCell, ReadyToRunMethod> owners = fixupOwners(entries);
        List<ReadyToRunMethod> out = new ArrayList<>();
        java.util.Set<Integer> known = new java.util.HashSet<>();
        entries.forEach(m -> known.add(m.entryRuntimeFunction()));
        for (StubCell c : cells) {
            int rf = runtimeFunctionStartingAt(c.stubRva());
            if (rf < 0 || !known.add(rf)) {
                continue; // no code starts there (reported with runtimeFunction -1), or already a method start
            }
            ReadyToRunMethod owner = owners.get(c.slot());
            String name = (owner != null ? owner.name() : String.format("<unowned stub 0x%X>", c.stubRva())) + STUB_SUFFIX;
            out.add(new ReadyToRunMethod(name, 0, MethodVariant.RESUME, null, rf, c.stubRva(), List.of(), List.of(),
                    ReadyToRunMethod.Source.RESUMPTION_STUB_FIXUP));
        }
        return out;
    }

    private List<ResumptionStub> resumptionStubs(List<StubCell> cells) {
        Map<FixupCell, ReadyToRunMethod> owners = fixupOwners(methods);
        List<ResumptionStub> out = new ArrayList<>();
        for (StubCell c : cells) {
            out.add(new ResumptionStub(c.stubRva(), runtimeFunctionStartingAt(c.stubRva()), c.section(), c.cellIndex(),
                    owners.get(c.slot())));
        }
        out.sort((a, b) -> Long.compare(a.rva(), b.rva()));
        return Collections.unmodifiableList(out);
    }

    // ---- Methods and their runtime functions ----

    /**
     * Gives each method its runtime functions: its entry, then every following one up to the next
     * method entry (funclets), then the cold parts the HotColdMap assigns to it.
     */
    private List<ReadyToRunMethod> attachRuntimeFunctions(List<ReadyToRunMethod> found) {
        List<ReadyToRunMethod> all = new ArrayList<>(found);
        all.sort((a, b) -> Integer.compare(a.entryRuntimeFunction(), b.entryRuntimeFunction()));
        boolean[] isEntry = new boolean[runtimeFunctions.size()];
        for (ReadyToRunMethod m : all) {
            isEntry[m.entryRuntimeFunction()] = true;
        }
        Map<Integer, List<Integer>> coldByHot = new TreeMap<>();
        coldToHot.forEach((cold, hot) -> coldByHot.computeIfAbsent(hot, k -> new ArrayList<>()).add(cold));
        List<ReadyToRunMethod> out = new ArrayList<>(all.size());
        int previousEntry = -1;
        for (ReadyToRunMethod m : all) {
            int entry = m.entryRuntimeFunction();
            List<Integer> rfs = new ArrayList<>();
            rfs.add(entry);
            if (entry != previousEntry) {
                for (int i = entry + 1; i < isEntry.length && !isEntry[i] && !coldToHot.containsKey(i); i++) {
                    rfs.add(i);
                }
                rfs.addAll(coldByHot.getOrDefault(entry, List.of()));
            }
            previousEntry = entry;
            out.add(new ReadyToRunMethod(m.name(), m.token(), m.variant(), m.signature(), entry, m.entryRva(), m.fixups(),
                    Collections.unmodifiableList(rfs), m.source()));
        }
        return Collections.unmodifiableList(out);
    }

    /** Suffix of a resumption stub's name, after its owner's. */
    public static final String STUB_SUFFIX = "$ResumptionStub";

    /** Index of the runtime function whose code contains {@code rva}, or -1 (RUNTIME_FUNCTION lookup by address). */
    public int runtimeFunctionContaining(long rva) {
        int lo = 0;
        int hi = runtimeFunctions.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (runtimeFunctions.get(mid).beginRva() <= rva) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0) {
            return -1;
        }
        RuntimeFunction rf = runtimeFunctions.get(found);
        return rf.endRva() >= 0 && rva >= rf.endRva() ? -1 : found;
    }

    /** Index of the runtime function beginning exactly at {@code rva}, or -1. */
    public int runtimeFunctionStartingAt(long rva) {
        int lo = 0;
        int hi = runtimeFunctions.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long b = runtimeFunctions.get(mid).beginRva();
            if (b < rva) {
                lo = mid + 1;
            } else if (b > rva) {
                hi = mid - 1;
            } else {
                while (mid > 0 && runtimeFunctions.get(mid - 1).beginRva() == rva) {
                    mid--;
                }
                return mid;
            }
        }
        return -1;
    }

    // ---- Accessors ----

    public String name() {
        return name;
    }

    public PeImage pe() {
        return pe;
    }

    public CorHeader corHeader() {
        return corHeader;
    }

    public Metadata metadata() {
        return metadata;
    }

    public ReadyToRunHeader header() {
        return header;
    }

    public String compilerIdentifier() {
        return compilerIdentifier;
    }

    public List<ImportSection> importSections() {
        return importSections;
    }

    public List<RuntimeFunction> runtimeFunctions() {
        return runtimeFunctions;
    }

    /** Element count of the MethodDefEntryPoints NativeArray (0 when the section is absent). */
    public long methodDefSlots() {
        return methodDefSlots;
    }

    /** Methods ordered by entry runtime function. */
    public List<ReadyToRunMethod> methods() {
        return methods;
    }

    /** Resumption stubs ordered by RVA, one per ResumptionStubEntryPoint cell. */
    public List<ResumptionStub> resumptionStubs() {
        return resumptionStubs;
    }

    /** Cold runtime function index → hot runtime function index, from the HotColdMap section. */
    public Map<Integer, Integer> coldToHot() {
        return Collections.unmodifiableMap(coldToHot);
    }

    /** Instance entries whose signature has the AsyncVariant flag (Tier1 bodies from r2rlab's section not counted). */
    public long asyncVariantCount() {
        return methods.stream().filter(m -> m.variant() == MethodVariant.ASYNC && m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS)
                .count();
    }

    public long methodCount(ReadyToRunMethod.Source source) {
        return methods.stream().filter(m -> m.source() == source).count();
    }
}
