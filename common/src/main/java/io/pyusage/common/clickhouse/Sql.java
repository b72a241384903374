package io.pyusage.common.clickhouse;

import java.time.LocalDate;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one place where values become SQL text. ClickHouse 18.16 has no server-side query parameters,
 * so values are bound client-side here: strings are quoted with every character that could end or
 * bend a literal escaped; identifiers come only from a whitelist.
 */
public final class Sql {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    private Sql() {
    }

    public static boolean isIdentifier(String name) {
        return name != null && IDENTIFIER.matcher(name).matches();
    }

    /** {@code name} if it is one of {@code allowed}, else an exception: never user text as an identifier. */
    public static String identifier(String name, Set<String> allowed) {
        if (!allowed.contains(name) || !isIdentifier(name)) {
            throw new IllegalArgumentException("not an allowed identifier: " + name);
        }
        return name;
    }

    /** A single-quoted ClickHouse string literal holding exactly {@code value}. */
    public static String string(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\'' -> out.append("\\'");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\0' -> out.append("\\0");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('\'').toString();
    }

    public static String date(LocalDate date) {
        return "toDate(" + string(date.toString()) + ")";
    }
}
