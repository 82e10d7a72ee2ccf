package dev.jbox.image.unpack;

import java.util.Map;

/**
 * One tar header after GNU long names and PAX records are applied.
 *
 * @param name the raw member name as the archive spells it (not yet normalized)
 * @param type the POSIX type flag ('0' regular, '1' hard link, '2' symlink, '3' char, '4' block,
 *     '5' directory, '6' FIFO)
 * @param mode permission bits including setuid/setgid/sticky (07777)
 * @param mtimeSeconds modification time in seconds since the epoch
 * @param xattrs extended attributes from {@code SCHILY.xattr.*} PAX records
 */
public record TarEntry(
    String name,
    char type,
    int mode,
    long uid,
    long gid,
    long size,
    long mtimeSeconds,
    String linkName,
    int devMajor,
    int devMinor,
    Map<String, byte[]> xattrs) {

  public boolean isRegular() {
    return type == '0' || type == '\0' || type == '7';
  }
}
