package dev.jbox.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jbox.JboxException;
import dev.jbox.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The OCI seccomp compiler, checked by running its programs in a classic-BPF interpreter written
 * here from the kernel's rules (linux/filter.h, seccomp_check_filter: forward jumps only, inside
 * the program, every path ending in a return, at most 4096 instructions).
 */
class SeccompTest {
  static final int X86_64 = Seccomp.AUDIT_ARCH_X86_64, I386 = Seccomp.AUDIT_ARCH_I386;
  static final int ALLOW = Seccomp.RET_ALLOW, EPERM = Seccomp.RET_ERRNO | 1, ENOSYS = Seccomp.RET_ERRNO | 38;
  static final int NR_PERSONALITY = 135, NR_SOCKET = 41, NR_GETPID = 39, NR_MSEAL = 462;

  /** Runs the program on one seccomp_data: nr, arch, args (64-bit each). */
  static int run(List<Seccomp.Insn> prog, int nr, int arch, long... args) {
    assertTrue(prog.size() >= 1 && prog.size() <= 4096, "length " + prog.size());
    int[] data = new int[16]; // 64 bytes: nr, arch, ip (2 words), args (12 words, low word first)
    data[0] = nr;
    data[1] = arch;
    for (int i = 0; i < args.length; i++) {
      data[4 + 2 * i] = (int) args[i];
      data[5 + 2 * i] = (int) (args[i] >>> 32);
    }
    int a = 0;
    for (int pc = 0, steps = 0; pc < prog.size(); pc++, steps++) {
      Seccomp.Insn in = prog.get(pc);
      switch (in.code()) {
        case Seccomp.LD_W_ABS -> {
          if (in.k() % 4 != 0 || in.k() < 0 || in.k() >= 64) fail("load of offset " + in.k());
          a = data[in.k() / 4];
        }
        case Seccomp.ALU_AND_K -> a &= in.k();
        case Seccomp.RET_K -> {
          return in.k();
        }
        case Seccomp.JMP_JA -> pc += in.k();
        case Seccomp.JEQ_K -> pc += a == in.k() ? in.jt() : in.jf();
        case Seccomp.JGT_K -> pc += Integer.compareUnsigned(a, in.k()) > 0 ? in.jt() : in.jf();
        case Seccomp.JGE_K -> pc += Integer.compareUnsigned(a, in.k()) >= 0 ? in.jt() : in.jf();
        default -> fail("instruction " + Integer.toHexString(in.code()) + " at " + pc);
      }
      if (pc + 1 >= prog.size()) fail("jump past the end from " + pc);
    }
    return fail("fell off the end");
  }

  static Map<String, Object> profile(String json) {
    return Json.parseObject(json.replace('\'', '"'));
  }

  static Seccomp.Program compile(String json) {
    return Seccomp.compile(profile(json), new ArrayList<>());
  }

  @Test
  void allowList_listedCallsAllowed_othersDefaultErrno_newerCallsEnosys() {
    Seccomp.Program p = compile("{'defaultAction':'SCMP_ACT_ERRNO','architectures':['SCMP_ARCH_X86_64'],"
        + "'syscalls':[{'names':['getpid','personality','no_such_call'],'action':'SCMP_ACT_ALLOW'}]}");
    assertEquals(ALLOW, run(p.insns(), NR_GETPID, X86_64));
    assertEquals(ALLOW, run(p.insns(), NR_PERSONALITY, X86_64, 8));
    assertEquals(EPERM, run(p.insns(), NR_SOCKET, X86_64));
    assertEquals(EPERM, run(p.insns(), 0, X86_64));
    // above the highest call the profile names: ENOSYS, so that libc falls back (runc's stub)
    assertEquals(ENOSYS, run(p.insns(), NR_PERSONALITY + 1, X86_64));
    assertEquals(ENOSYS, run(p.insns(), NR_MSEAL, X86_64));
    // i386 is not listed, nor is x32: the bad-arch action
    assertEquals(Seccomp.RET_KILL_PROCESS, run(p.insns(), 20, I386));
    assertEquals(Seccomp.RET_KILL_PROCESS, run(p.insns(), NR_GETPID | Seccomp.X32_BIT, X86_64));
    assertEquals(Seccomp.RET_KILL_PROCESS, run(p.insns(), NR_GETPID, 0xc00000b7 /* aarch64 */));
  }

