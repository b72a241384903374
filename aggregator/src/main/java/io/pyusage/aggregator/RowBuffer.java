package io.pyusage.aggregator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyusage.common.record.StartupRecordCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * Newline-delimited JSON rows for one table, written whole in the normal case and in slices when
 * ClickHouse refuses one of them. Remembers how many leading rows are already stored, so a write
 * retried after a failure half-way never stores a row twice.
 */
final class RowBuffer {

    /** Built once: mapper.writeValue() would set up a serializer provider for every row. */
    private static final SerializerProvider SERIALIZERS = StartupRecordCodec.mapper().getSerializerProviderInstance();

    /** Per thread, for {@link #encode}: its generator and buffer are reused for every record. */
    private static final ThreadLocal<RowBuffer> SCRATCH = ThreadLocal.withInitial(RowBuffer::new);

    private final ExposedBuffer out = new ExposedBuffer();
    private final JsonGenerator generator = newGenerator(out);
    private int[] ends = new int[1024];
    private int rows;
    private int written;

    /** Rows as JSON lines: {@code bytes}, and where each row ends in them. */
    record Encoded(byte[] bytes, int[] ends) {
    }

    /**
     * Encodes rows on any thread, so that they are encoded where records are decoded, in parallel,
     * and a batch only copies bytes ({@link #add(Encoded)}).
     */
    static Encoded encode(List<ObjectNode> rows) {
        RowBuffer scratch = SCRATCH.get();
        scratch.out.reset();
        scratch.rows = 0;
        rows.forEach(scratch::add);
        return new Encoded(scratch.out.toByteArray(), Arrays.copyOf(scratch.ends, scratch.rows));
    }

    void add(ObjectNode row) {
        try {
            row.serialize(generator, SERIALIZERS);
            generator.writeRaw('\n');
            generator.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ended(out.size());
    }

    void add(Encoded encoded) {
        int base = out.size();
        out.write(encoded.bytes(), 0, encoded.bytes().length);
        for (int end : encoded.ends()) {
            ended(base + end);
        }
    }

    private void ended(int end) {
        if (rows == ends.length) {
            ends = Arrays.copyOf(ends, rows * 2);
        }
        ends[rows++] = end;
    }

    private static JsonGenerator newGenerator(ByteArrayOutputStream out) {
        try {
            JsonGenerator generator = StartupRecordCodec.mapper().createGenerator(out);
            generator.setRootValueSeparator(null); // rows are separated by the newline written after each
            return generator;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int size() {
        return rows;
    }

    /** The bytes of all rows. */
    int bytes() {
        return out.size();
    }

    /** Rows {@code [from, to)} as one request body. */
    byte[] slice(int from, int to) {
        return Arrays.copyOfRange(out.buffer(), start(from), ends[to - 1]);
    }

    /** Rows {@code [from, to)} as encoded rows, to be added to another buffer. */
    Encoded rows(int from, int to) {
        int base = start(from);
        int[] rowEnds = new int[to - from];
        for (int i = from; i < to; i++) {
            rowEnds[i - from] = ends[i] - base;
        }
        return new Encoded(slice(from, to), rowEnds);
    }

    /** One row, without its newline. */
    byte[] row(int index) {
        return Arrays.copyOfRange(out.buffer(), start(index), ends[index] - 1);
    }

    /** How many leading rows are stored (or dead-lettered). */
    int written() {
        return written;
    }

    void markWritten(int upTo) {
        written = Math.max(written, upTo);
    }

    private int start(int index) {
        return index == 0 ? 0 : ends[index - 1];
    }

    /** Gives slices access to the bytes without the copy {@code toByteArray()} makes. */
    private static final class ExposedBuffer extends ByteArrayOutputStream {
        ExposedBuffer() {
            super(64 * 1024);
        }

        byte[] buffer() {
            return buf;
        }
    }
}
