package io.pyusage.common.clickhouse;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops whole months of old data: ClickHouse 18.16 has no TTL, and dropping a partition costs nothing
 * compared to deleting rows. Raw starts are kept {@code rawMonths}, the daily rollups
 * {@code rollupMonths}; the current month counts as one. Environments' package rows are not dropped:
 * they are stored once per package set and stay small.
 */
public final class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    /** Tables with a row per user and host (personal data): kept as long as the raw starts. */
    static final List<String> RAW_TABLES = List.of("starts", "daily_hosts", "monthly_environments", "monthly_user_hosts", "start_imports", "monthly_imports");
    static final List<String> ROLLUP_TABLES = List.of("daily_starts", "daily_environments", "base_months", "base_days",
            "base_environment_months");
    /** The id of a month's partition ({@code toYYYYMM(day)}); other partitions are none of ours. */
    static final Pattern MONTH_PARTITION = Pattern.compile("\\d{6}");
    static final DateTimeFormatter PARTITION_ID = DateTimeFormatter.ofPattern("yyyyMM");

    private final int rawMonths;
    private final int rollupMonths;

    public Retention(int rawMonths, int rollupMonths) {
        if (rawMonths < 1 || rollupMonths < rawMonths) {
            throw new IllegalArgumentException("need 1 <= raw months <= rollup months, got " + rawMonths + " and " + rollupMonths);
        }
        this.rawMonths = rawMonths;
        this.rollupMonths = rollupMonths;
    }

    /** Drops the partitions that ended before the retained months as of {@code today}; returns them as {@code table/partition}. */
    public List<String> dropExpired(SqlRunner store, LocalDate today) {
        List<String> dropped = new ArrayList<>();
        RAW_TABLES.forEach(table -> dropped.addAll(dropBefore(store, table, firstKept(today, rawMonths))));
        ROLLUP_TABLES.forEach(table -> dropped.addAll(dropBefore(store, table, firstKept(today, rollupMonths))));
        return dropped;
    }

    private static String firstKept(LocalDate today, int months) {
        return YearMonth.from(today).minusMonths(months - 1L).format(PARTITION_ID);
    }

    private static List<String> dropBefore(SqlRunner store, String table, String firstKept) {
        List<String> dropped = new ArrayList<>();
        List<String> partitions = store.query("SELECT DISTINCT partition_id FROM system.parts WHERE database = currentDatabase() AND table = "
                        + Sql.string(table) + " AND active").stream()
                .map(row -> row.get("partition_id").asText()).sorted().toList();
        for (String partition : partitions) {
            // Only month partitions (yyyyMM) are ours to drop; anything else is left alone.
            if (MONTH_PARTITION.matcher(partition).matches() && partition.compareTo(firstKept) < 0) {
                LOG.info("retention: dropping {} partition {} (keeping {} onwards)", table, partition, firstKept);
                store.execute("ALTER TABLE " + table + " DROP PARTITION ID " + Sql.string(partition));
                dropped.add(table + "/" + partition);
            }
        }
        return dropped;
    }
}
