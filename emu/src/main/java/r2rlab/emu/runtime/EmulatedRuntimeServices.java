package r2rlab.emu.runtime;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunHeader;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.loader.ImportCell;
import r2rlab.loader.MethodRef;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunSection;
import r2rlab.loader.runtime.RuntimeServices;

/**
 * What the emulated runtime gives the model's fixup resolution: the Module*, helper addresses from the
 * {@link HelperTable}, continuation MethodTables in the managed heap, CoreLib methods by name as trap
 * slots, and a value for every other fixup so that code loads.
 */
final class EmulatedRuntimeServices implements RuntimeServices {
    /** Fixup kinds that check the image against the runtime: the emulated runtime passes them all. */
    private static final Set<ReadyToRunFixupKind> CHECKS = EnumSet.of(ReadyToRunFixupKind.Check_InstructionSetSupport,
            ReadyToRunFixupKind.Check_TypeLayout, ReadyToRunFixupKind.Check_FieldOffset, ReadyToRunFixupKind.Verify_TypeLayout,
            ReadyToRunFixupKind.Verify_FieldOffset, ReadyToRunFixupKind.Check_VirtualFunctionOverride,
            ReadyToRunFixupKind.Verify_VirtualFunctionOverride, ReadyToRunFixupKind.Check_IL_Body, ReadyToRunFixupKind.Verify_IL_Body);

    private final EmulatedRuntime rt;
    private final HelperTable helpers;
    private final long moduleHandle;
    private final boolean registerResumptionStubs;
    private final Metadata manifest;
    private final Map<String, EmulatedRuntime.RuntimeMethodHandler> runtimeMethods = new HashMap<>();
    private final Map<String, Long> runtimeMethodTraps = new HashMap<>();

    EmulatedRuntimeServices(EmulatedRuntime rt, HelperTable helpers, long moduleHandle, boolean registerResumptionStubs) {
        this.rt = rt;
        this.helpers = helpers;
        this.moduleHandle = moduleHandle;
        this.registerResumptionStubs = registerResumptionStubs;
        this.manifest = readManifest(rt.image());
    }

    private static Metadata readManifest(R2RImage image) {
        ReadyToRunSection s = image.header().section(ReadyToRunSectionType.ManifestMetadata.id);
        if (s == null) {
            return null;
        }
        long off = image.pe().rvaToOffset("ManifestMetadata", s.entryOffset() + ReadyToRunHeader.Section.RVA_OFFSET, s.rva(), s.size());
        return Metadata.read(image.pe().file(), off, (int) s.size());
    }

    /** Provides the CoreLib method {@code name} to emulated code. */
    void provide(String name, EmulatedRuntime.RuntimeMethodHandler handler) {
        runtimeMethods.put(name, handler);
    }

    @Override
    public long imageBase() {
        return rt.imageBase();
    }

    @Override
    public boolean registersResumptionStubs() {
        return registerResumptionStubs;
    }

    @Override
    public long moduleHandle() {
        return moduleHandle;
    }

    @Override
    public long helperAddress(int helperId) {
        return helpers.address(helperId);
    }

    @Override
    public long methodTableForContinuationLayout(long signatureRva, FixupSignature.Layout layout) {
        // A MethodTable the heap can size objects by: base size at +4, as the runtime's MethodTable has it.
        long mt = rt.allocate(64);
        int size = AsyncDispatcher.CONTINUATION.data() + layout.layout().size();
        rt.engine().memWrite(mt + 4, new byte[] {(byte) size, (byte) (size >>> 8), (byte) (size >>> 16), (byte) (size >>> 24)});
        rt.event(String.format("ContinuationLayout %s -> MethodTable 0x%X (object size %d)", layout.layout(), mt, size));
        return mt;
    }

    @Override
    public long resolveExternalMethod(MethodRef method, int moduleOverride) {
        String name = externalName(method);
        Long trap = runtimeMethodTraps.get(name);
        if (trap != null) {
            return trap;
        }
        EmulatedRuntime.RuntimeMethodHandler h = runtimeMethods.get(name);
        if (h == null) {
            rt.event("external method " + name + " is not provided by the emulated runtime");
            return 0;
        }
        long address = rt.traps().add(name, call -> h.call(rt, call));
        runtimeMethodTraps.put(name, address);
        return address;
    }

    /** The simple name of an external method: the MemberRef's name in the manifest metadata when the token is one of its rows. */
    private String externalName(MethodRef method) {
        int token = method.token();
        int rid = MetadataTable.rid(token);
        if (manifest != null && MetadataTable.table(token) == MetadataTable.MEMBERREF && rid <= manifest.rowCount(MetadataTable.MEMBERREF)) {
            return manifest.memberRef(rid).name();
        }
        return method.name();
    }

    /**
     * Fixups the emulated runtime has no model for get values that let code load: the checks pass
     * (the emulated CPU has the instruction sets, layouts are taken to match), and every type,
     * method, field or string handle is a distinct zeroed block of the managed heap, one per cell.
     */
    @Override
    public long resolveOther(ImportCell cell) {
        return CHECKS.contains(cell.signature().kind()) ? 1 : rt.allocate(64);
    }
}
