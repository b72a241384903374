package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Rows as CSV (RFC 4180) for spreadsheets and e-mail: a header from the first row's columns, every
 * field quoted when it needs to be, lists joined with {@code "; "}.
 */
public final class Csv {

    private Csv() {
    }

    public static String of(List<JsonNode> rows) {
        StringBuilder out = new StringBuilder();
        if (rows.isEmpty()) {
            return out.toString();
        }
        List<String> columns = new ArrayList<>();
        rows.get(0).fieldNames().forEachRemaining(columns::add);
        line(out, columns);
        for (JsonNode row : rows) {
            List<String> fields = new ArrayList<>(columns.size());
            for (String column : columns) {
                fields.add(text(row.path(column)));
            }
            line(out, fields);
        }
        return out.toString();
    }

    private static String text(JsonNode value) {
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            for (Iterator<JsonNode> it = value.elements(); it.hasNext(); ) {
                items.add(it.next().asText());
            }
            return String.join("; ", items);
        }
        return value.isMissingNode() || value.isNull() ? "" : value.asText();
    }

    private static void line(StringBuilder out, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            String field = fields.get(i);
            // Cells a spreadsheet would run as a formula are quoted with a leading apostrophe.
            if (!field.isEmpty() && "=+-@".indexOf(field.charAt(0)) >= 0 && !field.matches("-?\\d+(\\.\\d+)?")) {
                field = "'" + field;
            }
            if (field.contains(",") || field.contains("\"") || field.contains("\n") || field.contains("\r")) {
                out.append('"').append(field.replace("\"", "\"\"")).append('"');
            } else {
                out.append(field);
            }
        }
        out.append("\r\n");
    }
}
