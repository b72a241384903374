package io.pyusage.query;

/** A request parameter that cannot be used; becomes a 400 that names it. */
public final class BadRequestException extends RuntimeException {

    private final String parameter;

    public BadRequestException(String parameter, String message) {
        super(parameter + " " + message, null, false, false);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
