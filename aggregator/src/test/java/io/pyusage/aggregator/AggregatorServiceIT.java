package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestDirectories;
import io.pyusage.common.TestClickHouse;
import io.pyusage.common.TestRecords;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.config.Env;
import io.pyusage.common.record.EnvironmentFingerprint;
import io.pyusage.common.record.InstalledPackage;
import io.pyusage.common.record.UserNames;
import io.pyusage.devstack.servers.EmbeddedKafka;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Aggregator services on a real broker and ClickHouse: redelivery after a crash, package sets stored
 * before a restart, a start sent twice (also across a restart), and user names stored as keyed hashes.
 */
class AggregatorServiceIT {

    private static final String TOPIC = "startups";
    private static final String GROUP = "exactly-once-it";
    private static EmbeddedKafka kafka;
    private static Vertx vertx;

    @BeforeAll
    static void start() throws Exception {
        Path dir = TestDirectories.underTarget("exactly-once-");
        kafka = EmbeddedKafka.onFreePorts(dir.resolve("kafka")).start();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * Redelivery after a crash between an INSERT and its offset commit must not count a start twice.
     * The crash is reproduced exactly: an aggregator writes and commits, then the group's committed
     * offsets are rewound to the start of the topic (what a {@code kill -9} right after the INSERT
     * leaves behind), and a new aggregator in the same group reads everything again.
     */
    @Test
    void redeliveredRecordsAreNotWrittenAgain() throws Exception {
        ClickHouseConfig clickHouse = TestClickHouse.migratedDatabase("exactly_once");
        AggregatorConfig config = AggregatorConfig.from(new Env(TestAggregatorEnv.of(kafka.bootstrapServers(), TOPIC, GROUP, clickHouse)));

        AggregatorService first = new AggregatorService(config);
        first.start(vertx).await(60, TimeUnit.SECONDS);
        produce(TOPIC, 30, "before-crash");
        awaitStarts(clickHouse, 30);
        first.stop().await(60, TimeUnit.SECONDS);

        rewindGroupToTheStart();
        produce(TOPIC, 10, "after-crash");
        AggregatorService second = new AggregatorService(config);
        second.start(vertx).await(60, TimeUnit.SECONDS);
        try {
            awaitStarts(clickHouse, 40);
            // Give a wrongly re-read batch every chance to land before counting.
            Thread.sleep(2_000);
            try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
                assertEquals(40, store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt(), "rows in starts");
                assertEquals(40, store.query("SELECT uniqExact(event_id) AS n FROM starts").get(0).get("n").asInt(), "distinct starts");
            }
        } finally {
            second.stop().await(60, TimeUnit.SECONDS);
        }
    }

    /** A restarted aggregator (nothing in memory) asks ClickHouse before writing a package set's rows again. */
    @Test
    void aPackageSetStoredBeforeARestartIsNotWrittenAgain() throws Exception {
        String topic = "startups-restarted";
        ClickHouseConfig clickHouse = TestClickHouse.migratedDatabase("restarted");
        AggregatorConfig config = AggregatorConfig.from(new Env(TestAggregatorEnv.of(kafka.bootstrapServers(), topic, GROUP + "-restarted",
                clickHouse)));
        AggregatorService first = new AggregatorService(config);
        first.start(vertx).await(60, TimeUnit.SECONDS);
        produce(topic, 3, "ann");
        awaitStarts(clickHouse, 3);
        // Counted once the write has returned, after its rows are visible: read when the loop has ended.
        first.stop().await(60, TimeUnit.SECONDS);
        assertEquals(1, packageRowsWritten(first), "the one package of the one set, written once");

        AggregatorService second = new AggregatorService(config);
        second.start(vertx).await(60, TimeUnit.SECONDS);
        try {
            produce(topic, 3, "bo");
            awaitStarts(clickHouse, 6);
        } finally {
            second.stop().await(60, TimeUnit.SECONDS);
        }
        assertEquals(3, second.registry().get("pyusage_aggregator_starts_written").counter().count());
        assertEquals(0, packageRowsWritten(second), "the set was stored before this aggregator started");
    }

