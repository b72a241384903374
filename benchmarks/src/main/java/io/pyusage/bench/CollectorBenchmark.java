package io.pyusage.bench;

import io.pyusage.devstack.servers.EmbeddedKafka;
import io.pyusage.devstack.servers.ServiceProcess;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The collector's throughput against the limit Kafka itself sets on this machine. In one run, on
 * one local broker: a raw {@code KafkaProducer} loop sends realistic records (the baseline), then
 * the floor under any collector ({@link RelayFloor}: the same HTTP batches relayed to Kafka with
 * nothing read), then the collector, in its own JVM with a 256 MiB heap cap, takes the same records
 * over HTTP batches and over UDP at fixed rates. Prints records/s, the ratio to the baseline, UDP loss per rate, and
 * the collector's peak heap and RSS; then the burst cases of {@link CollectorBursts}. Not a test: run it with
 * {@code ./pyusage bench collector} ({@code -Dbench.only=bursts} for the bursts alone).
 */
public final class CollectorBenchmark {

    private static final int RECORDS = Integer.getInteger("bench.records", 300_000);
    /** Records sent before each measured run, so that the JIT compiler has settled, as in a service that runs for months. */
    private static final int WARM_UP = Integer.getInteger("bench.warmUp", 300_000);
    private static final boolean UDP = !Boolean.getBoolean("bench.skipUdp");
    private static final int BATCH = 200;
    private static final int HTTP_SENDERS = Integer.getInteger("bench.httpSenders", 16);
    private static final int[] UDP_RATES = {10_000, 20_000, 40_000, 80_000};
    private static final Duration UDP_STEP = Duration.ofSeconds(4);

