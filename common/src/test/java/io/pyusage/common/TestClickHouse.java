package io.pyusage.common;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real ClickHouse server per test JVM, started on free ports under {@code target/}, stopped when
 * the JVM exits. Each caller gets a database of its own so tests never see each other's rows.
 */
public final class TestClickHouse {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedClickHouse server;

    private TestClickHouse() {
    }

    public static synchronized EmbeddedClickHouse server() {
        if (server == null) {
            try {
                server = EmbeddedClickHouse.onFreePorts(TestDirectories.underTarget("clickhouse-")).start();
                Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            } catch (Exception e) {
                throw new IllegalStateException("could not start ClickHouse for tests", e);
            }
        }
        return server;
    }

    /** A fresh database with every migration applied, as pyusage-migrate leaves it before the services start. */
    public static ClickHouseConfig migratedDatabase(String prefix) {
        ClickHouseConfig config = freshDatabase(prefix);
        SchemaMigrations.apply(config);
        return config;
    }

    /** Config for a fresh, not yet created database on the shared test server. */
    public static ClickHouseConfig freshDatabase(String prefix) {
        return new ClickHouseConfig(URI.create(server().httpUrl()),
                prefix + "_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet(),
                "default", server().password(), Duration.ofSeconds(30));
    }
}