  @Test
  void denyList_errnoRetAndDefaultErrnoRet_andNoStubUnderAllow() {
    Seccomp.Program p = compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid'],"
        + "'action':'SCMP_ACT_ERRNO','errnoRet':13},{'names':['socket'],'action':'SCMP_ACT_ERRNO'}]}");
    assertEquals(Seccomp.RET_ERRNO | 13, run(p.insns(), NR_GETPID, X86_64));
    assertEquals(EPERM, run(p.insns(), NR_SOCKET, X86_64));
    assertEquals(ALLOW, run(p.insns(), NR_PERSONALITY, X86_64));
    assertEquals(ALLOW, run(p.insns(), NR_MSEAL, X86_64));
    Seccomp.Program q = compile("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,'syscalls':[]}");
    assertEquals(ENOSYS, run(q.insns(), NR_GETPID, X86_64));
  }

  @Test
  void actions_asTheKernelNumbersThem() {
    String[][] cases = {{"SCMP_ACT_KILL", "0"}, {"SCMP_ACT_KILL_THREAD", "0"}, {"SCMP_ACT_KILL_PROCESS", "80000000"},
        {"SCMP_ACT_TRAP", "30000"}, {"SCMP_ACT_LOG", "7ffc0000"}, {"SCMP_ACT_TRACE", "7ff00007"}, {"SCMP_ACT_ERRNO", "50007"}};
    for (String[] c : cases) {
      Seccomp.Program p = compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid'],'action':'" + c[0] + "','errnoRet':7}]}");
      assertEquals(Integer.parseUnsignedInt(c[1], 16), run(p.insns(), NR_GETPID, X86_64), c[0]);
    }
  }

  @Test
  void argumentCondition_onlyThatValueDenied() {
    // personality(0xffffffff) only; socket(AF_VSOCK) only
    Seccomp.Program p = compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
        + "{'names':['personality'],'action':'SCMP_ACT_ERRNO','errnoRet':22,'args':[{'index':0,'value':4294967295,'op':'SCMP_CMP_EQ'}]},"
        + "{'names':['socket'],'action':'SCMP_ACT_ERRNO','errnoRet':97,'args':[{'index':0,'value':40,'op':'SCMP_CMP_EQ'}]}]}");
    assertEquals(Seccomp.RET_ERRNO | 22, run(p.insns(), NR_PERSONALITY, X86_64, 0xffffffffL));
    assertEquals(ALLOW, run(p.insns(), NR_PERSONALITY, X86_64, 0));
    // all 64 bits compared, as libseccomp does
    assertEquals(ALLOW, run(p.insns(), NR_PERSONALITY, X86_64, 0x1ffffffffL));
    assertEquals(Seccomp.RET_ERRNO | 97, run(p.insns(), NR_SOCKET, X86_64, 40, 1, 0));
    assertEquals(ALLOW, run(p.insns(), NR_SOCKET, X86_64, 1, 1, 0));
  }

  @Test
  void everyOperator_64BitsAcrossTheHalves_againstJavasUnsignedCompare() {
    long[] interesting = {0, 1, 2, 0x7fffffffL, 0x80000000L, 0xffffffffL, 0x100000000L, 0x100000001L, 0x1ffffffffL,
        0x7fffffffffffffffL, 0x8000000000000000L, -2L, -1L, 0xdead00000000beefL};
    Random rnd = new Random(15);
    List<Long> values = new ArrayList<>();
    for (long v : interesting) values.add(v);
    for (int i = 0; i < 12; i++) values.add(rnd.nextLong());
    for (String op : List.of("SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE")) {
      for (long v : values) {
        Seccomp.Program p = compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ERRNO',"
            + "'args':[{'index':3,'value':" + Long.toUnsignedString(v) + ",'op':'" + op + "'}]}]}");
        for (long x : values) {
          int c = Long.compareUnsigned(x, v);
          boolean holds = switch (op) {
            case "SCMP_CMP_EQ" -> c == 0;
            case "SCMP_CMP_NE" -> c != 0;
            case "SCMP_CMP_LT" -> c < 0;
            case "SCMP_CMP_LE" -> c <= 0;
            case "SCMP_CMP_GT" -> c > 0;
            default -> c >= 0;
          };
          assertEquals(holds ? EPERM : ALLOW, run(p.insns(), NR_GETPID, X86_64, 0, 0, 0, x),
              Long.toHexString(x) + " " + op + " " + Long.toHexString(v));
        }
      }
    }
    long mask = 0xff000000000000ffL, want = 0x1200000000000034L;
    Seccomp.Program p = compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ERRNO',"
        + "'args':[{'index':5,'value':" + Long.toUnsignedString(mask) + ",'valueTwo':" + Long.toUnsignedString(want) + ",'op':'SCMP_CMP_MASKED_EQ'}]}]}");
    for (long x : List.of(want, want | 0x00ffffffffffff00L, 0x1300000000000034L, 0x1200000000000035L, 0L, -1L)) {
      assertEquals((x & mask) == want ? EPERM : ALLOW, run(p.insns(), NR_GETPID, X86_64, 0, 0, 0, 0, 0, x), Long.toHexString(x));
    }
  }

  @Test
  void conditionsOnDifferentArgsAnd_onTheSameArgOr() {
    Seccomp.Program and = compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['socket'],'action':'SCMP_ACT_ERRNO',"
        + "'args':[{'index':0,'value':16,'op':'SCMP_CMP_EQ'},{'index':2,'value':9,'op':'SCMP_CMP_EQ'}]}]}");
    assertEquals(EPERM, run(and.insns(), NR_SOCKET, X86_64, 16, 3, 9));
    assertEquals(ALLOW, run(and.insns(), NR_SOCKET, X86_64, 16, 3, 0));
    assertEquals(ALLOW, run(and.insns(), NR_SOCKET, X86_64, 2, 3, 9));
    Seccomp.Program or = compile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['socket'],'action':'SCMP_ACT_ERRNO',"
        + "'args':[{'index':0,'value':16,'op':'SCMP_CMP_EQ'},{'index':0,'value':40,'op':'SCMP_CMP_EQ'}]}]}");
    assertEquals(EPERM, run(or.insns(), NR_SOCKET, X86_64, 16));
    assertEquals(EPERM, run(or.insns(), NR_SOCKET, X86_64, 40));
    assertEquals(ALLOW, run(or.insns(), NR_SOCKET, X86_64, 2));
  }

  @Test
  void conditionalRulesBeforeTheUnconditionalOne() {
    Seccomp.Program p = compile("{'defaultAction':'SCMP_ACT_ERRNO','syscalls':[{'names':['socket'],'action':'SCMP_ACT_ALLOW'},"
        + "{'names':['socket'],'action':'SCMP_ACT_ERRNO','errnoRet':97,'args':[{'index':0,'value':40,'op':'SCMP_CMP_EQ'}]}]}");
    assertEquals(Seccomp.RET_ERRNO | 97, run(p.insns(), NR_SOCKET, X86_64, 40));
    assertEquals(ALLOW, run(p.insns(), NR_SOCKET, X86_64, 2));
  }

  @Test
  void i386AndX32_theirOwnNumbers() {
    Seccomp.Program p = compile("{'defaultAction':'SCMP_ACT_ERRNO','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32','SCMP_ARCH_AARCH64'],"
        + "'syscalls':[{'names':['getpid','socketcall'],'action':'SCMP_ACT_ALLOW'}]}");
    assertEquals(ALLOW, run(p.insns(), 20, I386)); // i386 getpid
    assertEquals(ALLOW, run(p.insns(), 102, I386)); // socketcall exists on i386 only
    assertEquals(EPERM, run(p.insns(), NR_GETPID, I386)); // 39 is i386 mkdir
    assertEquals(ALLOW, run(p.insns(), NR_GETPID | Seccomp.X32_BIT, X86_64));
    assertEquals(EPERM, run(p.insns(), 0 | Seccomp.X32_BIT, X86_64));
    assertEquals(ALLOW, run(p.insns(), NR_GETPID, X86_64));
  }

  @Test
  void podmansDefaultProfile_fitsAndAllowsWhatItLists() throws Exception {
    Path f = Path.of("/usr/share/containers/seccomp.json"); // Debian's podman (containers-common)
    // podman's file is docker's format: turn it into the OCI form podman writes into config.json
    Map<String, Object> docker = Json.parseObject(Files.readString(f));
    List<Object> calls = new ArrayList<>();
    for (Object o : (List<?>) docker.get("syscalls")) {
      @SuppressWarnings("unchecked") Map<String, Object> s = (Map<String, Object>) o;
      if (s.get("includes") instanceof Map<?, ?> inc && !inc.isEmpty()
          && !(inc.keySet().stream().allMatch(k -> k.equals("arches") || k.equals("minKernel"))
              && inc.get("arches") instanceof List<?> arches && arches.contains("amd64"))) {
        continue; // needs a capability the container lacks, or another machine
      } // per capability or architecture: left out of the default container
      s.remove("includes");
      s.remove("excludes");
      calls.add(s);
    }
    Map<String, Object> oci = new java.util.LinkedHashMap<>(Map.of("defaultAction", docker.get("defaultAction"),
        "defaultErrnoRet", docker.get("defaultErrnoRet"), "architectures", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
        "syscalls", calls));
    List<String> skipped = new ArrayList<>();
    Seccomp.Program p = Seccomp.compile(oci, skipped);
    assertTrue(p.insns().size() <= 4096, "" + p.insns().size());
    assertEquals(ALLOW, run(p.insns(), NR_GETPID, X86_64));
    assertEquals(ALLOW, run(p.insns(), 0 /* read */, X86_64));
    assertEquals(ALLOW, run(p.insns(), 3 /* i386 read */, I386));
    assertEquals(ALLOW, run(p.insns(), NR_PERSONALITY, X86_64, 0xffffffffL));
    assertEquals(ENOSYS, run(p.insns(), NR_PERSONALITY, X86_64, 1));
    assertEquals(EPERM, run(p.insns(), 175 /* init_module: errnoRet 1 without CAP_SYS_MODULE */, X86_64));
    assertEquals(ENOSYS, run(p.insns(), 248 /* add_key: not listed, the default */, X86_64));
    assertFalse(skipped.contains("getpid"));
  }

  @Test
  void badProfiles_oneLineErrors() {
    String[][] bad = {
      {"{'syscalls':[]}", "defaultAction is missing"},
      {"{'defaultAction':'SCMP_ACT_SOMETIMES'}", "unknown action `SCMP_ACT_SOMETIMES`"},
      {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid'],'action':'SCMP_ACT_NOPE'}]}", "unknown action `SCMP_ACT_NOPE`"},
      {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_ABOUT'}]}]}", "unknown operator `SCMP_CMP_ABOUT`"},
      {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ERRNO','args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}", "index 6"},
      {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':-1,'op':'SCMP_CMP_EQ'}]}]}", "unsigned 64-bit"},
      {"{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_Z80']}", "unknown architecture `SCMP_ARCH_Z80`"},
      {"{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_NEW_LISTENER']}", "flag `SECCOMP_FILTER_FLAG_NEW_LISTENER` not supported"},
      {"{'defaultAction':'SCMP_ACT_NOTIFY'}", "SCMP_ACT_NOTIFY is not supported"},
      {"{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid']}]}", "has no action"},
    };
    for (String[] b : bad) {
      JboxException e = assertThrows(JboxException.class, () -> compile(b[0]), b[0]);
      assertTrue(e.getMessage().contains(b[1]) && !e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void flagsAndPlanValue() {
    Seccomp.Program p = compile("{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_SPEC_ALLOW']}");
    assertEquals(6, p.flags());
    String v = p.planValue();
    assertTrue(v.startsWith("6 "), v);
    assertEquals(16 * p.insns().size(), v.length() - 2);
    // the first instruction loads the arch: BPF_LD|BPF_W|BPF_ABS, offset 4
    assertEquals("0020000000000004", v.substring(2, 18));
  }

  @Test
  void unknownNames_skippedAndReported() {
    List<String> skipped = new ArrayList<>();
    Seccomp.compile(profile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpid','arm_fadvise64_64'],'action':'SCMP_ACT_ERRNO'}]}"), skipped);
    assertEquals(List.of("arm_fadvise64_64"), skipped);
  }
}
