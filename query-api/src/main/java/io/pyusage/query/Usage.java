package io.pyusage.query;

/**
 * Which use of a package an answer counts ({@code usage=}): installed in the environment a process
 * started in (the default), or imported by the process (its import record).
 */
public enum Usage {
    INSTALLED, IMPORTED;

    /** The {@code usage} parameter's value; absent means {@link #INSTALLED}. */
    public static Usage from(String value) {
        if (value == null || value.isBlank() || value.equals("installed")) {
            return INSTALLED;
        }
        if (value.equals("imported")) {
            return IMPORTED;
        }
        throw new BadRequestException("usage", "must be installed or imported");
    }

    /** Where this use is counted, per set, user, prefix and base. */
    EnvironmentStarts.Source source() {
        return this == INSTALLED ? EnvironmentStarts.Source.INSTALLED : EnvironmentStarts.Source.IMPORTED;
    }
}
