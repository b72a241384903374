package io.pyusage.common.clickhouse;

import io.pyusage.common.config.Env;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * @param replicas every URL of {@code PYUSAGE_CLICKHOUSE_URL}, comma-separated: the replicas of one shard, {@code url} among them
 * @param cluster  {@code PYUSAGE_CLICKHOUSE_CLUSTER}, default none: the cluster of the servers' {@code remote_servers}
 *                 whose replicas the migrations create replicated tables on (see {@link ReplicatedSchema})
 */
public record ClickHouseConfig(URI url, String database, String user, String password, Duration timeout, Optional<Path> caFile,
                               List<URI> replicas, Optional<String> cluster) {

    public ClickHouseConfig(URI url, String database, String user, String password, Duration timeout) {
        this(url, database, user, password, timeout, Optional.empty());
    }

    public ClickHouseConfig(URI url, String database, String user, String password, Duration timeout, Optional<Path> caFile) {
        this(url, database, user, password, timeout, caFile, List.of(url), Optional.empty());
    }

    public ClickHouseConfig {
        if (!Sql.isIdentifier(database)) {
            throw new IllegalArgumentException("ClickHouse database name must be an identifier: " + database);
        }
        replicas = List.copyOf(replicas);
        if (!replicas.contains(url)) {
            throw new IllegalArgumentException(url + " is not one of the replicas " + replicas);
        }
        cluster.ifPresent(name -> {
            if (!Sql.isIdentifier(name)) {
                throw new IllegalArgumentException("ClickHouse cluster name must be an identifier: " + name);
            }
        });
    }

    public static ClickHouseConfig from(Env env) {
        String database = env.string("PYUSAGE_CLICKHOUSE_DATABASE", "pyusage");
        env.require(Sql.isIdentifier(database), "PYUSAGE_CLICKHOUSE_DATABASE=" + database + " is not an identifier");
        List<URI> replicas = env.requiredHttpUrls("PYUSAGE_CLICKHOUSE_URL",
                "ClickHouse's HTTP(S) interface, e.g. https://clickhouse.example:8443 (several replicas comma-separated)");
        Optional<String> cluster = Optional.ofNullable(env.string("PYUSAGE_CLICKHOUSE_CLUSTER", null));
        env.require(cluster.map(Sql::isIdentifier).orElse(true), "PYUSAGE_CLICKHOUSE_CLUSTER=" + cluster.orElse("") + " is not an identifier");
        return new ClickHouseConfig(replicas.get(0),
                Sql.isIdentifier(database) ? database : "pyusage",
                env.string("PYUSAGE_CLICKHOUSE_USER", "default"),
                env.string("PYUSAGE_CLICKHOUSE_PASSWORD", ""),
                env.millis("PYUSAGE_CLICKHOUSE_TIMEOUT_MS", 30_000, 100, 600_000),
                Optional.ofNullable(env.string("PYUSAGE_CLICKHOUSE_CA_FILE", null)).filter(file -> !file.isBlank()).map(Path::of),
                replicas, cluster.filter(Sql::isIdentifier));
    }

    /** The same settings, connected to {@code replica} (one of {@link #replicas}). */
    public ClickHouseConfig atReplica(URI replica) {
        return new ClickHouseConfig(replica, database, user, password, timeout, caFile, replicas, cluster);
    }

    /** The same settings as a cluster's: the migrations create replicated tables on every one of {@code urls}. */
    public ClickHouseConfig onCluster(String name, List<URI> urls) {
        return new ClickHouseConfig(urls.get(0), database, user, password, timeout, caFile, urls, Optional.of(name));
    }

    /** The same server and database as another user. */
    public ClickHouseConfig withLogin(String otherUser, String otherPassword) {
        return new ClickHouseConfig(url, database, otherUser, otherPassword, timeout, caFile, replicas, cluster);
    }

    public ClickHouseConfig withDatabase(String otherDatabase) {
        return new ClickHouseConfig(url, otherDatabase, user, password, timeout, caFile, replicas, cluster);
    }
}
