package io.pyusage.common.clickhouse;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The columns of {@code starts} that only the aggregator's resend check reads: a start's event id,
 * and the Kafka offset it was read at; and the offset of {@code start_imports}, which nothing reads
 * once its month's positions are kept in {@code kafka_import_positions}. The check looks only at starts of the last {@link #RECENT_DAYS}
 * days, so in the months before those the columns are cleared (18.16 has no TTL; a cleared column of
 * a partition takes no space and reads as zeros). Random event ids do not compress: on a synthetic
 * year they were 16 of the 49.4 bytes stored per start, the offsets 3 more.
 */
public final class ResendColumns {

    private static final Logger LOG = LoggerFactory.getLogger(ResendColumns.class);
    /** How many days back the resend check looks; the columns are kept for these days. */
    public static final int RECENT_DAYS = 7;
    static final List<String> COLUMNS = List.of("event_id", "kafka_offset");
    /** Per table, its columns read only by the resend check and the positions of the last days. */
    static final Map<String, List<String>> TABLES = new TreeMap<>(Map.of("starts", COLUMNS, "start_imports", List.of("kafka_offset")));

    private ResendColumns() {
    }

    /**
     * Clears the columns in every month that ended more than {@link #RECENT_DAYS} days before
     * {@code today} and still holds them: a part whose column was cleared no longer lists it (18.16
     * and current releases alike), while a late start written into such a month brings it back in
     * its own part, and the month is cleared again. Returns what was cleared as {@code column/partition}.
     */
    public static List<String> clearSpent(SqlRunner store, LocalDate today) {
        String firstKept = YearMonth.from(today.minusDays(RECENT_DAYS)).format(Retention.PARTITION_ID);
        List<String> cleared = new ArrayList<>();
        TABLES.forEach((table, columns) -> {
            for (var row : store.query("""
                    SELECT DISTINCT column, partition_id
                    FROM system.parts_columns
                    WHERE database = currentDatabase() AND table = %s AND active AND column IN (%s)
                      AND partition_id < %s
                    ORDER BY partition_id, column""".formatted(Sql.string(table), String.join(", ", columns.stream().map(Sql::string).toList()),
                    Sql.string(firstKept)))) {
                String partition = row.get("partition_id").asText();
                if (!Retention.MONTH_PARTITION.matcher(partition).matches()) {
                    continue;
                }
                String column = Sql.identifier(row.get("column").asText(), Set.copyOf(columns));
                LOG.info("clearing {} of {} of month {}: the resend check reads only the last {} days", column, table, partition, RECENT_DAYS);
                store.execute("ALTER TABLE " + table + " CLEAR COLUMN " + column + " IN PARTITION ID " + Sql.string(partition));
                cleared.add(table + "." + column + "/" + partition);
            }
        });
        return cleared;
    }
}
