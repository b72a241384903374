package io.pyusage.bench;

import static io.pyusage.bench.CollectorBenchmark.say;

import io.pyusage.aggregator.AggregatorMain;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.config.KafkaSettings;
import io.pyusage.common.config.KafkaTopics;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import io.pyusage.devstack.servers.EmbeddedClickHouseCluster;
import io.pyusage.devstack.servers.EmbeddedKafka;
import io.pyusage.devstack.servers.EmbeddedKafkaCluster;
import io.pyusage.devstack.servers.FreePorts;
import io.pyusage.devstack.servers.ServiceProcess;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The pipeline on the embedded cluster of {@code ./pyusage up --cluster} next to one node, in one
 * run on this machine: one broker and one ClickHouse against three brokers (topics of replication 3,
 * {@code min.insync.replicas} 2) and two ClickHouse replicas with their ZooKeeper, all up at once.
 * Rounds alternate between the two, so that neither warms the machine up for the other; the best
 * of each is compared. Measured:
 * <ul>
 *   <li>the collector's rate over HTTP batches ({@link CollectorBenchmark}'s load), one collector;</li>
 *   <li>the drain rate of a topic of realistic starts into ClickHouse: one aggregator on one node,
 *       then one and two aggregators on the cluster;</li>
 *   <li>the CPU each kind of process spent meanwhile, which says where the cluster's time goes.</li>
 * </ul>
 * Topics have the same six partitions on both. Not a test: {@code ./pyusage bench cluster}.
 */
public final class ClusterBenchmark {

    private static final int RECORDS = Integer.getInteger("bench.records", 300_000);
    private static final int WARM_UP = Integer.getInteger("bench.warmUp", 200_000);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
    private static final int PARTITIONS = 6;
    private static final Duration STALLED = Duration.ofSeconds(60);

    private ClusterBenchmark() {
    }

    /** One side of the comparison: where its brokers and ClickHouse are, and the processes whose CPU counts. */
    private record Side(String name, String bootstrap, int replication, List<URI> clickHouse, String password, boolean replicated,
                        List<Long> brokerPids, List<Long> clickHousePids, List<Long> zooKeeperPids) {
    }

    /** A drain's starts a second and the CPU seconds of aggregators, ClickHouse, brokers and ZooKeeper meanwhile. */
    private record Drain(double startsPerSecond, double seconds, double aggregators, double clickHouse, double brokers, double zooKeeper) {
    }

