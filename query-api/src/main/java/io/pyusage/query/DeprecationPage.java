package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.RowsPage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * The deprecation report as a printable HTML page: who still starts Python on the base, and the
 * packages to rebuild, not-ready first. No script; every value is HTML-escaped.
 */
final class DeprecationPage {

    private static final String STYLE = "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
            + "td,th{border:1px solid #999;padding:2px 6px;text-align:left}tr.notready{background:#fde2e2}"
            + "@media print{.noprint{display:none}}";
    /** The page may apply its own style sheet, by its hash, and nothing else: it has no script at all. */
    static final String POLICY = "default-src 'none'; style-src 'sha256-" + sha256(STYLE) + "'; frame-ancestors 'none'; "
            + "base-uri 'none'; form-action 'none'";

    private DeprecationPage() {
    }

    static String render(Filters filters, String target, String query, RowsPage remaining, ReportPackages packages) {
        long remainingTotal = remaining.rowsBeforeLimit().orElse(remaining.rows().size());
        StringBuilder html = new StringBuilder(head("Removing base " + filters.base()));
        html.append("<h1>Removing base ").append(escape(filters.base())).append("</h1>\n<p>Starts from ")
                .append(filters.window().since()).append(" to ").append(filters.window().until()).append(". Target base: <b>")
                .append(escape(target)).append("</b>. ").append(remainingTotal).append(" user/host/environment/entry combinations still start Python on it; ")
                .append(packages.notReady()).append(" of ").append(packages.total()).append(" package versions have not been seen on the target, ")
                .append(packages.notReadyImported()).append(" of those imported on the base: those will break.</p>\n")
                .append("<p class=\"noprint\"><a href=\"/api/v1/reports/deprecation?").append(escape(query == null ? "" : query))
                .append("&amp;format=csv&amp;limit=10000\">Download the starts as CSV</a></p>\n");
        html.append("<h2>Who still uses it</h2>\n");
        shown(html, remaining.rows().size(), remainingTotal);
        table(html, remaining.rows(), List.of("user", "host", "prefix", "entry", "starts", "last_seen"));
        html.append("<h2>Packages in those environments</h2>\n");
        shown(html, packages.rows().size(), packages.total());
        table(html, packages.rows(), List.of("name", "version", "environments", "starts", "imported", "ready"));
        return html.append("</body></html>\n").toString();
    }

    /** The unused-packages report: the base's packages no process on it imported, and how many starts sent an import record. */
    static String renderUnused(Filters filters, String query, RowsPage unused, JsonNode coverage) {
        long total = unused.rowsBeforeLimit().orElse(unused.rows().size());
        StringBuilder html = new StringBuilder(head("Unused on base " + filters.base()));
        html.append("<h1>Installed and never imported on base ").append(escape(filters.base())).append("</h1>\n<p>Starts from ")
                .append(filters.window().since()).append(" to ").append(filters.window().until()).append(": ")
                .append(coverage.path("starts").asLong()).append(" starts, ").append(coverage.path("import_records").asLong())
                .append(" import records. ").append(total).append(" installed packages were not imported by any of them.</p>\n")
                .append("<p class=\"noprint\"><a href=\"/api/v1/reports/unused?").append(escape(query == null ? "" : query))
                .append("&amp;format=csv&amp;limit=10000\">Download as CSV</a></p>\n");
        shown(html, unused.rows().size(), total);
        table(html, unused.rows(), List.of("name", "versions", "environments", "users"));
        return html.append("</body></html>\n").toString();
    }

    /** Says what a bounded table leaves out. */
    private static void shown(StringBuilder html, int shown, long total) {
        if (shown < total) {
            html.append("<p>The first ").append(shown).append(" of ").append(total).append(" rows; the API pages through all of them.</p>\n");
        }
    }

    static String error(String message) {
        return head("pyusage: bad request") + "<h1>Cannot make the report</h1>\n<p>" + escape(message) + "</p>\n</body></html>\n";
    }

    private static String head(String title) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n"
                + "<style>" + STYLE + "</style></head><body>\n";
    }

    private static void table(StringBuilder html, List<JsonNode> rows, List<String> columns) {
        html.append("<table><thead><tr>");
        columns.forEach(column -> html.append("<th>").append(escape(column)).append("</th>"));
        html.append("</tr></thead><tbody>\n");
        for (JsonNode row : rows) {
            boolean notReady = row.has("ready") && row.path("ready").asInt() == 0;
            html.append(notReady ? "<tr class=\"notready\">" : "<tr>");
            for (String column : columns) {
                JsonNode cell = row.path(column);
                String value = column.equals("ready") || column.equals("imported") ? (row.path(column).asInt() == 1 ? "yes" : "no")
                        : cell.isArray() ? joined(cell) : cell.asText();
                html.append("<td>").append(escape(value)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</tbody></table>\n");
    }

    /** The items of a JSON array, comma-separated. */
    private static String joined(JsonNode array) {
        List<String> items = new java.util.ArrayList<>();
        array.forEach(item -> items.add(item.asText()));
        return String.join(", ", items);
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
