package io.pyusage.common;

import io.pyusage.common.record.StartupRecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Valid schema v1 records for tests, as maps that a test may change before encoding. */
public final class TestRecords {

    private TestRecords() {
    }

    public static Map<String, Object> valid(String user, String host, List<List<String>> packages) {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("schema", 1);
        record.put("event_id", HexFormat.of().formatHex(id));
        record.put("ts", System.currentTimeMillis() / 1000.0);
        record.put("user", user);
        record.put("host", host);
        record.put("pid", 4242);
        record.put("python", "3.11.7");
        record.put("impl", "cpython");
        record.put("executable", "/opt/python/2023.06/bin/python3");
        record.put("base", "2023.06");
        record.put("prefix", "/home/" + user + "/venvs/analysis");
        record.put("venv", true);
        record.put("startup_ms", 23.5);
        record.put("entry", "-c");
        record.put("ci", false);
        record.put("interactive", false);
        record.put("packages", packages);
        return record;
    }

    /** The import record a process of {@code start} (a record of {@link #valid}) sends at its exit, as the hook writes it. */
    public static Map<String, Object> imports(Map<String, Object> start, List<List<String>> imported) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("schema", 1);
        record.put("kind", "imports");
        for (String field : List.of("event_id", "ts", "user", "host", "pid", "python", "base", "prefix", "venv", "ci")) {
            record.put(field, start.get(field));
        }
        record.put("imports", imported);
        return record;
    }

    public static Map<String, Object> valid() {
        return valid("alice", "node01", List.of(List.of("numpy", "1.26.4"), List.of("pandas", "2.2.2")));
    }

    public static String json(Map<String, Object> record) {
        try {
            return StartupRecordCodec.mapper().writeValueAsString(record);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] bytes(Map<String, Object> record) {
        return json(record).getBytes(StandardCharsets.UTF_8);
    }
}