    public static void main(String[] args) throws Exception {
        try (WorkDirectory dir = WorkDirectory.create("cluster");
             EmbeddedKafka kafka = EmbeddedKafka.onFreePorts(dir.resolve("kafka")).start();
             EmbeddedClickHouse clickHouse = EmbeddedClickHouse.onFreePorts(dir.resolve("clickhouse")).start();
             EmbeddedKafkaCluster kafkaCluster = EmbeddedKafkaCluster.onFreePorts(dir.resolve("kafka-cluster"), 3).start();
             EmbeddedClickHouseCluster clickHouseCluster = EmbeddedClickHouseCluster.onFreePorts(dir.resolve("clickhouse-cluster"), 2).start()) {
            Side single = new Side("one node", kafka.bootstrapServers(), 1, List.of(URI.create(clickHouse.httpUrl())), clickHouse.password(),
                    false, List.of(kafka.pid()), List.of(clickHouse.pid()), List.of());
            Side cluster = new Side("cluster", kafkaCluster.bootstrapServers(), 3,
                    clickHouseCluster.replicas().stream().map(replica -> URI.create(replica.httpUrl())).toList(),
                    clickHouseCluster.replica(0).password(), true,
                    IntStream.range(0, 3).mapToObj(i -> kafkaCluster.broker(i).pid()).toList(),
                    clickHouseCluster.replicas().stream().map(EmbeddedClickHouse::pid).toList(),
                    List.of(clickHouseCluster.zooKeeper().pid()));

            List<byte[]> bodies = CollectorBenchmark.ndjsonBodies(BenchRecords.generate(5_000, 100));
            double collectorSingle = 0;
            double collectorCluster = 0;
            for (int round = 1; round <= ROUNDS; round++) {
                collectorSingle = Math.max(collectorSingle, collector(dir, single, round, bodies));
                collectorCluster = Math.max(collectorCluster, collector(dir, cluster, round, bodies));
            }
            say("collector over HTTP batches, best of %d: one node %,.0f records/s, cluster %,.0f records/s: ratio %.2f",
                    ROUNDS, collectorSingle, collectorCluster, collectorCluster / collectorSingle);

            SyntheticYear.Settings settings = SyntheticYear.Settings.lastDays(60);
            double drainSingle = 0;
            double drainCluster = 0;
            double drainClusterTwo = 0;
            for (int round = 1; round <= ROUNDS; round++) {
                drainSingle = Math.max(drainSingle, drain(dir, single, 1, round, settings).startsPerSecond());
                drainCluster = Math.max(drainCluster, drain(dir, cluster, 1, round, settings).startsPerSecond());
                drainClusterTwo = Math.max(drainClusterTwo, drain(dir, cluster, 2, round, settings).startsPerSecond());
            }
            say("drain, best of %d: one node %,.0f starts/s; cluster, one aggregator %,.0f starts/s (ratio %.2f), two aggregators %,.0f starts/s (ratio %.2f)",
                    ROUNDS, drainSingle, drainCluster, drainCluster / drainSingle, drainClusterTwo, drainClusterTwo / drainSingle);
            say("SUMMARY collector_single=%.0f/s collector_cluster=%.0f/s ratio=%.2f drain_single=%.0f/s drain_cluster_1=%.0f/s ratio=%.2f"
                    + " drain_cluster_2=%.0f/s ratio=%.2f", collectorSingle, collectorCluster, collectorCluster / collectorSingle,
                    drainSingle, drainCluster, drainCluster / drainSingle, drainClusterTwo, drainClusterTwo / drainSingle);
        }
    }

    /** One collector's rate on {@code side}, over a topic it creates with the side's replication. */
    private static double collector(WorkDirectory dir, Side side, int round, List<byte[]> bodies) throws Exception {
        say("collector on the %s, round %d:", side.name(), round);
        try (CollectorProcess collector = CollectorProcess.start(dir.path(), side.bootstrap(), side.replication(), PARTITIONS,
                "collector-" + side.replicated() + "-" + round)) {
            double rate = CollectorBenchmark.httpBatches(collector.httpUrl(), bodies, collector.service().pid(), side.brokerPids());
            say("  %,.0f records/s", rate);
            return rate;
        }
    }

