package io.pyusage.common.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pyusage.common.config.PemTrust;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The ClickHouse access layer: ClickHouse's HTTP interface through the JDK's HTTP client, using only
 * what 18.16 and current releases both understand (SQL text in the body, {@code JSONEachRow} in and
 * out). The official Java client is not used: against 18.16 it often reports "unreadable error
 * message" and loses the server's error code, and that code is what tells a row that can never be
 * stored from a server that is down. Calls block: run them on worker threads, never on an event loop.
 */
public final class ClickHouseStore implements SqlConnection {

    /**
     * Rows come from our own database, so the parser limits of the record codec (a record is at most
     * 512 KiB) do not apply: a report's answer is many megabytes.
     */
    private static final ObjectReader ROW_READER = JsonMapper.builder().build().readerFor(JsonNode.class);

    private final ClickHouseConfig config;
    private final HttpClient http;
    private final String basicAuthorization;
    /** The replicas' URLs, and which of them requests go to: the next one once it fails (see {@link #send}). */
    private final List<String> baseUrls;
    private final AtomicInteger current;
    private final String settings;

    public ClickHouseStore(ClickHouseConfig config) {
        this(config, Map.of());
    }

    /**
     * A store whose every request carries these ClickHouse settings, e.g. {@code readonly=2} and
     * limits for the query API (names are checked identifiers, values are URL-encoded).
     */
    public ClickHouseStore(ClickHouseConfig config, Map<String, String> settings) {
        this.config = config;
        this.settings = encoded(settings);
        HttpClient.Builder client = HttpClient.newBuilder();
        config.caFile().ifPresent(ca -> client.sslContext(PemTrust.sslContext(ca)));
        this.http = client
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(Math.min(config.timeout().toMillis(), 5_000)))
                .build();
        this.basicAuthorization = "Basic " + Base64.getEncoder()
                .encodeToString((config.user() + ":" + config.password()).getBytes(StandardCharsets.UTF_8));
        this.baseUrls = config.replicas().stream().map(url -> url.toString().replaceAll("/+$", "")).toList();
        this.current = new AtomicInteger(config.replicas().indexOf(config.url()));
    }

    /** The URL of the replica requests go to now: {@code PYUSAGE_CLICKHOUSE_URL}'s first, or the one after the last that failed. */
    public URI currentReplica() {
        return config.replicas().get(current.get());
    }

    /** Settings as URL parameters (names are checked identifiers, values are URL-encoded). */
    private static String encoded(Map<String, String> settings) {
        StringBuilder encoded = new StringBuilder();
        new TreeMap<>(settings).forEach((name, value) -> {
            if (!Sql.isIdentifier(name)) {
                throw new IllegalArgumentException("not a setting name: " + name);
            }
            encoded.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        });
        return encoded.toString();
    }

    public ClickHouseConfig config() {
        return config;
    }

    @Override
    public void execute(String sql) {
        sendDiscardingAnswer(at -> request(at, null).POST(HttpRequest.BodyPublishers.ofString(sql)), "statement failed: " + abbreviate(sql));
    }

    /** The format is named in the SQL text because 18.16 ignores the format asked for in request parameters. */
    @Override
    public List<JsonNode> query(String sql) {
        return query(sql, Map.of());
    }

    /** As {@link #query(String)}, with settings for this call only (e.g. {@code query_id}, {@code priority}). */
    public List<JsonNode> query(String sql, Map<String, String> call) {
        String what = "query failed: " + abbreviate(sql);
        try (InputStream body = sendReading(at -> request(at, null, call).POST(HttpRequest.BodyPublishers.ofString(sql + "\nFORMAT JSONEachRow")), what);
             MappingIterator<JsonNode> rows = ROW_READER.readValues(body)) {
            return rows.readAll();
        } catch (IOException e) {
            throw failure(what, e);
        }
    }

    @Override
    public RowsPage queryPage(String sql) {
        return queryPage(sql, Map.of());
    }

    /** As {@link #queryPage(String)}, with settings for this call only. */
    public RowsPage queryPage(String sql, Map<String, String> call) {
        String what = "query failed: " + abbreviate(sql);
        try (InputStream body = sendReading(at -> request(at, null, call).POST(HttpRequest.BodyPublishers.ofString(sql + "\nFORMAT JSON")), what)) {
            return RowsPage.fromJson(ROW_READER.readTree(body));
        } catch (IOException e) {
            throw failure(what, e);
        }
    }

    @Override
    public void insertJsonEachRow(String table, byte[] ndjson) {
        if (!Sql.isIdentifier(table)) {
            throw new IllegalArgumentException("not a table name: " + table);
        }
        sendDiscardingAnswer(at -> request(at, "INSERT INTO " + table + " FORMAT JSONEachRow").POST(HttpRequest.BodyPublishers.ofByteArray(ndjson)),
                "insert into " + table + " failed");
    }

    @Override
    public void insertRowBinary(String table, List<String> columns, byte[] rows) {
        sendDiscardingAnswer(at -> request(at, SqlRunner.insertInto(table, columns) + " FORMAT RowBinary").POST(HttpRequest.BodyPublishers.ofByteArray(rows)),
                "insert into " + table + " failed");
    }

    /** Stops the running queries of these ids, without waiting for them to end (a client that asked for them has gone). */
    public void kill(Collection<String> queryIds) {
        if (!queryIds.isEmpty()) {
            execute("KILL QUERY WHERE query_id IN (" + queryIds.stream().map(Sql::string).collect(Collectors.joining(", ")) + ") ASYNC");
        }
    }

    /** True when the current replica answers a ping; when it does not, later requests go to the next replica. */
    public boolean ping() {
        int at = current.get();
        boolean answered;
        try {
            HttpRequest ping = HttpRequest.newBuilder(URI.create(baseUrls.get(at) + "/ping"))
                    .timeout(Duration.ofMillis(Math.min(config.timeout().toMillis(), 2_000))).GET().build();
            answered = http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            answered = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answered = false;
        }
        if (!answered) {
            moveOnFrom(at);
        }
        return answered;
    }

    @Override
    public void close() {
        // The JDK client of Java 17 has no close; its connections end with it.
    }

    /** A request to replica {@code at} on the configured database; {@code query} goes in the URL when the body carries data. */
    private HttpRequest.Builder request(int at, String query) {
        return request(at, query, Map.of());
    }

    private HttpRequest.Builder request(int at, String query, Map<String, String> call) {
        String url = baseUrls.get(at) + "/?database=" + URLEncoder.encode(config.database(), StandardCharsets.UTF_8) + settings + encoded(call)
                + (query == null ? "" : "&query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(config.timeout())
                .header("Authorization", basicAuthorization);
    }

    /** For requests that return no rows: the answer is read to its end (so the connection can be reused) and dropped. */
    private void sendDiscardingAnswer(IntFunction<HttpRequest.Builder> request, String what) {
        try (InputStream body = send(request, what)) {
            body.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw failure(what, e);
        }
    }

    /**
     * A read, asked of each replica in turn from the current one until one answers: reading again
     * elsewhere changes nothing. A replica that cannot answer becomes the last choice.
     */
    private InputStream sendReading(IntFunction<HttpRequest.Builder> request, String what) {
        for (int attempt = 1; ; attempt++) {
            try {
                return send(request, what);
            } catch (ClickHouseException e) {
                if (attempt >= baseUrls.size() || !e.isReplicaFailure()) {
                    throw e;
                }
            }
        }
    }

    /**
     * The response body of a request to the current replica that succeeded; a failure, with the
     * server's message and code, otherwise. When the replica could not answer (unreachable, or its
     * tables read-only without ZooKeeper), later requests go to the next replica; this one is not
     * sent again, as an insert that timed out may have been stored: its writer decides.
     */
    private InputStream send(IntFunction<HttpRequest.Builder> request, String what) {
        int at = current.get();
        try {
            return sendTo(request.apply(at), what);
        } catch (ClickHouseException e) {
            if (e.isReplicaFailure()) {
                moveOnFrom(at);
            }
            throw e;
        }
    }

    /** Sends later requests to the replica after {@code at}, unless another request has moved on already. */
    private void moveOnFrom(int at) {
        current.compareAndSet(at, (at + 1) % baseUrls.size());
    }

    private InputStream sendTo(HttpRequest.Builder request, String what) {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw failure(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(what, e);
        }
        if (response.statusCode() == 200) {
            return response.body();
        }
        try (InputStream body = response.body()) {
            throw serverError(what, response, body.readAllBytes());
        } catch (IOException e) {
            throw failure(what + " (HTTP " + response.statusCode() + ")", e);
        }
    }

    /** Current releases name the code in a header, 18.16 only in the body ("Code: 27, e.displayText() = ..."). */
    private static ClickHouseException serverError(String what, HttpResponse<?> response, byte[] body) {
        String message = what + ": HTTP " + response.statusCode() + ": " + abbreviate(new String(body, StandardCharsets.UTF_8));
        Optional<String> header = response.headers().firstValue("X-ClickHouse-Exception-Code");
        return header.filter(code -> code.trim().matches("\\d{1,6}"))
                .map(code -> new ClickHouseException(message, null, Integer.parseInt(code.trim())))
                .orElseGet(() -> ClickHouseException.fromServerMessage(message));
    }

    private static ClickHouseException failure(String what, Exception e) {
        return new ClickHouseException(what + ": " + e, e, -1);
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
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
        /** NO_ZOOKEEPER, TABLE_IS_READ_ONLY, KEEPER_EXCEPTION: a replica that cannot take writes now. */
        private static final Set<Integer> REPLICA_FAILURES = Set.of(225, 242, 999);
        /** TOO_MANY_ROWS, TIMEOUT_EXCEEDED, TOO_SLOW, TOO_MANY_BYTES, MEMORY_LIMIT_EXCEEDED, TOO_MANY_ROWS_OR_BYTES. */
        private static final Set<Integer> LIMITS = Set.of(158, 159, 160, 307, 241, 396);
        /** UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, IP_ADDRESS_NOT_ALLOWED (18.16), AUTHENTICATION_FAILED (later releases). */
        private static final Set<Integer> LOGIN_REFUSED = Set.of(192, 193, 194, 195, 516);
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

        /** The server's error code, -1 when no server answered or the answer named none. */
        public int serverCode() {
            return serverCode;
        }

        /** True when the server refused the login: no such user, a wrong password, or not from this address. */
        public boolean isLoginRefused() {
            return LOGIN_REFUSED.contains(serverCode);
        }

        /** True when the statement created something that exists already (TABLE_ALREADY_EXISTS). */
        public boolean isAlreadyExisting() {
            return serverCode == 57;
        }

        /** True when a table or database the statement names does not exist (UNKNOWN_TABLE, UNKNOWN_DATABASE). */
        public boolean isUnknownTableOrDatabase() {
            return serverCode == 60 || serverCode == 81;
        }

        /** True when a query hit a limit it was run with (time, memory, rows read): the request asked too much. */
        public boolean isLimitExceeded() {
            return LIMITS.contains(serverCode);
        }

        /** True when no server answered: the connection failed or timed out, or the call was interrupted. */
        public boolean isUnreachable() {
            return serverCode == -1 && (getCause() instanceof IOException || getCause() instanceof InterruptedException);
        }

        /**
         * True when this server, not the request, is the problem: it did not answer, or its
         * replicated tables are read-only or lost their ZooKeeper session (codes 242, 225, 999).
         */
        public boolean isReplicaFailure() {
            return isUnreachable() || REPLICA_FAILURES.contains(serverCode);
        }

        /** True when the server refused the data itself; sending it again would fail again. */
        public boolean isRejectedData() {
            return REJECTED_DATA.contains(serverCode);
        }
    }
}
