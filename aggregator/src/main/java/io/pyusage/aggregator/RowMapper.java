package io.pyusage.aggregator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.EnvironmentFingerprint;
import io.pyusage.common.record.InstalledPackage;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.StartupRecordCodec;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** Turns one record into its ClickHouse rows: one {@code starts} row and its environment's package rows. */
public final class RowMapper {

    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private RowMapper() {
    }

    /**
     * The rows of one start: its {@code starts} row, and its environment's package rows, built only
     * when asked for (and only possible when {@code record} was decoded with its packages).
     */
    public record Rows(long envId, ObjectNode start, StartupRecord record) {
        public List<ObjectNode> packages() {
            return packageRows(envId, record);
        }

        /** The start row, encoded. */
        RowBuffer.Encoded encodedStart() {
            return RowBuffer.encode(List.of(start));
        }
    }

    /** Rows of a record decoded with its packages. */
    public static Rows map(StartupRecord record, String topicId, int partition, long offset) {
        long envId = EnvironmentFingerprint.of(record.packages());
        return new Rows(envId, startRow(record, envId, record.packages().size(), topicId, partition, offset), record);
    }

    /** Rows of a record decoded with or without its packages: the fingerprint came with the decoding. */
    public static Rows map(DecodeResult.Valid valid, String topicId, int partition, long offset) {
        return new Rows(valid.environmentId(),
                startRow(valid.record(), valid.environmentId(), valid.packageCount(), topicId, partition, offset), valid.record());
    }

    /** The {@code starts} row of a start in environment {@code envId}, read from Kafka at {@code partition}/{@code offset}. */
    public static ObjectNode startRow(StartupRecord record, long envId, int packageCount, String topicId, int partition, long offset) {
        return StartupRecordCodec.mapper().createObjectNode()
                .put("day", day(record).toString())
                .put("ts", DATE_TIME.format(instant(record.ts())))
                .put("event_id", uuid(record.eventId()))
                .put("user", record.user())
                .put("host", record.host())
                .put("python", record.python())
                .put("impl", record.impl())
                .put("executable", record.executable())
                .put("base", record.base())
                .put("prefix", record.prefix())
                .put("venv", record.venv() ? 1 : 0)
                .put("startup_ms", record.startupMs() == null ? 0.0 : record.startupMs())
                .put("entry", record.entry() == null ? "" : record.entry())
                .put("ci", record.ci() ? 1 : 0)
                .put("interactive", record.interactive() ? 1 : 0)
                .put("truncated", Boolean.TRUE.equals(record.truncated()) ? 1 : 0)
                .put("env_id", envId)
                .put("package_count", packageCount)
                .put("source_ip", record.sourceIp() == null ? "" : record.sourceIp())
                .put("kafka_topic", topicId)
                .put("kafka_partition", partition)
                .put("kafka_offset", offset);
    }

    /** The {@code environment_packages} rows of environment {@code envId}, first seen on the day of {@code record}. */
    public static List<ObjectNode> packageRows(long envId, StartupRecord record) {
        LocalDate firstSeen = day(record);
        List<ObjectNode> rows = new ArrayList<>(record.packages().size());
        for (InstalledPackage p : record.packages()) {
            rows.add(StartupRecordCodec.mapper().createObjectNode()
                    .put("env_id", envId)
                    .put("name", p.name())
                    .put("version", p.version())
                    .put("first_seen", firstSeen.toString()));
        }
        return rows;
    }

    private static LocalDate day(StartupRecord record) {
        return LocalDate.ofInstant(instant(record.ts()), ZoneOffset.UTC);
    }

    private static Instant instant(double epochSeconds) {
        return Instant.ofEpochMilli((long) (epochSeconds * 1000));
    }

    /** The hook's 32 hex digits in ClickHouse's UUID text form. */
    static String uuid(String hex) {
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }
}
