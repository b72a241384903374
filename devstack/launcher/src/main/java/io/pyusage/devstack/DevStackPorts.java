package io.pyusage.devstack;

import io.pyusage.common.config.Env;
import io.pyusage.devstack.servers.FreePorts;

/** Every port of the embedded default, each overridable by an environment variable (see the README). */
public record DevStackPorts(int kafka, int kafkaController, int clickHouseHttp, int clickHouseTcp,
                            int collectorUdp, int collectorHttp, int queryApi, int aggregator) {

    public static DevStackPorts from(Env env) {
        DevStackPorts ports = new DevStackPorts(
                env.port("PYUSAGE_DEVSTACK_KAFKA_PORT", 19092),
                env.port("PYUSAGE_DEVSTACK_KAFKA_CONTROLLER_PORT", 19093),
                env.port("PYUSAGE_DEVSTACK_CLICKHOUSE_HTTP_PORT", 18123),
                env.port("PYUSAGE_DEVSTACK_CLICKHOUSE_TCP_PORT", 19000),
                env.port("PYUSAGE_COLLECTOR_UDP_PORT", 8514),
                env.port("PYUSAGE_COLLECTOR_HTTP_PORT", 8080),
                env.port("PYUSAGE_QUERY_HTTP_PORT", 8081),
                env.port("PYUSAGE_AGGREGATOR_HTTP_PORT", 8082));
        env.validate();
        return ports;
    }

    /** Free ports, so tests never collide with each other or with a running {@code ./pyusage up}. */
    public static DevStackPorts free() {
        return new DevStackPorts(FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(),
                FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next());
    }
}
