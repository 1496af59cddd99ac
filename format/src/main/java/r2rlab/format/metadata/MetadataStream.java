package r2rlab.format.metadata;

/** A stream header of the metadata root: name, absolute file offset and size of the stream. */
public record MetadataStream(String name, long fileOffset, int size) {
}
