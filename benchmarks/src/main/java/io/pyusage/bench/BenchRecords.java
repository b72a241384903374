package io.pyusage.bench;

import io.pyusage.common.record.StartupRecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Realistic startup records as the hook sends them: 100 packages each (about 2.5 KB of JSON), from a
 * few hundred users and hosts, drawn from a fixed seed so every run sends the same bytes.
 */
final class BenchRecords {

    private BenchRecords() {
    }

    static List<byte[]> generate(int count, int packagesEach) {
        return generate(new Random(42), count, packagesEach, null);
    }

    /** {@code count} records of {@code user} alone, their event ids drawn anew in every call: starts no earlier call sent. */
    static List<byte[]> forUser(String user, int count, int packagesEach) {
        return generate(new Random(), count, packagesEach, user);
    }

    private static List<byte[]> generate(Random random, int count, int packagesEach, String onlyUser) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            names.add("pkg-" + Integer.toString(i * 7919 % 100_000, 36) + (i % 3 == 0 ? "-extras" : ""));
        }
        List<byte[]> records = new ArrayList<>(count);
        byte[] id = new byte[16];
        for (int r = 0; r < count; r++) {
            random.nextBytes(id);
            String user = onlyUser != null ? onlyUser : "user" + random.nextInt(400);
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("schema", 1);
            record.put("event_id", HexFormat.of().formatHex(id));
            record.put("ts", 1_795_000_000 + r / 10.0);
            record.put("user", user);
            record.put("host", "node" + random.nextInt(1000) + ".cluster.example.org");
            record.put("pid", 1000 + random.nextInt(60_000));
            record.put("python", "3.11.7");
            record.put("impl", "cpython");
            record.put("executable", "/opt/python/2023.06/bin/python3");
            record.put("base", "2023.06");
            record.put("prefix", "/home/" + user + "/venvs/analysis-" + random.nextInt(5));
            record.put("venv", true);
            record.put("startup_ms", Math.round(random.nextDouble() * 2000) / 10.0);
            record.put("entry", "-m pytest");
            record.put("ci", random.nextInt(10) == 0);
            record.put("interactive", false);
            List<List<String>> packages = new ArrayList<>();
            int first = random.nextInt(names.size() - packagesEach);
            for (int p = 0; p < packagesEach; p++) {
                packages.add(List.of(names.get(first + p), random.nextInt(5) + "." + random.nextInt(30) + "." + random.nextInt(10)));
            }
            record.put("packages", packages);
            try {
                records.add(StartupRecordCodec.mapper().writeValueAsString(record).getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return records;
    }
}
