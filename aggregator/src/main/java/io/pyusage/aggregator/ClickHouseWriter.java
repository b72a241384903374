package io.pyusage.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import io.pyusage.common.clickhouse.ResendColumns;
import io.pyusage.common.clickhouse.Sql;
import io.pyusage.common.clickhouse.SqlRunner;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Writes one batch: package rows first, then starts, so a start is never visible before its
 * environment. One INSERT per table per batch; only when ClickHouse refuses the data itself is the
 * batch split in halves until the refused rows are found, and those go to the dead-letter topic
 * while the rest are written.
 */
final class ClickHouseWriter {

    static final String KAFKA_POSITIONS_QUERY =
            "SELECT kafka_partition, max(last_offset) AS last_offset FROM %s WHERE kafka_topic = %s GROUP BY kafka_partition";

    private static final String LAST_STORED_STARTS_QUERY = """
            SELECT kafka_partition, kafka_offset, event_id FROM starts
            WHERE day >= today() - %d AND kafka_topic = %s AND kafka_partition = %d AND kafka_offset >= %d
            ORDER BY kafka_offset
            LIMIT %d""";

    /** Starts asked for at a time by {@link #lastStoredStarts}: a page's JSON rows are held in memory at once. */
    private static final int STORED_STARTS_PAGE = 20_000;

    /** A start stored from a partition of the topic: where it was read, and its event id. */
    record StoredStart(int partition, long offset, UUID eventId) {
    }

    /** Where refused rows go; it returns once they are safely kept. */
    interface RejectedRows {
        void reject(TableLayout table, byte[] row, String error);
    }

    /** Ids per environment lookup: at most 20 digits and a comma each, so about 42 KB of SQL. */
    static final int ENVIRONMENT_LOOKUP_IDS = 2_000;
    private final SqlRunner store;
    private final int storedStartsPage;

    ClickHouseWriter(SqlRunner store) {
        this(store, STORED_STARTS_PAGE);
    }

    /** A writer that reads {@link #lastStoredStarts} in pages of {@code storedStartsPage} starts. */
    ClickHouseWriter(SqlRunner store, int storedStartsPage) {
        this.store = store;
        this.storedStartsPage = storedStartsPage;
    }

    /** Where the rows go. */
    SqlRunner store() {
        return store;
    }

    /**
     * The last offset written per partition of the topic with id {@code topicId}, as ClickHouse
     * recorded it with the rows ({@code kafka_positions}); partitions never written are absent.
     */
    Map<Integer, Long> lastWrittenOffsets(String topicId) {
        return lastWrittenOffsets("kafka_positions", topicId);
    }

    /** As {@link #lastWrittenOffsets(String)}, for the import records ({@code kafka_import_positions}). */
    Map<Integer, Long> lastWrittenImportOffsets(String topicId) {
        return lastWrittenOffsets("kafka_import_positions", topicId);
    }

    private Map<Integer, Long> lastWrittenOffsets(String positions, String topicId) {
        Map<Integer, Long> offsets = new HashMap<>();
        for (JsonNode row : store.query(KAFKA_POSITIONS_QUERY.formatted(positions, Sql.string(topicId)))) {
            offsets.put(row.get("kafka_partition").asInt(), row.get("last_offset").asLong());
        }
        return offsets;
    }

    /**
     * The starts stored last from the partitions of the topic with id {@code topicId}, handed to
     * {@code each} partition by partition in offset order: for each key of {@code lastOffsets} (a
     * partition, with the last offset {@code kafka_positions} holds for it, -1 for none), those among
     * its last {@code count} offsets and any after it (stored by an insert whose positions row was
     * lost with the replica that took it), whose start lies in the last {@link ResendColumns#RECENT_DAYS}
     * days: the lookup reads the newest
     * month partitions of {@code starts}, not every start kept, and before those days the columns it
     * reads are cleared. Read in pages, so a large {@code count} costs no more memory than its ids
     * take where they are kept.
     */
    void lastStoredStarts(String topicId, Map<Integer, Long> lastOffsets, int count, Consumer<StoredStart> each) {
        for (Map.Entry<Integer, Long> last : lastOffsets.entrySet()) {
            long from = Math.max(0, last.getValue() - count + 1);
            List<JsonNode> page;
            do {
                page = store.query(LAST_STORED_STARTS_QUERY.formatted(ResendColumns.RECENT_DAYS, Sql.string(topicId), last.getKey(), from,
                        storedStartsPage));
                for (JsonNode row : page) {
                    StoredStart start = new StoredStart(row.get("kafka_partition").asInt(), row.get("kafka_offset").asLong(),
                            UUID.fromString(row.get("event_id").asText()));
                    each.accept(start);
                    from = start.offset() + 1;
                }
            } while (page.size() == storedStartsPage);
        }
    }

