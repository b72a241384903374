package io.pyusage.common.record;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One Python interpreter start, schema v1 (see the README for field meanings). {@code receivedAt} and
 * {@code sourceIp} are set by the collector; values a client sends for them are replaced.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StartupRecord(
        @JsonProperty("schema") int schema,
        @JsonProperty("event_id") String eventId,
        @JsonProperty("ts") double ts,
        @JsonProperty("user") String user,
        @JsonProperty("host") String host,
        @JsonProperty("pid") long pid,
        @JsonProperty("python") String python,
        @JsonProperty("impl") String impl,
        @JsonProperty("executable") String executable,
        @JsonProperty("base") String base,
        @JsonProperty("prefix") String prefix,
        @JsonProperty("venv") boolean venv,
        @JsonProperty("startup_ms") Double startupMs,
        @JsonProperty("entry") String entry,
        @JsonProperty("ci") boolean ci,
        @JsonProperty("interactive") boolean interactive,
        @JsonProperty("packages") List<InstalledPackage> packages,
        @JsonProperty("truncated") Boolean truncated,
        @JsonProperty("received_at") Double receivedAt,
        @JsonProperty("source_ip") String sourceIp) {

    public static final int SCHEMA_VERSION = 1;

    /** The same record as the collector forwards it: stamped with arrival time and sender address. */
    public StartupRecord received(double receivedAtEpochSeconds, String fromIp) {
        return new StartupRecord(schema, eventId, ts, user, host, pid, python, impl, executable, base, prefix, venv,
                startupMs, entry, ci, interactive, packages, truncated, receivedAtEpochSeconds, fromIp);
    }

    /** The same record with another package list (an import record's imported set, in the benchmarks' generator). */
    public StartupRecord withPackages(List<InstalledPackage> others) {
        return new StartupRecord(schema, eventId, ts, user, host, pid, python, impl, executable, base, prefix, venv,
                startupMs, entry, ci, interactive, others, truncated, receivedAt, sourceIp);
    }
}
