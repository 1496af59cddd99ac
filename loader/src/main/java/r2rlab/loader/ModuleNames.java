package r2rlab.loader;

import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;

/**
 * Names the module behind a signature's module index, as the runtime resolves it: indexes
 * 1..AssemblyRef count are the image's own AssemblyRefs; past them come the AssemblyRefs of the
 * ManifestMetadata section (from format 6.3 on, the first index past them is the manifest's own
 * assembly). Only names are given: the other module's tokens are never guessed.
 */
public final class ModuleNames {
    private final Metadata metadata;
    private final Metadata manifest;
    private final boolean hasManifestSelf;

    public ModuleNames(Metadata metadata, Metadata manifest, int majorVersion, int minorVersion) {
        this.metadata = metadata;
        this.manifest = manifest;
        this.hasManifestSelf = majorVersion > 6 || majorVersion == 6 && minorVersion >= 3;
    }

    /** The assembly name of a module index, or null when the image does not record one. */
    public String name(int module) {
        int own = metadata.rowCount(MetadataTable.ASSEMBLYREF);
        if (module >= 1 && module <= own) {
            return metadata.assemblyRefName(module);
        }
        if (manifest == null) {
            return null;
        }
        if (isManifestModule(module)) {
            return manifest.assemblyName();
        }
        int index = module - own - (hasManifestSelf ? 1 : 0);
        if (index >= 1 && index <= manifest.rowCount(MetadataTable.ASSEMBLYREF)) {
            return manifest.assemblyRefName(index);
        }
        return null;
    }

    /**
     * From format 6.3 on, the index just past the image's AssemblyRefs names the manifest module
     * itself, whose TypeRefs and MemberRefs crossgen2 adds for what the code needs beyond the IL's
     * references (the .NET 11 images reach AsyncHelpers and Continuation this way).
     */
    public boolean isManifestModule(int module) {
        return manifest != null && hasManifestSelf && module == metadata.rowCount(MetadataTable.ASSEMBLYREF) + 1;
    }

    /**
     * The metadata that holds the tokens of module index {@code module}, as ZapSig::DecodeModuleFromIndex
     * resolves it: this image's for 0; for the native manifest module (index AssemblyRef count + 1,
     * format 6.3 on) the ManifestMetadata section, whose MemberRefs and TypeRefs (scoped by the
     * ModuleRefs {@code System.Private.CoreLib}, {@code #:k} and {@code #Asm:k}) name what the code
     * reaches beyond its IL's references; null for any other module, whose tokens are never guessed.
     */
    public Metadata metadataOf(int module) {
        if (module == 0) {
            return metadata;
        }
        return isManifestModule(module) ? manifest : null;
    }

    /** " Name" for display after the index, or "" when unnamed. */
    public String describe(int module) {
        String n = name(module);
        return n == null ? "" : " " + n;
    }
}
