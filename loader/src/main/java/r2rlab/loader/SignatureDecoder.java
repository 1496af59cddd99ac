package r2rlab.loader;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.SignatureType;
import r2rlab.format.r2r.CorElementType;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFieldSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.format.r2r.ReadyToRunInstructionSet;
import r2rlab.format.r2r.ReadyToRunMethodSigFlags;
import r2rlab.format.r2r.ReadyToRunMethodSignature;

/**
 * Reads ReadyToRun signatures through the format's codecs ({@link FixupSignature},
 * {@link ReadyToRunMethodSignature}) and names what they refer to: the one place where a signature becomes
 * text. A token is looked up in the module its signature names, as the runtime's ZapSig decoders do
 * ({@link ModuleNames}): this image's metadata, or the ManifestMetadata section for the native manifest
 * module; a token of another module cannot be named without that module and is shown as its module
 * index, the module's assembly name where the image records it, and the raw token. The signature's
 * own module is its fixup's module override, or this image; a MODULE_ZAPSIG type and a method's
 * UpdateContext change the module for what follows, but the type arguments of a generic
 * instantiation and a method's instantiation are read in the signature's own module
 * ({@code pOrigModule} in SigPointer::GetTypeHandleThrowing and ZapSig::DecodeMethod). A token
 * outside its table is a format error in this image's metadata; in the manifest it is shown raw.
 */
public final class SignatureDecoder {
    private final ByteReader file;
    private final ModuleNames modules;
    private final int pointerSize;

    public SignatureDecoder(ByteReader file, ModuleNames modules, int pointerSize) {
        this.file = file;
        this.modules = modules;
        this.pointerSize = pointerSize;
    }

    /** A fixup signature read from the image, with its rendering and, for method-entry kinds, the method it names. */
    public record DecodedFixup(FixupSignature signature, String text, MethodRef method) {
    }

    /** Decodes the fixup signature at file offset {@code offset}; reads stop at {@code end}. */
    public DecodedFixup fixup(long offset, long end, String structure) {
        SignatureReader r = new SignatureReader(file, offset, end, structure);
        FixupSignature sig = FixupSignature.read(r, pointerSize);
        Naming n = new Naming(r);
        return new DecodedFixup(sig, n.fixup(sig), n.method(sig));
    }

    /** Decodes the method signature at the reader's position (an InstanceMethodEntryPoints entry) and names it. */
    public MethodRef method(SignatureReader r, int module) {
        ReadyToRunMethodSignature sig = ReadyToRunMethodSignature.read(r);
        return new Naming(r).method(sig, module);
    }

    /** Names within one signature; errors point at the signature's start. */
    private final class Naming {
        private final SignatureReader at;

        Naming(SignatureReader at) {
            this.at = at;
        }

        String fixup(FixupSignature sig) {
            return sig.kind().name() + (sig.moduleOverride() != FixupSignature.NO_MODULE_OVERRIDE
                    ? " [module " + sig.moduleOverride() + "]" : "") + " " + payload(sig, sig.tokenModule());
        }

        /** The payload's text; {@code module} is the signature's own module (its override, or 0). */
        private String payload(FixupSignature sig, int module) {
            if (sig instanceof FixupSignature.TypeHandle t) {
                return type(t.type(), module, module);
            } else if (sig instanceof FixupSignature.MethodEntry m) {
                return method(m.method(), module).label();
            } else if (sig instanceof FixupSignature.Token t) {
                return t.kind() == ReadyToRunFixupKind.StringHandle ? String.format("string 0x%08X", t.token()) : tokenMethod(t).label();
            } else if (sig instanceof FixupSignature.Helper h) {
                return ReadyToRunHelper.nameOf(h.helperId());
            } else if (sig instanceof FixupSignature.Field f) {
                List<Integer> v = f.values();
                return field(f.field(), module) + (v.isEmpty() ? "" : v.size() == 1 ? " offset " + v.get(0) : " offsets " + v.get(0) + ", " + v.get(1));
            } else if (sig instanceof FixupSignature.Layout l) {
                return type(l.type(), module, module) + " " + l.layout();
            } else if (sig instanceof FixupSignature.ResumptionStubEntryPoint s) {
                return String.format("stub RVA 0x%X", s.stubRva());
            } else if (sig instanceof FixupSignature.InstructionSetSupport s) {
                return instructionSets(s.entries());
            } else if (sig instanceof FixupSignature.VirtualSlot v) {
                return type(v.type(), module, module) + " slot #" + v.slot();
            } else if (sig instanceof FixupSignature.DictionaryLookup d) {
                return (d.thisType() != null ? type(d.thisType(), module, module) + ": " : "") + fixup(d.inner());
            } else if (sig instanceof FixupSignature.DelegateCtor d) {
                return method(d.method(), module).label() + " => " + type(d.delegateType(), module, module);
            } else if (sig instanceof FixupSignature.VirtualFunctionOverride v) {
                return method(v.declaration(), module).label() + " in " + type(v.implementingType(), module, module)
                        + (v.implementation() != null ? " overridden by " + method(v.implementation(), module).label() : " not overridden");
            } else if (sig instanceof FixupSignature.IlBody b) {
                b.types().forEach(t -> type(t, module, module));
                return method(b.method(), module).label() + " IL " + b.il().length + " bytes, " + b.types().size() + " types";
            }
            return HexFormat.of().formatHex(((FixupSignature.Raw) sig).payload());
        }

