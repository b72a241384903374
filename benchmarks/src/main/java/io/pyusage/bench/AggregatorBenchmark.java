package io.pyusage.bench;

import static io.pyusage.bench.CollectorBenchmark.say;

import io.pyusage.aggregator.AggregatorConfig;
import io.pyusage.aggregator.AggregatorMain;
import io.pyusage.aggregator.AggregatorService;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.config.Env;
import io.pyusage.common.config.KafkaSettings;
import io.pyusage.common.config.KafkaTopics;
import io.pyusage.common.record.CheckedPackagesHeaders;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import io.pyusage.devstack.servers.EmbeddedKafka;
import io.pyusage.devstack.servers.FreePorts;
import io.pyusage.devstack.servers.ServiceProcess;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How fast the aggregator drains Kafka into ClickHouse, against what ClickHouse itself takes. In one
 * run, on one local broker and one local ClickHouse: the topic is filled with realistic records (the
 * first starts of {@link SyntheticYear}, as the collector forwards them), the same starts are
 * bulk-inserted as {@code JSONEachRow} in batches of the aggregator's size (the baseline), then the
 * aggregator, in its own JVM, drains the topic. Ahead of the measured records the topic holds
 * warm-up records of another population (a thousand other environments, so the measured records
 * find none of theirs stored): a service runs for months, so its compiler's first seconds are timed apart.
 * 400,000 of them: after 100,000 the JIT compiler still took about 4 of the aggregator's 19.5 CPU
 * seconds of the measured drain (15.5 after 400,000, 14.7 after a million).
 * Prints starts/s for both, the ratio, INSERTs made, the CPU time of each process, the aggregator's
 * peak heap and bytes on disk per start; then the floor under any aggregator on this machine
 * (see {@link #floor}). Not a test: {@code ./pyusage bench aggregator}.
 */
public final class AggregatorBenchmark {

    private static final int RECORDS = Integer.getInteger("bench.records", 1_000_000);
    private static final int WARM_UP = Integer.getInteger("bench.warmUp", 400_000);
    private static final int BATCH = 10_000;
    private static final String TOPIC = "startups";
    /** No start written for this long: the aggregator is stuck, the figures would mean nothing. */
    private static final Duration STALLED = Duration.ofSeconds(60);

    /** The schema version before the rollups sorted by base (migrations 13 and 14). */
    private static final int BEFORE_BASE_ROLLUPS = 12;

    private AggregatorBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        try (WorkDirectory dir = WorkDirectory.create("aggregator");
             EmbeddedKafka kafka = EmbeddedKafka.onFreePorts(dir.resolve("kafka")).start();
             EmbeddedClickHouse clickHouse = EmbeddedClickHouse.onFreePorts(dir.resolve("clickhouse")).start()) {
            SyntheticYear.Settings settings = SyntheticYear.Settings.lastDays(60);
            KafkaSettings kafkaSettings = new KafkaSettings(kafka.bootstrapServers(), TOPIC, 3, 1, true, 168);
            KafkaTopics.ensure(kafkaSettings, TOPIC, 3);
            // Few environments: their package rows (and the merges of them) would otherwise weigh on the measured drain.
            fill(kafka.bootstrapServers(), settings.otherPopulation(1, 1_000), WARM_UP);
            fill(kafka.bootstrapServers(), settings, RECORDS);

            // What the views of the base rollups cost at insert time: the same rows into the schema before
            // them, alternating, twice each, so that neither warms the machine up for the other; the best of each.
            double baseline = 0;
            double withoutBaseViews = 0;
            for (int round = 1; round <= 2; round++) {
                baseline = Math.max(baseline, bulkInsert(clickHouse, settings, false, SchemaMigrations.LATEST, round).startsPerSecond());
                withoutBaseViews = Math.max(withoutBaseViews, bulkInsert(clickHouse, settings, false, BEFORE_BASE_ROLLUPS, round).startsPerSecond());
            }
            say("insert cost of the base rollups' views: %,.0f starts/s with them, %,.0f without (schema %d): ratio %.2f",
                    baseline, withoutBaseViews, BEFORE_BASE_ROLLUPS, baseline / withoutBaseViews);
            double rowBinaryCpu = bulkInsert(clickHouse, settings, true, SchemaMigrations.LATEST, 1).clickHouseCpuSeconds();

            // Migrated as pyusage-migrate would: the aggregator only checks the schema.
            ClickHouseConfig drained = BenchDatabases.migrated(clickHouse, "pyusage");
            int port = FreePorts.next();
            try (ServiceProcess aggregator = ServiceProcess.start(AggregatorMain.class.getName(), aggregatorJvmArgs(), Map.of(
                    "PYUSAGE_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                    "PYUSAGE_KAFKA_REPLICATION", "1",
                    "PYUSAGE_KAFKA_TOPIC", TOPIC,
                    "PYUSAGE_CLICKHOUSE_URL", clickHouse.httpUrl(),
                    "PYUSAGE_CLICKHOUSE_PASSWORD", clickHouse.password(),
                    "PYUSAGE_CLICKHOUSE_DATABASE", drained.database(),
                    "PYUSAGE_AGGREGATOR_HOST", "127.0.0.1",
                    "PYUSAGE_AGGREGATOR_HTTP_PORT", String.valueOf(port)), port, dir.resolve("aggregator.log"))) {
                HeapSampler heap = HeapSampler.start(aggregator);
                long begin = System.nanoTime();
                double warmUp = writtenBy(aggregator, WARM_UP);
                long measuredFrom = System.nanoTime();
                say("warm-up: %,.0f starts of another population written in %.1f s", warmUp, (measuredFrom - begin) / 1e9);
                CpuTime cpu = CpuTime.of(aggregator.pid(), clickHouse.pid(), kafka.pid());
                double insertSecondsBefore = aggregator.metric("pyusage_aggregator_insert_seconds_sum", "");
                long insertsBefore = (long) aggregator.metric("pyusage_aggregator_insert_seconds_count", "");
                // Batches end where they fill, so the warm-up's last one may hold measured starts: the measured
                // starts are those written after it.
                double written = writtenBy(aggregator, WARM_UP + RECORDS) - warmUp;
                double seconds = (System.nanoTime() - measuredFrom) / 1e9;
                double[] cpuSeconds = cpu.used();
                if (warmUp + written < WARM_UP + RECORDS) {
                    say("the aggregator stopped writing at %,.0f starts (its log: %s, kept with -Dbench.keep=true)", written, dir.resolve("aggregator.log"));
                }
                double drainRate = written / seconds;
                long inserts = (long) aggregator.metric("pyusage_aggregator_insert_seconds_count", "") - insertsBefore;
                say("of which writing batches (dead letters, INSERTs): %.1f s",
                        aggregator.metric("pyusage_aggregator_insert_seconds_sum", "") - insertSecondsBefore);
                say("CPU time meanwhile: aggregator %.1f s, ClickHouse %.1f s, broker %.1f s (%d cores for %.1f s)",
                        cpuSeconds[0], cpuSeconds[1], cpuSeconds[2], Runtime.getRuntime().availableProcessors(), seconds);
                long peakHeap = heap.stop();
                say("aggregator drained %,.0f starts in %.1f s: %,.0f starts/s, ratio to the bulk baseline %.2f (%,d batches; peak heap %d MiB, peak RSS %d MiB)",
                        written, seconds, drainRate, drainRate / baseline, inserts, peakHeap >> 20, aggregator.peakRssBytes() >> 20);
                try (ClickHouseStore store = new ClickHouseStore(drained)) {
                    say("bytes on disk of what the aggregator wrote (the warm-up's starts too):");
                    long bytes = DiskUsage.report(store, (long) (warmUp + written));
                    say("SUMMARY records=%d baseline=%.0f/s drain=%.0f/s ratio=%.2f batches=%d bytes_per_start=%.1f heap_peak=%dMiB",
                            RECORDS, baseline, drainRate, drainRate / baseline, inserts, bytes / (warmUp + written), peakHeap >> 20);
                }
            }
            floor(kafka, baseline, rowBinaryCpu);
        }
    }

    /**
     * The aggregator's JVM as the README says to run it: the throughput collector (its pauses, tens of
     * milliseconds, are nothing to a consumer that batches for a second) with most of the heap young.
     */
    static List<String> aggregatorJvmArgs() {
        List<String> jvmArgs = new ArrayList<>(List.of("-Xmx512m", "-Xmn320m", "-XX:+UseParallelGC"));
        // For profiling, e.g. -Dbench.aggregatorJvmArgs=-XX:StartFlightRecording=filename=aggregator.jfr
        String extra = System.getProperty("bench.aggregatorJvmArgs", "").trim();
        if (!extra.isEmpty()) {
            jvmArgs.addAll(List.of(extra.split("\\s+")));
        }
        return jvmArgs;
    }

    /**
     * The floor under any aggregator of this design on this machine: the CPU that reading the
     * records from Kafka (the aggregator's consumer, its settings, nothing done with a record; the
     * broker serving it) and ClickHouse taking their rows (the RowBinary bulk INSERT's CPU) need per
     * start, whatever else an aggregator does. Two cores spent on nothing else drain at most
     * {@code cores / floor} starts a second. Read in this JVM after the aggregator has stopped, the
     * warm-up records first (their compilation is not timed), then the measured ones.
     */
    private static void floor(EmbeddedKafka kafka, double baseline, double clickHouseCpu) {
        AggregatorConfig config = AggregatorConfig.from(new Env(Map.of(
                "PYUSAGE_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "PYUSAGE_KAFKA_TOPIC", TOPIC,
                // Only the consumer is used: no ClickHouse is asked.
                "PYUSAGE_CLICKHOUSE_URL", "http://127.0.0.1:9",
                "PYUSAGE_AGGREGATOR_GROUP", "consumer-floor")));
        try (KafkaConsumer<ByteBuffer, ByteBuffer> consumer = AggregatorService.newConsumer(config)) {
            consumer.subscribe(List.of(TOPIC));
            // A poll returns up to a thousand records, so the warm-up read may take some of the measured ones.
            long warmUp = read(consumer, WARM_UP).records();
            CpuTime cpu = CpuTime.of(ProcessHandle.current().pid(), kafka.pid());
            long begin = System.nanoTime();
            Read measured = read(consumer, WARM_UP + RECORDS - warmUp);
            double seconds = (System.nanoTime() - begin) / 1e9;
            double[] used = cpu.used();
            double perStart = (used[0] + used[1]) / measured.records() + clickHouseCpu / RECORDS;
            int cores = Runtime.getRuntime().availableProcessors();
            double most = cores / perStart;
            say("floor: the aggregator's consumer read %,d records (%,d bytes of values) in %.1f s with nothing done with them:"
                    + " CPU %.1f s, broker %.1f s; ClickHouse took %,d starts' rows (RowBinary) in %.1f s of CPU", measured.records(), measured.valueBytes(),
                    seconds, used[0], used[1], RECORDS, clickHouseCpu);
            say("floor: %.1f µs of CPU a start, so %d cores drain at most %,.0f starts/s with nothing else to do: ratio to the bulk baseline %.2f",
                    perStart * 1e6, cores, most, most / baseline);
        }
    }

    /** What {@link #read} polled: how many records, and the bytes of their values. */
    private record Read(long records, long valueBytes) {
    }

    /** Polls until {@code records} records have come (or ten minutes). */
    private static Read read(KafkaConsumer<ByteBuffer, ByteBuffer> consumer, long records) {
        long read = 0;
        long bytes = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (read < records && System.nanoTime() < deadline) {
            for (ConsumerRecord<ByteBuffer, ByteBuffer> record : consumer.poll(Duration.ofMillis(500))) {
                bytes += record.value().remaining();
                read++;
            }
        }
        return new Read(read, bytes);
    }

    /**
     * Bulk-inserts the measured starts in batches of the aggregator's size, into a database of their
     * own. As {@code JSONEachRow}: the baseline; as {@code RowBinary}: what ClickHouse takes of the
     * aggregator's own format, on an otherwise idle machine.
     */
    private static BulkInsert bulkInsert(EmbeddedClickHouse clickHouse, SyntheticYear.Settings settings, boolean rowBinary, int schema,
                                         int round) throws Exception {
        String format = rowBinary ? "RowBinary" : "JSONEachRow";
        String database = "bulk_" + format.toLowerCase() + "_" + schema + "_" + round;
        try (ClickHouseStore store = new ClickHouseStore(BenchDatabases.migratedTo(clickHouse, database, schema))) {
            BulkLoader loader = new BulkLoader(store, BATCH, rowBinary);
            CpuTime cpu = CpuTime.of(clickHouse.pid());
            new SyntheticYear(settings).forEachStart(RECORDS, loader::add);
            loader.flush();
            double rate = loader.loaded() / loader.insertSeconds();
            double cpuSeconds = cpu.used()[0];
            say("%s bulk INSERT ... FORMAT %s of the same rows in batches of %,d, schema %d: %,.0f starts/s (%,d INSERTs); ClickHouse CPU %.1f s",
                    rowBinary ? "for comparison," : "baseline,", format, BATCH, schema, rate, loader.inserts(), cpuSeconds);
            BenchDatabases.awaitMerges(store, Duration.ofMinutes(1)); // the baseline's merges are not the aggregator's CPU
            return new BulkInsert(rate, cpuSeconds);
        }
    }

    /** A bulk INSERT's starts a second, and the CPU ClickHouse spent taking them. */
    private record BulkInsert(double startsPerSecond, double clickHouseCpuSeconds) {
    }

    /**
     * Waits until the aggregator has written {@code target} starts, or stopped making progress;
     * returns how many it has written.
     */
    private static double writtenBy(ServiceProcess aggregator, double target) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        long lastProgress = System.nanoTime();
        double written = 0;
        while (written < target && System.nanoTime() < deadline && aggregator.isAlive()
                && System.nanoTime() - lastProgress < STALLED.toNanos()) {
            Thread.sleep(200);
            double now = aggregator.metric("pyusage_aggregator_starts_written_total", "");
            if (now > written) {
                written = now;
                lastProgress = System.nanoTime();
            }
        }
        return written;
    }

    /** The records as the collector forwards them: stamped with receipt time and sender, keyed by host, checked packages in headers. */
    private static void fill(String bootstrap, SyntheticYear.Settings settings, int records) throws Exception {
        fill(bootstrap, TOPIC, settings, records);
    }

    /** As {@link #fill(String, SyntheticYear.Settings, int)}, into {@code topic}. */
    static void fill(String bootstrap, String topic, SyntheticYear.Settings settings, int records) throws Exception {
        long begin = System.nanoTime();
        AtomicLong bytes = new AtomicLong();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024), new StringSerializer(), new ByteArraySerializer())) {
            new SyntheticYear(settings).forEachStart(records, record -> {
                byte[] value = StartupRecordCodec.encode(record.received(record.ts() + 0.05, "10.1.2.3"));
                bytes.addAndGet(value.length);
                DecodeResult.Valid valid = (DecodeResult.Valid) StartupRecordCodec.decodeWithoutPackages(value, 0, value.length);
                producer.send(new ProducerRecord<>(topic, null, record.host(), value, CheckedPackagesHeaders.of(valid)));
            });
            producer.flush();
        }
        say("topic filled with %,d records (%.0f bytes of JSON on average) in %.0f s", records, (double) bytes.get() / records,
                (System.nanoTime() - begin) / 1e9);
    }

}
