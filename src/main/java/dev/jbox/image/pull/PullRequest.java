package dev.jbox.image.pull;

import dev.jbox.image.Platform;

/**
 * What {@code jbox pull} asks for.
 *
 * @param image the name as typed (short names resolve through registries.conf)
 * @param tlsVerify null for the registries.conf default, false for --tls-verify=false
 * @param parallel layers fetched at once
 */
public record PullRequest(String image, Platform platform, Boolean tlsVerify, boolean quiet,
    boolean tty, int parallel) {}
