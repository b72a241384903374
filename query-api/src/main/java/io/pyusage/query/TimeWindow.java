package io.pyusage.query;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A window of days from request parameters: {@code since}/{@code until} as ISO dates or relative
 * ({@code 30d}, {@code 12w}); default the last 90 days up to today. Dates are bounded to what every
 * ClickHouse release stores in a {@code Date}: an ISO date outside is refused, a relative one that
 * reaches further back means "from the first day".
 *
 * @param reachesToday whether {@code until} is today or later: no start is dated after today but by
 *                     a wrong clock, so the rest of the month may be read with it (see {@link WholeMonths})
 */
public record TimeWindow(LocalDate since, LocalDate until, boolean reachesToday) {

    public static final int DEFAULT_DAYS = 90;
    /** ClickHouse's {@code Date} counts days from the Unix epoch. */
    public static final LocalDate FIRST_DAY = LocalDate.of(1970, 1, 1);
    /** The last day 18.16 and current releases agree on ({@code DateTime} ends in February 2106). */
    public static final LocalDate LAST_DAY = LocalDate.of(2105, 12, 31);
    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,4})([dw])");

    public static TimeWindow parse(String since, String until, LocalDate today) {
        LocalDate end = until == null || until.isBlank() ? today : date("until", until, today);
        LocalDate start = since == null || since.isBlank() ? end.minusDays(DEFAULT_DAYS) : date("since", since, today);
        if (start.isAfter(end)) {
            throw new BadRequestException("since", "must not be after until");
        }
        return new TimeWindow(start, end, !end.isBefore(today));
    }

    private static LocalDate date(String parameter, String value, LocalDate today) {
        Matcher relative = RELATIVE.matcher(value.trim());
        if (relative.matches()) {
            int amount = Integer.parseInt(relative.group(1));
            LocalDate date = relative.group(2).equals("d") ? today.minusDays(amount) : today.minusWeeks(amount);
            return date.isBefore(FIRST_DAY) ? FIRST_DAY : date;
        }
        LocalDate date;
        try {
            date = LocalDate.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new BadRequestException(parameter, "must be an ISO date (2026-01-31) or relative (30d, 12w)");
        }
        if (date.isBefore(FIRST_DAY) || date.isAfter(LAST_DAY)) {
            throw new BadRequestException(parameter, "must be a day from " + FIRST_DAY + " to " + LAST_DAY);
        }
        return date;
    }
}
