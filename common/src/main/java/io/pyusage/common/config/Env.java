package io.pyusage.common.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads configuration from environment variables with documented defaults. Every problem is
 * collected, and {@link #validate()} fails once with all of them, so an operator fixes a bad
 * deployment in one go instead of one variable per restart.
 */
public final class Env {

    private final Map<String, String> variables;
    private final List<String> problems = new ArrayList<>();

    public Env(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    /**
     * The process environment over the variables of {@code --env-file FILE} when the arguments name
     * one (a variable set in both is taken from the environment, so one setting can be tried out
     * over a deployment's file); any other argument is a usage error.
     */
    public static Env fromArguments(String... args) {
        Map<String, String> variables = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if ("--env-file".equals(args[i]) && i + 1 < args.length) {
                variables.putAll(EnvFile.read(Path.of(args[++i])));
            } else if (args[i].startsWith("--env-file=")) {
                variables.putAll(EnvFile.read(Path.of(args[i].substring("--env-file=".length()))));
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i] + " (the only one is --env-file FILE)");
            }
        }
        variables.putAll(System.getenv());
        return new Env(variables);
    }

    public String string(String name, String defaultValue) {
        String value = variables.get(name);
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    /**
     * A setting without a default: missing, it is a problem that says what it is for. Deployments
     * name their own servers; no default points at the embedded default's.
     */
    public String required(String name, String purpose) {
        String value = string(name, null);
        if (value == null) {
            problems.add(name + " is required: " + purpose);
            return "";
        }
        return value;
    }

    /** A required http(s) URL (see {@link #required}); an unusable placeholder when missing, as the configuration is then refused. */
    public URI requiredHttpUrl(String name, String purpose) {
        String unset = "http://unset.invalid";
        if (string(name, null) == null) {
            required(name, purpose);
            return URI.create(unset);
        }
        return httpUrl(name, unset);
    }

    /**
     * A required comma-separated list of http(s) URLs (the replicas of one ClickHouse shard, say), in
     * the order given; each is checked as {@link #httpUrl} checks one.
     */
    public List<URI> requiredHttpUrls(String name, String purpose) {
        if (string(name, null) == null) {
            required(name, purpose);
            return List.of(URI.create("http://unset.invalid"));
        }
        List<URI> urls = new ArrayList<>();
        for (String part : string(name, null).split(",")) {
            String value = part.trim();
            checkedHttpUrl(name + ": " + value, value).ifPresent(urls::add);
        }
        return urls.isEmpty() ? List.of(URI.create("http://unset.invalid")) : List.copyOf(urls);
    }

    public int integer(String name, int defaultValue, int min, int max) {
        String value = variables.get(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < min || parsed > max) {
                problems.add(name + "=" + value + " is outside " + min + ".." + max);
                return defaultValue;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add(name + "=" + value + " is not a whole number");
            return defaultValue;
        }
    }

    public int port(String name, int defaultValue) {
        return integer(name, defaultValue, 1, 65_535);
    }

    public Duration millis(String name, long defaultMillis, long min, long max) {
        return Duration.ofMillis(integer(name, (int) defaultMillis, (int) min, (int) max));
    }

    public boolean bool(String name, boolean defaultValue) {
        String value = variables.get(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        return switch (value.trim().toLowerCase()) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off" -> false;
            default -> {
                problems.add(name + "=" + value + " is not true/false");
                yield defaultValue;
            }
        };
    }

    public URI httpUrl(String name, String defaultValue) {
        String value = string(name, defaultValue);
        return checkedHttpUrl(name + "=" + value, value).orElse(URI.create(defaultValue));
    }

    /** {@code value} as an http(s) URL with a host, or empty with a problem that names it as {@code shown}. */
    private Optional<URI> checkedHttpUrl(String shown, String value) {
        try {
            URI uri = URI.create(value);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                problems.add(shown + " is not an http(s) URL with a host");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (IllegalArgumentException e) {
            problems.add(shown + " is not a URL: " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * A value read by {@code parser}, which throws {@link IllegalArgumentException} with a message
     * for a bad value; the default text is parsed when the variable is unset.
     */
    public <T> T parsed(String name, String defaultValue, Function<String, T> parser) {
        String value = string(name, defaultValue);
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            problems.add(name + ": " + e.getMessage());
            return parser.apply(defaultValue);
        }
    }

    /** Records a cross-field problem found by a config record's own checks. */
    public void require(boolean condition, String problem) {
        if (!condition) {
            problems.add(problem);
        }
    }

    /** Fails with every problem found so far. */
    public void validate() {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration:\n  " + String.join("\n  ", problems));
        }
    }
}