    private CollectorBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        try (WorkDirectory dir = WorkDirectory.create("collector")) {
            // -Dbench.only=bursts runs only the burst cases (CollectorBursts).
            if (!"bursts".equals(System.getProperty("bench.only"))) {
                throughput(dir);
            }
            CollectorBursts.run(dir.path());
        }
    }

    private static void throughput(WorkDirectory dir) throws Exception {
        List<byte[]> records = BenchRecords.generate(5_000, 100);
        double meanBytes = records.stream().mapToInt(r -> r.length).average().orElse(0);
        say("records: %,d per run, 100 packages each, %.0f bytes of JSON on average", RECORDS, meanBytes);
        try (EmbeddedKafka kafka = EmbeddedKafka.onFreePorts(dir.resolve("kafka")).start()) {
            createTopic(kafka.bootstrapServers(), "raw");
            createTopic(kafka.bootstrapServers(), "startups");
            createTopic(kafka.bootstrapServers(), RelayFloor.TOPIC);
            List<byte[]> bodies = ndjsonBodies(records);
            double raw = rawProducer(kafka, records);
            say("raw KafkaProducer: %,.0f records/s", raw);
            double floor;
            try (ServiceProcess relay = CollectorProcess.startRelayFloor(dir.path(), kafka.bootstrapServers())) {
                floor = httpBatches(relay.httpUrl(), bodies, relay.pid(), kafka);
            }
            say("floor, HTTP batches relayed to Kafka with nothing read (RelayFloor): %,.0f records/s, ratio to raw producer %.2f",
                    floor, floor / raw);
            try (CollectorProcess collector = CollectorProcess.start(dir.path(), kafka.bootstrapServers())) {
                HeapSampler heap = HeapSampler.start(collector.service());
                double before = collector.counter("pyusage_collector_accepted_total", "http");
                double http = httpBatches(collector.httpUrl(), bodies, collector.service().pid(), kafka);
                double accepted = collector.counter("pyusage_collector_accepted_total", "http") - before;
                if (accepted < WARM_UP + RECORDS) {
                    say("warning: the collector counted %,.0f of %,d HTTP records as accepted", accepted, WARM_UP + RECORDS);
                }
                say("collector over HTTP batches of %d: %,.0f records/s, ratio to raw producer %.2f, to the floor %.2f",
                        BATCH, http, http / raw, http / floor);
                List<String> udpLines = new ArrayList<>();
                int saturation = 0;
                for (int rate : UDP ? UDP_RATES : new int[0]) {
                    UdpResult result = udpAtRate(collector, records, rate);
                    udpLines.add(String.format("  %,7d/s offered: %,8d sent, %,8d accepted, loss %.3f%% (kernel drops %,d)",
                            rate, result.sent, result.accepted, 100.0 * result.lost() / result.sent, result.kernelDrops));
                    if (result.lost() == 0) {
                        saturation = rate;
                    }
                }
                say("udp totals: received %,.0f, rejected %,.0f, dropped %,.0f", collector.counter("pyusage_collector_received_total", "udp"),
                        collector.counter("pyusage_collector_rejected_total", "udp"), collector.counter("pyusage_collector_dropped_total", "udp"));
                long peakHeap = heap.stop();
                say("collector over UDP:");
                udpLines.forEach(System.out::println);
                say("UDP: highest offered rate without loss %,d records/s", saturation);
                say("collector peak heap used %d MiB (cap 256 MiB), peak RSS %d MiB", peakHeap >> 20, collector.service().peakRssBytes() >> 20);
                say("SUMMARY raw=%.0f/s floor=%.0f/s (ratio %.2f) http=%.0f/s ratio=%.2f udp_zero_loss_max=%d/s heap_peak=%dMiB rss_peak=%dMiB",
                        raw, floor, floor / raw, http, http / raw, saturation, peakHeap >> 20, collector.service().peakRssBytes() >> 20);
            }
        }
    }

    /** The baseline: the same producer settings as the collector's, sending the same bytes from one thread. */
    private static double rawProducer(EmbeddedKafka kafka, List<byte[]> records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024), new StringSerializer(), new ByteArraySerializer())) {
            // Warm-up, then the measured run.
            sendRaw(producer, records, WARM_UP);
            CpuTime cpu = CpuTime.of(ProcessHandle.current().pid(), kafka.pid());
            long start = System.nanoTime();
            sendRaw(producer, records, RECORDS);
            double rate = RECORDS / seconds(start);
            double[] used = cpu.used();
            say("  CPU per record: producer %.1f us, broker %.1f us", perRecord(used[0]), perRecord(used[1]));
            return rate;
        }
    }

    private static void sendRaw(KafkaProducer<String, byte[]> producer, List<byte[]> records, int count) {
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>("raw", "node" + (i % 1000), records.get(i % records.size())));
        }
        producer.flush();
    }

    /** The records as NDJSON bodies of BATCH lines each. */
    static List<byte[]> ndjsonBodies(List<byte[]> records) {
        List<byte[]> bodies = new ArrayList<>();
        for (int b = 0; b < records.size() / BATCH; b++) {
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < BATCH; i++) {
                body.append(new String(records.get(b * BATCH + i), StandardCharsets.UTF_8)).append('\n');
            }
            bodies.add(body.toString().getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }

    /** Warm-up batches, then the measured ones: records/s answered 202 (a 202 covers every line of its batch). */
    private static double httpBatches(String url, List<byte[]> bodies, long servicePid, EmbeddedKafka kafka) throws Exception {
        return httpBatches(url, bodies, servicePid, List.of(kafka.pid()));
    }

    /** As {@link #httpBatches(String, List, long, EmbeddedKafka)}, the CPU of all {@code brokerPids} counted as the broker's. */
    static double httpBatches(String url, List<byte[]> bodies, long servicePid, List<Long> brokerPids) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(url + "/v1/startups");
        postBatches(client, uri, bodies, WARM_UP / BATCH);
        long[] pids = new long[brokerPids.size() + 2];
        pids[0] = servicePid;
        pids[1] = ProcessHandle.current().pid();
        for (int i = 0; i < brokerPids.size(); i++) {
            pids[i + 2] = brokerPids.get(i);
        }
        CpuTime cpu = CpuTime.of(pids);
        long start = System.nanoTime();
        long answered = postBatches(client, uri, bodies, RECORDS / BATCH);
        double elapsed = seconds(start);
        double[] used = cpu.used();
        double brokers = 0;
        for (int i = 2; i < used.length; i++) {
            brokers += used[i];
        }
        say("  CPU per record: service %.1f us, %s %.1f us, load generator %.1f us", perRecord(used[0]),
                brokerPids.size() == 1 ? "broker" : brokerPids.size() + " brokers", perRecord(brokers), perRecord(used[1]));
        if (answered < RECORDS / BATCH) {
            say("warning: only %,d of %,d HTTP batches were answered 202", answered, RECORDS / BATCH);
        }
        return answered * BATCH / elapsed;
    }

    /** HTTP_SENDERS clients, each posting NDJSON batches and waiting for the answer before the next; returns the 202s. */
    private static long postBatches(HttpClient client, URI uri, List<byte[]> bodies, int batches) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicLong answered = new AtomicLong();
        ExecutorService senders = Executors.newFixedThreadPool(HTTP_SENDERS);
        List<Future<?>> running = new ArrayList<>();
        for (int s = 0; s < HTTP_SENDERS; s++) {
            running.add(senders.submit(() -> {
                for (int b = next.getAndIncrement(); b < batches; b = next.getAndIncrement()) {
                    HttpResponse<Void> response = client.send(HttpRequest.newBuilder(uri)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(b % bodies.size()))).build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() == 202) {
                        answered.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> sender : running) {
            sender.get(10, TimeUnit.MINUTES);
        }
        senders.shutdown();
        return answered.get();
    }

    /** Sends datagrams paced at {@code rate} per second for UDP_STEP, then counts what the collector accepted. */
    private static UdpResult udpAtRate(CollectorProcess collector, List<byte[]> records, int rate) throws Exception {
        double acceptedBefore = collector.counter("pyusage_collector_accepted_total", "udp");
        double dropsBefore = collector.counter("pyusage_collector_udp_kernel_drops_total", null);
        long total = rate * UDP_STEP.toSeconds();
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", collector.udpPort());
        long start = System.nanoTime();
        long sent = 0;
        try (DatagramChannel channel = DatagramChannel.open()) {
            while (sent < total) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                for (; sent < Math.min(due, total); sent++) {
                    channel.send(ByteBuffer.wrap(records.get((int) (sent % records.size()))), target);
                }
                Thread.onSpinWait();
            }
        }
        // Let the collector and Kafka catch up: wait until the count stops growing.
        double accepted = collector.counter("pyusage_collector_accepted_total", "udp") - acceptedBefore;
        for (int stable = 0; stable < 4 && accepted < sent; ) {
            Thread.sleep(500);
            double now = collector.counter("pyusage_collector_accepted_total", "udp") - acceptedBefore;
            stable = now == accepted ? stable + 1 : 0;
            accepted = now;
        }
        long kernelDrops = (long) (collector.counter("pyusage_collector_udp_kernel_drops_total", null) - dropsBefore);
        return new UdpResult(sent, (long) accepted, kernelDrops);
    }

    private static void createTopic(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Microseconds of CPU per measured record. */
    private static double perRecord(double cpuSeconds) {
        return cpuSeconds / RECORDS * 1e6;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static void say(String format, Object... args) {
        System.out.println("[bench] " + String.format(format, args));
    }

    private record UdpResult(long sent, long accepted, long kernelDrops) {
        long lost() {
            return sent - accepted;
        }
    }
}
