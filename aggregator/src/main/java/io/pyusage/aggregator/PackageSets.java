package io.pyusage.aggregator;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The package rows of a batch's sets (environments' installed sets, or imported sets): each set's
 * rows once, in the order they came, with where each set's rows end, so that sets found stored
 * already are left out before any row is written.
 */
final class PackageSets {

    private RowBuffer rows = new RowBuffer();
    /** Each set with rows here, with where its rows end in {@link #rows}, in order. */
    private final Map<Long, Integer> ends = new LinkedHashMap<>();
    private final Set<Long> ids = new HashSet<>();

    /** Adds the set's rows unless this batch holds them already; {@code setRows} null adds nothing. */
    void add(long id, EncodedRows setRows) {
        if (setRows != null && ids.add(id)) {
            rows.add(setRows);
            ends.put(id, rows.size());
        }
    }

    /** Whether the set's rows were added to this batch. */
    boolean contains(long id) {
        return ids.contains(id);
    }

    /** The sets whose rows are here. */
    Set<Long> withRows() {
        return ends.keySet();
    }

    /** Every set added to this batch, those left out since included. */
    Set<Long> ids() {
        return ids;
    }

    /** Drops the rows of these sets (stored already); only before any row is written. */
    void leaveOut(Set<Long> stored) {
        if (rows.written() > 0) {
            throw new IllegalStateException("package rows are being written");
        }
        if (stored.isEmpty()) {
            return;
        }
        RowBuffer kept = new RowBuffer();
        Map<Long, Integer> keptEnds = new LinkedHashMap<>();
        int start = 0;
        for (Map.Entry<Long, Integer> set : ends.entrySet()) {
            if (!stored.contains(set.getKey()) && set.getValue() > start) {
                kept.add(rows.rows(start, set.getValue()));
                keptEnds.put(set.getKey(), kept.size());
            }
            start = set.getValue();
        }
        rows = kept;
        ends.clear();
        ends.putAll(keptEnds);
    }

    RowBuffer rows() {
        return rows;
    }
}
