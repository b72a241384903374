package io.pyusage.common.clickhouse;

import java.util.List;

/** One numbered schema change; its statements must be idempotent ({@code IF NOT EXISTS}). */
public record Migration(int version, String name, List<String> statements) {
}
