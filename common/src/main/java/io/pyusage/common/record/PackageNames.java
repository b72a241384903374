package io.pyusage.common.record;

import java.util.Locale;
import java.util.regex.Pattern;

/** Distribution names normalised as PEP 503 says: lower case, runs of {@code -_.} become one {@code -}. */
public final class PackageNames {

    private static final Pattern SEPARATORS = Pattern.compile("[-_.]+");

    private PackageNames() {
    }

    public static String normalise(String name) {
        return SEPARATORS.matcher(name.trim()).replaceAll("-").toLowerCase(Locale.ROOT);
    }

    /**
     * Whether {@code name} is already normalised: {@code [a-z0-9]+(-[a-z0-9]+)*}. Checked by hand
     * because it runs for every package of every record.
     */
    public static boolean isNormalised(String name) {
        return isNormalised(name.toCharArray(), 0, name.length());
    }

    /** The same check on {@code chars[offset, offset + length)}, as a parser holds the text. */
    public static boolean isNormalised(char[] chars, int offset, int length) {
        if (length == 0) {
            return false;
        }
        boolean afterDash = true;
        for (int i = offset; i < offset + length; i++) {
            char c = chars[i];
            if (c == '-') {
                if (afterDash) {
                    return false;
                }
                afterDash = true;
            } else if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
                afterDash = false;
            } else {
                return false;
            }
        }
        return !afterDash;
    }
}
