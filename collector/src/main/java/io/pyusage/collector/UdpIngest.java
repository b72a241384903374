package io.pyusage.collector;

import io.pyusage.common.record.DecodeResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One datagram = one record; UDP never replies, so invalid datagrams and drops are only counted.
 *
 * <p>Several sockets share the port through {@code SO_REUSEPORT} (the kernel spreads senders across
 * them), each read by a thread of its own. These are plain JDK channels, not Vert.x datagram
 * sockets, because Vert.x sizes its per-read buffer to the socket's receive buffer: a kernel buffer
 * large enough for bursts of starts (megabytes) would then mean a megabyte buffer per datagram. The
 * receiving threads only decode and queue; nothing on them waits for Kafka.
 */
public final class UdpIngest implements AutoCloseable {

    static final String TRANSPORT = "udp";
    private static final Logger LOG = LoggerFactory.getLogger(UdpIngest.class);
    /** Room for the largest UDP payload, so that no datagram is ever cut short. */
    private static final int MAX_DATAGRAM_BYTES = 65_536;

    private final RecordIntake intake;
    private final int receiveBufferBytes;
    private final List<DatagramChannel> channels = new ArrayList<>();
    private final List<Thread> receivers = new ArrayList<>();

    public UdpIngest(RecordIntake intake, int receiveBufferBytes) {
        this.intake = intake;
        this.receiveBufferBytes = receiveBufferBytes;
    }

    /**
     * Binds {@code sockets} sockets to {@code host:port} and starts reading them.
     *
     * @return the receive buffer the kernel granted each socket
     */
    public synchronized int listen(String host, int port, int sockets) throws IOException {
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
        for (int i = 0; i < channels.size(); i++) {
            DatagramChannel channel = channels.get(i);
            Thread receiver = new Thread(() -> receive(channel), "udp-receiver-" + i);
            receiver.setDaemon(true);
            receiver.start();
            receivers.add(receiver);
        }
        return granted;
    }

    private void receive(DatagramChannel channel) {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM_BYTES);
        while (channel.isOpen()) {
            try {
                buffer.clear();
                SocketAddress sender = channel.receive(buffer);
                handle(buffer.array(), buffer.position(), ((InetSocketAddress) sender).getAddress().getHostAddress());
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException | RuntimeException e) {
                // One bad datagram or a transient socket error must not end the receiver.
                LOG.warn("UDP receive failed; continuing", e);
            }
        }
    }

    private void handle(byte[] bytes, int length, String sourceIp) {
        if (!intake.allowed(sourceIp)) {
            return;
        }
        if (intake.decode(bytes, 0, length) instanceof DecodeResult.Valid valid) {
            // Outcomes are counted by the intake; there is nobody to tell over UDP.
            intake.publish(valid, bytes, 0, length, sourceIp, error -> { });
        }
    }

    /** Closes the sockets; their receiving threads end. */
    @Override
    public synchronized void close() {
        for (DatagramChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("closing a UDP socket failed", e);
            }
        }
        for (Thread receiver : receivers) {
            try {
                receiver.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        channels.clear();
        receivers.clear();
    }
}
