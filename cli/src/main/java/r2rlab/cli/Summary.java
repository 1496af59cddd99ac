package r2rlab.cli;

import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/** One line per image: what {@code demo} and {@code dump --summary} print. */
final class Summary {
    private Summary() {
    }

    static String line(R2RImage img) {
        long async = img.asyncVariantCount();
        long owned = img.resumptionStubs().stream().filter(s -> s.owner() != null).count();
        return String.format("%s: R2R %s %s/%s, %d runtime functions, %d MethodDef entry points, %d instance entry points"
                        + " (%d async variants), %d resumption stubs (%d paired with their owner)",
                img.name(), img.header().version(), img.pe().machine().archName, img.pe().os().osName,
                img.runtimeFunctions().size(), img.methodCount(ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS),
                img.methodCount(ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS), async, img.resumptionStubs().size(), owned);
    }
}
