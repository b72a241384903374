package io.pyusage.collector;

import java.net.InetSocketAddress;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Datagrams received and not yet decoded, bounded by their total size: the UDP reading threads
 * only copy a datagram here and go back to the socket, so that a burst is held in the heap rather
 * than overflowing the kernel's receive buffer while records are being decoded.
 */
public final class DatagramQueue {

    /** One datagram's bytes and its sender. */
    public record Datagram(byte[] bytes, InetSocketAddress sender) {
    }

    private final LinkedBlockingQueue<Datagram> queue = new LinkedBlockingQueue<>();
    private final AtomicLong bytes = new AtomicLong();
    private final long maxBytes;

    public DatagramQueue(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** False, and nothing queued, when the datagram would take the queue past its bound. */
    public boolean offer(Datagram datagram) {
        int size = datagram.bytes().length;
        if (bytes.addAndGet(size) > maxBytes) {
            bytes.addAndGet(-size);
            return false;
        }
        queue.add(datagram);
        return true;
    }

    /** The oldest datagram, waiting up to {@code timeoutMillis}; null if none came. */
    public Datagram poll(long timeoutMillis) throws InterruptedException {
        Datagram datagram = queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (datagram != null) {
            bytes.addAndGet(-datagram.bytes().length);
        }
        return datagram;
    }

    public long queuedBytes() {
        return bytes.get();
    }

    public int queuedDatagrams() {
        return queue.size();
    }
}
