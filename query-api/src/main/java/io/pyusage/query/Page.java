package io.pyusage.query;

import java.util.List;
import java.util.function.Function;

/** Which rows of a list to answer: {@code limit} (1..10000, default 100) from {@code offset} (default 0). */
public record Page(int limit, int offset) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;
    private static final int MAX_OFFSET = 10_000_000;

    public static Page from(Function<String, String> parameter) {
        return from(parameter, "");
    }

    /** The page of a side list, from {@code <prefix>limit} and {@code <prefix>offset}. */
    public static Page from(Function<String, String> parameter, String prefix) {
        return new Page(number(parameter, prefix + "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
                number(parameter, prefix + "offset", 0, 0, MAX_OFFSET));
    }

    /** The rows of this page among {@code all}. */
    public <T> List<T> of(List<T> all) {
        int from = Math.min(offset, all.size());
        return all.subList(from, Math.min(all.size(), from + limit));
    }

    private static int number(Function<String, String> parameter, String name, int defaultValue, int min, int max) {
        String value = parameter.apply(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int number = Integer.parseInt(value.trim());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new BadRequestException(name, "must be a whole number from " + min + " to " + max);
    }
}
