package io.pyusage.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ReplicatedEnginesTest {

    @Test
    void aMergeTreeWithArgumentsKeepsThemAfterThePathAndReplica() {
        assertEquals("CREATE TABLE t (n UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/t', '{replica}', version) ORDER BY n",
                ReplicatedEngines.replicated("CREATE TABLE t (n UInt8) ENGINE = ReplacingMergeTree(version) ORDER BY n", "db"));
    }

    @Test
    void aMergeTreeWithEmptyOrNoParenthesesIsReplicatedToo() {
        String expected = "CREATE TABLE t (n UInt8) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/db/t', '{replica}') ORDER BY n";
        assertEquals(expected, ReplicatedEngines.replicated("CREATE TABLE t (n UInt8) ENGINE = MergeTree() ORDER BY n", "db"));
        assertEquals(expected, ReplicatedEngines.replicated("CREATE TABLE t (n UInt8) ENGINE = MergeTree ORDER BY n", "db"));
    }

    @Test
    void statementsWithoutAMergeTreeAreLeftAsTheyAre() {
        String view = "CREATE VIEW v AS SELECT 1";
        assertEquals(view, ReplicatedEngines.replicated(view, "db"));
        String memory = "CREATE TABLE m (n UInt8) ENGINE = Memory";
        assertEquals(memory, ReplicatedEngines.replicated(memory, "db"));
    }
}
