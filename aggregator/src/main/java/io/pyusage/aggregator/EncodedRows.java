package io.pyusage.aggregator;

import java.util.Arrays;

/**
 * Rows of one table in ClickHouse's {@code RowBinary} format, back to back: {@code bytes}, and where
 * each row ends in them. What one record contributes to a batch (its start row, or its environment's
 * package rows), encoded where the record is decoded.
 */
public record EncodedRows(byte[] bytes, int[] ends) {

    public int size() {
        return ends.length;
    }

    /** Row {@code index} alone. */
    public byte[] row(int index) {
        return Arrays.copyOfRange(bytes, index == 0 ? 0 : ends[index - 1], ends[index]);
    }
}
