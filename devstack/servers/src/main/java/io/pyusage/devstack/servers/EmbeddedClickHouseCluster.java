package io.pyusage.devstack.servers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A ZooKeeper and the ClickHouse replicas of one shard on loopback, each in its own process with its
 * own folder and ports under {@code dir}, sharing their users' passwords: the replicated database a
 * site runs, on one machine. Replicas are named {@code r1}, {@code r2}, ... in the cluster {@link #CLUSTER}.
 */
public final class EmbeddedClickHouseCluster implements AutoCloseable {

    /** The cluster's name in every replica's {@code remote_servers}. */
    public static final String CLUSTER = "pyusage";

    private final EmbeddedZooKeeper zooKeeper;
    private final List<EmbeddedClickHouse> replicas = new ArrayList<>();

    /** A cluster of {@code replicaCount} replicas on free ports. */
    public static EmbeddedClickHouseCluster onFreePorts(Path dir, int replicaCount) {
        List<int[]> ports = new ArrayList<>();
        for (int i = 0; i < replicaCount; i++) {
            ports.add(new int[] {FreePorts.next(), FreePorts.next(), FreePorts.next()});
        }
        return new EmbeddedClickHouseCluster(dir, FreePorts.next(), ports);
    }

    /**
     * @param replicaPorts each replica's HTTP, native and interserver ports
     */
    public EmbeddedClickHouseCluster(Path dir, int zooKeeperPort, List<int[]> replicaPorts) {
        zooKeeper = new EmbeddedZooKeeper(dir.resolve("zookeeper"), zooKeeperPort);
        List<Integer> tcpPorts = replicaPorts.stream().map(ports -> ports[1]).toList();
        for (int i = 0; i < replicaPorts.size(); i++) {
            int[] ports = replicaPorts.get(i);
            EmbeddedClickHouse replica = new EmbeddedClickHouse(dir.resolve("clickhouse-r" + (i + 1)), ports[0], ports[1])
                    .withReplication(new EmbeddedClickHouse.Replication(CLUSTER, "r" + (i + 1), zooKeeperPort, ports[2], tcpPorts));
            if (i > 0) {
                replica.withLoginsOf(replicas.get(0));
            }
            replicas.add(replica);
        }
    }

    /** Restricts every replica's service users to {@code database} (see {@link EmbeddedClickHouse#withServiceDatabase}). */
    public EmbeddedClickHouseCluster withServiceDatabase(String database) {
        replicas.forEach(replica -> replica.withServiceDatabase(database));
        return this;
    }

    /** Runs every server in a session of its own (see {@link ChildProcess#start}): for a launcher run from a terminal. */
    public EmbeddedClickHouseCluster inOwnSession() {
        zooKeeper.inOwnSession();
        replicas.forEach(EmbeddedClickHouse::inOwnSession);
        return this;
    }

    /** Starts the ZooKeeper, then every replica (the first makes the passwords the others take). */
    public EmbeddedClickHouseCluster start() throws IOException, InterruptedException {
        zooKeeper.start();
        for (EmbeddedClickHouse replica : replicas) {
            replica.start();
        }
        return this;
    }

    public EmbeddedZooKeeper zooKeeper() {
        return zooKeeper;
    }

    /** The {@code index}-th replica, from 0. */
    public EmbeddedClickHouse replica(int index) {
        return replicas.get(index);
    }

    public List<EmbeddedClickHouse> replicas() {
        return List.copyOf(replicas);
    }

    /** Every replica's HTTP URL, comma-separated, as {@code PYUSAGE_CLICKHOUSE_URL} takes them. */
    public String urls() {
        return String.join(",", replicas.stream().map(EmbeddedClickHouse::httpUrl).toList());
    }

    @Override
    public void close() {
        replicas.forEach(EmbeddedClickHouse::close);
        zooKeeper.close();
    }
}
