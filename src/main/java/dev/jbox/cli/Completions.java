package dev.jbox.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Generates jbox's shell completions for bash, zsh and fish at build time (Maven runs
 * {@code Completions DIR} at {@code package}) from the model the CLI itself parses with: picocli's
 * {@link CommandSpec} of every command in {@link PicoMain#SUBCOMMANDS} (a command added there is
 * completed without any change here) and, for {@code run}, which skips picocli, the option table
 * {@link RunOptions#TABLE}. Positional parameters labelled SANDBOX complete the user's sandbox
 * names and ids, IMAGE the stored image names (both asked from {@code jbox ps}/{@code jbox images}
 * at completion time); option values come from picocli's completion candidates, a value label
 * naming a DIR or FILE, or {@link #VALUES} for {@code run}'s table.
 */
public final class Completions {
  private Completions() {}

  /** The fixed values of run's options that have them (the parsers' words; see jbox-run(1)). */
  static final Map<String, String> VALUES = Map.of(
      "network", "pasta slirp4netns none host ns:",
      "pull", "missing always never newer",
      "storage-driver", "overlay fuse-overlayfs",
      "pid", "private host ns:",
      "ipc", "private host ns:",
      "uts", "private host ns:",
      "cgroupns", "private host ns:",
      "security-opt", "seccomp=unconfined no-new-privileges no-new-privileges=false",
      "read-only-tmpfs", "true false");

  /** One option: its names, whether it takes a value, the value words or a kind (dir, file). */
  record Opt(List<String> names, boolean takesValue, String values, String kind, String help) {}

  /** One command: its path ("image inspect"), aliases, options, subcommands and first positional's kind. */
  record Cmd(String path, List<String> aliases, String help, List<Opt> options, List<String> subs, String positional) {}

  /** The model: every command and subcommand, run's from its table. */
  static List<Cmd> model() {
    CommandLine cl = new CommandLine(new PicoMain());
    for (Class<?> c : PicoMain.SUBCOMMANDS) cl.addSubcommand(c);
    List<Cmd> out = new ArrayList<>();
    out.add(of("", cl.getCommandSpec()));
    for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
      CommandSpec s = e.getValue().getCommandSpec();
      if (!e.getKey().equals(s.name())) continue; // an alias
      if (s.name().equals("run")) {
        out.add(run(s));
        continue;
      }
      walk(s.name(), s, out);
    }
    return out;
  }

  private static void walk(String path, CommandSpec s, List<Cmd> out) {
    out.add(of(path, s));
    for (Map.Entry<String, CommandLine> e : s.subcommands().entrySet()) {
      CommandSpec sub = e.getValue().getCommandSpec();
      if (e.getKey().equals(sub.name())) walk(path + " " + sub.name(), sub, out);
    }
  }

  private static String first(String[] lines) {
    return lines.length == 0 ? "" : lines[0];
  }

  private static Cmd of(String path, CommandSpec s) {
    List<Opt> opts = new ArrayList<>();
    for (OptionSpec o : s.options()) {
      boolean value = o.arity().max() > 0 && !o.typeInfo().isBoolean();
      StringBuilder vals = new StringBuilder();
      if (value && o.completionCandidates() != null) {
        for (String c : o.completionCandidates()) vals.append(vals.length() == 0 ? "" : " ").append(c);
      }
      if (value && vals.length() == 0 && o.longestName().equals("--format")) vals.append("table json");
      opts.add(new Opt(List.of(o.names()), value, vals.toString(), kind(o.paramLabel()), first(o.description())));
    }
    List<String> subs = new ArrayList<>();
    for (Map.Entry<String, CommandLine> e : s.subcommands().entrySet()) subs.add(e.getKey());
    String pos = "";
    for (PositionalParamSpec p : s.positionalParameters()) {
      if (p.index().min() == 0) pos = positional(p.paramLabel());
    }
    return new Cmd(path, List.of(s.aliases()), first(s.usageMessage().description()), opts, subs, pos);
  }

  private static Cmd run(CommandSpec s) {
    List<Opt> opts = new ArrayList<>();
    for (RunOptions.Opt o : RunOptions.TABLE) {
      List<String> names = new ArrayList<>();
      if (o.shortName() != null) names.add("-" + o.shortName());
      names.add("--" + o.longName());
      boolean value = o.valueLabel() != null;
      String vals = VALUES.getOrDefault(o.longName(), "");
      opts.add(new Opt(names, value, vals, kind(o.valueLabel()), o.help()));
    }
    return new Cmd("run", List.of(s.aliases()), first(s.usageMessage().description()), opts, List.of(), "image");
  }

  private static String kind(String label) {
    if (label == null) return "";
    String l = label.replace("<", "").replace(">", "");
    if (l.equals("DIR") || l.startsWith("DIR")) return "dir";
    if (l.contains("FILE") || l.startsWith("HOST:")) return "file";
    return "";
  }

  private static String positional(String label) {
    String l = label.replace("<", "").replace(">", "");
    if (l.equals("SANDBOX")) return "sandbox";
    if (l.equals("IMAGE")) return "image";
    if (l.equals("COMMAND")) return "command";
    return "";
  }

  static String sq(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** The bash script; zsh sources the same through bashcompinit. */
  static String bash(List<Cmd> model, String fn) {
    StringBuilder b = new StringBuilder();
    b.append("# jbox completion for bash (and zsh through bashcompinit). Generated at build time by\n")
        .append("# dev.jbox.cli.Completions from the CLI's own option model: do not edit.\n");
    Map<String, String> opts = new LinkedHashMap<>(), vopts = new LinkedHashMap<>(), subs = new LinkedHashMap<>(),
        pos = new LinkedHashMap<>(), vals = new LinkedHashMap<>(), kinds = new LinkedHashMap<>();
    for (Cmd c : model) {
      String key = c.path().isEmpty() ? "@" : c.path(); // bash arrays take no empty key
      StringBuilder o = new StringBuilder(), v = new StringBuilder();
      for (Opt op : c.options()) {
        for (String n : op.names()) {
          o.append(' ').append(n);
          if (op.takesValue()) v.append(' ').append(n);
          if (!op.values().isEmpty()) vals.put(key + "|" + n, op.values());
          if (!op.kind().isEmpty()) kinds.put(key + "|" + n, op.kind());
        }
      }
      opts.put(key, o.toString().trim());
      vopts.put(key, v.toString().trim());
      List<String> s = new ArrayList<>(c.subs());
      if (!s.isEmpty()) subs.put(key, String.join(" ", s));
      if (!c.positional().isEmpty()) pos.put(key, c.positional());
    }
    array(b, fn + "_opts", opts);
    array(b, fn + "_vopts", vopts);
    array(b, fn + "_subs", subs);
    array(b, fn + "_pos", pos);
    array(b, fn + "_vals", vals);
    array(b, fn + "_kinds", kinds);
    b.append(BASH_FUNCTIONS.replace("_JBOX", fn));
    return b.toString();
  }

  private static void array(StringBuilder b, String name, Map<String, String> m) {
    b.append("declare -gA ").append(name).append("=(\n");
    for (Map.Entry<String, String> e : m.entrySet()) {
      b.append("  [").append(sq(e.getKey())).append("]=").append(sq(e.getValue())).append('\n');
    }
    b.append(")\n");
  }

  /** The completion logic, the same for every model (_JBOX is the function-name prefix). */
  static final String BASH_FUNCTIONS = """
      _JBOX_sandboxes() {
        "$1" ps -a --format json 2>/dev/null | grep -o '"\\(id\\|name\\)": *"[^"]*"' | sed -e 's/.*: *"//' -e 's/"$//' \\
          | while read -r w; do [ ${#w} = 64 ] && w=${w:0:12}; [ -n "$w" ] && echo "$w"; done
      }
      _JBOX_images() {
        "$1" images --format json 2>/dev/null | tr -d '\\n' | grep -o '"Names": *\\[[^]]*\\]' | grep -o '"[^"]*"' | grep -v '^"Names"$' | tr -d '"'
      }
      _JBOX_values() {  # PATH OPTION CUR [PREFIX]
        local key="$1|$2" v
        v=${_JBOX_vals[$key]-}
        if [ -n "$v" ]; then
          COMPREPLY=($(compgen -P "${4-}" -W "$v" -- "$3"))
        else
          case ${_JBOX_kinds[$key]-} in
            dir) COMPREPLY=($(compgen -P "${4-}" -d -- "$3")) ;;
            file) COMPREPLY=($(compgen -P "${4-}" -f -- "$3")) ;;
            *) COMPREPLY=() ;;
          esac
        fi
      }
      _JBOX() {
        local cur=${COMP_WORDS[COMP_CWORD]} jbox=${COMP_WORDS[0]} path=@ npos=0 skip=0 i w
        for ((i = 1; i < COMP_CWORD; i++)); do
          w=${COMP_WORDS[i]}
          if [ $skip = 1 ]; then skip=0; continue; fi
          case $w in
            =) skip=1 ;;
            -*=*) ;;
            -*) [ $npos = 0 ] && [[ " ${_JBOX_vopts[$path]-} " == *" $w "* ]] && [ "${COMP_WORDS[i+1]-}" != "=" ] && skip=1 ;;
            *)
              if [ "$path" = @ ]; then path=$w
              elif [ $npos = 0 ] && [[ " ${_JBOX_subs[$path]-} " == *" $w "* ]]; then path="$path $w"
              else npos=$((npos + 1)); fi ;;
          esac
        done
        [ -n "${_JBOX_opts[$path]+x}" ] || return  # not a command of jbox
        local prev=${COMP_WORDS[COMP_CWORD-1]-} opt=""
        if [ $npos = 0 ] || [ "$path" != run ]; then
          if [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then opt=${COMP_WORDS[COMP_CWORD-2]}
          elif [ "$cur" = "=" ]; then opt=$prev; cur=""
          elif [[ $cur == --*=* ]]; then _JBOX_values "$path" "${cur%%=*}" "${cur#*=}" "${cur%%=*}="; return
          elif [[ $prev == -* ]] && [[ " ${_JBOX_vopts[$path]-} " == *" $prev "* ]]; then opt=$prev
          fi
        fi
        if [ -n "$opt" ]; then _JBOX_values "$path" "$opt" "$cur"; return; fi
        if [[ $cur == -* ]] && { [ $npos = 0 ] || [ "$path" != run ]; }; then
          COMPREPLY=($(compgen -W "${_JBOX_opts[$path]-}" -- "$cur")); return
        fi
        if [ $npos = 0 ] && [ -n "${_JBOX_subs[$path]-}" ]; then
          COMPREPLY=($(compgen -W "${_JBOX_subs[$path]}" -- "$cur")); return
        fi
        [ $npos = 0 ] || [[ " ${_JBOX_pos[$path]-} " == " sandbox " ]] || return
        case ${_JBOX_pos[$path]-} in
          sandbox) COMPREPLY=($(compgen -W "$(_JBOX_sandboxes "$jbox")" -- "$cur")) ;;
          image)
            local c
            for c in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do [ "$c" = --rootfs ] && return; done
            COMPREPLY=($(compgen -W "$(_JBOX_images "$jbox")" -- "$cur")) ;;
        esac
      }
      """;

  static String bashFile(List<Cmd> model) {
    return bash(model, "_jbox") + "complete -o default -F _jbox jbox\n";
  }

  /** zsh: the bash completion through bashcompinit, as a #compdef function file. */
  static String zsh(List<Cmd> model) {
    return "#compdef jbox\n"
        + "# jbox completion for zsh: the generated bash completion run through bashcompinit.\n"
        + "autoload -U +X bashcompinit && bashcompinit\n"
        + bash(model, "_jbox_bash")
        + "complete -o default -F _jbox_bash jbox\n"
        + "_bash_complete -o default -F _jbox_bash \"$@\"\n";
  }

  /** fish: complete lines per command, option and positional kind. */
  static String fish(List<Cmd> model) {
    StringBuilder b = new StringBuilder();
    b.append("# jbox completion for fish. Generated at build time by dev.jbox.cli.Completions from the\n")
        .append("# CLI's own option model: do not edit.\n")
        .append("function __jbox_sandboxes\n  command -q jbox; or return\n  jbox ps -a --format json 2>/dev/null | string match -r -g '\"(?:id|name)\": *\"([^\"]+)\"' | string replace -r '^([0-9a-f]{12})[0-9a-f]{52}$' '$1'\nend\n")
        .append("function __jbox_images\n  command -q jbox; or return\n  jbox images --format json 2>/dev/null | string join '' | string match -r -g '\"Names\": *\\[([^]]*)\\]' | string split , | string trim -c '\" '\nend\n")
        .append("complete -c jbox -f\n");
    List<String> top = new ArrayList<>();
    for (Cmd c : model) if (!c.path().isEmpty() && !c.path().contains(" ")) top.add(c.path());
    for (Cmd c : model) {
      String cond;
      if (c.path().isEmpty()) {
        cond = "__fish_use_subcommand";
      } else {
        String[] parts = c.path().split(" ");
        StringBuilder k = new StringBuilder("__fish_seen_subcommand_from " + parts[0]);
        for (int i = 1; i < parts.length; i++) k.append("; and __fish_seen_subcommand_from ").append(parts[i]);
        if (!c.subs().isEmpty()) k.append("; and not __fish_seen_subcommand_from ").append(String.join(" ", c.subs()));
        cond = k.toString();
      }
      if (c.path().isEmpty()) {
        for (Cmd t : model) {
          if (!t.path().isEmpty() && !t.path().contains(" ")) {
            b.append("complete -c jbox -n __fish_use_subcommand -a ").append(sq(t.path())).append(" -d ").append(sq(t.help())).append('\n');
          }
        }
      } else if (!c.subs().isEmpty()) {
        b.append("complete -c jbox -n ").append(sq(cond)).append(" -a ").append(sq(String.join(" ", c.subs()))).append('\n');
      }
      for (Opt o : c.options()) {
        b.append("complete -c jbox -n ").append(sq(cond));
        for (String n : o.names()) {
          if (n.startsWith("--")) b.append(" -l ").append(n.substring(2));
          else b.append(" -s ").append(n.substring(1));
        }
        if (o.takesValue()) {
          b.append(o.kind().isEmpty() ? " -x" : " -r -F");
          if (!o.values().isEmpty()) b.append(" -a ").append(sq(o.values()));
        }
        b.append(" -d ").append(sq(o.help())).append('\n');
      }
      if (c.positional().equals("sandbox")) b.append("complete -c jbox -n ").append(sq(cond)).append(" -a '(__jbox_sandboxes)'\n");
      if (c.positional().equals("image")) b.append("complete -c jbox -n ").append(sq(cond)).append(" -a '(__jbox_images)'\n");
    }
    return b.toString();
  }

  /** Writes jbox.bash, _jbox and jbox.fish into DIR. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    List<Cmd> m = model();
    Files.writeString(dir.resolve("jbox.bash"), bashFile(m), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("_jbox"), zsh(m), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("jbox.fish"), fish(m), StandardCharsets.UTF_8);
  }
}