        /** The method a method-entry kind names (MethodEntry family, P/Invoke targets, DelegateCtor), or null. */
        MethodRef method(FixupSignature sig) {
            if (sig instanceof FixupSignature.MethodEntry m) {
                return method(m.method(), sig.tokenModule());
            } else if (sig instanceof FixupSignature.Token t && t.kind() != ReadyToRunFixupKind.StringHandle) {
                return tokenMethod(t);
            } else if (sig instanceof FixupSignature.DelegateCtor d) {
                return method(d.method(), sig.tokenModule());
            }
            return null;
        }

        private MethodRef tokenMethod(FixupSignature.Token t) {
            int module = t.tokenModule();
            boolean memberRef = MetadataTable.table(t.token()) == MetadataTable.MEMBERREF;
            return new MethodRef(memberRef ? ReadyToRunMethodSigFlags.MemberRefToken : 0, module, t.token(),
                    memberName(module, t.token(), null), List.of());
        }

        /**
         * ZapSig::DecodeMethod: UpdateContext moves the owner type, the token and the constraint to its
         * module; the method's instantiation stays in the signature's own module {@code module}.
         */
        MethodRef method(ReadyToRunMethodSignature sig, int module) {
            int info = sig.has(ReadyToRunMethodSigFlags.UpdateContext) ? sig.module() : module;
            String owner = sig.ownerType() == null ? null : type(sig.ownerType(), info, module);
            String name = sig.token() == 0 ? (owner != null ? owner : "?") + ".slot#" + sig.ridOrSlot()
                    : memberName(info, sig.token(), owner);
            List<String> inst = types(sig.instantiation(), module, module);
            if (!inst.isEmpty()) {
                name = name + "<" + String.join(", ", inst) + ">";
            }
            if (sig.constraint() != null) {
                name = name + " @ " + type(sig.constraint(), info, module);
            }
            return new MethodRef(sig.flags(), info, sig.token(), name, inst);
        }

        /** A MethodDef or MemberRef, qualified by {@code owner} when the signature names one. */
        private String memberName(int module, int token, String owner) {
            Metadata md = modules.metadataOf(module);
            if (md == null || !inTable(module, md, token)) {
                return (owner != null ? owner + "." : "") + foreignToken(module, token);
            }
            int rid = checkRid(md, token);
            if (MetadataTable.table(token) == MetadataTable.MEMBERREF) {
                return owner != null ? owner + "." + md.memberRef(rid).name() : md.memberRefName(rid);
            }
            return owner != null ? owner + "." + md.methodDef(rid).name() : md.methodDefName(rid);
        }

        private String field(ReadyToRunFieldSignature f, int module) {
            String owner = f.ownerType() == null ? null : type(f.ownerType(), module, module);
            Metadata md = modules.metadataOf(module);
            if (md == null || !inTable(module, md, f.token())) {
                return (owner != null ? owner + "." : "") + foreignToken(module, f.token());
            }
            int rid = checkRid(md, f.token());
            String name = f.isMemberRef() ? md.memberRef(rid).name() : md.fieldName(rid);
            return (owner != null ? owner : String.format("0x%08X", f.token())) + "." + name;
        }

