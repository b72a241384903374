package io.pyusage.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestDirectories;
import io.pyusage.devstack.servers.EmbeddedClickHouseCluster;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The migrations on a real ZooKeeper and two ClickHouse 18.16 replicas of one shard: every table
 * replicated on both, what is written on one read on the other, views and positions included, and a
 * replica killed with SIGKILL catching up once it is back.
 */
class ReplicatedSchemaIT {

    private static EmbeddedClickHouseCluster cluster;
    private static ClickHouseConfig config;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = EmbeddedClickHouseCluster.onFreePorts(TestDirectories.underTarget("cluster-"), 2).start();
        List<URI> urls = cluster.replicas().stream().map(replica -> URI.create(replica.httpUrl())).toList();
        config = new ClickHouseConfig(urls.get(0), "replicated", "default", cluster.replica(0).password(), Duration.ofSeconds(30))
                .onCluster(EmbeddedClickHouseCluster.CLUSTER, urls);
        assertEquals(SchemaMigrations.ALL.size(), SchemaMigrations.migrate(config, "test", Duration.ZERO).applied().size());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ClickHouseStore replica(int index) {
        return new ClickHouseStore(config.atReplica(config.replicas().get(index)));
    }

    private static long count(ClickHouseStore store, String sql) {
        return store.query(sql).get(0).get("n").asLong();
    }

    private static byte[] starts(String user, int first, int count) {
        StringBuilder rows = new StringBuilder();
        for (int i = first; i < first + count; i++) {
            rows.append("""
                    {"day":"2026-03-15","ts":"2026-03-15 10:00:00","event_id":"00000000-0000-0000-0000-%012d","user":"%s","host":"h","base":"2023.06","env_id":7,"kafka_topic":"t","kafka_partition":0,"kafka_offset":%d}
                    """.formatted(i, user, i));
        }
        return rows.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Waits up to a minute for {@code value} to reach {@code expected}; returns the last value seen. */
    private static long awaitValue(long expected, LongSupplier value) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        long seen = value.getAsLong();
        while (seen != expected && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            seen = value.getAsLong();
        }
        return seen;
    }

    @Test
    void everyTableIsReplicatedOnEveryReplicaAndTheSchemaIsCurrentOnBoth() {
        for (int i = 0; i < 2; i++) {
            try (ClickHouseStore store = replica(i)) {
                long tables = count(store, "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'");
                long replicated = count(store, "SELECT count() AS n FROM system.replicas WHERE database = currentDatabase()");
                assertTrue(tables > 10, "tables on replica " + i + ": " + tables);
                assertEquals(tables, replicated, "every MergeTree table of replica " + i + " is replicated");
                assertEquals(new SchemaCheck.Current(SchemaMigrations.LATEST), SchemaCheck.verdict(store, SchemaMigrations.LATEST), "replica " + i);
            }
        }
        // Run again, nothing is left to do on either replica.
        assertEquals(0, SchemaMigrations.apply(config));
    }

    @Test
    void startsWrittenOnOneReplicaReachTheOtherWithTheirRollupsAndPositions() throws Exception {
        try (ClickHouseStore first = replica(0); ClickHouseStore second = replica(1)) {
            first.insertJsonEachRow("starts", starts("alice", 1, 3));
            // A second block whose rollup rows are the same as the first's: replicated tables drop a
            // block equal to one they hold, so the views' blocks must not be taken for a repeat.
            first.insertJsonEachRow("starts", starts("alice", 4, 3));
            assertEquals(6, awaitValue(6, () -> count(second, "SELECT count() AS n FROM starts WHERE user = 'alice'")));
            assertEquals(6, awaitValue(6, () -> count(second,
                    "SELECT countMerge(starts) AS n FROM daily_starts WHERE day = '2026-03-15' AND base = '2023.06'")));
            assertEquals(6, count(first, "SELECT countMerge(starts) AS n FROM monthly_environments WHERE user = 'alice'"));
            assertEquals(6, awaitValue(6, () -> count(second, "SELECT max(last_offset) AS n FROM kafka_positions WHERE kafka_topic = 't'")));
        }
    }

    @Test
    void aReplicaKilledWhileTheOtherIsWrittenCatchesUpOnceItIsBack() throws Exception {
        try (ClickHouseStore first = replica(0)) {
            cluster.replica(1).kill();
            first.insertJsonEachRow("starts", starts("bob", 100, 50));
            first.insertJsonEachRow("starts", starts("bob", 150, 50));
            cluster.replica(1).start();
            try (ClickHouseStore second = replica(1)) {
                assertEquals(100, awaitValue(100, () -> count(second, "SELECT count() AS n FROM starts WHERE user = 'bob'")));
                assertEquals(100, awaitValue(100, () -> count(second, "SELECT countMerge(starts) AS n FROM monthly_environments WHERE user = 'bob'")));
            }
        }
    }

    @Test
    void aStoreOfBothReplicasReadsAndWritesThroughTheOtherWhenOneIsKilled() throws Exception {
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            assertEquals(config.replicas().get(0), store.currentReplica());
            cluster.replica(0).kill();
            try {
                // A read is asked again of the next replica at once.
                assertEquals(0, count(store, "SELECT count() AS n FROM starts WHERE user = 'carol'"));
                assertEquals(config.replicas().get(1), store.currentReplica());
                store.insertJsonEachRow("starts", starts("carol", 300, 5));
                try (ClickHouseStore second = replica(1)) {
                    assertEquals(5, count(second, "SELECT count() AS n FROM starts WHERE user = 'carol'"));
                }
            } finally {
                cluster.replica(0).start();
            }
            try (ClickHouseStore first = replica(0)) {
                assertEquals(5, awaitValue(5, () -> count(first, "SELECT count() AS n FROM starts WHERE user = 'carol'")));
            }
        }
    }

    @Test
    void anInsertToAnUnreachableReplicaFailsAndTheNextGoesToTheOther() throws Exception {
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            cluster.replica(0).kill();
            try {
                ClickHouseStore.ClickHouseException failed = assertThrows(ClickHouseStore.ClickHouseException.class,
                        () -> store.insertJsonEachRow("starts", starts("dave", 400, 1)));
                assertTrue(failed.isReplicaFailure(), failed.getMessage());
                // Not sent again by the store: whether to resend is the writer's decision.
                assertEquals(config.replicas().get(1), store.currentReplica());
                store.insertJsonEachRow("starts", starts("dave", 400, 1));
                assertEquals(1, count(store, "SELECT count() AS n FROM starts WHERE user = 'dave'"));
            } finally {
                cluster.replica(0).start();
            }
        }
    }

    @Test
    void aBatchSentAgainToTheOtherReplicaIsStoredOnceWithItsRollups() throws Exception {
        // What an aggregator does when an insert's answer was lost: the same rows, the same block, to the next replica.
        byte[] batch = starts("erin", 500, 4);
        try (ClickHouseStore first = replica(0); ClickHouseStore second = replica(1)) {
            first.insertJsonEachRow("starts", batch);
            second.insertJsonEachRow("starts", batch);
            first.insertJsonEachRow("starts", batch);
            for (ClickHouseStore store : List.of(first, second)) {
                assertEquals(4, awaitValue(4, () -> count(store, "SELECT count() AS n FROM starts WHERE user = 'erin'")));
                assertEquals(4, count(store, "SELECT countMerge(starts) AS n FROM monthly_environments WHERE user = 'erin'"));
            }
        }
    }
}
