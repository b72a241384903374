package io.pyusage.collector;

import io.pyusage.common.record.DecodeResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;

/** One datagram = one record. UDP never replies: invalid datagrams and drops are only counted. */
public final class UdpIngest {

    static final String TRANSPORT = "udp";
    /** Kernel receive buffer asked for; bursts of starts (a cluster job launching) arrive together. */
    private static final int RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

    private final RecordIntake intake;
    private DatagramSocket socket;

    public UdpIngest(RecordIntake intake) {
        this.intake = intake;
    }

    public Future<DatagramSocket> listen(Vertx vertx, String host, int port) {
        socket = vertx.createDatagramSocket(new DatagramSocketOptions().setReceiveBufferSize(RECEIVE_BUFFER_BYTES));
        socket.handler(packet -> {
            Buffer data = packet.data();
            byte[] bytes = data.getBytes();
            if (intake.decode(TRANSPORT, bytes, 0, bytes.length) instanceof DecodeResult.Valid valid) {
                // Failures are counted by the intake; there is nobody to tell over UDP.
                intake.publish(TRANSPORT, valid, packet.sender().host());
            }
        });
        return socket.listen(port, host);
    }

    public Future<Void> close() {
        return socket == null ? Future.succeededFuture() : socket.close();
    }
}
