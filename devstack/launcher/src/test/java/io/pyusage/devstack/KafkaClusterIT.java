package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.aggregator.AggregatorMain;
import io.pyusage.collector.CollectorMain;
import io.pyusage.common.TestDirectories;
import io.pyusage.common.TestRecords;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import io.pyusage.devstack.servers.EmbeddedKafkaCluster;
import io.pyusage.devstack.servers.FreePorts;
import io.pyusage.devstack.servers.ServiceProcess;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;

/**
 * Two collectors and an aggregator (each its own JVM) on a real 3-broker KRaft cluster, topics with
 * replication 3 and {@code min.insync.replicas} 2, while three senders post starts to both
 * collectors and one broker is killed with SIGKILL: every start a collector answered 202 for is
 * stored exactly once, and the broker started again rejoins every partition's in-sync replicas.
 */
class KafkaClusterIT {

    private static final String TOPIC = "startups";
    private static final Duration SENDING = Duration.ofSeconds(16);

    @Test
    void aBrokerKilledWhileThreeSendersPostLosesAndDoublesNothingAcknowledged() throws Exception {
        Path dir = TestDirectories.underTarget("kafka-cluster-");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.onFreePorts(dir.resolve("kafka"), 3).start();
             EmbeddedClickHouse clickHouse = EmbeddedClickHouse.onFreePorts(dir.resolve("clickhouse")).start()) {
            ClickHouseConfig database = new ClickHouseConfig(URI.create(clickHouse.httpUrl()), "kafka_cluster", "default",
                    clickHouse.password(), Duration.ofSeconds(30));
            SchemaMigrations.apply(database);
            Map<String, String> shared = Map.of("PYUSAGE_KAFKA_BOOTSTRAP", kafka.bootstrapServers(), "PYUSAGE_KAFKA_TOPIC", TOPIC,
                    "PYUSAGE_KAFKA_PARTITIONS", "3");
            try (ServiceProcess first = collector(shared, dir.resolve("collector-1.log"));
                 ServiceProcess second = collector(shared, dir.resolve("collector-2.log"));
                 ServiceProcess aggregator = aggregator(shared, database, dir.resolve("aggregator.log"))) {
                Set<String> acknowledged = ConcurrentHashMap.newKeySet();
                AtomicBoolean sending = new AtomicBoolean(true);
                ExecutorService senders = Executors.newFixedThreadPool(3);
                List<Future<?>> sent = new ArrayList<>();
                List<String> collectors = List.of(first.httpUrl(), second.httpUrl());
                for (int s = 0; s < 3; s++) {
                    int sender = s;
                    sent.add(senders.submit(() -> send(sender, collectors, sending, acknowledged)));
                }
                Thread.sleep(4_000);
                kafka.broker(1).kill();
                Thread.sleep(6_000);
                kafka.broker(1).start();
                Thread.sleep(SENDING.toMillis() - 10_000);
                sending.set(false);
                for (Future<?> future : sent) {
                    future.get(60, TimeUnit.SECONDS);
                }
                senders.shutdown();
                assertTrue(acknowledged.size() > 300, "starts acknowledged: " + acknowledged.size());
                assertStoredOnce(database, acknowledged, aggregator);
                assertEveryReplicaInSync(kafka.bootstrapServers());
            }
        }
    }

    private static ServiceProcess collector(Map<String, String> shared, Path log) throws Exception {
        Map<String, String> env = new HashMap<>(shared);
        int httpPort = FreePorts.next();
        env.put("PYUSAGE_COLLECTOR_HOST", "127.0.0.1");
        env.put("PYUSAGE_COLLECTOR_HTTP_PORT", String.valueOf(httpPort));
        env.put("PYUSAGE_COLLECTOR_UDP_PORT", String.valueOf(FreePorts.next()));
        return ServiceProcess.start(CollectorMain.class.getName(), List.of("-Xmx256m"), env, httpPort, log);
    }

    private static ServiceProcess aggregator(Map<String, String> shared, ClickHouseConfig database, Path log) throws Exception {
        Map<String, String> env = new HashMap<>(shared);
        int httpPort = FreePorts.next();
        env.put("PYUSAGE_AGGREGATOR_HOST", "127.0.0.1");
        env.put("PYUSAGE_AGGREGATOR_HTTP_PORT", String.valueOf(httpPort));
        env.put("PYUSAGE_AGGREGATOR_BATCH_MS", "200");
        env.put("PYUSAGE_AGGREGATOR_MAX_BACKOFF_MS", "2000");
        env.put("PYUSAGE_CLICKHOUSE_URL", database.url().toString());
        env.put("PYUSAGE_CLICKHOUSE_PASSWORD", database.password());
        env.put("PYUSAGE_CLICKHOUSE_DATABASE", database.database());
        return ServiceProcess.start(AggregatorMain.class.getName(), List.of("-Xmx256m"), env, httpPort, log);
    }

    /** Posts one start at a time, to the collectors in turn, until told to stop; keeps the event ids answered 202. */
    private static void send(int sender, List<String> collectors, AtomicBoolean sending, Set<String> acknowledged) {
        int i = 0;
        while (sending.get()) {
            Map<String, Object> record = TestRecords.valid("user-" + sender, "host-" + (i % 13), List.of(List.of("numpy", "1.26.4")));
            try {
                HttpResponse<String> response = TestStack.post(collectors.get(i % 2) + "/v1/startups",
                        TestRecords.json(record).getBytes(StandardCharsets.UTF_8));
                if (response.statusCode() == 202) {
                    acknowledged.add(uuid((String) record.get("event_id")));
                }
            } catch (Exception e) {
                // Not acknowledged: it may or may not be stored, and is not counted.
            }
            i++;
        }
    }

    private static String uuid(String hex) {
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-" + hex.substring(16, 20) + "-" + hex.substring(20);
    }

    private static void assertStoredOnce(ClickHouseConfig database, Set<String> acknowledged, ServiceProcess aggregator) throws Exception {
        String ids = String.join(",", acknowledged.stream().map(id -> "'" + id + "'").toList());
        try (ClickHouseStore store = new ClickHouseStore(database)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            long stored = 0;
            while (System.nanoTime() < deadline && (stored = count(store, "SELECT uniqExact(event_id) AS n FROM starts WHERE event_id IN (" + ids + ")"))
                    < acknowledged.size()) {
                assertTrue(aggregator.isAlive(), "aggregator exited; see " + aggregator.logFile());
                Thread.sleep(300);
            }
            assertEquals(acknowledged.size(), stored, "acknowledged starts stored");
            Thread.sleep(3_000);
            assertEquals(count(store, "SELECT uniqExact(event_id) AS n FROM starts"), count(store, "SELECT count() AS n FROM starts"),
                    "no start stored twice");
        }
    }

    private static long count(ClickHouseStore store, String sql) {
        return store.query(sql).get(0).get("n").asLong();
    }

    /** The restarted broker is back in every partition's in-sync replicas within a minute. */
    private static void assertEveryReplicaInSync(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int smallest;
            do {
                TopicDescription topic = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC);
                smallest = topic.partitions().stream().mapToInt(partition -> partition.isr().size()).min().orElse(0);
                if (smallest < 3) {
                    Thread.sleep(500);
                }
            } while (smallest < 3 && System.nanoTime() < deadline);
            assertEquals(3, smallest, "in-sync replicas of the smallest partition");
            assertEquals(3, admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size(), "brokers in the cluster");
        }
    }
}
