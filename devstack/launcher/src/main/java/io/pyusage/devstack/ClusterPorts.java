package io.pyusage.devstack;

import io.pyusage.common.config.Env;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Every port of the embedded cluster, laid out from one base ({@code PYUSAGE_CLUSTER_PORT_BASE},
 * default 20000; see docs/operations.md): ZooKeeper {@code base}, ClickHouse replica {@code i} (from 1)
 * HTTP {@code base+10i}, native {@code +1}, interserver {@code +2}; Kafka broker {@code i} {@code base+30+2(i-1)},
 * its controller {@code +1}; collector {@code i} UDP {@code base+40+(i-1)}, HTTP {@code base+42+(i-1)};
 * aggregator {@code i} {@code base+44+(i-1)}; the query API {@code base+46}.
 */
public record ClusterPorts(int base) {

    static final int REPLICAS = 2;
    static final int BROKERS = 3;
    static final int COLLECTORS = 2;
    static final int AGGREGATORS = 2;

    public static ClusterPorts from(Env env) {
        ClusterPorts ports = new ClusterPorts(env.integer("PYUSAGE_CLUSTER_PORT_BASE", 20000, 1024, 65535 - 50));
        env.validate();
        return ports;
    }

    int zooKeeper() {
        return base;
    }

    /** HTTP, native and interserver port of replica {@code i} (from 1). */
    int[] replica(int i) {
        return new int[] {base + 10 * i, base + 10 * i + 1, base + 10 * i + 2};
    }

    /** Client and controller port of broker {@code i} (from 1). */
    int[] broker(int i) {
        return new int[] {base + 30 + 2 * (i - 1), base + 31 + 2 * (i - 1)};
    }

    int collectorUdp(int i) {
        return base + 40 + (i - 1);
    }

    int collectorHttp(int i) {
        return base + 42 + (i - 1);
    }

    int aggregator(int i) {
        return base + 44 + (i - 1);
    }

    int queryApi() {
        return base + 46;
    }

    List<int[]> replicas() {
        return IntStream.rangeClosed(1, REPLICAS).mapToObj(this::replica).toList();
    }

    List<int[]> brokers() {
        return IntStream.rangeClosed(1, BROKERS).mapToObj(this::broker).toList();
    }
}
