package io.pyusage.devstack;

import io.pyusage.common.record.StartupRecordCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A burst of start records sent over UDP as many interpreters starting at once would send them:
 * from one or several senders (each a socket of its own), at full speed or paced. Used by the burst
 * test and the collector benchmark.
 */
public final class UdpBurst {

    /** What a burst offered and how long its senders took. */
    public record Sent(int datagrams, int senders, long nanos) {
        public double perSecond() {
            return datagrams / (nanos / 1e9);
        }
    }

    private UdpBurst() {
    }

    /**
     * {@code count} valid records of about 2.3 KB (80 packages) for {@code user}, each with an event
     * id of its own, so that every one of them is a start to store.
     */
    public static List<byte[]> records(String user, int count) {
        List<byte[]> records = new ArrayList<>(count);
        byte[] id = new byte[16];
        for (int r = 0; r < count; r++) {
            ThreadLocalRandom.current().nextBytes(id);
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("schema", 1);
            record.put("event_id", HexFormat.of().formatHex(id));
            record.put("ts", System.currentTimeMillis() / 1000.0);
            record.put("user", user);
            record.put("host", "node" + (r % 500) + ".cluster.example.org");
            record.put("pid", 1000 + r % 60_000);
            record.put("python", "3.11.7");
            record.put("impl", "cpython");
            record.put("executable", "/opt/python/2023.06/bin/python3");
            record.put("base", "2023.06");
            record.put("prefix", "/home/" + user + "/venvs/array-job-" + (r % 4));
            record.put("venv", true);
            record.put("startup_ms", 20 + r % 50);
            record.put("entry", "task.py");
            record.put("ci", false);
            record.put("interactive", false);
            List<List<String>> packages = new ArrayList<>();
            for (int p = 0; p < 80; p++) {
                packages.add(List.of("package-" + p, "1." + p + "." + (r % 4)));
            }
            record.put("packages", packages);
            try {
                records.add(StartupRecordCodec.mapper().writeValueAsString(record).getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return records;
    }

    /**
     * Sends every datagram once to {@code target}, spread over {@code senders} threads that start
     * together; with {@code perSecond} > 0 the senders together keep to that rate, else each sends
     * as fast as its socket takes them.
     */
    public static Sent send(InetSocketAddress target, List<byte[]> datagrams, int senders, int perSecond) throws Exception {
        CountDownLatch ready = new CountDownLatch(senders);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            Thread thread = new Thread(() -> {
                try (DatagramChannel channel = DatagramChannel.open()) {
                    ready.countDown();
                    go.await();
                    sendShare(channel, target, datagrams, sender, senders, perSecond);
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, "udp-burst-" + s);
            thread.start();
            threads.add(thread);
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        long nanos = System.nanoTime() - start;
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Sent(datagrams.size(), senders, nanos);
    }

    /** Sender {@code sender} of {@code senders} sends datagrams sender, sender + senders, ... */
    private static void sendShare(DatagramChannel channel, InetSocketAddress target, List<byte[]> datagrams,
                                  int sender, int senders, int perSecond) throws IOException {
        double ownRate = perSecond / (double) senders;
        long start = System.nanoTime();
        long sent = 0;
        for (int i = sender; i < datagrams.size(); i += senders) {
            if (perSecond > 0) {
                long due = start + (long) (sent / ownRate * 1e9);
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
            }
            channel.send(ByteBuffer.wrap(datagrams.get(i)), target);
            sent++;
        }
    }
}
