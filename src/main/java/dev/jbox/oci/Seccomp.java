package dev.jbox.oci;

import dev.jbox.JboxException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * config.json's {@code linux.seccomp} (the OCI JSON profile) compiled to a classic-BPF program,
 * which the helper installs as the last step before the command's execve (plan tag 44). Policy in
 * Java: the helper only checks the program's shape and hands it to the kernel.
 *
 * <p>Shape of the program (x86_64 hosts; the kernel reports i386 and x32 calls with their own
 * audit arch and the x32 bit respectively):
 *
 * <pre>
 *   load arch ─ x86_64 ─ load nr ─ nr has the x32 bit ─ X32 listed ? x32 section : bad arch
 *                                 └ x86_64 section
 *             ─ i386 and SCMP_ARCH_X86 listed ─ i386 section
 *             ─ anything else: bad arch (SECCOMP_RET_KILL_PROCESS, libseccomp's default)
 *   section:  load nr; "nr == N → body of N" per named call; [nr above the highest named call →
 *             ENOSYS]; the default action
 *   body:     each rule with argument conditions in profile order (first match returns its
 *             action), then the call's unconditional action, else the default action
 * </pre>
 *
 * <p>What follows runc with libseccomp: unknown syscall names are skipped (per ABI: a name the
 * ABI lacks is skipped there); conditions of one entry are ANDed, unless two of them name the
 * same argument, when each becomes a rule of its own (ORed); arguments are compared as 64-bit
 * values, as two 32-bit halves; calls numbered above every call the profile names answer ENOSYS
 * when the default action refuses, so that a C library falls back from a call newer than the
 * profile (runc's "enosys stub"). Where several rules of different actions match one call, the
 * first conditional rule that matches wins and the unconditional one is the fallback.
 */
final class Seccomp {
  private Seccomp() {}

  // linux/seccomp.h
  static final int RET_KILL_PROCESS = 0x80000000;
  static final int RET_KILL_THREAD = 0;
  static final int RET_TRAP = 0x00030000;
  static final int RET_ERRNO = 0x00050000;
  static final int RET_TRACE = 0x7ff00000;
  static final int RET_LOG = 0x7ffc0000;
  static final int RET_ALLOW = 0x7fff0000;
  static final int FLAG_TSYNC = 1, FLAG_LOG = 2, FLAG_SPEC_ALLOW = 4;
  // linux/audit.h
  static final int AUDIT_ARCH_X86_64 = 0xc000003e;
  static final int AUDIT_ARCH_I386 = 0x40000003;
  static final int X32_BIT = 0x40000000;
  // linux/filter.h (classic BPF)
  static final int LD_W_ABS = 0x20;
  static final int JMP_JA = 0x05;
  static final int JEQ_K = 0x15;
  static final int JGT_K = 0x25;
  static final int JGE_K = 0x35;
  static final int RET_K = 0x06;
  static final int ALU_AND_K = 0x54;
  static final int MAX_INSNS = 4096;
  private static final int EPERM = 1, ENOSYS = 38;
  // offsets in struct seccomp_data
  private static final int OFF_NR = 0, OFF_ARCH = 4, OFF_ARGS = 16;

  static final List<String> ACTIONS = List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
      "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG");
  static final List<String> OPERATORS = List.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
      "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
  static final List<String> ARCHES = List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
  static final Map<String, Integer> FLAGS = Map.of("SECCOMP_FILTER_FLAG_TSYNC", FLAG_TSYNC, "SECCOMP_FILTER_FLAG_LOG", FLAG_LOG,
      "SECCOMP_FILTER_FLAG_SPEC_ALLOW", FLAG_SPEC_ALLOW);
  /** Architectures of other machines: accepted and without effect, since this kernel never reports them. */
  private static final Set<String> FOREIGN_ARCHES = Set.of("SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
      "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
      "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
      "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB");

  /** One classic-BPF instruction (struct sock_filter). */
  record Insn(int code, int jt, int jf, int k) {}

  /** A compiled profile: the seccomp(2) flags and the program. */
  record Program(int flags, List<Insn> insns) {
    /** The plan record's value: decimal flags, a space, then 16 hex digits per instruction (code, jt, jf, k). */
    String planValue() {
      StringBuilder b = new StringBuilder(12 + insns.size() * 16).append(flags).append(' ');
      for (Insn i : insns) b.append(String.format("%04x%02x%02x%08x", i.code, i.jt, i.jf, i.k));
      return b.toString();
    }
  }

  /** The ABIs of an x86_64 kernel, as columns of syscalls.txt. */
  enum Abi { X86_64, X86, X32 }

  private static volatile Map<String, int[]> table;

  /** NAME → numbers per {@link Abi} (-1: not on that ABI), from the generated syscalls.txt. */
  static Map<String, int[]> table() {
    Map<String, int[]> t = table;
    if (t != null) return t;
    t = new HashMap<>(1024);
    try (InputStream in = Seccomp.class.getResourceAsStream("syscalls.txt")) {
      if (in == null) throw new JboxException("syscalls.txt is missing from the jar");
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      for (String l; (l = r.readLine()) != null;) {
        if (l.startsWith("#") || l.isBlank()) continue;
        String[] f = l.split(" ");
        int[] n = new int[3];
        for (int i = 0; i < 3; i++) n[i] = f[i + 1].equals("-") ? -1 : Integer.parseInt(f[i + 1]);
        t.put(f[0], n);
      }
    } catch (IOException e) {
      throw new JboxException("read syscalls.txt: " + e.getMessage());
    }
    table = t;
    return t;
  }

  private record Cond(int index, String op, long value, long valueTwo) {}

  /** A rule: its conditions (ANDed; none = unconditional) and its action. */
  private record Rule(List<Cond> conds, int action) {}

  /** Compiles {@code seccomp} (linux.seccomp); names that no ABI knows are added to {@code skipped}. */
  static Program compile(Map<String, Object> seccomp, List<String> skipped) {
    String os = System.getProperty("os.arch");
    if (!os.equals("amd64") && !os.equals("x86_64")) {
      throw OciConfig.bad("linux.seccomp: profiles are compiled for x86_64 hosts only (this is " + os + ")");
    }
    Object da = seccomp.get("defaultAction");
    if (!(da instanceof String)) throw OciConfig.bad("linux.seccomp.defaultAction is missing");
    int dflt = action((String) da, seccomp.get("defaultErrnoRet"), "linux.seccomp.defaultAction");
    Set<Abi> abis = new HashSet<>();
    abis.add(Abi.X86_64); // the native ABI is always in the filter, as with libseccomp
    for (String a : OciConfig.strings(seccomp, "architectures")) {
      switch (a) {
        case "SCMP_ARCH_X86_64" -> abis.add(Abi.X86_64);
        case "SCMP_ARCH_X86" -> abis.add(Abi.X86);
        case "SCMP_ARCH_X32" -> abis.add(Abi.X32);
        default -> {
          if (!FOREIGN_ARCHES.contains(a)) throw OciConfig.bad("linux.seccomp: unknown architecture `" + a + "`");
        }
      }
    }
    int flags = 0;
    for (String f : OciConfig.strings(seccomp, "flags")) {
      Integer v = FLAGS.get(f);
      if (v == null) {
        throw OciConfig.bad("linux.seccomp: flag `" + f + "` not supported (" + String.join(", ", new java.util.TreeSet<>(FLAGS.keySet())) + ")");
      }
      flags |= v;
    }
    if (seccomp.get("listenerPath") != null && !"".equals(seccomp.get("listenerPath"))) {
      throw OciConfig.bad("linux.seccomp.listenerPath: SCMP_ACT_NOTIFY is not supported");
    }

    // per ABI: call number → its rules, in the profile's order of first mention
    Map<Abi, Map<Integer, List<Rule>>> rules = new HashMap<>();
    for (Abi a : Abi.values()) rules.put(a, new LinkedHashMap<>());
    Map<String, int[]> names = table();
    for (Object o : OciConfig.list(seccomp, "syscalls")) {
      Map<String, Object> s = OciConfig.asObj(o, "linux.seccomp.syscalls[]");
      List<String> ns = new ArrayList<>(OciConfig.strings(s, "names"));
      if (s.get("name") instanceof String n) ns.add(n); // the pre-1.0 spelling
      if (ns.isEmpty()) throw OciConfig.bad("linux.seccomp.syscalls[] has no names");
      Object act = s.get("action");
      if (!(act instanceof String)) throw OciConfig.bad("linux.seccomp.syscalls[] (" + ns.get(0) + ") has no action");
      int action = action((String) act, s.get("errnoRet"), "linux.seccomp.syscalls[] (" + ns.get(0) + ")");
      List<Cond> conds = new ArrayList<>();
      Set<Integer> indexes = new HashSet<>();
      boolean repeated = false;
      for (Object c : OciConfig.list(s, "args")) {
        Map<String, Object> m = OciConfig.asObj(c, "linux.seccomp.syscalls[].args[]");
        long index = OciConfig.num(m, "index", -1);
        if (index < 0 || index > 5) throw OciConfig.bad("linux.seccomp: argument index " + index + " (" + ns.get(0) + ") is not 0 to 5");
        Object op = m.get("op");
        if (!(op instanceof String) || !OPERATORS.contains(op)) {
          throw OciConfig.bad("linux.seccomp: unknown operator `" + op + "` (" + ns.get(0) + "; one of " + String.join(", ", OPERATORS) + ")");
        }
        conds.add(new Cond((int) index, (String) op, u64(m.get("value"), "value"), u64(m.get("valueTwo"), "valueTwo")));
        repeated |= !indexes.add((int) index);
      }
      List<Rule> made = new ArrayList<>();
      if (repeated) {
        for (Cond c : conds) made.add(new Rule(List.of(c), action));
      } else {
        made.add(new Rule(conds, action));
      }
      for (String n : ns) {
        int[] nr = names.get(n);
        if (nr == null) {
          skipped.add(n);
          continue;
        }
        for (Abi a : abis) {
          if (nr[a.ordinal()] < 0) continue;
          rules.get(a).computeIfAbsent(nr[a.ordinal()], k -> new ArrayList<>()).addAll(made);
        }
      }
    }
    boolean stub = (dflt & 0xffff0000) != RET_ALLOW && (dflt & 0xffff0000) != RET_LOG && dflt != (RET_ERRNO | ENOSYS);
    Asm asm = new Asm();
    int x8664 = asm.label(), x86 = asm.label(), x32 = asm.label();
    asm.load(OFF_ARCH);
    asm.jumpIfEq(AUDIT_ARCH_X86_64, x8664);
    if (abis.contains(Abi.X86)) asm.jumpIfEq(AUDIT_ARCH_I386, x86);
    asm.ret(RET_KILL_PROCESS); // an ABI the profile does not list
    asm.bind(x8664);
    asm.load(OFF_NR);
    if (abis.contains(Abi.X32)) {
      asm.jumpIfGe(X32_BIT, x32);
    } else {
      asm.emit(JGE_K, X32_BIT, Asm.NEXT, Asm.SKIP1);
      asm.ret(RET_KILL_PROCESS);
    }
    section(asm, rules.get(Abi.X86_64), dflt, stub);
    if (abis.contains(Abi.X86)) {
      asm.bind(x86);
      section(asm, rules.get(Abi.X86), dflt, stub);
    }
    if (abis.contains(Abi.X32)) {
      asm.bind(x32);
      section(asm, rules.get(Abi.X32), dflt, stub);
    }
    List<Insn> insns = asm.resolve();
    if (insns.size() > MAX_INSNS) {
      throw OciConfig.bad("linux.seccomp: the profile compiles to " + insns.size() + " BPF instructions, more than the kernel's " + MAX_INSNS);
    }
    return new Program(flags, insns);
  }

  private static void section(Asm asm, Map<Integer, List<Rule>> calls, int dflt, boolean stub) {
    asm.load(OFF_NR);
    Map<Integer, Integer> bodies = new LinkedHashMap<>();
    int max = -1;
    for (int nr : calls.keySet()) {
      int body = asm.label();
      bodies.put(nr, body);
      asm.jumpIfEq(nr, body);
      max = Math.max(max, nr);
    }
    if (stub && max >= 0) {
      asm.emit(JGT_K, max, Asm.NEXT, Asm.SKIP1);
      asm.ret(RET_ERRNO | ENOSYS);
    }
    asm.ret(dflt);
    for (Map.Entry<Integer, List<Rule>> e : calls.entrySet()) {
      asm.bind(bodies.get(e.getKey()));
      Integer unconditional = null;
      for (Rule r : e.getValue()) {
        if (r.conds.isEmpty()) {
          if (unconditional == null) unconditional = r.action;
          continue;
        }
        int next = asm.label();
        for (Cond c : r.conds) cond(asm, c, next);
        asm.ret(r.action);
        asm.bind(next);
      }
      asm.ret(unconditional == null ? dflt : unconditional);
    }
  }

  /** Falls through when the condition holds, jumps to {@code fail} when not. A is clobbered. */
  private static void cond(Asm asm, Cond c, int fail) {
    int lo = OFF_ARGS + 8 * c.index, hi = lo + 4; // little endian
    int vlo = (int) c.value, vhi = (int) (c.value >>> 32);
    int ok = asm.label();
    switch (c.op) {
      case "SCMP_CMP_EQ" -> {
        asm.load(hi);
        asm.emit(JEQ_K, vhi, Asm.NEXT, fail);
        asm.load(lo);
        asm.emit(JEQ_K, vlo, Asm.NEXT, fail);
      }
      case "SCMP_CMP_NE" -> {
        asm.load(hi);
        asm.emit(JEQ_K, vhi, Asm.NEXT, ok);
        asm.load(lo);
        asm.emit(JEQ_K, vlo, fail, Asm.NEXT);
      }
      case "SCMP_CMP_GT", "SCMP_CMP_GE" -> {
        asm.load(hi);
        asm.emit(JGT_K, vhi, ok, Asm.NEXT);
        asm.emit(JEQ_K, vhi, Asm.NEXT, fail);
        asm.load(lo);
        asm.emit(c.op.equals("SCMP_CMP_GT") ? JGT_K : JGE_K, vlo, Asm.NEXT, fail);
      }
      case "SCMP_CMP_LT", "SCMP_CMP_LE" -> {
        asm.load(hi);
        asm.emit(JGT_K, vhi, fail, Asm.NEXT);
        asm.emit(JEQ_K, vhi, Asm.NEXT, ok);
        asm.load(lo);
        asm.emit(c.op.equals("SCMP_CMP_LT") ? JGE_K : JGT_K, vlo, fail, Asm.NEXT);
      }
      case "SCMP_CMP_MASKED_EQ" -> {
        int thi = (int) (c.valueTwo >>> 32), tlo = (int) c.valueTwo;
        asm.load(hi);
        asm.emit(ALU_AND_K, vhi, 0, 0);
        asm.emit(JEQ_K, thi, Asm.NEXT, fail);
        asm.load(lo);
        asm.emit(ALU_AND_K, vlo, 0, 0);
        asm.emit(JEQ_K, tlo, Asm.NEXT, fail);
      }
      default -> throw new IllegalStateException(c.op);
    }
    asm.bind(ok);
  }

  static int action(String name, Object errnoRet, String what) {
    int errno = errnoRet == null ? EPERM : (int) OciConfig.asLong(errnoRet, what + ".errnoRet");
    if (errnoRet != null && (errno < 0 || errno > 0xffff)) throw OciConfig.bad(what + ": errnoRet " + errno + " out of range");
    return switch (name) {
      case "SCMP_ACT_ALLOW" -> RET_ALLOW;
      case "SCMP_ACT_ERRNO" -> RET_ERRNO | errno;
      case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> RET_KILL_THREAD;
      case "SCMP_ACT_KILL_PROCESS" -> RET_KILL_PROCESS;
      case "SCMP_ACT_TRAP" -> RET_TRAP;
      case "SCMP_ACT_TRACE" -> RET_TRACE | errno;
      case "SCMP_ACT_LOG" -> RET_LOG;
      case "SCMP_ACT_NOTIFY" -> throw OciConfig.bad(what + ": SCMP_ACT_NOTIFY is not supported");
      default -> throw OciConfig.bad(what + ": unknown action `" + name + "` (one of " + String.join(", ", ACTIONS) + ")");
    };
  }

  private static long u64(Object o, String what) {
    if (o == null) return 0;
    if (o instanceof Long l && l >= 0) return l;
    if (o instanceof BigDecimal d && d.signum() >= 0 && d.scale() <= 0) {
      BigInteger i = d.toBigInteger();
      if (i.bitLength() <= 64) return i.longValue();
    }
    throw OciConfig.bad("linux.seccomp: argument " + what + " `" + o + "` is not an unsigned 64-bit integer");
  }

  /** A small assembler: instructions whose jump targets are labels, resolved to offsets. */
  static final class Asm {
    static final int NEXT = -1, SKIP1 = -2;
    private final List<int[]> code = new ArrayList<>(); // {code, jt, jf, k}: jt/jf labels, NEXT or SKIP1
    private final List<Integer> labels = new ArrayList<>();

    int label() {
      labels.add(-1);
      return labels.size() - 1;
    }

    void bind(int label) {
      labels.set(label, code.size());
    }

    void emit(int op, int k, int jt, int jf) {
      code.add(new int[] {op, jt, jf, k});
    }

    void load(int offset) {
      emit(LD_W_ABS, offset, 0, 0);
    }

    void ret(int action) {
      emit(RET_K, action, 0, 0);
    }

    /** Two instructions, so that the target may be any distance away: if A == k, jump to label. */
    void jumpIfEq(int k, int label) {
      emit(JEQ_K, k, NEXT, SKIP1);
      emit(JMP_JA, label, 0, 0);
    }

    void jumpIfGe(int k, int label) {
      emit(JGE_K, k, NEXT, SKIP1);
      emit(JMP_JA, label, 0, 0);
    }

    List<Insn> resolve() {
      List<Insn> out = new ArrayList<>(code.size());
      for (int pc = 0; pc < code.size(); pc++) {
        int[] c = code.get(pc);
        if (c[0] == JMP_JA) {
          out.add(new Insn(c[0], 0, 0, target(c[3], pc)));
        } else if ((c[0] & 0x07) == 0x05) {
          out.add(new Insn(c[0], near(c[1], pc), near(c[2], pc), c[3]));
        } else {
          out.add(new Insn(c[0], 0, 0, c[3]));
        }
      }
      return out;
    }

    private int target(int label, int pc) {
      int at = labels.get(label);
      if (at <= pc) throw new IllegalStateException("backward or unbound label " + label);
      return at - pc - 1;
    }

    private int near(int j, int pc) {
      if (j == NEXT) return 0;
      if (j == SKIP1) return 1;
      int off = target(j, pc);
      if (off > 255) throw new IllegalStateException("conditional jump of " + off);
      return off;
    }
  }
}
