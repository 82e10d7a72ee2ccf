package dev.jbox.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbox.JboxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Go-template subset of --format, against what Go's text/template prints for the same data. */
class TemplateTest {
  static Map<String, Object> data() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("Pid", 4242L);
    state.put("Running", true);
    state.put("Status", "running");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", "abc");
    m.put("Names", List.of("web", "www"));
    m.put("State", state);
    m.put("Env", List.of("A=1", "B=2"));
    m.put("Labels", Map.of());
    m.put("Nothing", null);
    return m;
  }

  @Test
  void fieldsNestedFieldsAndDot() {
    assertEquals("4242", Template.parse("{{.State.Pid}}").render(data()));
    assertEquals("abc running true", Template.parse("{{.Id}} {{.State.Status}} {{.State.Running}}").render(data()));
    assertEquals("[web www]", Template.parse("{{.Names}}").render(data()));
    assertEquals("<no value>", Template.parse("{{.Nothing}}").render(data()));
    assertEquals("x", Template.parse("{{.}}").render("x"));
    assertEquals("map[Pid:4242 Running:true Status:running]", Template.parse("{{.State}}").render(data()));
  }

  @Test
  void jsonOfDotAndOfAField() {
    assertEquals(Json.write(data()), Template.parse("{{json .}}").render(data()));
    assertEquals("[\"A=1\",\"B=2\"]", Template.parse("{{json .Env}}").render(data()));
    assertEquals("\"abc\"", Template.parse("{{ json .Id }}").render(data()));
  }

  @Test
  void rangeIfElseJoinLenUpper() {
    assertEquals("A=1;B=2;", Template.parse("{{range .Env}}{{.}};{{end}}").render(data()));
    assertEquals("none", Template.parse("{{range .Labels}}x{{else}}none{{end}}").render(data()));
    assertEquals("up", Template.parse("{{if .State.Running}}up{{else}}down{{end}}").render(data()));
    assertEquals("down", Template.parse("{{if .Nothing}}up{{else}}down{{end}}").render(data()));
    assertEquals("web,www", Template.parse("{{join .Names \",\"}}").render(data()));
    assertEquals("2 ABC", Template.parse("{{len .Names}} {{upper .Id}}").render(data()));
  }

  @Test
  void tableWithTabEscapes_headerFromFieldNames() {
    Template t = Template.parse("table {{.ID}}\\t{{.Names}}\\t{{.CreatedAt}}");
    assertTrue(t.table());
    assertEquals("CONTAINER ID\tNAMES\tCREATED AT", t.header());
    assertEquals("abc\tweb\tnow", t.render(Map.of("ID", "abc", "Names", "web", "CreatedAt", "now")));
    assertFalse(Template.parse("{{.ID}}").table());
    assertEquals("a\tb\n", Template.parse("{{.X}}\\t{{.Y}}\\n").render(Map.of("X", "a", "Y", "b")));
  }

  @Test
  void malformedFormatsAndUnknownFields_areOneLineErrors() {
    for (String bad : List.of("{{.Id", "{{range .Env}}x", "{{end}}", "{{nosuch .Id}}", "{{.Id .Names}}", "{{.a..b}}", "table",
        "{{if .Id}}x{{else}}y")) {
      JboxException e = assertThrows(JboxException.class, () -> Template.parse(bad), bad);
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
    JboxException e = assertThrows(JboxException.class, () -> Template.parse("{{.State.Nope}}").render(data()));
    assertTrue(e.getMessage().contains("no field `Nope`"), e.getMessage());
    assertThrows(JboxException.class, () -> Template.parse("{{.Id.X}}").render(data()));
  }
}
