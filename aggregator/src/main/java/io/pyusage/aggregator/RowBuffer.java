package io.pyusage.aggregator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rows of one table in a batch ({@code RowBinary}, see {@link RowWriter}), written whole in the
 * normal case and in slices when ClickHouse refuses one of them. Keeps the records' encoded rows as
 * they came (no growing array copied over and over; a write's body is assembled once). Remembers how
 * many leading rows are already stored, so a write retried after a failure half-way never stores a
 * row twice.
 */
final class RowBuffer {

    private final List<EncodedRows> chunks = new ArrayList<>();
    /** Rows before each chunk. */
    private int[] rowsBefore = new int[256];
    private int rows;
    private int bytes;
    private int written;

    void add(EncodedRows encoded) {
        if (encoded.size() == 0) {
            return;
        }
        if (chunks.size() == rowsBefore.length) {
            rowsBefore = Arrays.copyOf(rowsBefore, rowsBefore.length * 2);
        }
        rowsBefore[chunks.size()] = rows;
        chunks.add(encoded);
        rows += encoded.size();
        bytes += encoded.bytes().length;
    }

    int size() {
        return rows;
    }

    /** The bytes of all rows. */
    int bytes() {
        return bytes;
    }

    /** Rows {@code [from, to)} as one request body. */
    byte[] slice(int from, int to) {
        return rows(from, to).bytes();
    }

    /** Rows {@code [from, to)}, to be added to another buffer. */
    EncodedRows rows(int from, int to) {
        int first = chunkOf(from);
        int last = chunkOf(to - 1);
        int length = 0;
        for (int c = first; c <= last; c++) {
            length += end(c, to) - start(c, from);
        }
        byte[] slice = new byte[length];
        int[] ends = new int[to - from];
        int copied = 0;
        int row = 0;
        for (int c = first; c <= last; c++) {
            EncodedRows chunk = chunks.get(c);
            int start = start(c, from);
            System.arraycopy(chunk.bytes(), start, slice, copied, end(c, to) - start);
            for (int local = Math.max(from - rowsBefore[c], 0); local < Math.min(to - rowsBefore[c], chunk.size()); local++) {
                ends[row++] = copied + chunk.ends()[local] - start;
            }
            copied += end(c, to) - start;
        }
        return new EncodedRows(slice, ends);
    }

    /** One row. */
    byte[] row(int index) {
        int c = chunkOf(index);
        return chunks.get(c).row(index - rowsBefore[c]);
    }

    /** How many leading rows are stored (or dead-lettered). */
    int written() {
        return written;
    }

    void markWritten(int upTo) {
        written = Math.max(written, upTo);
    }

    /** The chunk holding row {@code index}. */
    private int chunkOf(int index) {
        int found = Arrays.binarySearch(rowsBefore, 0, chunks.size(), index);
        return found >= 0 ? found : -found - 2;
    }

    /** Where chunk {@code c}'s part of rows from {@code from} on begins in its bytes. */
    private int start(int c, int from) {
        int local = Math.max(from - rowsBefore[c], 0);
        return local == 0 ? 0 : chunks.get(c).ends()[local - 1];
    }

    /** Where chunk {@code c}'s part of rows before {@code to} ends in its bytes. */
    private int end(int c, int to) {
        EncodedRows chunk = chunks.get(c);
        return chunk.ends()[Math.min(to - rowsBefore[c], chunk.size()) - 1];
    }
}
