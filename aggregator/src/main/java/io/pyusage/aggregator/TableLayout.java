package io.pyusage.aggregator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyusage.common.record.StartupRecordCodec;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * The columns the aggregator writes to a table, in the order {@link RowMapper} encodes them, and
 * how such a row reads back as a JSON object (ClickHouse's {@code JSONEachRow} form): for the
 * dead-letter copy of a row ClickHouse refused, and for the benchmark's {@code JSONEachRow} baseline.
 */
public final class TableLayout {

    enum Type { UINT8, UINT16, UINT64, FLOAT32, DATE, DATE_TIME, UUID, STRING }

    record Column(String name, Type type) {
    }

    public static final TableLayout STARTS = new TableLayout("starts", List.of(
            new Column("day", Type.DATE),
            new Column("ts", Type.DATE_TIME),
            new Column("event_id", Type.UUID),
            new Column("user", Type.STRING),
            new Column("host", Type.STRING),
            new Column("python", Type.STRING),
            new Column("impl", Type.STRING),
            new Column("executable", Type.STRING),
            new Column("base", Type.STRING),
            new Column("prefix", Type.STRING),
            new Column("venv", Type.UINT8),
            new Column("startup_ms", Type.FLOAT32),
            new Column("entry", Type.STRING),
            new Column("ci", Type.UINT8),
            new Column("interactive", Type.UINT8),
            new Column("truncated", Type.UINT8),
            new Column("env_id", Type.UINT64),
            new Column("package_count", Type.UINT16),
            new Column("source_ip", Type.STRING),
            new Column("kafka_topic", Type.STRING),
            new Column("kafka_partition", Type.UINT16),
            new Column("kafka_offset", Type.UINT64),
            new Column("clock_skewed", Type.UINT8)));

    /** What a process imported (an import record): its imported set's rows go to {@link #IMPORT_SET_PACKAGES} under {@code imports_id}. */
    public static final TableLayout START_IMPORTS = new TableLayout("start_imports", List.of(
            new Column("day", Type.DATE),
            new Column("user", Type.STRING),
            new Column("host", Type.STRING),
            new Column("base", Type.STRING),
            new Column("prefix", Type.STRING),
            new Column("python", Type.STRING),
            new Column("venv", Type.UINT8),
            new Column("imports_id", Type.UINT64),
            new Column("import_count", Type.UINT16),
            new Column("kafka_topic", Type.STRING),
            new Column("kafka_partition", Type.UINT16),
            new Column("kafka_offset", Type.UINT64),
            new Column("ci", Type.UINT8)));

    public static final TableLayout ENVIRONMENT_PACKAGES = new TableLayout("environment_packages", List.of(
            new Column("env_id", Type.UINT64),
            new Column("name", Type.STRING),
            new Column("version", Type.STRING),
            new Column("first_seen", Type.DATE)));

    /** An imported set's rows, as {@link #ENVIRONMENT_PACKAGES} holds an installed set's (the same encoding, see {@link RowMapper#packageRows}). */
    public static final TableLayout IMPORT_SET_PACKAGES = new TableLayout("import_set_packages", List.of(
            new Column("imports_id", Type.UINT64),
            new Column("name", Type.STRING),
            new Column("version", Type.STRING),
            new Column("first_seen", Type.DATE)));

    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final String table;
    private final List<Column> columns;
    private final List<String> columnNames;

    private TableLayout(String table, List<Column> columns) {
        this.table = table;
        this.columns = columns;
        this.columnNames = columns.stream().map(Column::name).toList();
    }

    public String table() {
        return table;
    }

    public List<String> columnNames() {
        return columnNames;
    }

    /** One encoded row as a JSON object; an exception when the bytes are not one row of this layout. */
    public ObjectNode json(byte[] row) {
        ByteBuffer in = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
        ObjectNode json = StartupRecordCodec.mapper().createObjectNode();
        for (Column column : columns) {
            switch (column.type()) {
                case UINT8 -> json.put(column.name(), Byte.toUnsignedInt(in.get()));
                case UINT16 -> json.put(column.name(), Short.toUnsignedInt(in.getShort()));
                case UINT64 -> json.put(column.name(), new BigInteger(Long.toUnsignedString(in.getLong())));
                case FLOAT32 -> json.put(column.name(), in.getFloat());
                case DATE -> json.put(column.name(), LocalDate.ofEpochDay(Short.toUnsignedInt(in.getShort())).toString());
                case DATE_TIME -> json.put(column.name(), DATE_TIME.format(Instant.ofEpochSecond(Integer.toUnsignedLong(in.getInt()))));
                case UUID -> json.put(column.name(), new UUID(in.getLong(), in.getLong()).toString());
                case STRING -> json.put(column.name(), string(in));
            }
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException(in.remaining() + " bytes after the last column of a " + table + " row");
        }
        return json;
    }

    /** Rows as newline-delimited JSON, for {@code INSERT ... FORMAT JSONEachRow}. */
    public byte[] jsonEachRow(EncodedRows rows) {
        StringBuilder lines = new StringBuilder(rows.bytes().length * 2);
        for (int i = 0; i < rows.size(); i++) {
            lines.append(json(rows.row(i))).append('\n');
        }
        return lines.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A refused row as an operator can read it: its JSON form, or its bytes (Base64) when they are not a row of this layout. */
    byte[] readable(byte[] row) {
        String text;
        try {
            text = json(row).toString();
        } catch (RuntimeException e) {
            text = StartupRecordCodec.mapper().createObjectNode().put("table", table)
                    .put("undecodable_row_base64", Base64.getEncoder().encodeToString(row)).toString();
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer in) {
        long length = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.get();
            length |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                break;
            }
            if (shift > 56) {
                throw new IllegalArgumentException("string length too long");
            }
        }
        if (length > in.remaining()) {
            throw new IllegalArgumentException("string of " + length + " bytes in " + in.remaining());
        }
        byte[] utf8 = new byte[(int) length];
        in.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
