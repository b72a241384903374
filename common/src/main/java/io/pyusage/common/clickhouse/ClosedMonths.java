package io.pyusage.common.clickhouse;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges each month that has ended into one part per table. ClickHouse stops merging a month's parts
 * once they are large, and a lookup by a key inside the sort order (a user in {@code starts}) reads at
 * least a granule in every part and base: on a synthetic year, a month left in three or four parts
 * made a user's lookup read 2.1 million rows for 3,000 starts (250-365 ms; after merging, 100-200 ms
 * for the whole page). A month is merged once: afterwards its largest part holds nearly all its rows,
 * and the few late rows that arrive later (clocks, resent batches) are left to ClickHouse's own merges
 * instead of rewriting the month for each of them.
 */
public final class ClosedMonths {

    private static final Logger LOG = LoggerFactory.getLogger(ClosedMonths.class);
    /** The month-partitioned tables. */
    static final List<String> TABLES = Stream.concat(Retention.RAW_TABLES.stream(), Retention.ROLLUP_TABLES.stream()).toList();
    /** A month whose largest part holds less than this share of its rows is merged. */
    static final double MERGED_SHARE = 0.9;

    private ClosedMonths() {
    }

    /** Merges the months before the one of {@code today} that are still split; returns them as {@code table/partition}. */
    public static List<String> merge(SqlRunner store, LocalDate today) {
        String currentMonth = YearMonth.from(today).format(Retention.PARTITION_ID);
        List<String> merged = new ArrayList<>();
        String tables = String.join(", ", TABLES.stream().map(Sql::string).toList());
        for (var row : store.query("""
                SELECT table, partition_id, count() AS parts
                FROM system.parts
                WHERE database = currentDatabase() AND active AND table IN (%s) AND partition_id < %s
                GROUP BY table, partition_id
                HAVING parts > 1 AND max(rows) < sum(rows) * %s
                ORDER BY table, partition_id""".formatted(tables, Sql.string(currentMonth), MERGED_SHARE))) {
            String table = Sql.identifier(row.get("table").asText(), Set.copyOf(TABLES));
            String partition = row.get("partition_id").asText();
            if (!Retention.MONTH_PARTITION.matcher(partition).matches()) {
                continue;
            }
            LOG.info("merging the {} parts of {} month {} into one", row.get("parts").asInt(), table, partition);
            store.execute("OPTIMIZE TABLE " + table + " PARTITION ID " + Sql.string(partition) + " FINAL");
            merged.add(table + "/" + partition);
        }
        return merged;
    }
}
