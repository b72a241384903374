package io.pyusage.aggregator;

import java.util.Arrays;

/**
 * The rows of one table in a batch ({@code RowBinary}, see {@link RowWriter}), written whole in the
 * normal case and in slices when ClickHouse refuses one of them. Remembers how many leading rows are
 * already stored, so a write retried after a failure half-way never stores a row twice.
 */
final class RowBuffer {

    private byte[] bytes = new byte[64 * 1024];
    private int size;
    private int[] ends = new int[1024];
    private int rows;
    private int written;

    void add(EncodedRows encoded) {
        byte[] more = encoded.bytes();
        if (size + more.length > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more.length));
        }
        System.arraycopy(more, 0, bytes, size, more.length);
        if (rows + encoded.size() > ends.length) {
            ends = Arrays.copyOf(ends, Math.max(ends.length * 2, rows + encoded.size()));
        }
        for (int end : encoded.ends()) {
            ends[rows++] = size + end;
        }
        size += more.length;
    }

    int size() {
        return rows;
    }

    /** The bytes of all rows. */
    int bytes() {
        return size;
    }

    /** Rows {@code [from, to)} as one request body. */
    byte[] slice(int from, int to) {
        return Arrays.copyOfRange(bytes, start(from), ends[to - 1]);
    }

    /** Rows {@code [from, to)}, to be added to another buffer. */
    EncodedRows rows(int from, int to) {
        int base = start(from);
        int[] rowEnds = new int[to - from];
        for (int i = from; i < to; i++) {
            rowEnds[i - from] = ends[i] - base;
        }
        return new EncodedRows(slice(from, to), rowEnds);
    }

    /** One row. */
    byte[] row(int index) {
        return Arrays.copyOfRange(bytes, start(index), ends[index]);
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
}
