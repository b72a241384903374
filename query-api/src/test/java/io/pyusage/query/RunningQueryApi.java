package io.pyusage.query;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.config.Env;
import io.pyusage.devstack.servers.FreePorts;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A query API service on a free loopback port over a test ClickHouse database, with extra settings. */
final class RunningQueryApi implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final QueryApiService service;
    private final String url;

    private RunningQueryApi(ClickHouseConfig clickHouse, Map<String, String> settings) throws Exception {
        int port = FreePorts.next();
        Map<String, String> env = new HashMap<>(settings);
        env.put("PYUSAGE_QUERY_HOST", "127.0.0.1");
        env.put("PYUSAGE_QUERY_HTTP_PORT", String.valueOf(port));
        env.put("PYUSAGE_CLICKHOUSE_URL", clickHouse.url().toString());
        env.put("PYUSAGE_CLICKHOUSE_PASSWORD", clickHouse.password());
        env.put("PYUSAGE_CLICKHOUSE_DATABASE", clickHouse.database());
        service = new QueryApiService(QueryApiConfig.from(new Env(env)));
        url = "http://127.0.0.1:" + port;
        try {
            service.start(vertx).await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close().await(30, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Applies the migrations (as pyusage-migrate does before the services start), then starts the service. */
    static RunningQueryApi start(ClickHouseConfig clickHouse, Map<String, String> settings) throws Exception {
        SchemaMigrations.apply(clickHouse);
        return new RunningQueryApi(clickHouse, settings);
    }

    String url() {
        return url;
    }

    QueryApiService service() {
        return service;
    }

    @Override
    public void close() throws TimeoutException {
        try {
            service.stop().await(30, TimeUnit.SECONDS);
        } finally {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
    }
}
