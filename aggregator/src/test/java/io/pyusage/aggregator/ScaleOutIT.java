package io.pyusage.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestDirectories;
import io.pyusage.common.TestClickHouse;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.devstack.servers.EmbeddedKafka;
import io.pyusage.devstack.servers.ServiceProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two aggregator processes in one group share a 3-partition topic; one is killed with SIGKILL while
 * records keep coming. The survivor takes its partitions over, and every record is in ClickHouse once.
 */
class ScaleOutIT {

    private static final String TOPIC = "startups";
    private static final int RECORDS = 6_000;

    @Test
    void killingOneOfTwoAggregatorsMidStreamLosesAndDoublesNothing() throws Exception {
        Path dir = TestDirectories.underTarget("scale-out-");
        ClickHouseConfig clickHouse = TestClickHouse.migratedDatabase("scale_out");
        try (EmbeddedKafka kafka = EmbeddedKafka.onFreePorts(dir.resolve("kafka")).start();
             ServiceProcess first = aggregator(kafka, clickHouse, dir.resolve("first.log"));
             ServiceProcess second = aggregator(kafka, clickHouse, dir.resolve("second.log"))) {
            CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> TestStarts.produce(kafka.bootstrapServers(), TOPIC, 0, RECORDS));

            awaitStarts(clickHouse, RECORDS / 4, first, second);
            assertTrue(first.metric("pyusage_aggregator_starts_written_total", "") > 0, "the first aggregator had its share");
            assertTrue(second.metric("pyusage_aggregator_starts_written_total", "") > 0, "the second aggregator had its share");
            first.kill();
            producing.get(120, TimeUnit.SECONDS);

            awaitStarts(clickHouse, RECORDS, second);
            // Give a batch written twice every chance to land before counting.
            Thread.sleep(3_000);
            try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
                assertEquals(RECORDS, store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt(), "rows in starts");
                assertEquals(RECORDS, store.query("SELECT uniqExact(event_id) AS n FROM starts").get(0).get("n").asInt(), "distinct starts");
                assertEquals(RECORDS, store.query("SELECT countMerge(starts) AS n FROM daily_starts").get(0).get("n").asInt(),
                        "starts counted by the daily rollup");
            }
        }
    }

    private static ServiceProcess aggregator(EmbeddedKafka kafka, ClickHouseConfig clickHouse, Path log) throws Exception {
        Map<String, String> env = TestAggregatorEnv.of(kafka.bootstrapServers(), TOPIC, "scale-out-it", clickHouse);
        // The broker's minimum: the survivor gets the dead one's partitions within seconds.
        env.put("PYUSAGE_AGGREGATOR_SESSION_TIMEOUT_MS", "6000");
        return ServiceProcess.start(AggregatorMain.class.getName(), List.of("-Xmx256m"), env,
                Integer.parseInt(env.get("PYUSAGE_AGGREGATOR_HTTP_PORT")), log);
    }

    private static void awaitStarts(ClickHouseConfig clickHouse, int expected, ServiceProcess... alive) throws Exception {
        try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int rows = 0;
            while (System.nanoTime() < deadline && (rows = store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt()) < expected) {
                for (ServiceProcess process : alive) {
                    assertTrue(process.isAlive(), "aggregator exited; see " + process.logFile());
                }
                Thread.sleep(200);
            }
            assertTrue(rows >= expected, "starts written: " + rows + " of " + expected);
        }
    }
}
