package io.pyusage.common.clickhouse;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The replicated form of a {@code CREATE TABLE} or {@code CREATE MATERIALIZED VIEW} statement: each
 * {@code *MergeTree} engine becomes its {@code Replicated*MergeTree}, coordinated in ZooKeeper under
 * {@code /clickhouse/tables/{shard}/<database>/<table>} with the server's {@code {replica}} macro
 * (ClickHouse 18.16 has no {@code {database}} or {@code {table}} macro, so both are written out).
 * Other statements and engines (a view {@code TO} a table) are returned as they are.
 */
public final class ReplicatedEngines {

    private static final Pattern CREATED = Pattern.compile(
            "^\\s*CREATE\\s+(?:TABLE|MATERIALIZED\\s+VIEW)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(\\w+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern ENGINE = Pattern.compile(
            "ENGINE\\s*=\\s*(Replacing|Aggregating|Summing|Collapsing|VersionedCollapsing)?MergeTree(?:\\(([^)]*)\\))?");

    private ReplicatedEngines() {
    }

    /** {@code statement} with its MergeTree engine replicated for {@code database}. */
    public static String replicated(String statement, String database) {
        Matcher created = CREATED.matcher(statement);
        if (!created.find()) {
            return statement;
        }
        Matcher engine = ENGINE.matcher(statement);
        if (!engine.find()) {
            return statement;
        }
        String family = engine.group(1) == null ? "" : engine.group(1);
        String arguments = engine.group(2) == null || engine.group(2).isBlank() ? "" : ", " + engine.group(2).trim();
        if (!Sql.isIdentifier(database)) {
            throw new IllegalArgumentException("not an identifier: " + database);
        }
        String path = "/clickhouse/tables/{shard}/" + database + "/" + created.group(1);
        String replicatedEngine = "ENGINE = Replicated%sMergeTree('%s', '{replica}'%s)".formatted(family, path, arguments);
        return statement.substring(0, engine.start()) + replicatedEngine + statement.substring(engine.end());
    }
}
