package dev.jbox.image.registry;

import java.io.IOException;

/** GET {@code /v2/}: whether the registry speaks the distribution API and accepts our credentials. */
final class ApiVersionChecker implements RegistryEndpoint<Boolean> {
  private final String registry;

  ApiVersionChecker(String registry) {
    this.registry = registry;
  }

  @Override
  public String actionDescription() {
    return "check the registry API of " + registry;
  }

  @Override
  public String path() {
    return "/v2/";
  }

  @Override
  public Boolean handle(Response r) throws IOException {
    return Boolean.TRUE;
  }
}
