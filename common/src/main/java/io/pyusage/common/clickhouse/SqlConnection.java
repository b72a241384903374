package io.pyusage.common.clickhouse;

/** A {@link SqlRunner} holding connections, closed without a checked exception. */
public interface SqlConnection extends SqlRunner, AutoCloseable {

    @Override
    void close();
}
