package io.pyusage.common.record;

import java.util.Locale;
import java.util.regex.Pattern;

/** Distribution names normalised as PEP 503 says: lower case, runs of {@code -_.} become one {@code -}. */
public final class PackageNames {

    private static final Pattern SEPARATORS = Pattern.compile("[-_.]+");
    private static final Pattern NORMALISED = Pattern.compile("[a-z0-9]+(?:-[a-z0-9]+)*");

    private PackageNames() {
    }

    public static String normalise(String name) {
        return SEPARATORS.matcher(name.trim()).replaceAll("-").toLowerCase(Locale.ROOT);
    }

    public static boolean isNormalised(String name) {
        return NORMALISED.matcher(name).matches();
    }
}
