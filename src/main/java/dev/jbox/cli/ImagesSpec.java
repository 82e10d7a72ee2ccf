package dev.jbox.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The picocli spec of images, tag and rmi, in a superclass: FastArgs sets the command's fields by reflection,
 * which resolves the type of every field its class declares, and CommandSpec would load picocli.
 */
abstract class ImagesSpec {
  @Spec CommandSpec spec;
}
