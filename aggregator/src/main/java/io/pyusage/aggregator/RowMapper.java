package io.pyusage.aggregator;

import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.EnvironmentFingerprint;
import io.pyusage.common.record.InstalledPackage;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.UserNames;

/**
 * Turns one record into its ClickHouse rows, encoded in the column order of their {@link TableLayout}:
 * one {@code starts} row and its environment's {@code environment_packages} rows.
 */
public final class RowMapper {

    private RowMapper() {
    }

    /**
     * The rows of one start: its {@code starts} row, and its environment's package rows, encoded only
     * when asked for (and only possible when {@code record} was decoded with its packages).
     */
    public record Rows(long envId, EncodedRows start, StartupRecord record) {
        public EncodedRows packages() {
            return packageRows(envId, record);
        }
    }

    /** Rows of a record decoded with its packages, its user name stored as given. */
    public static Rows map(StartupRecord record, String topicId, int partition, long offset) {
        long envId = EnvironmentFingerprint.of(record.packages());
        return new Rows(envId, startRow(record, envId, record.packages().size(), topicId, partition, offset, UserNames.AS_GIVEN), record);
    }

    /** The {@code starts} row of a start in environment {@code envId}, read from Kafka at {@code partition}/{@code offset}. */
    public static EncodedRows startRow(StartupRecord record, long envId, int packageCount, String topicId, int partition, long offset,
                                       UserNames userNames) {
        long epochSecond = epochSecond(record);
        RowWriter row = RowWriter.scratch()
                .date(Math.floorDiv(epochSecond, 86_400))
                .dateTime(epochSecond)
                .uuid(RecentEvents.eventId(record.eventId()))
                .string(userNames.stored(record.user()))
                .string(record.host())
                .string(record.python())
                .string(record.impl())
                .string(userNames.storedPath(record.executable(), record.user()))
                .string(record.base())
                .string(userNames.storedPath(record.prefix(), record.user()))
                .uint8(record.venv() ? 1 : 0)
                .float32(record.startupMs() == null ? 0f : record.startupMs().floatValue())
                .string(record.entry() == null ? "" : record.entry())
                .uint8(record.ci() ? 1 : 0)
                .uint8(record.interactive() ? 1 : 0)
                .uint8(Boolean.TRUE.equals(record.truncated()) ? 1 : 0)
                .uint64(envId)
                .uint16(packageCount)
                .string(record.sourceIp() == null ? "" : record.sourceIp())
                .string(topicId)
                .uint16(partition)
                .uint64(offset)
                .uint8(clockSkewed(record) ? 1 : 0);
        row.endRow();
        return row.encoded();
    }

    /**
     * The {@code start_imports} row of an import record whose imported set has fingerprint
     * {@code importsId}, read from Kafka at {@code partition}/{@code offset}.
     */
    public static EncodedRows importRow(StartupRecord record, long importsId, int importCount, String topicId, int partition, long offset,
                                        UserNames userNames) {
        RowWriter row = RowWriter.scratch()
                .date(Math.floorDiv(epochSecond(record), 86_400))
                .string(userNames.stored(record.user()))
                .string(record.host())
                .string(record.base())
                .string(userNames.storedPath(record.prefix(), record.user()))
                .string(record.python())
                .uint8(record.venv() ? 1 : 0)
                .uint64(importsId)
                .uint16(importCount)
                .string(topicId)
                .uint16(partition)
                .uint64(offset)
                .uint8(record.ci() ? 1 : 0);
        row.endRow();
        return row.encoded();
    }

    /** The row of a record decoded with or without its list: a {@code starts} row, or a {@code start_imports} row for an import record. */
    static EncodedRows recordRow(DecodeResult.Valid valid, String topicId, int partition, long offset, UserNames userNames) {
        return valid.imports()
                ? importRow(valid.record(), valid.environmentId(), valid.packageCount(), topicId, partition, offset, userNames)
                : startRow(valid.record(), valid.environmentId(), valid.packageCount(), topicId, partition, offset, userNames);
    }

    /** The {@code environment_packages} rows of environment {@code envId}, first seen on the day of {@code record}. */
    public static EncodedRows packageRows(long envId, StartupRecord record) {
        long firstSeen = Math.floorDiv(epochSecond(record), 86_400);
        RowWriter rows = RowWriter.scratch();
        for (InstalledPackage p : record.packages()) {
            rows.uint64(envId).string(p.name()).string(p.version()).date(firstSeen);
            rows.endRow();
        }
        return rows.encoded();
    }

    /** A start may be dated this far before it reached the collector (a sender that queued it)... */
    static final long MAX_SECONDS_BEFORE_ARRIVAL = 7 * 86_400;
    /** ...and this far after (a clock a little ahead). */
    static final long MAX_SECONDS_AFTER_ARRIVAL = 3_600;

    /**
     * The start's time in whole seconds (its clock's fraction dropped); its arrival at the collector
     * instead when its own is further from that than the bounds above allow.
     */
    private static long epochSecond(StartupRecord record) {
        long ts = Math.floorDiv((long) (record.ts() * 1000), 1000);
        return clockSkewed(record) ? (long) Math.floor(record.receivedAt()) : ts;
    }

    /** Whether the start's own time is outside the bounds around its arrival (never, for a record without one). */
    static boolean clockSkewed(StartupRecord record) {
        if (record.receivedAt() == null) {
            return false;
        }
        double offset = record.ts() - record.receivedAt();
        return offset > MAX_SECONDS_AFTER_ARRIVAL || offset < -MAX_SECONDS_BEFORE_ARRIVAL;
    }
}
