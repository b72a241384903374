package io.pyusage.common.clickhouse;

import java.util.List;
import java.util.stream.Collectors;

/** What one locked run of the migrations found and did. */
public record MigrationRun(int versionBefore, int versionAfter, List<Migration> applied) {

    public MigrationRun {
        applied = List.copyOf(applied);
    }

    /** A report for the operator, one line per applied migration. */
    public String describe(String where) {
        if (applied.isEmpty()) {
            return where + ": schema version " + versionAfter + ", nothing to apply";
        }
        return where + ": schema version " + versionBefore + " -> " + versionAfter + "\n" + applied.stream()
                .map(migration -> "  applied " + migration.version() + ": " + migration.name())
                .collect(Collectors.joining("\n"));
    }
}