    private static double packageRowsWritten(AggregatorService aggregator) {
        return aggregator.registry().get("pyusage_aggregator_package_rows_written").counter().count();
    }

    /** A start a client sent twice (the same event_id) is stored once; with no ids remembered, twice. */
    @Test
    void aStartSentTwiceIsStoredOnce() throws Exception {
        for (int remembered : new int[] {50_000, 0}) {
            String topic = "startups-resent-" + remembered;
            ClickHouseConfig clickHouse = TestClickHouse.migratedDatabase("resent_" + remembered);
            Map<String, String> env = TestAggregatorEnv.of(kafka.bootstrapServers(), topic, GROUP + "-resent-" + remembered, clickHouse);
            env.put("PYUSAGE_AGGREGATOR_RECENT_EVENTS", String.valueOf(remembered));
            AggregatorService aggregator = new AggregatorService(AggregatorConfig.from(new Env(env)));
            aggregator.start(vertx).await(60, TimeUnit.SECONDS);
            try {
                byte[] once = TestRecords.bytes(TestRecords.valid("ann", "h1", List.of(List.of("numpy", "1.26.4"))));
                byte[] other = TestRecords.bytes(TestRecords.valid("ann", "h1", List.of(List.of("numpy", "1.26.4"))));
                send(List.of(new ProducerRecord<>(topic, "h1", once), new ProducerRecord<>(topic, "h1", other),
                        new ProducerRecord<>(topic, "h1", once)));
                awaitStarts(clickHouse, remembered == 0 ? 3 : 2);
                Thread.sleep(1_000); // a wrongly stored resend would land meanwhile
                try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
                    assertEquals(remembered == 0 ? 3 : 2, store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt());
                    assertEquals(2, store.query("SELECT uniqExact(event_id) AS n FROM starts").get(0).get("n").asInt());
                }
            } finally {
                aggregator.stop().await(60, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * A start resent after the aggregator that stored it stopped is stored once all the same: the next
     * aggregator of the group begins with the event ids ClickHouse holds for the partition.
     */
    @Test
    void aStartResentAfterARestartIsStoredOnce() throws Exception {
        String topic = "startups-resent-after-restart";
        ClickHouseConfig clickHouse = TestClickHouse.migratedDatabase("resent_after_restart");
        AggregatorConfig config = AggregatorConfig.from(new Env(TestAggregatorEnv.of(kafka.bootstrapServers(), topic,
                GROUP + "-resent-after-restart", clickHouse)));
        byte[] start = TestRecords.bytes(TestRecords.valid("ann", "h1", List.of(List.of("numpy", "1.26.4"))));
        AggregatorService first = new AggregatorService(config);
        first.start(vertx).await(60, TimeUnit.SECONDS);
        try {
            send(List.of(new ProducerRecord<>(topic, "h1", start)));
            awaitStarts(clickHouse, 1);
        } finally {
            first.stop().await(60, TimeUnit.SECONDS);
        }

        AggregatorService second = new AggregatorService(config);
        second.start(vertx).await(60, TimeUnit.SECONDS);
        try {
            byte[] other = TestRecords.bytes(TestRecords.valid("ann", "h1", List.of(List.of("numpy", "1.26.4"))));
            send(List.of(new ProducerRecord<>(topic, "h1", start), new ProducerRecord<>(topic, "h1", other)));
            awaitStarts(clickHouse, 2);
            Thread.sleep(1_000); // a wrongly stored resend would land meanwhile
            try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
                assertEquals(2, store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt());
                assertEquals(2, store.query("SELECT uniqExact(event_id) AS n FROM starts").get(0).get("n").asInt());
            }
        } finally {
            second.stop().await(60, TimeUnit.SECONDS);
        }
        assertEquals(1, second.registry().get("pyusage_aggregator_resends_skipped").counter().count());
    }

    @Test
    void withAPseudonymKeyUserNamesAreStoredAsKeyedHashes() throws Exception {
        String topic = "startups-pseudonymised";
        String key = "a-pseudonym-key-for-the-test";
        ClickHouseConfig clickHouse = TestClickHouse.migratedDatabase("pseudonyms");
        Map<String, String> env = TestAggregatorEnv.of(kafka.bootstrapServers(), topic, GROUP + "-pseudonyms", clickHouse);
        env.put("PYUSAGE_PSEUDONYM_KEY", key);
        AggregatorService aggregator = new AggregatorService(AggregatorConfig.from(new Env(env)));
        aggregator.start(vertx).await(60, TimeUnit.SECONDS);
        try {
            produce(topic, 3, "ann");
            produce(topic, 2, "bo");
            awaitStarts(clickHouse, 5);
            try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
                Map<String, Integer> startsByUser = new HashMap<>();
                store.query("SELECT user, count() AS n FROM starts GROUP BY user")
                        .forEach(row -> startsByUser.put(row.get("user").asText(), row.get("n").asInt()));
                UserNames names = UserNames.withKey(key);
                assertEquals(Map.of(names.stored("ann"), 3, names.stored("bo"), 2), startsByUser);
                assertEquals(0, store.query("SELECT count() AS n FROM starts WHERE position(prefix, 'ann') > 0 OR position(prefix, 'bo') > 0")
                        .get(0).get("n").asInt(), "no path names the user");
                assertEquals(2, store.query("SELECT uniqMerge(users) AS n FROM daily_starts").get(0).get("n").asInt(),
                        "the rollup counts pseudonyms as users");
            }
            assertFalse(aggregator.loopEnded().isComplete(), "the loop runs until stopped");
        } finally {
            aggregator.stop().await(60, TimeUnit.SECONDS);
        }
        // Ended by stop(), not by an error: a standalone aggregator exits only on the latter.
        assertTrue(aggregator.loopEnded().isComplete());
        assertTrue(aggregator.isStopping());
    }

    /**
     * Import records are stored in {@code start_imports} with their imported set's rows under its
     * fingerprint, one whose start never came too; a process's second record (more imports) beside
     * its first, a resent one once; and read again after a crash (the group's offsets rewound)
     * nothing is written twice, though the partitions resume after their last stored start.
     */
    @Test
    void importRecordsAreStoredOnceWithTheirImportedSets() throws Exception {
        String topic = "startups-imports";
        String group = GROUP + "-imports";
        ClickHouseConfig clickHouse = TestClickHouse.migratedDatabase("imports");
        AggregatorConfig config = AggregatorConfig.from(new Env(TestAggregatorEnv.of(kafka.bootstrapServers(), topic, group, clickHouse)));
        List<String> numpy = List.of("numpy", "1.26.4");
        List<String> pandas = List.of("pandas", "2.2.2");
        Map<String, Object> start = TestRecords.valid("ivy", "node-1", List.of(numpy, pandas, List.of("scipy", "1.13.0")));
        Map<String, Object> first = TestRecords.imports(start, List.of(numpy));
        Map<String, Object> later = TestRecords.imports(start, List.of(numpy, pandas));
        Map<String, Object> orphan = TestRecords.imports(TestRecords.valid("ivy", "node-2", List.of()), List.of(List.of("scipy", "1.13.0")));
        AggregatorService aggregator = new AggregatorService(config);
        aggregator.start(vertx).await(60, TimeUnit.SECONDS); // it creates the topic
        send(List.of(record(topic, start), record(topic, first), record(topic, first), record(topic, later), record(topic, orphan)));
        awaitRows(clickHouse, "start_imports", 3);
        aggregator.stop().await(60, TimeUnit.SECONDS);
        assertEquals(3, aggregator.registry().get("pyusage_aggregator_import_records_written").counter().count());

        rewindToTheStart(group);
        send(List.of(record(topic, TestRecords.valid("ivy", "node-1", List.of(numpy)))));
        AggregatorService again = new AggregatorService(config);
        again.start(vertx).await(60, TimeUnit.SECONDS);
        try {
            awaitStarts(clickHouse, 2);
            Thread.sleep(2_000);
        } finally {
            again.stop().await(60, TimeUnit.SECONDS);
        }
        try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
            List<String> sets = store.query("SELECT host, import_count FROM start_imports ORDER BY host, import_count").stream()
                    .map(row -> row.get("host").asText() + " " + row.get("import_count").asInt()).toList();
            assertEquals(List.of("node-1 1", "node-1 2", "node-2 1"), sets, "each import record once");
            for (List<List<String>> set : List.of(List.of(numpy), List.of(numpy, pandas), List.of(List.of("scipy", "1.13.0")))) {
                long importsId = EnvironmentFingerprint.of(set.stream().map(p -> new InstalledPackage(p.get(0), p.get(1))).toList());
                assertEquals(1, store.query("SELECT count() AS n FROM start_imports WHERE imports_id = " + Long.toUnsignedString(importsId))
                        .get(0).get("n").asInt(), "the import record of " + set);
                assertEquals(set.stream().map(p -> p.get(0) + " " + p.get(1)).toList(), store.query("SELECT concat(name, ' ', version) AS p "
                        + "FROM import_set_packages FINAL WHERE imports_id = " + Long.toUnsignedString(importsId) + " ORDER BY name").stream()
                        .map(row -> row.get("p").asText()).toList(), "the rows of " + set);
            }
        }
    }

