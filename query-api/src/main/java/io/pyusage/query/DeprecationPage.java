package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The deprecation report as a printable HTML page: who still starts Python on the base, and the
 * packages to rebuild, not-ready first. No script; every value is HTML-escaped.
 */
final class DeprecationPage {

    private DeprecationPage() {
    }

    static String render(Filters filters, String target, String query, List<JsonNode> remaining, List<JsonNode> packages) {
        long notReady = packages.stream().filter(p -> p.path("ready").asInt() == 0).count();
        StringBuilder html = new StringBuilder(head("Removing base " + filters.base()));
        html.append("<h1>Removing base ").append(escape(filters.base())).append("</h1>\n<p>Starts from ")
                .append(filters.window().since()).append(" to ").append(filters.window().until()).append(". Target base: <b>")
                .append(escape(target)).append("</b>. ").append(remaining.size()).append(" user/host/environment/entry combinations still start Python on it; ")
                .append(notReady).append(" of ").append(packages.size()).append(" package versions have not been seen on the target.</p>\n")
                .append("<p class=\"noprint\"><a href=\"/api/v1/reports/deprecation?").append(escape(query == null ? "" : query))
                .append("&amp;format=csv&amp;limit=10000\">Download the starts as CSV</a></p>\n");
        html.append("<h2>Who still uses it</h2>\n");
        table(html, remaining, List.of("user", "host", "prefix", "entry", "starts", "last_seen"));
        html.append("<h2>Packages in those environments</h2>\n");
        table(html, packages, List.of("name", "version", "environments", "starts", "ready"));
        return html.append("</body></html>\n").toString();
    }

    static String error(String message) {
        return head("pyusage: bad request") + "<h1>Cannot make the report</h1>\n<p>" + escape(message) + "</p>\n</body></html>\n";
    }

    private static String head(String title) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
                + "td,th{border:1px solid #999;padding:2px 6px;text-align:left}tr.notready{background:#fde2e2}"
                + "@media print{.noprint{display:none}}</style></head><body>\n";
    }

    private static void table(StringBuilder html, List<JsonNode> rows, List<String> columns) {
        html.append("<table><thead><tr>");
        columns.forEach(column -> html.append("<th>").append(escape(column)).append("</th>"));
        html.append("</tr></thead><tbody>\n");
        for (JsonNode row : rows) {
            boolean notReady = row.has("ready") && row.path("ready").asInt() == 0;
            html.append(notReady ? "<tr class=\"notready\">" : "<tr>");
            for (String column : columns) {
                String value = column.equals("ready") ? (row.path("ready").asInt() == 1 ? "yes" : "no") : row.path(column).asText();
                html.append("<td>").append(escape(value)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</tbody></table>\n");
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
