package io.pyusage.collector;

import io.pyusage.common.record.DecodeResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One datagram = one record; UDP never replies, so invalid datagrams and drops are only counted.
 *
 * <p>Several sockets share the port through {@code SO_REUSEPORT} (the kernel spreads senders across
 * them), each read by a {@link UdpReceiver} that only copies each datagram into a {@link DatagramQueue}
 * and goes back to the socket: a socket whose reader also decoded overflowed within milliseconds of
 * a burst. Decoder threads take the datagrams from the queue, check sender and token, decode,
 * validate and hand them to Kafka. These are plain JDK channels, not Vert.x datagram sockets,
 * because Vert.x sizes its per-read buffer to the socket's receive buffer (megabytes, for bursts).
 */
public final class UdpIngest implements AutoCloseable {

    static final String TRANSPORT = "udp";
    private static final Logger LOG = LoggerFactory.getLogger(UdpIngest.class);
    private static final long POLL_MILLIS = 200;

    private final RecordIntake intake;
    private final IngestToken token;
    private final int receiveBufferBytes;
    private final DatagramQueue queue;
    private final List<DatagramChannel> channels = new ArrayList<>();
    private final List<UdpReceiver> receivers = new ArrayList<>();
    private final List<Thread> decoderThreads = new ArrayList<>();
    private volatile boolean running;

    public UdpIngest(RecordIntake intake, IngestToken token, int receiveBufferBytes, long queueBytes) {
        this.intake = intake;
        this.token = token;
        this.receiveBufferBytes = receiveBufferBytes;
        this.queue = new DatagramQueue(queueBytes);
    }

    /**
     * Binds {@code sockets} sockets to {@code host:port} and starts reading them, with {@code decoders} decoder threads.
     *
     * @return the receive buffer the kernel granted each socket
     */
    public synchronized int listen(String host, int port, int sockets, int decoders) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        int granted = 0;
        try {
            for (int i = 0; i < sockets; i++) {
                DatagramChannel channel = DatagramChannel.open();
                channels.add(channel);
                channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferBytes);
                if (sockets > 1) {
                    channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                channel.bind(address);
                granted = channel.getOption(StandardSocketOptions.SO_RCVBUF);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        running = true;
        for (int i = 0; i < channels.size(); i++) {
            receivers.add(new UdpReceiver(channels.get(i), queue, () -> intake.droppedUndecoded(RecordIntake.QUEUE_FULL),
                    "udp-receiver-" + i).start());
        }
        for (int i = 0; i < decoders; i++) {
            Thread decoder = new Thread(this::decode, "udp-decoder-" + i);
            decoder.setDaemon(true);
            decoder.start();
            decoderThreads.add(decoder);
        }
        return granted;
    }

    /** A decoder thread: until closed, and then until the queue is empty. */
    private void decode() {
        while (true) {
            try {
                DatagramQueue.Datagram datagram = queue.poll(POLL_MILLIS);
                if (datagram != null) {
                    handle(datagram.bytes(), datagram.sender().getAddress().getHostAddress());
                } else if (!running) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // One bad datagram must not end the decoder.
                LOG.warn("UDP record handling failed; continuing", e);
            }
        }
    }

    private void handle(byte[] bytes, String sourceIp) {
        if (!intake.allowed(sourceIp)) {
            return;
        }
        IngestToken.Admitted admitted = token.admitsDatagram(bytes, bytes.length);
        if (!intake.authorized(admitted.allowed())) {
            return;
        }
        int offset = admitted.offset();
        int length = bytes.length - offset;
        if (intake.decode(bytes, offset, length) instanceof DecodeResult.Valid valid) {
            // Outcomes are counted by the intake; there is nobody to tell over UDP.
            intake.publish(valid, bytes, offset, length, sourceIp, error -> { });
        }
    }

    /** Bytes of datagrams received and not yet decoded. */
    public long queuedBytes() {
        return queue.queuedBytes();
    }

    /** Datagrams received and not yet decoded. */
    public int queuedDatagrams() {
        return queue.queuedDatagrams();
    }

    /** Closes the sockets; the decoders finish what was queued, then all threads end. */
    @Override
    public synchronized void close() {
        for (DatagramChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("closing a UDP socket failed", e);
            }
        }
        running = false;
        try {
            for (UdpReceiver receiver : receivers) {
                receiver.join(5_000);
            }
            for (Thread decoder : decoderThreads) {
                decoder.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        channels.clear();
        receivers.clear();
        decoderThreads.clear();
    }
}