    /**
     * Fills a topic of its own on {@code side} with warm-up starts of another population and then the
     * measured ones, and times {@code aggregators} aggregator processes draining the measured ones
     * into a database of their own.
     */
    private static Drain drain(WorkDirectory dir, Side side, int aggregators, int round, SyntheticYear.Settings settings) throws Exception {
        String name = (side.replicated() ? "cluster_" : "single_") + aggregators + "_" + round;
        String topic = "drain-" + name;
        KafkaTopics.ensure(new KafkaSettings(side.bootstrap(), topic, PARTITIONS, side.replication(), true, 168), topic, PARTITIONS);
        AggregatorBenchmark.fill(side.bootstrap(), topic, settings.otherPopulation(1_000 + round, 1_000), WARM_UP);
        AggregatorBenchmark.fill(side.bootstrap(), topic, settings, RECORDS);
        ClickHouseConfig database = new ClickHouseConfig(side.clickHouse().get(0), name, "default", side.password(), Duration.ofMinutes(10));
        if (side.replicated()) {
            database = database.onCluster(EmbeddedClickHouseCluster.CLUSTER, side.clickHouse());
        }
        SchemaMigrations.apply(database);

        List<ServiceProcess> running = new ArrayList<>();
        try {
            for (int i = 1; i <= aggregators; i++) {
                running.add(aggregator(dir, side, topic, name, i));
            }
            written(running, WARM_UP);
            double warmUp = written(running, 0);
            List<Long> aggregatorPids = running.stream().map(ServiceProcess::pid).toList();
            List<Long> pids = new ArrayList<>(aggregatorPids);
            pids.addAll(side.clickHousePids());
            pids.addAll(side.brokerPids());
            pids.addAll(side.zooKeeperPids());
            CpuTime cpu = CpuTime.of(pids.stream().mapToLong(Long::longValue).toArray());
            long begin = System.nanoTime();
            // Batches end where they fill, so the warm-up's last one may hold measured starts: those written after it count.
            double total = written(running, WARM_UP + RECORDS);
            double measured = total - warmUp;
            double seconds = (System.nanoTime() - begin) / 1e9;
            double[] used = cpu.used();
            int at = 0;
            double[] groups = new double[4];
            int[] sizes = {aggregatorPids.size(), side.clickHousePids().size(), side.brokerPids().size(), side.zooKeeperPids().size()};
            for (int group = 0; group < sizes.length; group++) {
                for (int i = 0; i < sizes[group]; i++) {
                    groups[group] += used[at++];
                }
            }
            Drain drain = new Drain(measured / seconds, seconds, groups[0], groups[1], groups[2], groups[3]);
            say("drain on the %s, %d aggregator(s), round %d: %,.0f starts in %.1f s, %,.0f starts/s; CPU s: aggregators %.1f, ClickHouse %.1f,"
                    + " brokers %.1f, ZooKeeper %.1f", side.name(), aggregators, round, measured, seconds, drain.startsPerSecond(),
                    drain.aggregators(), drain.clickHouse(), drain.brokers(), drain.zooKeeper());
            if (total < WARM_UP + RECORDS) {
                say("warning: only %,.0f of %,d starts were written (logs under %s, kept with -Dbench.keep=true)", total, WARM_UP + RECORDS,
                        dir.path());
            }
            return drain;
        } finally {
            running.forEach(ServiceProcess::close);
        }
    }

    private static ServiceProcess aggregator(WorkDirectory dir, Side side, String topic, String database, int i) throws Exception {
        int port = FreePorts.next();
        Map<String, String> env = new HashMap<>(Map.of(
                "PYUSAGE_KAFKA_BOOTSTRAP", side.bootstrap(),
                "PYUSAGE_KAFKA_REPLICATION", String.valueOf(side.replication()),
                "PYUSAGE_KAFKA_TOPIC", topic,
                "PYUSAGE_AGGREGATOR_GROUP", topic,
                "PYUSAGE_CLICKHOUSE_URL", String.join(",", side.clickHouse().stream().map(URI::toString).toList()),
                "PYUSAGE_CLICKHOUSE_PASSWORD", side.password(),
                "PYUSAGE_CLICKHOUSE_DATABASE", database,
                "PYUSAGE_AGGREGATOR_HOST", "127.0.0.1",
                "PYUSAGE_AGGREGATOR_HTTP_PORT", String.valueOf(port)));
        if (side.replicated()) {
            env.put("PYUSAGE_CLICKHOUSE_CLUSTER", EmbeddedClickHouseCluster.CLUSTER);
        }
        return ServiceProcess.start(AggregatorMain.class.getName(), AggregatorBenchmark.aggregatorJvmArgs(), env, port,
                dir.resolve("aggregator-" + database + "-" + i + ".log"));
    }

    /** Waits until the aggregators together have written {@code target} starts, or stopped making progress; returns how many. */
    private static double written(List<ServiceProcess> aggregators, double target) throws Exception {
        long lastProgress = System.nanoTime();
        double written = 0;
        do {
            double now = 0;
            for (ServiceProcess aggregator : aggregators) {
                now += aggregator.metric("pyusage_aggregator_starts_written_total", "");
            }
            if (now > written) {
                written = now;
                lastProgress = System.nanoTime();
            }
            if (written < target) {
                Thread.sleep(200);
            }
        } while (written < target && System.nanoTime() - lastProgress < STALLED.toNanos() && aggregators.stream().allMatch(ServiceProcess::isAlive));
        return written;
    }
}