        /**
         * A type's name; {@code module} is the module its tokens belong to (0 = this image), {@code orig}
         * the signature's own module, where the arguments of a generic instantiation are read.
         */
        String type(SignatureType t, int module, int orig) {
            if (t instanceof SignatureType.Primitive p) {
                return CorElementType.primitiveName(p.elementType());
            } else if (t instanceof SignatureType.Canon) {
                return "System.__Canon";
            } else if (t instanceof SignatureType.TypeDefOrRef tt) {
                Metadata md = modules.metadataOf(module);
                if (md == null || !inTable(module, md, tt.token())) {
                    return foreignToken(module, tt.token());
                }
                checkRid(md, tt.token());
                return md.typeDefOrRefName(tt.token());
            } else if (t instanceof SignatureType.GenericInst g) {
                return type(g.type(), module, orig) + "<" + String.join(", ", types(g.arguments(), orig, orig)) + ">";
            } else if (t instanceof SignatureType.SzArray a) {
                return type(a.element(), module, orig) + "[]";
            } else if (t instanceof SignatureType.Ptr p) {
                return type(p.target(), module, orig) + "*";
            } else if (t instanceof SignatureType.ByRef b) {
                return type(b.target(), module, orig) + "&";
            } else if (t instanceof SignatureType.NativeValueType n) {
                return "native " + type(n.type(), module, orig);
            } else if (t instanceof SignatureType.Pinned p) {
                return type(p.type(), module, orig);
            } else if (t instanceof SignatureType.Array a) {
                return type(a.element(), module, orig) + "[" + ",".repeat(Math.max(0, a.rank() - 1)) + "]";
            } else if (t instanceof SignatureType.GenericParam p) {
                return (p.elementType() == CorElementType.MVAR ? "!!" : "!") + p.number();
            } else if (t instanceof SignatureType.Modified m) {
                return type(m.type(), module, orig);
            } else if (t instanceof SignatureType.FnPtr f) {
                return "method " + type(f.signature().returnType(), module, orig) + " *("
                        + String.join(", ", types(f.signature().parameters(), module, orig)) + ")";
            }
            SignatureType.ModuleOverride m = (SignatureType.ModuleOverride) t;
            return type(m.type(), m.module(), orig);
        }

        private List<String> types(List<SignatureType> ts, int module, int orig) {
            List<String> out = new ArrayList<>(ts.size());
            for (SignatureType t : ts) {
                out.add(type(t, module, orig));
            }
            return out;
        }

        private String instructionSets(List<Integer> entries) {
            StringBuilder sb = new StringBuilder();
            for (ReadyToRunInstructionSet.Entry e : ReadyToRunInstructionSet.entries(entries)) {
                sb.append(sb.length() == 0 ? "" : " ").append(e);
            }
            return sb.toString();
        }

        /** A token in another module, which cannot be named without that module's metadata. */
        private String foreignToken(int module, int token) {
            return String.format("[module %d%s]0x%08X", module, modules.describe(module), token);
        }

        /**
         * Whether {@code token} names a row of module {@code module}'s tables. This image's own tokens
         * must (a token outside its table is a format error); the manifest module's need not: it has no
         * MethodDefs and only {@code <Module>} as TypeDef, and a token it cannot explain is shown raw.
         */
        private boolean inTable(int module, Metadata md, int token) {
            if (module == 0) {
                return true;
            }
            int table = MetadataTable.table(token);
            int rid = MetadataTable.rid(token);
            return token != -1 && table < MetadataTable.COUNT && rid >= 1 && rid <= md.rowCount(table);
        }

        private int checkRid(Metadata md, int token) {
            int table = MetadataTable.table(token);
            int rid = MetadataTable.rid(token);
            if (token == -1 || table >= MetadataTable.COUNT) {
                throw new FormatException(at.structure(), at.start(), "a token's row id does not fit 24 bits");
            }
            int rows = md.rowCount(table);
            if (rid < 1 || rid > rows) {
                throw new FormatException(at.structure(), at.start(), MetadataTable.name(table) + " rid " + rid
                        + " is out of range (the table has " + rows + " rows)");
            }
            return rid;
        }
    }
}
