package io.pyusage.common.clickhouse;

import io.pyusage.common.config.Env;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where ClickHouse is and how to log in.
 *
 * @param url      {@code PYUSAGE_CLICKHOUSE_URL}, required: the HTTP(S) interface, e.g. {@code https://clickhouse.example:8443}
 * @param database {@code PYUSAGE_CLICKHOUSE_DATABASE}, default {@code pyusage}; created if missing
 * @param user     {@code PYUSAGE_CLICKHOUSE_USER}, default {@code default}
 * @param password {@code PYUSAGE_CLICKHOUSE_PASSWORD}, default empty
 * @param timeout  {@code PYUSAGE_CLICKHOUSE_TIMEOUT_MS}, default 30000: socket timeout of one request
 * @param caFile   {@code PYUSAGE_CLICKHOUSE_CA_FILE}, default none: PEM file of the CA certificates an {@code https://}
 *                 URL's server is checked against (none: the JDK's trusted CAs)
 */
public record ClickHouseConfig(URI url, String database, String user, String password, Duration timeout, Optional<Path> caFile) {

    public ClickHouseConfig(URI url, String database, String user, String password, Duration timeout) {
        this(url, database, user, password, timeout, Optional.empty());
    }

    public ClickHouseConfig {
        if (!Sql.isIdentifier(database)) {
            throw new IllegalArgumentException("ClickHouse database name must be an identifier: " + database);
        }
    }

    public static ClickHouseConfig from(Env env) {
        String database = env.string("PYUSAGE_CLICKHOUSE_DATABASE", "pyusage");
        env.require(Sql.isIdentifier(database), "PYUSAGE_CLICKHOUSE_DATABASE=" + database + " is not an identifier");
        return new ClickHouseConfig(env.requiredHttpUrl("PYUSAGE_CLICKHOUSE_URL", "ClickHouse's HTTP(S) interface, e.g. https://clickhouse.example:8443"),
                Sql.isIdentifier(database) ? database : "pyusage",
                env.string("PYUSAGE_CLICKHOUSE_USER", "default"),
                env.string("PYUSAGE_CLICKHOUSE_PASSWORD", ""),
                env.millis("PYUSAGE_CLICKHOUSE_TIMEOUT_MS", 30_000, 100, 600_000),
                Optional.ofNullable(env.string("PYUSAGE_CLICKHOUSE_CA_FILE", null)).filter(file -> !file.isBlank()).map(Path::of));
    }

    /** The same server and database as another user. */
    public ClickHouseConfig withLogin(String otherUser, String otherPassword) {
        return new ClickHouseConfig(url, database, otherUser, otherPassword, timeout, caFile);
    }

    public ClickHouseConfig withDatabase(String otherDatabase) {
        return new ClickHouseConfig(url, otherDatabase, user, password, timeout, caFile);
    }
}