    private static ProducerRecord<String, byte[]> record(String topic, Map<String, Object> record) {
        return new ProducerRecord<>(topic, (String) record.get("host"), TestRecords.bytes(record));
    }

    /** Sets every offset the group committed back to 0: what a crash right after the INSERTs leaves behind. */
    private static void rewindToTheStart(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            assertFalse(committed.isEmpty(), "the aggregator committed");
            Map<TopicPartition, OffsetAndMetadata> rewound = new HashMap<>();
            committed.keySet().forEach(partition -> rewound.put(partition, new OffsetAndMetadata(0)));
            admin.alterConsumerGroupOffsets(group, rewound).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static void awaitRows(ClickHouseConfig clickHouse, String table, int expected) throws InterruptedException {
        try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int rows = 0;
            while (System.nanoTime() < deadline && (rows = store.query("SELECT count() AS n FROM " + table).get(0).get("n").asInt()) < expected) {
                Thread.sleep(200);
            }
            assertEquals(expected, rows, "rows in " + table);
        }
    }

    private static void produce(String topic, int count, String user) throws Exception {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String host = "host-" + i;
            records.add(new ProducerRecord<>(topic, host, TestRecords.bytes(TestRecords.valid(user, host, List.of(List.of("numpy", "1.26.4"))))));
        }
        send(records);
    }

    private static void send(List<ProducerRecord<String, byte[]>> records) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            records.forEach(producer::send);
            producer.flush();
        }
    }

    private static void rewindGroupToTheStart() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            assertEquals(3, committed.size(), "the first aggregator committed every partition: " + committed);
            Map<TopicPartition, OffsetAndMetadata> rewound = new HashMap<>();
            committed.keySet().forEach(partition -> rewound.put(partition, new OffsetAndMetadata(0)));
            admin.alterConsumerGroupOffsets(GROUP, rewound).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static void awaitStarts(ClickHouseConfig clickHouse, int expected) throws InterruptedException {
        try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int rows = 0;
            while (System.nanoTime() < deadline && (rows = store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt()) < expected) {
                Thread.sleep(200);
            }
            assertEquals(expected, rows, "starts written");
        }
    }
}
