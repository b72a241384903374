package io.pyusage.common;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.RowsPage;
import io.pyusage.common.clickhouse.SqlRunner;
import java.io.IOException;
import java.util.List;

/**
 * Both ends of the supported ClickHouse range for parameterised tests: the 18.16 server
 * ({@link TestClickHouse}) and the current release ({@link CurrentClickHouse}), each with a fresh database.
 */
public final class TestEngines {

    public static final String SERVER_18_16 = "18.16";
    public static final String CURRENT = "current";

    private TestEngines() {
    }

    /** A database of its own, current for every statement, on {@code engine}. */
    public interface Engine extends SqlRunner, AutoCloseable {
        @Override
        void close();
    }

    public static Engine open(String engine, String prefix) throws IOException {
        return switch (engine) {
            case SERVER_18_16 -> onServer(TestClickHouse.freshDatabase(prefix));
            case CURRENT -> delegate(CurrentClickHouse.start(prefix));
            default -> throw new IllegalArgumentException("no such engine: " + engine);
        };
    }

    private static Engine onServer(ClickHouseConfig config) {
        try (ClickHouseStore bootstrap = new ClickHouseStore(config.withDatabase("default"))) {
            bootstrap.execute("CREATE DATABASE IF NOT EXISTS " + config.database());
        }
        return delegate(new ClickHouseStore(config));
    }

    private static <T extends SqlRunner & AutoCloseable> Engine delegate(T runner) {
        return new Engine() {
            @Override
            public void execute(String sql) {
                runner.execute(sql);
            }

            @Override
            public List<JsonNode> query(String sql) {
                return runner.query(sql);
            }

            @Override
            public RowsPage queryPage(String sql) {
                return runner.queryPage(sql);
            }

            @Override
            public void insertJsonEachRow(String table, byte[] ndjson) {
                runner.insertJsonEachRow(table, ndjson);
            }

            @Override
            public void insertRowBinary(String table, List<String> columns, byte[] rows) {
                runner.insertRowBinary(table, columns, rows);
            }

            @Override
            public void close() {
                try {
                    runner.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }
}
