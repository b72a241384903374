package io.pyusage.bench;

import io.pyusage.collector.DatagramQueue;
import io.pyusage.collector.UdpReceiver;
import io.pyusage.devstack.DevStack;
import io.pyusage.devstack.DevStackPorts;
import io.pyusage.devstack.StoredCount;
import io.pyusage.devstack.UdpBurst;
import io.pyusage.devstack.servers.MetricsText;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Bursts of starts over UDP, as array jobs and cron send them. First the UDP read loop alone (a
 * socket filled while nobody reads it, then drained by a {@link UdpReceiver}) against one sender
 * filling it; then bursts sent to the embedded default, with its aggregator and ClickHouse storing
 * them at the same time, each counted in ClickHouse: offered, arrived, and drops by reason.
 */
final class CollectorBursts {

    /** Datagrams a socket holds without being read (one holds ~3,850 of these records in 8 MiB asked for). */
    private static final int FILL = 3_000;
    /** Packages a record: about 2.3 KB of JSON, the size of the records of the bursts seen at a site. */
    private static final int PACKAGES = 80;
    private static final int ROUNDS = 15;
    private static final int RECEIVE_BUFFER = 8 * 1024 * 1024;
    /** The largest burst the search for the loss-free limit sends. */
    private static final int SEARCH_LIMIT = 256_000;

    private CollectorBursts() {
    }

    static void run(Path dir) throws Exception {
        readLoop();
        try (DevStack stack = DevStack.start(dir.resolve("devstack"), DevStackPorts.free())) {
            say("bursts to the embedded default (collector, Kafka, aggregator and ClickHouse on this machine), ~%d bytes a record:",
                    BenchRecords.forUser("size", 1, PACKAGES).get(0).length);
            Bursts bursts = new Bursts(stack);
            bursts.send("2,000 at full speed, one sender", 2_000, 1, 0);
            bursts.send("20,000 at 10,000/s, one sender", 20_000, 1, 10_000);
            bursts.send("10,000 at full speed, 8 senders at once", 10_000, 8, 0);
            int lossFree = 0;
            Outcome doubled = null;
            for (int n = 4_000; n <= SEARCH_LIMIT; n *= 2) {
                Outcome outcome = bursts.send(String.format("%,d at full speed, one sender", n), n, 1, 0);
                if (outcome.lost() > 0) {
                    doubled = outcome;
                    break;
                }
                lossFree = n;
            }
            if (doubled == null) {
                say("largest burst without loss: at least %,d (the largest tried)", lossFree);
            } else {
                say("largest burst without loss: %,d records; at twice that (%,d): %,d lost (%.1f %%)", lossFree, doubled.offered(),
                        doubled.lost(), 100.0 * doubled.lost() / doubled.offered());
            }
            say("SUMMARY bursts: largest_loss_free=%d loss_at_twice=%d", lossFree, doubled == null ? 0 : doubled.lost());
        }
    }

    /** How fast one sender fills a socket, and how fast the read loop alone drains it, in the same rounds. */
    private static void readLoop() throws Exception {
        List<byte[]> records = BenchRecords.forUser("read-loop", FILL, PACKAGES);
        double[] fill = new double[ROUNDS];
        double[] drain = new double[ROUNDS];
        double[] floor = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            floor[round] = bareReceive(records);
            try (DatagramChannel socket = DatagramChannel.open()) {
                fill[round] = fill(socket, records);
                DatagramQueue queue = new DatagramQueue(Long.MAX_VALUE);
                new UdpReceiver(socket, queue, () -> { }, "read-loop").start();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (queue.queuedDatagrams() == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                long first = System.nanoTime();
                // Polled every 50 µs, not spun on: a spinning thread would take the reader's core.
                while (queue.queuedDatagrams() < FILL && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(50_000);
                }
                if (queue.queuedDatagrams() < FILL) {
                    say("warning: the socket held only %,d of %,d datagrams (a receive buffer smaller than %,d bytes?)",
                            queue.queuedDatagrams(), FILL, RECEIVE_BUFFER);
                }
                drain[round] = (queue.queuedDatagrams() - 1) / ((System.nanoTime() - first) / 1e9);
            }
        }
        double fillMedian = median(fill);
        double drainMedian = median(drain);
        double floorMedian = median(floor);
        say("UDP read loop alone: drains a socket at %,.0f datagrams/s; one sender fills it at %,.0f/s; ratio %.2f (medians of %d rounds of %,d)",
                drainMedian, fillMedian, drainMedian / fillMedian, ROUNDS, FILL);
        say("  floor: bare receive calls into one buffer, nothing kept: %,.0f/s, %.2f times what one sender fills; the read loop is %.2f of it",
                floorMedian, floorMedian / fillMedian, drainMedian / floorMedian);
        say("SUMMARY read_loop=%.0f/s one_sender=%.0f/s ratio=%.2f floor=%.0f/s floor_ratio=%.2f", drainMedian, fillMedian,
                drainMedian / fillMedian, floorMedian, floorMedian / fillMedian);
    }

