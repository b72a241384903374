package io.pyusage.devstack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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
