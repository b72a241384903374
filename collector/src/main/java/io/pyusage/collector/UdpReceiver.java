package io.pyusage.collector;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one UDP socket on a thread of its own and only copies each datagram into a
 * {@link DatagramQueue}, so that the socket is drained as fast as it can be; decoding happens on
 * other threads. Ends when the channel is closed.
 */
public final class UdpReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(UdpReceiver.class);
    /** Room for the largest UDP payload, so that no datagram is ever cut short. */
    private static final int MAX_DATAGRAM_BYTES = 65_536;

    private final DatagramChannel channel;
    private final DatagramQueue queue;
    private final Runnable queueFull;
    private final Thread thread;

    /** {@code queueFull} runs for each datagram the queue had no room for. */
    public UdpReceiver(DatagramChannel channel, DatagramQueue queue, Runnable queueFull, String threadName) {
        this.channel = channel;
        this.queue = queue;
        this.queueFull = queueFull;
        this.thread = new Thread(this::receive, threadName);
        thread.setDaemon(true);
        // Draining the socket comes before decoding: in a burst the kernel drops what is not read in time, while
        // the queue can wait. Linux honours this only with -XX:ThreadPriorityPolicy=1, as root.
        thread.setPriority(Thread.MAX_PRIORITY);
    }

    public UdpReceiver start() {
        thread.start();
        return this;
    }

    /** Waits for the thread to end once the channel is closed. */
    public void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    private void receive() {
        // Direct: the channel receives straight into it (a heap buffer costs another copy through a temporary direct one).
        ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM_BYTES);
        while (channel.isOpen()) {
            try {
                buffer.clear();
                InetSocketAddress sender = (InetSocketAddress) channel.receive(buffer);
                byte[] bytes = new byte[buffer.flip().remaining()];
                buffer.get(bytes);
                if (!queue.offer(new DatagramQueue.Datagram(bytes, sender))) {
                    queueFull.run();
                }
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException | RuntimeException e) {
                // A transient socket error must not end the receiver.
                LOG.warn("UDP receive failed; continuing", e);
            }
        }
    }
}