    /** Binds {@code socket} to a loopback port and fills it from one sender nobody reads; returns the sender's datagrams/s. */
    private static double fill(DatagramChannel socket, List<byte[]> records) throws Exception {
        socket.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
        socket.bind(new InetSocketAddress("127.0.0.1", 0));
        InetSocketAddress target = (InetSocketAddress) socket.getLocalAddress();
        try (DatagramChannel sender = DatagramChannel.open()) {
            long start = System.nanoTime();
            for (byte[] record : records) {
                sender.send(ByteBuffer.wrap(record), target);
            }
            return records.size() / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** The floor of any read loop on this machine: a filled socket drained by receive calls that keep nothing. */
    private static double bareReceive(List<byte[]> records) throws Exception {
        try (DatagramChannel socket = DatagramChannel.open()) {
            fill(socket, records);
            ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
            long start = System.nanoTime();
            for (int i = 0; i < FILL; i++) {
                buffer.clear();
                socket.receive(buffer);
            }
            return FILL / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** One burst's figures. */
    private record Outcome(int offered, long arrived) {
        long lost() {
            return offered - arrived;
        }
    }

    /** Sends bursts to one stack, each with a user of its own, and counts what arrived. */
    private static final class Bursts {
        private final DevStack stack;
        private final InetSocketAddress target;
        private int next;

        Bursts(DevStack stack) {
            this.stack = stack;
            URI udp = URI.create(stack.collectorUdpEndpoint());
            this.target = new InetSocketAddress(udp.getHost(), udp.getPort());
        }

        Outcome send(String name, int count, int senders, int perSecond) throws Exception {
            String user = "burst-" + next++;
            List<byte[]> records = BenchRecords.forUser(user, count, PACKAGES);
            Drops before = Drops.read(stack.collectorHttpUrl());
            double acceptedBefore = accepted();
            UdpBurst.Sent sent = UdpBurst.send(target, records, senders, perSecond);
            long arrived = StoredCount.await(stack.clickHouse(), "SELECT count() FROM pyusage.starts WHERE user = '" + user + "'",
                    count, Duration.ofMinutes(5));
            Drops drops = Drops.read(stack.collectorHttpUrl()).minus(before);
            long accepted = (long) (accepted() - acceptedBefore);
            say("  %-42s offered %,7d in %,6.0f ms (%,7.0f/s): accepted %,7d, arrived %,7d, lost %,6d; drops: kernel %,d, %s",
                    name, count, sent.nanos() / 1e6, sent.perSecond(), accepted, arrived, count - arrived, drops.kernelLong(), drops.describe());
            if (arrived != accepted) {
                say("  warning: %,d starts the collector accepted are not in ClickHouse; aggregator: %s", accepted - arrived, aggregatorState());
            }
            return new Outcome(count, arrived);
        }

        private String aggregatorState() throws Exception {
            StringBuilder state = new StringBuilder();
            for (String metric : List.of("pyusage_aggregator_starts_written_total", "pyusage_aggregator_resends_skipped_total",
                    "pyusage_aggregator_dead_lettered_total", "pyusage_aggregator_insert_errors_total", "pyusage_aggregator_paused")) {
                state.append(metric.replace("pyusage_aggregator_", "")).append(' ')
                        .append(String.format("%,.0f", MetricsText.sum(MetricsText.fetch(stack.aggregatorUrl(), metric), metric))).append("; ");
            }
            return state.toString();
        }

        private double accepted() throws Exception {
            return MetricsText.sum(MetricsText.fetch(stack.collectorHttpUrl(), "pyusage_collector_accepted_total"),
                    "pyusage_collector_accepted_total", "transport=\"udp\"");
        }
    }

    /** The collector's UDP drop counters: the kernel's, its own by reason, and rejections, as {@link #LABELS} name them. */
    private record Drops(double kernel, double[] counts) {
        /** The drop reasons, then the rejections (all reasons together). */
        static final List<String> LABELS = List.of("udp_queue_full", "buffer_full", "kafka_error", "source_not_allowed", "unauthorized",
                "rejected");
        static final List<String> REASONS = LABELS.subList(0, LABELS.size() - 1);

        static Drops read(String collectorUrl) throws Exception {
            String kernelText = MetricsText.fetch(collectorUrl, "pyusage_collector_udp_kernel_drops_total");
            String dropped = MetricsText.fetch(collectorUrl, "pyusage_collector_dropped_total");
            String rejected = MetricsText.fetch(collectorUrl, "pyusage_collector_rejected_total");
            double[] counts = new double[LABELS.size()];
            for (int i = 0; i < REASONS.size(); i++) {
                counts[i] = MetricsText.sum(dropped, "pyusage_collector_dropped_total", "transport=\"udp\"", "reason=\"" + REASONS.get(i) + "\"");
            }
            counts[REASONS.size()] = MetricsText.sum(rejected, "pyusage_collector_rejected_total", "transport=\"udp\"");
            return new Drops(MetricsText.sum(kernelText, "pyusage_collector_udp_kernel_drops_total"), counts);
        }

        Drops minus(Drops before) {
            double[] delta = new double[counts.length];
            for (int i = 0; i < counts.length; i++) {
                delta[i] = counts[i] - before.counts[i];
            }
            return new Drops(kernel - before.kernel, delta);
        }

        String describe() {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < LABELS.size(); i++) {
                text.append(i == 0 ? "" : ", ").append(LABELS.get(i)).append(' ').append(String.format("%,.0f", counts[i]));
            }
            return text.toString();
        }

        long kernelLong() {
            return (long) kernel;
        }
    }

    private static void say(String format, Object... args) {
        CollectorBenchmark.say(format, args);
    }
}
