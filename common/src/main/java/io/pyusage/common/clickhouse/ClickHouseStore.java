package io.pyusage.common.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import io.pyusage.common.record.StartupRecordCodec;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ClickHouse access layer over HTTP: statements and queries through the official {@code client-v2},
 * inserts with the JDK's HTTP client (see {@link #insertJsonEachRow}). It uses only what
 * ClickHouse 18.16 and current releases both understand: SQL text, {@code JSONEachRow} inserts and
 * {@code FORMAT JSONEachRow} results. Calls block: run them on worker threads, never on an event loop.
 */
public final class ClickHouseStore implements SqlRunner, AutoCloseable {

    private static final String DATABASE_PARAMETER = "database";
    private static final ObjectReader ROW_READER = StartupRecordCodec.mapper().readerFor(JsonNode.class);

    private final ClickHouseConfig config;
    private final Client client;
    private final HttpClient http;
    private final String basicAuthorization;

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
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(Math.min(config.timeout().toMillis(), 5_000)))
                .build();
        this.basicAuthorization = "Basic " + Base64.getEncoder()
                .encodeToString((config.user() + ":" + config.password()).getBytes(StandardCharsets.UTF_8));
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

    /**
     * Inserts over plain HTTP rather than through the client: when 18.16 refuses a row, the client
     * reports "unreadable error message" and loses the server's error code, and the code is what
     * tells a row that can never be stored from a server that is down.
     */
    @Override
    public void insertJsonEachRow(String table, byte[] ndjson) {
        if (!Sql.isIdentifier(table)) {
            throw new IllegalArgumentException("not a table name: " + table);
        }
        HttpRequest request = HttpRequest.newBuilder(insertUri(table))
                .timeout(config.timeout())
                .header("Authorization", basicAuthorization)
                .POST(HttpRequest.BodyPublishers.ofByteArray(ndjson))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw failure("insert into " + table + " failed", e);
        }
        if (response.statusCode() != 200) {
            throw serverError("insert into " + table + " failed", response);
        }
    }

    private URI insertUri(String table) {
        String base = config.url().toString().replaceAll("/+$", "");
        return URI.create(base + "/?database=" + URLEncoder.encode(config.database(), StandardCharsets.UTF_8)
                + "&query=" + URLEncoder.encode("INSERT INTO " + table + " FORMAT JSONEachRow", StandardCharsets.UTF_8));
    }

    /** Current releases name the code in a header, 18.16 only in the body. */
    private static ClickHouseException serverError(String what, HttpResponse<String> response) {
        Optional<String> header = response.headers().firstValue("X-ClickHouse-Exception-Code");
        String message = what + ": HTTP " + response.statusCode() + ": " + abbreviate(response.body());
        return header.filter(code -> code.trim().matches("\\d{1,6}"))
                .map(code -> new ClickHouseException(message, null, Integer.parseInt(code.trim())))
                .orElseGet(() -> ClickHouseException.fromServerMessage(message));
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
        return new ClickHouseException(what + ": " + cause.getMessage(), cause,
                cause instanceof ServerException server ? server.getCode() : -1);
    }

    private static String abbreviate(String sql) {
        String oneLine = sql.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    /** Any failure to talk to ClickHouse or of ClickHouse to run a statement. */
    public static final class ClickHouseException extends RuntimeException {

        /**
         * Server error codes that mean "this input cannot be stored" rather than "try again later":
         * CANNOT_PARSE_TEXT, CANNOT_PARSE_ESCAPE_SEQUENCE, CANNOT_PARSE_QUOTED_STRING,
         * CANNOT_PARSE_INPUT_ASSERTION_FAILED, ATTEMPT_TO_READ_AFTER_EOF, CANNOT_READ_ALL_DATA,
         * CANNOT_PARSE_DATE, CANNOT_PARSE_DATETIME, TYPE_MISMATCH, ARGUMENT_OUT_OF_BOUND,
         * CANNOT_CONVERT_TYPE, CANNOT_PARSE_NUMBER, INCORRECT_DATA, TOO_LARGE_STRING_SIZE, CANNOT_PARSE_UUID.
         */
        private static final Set<Integer> REJECTED_DATA = Set.of(6, 25, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 131, 376);

        private static final Pattern ERROR_CODE = Pattern.compile("Code: (\\d{1,6})");

        private final int serverCode;

        ClickHouseException(String message, Throwable cause, int serverCode) {
            super(message, cause);
            this.serverCode = serverCode;
        }

        /** An error whose server code is read from its text ("Code: 27, e.displayText() = ..." on 18.16, "Code: 27. DB::..." now). */
        public static ClickHouseException fromServerMessage(String message) {
            Matcher matcher = ERROR_CODE.matcher(message);
            return new ClickHouseException(message, null, matcher.find() ? Integer.parseInt(matcher.group(1)) : -1);
        }

        /** True when the server refused the data itself; sending it again would fail again. */
        public boolean isRejectedData() {
            return REJECTED_DATA.contains(serverCode);
        }
    }
}
