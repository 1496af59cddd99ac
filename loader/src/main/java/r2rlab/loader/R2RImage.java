package r2rlab.loader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodImplAttributes;
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
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.format.r2r.ExceptionLookupEntry;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.HotColdMapEntry;
import r2rlab.format.r2r.MethodEntryPoint;
import r2rlab.format.r2r.R2RLabSections;
import r2rlab.format.r2r.ReadyToRunHeader;
import r2rlab.format.r2r.ReadyToRunImportSection;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.format.r2r.RuntimeFunctionEntry;
import r2rlab.format.r2r.Tier1CodeVersions;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;
import r2rlab.format.unwind.x64.X64UnwindInfo;

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
    private final ModuleNames modules;
    private final Header header;
    private final String compilerIdentifier;
    private final List<ImportSection> importSections;
    private final List<RuntimeFunction> runtimeFunctions;
    /** Per runtime function: an ARM64 unwind fragment after its host record ({@link #isFunctionFragment}). */
    private final boolean[] fragments;
    private final long methodDefSlots;
    private final List<ReadyToRunMethod> methods;
    private final List<ResumptionStub> resumptionStubs;
    /** Cold runtime function index → hot one, one pair per split method, ascending. */
    private final TreeMap<Integer, Integer> coldToHot;
    private final Map<Long, List<ExceptionClause>> exceptionInfo;

    private R2RImage(String name, byte[] bytes) {
        this.name = name;
        this.pe = PeImage.read(bytes);
        this.file = pe.file();
        DataDirectory cli = pe.dataDirectory(DataDirectory.COM_DESCRIPTOR);
        long cliAt = pe.dataDirectoryOffset(DataDirectory.COM_DESCRIPTOR);
        if (cli.isEmpty()) {
            throw new FormatException("IMAGE_DATA_DIRECTORY[COM_DESCRIPTOR]", cliAt, "the image has no CLI header: not a .NET image");
        }
        long corOffset = pe.rvaToOffset("IMAGE_COR20_HEADER", cliAt, cli.rva(), CorHeader.SIZE);
        this.corHeader = CorHeader.read(file, corOffset);
        DataDirectory md = corHeader.metadata();
        long mdOffset = pe.rvaToOffset("Metadata", corOffset + CorHeader.METADATA_OFFSET, md.rva(), md.size());
        this.metadata = Metadata.read(file, mdOffset, (int) md.size());
        DataDirectory nativeHeader = corHeader.managedNativeHeader();
        if (nativeHeader.isEmpty()) {
            throw new FormatException("IMAGE_COR20_HEADER.ManagedNativeHeader", corOffset + CorHeader.MANAGED_NATIVE_HEADER_OFFSET,
                    "empty: an IL-only image, not ReadyToRun");
        }
        this.header = readHeader(corOffset + CorHeader.MANAGED_NATIVE_HEADER_OFFSET, nativeHeader.rva());

        ReadyToRunSection ci = header.section(ReadyToRunSectionType.CompilerIdentifier.id);
        this.compilerIdentifier = ci == null ? "" : readCompilerIdentifier(ci);

        ReadyToRunSection mm = header.section(ReadyToRunSectionType.ManifestMetadata.id);
        Metadata manifest = mm == null ? null
                : Metadata.read(file, offsetOf(mm, "ManifestMetadata"), (int) mm.size());
        this.modules = new ModuleNames(metadata, manifest, header.majorVersion(), header.minorVersion());
        SignatureDecoder decoder = new SignatureDecoder(file, modules, pe.pointerSize());

        this.importSections = readImportSections(decoder);
        this.runtimeFunctions = readRuntimeFunctions();
        this.fragments = readFragments();
        this.coldToHot = readHotColdMap();
        this.exceptionInfo = readExceptionInfo();

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

    /** The READYTORUN_HEADER where the image has it, its sections named. */
    public record Header(long rva, int majorVersion, int minorVersion, int flags, List<ReadyToRunSection> sections) {
        public String version() {
            return majorVersion + "." + minorVersion;
        }

        /** The section of this type, or null. */
        public ReadyToRunSection section(int type) {
            for (ReadyToRunSection s : sections) {
                if (s.type() == type) {
                    return s;
                }
            }
            return null;
        }
    }

    /** The header at {@code rva}, which the field at file offset {@code referencedAt} holds. */
    private Header readHeader(long referencedAt, long rva) {
        long o = pe.rvaToOffset("READYTORUN_HEADER", referencedAt, rva, ReadyToRunHeader.SIZE);
        ReadyToRunHeader h = ReadyToRunHeader.read(file, o);
        pe.rvaToOffset("READYTORUN_HEADER section table", o + ReadyToRunHeader.NUMBER_OF_SECTIONS_OFFSET, rva + ReadyToRunHeader.SIZE,
                h.size() - ReadyToRunHeader.SIZE);
        List<ReadyToRunSection> sections = new ArrayList<>();
        for (int i = 0; i < h.sections().size(); i++) {
            ReadyToRunHeader.Section sec = h.sections().get(i);
            sections.add(new ReadyToRunSection(sec.type(), sec.rva(), sec.size(),
                    o + ReadyToRunHeader.SIZE + (long) ReadyToRunHeader.Section.SIZE * i));
        }
        return new Header(rva, h.majorVersion(), h.minorVersion(), h.flags(), Collections.unmodifiableList(sections));
    }

    /** The file offset of a section's data; an RVA outside the file names the section's entry in the header. */
    private long offsetOf(ReadyToRunSection s, String structure) {
        return pe.rvaToOffset(structure, s.entryOffset() + ReadyToRunHeader.Section.RVA_OFFSET, s.rva(), s.size());
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
        return new String(b, 0, n, StandardCharsets.UTF_8);
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
            ReadyToRunImportSection entry = ReadyToRunImportSection.read(file, o);
            int cellSize = entry.cellSize(pe.pointerSize());
            long cellCount = entry.sectionSize() / cellSize;
            if (cellCount > MAX_ENTRIES || cellCount * cellSize > file.length()) {
                throw new FormatException(s + ".Size", o + ReadyToRunImportSection.SECTION_SIZE_OFFSET,
                        "section of " + entry.sectionSize() + " bytes holds more cells than the file can");
            }
            List<ImportCell> cells = new ArrayList<>((int) cellCount);
            long sigBase = -1;
            if (entry.signaturesRva() != 0 && cellCount > 0) {
                sigBase = pe.rvaToOffset(s + ".Signatures", o + ReadyToRunImportSection.SIGNATURES_OFFSET, entry.signaturesRva(),
                        cellCount * 4);
            }
            for (int c = 0; c < cellCount; c++) {
                long cellRva = entry.sectionRva() + (long) c * cellSize;
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
            out.add(new ImportSection(i, entry, Collections.unmodifiableList(cells)));
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
        int entrySize = RuntimeFunctionEntry.size(m);
        long base = offsetOf(rf, "RuntimeFunctions");
        // Floor: from 18.x crossgen2 counts the 0xFFFFFFFF sentinel in the section size, older ones do not.
        long count = rf.size() / entrySize;
        List<RuntimeFunction> out = new ArrayList<>((int) Math.min(count, MAX_ENTRIES));
        long previousBegin = -1;
        for (int i = 0; i < count; i++) {
            long o = base + (long) i * entrySize;
            String s = "RUNTIME_FUNCTION[" + i + "]";
            RuntimeFunctionEntry entry = RuntimeFunctionEntry.read(file, o, m);
            long begin = entry.beginAddress();
            long unwind = entry.unwindData();
            SectionHeader code = checkCodeStart(s, o, m, begin);
            checkUnwindData(s, o, m, unwind);
            long end = RuntimeFunctionEntry.storesEndAddress(m) ? entry.endAddress()
                    : functionEnd(m, begin, unwind, s, o + RuntimeFunctionEntry.unwindDataOffset(m));
            checkCodeEnd(s, o, m, begin, end, code);
            if (begin < previousBegin) {
                throw new FormatException(s, o, String.format("BeginAddress 0x%X is below the previous entry's 0x%X: the table must be sorted", begin, previousBegin));
            }
            previousBegin = begin;
            out.add(new RuntimeFunction(i, begin, end, unwind));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The fragment flag of each runtime function ({@link Arm64UnwindInfo#isFragment}); a record that cannot be read that
     * far is no fragment (the dump shows what it can of it).
     */
    private boolean[] readFragments() {
        boolean[] out = new boolean[runtimeFunctions.size()];
        if (pe.machine() != Machine.ARM64) {
            return out;
        }
        for (RuntimeFunction rf : runtimeFunctions) {
            long unwind = rf.unwindRva();
            if (rf.index() == 0 || (unwind & 3) != 0) {
                continue; // the first one hosts; packed unwind data describes a whole function
            }
            try {
                long off = pe.rvaToOffset("RUNTIME_FUNCTION[" + rf.index() + "] unwind data", -1, unwind, 4);
                out[rf.index()] = Arm64UnwindInfo.isFragment(file, off);
            } catch (FormatException e) {
                // unreadable: no fragment
            }
        }
        return out;
    }

    /** The code start lies in a section's file data (ARM: without its Thumb bit); that section. */
    private SectionHeader checkCodeStart(String structure, long entryOffset, Machine m, long begin) {
        long start = m == Machine.ARMNT ? begin & ~1L : begin;
        SectionHeader code = pe.fileDataSection(start);
        if (code == null) {
            throw new FormatException(structure + ".BeginAddress", entryOffset + RuntimeFunctionEntry.BEGIN_ADDRESS_OFFSET,
                    String.format("BeginAddress 0x%X lies in no section's file data", begin));
        }
        return code;
    }

    /** The unwind data lies in a section's file data (ARM64 and ARM packed unwind data is no RVA). */
    private void checkUnwindData(String structure, long entryOffset, Machine m, long unwind) {
        boolean packed = (m == Machine.ARM64 || m == Machine.ARMNT) && (unwind & 3) != 0;
        if (!packed && pe.fileDataSection(unwind) == null) {
            throw new FormatException(structure + ".UnwindData", entryOffset + RuntimeFunctionEntry.unwindDataOffset(m),
                    String.format("UnwindData 0x%X lies in no section's file data", unwind));
        }
    }

    /** The code end (x64 EndAddress, the ARM64/ARM unwind data's function length) closes the function in its section. */
    private void checkCodeEnd(String structure, long entryOffset, Machine m, long begin, long end, SectionHeader code) {
        if (end == RuntimeFunctionEntry.NO_END_ADDRESS) {
            return;
        }
        long start = m == Machine.ARMNT ? begin & ~1L : begin;
        long limit = code.virtualAddress() + PeImage.fileDataSize(code);
        if (end <= start || end > limit) {
            boolean stored = RuntimeFunctionEntry.storesEndAddress(m);
            throw new FormatException(structure + (stored ? ".EndAddress" : ".UnwindData"), entryOffset
                    + (stored ? RuntimeFunctionEntry.END_ADDRESS_OFFSET : RuntimeFunctionEntry.unwindDataOffset(m)),
                    String.format("%s 0x%X does not end a function that begins at 0x%X in section %s (file data up to RVA 0x%X)",
                            stored ? "EndAddress" : "the end from the unwind data's function length,", end, begin, code.name(), limit));
        }
    }

    /** ARM64 and ARM .xdata records start with the function length (in 4- resp. 2-byte units). */
    private long functionEnd(Machine m, long begin, long unwindRva, String structure, long referencedAt) {
        if (m == Machine.ARM64 || m == Machine.ARMNT) {
            if ((unwindRva & 3) != 0) {
                return RuntimeFunctionEntry.NO_END_ADDRESS; // packed unwind data: the runtime rejects it, r2rlab shows it
            }
            long off = pe.rvaToOffset(structure + " unwind data", referencedAt, unwindRva, 4);
            long length = Arm64UnwindInfo.functionLengthField(file.i32(structure + " unwind data", off));
            return m == Machine.ARM64 ? begin + length * 4 : (begin & ~1L) + length * 2;
        }
        return RuntimeFunctionEntry.NO_END_ADDRESS;
    }

    private TreeMap<Integer, Integer> readHotColdMap() {
        ReadyToRunSection hc = header.section(ReadyToRunSectionType.HotColdMap.id);
        TreeMap<Integer, Integer> map = new TreeMap<>();
        if (hc == null) {
            return map;
        }
        long base = offsetOf(hc, "HotColdMap");
        for (long i = 0; i + HotColdMapEntry.SIZE <= hc.size(); i += HotColdMapEntry.SIZE) {
            HotColdMapEntry pair = HotColdMapEntry.read(file, base + i);
            long cold = pair.coldRuntimeFunction();
            long hot = pair.hotRuntimeFunction();
            if (cold >= runtimeFunctions.size() || hot >= runtimeFunctions.size()) {
                throw new FormatException("HotColdMap", base + i, "pair {" + cold + ", " + hot + "} names a runtime function past the "
                        + runtimeFunctions.size() + " of the image");
            }
            if (!map.isEmpty() && cold <= map.lastKey()) {
                // the runtime finds a method's pair by binary search on the cold indices
                throw new FormatException("HotColdMap", base + i, "pair {" + cold + ", " + hot + "} does not follow cold runtime function "
                        + map.lastKey() + ": the pairs must ascend");
            }
            map.put((int) cold, (int) hot);
        }
        return map;
    }

    /**
     * The ExceptionInfo section: method start RVA → its EH clauses. The lookup entries must be sorted,
     * as the runtime's binary search requires, and end with the sentinel whose ExceptionInfo closes
     * the last clause array.
     */
    private Map<Long, List<ExceptionClause>> readExceptionInfo() {
        ReadyToRunSection s = header.section(ReadyToRunSectionType.ExceptionInfo.id);
        if (s == null) {
            return Map.of();
        }
        long base = offsetOf(s, "ExceptionInfo");
        long count = s.size() / ExceptionLookupEntry.SIZE;
        if (count < 2) {
            throw new FormatException("ExceptionInfo", base, "a section of " + s.size() + " bytes holds no method entry and sentinel");
        }
        List<ExceptionLookupEntry> entries = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            long at = base + i * ExceptionLookupEntry.SIZE;
            ExceptionLookupEntry e = ExceptionLookupEntry.read(file, at);
            if (!entries.isEmpty() && e.methodStartRva() <= entries.get(entries.size() - 1).methodStartRva()) {
                throw new FormatException("READYTORUN_EXCEPTION_LOOKUP_TABLE_ENTRY[" + i + "].MethodStart", at, String.format(
                        "0x%X does not follow 0x%X: the table must be sorted", e.methodStartRva(), entries.get(entries.size() - 1).methodStartRva()));
            }
            entries.add(e);
        }
        if (!entries.get(entries.size() - 1).isSentinel()) {
            throw new FormatException("ExceptionInfo", base + (count - 1) * ExceptionLookupEntry.SIZE, "the last entry is not the 0xFFFFFFFF sentinel");
        }
        Map<Long, List<ExceptionClause>> out = new HashMap<>();
        for (int i = 0; i + 1 < entries.size(); i++) {
            ExceptionLookupEntry e = entries.get(i);
            long at = base + (long) i * ExceptionLookupEntry.SIZE;
            String st = "READYTORUN_EXCEPTION_LOOKUP_TABLE_ENTRY[" + i + "].ExceptionInfo";
            long bytes = entries.get(i + 1).exceptionInfoRva() - e.exceptionInfoRva();
            if (bytes <= 0 || bytes % ExceptionClause.SIZE != 0) {
                throw new FormatException(st, at + ExceptionLookupEntry.EXCEPTION_INFO_OFFSET, String.format(
                        "clauses at 0x%X up to the next entry's 0x%X are not a whole number of %d-byte clauses", e.exceptionInfoRva(),
                        entries.get(i + 1).exceptionInfoRva(), ExceptionClause.SIZE));
            }
            long clauses = pe.rvaToOffset(st, at + ExceptionLookupEntry.EXCEPTION_INFO_OFFSET, e.exceptionInfoRva(), bytes);
            List<ExceptionClause> list = new ArrayList<>((int) (bytes / ExceptionClause.SIZE));
            for (long c = 0; c < bytes; c += ExceptionClause.SIZE) {
                list.add(ExceptionClause.read(file, clauses + c));
            }
            out.put(e.methodStartRva(), Collections.unmodifiableList(list));
        }
        return Collections.unmodifiableMap(out);
    }

    // ---- Entry points ----

    /** The entry-point value at {@code offset}, its runtime function checked against the image's. */
    private MethodEntryPoint readEntryPoint(NativeReader r, long offset) {
        MethodEntryPoint ep = MethodEntryPoint.read(r, offset);
        if (ep.runtimeFunction() >= runtimeFunctions.size()) {
            throw r.error(offset, "entry point names runtime function " + ep.runtimeFunction() + " but the image has "
                    + runtimeFunctions.size());
        }
        return ep;
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
            MethodEntryPoint ep = readEntryPoint(r, e);
            // An async method's MethodDef entry is its Task-returning body; the async variant is an instance entry.
            CodeBodyKind kind = (metadata.methodImplFlags(rid) & MethodImplAttributes.ASYNC) != 0
                    ? CodeBodyKind.TASK_RETURNING_THUNK : CodeBodyKind.METHOD;
            out.add(new ReadyToRunMethod(metadata.methodDefName(rid), MetadataTable.token(MetadataTable.METHODDEF, rid), kind, null, ep.runtimeFunction(), runtimeFunctions.get(ep.runtimeFunction()).beginRva(),
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
            SignatureReader sr = new SignatureReader(file, entry.vertexOffset(), r.end(),
                    "InstanceMethodEntryPoints entry signature");
            MethodRef sig = decoder.method(sr, 0);
            MethodEntryPoint ep = readEntryPoint(r, sr.position());
            CodeBodyKind kind = sig.isAsyncVariant() ? CodeBodyKind.ASYNC_VARIANT : CodeBodyKind.METHOD;
            out.add(new ReadyToRunMethod(sig.name(), sig.token(), kind, sig, ep.runtimeFunction(),
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
        long base = offsetOf(s, Tier1CodeVersions.NAME);
        List<Tier1CodeVersions.Entry> entries = Tier1CodeVersions.read(file, base, s.size()).entries();
        int methodRows = metadata.rowCount(MetadataTable.METHODDEF);
        for (int i = 0; i < entries.size(); i++) {
            Tier1CodeVersions.Entry t = entries.get(i);
            long e = base + Tier1CodeVersions.ENTRIES_OFFSET + (long) i * Tier1CodeVersions.Entry.SIZE;
            int token = t.methodToken();
            int rid = MetadataTable.rid(token);
            if (MetadataTable.table(token) != MetadataTable.METHODDEF || rid < 1 || rid > methodRows) {
                throw new FormatException(Tier1CodeVersions.NAME, e, String.format("Tier1 entry names token 0x%08X, which is no MethodDef of the image", token));
            }
            if (t.runtimeFunction() >= runtimeFunctions.size()) {
                throw new FormatException(Tier1CodeVersions.NAME, e + Tier1CodeVersions.Entry.RUNTIME_FUNCTION_OFFSET,
                        "Tier1 entry names runtime function " + t.runtimeFunction() + " but the image has " + runtimeFunctions.size());
            }
            int rf = (int) t.runtimeFunction();
            List<FixupCell> fixups = List.of();
            if (t.fixupsRva() != 0) {
                String st = Tier1CodeVersions.NAME + " fixup list";
                long off = pe.rvaToOffset(st, e + Tier1CodeVersions.Entry.FIXUPS_RVA_OFFSET, t.fixupsRva(), 1);
                SectionHeader sec = pe.sectionForRva(t.fixupsRva());
                fixups = FixupList.read(new NativeReader(file, off, sec.pointerToRawData() + sec.sizeOfRawData() - off, st), off);
            }
            CodeBodyKind kind = t.kind();
            String name = metadata.methodDefName(rid) + (kind == CodeBodyKind.RESUMPTION_STUB ? STUB_SUFFIX : "") + TIER1_SUFFIX;
            out.add(new ReadyToRunMethod(name, kind == CodeBodyKind.RESUMPTION_STUB ? 0 : token, kind, null, rf,
                    runtimeFunctions.get(rf).beginRva(), fixups, List.of(), ReadyToRunMethod.Source.TIER1_CODE_VERSIONS));
        }
    }

    // ---- Resumption stubs ----

    /** A ResumptionStubEntryPoint cell: where it is, the slot fixup lists name it by, and its payload. */
    private record StubCell(int section, int cellIndex, FixupCell slot, long stubRva) {
    }

    private List<StubCell> findStubCells() {
        List<StubCell> out = new ArrayList<>();
        for (ImportSection is : importSections) {
            int cellSize = is.cellSize(pe.pointerSize());
            for (ImportCell c : is.cells()) {
                if (c.signature() instanceof FixupSignature.ResumptionStubEntryPoint sig) {
                    // Fixup lists count cells in pointer-size units, whatever the section's EntrySize.
                    int slot = (int) ((long) c.index() * cellSize / pe.pointerSize());
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
        Set<Integer> known = new HashSet<>();
        entries.forEach(m -> known.add(m.entryRuntimeFunction()));
        for (StubCell c : cells) {
            int rf = runtimeFunctionStartingAt(c.stubRva());
            if (rf < 0 || !known.add(rf)) {
                continue; // no code starts there (reported with runtimeFunction -1), or already a method start
            }
            ReadyToRunMethod owner = owners.get(c.slot());
            String name = (owner != null ? owner.name() : String.format("<unowned stub 0x%X>", c.stubRva())) + STUB_SUFFIX;
            out.add(new ReadyToRunMethod(name, 0, CodeBodyKind.RESUMPTION_STUB, null, rf, c.stubRva(), List.of(), List.of(),
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
                int firstCold = coldToHot.isEmpty() ? isEntry.length : coldToHot.firstKey();
                for (int i = entry + 1; i < isEntry.length && !isEntry[i] && i != firstCold; i++) {
                    rfs.add(i);
                }
                // its cold section: the cold main part and the cold funclets after it, up to the next pair's
                for (int cold : coldByHot.getOrDefault(entry, List.of())) {
                    Integer next = coldToHot.higherKey(cold);
                    for (int i = cold; i < (next == null ? isEntry.length : next) && (i == cold || !isEntry[i]); i++) {
                        rfs.add(i);
                    }
                }
            }
            previousEntry = entry;
            out.add(new ReadyToRunMethod(m.name(), m.token(), m.kind(), m.signature(), entry, m.entryRva(), m.fixups(),
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

    /** The modules signatures name by index, with the metadata of those whose tokens the image can name. */
    public ModuleNames modules() {
        return modules;
    }

    public Header header() {
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

    /**
     * IsFunctionFragment (codeman.cpp): runtime function {@code rf} is a later unwind fragment of the function or funclet
     * before it, no host record: on ARM64 its .xdata starts its unwind codes with end_c (a phantom prolog). The JIT
     * writes one for code past what one record covers; such a fragment belongs to the method and is no funclet.
     */
    public boolean isFunctionFragment(int rf) {
        return fragments[rf];
    }

    /** FindRootEntry: the host record of {@code rf}'s function or funclet, {@code rf} itself unless it is a fragment. */
    public int rootRuntimeFunction(int rf) {
        int i = rf;
        while (i > 0 && fragments[i]) {
            i--;
        }
        return i;
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

    /** The EH clauses of the method body starting at {@code methodStartRva} (ExceptionInfo section), or none. */
    public List<ExceptionClause> exceptionClauses(long methodStartRva) {
        return exceptionInfo.getOrDefault(methodStartRva, List.of());
    }

    /** Method start RVA → EH clauses, for every method the ExceptionInfo section lists. */
    public Map<Long, List<ExceptionClause>> exceptionInfo() {
        return exceptionInfo;
    }

    /** Cold runtime function index → hot runtime function index, from the HotColdMap section (one pair per split method). */
    public Map<Integer, Integer> coldToHot() {
        return Collections.unmodifiableMap(coldToHot);
    }

    /**
     * The pair of the HotColdMap whose cold section holds runtime function {@code rf}, as the runtime's
     * HotColdMappingLookupTable::LookupMappingForMethod (cDAC HotColdLookup) finds it: code from the first pair's cold index on is
     * cold, and a cold runtime function belongs to the pair with the greatest cold index not above it, so a split method's cold
     * funclets, which follow its cold main part, belong to it by range. Null for hot code.
     */
    public Map.Entry<Integer, Integer> hotColdPairOf(int rf) {
        return coldToHot.floorEntry(rf);
    }

    /**
     * Whether cold runtime function {@code rf} is a funclet, as the runtime's ReadyToRunJitManager::LazyIsFunclet tells: on x64 any
     * cold function whose UNWIND_INFO does not chain (UNW_FLAG_CHAININFO) to the hot part's, the cold main part's does; ARM64 has
     * no chained records, and there the cold main part is the one the method's HotColdMap pair names, the funclets following it.
     */
    public boolean isColdFunclet(int rf) {
        Map.Entry<Integer, Integer> pair = hotColdPairOf(rf);
        if (pair == null) {
            return false;
        }
        int root = rootRuntimeFunction(rf);
        if (pe.machine() != Machine.AMD64) {
            return root != pair.getKey();
        }
        long at = pe.rvaToOffset("UNWIND_INFO", runtimeFunctions.get(root).unwindRva(), X64UnwindInfo.HEADER_SIZE);
        return ((file.u8("UNWIND_INFO", at) >>> 3) & X64UnwindInfo.UNW_FLAG_CHAININFO) == 0;
    }

    /** The hot (main) runtime function of the cold code at {@code rf}, or -1 when {@code rf} is hot. */
    public int hotRuntimeFunctionOf(int rf) {
        Map.Entry<Integer, Integer> pair = hotColdPairOf(rf);
        return pair == null ? -1 : pair.getValue();
    }

    /**
     * The RVA of the code at {@code offset} from the start of the method whose main code begins runtime function {@code entry},
     * as the runtime counts method offsets (EH clauses, GC info): the hot part first, then, for a split method, its cold
     * section at the hot size: an offset past the hot part lies {@code offset - hotSize} into the cold section.
     */
    public long methodOffsetToRva(int entry, long offset) {
        long begin = runtimeFunctions.get(entry).beginRva();
        Integer cold = null;
        for (Map.Entry<Integer, Integer> e : coldToHot.entrySet()) {
            if (e.getValue() == entry) {
                cold = e.getKey();
                break;
            }
        }
        if (cold == null) {
            return begin + offset;
        }
        long hotSize = hotSize(entry);
        return offset < hotSize ? begin + offset : runtimeFunctions.get(cold).beginRva() + (offset - hotSize);
    }

    /** The inverse of {@link #methodOffsetToRva}: the offset from the method start of the code at {@code rva}, hot or cold. */
    public long methodOffsetOf(int entry, long rva) {
        int rf = runtimeFunctionContaining(rva);
        Map.Entry<Integer, Integer> pair = rf < 0 ? null : hotColdPairOf(rf);
        if (pair == null || pair.getValue() != entry) {
            return rva - runtimeFunctions.get(entry).beginRva();
        }
        return hotSize(entry) + rva - runtimeFunctions.get(pair.getKey()).beginRva();
    }

    /** The size of a split method's hot part: its main runtime function and the unwind fragments after it. */
    private long hotSize(int entry) {
        int last = entry;
        while (last + 1 < runtimeFunctions.size() && fragments[last + 1]) {
            last++;
        }
        return runtimeFunctions.get(last).endRva() - runtimeFunctions.get(entry).beginRva();
    }

    /** Instance entries whose signature has the AsyncVariant flag (Tier1 bodies from r2rlab's section not counted). */
    public long asyncVariantCount() {
        return methods.stream().filter(m -> m.kind() == CodeBodyKind.ASYNC_VARIANT && m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS)
                .count();
    }

    /**
     * The methods InstanceMethodEntryPoints lists, in the section's order. {@code appendResumptionStubs}
     * is the reader defect B7: the synthetic resumption-stub methods (found through their
     * ResumptionStubEntryPoint fixups, with no entry in the section) appended to the same list, so that
     * its count and contents no longer match the section.
     */
    public List<ReadyToRunMethod> instanceMethods(boolean appendResumptionStubs) {
        List<ReadyToRunMethod> out = new ArrayList<>();
        for (ReadyToRunMethod m : methods) {
            if (m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS) {
                out.add(m);
            }
        }
        if (appendResumptionStubs) {
            for (ReadyToRunMethod m : methods) {
                if (m.source() == ReadyToRunMethod.Source.RESUMPTION_STUB_FIXUP) {
                    out.add(m);
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    public long methodCount(ReadyToRunMethod.Source source) {
        return methods.stream().filter(m -> m.source() == source).count();
    }
}
