package io.pyusage.devstack;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands a ClickHouse panel's SQL as Grafana and the grafana-clickhouse-datasource plugin (v4) do:
 * dashboard variables first (Grafana), then the plugin's macros, with the expansions the plugin
 * writes (seconds for DateTime columns, dates for Date columns). An unknown macro or variable is an
 * error: the dashboards' tests and the query benchmark run the panels' SQL through it.
 */
public final class GrafanaMacros {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::(\\w+))?}|\\$(?!__)(\\w+)");
    private static final Pattern MACRO = Pattern.compile("\\$__(\\w+)(?:\\(([^)]*)\\))?");

    private final long from;
    private final long to;
    private final long intervalSeconds;
    private final Map<String, String> variables;

    public GrafanaMacros(Instant from, Instant to, long intervalSeconds, Map<String, String> variables) {
        this.from = from.getEpochSecond();
        this.to = to.getEpochSecond();
        this.intervalSeconds = intervalSeconds;
        this.variables = variables;
    }

    public String expand(String sql) {
        return expandMacros(expandVariables(sql));
    }

    private String expandVariables(String sql) {
        Matcher matcher = VARIABLE.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1) != null ? matcher.group(1) : matcher.group(3);
            String value = variables.get(name);
            if (value == null) {
                throw new IllegalArgumentException("unknown dashboard variable $" + name + " in " + sql);
            }
            // :sqlstring is Grafana's format for a quoted SQL string literal, quotes doubled.
            String replacement = "sqlstring".equals(matcher.group(2)) ? "'" + value.replace("'", "''") + "'" : value;
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private String expandMacros(String sql) {
        Matcher matcher = MACRO.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String[] args = matcher.group(2) == null ? new String[0] : matcher.group(2).split("\\s*,\\s*");
            matcher.appendReplacement(out, Matcher.quoteReplacement(macro(matcher.group(1), args)));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private String macro(String name, String[] args) {
        return switch (name) {
            case "fromTime" -> dateTime(from);
            case "toTime" -> dateTime(to);
            case "timeFilter" -> args[0] + " >= " + dateTime(from) + " AND " + args[0] + " <= " + dateTime(to);
            case "dateFilter" -> args[0] + " >= " + date(from) + " AND " + args[0] + " <= " + date(to);
            case "dt", "dateTimeFilter" -> "(" + args[0] + " >= " + date(from) + " AND " + args[0] + " <= " + date(to) + ") AND ("
                    + args[1] + " >= " + dateTime(from) + " AND " + args[1] + " <= " + dateTime(to) + ")";
            case "timeInterval" -> "toStartOfInterval(toDateTime(" + args[0] + "), INTERVAL " + intervalSeconds + " second)";
            case "interval_s" -> String.valueOf(intervalSeconds);
            default -> throw new IllegalArgumentException("macro $__" + name + " is not one the plugin expands");
        };
    }

    private static String dateTime(long epochSecond) {
        return "toDateTime(" + epochSecond + ")";
    }

    private static String date(long epochSecond) {
        return "toDate('" + Instant.ofEpochSecond(epochSecond).atOffset(ZoneOffset.UTC).toLocalDate() + "')";
    }
}
