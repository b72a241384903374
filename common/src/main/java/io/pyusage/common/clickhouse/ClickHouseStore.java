package io.pyusage.common.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import io.pyusage.common.record.StartupRecordCodec;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The ClickHouse access layer, on the official {@code client-v2} over HTTP. It uses only what
 * ClickHouse 18.16 and current releases both understand: SQL text, {@code JSONEachRow} inserts and
 * {@code FORMAT JSONEachRow} results. Calls block: run them on worker threads, never on an event loop.
 */
public final class ClickHouseStore implements SqlRunner, AutoCloseable {

    private static final String DATABASE_PARAMETER = "database";
    private static final ObjectReader ROW_READER = StartupRecordCodec.mapper().readerFor(JsonNode.class);

    private final ClickHouseConfig config;
    private final Client client;

    public ClickHouseStore(ClickHouseConfig config) {
        this.config = config;
        this.client = new Client.Builder()
                .addEndpoint(config.url().toString())
                .setUsername(config.user())
                .setPassword(config.password())
                .setDefaultDatabase(config.database())
                .setSocketTimeout(config.timeout().toMillis())
                .setConnectTimeout(Math.min(config.timeout().toMillis(), 5_000))
                .compressServerResponse(false)
                .build();
    }

    public ClickHouseConfig config() {
        return config;
    }

    @Override
    public void execute(String sql) {
        try (QueryResponse ignored = await(client.query(sql, querySettings()))) {
            // the response is consumed by closing it
        } catch (Exception e) {
            throw failure("statement failed: " + abbreviate(sql), e);
        }
    }

    @Override
    public void insertJsonEachRow(String table, byte[] ndjson) {
        InsertSettings settings = new InsertSettings().serverSetting(DATABASE_PARAMETER, config.database());
        try (InsertResponse ignored = await(client.insert(table, new ByteArrayInputStream(ndjson),
                ClickHouseFormat.JSONEachRow, settings))) {
            // accepted
        } catch (Exception e) {
            throw failure("insert into " + table + " failed", e);
        }
    }

    /** The format is named in the SQL text because 18.16 ignores the format asked for in request parameters. */
    @Override
    public List<JsonNode> query(String sql) {
        try (QueryResponse response = await(client.query(sql + "\nFORMAT JSONEachRow", querySettings()));
             MappingIterator<JsonNode> rows = ROW_READER.readValues(response.getInputStream())) {
            return rows.readAll();
        } catch (Exception e) {
            throw failure("query failed: " + abbreviate(sql), e);
        }
    }

    /**
     * The database goes in the {@code database} URL parameter, which every release reads; 18.16 ignores
     * the header through which the client would otherwise name it.
     */
    private QuerySettings querySettings() {
        return new QuerySettings().setFormat(ClickHouseFormat.JSONEachRow).serverSetting(DATABASE_PARAMETER, config.database());
    }

    /** True when the server answers a ping. */
    public boolean ping() {
        return client.ping(Math.min(config.timeout().toMillis(), 2_000));
    }

    @Override
    public void close() {
        client.close();
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(config.timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
    }

    private static ClickHouseException failure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return new ClickHouseException(what + ": " + cause.getMessage(), cause);
    }

    private static String abbreviate(String sql) {
        String oneLine = sql.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    /** Any failure to talk to ClickHouse or of ClickHouse to run a statement. */
    public static final class ClickHouseException extends RuntimeException {
        ClickHouseException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
