package dev.jbox.image.unpack;

import dev.jbox.json.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The second JVM that unpacks and deletes layers as root in the user's user namespace (so files
 * get their image owners as subordinate ids). Reads one JSON request per line on stdin, answers
 * one JSON line per request on stdout, runs up to 4 requests at once, exits at end of input.
 *
 * <pre>
 * {"id":"1","op":"unpack","blob":B,"dest":D,"name":N,"ownership":true,
 *  "maxBytes":..,"maxEntries":..,"maxPath":..}
 *   → {"id":"1","ok":true,"diffId":..,"entries":..,"size":..,"devices":..,"notes":[..],
 *      "uidMap":..,"gidMap":..}
 *   ("follow":true reads B.partial while it is being downloaded, see FollowInputStream)
 * {"op":"cancel","target":"1"}  the download of a follow-mode unpack failed (no answer)
 * {"id":"2","op":"delete","paths":[P...]}  → {"id":"2","ok":true}
 * {"id":"3","op":"copyup","layers":[L...],"path":REL,"dest":D}  → {"id":"3","ok":true,"entries":N}
 *   (a volume's copy-up, see CopyUp: layers top first)
 * failure → {"id":..,"ok":false,"error":"one line"}
 * </pre>
 */
public final class UnpackMain {
  private UnpackMain() {}

  /** Ids of follow-mode unpacks whose download failed. */
  private static final java.util.Set<String> CANCELLED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      Map<String, Object> req = Json.parseObject(line);
      if ("cancel".equals(req.get("op"))) {
        CANCELLED.add((String) req.get("target"));
        continue;
      }
      pool.submit(() -> {
        Map<String, Object> resp = handle(req);
        synchronized (out) {
          out.println(Json.write(resp));
          out.flush();
        }
      });
    }
    // End of input: the parent has every answer it waited for, or it died (SIGKILL). Either way
    // stop now rather than keep writing into layers whose locks are gone; a half-written layer
    // keeps its incomplete marker and the next pull removes it.
    out.flush();
    System.exit(0);
  }

  /** One request (the protocol above); public for the CDS training run, which walks it in-process. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> handle(Map<String, Object> req) {
    Map<String, Object> resp = new LinkedHashMap<>();
    resp.put("id", req.get("id"));
    try {
      if ("delete".equals(req.get("op"))) {
        for (Object p : (List<Object>) req.get("paths")) Tree.delete(Path.of((String) p));
      } else if ("copyup".equals(req.get("op"))) {
        List<Path> layers = new ArrayList<>();
        for (Object l : (List<Object>) req.get("layers")) layers.add(Path.of((String) l));
        resp.put("entries", CopyUp.copy(layers, (String) req.get("path"), Path.of((String) req.get("dest"))));
      } else if ("unpack".equals(req.get("op"))) {
        UnpackLimits lim = new UnpackLimits(num(req, "maxBytes"), num(req, "maxEntries"),
            (int) num(req, "maxPath"), req.containsKey("minFree") ? num(req, "minFree") : -1);
        LayerExtractor.Options o = new LayerExtractor.Options(
            Boolean.TRUE.equals(req.get("ownership")), lim, (String) req.get("name"));
        LayerExtractor.Result r;
        String id = (String) req.get("id");
        Path blobPath = Path.of((String) req.get("blob"));
        try (InputStream blob = Boolean.TRUE.equals(req.get("follow"))
            ? new FollowInputStream(blobPath, () -> CANCELLED.contains(id))
            : Files.newInputStream(blobPath)) {
          r = LayerExtractor.extract(blob, Path.of((String) req.get("dest")), o);
        }
        resp.put("diffId", r.diffId());
        resp.put("entries", r.entries());
        resp.put("size", r.bytes());
        resp.put("devices", r.devicesSkipped());
        resp.put("notes", new ArrayList<Object>(r.notes()));
        resp.put("uidMap", IdMaps.read("/proc/self/uid_map"));
        resp.put("gidMap", IdMaps.read("/proc/self/gid_map"));
      } else {
        throw new IllegalArgumentException("unknown op " + req.get("op"));
      }
      resp.put("ok", true);
    } catch (Exception | Error e) {
      resp.put("ok", false);
      resp.put("error", e.getMessage() == null ? e.toString() : e.getMessage());
    }
    return resp;
  }

  private static long num(Map<String, Object> req, String k) {
    return ((Number) req.get(k)).longValue();
  }
}
