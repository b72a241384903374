package io.pyusage.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import io.pyusage.common.clickhouse.RowsPage;
import io.pyusage.common.clickhouse.Sql;
import io.pyusage.common.clickhouse.SqlRunner;
import io.pyusage.common.record.StartupRecordCodec;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A current ClickHouse release (the engine in {@code libchdb.so}, which {@code ./pyusage test}
 * installs from npm) behind the same {@link SqlRunner} the services use against a server, so every
 * migration and query is checked on both ends of the supported range. It runs in a Python process of
 * its own ({@code devstack/chdb/chdb_sql.py}, ctypes), one database per instance.
 */
public final class CurrentClickHouse implements SqlRunner, AutoCloseable {

    private static final String LIBRARY_PROPERTY = "pyusage.chdb.lib";
    /** The engine's answers: a whole result in one JSON string, longer than the records' codec allows a string to be. */
    private static final ObjectMapper PROTOCOL = new ObjectMapper();

    private final Process process;
    private final Path dataDir;
    private final BufferedWriter requests;
    private final BufferedReader answers;

    private CurrentClickHouse(Process process, Path dataDir) {
        this.process = process;
        this.dataDir = dataDir;
        this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the engine on an empty data directory under {@code target/} and makes {@code database} current. */
    public static CurrentClickHouse start(String database) throws IOException {
        Path library = library();
        Path dataDir = TestDirectories.underTarget("chdb-");
        Process process = new ProcessBuilder("python3", repoFile("devstack/chdb/chdb_sql.py").toString(), library.toString(), dataDir.toString())
                .redirectError(ProcessBuilder.Redirect.appendTo(dataDir.resolve("stderr.log").toFile()))
                .start();
        CurrentClickHouse engine = new CurrentClickHouse(process, dataDir);
        engine.execute("CREATE DATABASE IF NOT EXISTS " + database);
        engine.execute("USE " + database);
        return engine;
    }

    /** The engine's own version, e.g. 26.5.1.1. */
    public String version() {
        return query("SELECT version() AS v").get(0).get("v").asText();
    }

    @Override
    public void execute(String sql) {
        run(sql);
    }

    @Override
    public List<JsonNode> query(String sql) {
        String output = run(sql + "\nFORMAT JSONEachRow");
        List<JsonNode> rows = new ArrayList<>();
        try {
            for (String line : output.split("\n")) {
                if (!line.isBlank()) {
                    rows.add(StartupRecordCodec.mapper().readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    /** Runs a SELECT with {@code FORMAT JSON}: rows under {@code data}, column names and types under {@code meta}. */
    public JsonNode queryJson(String sql) {
        try {
            return StartupRecordCodec.mapper().readTree(run(sql + "\nFORMAT JSON"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public RowsPage queryPage(String sql) {
        return RowsPage.fromJson(queryJson(sql));
    }

    @Override
    public void insertJsonEachRow(String table, byte[] ndjson) {
        if (!Sql.isIdentifier(table)) {
            throw new IllegalArgumentException("not a table name: " + table);
        }
        run("INSERT INTO " + table + " FORMAT JSONEachRow\n" + new String(ndjson, StandardCharsets.UTF_8));
    }

    /** Binary rows cannot travel inside the SQL text: they are read from a file ({@code FROM INFILE}). */
    @Override
    public void insertRowBinary(String table, List<String> columns, byte[] rows) {
        try {
            Path file = Files.createTempFile(dataDir, "rows-", ".bin");
            try {
                Files.write(file, rows);
                run(SqlRunner.insertInto(table, columns) + " FROM INFILE " + Sql.string(file.toString()) + " FORMAT RowBinary");
            } finally {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized String run(String sql) {
        try {
            ObjectNode request = StartupRecordCodec.mapper().createObjectNode().put("sql", sql);
            requests.write(StartupRecordCodec.mapper().writeValueAsString(request));
            requests.write('\n');
            requests.flush();
            String line = answers.readLine();
            if (line == null) {
                throw new IOException("the chdb process ended (exit " + process.waitFor() + ")");
            }
            JsonNode answer = PROTOCOL.readTree(line);
            if (!answer.get("error").isNull()) {
                throw ClickHouseException.fromServerMessage("current ClickHouse: " + answer.get("error").asText()
                        + "\nin: " + (sql.length() > 2_000 ? sql.substring(0, 2_000) + "..." : sql));
            }
            return answer.get("output").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            requests.close();
            process.waitFor();
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

    /** {@code -Dpyusage.chdb.lib}, set by the build to {@code var/chdb/libchdb.so}, where {@code ./pyusage test} puts it. */
    private static Path library() {
        return Optional.ofNullable(System.getProperty(LIBRARY_PROPERTY)).map(Path::of).filter(Files::isRegularFile)
                .orElseThrow(() -> new IllegalStateException("libchdb.so not found at -D" + LIBRARY_PROPERTY + "="
                        + System.getProperty(LIBRARY_PROPERTY) + ": run ./pyusage test, which installs it"));
    }

    private static Path repoFile(String relative) {
        return findUp(relative).orElseThrow(() -> new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath()));
    }

    private static Optional<Path> findUp(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(relative))) {
                return Optional.of(dir.resolve(relative));
            }
        }
        return Optional.empty();
    }
}
