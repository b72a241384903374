package io.pyusage.query;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Who may read: tokens from configuration, each with a role. A token is given as
 * {@code Authorization: Bearer <token>} (scripts) or as the password of HTTP Basic authentication
 * (a browser asks for it on the built-in pages; the user name is ignored). Tokens are compared in
 * constant time.
 */
public final class ApiTokens {

    /** What a token may do; an admin may do everything a reader may. */
    public enum Role {
        READER, ADMIN;

        boolean allows(Role needed) {
            return this == ADMIN || needed == READER;
        }
    }

    private record Token(byte[] secret, Role role) {
    }

    public static final int MIN_LENGTH = 16;

    private final List<Token> tokens;

    private ApiTokens(List<Token> tokens) {
        this.tokens = tokens;
    }

    /**
     * Reads {@code token=role} pairs separated by commas (roles {@code reader}, {@code admin}); an
     * empty text configures none, and then every request is let in.
     */
    public static ApiTokens parse(String configured) {
        List<Token> tokens = new ArrayList<>();
        if (configured != null && !configured.isBlank()) {
            for (String entry : configured.split(",")) {
                int equals = entry.lastIndexOf('=');
                String secret = equals < 0 ? "" : entry.substring(0, equals).trim();
                String role = equals < 0 ? "" : entry.substring(equals + 1).trim().toUpperCase(Locale.ROOT);
                if (secret.length() < MIN_LENGTH || !(role.equals("READER") || role.equals("ADMIN"))) {
                    throw new IllegalArgumentException("each entry must be <token of at least " + MIN_LENGTH
                            + " characters>=reader|admin");
                }
                tokens.add(new Token(secret.getBytes(StandardCharsets.UTF_8), Role.valueOf(role)));
            }
        }
        return new ApiTokens(List.copyOf(tokens));
    }

    public boolean enabled() {
        return !tokens.isEmpty();
    }

    /** The role of the token in an {@code Authorization} header, if it is one of ours. */
    public Optional<Role> role(String authorization) {
        Optional<byte[]> given = secret(authorization);
        Role found = null;
        for (Token token : tokens) {
            // Every token is compared, so the time taken does not tell which one came close.
            if (given.isPresent() && MessageDigest.isEqual(token.secret(), given.get()) && found == null) {
                found = token.role();
            }
        }
        return Optional.ofNullable(found);
    }

    private static Optional<byte[]> secret(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8));
        }
        if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon < 0 ? Optional.empty() : Optional.of(decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
            } catch (IllegalArgumentException notBase64) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
