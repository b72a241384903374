package io.pyusage.devstack.servers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * Kafka brokers on loopback forming one KRaft cluster, every node a broker and a controller, each in
 * its own JVM with its own folder and ports under {@code dir}: the replicated Kafka a site runs, on
 * one machine. A node killed or stopped comes back on its own data with {@link #broker}{@code (i).start()}.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private final List<EmbeddedKafka> brokers = new ArrayList<>();

    /** A cluster of {@code nodes} brokers on free ports. */
    public static EmbeddedKafkaCluster onFreePorts(Path dir, int nodes) {
        List<int[]> ports = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            ports.add(new int[] {FreePorts.next(), FreePorts.next()});
        }
        return new EmbeddedKafkaCluster(dir, ports, Uuid.randomUuid().toString());
    }

    /**
     * @param ports     each node's client and controller port
     * @param clusterId the id the nodes' log directories are formatted with (kept with them once formatted)
     */
    public EmbeddedKafkaCluster(Path dir, List<int[]> ports, String clusterId) {
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            voters.add((i + 1) + "@127.0.0.1:" + ports.get(i)[1]);
        }
        for (int i = 0; i < ports.size(); i++) {
            brokers.add(new EmbeddedKafka(dir.resolve("broker-" + (i + 1)), ports.get(i)[0], ports.get(i)[1])
                    .asClusterMember(new EmbeddedKafka.ClusterMember(i + 1, String.join(",", voters), clusterId, ports.size())));
        }
    }

    /** Runs every broker in a session of its own (see {@link ChildProcess#start}): for a launcher run from a terminal. */
    public EmbeddedKafkaCluster inOwnSession() {
        brokers.forEach(EmbeddedKafka::inOwnSession);
        return this;
    }

    /** Starts every node, then waits for each to answer: a node answers only once a majority runs. */
    public EmbeddedKafkaCluster start() throws IOException, InterruptedException {
        for (EmbeddedKafka broker : brokers) {
            broker.launch();
        }
        for (EmbeddedKafka broker : brokers) {
            broker.awaitReady();
        }
        return this;
    }

    /** The {@code index}-th broker, from 0. */
    public EmbeddedKafka broker(int index) {
        return brokers.get(index);
    }

    /** Every node's address, as {@code PYUSAGE_KAFKA_BOOTSTRAP} takes them. */
    public String bootstrapServers() {
        return String.join(",", brokers.stream().map(EmbeddedKafka::bootstrapServers).toList());
    }

    @Override
    public void close() {
        brokers.forEach(EmbeddedKafka::close);
    }
}
