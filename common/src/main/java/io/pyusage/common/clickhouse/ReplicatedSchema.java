package io.pyusage.common.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The migrations' connection to a cluster's replicas of one shard ({@code PYUSAGE_CLICKHOUSE_CLUSTER}
 * with every replica in {@code PYUSAGE_CLICKHOUSE_URL}). A table or view is created or dropped on
 * each replica, its engine replicated; everything else runs on the first replica only, as
 * ClickHouse replicates it itself: inserts (backfills), {@code ALTER ... ADD/DROP COLUMN} and
 * {@code OPTIMIZE} on replicated tables go through ZooKeeper to the other replicas.
 *
 * <p>Per replica rather than {@code ON CLUSTER}: 18.16 runs {@code ON CLUSTER} only with a
 * {@code distributed_ddl} queue configured and answers only once every host has, while each
 * statement here is idempotent ({@code IF NOT EXISTS}) and a migration that stopped half-way is
 * simply run again.
 */
public final class ReplicatedSchema implements SqlConnection {

    private final String database;
    private final List<ClickHouseStore> replicas = new ArrayList<>();

    public ReplicatedSchema(ClickHouseConfig config, Map<String, String> settings) {
        this.database = config.database();
        for (URI replica : config.replicas()) {
            replicas.add(new ClickHouseStore(config.atReplica(replica), settings));
        }
    }

    /** The shards the cluster has, from the first replica's {@code system.clusters}; more than one is not supported yet. */
    public static int shards(SqlRunner store, String cluster) {
        List<JsonNode> rows = store.query("SELECT uniqExact(shard_num) AS shards FROM system.clusters WHERE cluster = " + Sql.string(cluster));
        return rows.isEmpty() ? 0 : rows.get(0).get("shards").asInt();
    }

    private ClickHouseStore first() {
        return replicas.get(0);
    }

    @Override
    public void executeSchemaChange(String ddl) {
        String replicated = ReplicatedEngines.replicated(ddl, database);
        replicas.forEach(replica -> replica.execute(replicated));
    }

    @Override
    public void execute(String sql) {
        first().execute(sql);
    }

    @Override
    public List<JsonNode> query(String sql) {
        return first().query(sql);
    }

    @Override
    public RowsPage queryPage(String sql) {
        return first().queryPage(sql);
    }

    @Override
    public void insertJsonEachRow(String table, byte[] ndjson) {
        first().insertJsonEachRow(table, ndjson);
    }

    @Override
    public void insertRowBinary(String table, List<String> columns, byte[] rows) {
        first().insertRowBinary(table, columns, rows);
    }

    @Override
    public void close() {
        replicas.forEach(ClickHouseStore::close);
    }
}