    /**
     * Which of these package sets have their rows stored (by any aggregator, at any time). Asked in
     * pieces: a burst of starts from distinct environments fills a batch with tens of thousands of
     * ids, and one list of them all went past ClickHouse's {@code max_query_size} (256 KiB), a
     * failure that retrying the batch could never end.
     */
    Set<Long> storedEnvironments(Collection<Long> envIds) {
        return storedSets("environments", "env_id", envIds);
    }

    /** As {@link #storedEnvironments}, for imported sets ({@code import_sets}). */
    Set<Long> storedImportSets(Collection<Long> importsIds) {
        return storedSets("import_sets", "imports_id", importsIds);
    }

    private Set<Long> storedSets(String table, String idColumn, Collection<Long> setIds) {
        Set<Long> stored = new HashSet<>();
        List<Long> all = List.copyOf(setIds);
        for (int from = 0; from < all.size(); from += ENVIRONMENT_LOOKUP_IDS) {
            String ids = all.subList(from, Math.min(all.size(), from + ENVIRONMENT_LOOKUP_IDS)).stream()
                    .map(Long::toUnsignedString).collect(Collectors.joining(","));
            store.query("SELECT DISTINCT " + idColumn + " AS id FROM " + table + " WHERE " + idColumn + " IN (" + ids + ")")
                    .forEach(row -> stored.add(Long.parseUnsignedLong(row.get("id").asText())));
        }
        return stored;
    }

    /**
     * Returns how many rows were refused (and handed to {@code rejected}). Package rows of sets
     * already stored (written before this aggregator started, by another one, or forgotten from its
     * memory) are left out first: one lookup per batch and kind of set, before any of them is written.
     */
    int write(Batch batch, RejectedRows rejected) {
        leaveOutStored(batch.environments(), this::storedEnvironments);
        leaveOutStored(batch.importSets(), this::storedImportSets);
        // Import rows before the starts: a batch cut between them leaves its starts to be written again
        // on resume and its import records known as written (see ConsumerLoop's positions).
        return write(TableLayout.ENVIRONMENT_PACKAGES, batch.packages(), rejected)
                + write(TableLayout.IMPORT_SET_PACKAGES, batch.importSets().rows(), rejected)
                + write(TableLayout.START_IMPORTS, batch.imports(), rejected)
                + write(TableLayout.STARTS, batch.starts(), rejected);
    }

    /** Leaves out the rows of the sets {@code stored} finds stored, before any of them is written (a retry keeps what it had). */
    private static void leaveOutStored(PackageSets sets, Function<Collection<Long>, Set<Long>> stored) {
        if (sets.rows().written() == 0 && sets.rows().size() > 0) {
            sets.leaveOut(stored.apply(sets.withRows()));
        }
    }

    private int write(TableLayout table, RowBuffer rows, RejectedRows rejected) {
        return write(table, rows, rows.written(), rows.size(), rejected);
    }

    /**
     * Rows are written strictly in order, so the starts stored for a partition are always a prefix
     * of its batch: should the process die half-way, {@code kafka_positions} still tells where to resume.
     */
    private int write(TableLayout table, RowBuffer rows, int from, int to, RejectedRows rejected) {
        if (from >= to) {
            return 0;
        }
        try {
            store.insertRowBinary(table.table(), table.columnNames(), rows.slice(from, to));
            rows.markWritten(to);
            return 0;
        } catch (ClickHouseException e) {
            if (!e.isRejectedData()) {
                throw e;
            }
            if (to - from == 1) {
                rejected.reject(table, rows.row(from), e.getMessage());
                rows.markWritten(to);
                return 1;
            }
            int middle = (from + to) >>> 1;
            return write(table, rows, from, middle, rejected) + write(table, rows, middle, to, rejected);
        }
    }
}
