package dev.jbox.image.pull;

import dev.jbox.image.Platform;
import dev.jbox.image.registry.RegistriesConf;

/**
 * What {@code jbox pull} asks for.
 *
 * @param image the name as typed (short names resolve through registries.conf)
 * @param tlsVerify null for the registries.conf default, false for --tls-verify=false
 * @param parallel layers fetched at once
 * @param prompter asks which registry an ambiguous short name means; null (or not {@code available()}) without a terminal
 */
public record PullRequest(String image, Platform platform, Boolean tlsVerify, boolean quiet,
    boolean tty, int parallel, RegistriesConf.Prompter prompter) {}
